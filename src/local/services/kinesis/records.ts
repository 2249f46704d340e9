import { str } from '../../core/coerce.js';
import { MAX_HASH_KEY, partitionKeyHash } from './hash.js';
import {
  type Ctx,
  getStream,
  type Input,
  invalidArgument,
  MAX_RECORD_BYTES,
  nextSequence,
  type Shard,
  type Stream,
  validation,
} from './state.js';

// ---------------------------------------------------------------------------------------------
// Writing

export const openShardFor = (stream: Stream, hash: bigint): Shard =>
  stream.shards.find((s) => s.closedAt === undefined && s.start <= hash && hash <= s.end) as Shard;

/** Validates one record and returns where it goes. */
export const routeRecord = (
  stream: Stream,
  record: Input,
  path: string,
): { shard: Shard; data: string; size: number } => {
  const partitionKey = str(record.PartitionKey);
  if (partitionKey === undefined || partitionKey.length < 1 || partitionKey.length > 256) {
    throw validation(
      `Value '${partitionKey ?? 'null'}' at '${path}partitionKey' failed to satisfy constraint: Member must have length between 1 and 256`,
    );
  }
  const data = str(record.Data) ?? '';
  const size = Buffer.from(data, 'base64').length;
  if (size > MAX_RECORD_BYTES) {
    throw validation(
      `Value at '${path}data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD_BYTES}`,
    );
  }
  let hash: bigint;
  const explicit = str(record.ExplicitHashKey);
  if (explicit !== undefined) {
    if (!/^\d{1,39}$/.test(explicit) || BigInt(explicit) > MAX_HASH_KEY) {
      throw invalidArgument(
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${explicit}`,
      );
    }
    hash = BigInt(explicit);
  } else {
    hash = partitionKeyHash(partitionKey);
  }
  return { shard: openShardFor(stream, hash), data, size: size + Buffer.byteLength(partitionKey) };
};

export const append = (
  ctx: Ctx,
  stream: Stream,
  shard: Shard,
  record: Input,
  data: string,
  size: number,
): string => {
  const sequenceNumber = nextSequence(stream, shard);
  shard.records.push({
    sequenceNumber,
    data,
    partitionKey: record.PartitionKey as string,
    arrival: ctx.emulator.now(),
    size,
  });
  return sequenceNumber.toString();
};

export const putRecord = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const { shard, data, size } = routeRecord(stream, input, '');
  return { ShardId: shard.id, SequenceNumber: append(ctx, stream, shard, input, data, size) };
};

export const putRecords = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const records = Array.isArray(input.Records) ? (input.Records as Input[]) : [];
  if (records.length < 1 || records.length > 500) {
    throw validation(
      `Value at 'records' failed to satisfy constraint: Member must have length ${records.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 500'}`,
    );
  }
  const routed = records.map((r, i) => routeRecord(stream, r, `records.${i + 1}.member.`));
  const total = routed.reduce((n, r) => n + r.size, 0);
  if (total > 5 * 1024 * 1024) {
    throw invalidArgument('Records size exceeds 5 MB limit');
  }
  return {
    FailedRecordCount: 0,
    Records: routed.map((r, i) => ({
      ShardId: r.shard.id,
      SequenceNumber: append(ctx, stream, r.shard, records[i] as Input, r.data, r.size),
    })),
    EncryptionType: 'NONE',
  };
};
