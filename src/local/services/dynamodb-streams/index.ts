/**
 * DynamoDB Streams (AWS JSON 1.0, target prefix `DynamoDBStreams_20120810`): ListStreams,
 * DescribeStream, GetShardIterator and GetRecords over the change streams that the `dynamodb`
 * service records. The SDK signs these requests with the service name `dynamodb`; the server
 * routes them here by their X-Amz-Target prefix.
 */
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { defineService } from '../../core/service.js';
import { sweepTtl } from '../dynamodb/items.js';
import type { DynamoDbState, StreamShard, TableStream } from '../dynamodb/model.js';
import { RETENTION_MS, trimStreams } from '../dynamodb/stream.js';

/** Stream operations read the `dynamodb` state of the region, whichever service they are called through. */
type Ctx = OpContext<unknown>;
type Input = Record<string, unknown>;

const ITERATOR_TTL_MS = 15 * 60 * 1000;
const MAX_RECORDS = 1000;

const validation = (message: string): AwsError => new AwsError('ValidationException', message);

/** The DynamoDB state of the caller's region, with expired items swept and old records trimmed. */
const dynamoState = (ctx: Ctx): DynamoDbState => {
  const state = ctx.emulator.state<DynamoDbState>('dynamodb', ctx.region);
  const dctx = { ...ctx, state } as OpContext<DynamoDbState>;
  for (const table of state.tables.values()) sweepTtl(dctx, table);
  trimStreams(dctx);
  return state;
};

const streamOf = (ctx: Ctx, arn: unknown): TableStream => {
  const text = typeof arn === 'string' ? arn : '';
  if (!/^arn:aws[^:]*:dynamodb:[^:]+:\d{12}:table\/[^/]+\/stream\/.+$/.test(text)) {
    throw validation(`Invalid StreamArn`);
  }
  const stream = dynamoState(ctx).streams.get(text);
  if (!stream)
    throw new AwsError(
      'ResourceNotFoundException',
      `Requested resource not found: Stream: ${text} not found`,
    );
  return stream;
};

const status = (stream: TableStream): string => (stream.disabledAt === undefined ? 'ENABLED' : 'DISABLED');

const listStreams = (input: Input, ctx: Ctx): unknown => {
  const state = dynamoState(ctx);
  const table = typeof input.TableName === 'string' ? input.TableName : undefined;
  if (table !== undefined && !state.tables.has(table)) {
    throw new AwsError(
      'ResourceNotFoundException',
      `Requested resource not found: Table: ${table} not found`,
    );
  }
  const limit = input.Limit === undefined ? 100 : Number(input.Limit);
  if (!(limit >= 1 && limit <= 100)) {
    throw validation(
      `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  const start = typeof input.ExclusiveStartStreamArn === 'string' ? input.ExclusiveStartStreamArn : undefined;
  const all = [...state.streams.values()]
    .filter((s) => table === undefined || s.tableName === table)
    .sort((a, b) => (a.arn < b.arn ? -1 : 1))
    .filter((s) => start === undefined || s.arn > start);
  const page = all.slice(0, limit);
  return {
    Streams: page.map((s) => ({ StreamArn: s.arn, TableName: s.tableName, StreamLabel: s.label })),
    ...(all.length > limit ? { LastEvaluatedStreamArn: page[page.length - 1]?.arn } : {}),
  };
};

const shardOut = (s: StreamShard): Record<string, unknown> => ({
  ShardId: s.id,
  SequenceNumberRange: {
    StartingSequenceNumber: String(s.startSequence),
    ...(s.endSequence === undefined ? {} : { EndingSequenceNumber: String(s.endSequence) }),
  },
  ...(s.parent === undefined ? {} : { ParentShardId: s.parent }),
});

const describeStream = (input: Input, ctx: Ctx): unknown => {
  const stream = streamOf(ctx, input.StreamArn);
  const limit = input.Limit === undefined ? 100 : Number(input.Limit);
  const start = typeof input.ExclusiveStartShardId === 'string' ? input.ExclusiveStartShardId : undefined;
  let shards = stream.shards;
  if (start !== undefined) {
    const at = shards.findIndex((s) => s.id === start);
    shards = at < 0 ? [] : shards.slice(at + 1);
  }
  const page = shards.slice(0, limit);
  return {
    StreamDescription: {
      StreamArn: stream.arn,
      StreamLabel: stream.label,
      StreamStatus: status(stream),
      StreamViewType: stream.viewType,
      CreationRequestDateTime: stream.createdAt / 1000,
      TableName: stream.tableName,
      KeySchema: [
        { AttributeName: stream.keys.hash, KeyType: 'HASH' },
        ...(stream.keys.range === undefined ? [] : [{ AttributeName: stream.keys.range, KeyType: 'RANGE' }]),
      ],
      Shards: page.map(shardOut),
      ...(shards.length > limit ? { LastEvaluatedShardId: page[page.length - 1]?.id } : {}),
    },
  };
};

interface Iterator {
  readonly arn: string;
  readonly shard: string;
  /** The next record to return has a sequence number greater than this. */
  readonly after: string;
  readonly expires: number;
}

const encodeIterator = (it: Iterator): string => Buffer.from(JSON.stringify(it)).toString('base64');

const decodeIterator = (raw: unknown): Iterator => {
  try {
    const it = JSON.parse(Buffer.from(String(raw), 'base64').toString('utf8')) as Iterator;
    if (typeof it.arn !== 'string' || typeof it.shard !== 'string' || typeof it.after !== 'string')
      throw new Error();
    return it;
  } catch {
    throw validation('Invalid ShardIterator');
  }
};

const shardOf = (stream: TableStream, id: unknown): StreamShard => {
  const shard = stream.shards.find((s) => s.id === id);
  if (!shard) {
    throw new AwsError('ResourceNotFoundException', `Requested resource not found: Shard does not exist`);
  }
  return shard;
};

const getShardIterator = (input: Input, ctx: Ctx): unknown => {
  const stream = streamOf(ctx, input.StreamArn);
  const shard = shardOf(stream, input.ShardId);
  const type = String(input.ShardIteratorType);
  const seqText = typeof input.SequenceNumber === 'string' ? input.SequenceNumber : undefined;
  let after: bigint;
  if (type === 'TRIM_HORIZON') after = shard.startSequence - 1n;
  else if (type === 'LATEST')
    after = shard.endSequence ?? shard.records.at(-1)?.sequence ?? shard.startSequence;
  else if (type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') {
    if (seqText === undefined || !/^\d{21,40}$/.test(seqText)) {
      throw validation(`Invalid SequenceNumber for ${type} ShardIteratorType`);
    }
    const seq = BigInt(seqText);
    const first = shard.records[0]?.sequence;
    const last = shard.endSequence ?? shard.records.at(-1)?.sequence ?? shard.startSequence;
    if (seq < shard.startSequence || seq > last) {
      throw validation(
        `StartingSequenceNumber ${seqText} used in GetShardIterator on shard ${shard.id} is not in the shard's sequence number range`,
      );
    }
    if (
      first !== undefined &&
      seq < first &&
      shard.records.length > 0 &&
      ctx.emulator.now() - shard.createdAt > RETENTION_MS
    ) {
      throw new AwsError(
        'TrimmedDataAccessException',
        'The operation attempted to read past the oldest stream record in a shard.',
      );
    }
    after = type === 'AT_SEQUENCE_NUMBER' ? seq - 1n : seq;
  } else {
    throw validation(
      `1 validation error detected: Value '${type}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]`,
    );
  }
  return {
    ShardIterator: encodeIterator({
      arn: stream.arn,
      shard: shard.id,
      after: String(after),
      expires: ctx.emulator.now() + ITERATOR_TTL_MS,
    }),
  };
};

