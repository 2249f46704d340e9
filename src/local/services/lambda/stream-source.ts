import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import { AwsError } from '../../core/errors.js';
import { sendToArn } from './invoke.js';
import type { PollerContext } from './source.js';
import { failedItems } from './sqs-source.js';

const log = debuglog('eventprobe:lambda');

/** A raw record as the stream's GetRecords returns it. */
type RawRecord = Record<string, unknown>;

interface ShardInfo {
  readonly ShardId: string;
  readonly ParentShardId?: string;
}

/** How to read one kind of stream through its public API (Kinesis, or DynamoDB Streams). */
interface StreamAdapter {
  readonly service: 'kinesis' | 'dynamodb';
  readonly batchInfoKey: 'KinesisBatchInfo' | 'DDBStreamBatchInfo';
  shards(): Promise<ShardInfo[]>;
  iterator(shardId: string, type: string, timestamp: unknown): Promise<string>;
  read(iterator: string, limit: number): Promise<{ records: RawRecord[]; next: string | undefined }>;
  /** The record as Lambda hands it to the function. */
  toEvent(raw: RawRecord, shardId: string): Record<string, unknown>;
  /** The record as FilterCriteria see it. */
  filterView(event: Record<string, unknown>): unknown;
  seq(raw: RawRecord): string;
  /** Arrival in epoch ms. */
  arrival(raw: RawRecord): number;
}

const seconds = (v: unknown): number => (typeof v === 'number' ? v * 1000 : new Date(String(v)).getTime());

const kinesisAdapter = (ctx: PollerContext, arn: string): StreamAdapter => {
  const name = arn.slice(arn.indexOf(':stream/') + ':stream/'.length);
  const call = (op: string, input: Record<string, unknown>) =>
    ctx.emulator.invoke('kinesis', op, input, { region: ctx.region, signal: ctx.signal });
  const role = 'arn:aws:iam::000000000000:role/eventprobe-lambda';
  return {
    service: 'kinesis',
    batchInfoKey: 'KinesisBatchInfo',
    shards: async () => ((await call('ListShards', { StreamName: name })) as { Shards: ShardInfo[] }).Shards,
    iterator: async (shardId, type, timestamp) =>
      (
        (await call('GetShardIterator', {
          StreamName: name,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(type === 'AT_TIMESTAMP' ? { Timestamp: timestamp } : {}),
        })) as { ShardIterator: string }
      ).ShardIterator,
    read: async (iterator, limit) => {
      const out = (await call('GetRecords', { ShardIterator: iterator, Limit: limit })) as {
        Records: RawRecord[];
        NextShardIterator?: string;
      };
      return { records: out.Records, next: out.NextShardIterator };
    },
    toEvent: (r, shardId) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey,
        sequenceNumber: r.SequenceNumber,
        data: r.Data,
        approximateArrivalTimestamp: r.ApproximateArrivalTimestamp,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${String(r.SequenceNumber)}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: role,
      awsRegion: ctx.region,
      eventSourceARN: arn,
    }),
    filterView: (event) => {
      const k = event.kinesis as Record<string, unknown>;
      try {
        const data = JSON.parse(Buffer.from(String(k.data), 'base64').toString('utf8')) as unknown;
        return { ...event, data, kinesis: { ...k, data } };
      } catch {
        return { ...event, data: k.data };
      }
    },
    seq: (r) => String(r.SequenceNumber),
    arrival: (r) => seconds(r.ApproximateArrivalTimestamp),
  };
};

const dynamodbAdapter = (ctx: PollerContext, arn: string): StreamAdapter => {
  const call = (op: string, input: Record<string, unknown>) =>
    ctx.emulator.invoke('dynamodb', op, input, { region: ctx.region, signal: ctx.signal });
  return {
    service: 'dynamodb',
    batchInfoKey: 'DDBStreamBatchInfo',
    shards: async () =>
      ((await call('DescribeStream', { StreamArn: arn })) as { StreamDescription: { Shards: ShardInfo[] } })
        .StreamDescription.Shards,
    iterator: async (shardId, type) =>
      (
        (await call('GetShardIterator', {
          StreamArn: arn,
          ShardId: shardId,
          ShardIteratorType: type === 'AT_TIMESTAMP' ? 'TRIM_HORIZON' : type,
        })) as { ShardIterator: string }
      ).ShardIterator,
    read: async (iterator, limit) => {
      const out = (await call('GetRecords', { ShardIterator: iterator, Limit: Math.min(limit, 1000) })) as {
        Records: RawRecord[];
        NextShardIterator?: string;
      };
      return { records: out.Records, next: out.NextShardIterator };
    },
    toEvent: (r) => ({ ...r, eventSourceARN: arn }),
    filterView: (event) => event,
    seq: (r) => String((r.dynamodb as Record<string, unknown>).SequenceNumber),
    arrival: (r) => seconds((r.dynamodb as Record<string, unknown>).ApproximateCreationDateTime),
  };
};

