import { randomBytes } from 'node:crypto';
import { str } from '../../core/coerce.js';
import { AwsError } from '../../core/errors.js';
import {
  type Ctx,
  getShard,
  getStream,
  type Input,
  ITERATOR_TTL_MS,
  intInRange,
  invalidArgument,
  MAX_GET_RECORDS_BYTES,
  notFound,
  READS_PER_SECOND,
  SEQUENCE_BASE,
  SHARD_FACTOR,
  type Shard,
  type StoredRecord,
  type Stream,
  seconds,
  shardIdOf,
  validation,
} from './state.js';
import { toMillis } from './streams.js';

// ---------------------------------------------------------------------------------------------
// Reading

export interface IteratorState {
  readonly stream: string;
  readonly streamCreatedAt: number;
  readonly shard: string;
  /** Records with a sequence number above this are next. */
  readonly after: string;
  readonly issued: number;
}

export const makeIterator = (stream: Stream, shard: Shard, after: bigint, issued: number): string =>
  Buffer.from(
    JSON.stringify({
      stream: stream.name,
      streamCreatedAt: stream.createdAt,
      shard: shard.id,
      after: after.toString(),
      issued,
      nonce: randomBytes(6).toString('hex'),
    } satisfies IteratorState & { nonce: string }),
  ).toString('base64');

export const readIterator = (iterator: string): IteratorState => {
  try {
    const parsed = JSON.parse(Buffer.from(iterator, 'base64').toString('utf8')) as IteratorState;
    if (typeof parsed.stream === 'string' && typeof parsed.shard === 'string' && /^\d+$/.test(parsed.after)) {
      return parsed;
    }
  } catch {
    // fall through
  }
  throw invalidArgument(`Invalid ShardIterator.`);
};

export const ITERATOR_TYPES = new Set([
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
  'TRIM_HORIZON',
  'LATEST',
  'AT_TIMESTAMP',
]);

export const getShardIterator = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const shard = getShard(ctx, stream, input.ShardId);
  const type = str(input.ShardIteratorType) ?? '';
  if (!ITERATOR_TYPES.has(type)) {
    throw validation(
      `Value '${type}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]`,
    );
  }
  const last = shard.records.at(-1)?.sequenceNumber ?? shard.startingSequenceNumber;
  let after: bigint;
  if (type === 'TRIM_HORIZON') after = shard.startingSequenceNumber - 1n;
  else if (type === 'LATEST') after = shard.endingSequenceNumber ?? last;
  else if (type === 'AT_TIMESTAMP') {
    const ts = toMillis(input.Timestamp);
    if (ts === undefined) {
      throw invalidArgument('Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.');
    }
    const first = shard.records.find((r) => r.arrival >= ts);
    after = first ? first.sequenceNumber - 1n : (shard.endingSequenceNumber ?? last);
  } else {
    const raw = str(input.StartingSequenceNumber);
    if (raw === undefined) {
      throw invalidArgument(`Must specify StartingSequenceNumber for iterator of type ${type}.`);
    }
    if (!/^\d{1,128}$/.test(raw)) {
      throw validation(
        `Value '${raw}' at 'startingSequenceNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})`,
      );
    }
    const seq = BigInt(raw);
    const owner = (seq - SEQUENCE_BASE) / SHARD_FACTOR;
    if (seq < SEQUENCE_BASE || owner !== BigInt(shard.index)) {
      throw invalidArgument(
        `Invalid StartingSequenceNumber. It encodes ${seq < SEQUENCE_BASE ? 'an invalid shard' : shardIdOf(Number(owner))}, while it was used in a call to a shard with ${shard.id}`,
      );
    }
    after = type === 'AT_SEQUENCE_NUMBER' ? seq - 1n : seq;
  }
  return { ShardIterator: makeIterator(stream, shard, after, ctx.emulator.now()) };
};

export const getRecords = (input: Input, ctx: Ctx): unknown => {
  const raw = str(input.ShardIterator);
  if (raw === undefined || raw === '') {
    throw validation("Value null at 'shardIterator' failed to satisfy constraint: Member must not be null");
  }
  const limit = intInRange(input.Limit, 'limit', 1, 10_000) ?? 10_000;
  const it = readIterator(raw);
  const now = ctx.emulator.now();
  const stream = ctx.state.streams.get(it.stream);
  if (!stream || stream.createdAt !== it.streamCreatedAt) throw notFound(ctx, it.stream);
  const shard = getShard(ctx, stream, it.shard);
  if (now - it.issued > ITERATOR_TTL_MS) {
    throw new AwsError(
      'ExpiredIteratorException',
      `Iterator expired. The iterator was created at time ${new Date(it.issued).toUTCString()} while right now it is ${new Date(now).toUTCString()} which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
    );
  }
  while (shard.reads.length > 0 && (shard.reads[0] as number) <= now - 1000) shard.reads.shift();
  if (shard.reads.length >= READS_PER_SECOND) {
    throw new AwsError(
      'ProvisionedThroughputExceededException',
      `Rate exceeded for Shard - ${ctx.accountId} - ${stream.name} - ${shard.id}. Consider reducing the rate of GetRecords calls.`,
    );
  }
  shard.reads.push(now);

  const after = BigInt(it.after);
  const minArrival = now - stream.retentionHours * 3_600_000;
  const pending = shard.records.filter((r) => r.sequenceNumber > after && r.arrival >= minArrival);
  const batch: StoredRecord[] = [];
  let bytes = 0;
  for (const r of pending) {
    if (batch.length >= limit || (batch.length > 0 && bytes + r.size > MAX_GET_RECORDS_BYTES)) break;
    batch.push(r);
    bytes += r.size;
  }
  const lastRead = batch.at(-1)?.sequenceNumber ?? after;
  const atEnd = batch.length === pending.length;
  const behind = atEnd ? 0 : Math.max(0, now - (pending[batch.length] as StoredRecord).arrival);
  const out: Record<string, unknown> = {
    Records: batch.map((r) => ({
      SequenceNumber: r.sequenceNumber.toString(),
      ApproximateArrivalTimestamp: seconds(r.arrival),
      Data: r.data,
      PartitionKey: r.partitionKey,
    })),
    MillisBehindLatest: behind,
  };
  if (shard.closedAt !== undefined && atEnd) {
    out.ChildShards = stream.shards
      .filter((s) => s.parents.includes(shard.id))
      .map((s) => ({
        ShardId: s.id,
        ParentShards: [...s.parents],
        HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
      }));
  } else {
    out.NextShardIterator = makeIterator(stream, shard, lastRead, now);
  }
  return out;
};