const getRecords = (input: Input, ctx: Ctx): unknown => {
  const it = decodeIterator(input.ShardIterator);
  const limit = input.Limit === undefined ? MAX_RECORDS : Number(input.Limit);
  if (!(limit >= 1 && limit <= MAX_RECORDS)) {
    throw validation(
      `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  if (ctx.emulator.now() > it.expires) {
    throw new AwsError(
      'ExpiredIteratorException',
      'Iterator expired. The iterator was created at time ' +
        new Date(it.expires - ITERATOR_TTL_MS).toISOString() +
        ' while right now it is ' +
        new Date(ctx.emulator.now()).toISOString() +
        ' which is further in the future than the tolerated delay of 900000 milliseconds.',
    );
  }
  const stream = streamOf(ctx, it.arn);
  const shard = shardOf(stream, it.shard);
  const after = BigInt(it.after);
  const first = shard.records[0];
  if (
    first &&
    after + 1n < first.sequence &&
    after >= shard.startSequence &&
    ctx.emulator.now() - shard.createdAt > RETENTION_MS
  ) {
    throw new AwsError(
      'TrimmedDataAccessException',
      'The operation attempted to read past the oldest stream record in a shard.',
    );
  }
  const records = shard.records.filter((r) => r.sequence > after).slice(0, limit);
  const lastSeq = records.at(-1)?.sequence ?? after;
  const drained = shard.endSequence !== undefined && !shard.records.some((r) => r.sequence > lastSeq);
  return {
    Records: records.map((r) => r.record),
    ...(drained
      ? {}
      : {
          NextShardIterator: encodeIterator({
            arn: it.arn,
            shard: it.shard,
            after: String(lastSeq),
            expires: ctx.emulator.now() + ITERATOR_TTL_MS,
          }),
        }),
  };
};

/**
 * The stream operations, also served by the `dynamodb` service so that in-process consumers (e.g.
 * Lambda event source mappings) can poll with `emulator.invoke('dynamodb', 'GetRecords', ...)`.
 */
export const streamOperations = {
  ListStreams: listStreams,
  DescribeStream: describeStream,
  GetShardIterator: getShardIterator,
  GetRecords: getRecords,
};

export const dynamodbStreams = defineService<unknown>({
  // Not a real signing name (the SDK signs with `dynamodb`): the key this service is registered
  // under; requests reach it by their X-Amz-Target prefix.
  signingName: 'streams.dynamodb',
  targetPrefix: 'DynamoDBStreams_20120810',
  jsonVersion: '1.0',
  createState: () => ({}),
  operations: streamOperations,
});