const POLL_IDLE_MS = 250;
const RETRY_BACKOFF_MS = 20;

/**
 * Reads a Kinesis stream or a DynamoDB stream for a mapping: one reader per shard (children after
 * their parents), in order, batches of BatchSize, FilterCriteria, retries of a failed batch
 * (bisected with BisectBatchOnFunctionError) up to MaximumRetryAttempts / MaximumRecordAgeInSeconds,
 * then the batch's description to DestinationConfig.OnFailure and on to the next records.
 */
export const pollStream = async (ctx: PollerContext): Promise<void> => {
  const arn = String(ctx.mapping.config.EventSourceArn);
  const adapter = ctx.mapping.kind === 'kinesis' ? kinesisAdapter(ctx, arn) : dynamodbAdapter(ctx, arn);
  const started = new Map<string, Promise<void>>();
  const finished = new Set<string>();
  let first = true;
  while (!ctx.signal.aborted) {
    let shards: ShardInfo[] = [];
    try {
      shards = await adapter.shards();
    } catch (err) {
      if (ctx.signal.aborted) return;
      ctx.result(`PROBLEM: ${(err as Error).message}`);
    }
    const known = new Set(shards.map((s) => s.ShardId));
    for (const shard of shards) {
      if (started.has(shard.ShardId)) continue;
      const parent = shard.ParentShardId;
      if (parent !== undefined && known.has(parent) && !finished.has(parent)) continue;
      // Shards that appear after the start (resharding) are read from their beginning.
      const type = first ? String(ctx.mapping.config.StartingPosition) : 'TRIM_HORIZON';
      const run = readShard(ctx, adapter, shard.ShardId, type).then(() => {
        finished.add(shard.ShardId);
      });
      started.set(shard.ShardId, run);
    }
    first = false;
    await sleep(1000, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
  await Promise.allSettled(started.values());
};

const isThrottle = (err: unknown): boolean =>
  err instanceof AwsError && /ProvisionedThroughputExceeded|LimitExceeded|Throttl/.test(err.code);

const readShard = async (
  ctx: PollerContext,
  adapter: StreamAdapter,
  shardId: string,
  type: string,
): Promise<void> => {
  let iterator: string | undefined;
  while (!ctx.signal.aborted && iterator === undefined) {
    try {
      iterator = await adapter.iterator(shardId, type, ctx.mapping.config.StartingPositionTimestamp);
    } catch (err) {
      if (ctx.signal.aborted) return;
      log('GetShardIterator %s failed: %O', shardId, err);
      await sleep(POLL_IDLE_MS * 4, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  }
  while (!ctx.signal.aborted && iterator !== undefined) {
    const batchSize = Number(ctx.mapping.config.BatchSize);
    const windowMs = Number(ctx.mapping.config.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    const batch: RawRecord[] = [];
    const startedAt = Date.now();
    try {
      for (;;) {
        const { records, next } = await adapter.read(iterator as string, batchSize - batch.length);
        batch.push(...records);
        iterator = next;
        const full = batch.length >= batchSize;
        if (full || next === undefined || Date.now() - startedAt >= windowMs) break;
        if (records.length === 0)
          await sleep(Math.min(POLL_IDLE_MS, windowMs), undefined, { signal: ctx.signal });
      }
    } catch (err) {
      if (ctx.signal.aborted) return;
      if (!isThrottle(err)) log('GetRecords %s failed: %O', shardId, err);
      await sleep(POLL_IDLE_MS * 4, undefined, { signal: ctx.signal }).catch(() => undefined);
      continue;
    }
    if (batch.length === 0) {
      if (iterator === undefined) return; // closed shard, fully read
      await sleep(POLL_IDLE_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
      continue;
    }
    const events = batch
      .map((raw) => ({ raw, event: adapter.toEvent(raw, shardId) }))
      .filter(({ event }) => ctx.matches(adapter.filterView(event)));
    if (events.length > 0) await processBatch(ctx, adapter, shardId, events, 0);
  }
};

interface Item {
  readonly raw: RawRecord;
  readonly event: Record<string, unknown>;
}

const processBatch = async (
  ctx: PollerContext,
  adapter: StreamAdapter,
  shardId: string,
  items: Item[],
  attempts: number,
): Promise<void> => {
  const config = ctx.mapping.config;
  let records = items;
  let tries = attempts;
  while (!ctx.signal.aborted) {
    const maxAge = Number(config.MaximumRecordAgeInSeconds ?? -1);
    if (maxAge !== -1) {
      const now = ctx.emulator.now();
      const old = records.filter((r) => now - adapter.arrival(r.raw) > maxAge * 1000);
      if (old.length > 0) {
        await onFailure(ctx, adapter, shardId, old, tries, 'RecordAgeExceeded', undefined);
        records = records.filter((r) => !old.includes(r));
        if (records.length === 0) return;
      }
    }
    const result = await ctx.invoke({ Records: records.map((r) => r.event) });
    if (!result) {
      await sleep(POLL_IDLE_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
      continue;
    }
    tries++;
    let failedFrom = result.error ? 0 : -1;
    const reportsItems = (config.FunctionResponseTypes as string[] | undefined)?.includes(
      'ReportBatchItemFailures',
    );
    if (!result.error && reportsItems) {
      const seqs = records.map((r) => adapter.seq(r.raw));
      const failed = failedItems(result.payload, new Set(seqs));
      failedFrom =
        failed === undefined
          ? 0
          : failed.size === 0
            ? -1
            : Math.min(...[...failed].map((s) => seqs.indexOf(s)));
    }
    if (failedFrom < 0) {
      ctx.result('OK');
      return;
    }
    ctx.result('PROBLEM: Function call failed');
    const remaining = records.slice(failedFrom);
    if (config.BisectBatchOnFunctionError === true && remaining.length > 1) {
      const half = Math.ceil(remaining.length / 2);
      await processBatch(ctx, adapter, shardId, remaining.slice(0, half), tries);
      await processBatch(ctx, adapter, shardId, remaining.slice(half), tries);
      return;
    }
    const maxRetries = Number(config.MaximumRetryAttempts ?? -1);
    if (maxRetries !== -1 && tries > maxRetries) {
      await onFailure(ctx, adapter, shardId, remaining, tries, 'RetryAttemptsExhausted', result);
      return;
    }
    records = remaining;
    await sleep(RETRY_BACKOFF_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
};

const onFailure = async (
  ctx: PollerContext,
  adapter: StreamAdapter,
  shardId: string,
  items: Item[],
  attempts: number,
  condition: string,
  result: { requestId: string; executedVersion: string; error: unknown } | undefined,
): Promise<void> => {
  const destination = (
    ctx.mapping.config.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined
  )?.OnFailure?.Destination;
  if (typeof destination !== 'string') return;
  const first = items[0] as Item;
  const last = items.at(-1) as Item;
  const body = {
    requestContext: {
      requestId: result?.requestId ?? crypto.randomUUID(),
      functionArn: ctx.mapping.config.FunctionArn,
      condition,
      approximateInvokeCount: attempts,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: result?.executedVersion ?? '$LATEST',
      ...(result?.error ? { functionError: 'Unhandled' } : {}),
    },
    version: '1.0',
    timestamp: new Date(ctx.emulator.now()).toISOString(),
    [adapter.batchInfoKey]: {
      shardId,
      startSequenceNumber: adapter.seq(first.raw),
      endSequenceNumber: adapter.seq(last.raw),
      approximateArrivalOfFirstRecord: new Date(adapter.arrival(first.raw)).toISOString(),
      approximateArrivalOfLastRecord: new Date(adapter.arrival(last.raw)).toISOString(),
      batchSize: items.length,
      streamArn: ctx.mapping.config.EventSourceArn,
    },
  };
  await sendToArn(ctx.emulator, destination, JSON.stringify(body)).catch((err: unknown) =>
    log('could not deliver to on-failure destination %s: %O', destination, err),
  );
};
