import { arn } from '../../core/arn.js';
import { str } from '../../core/coerce.js';
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';

export interface StoredRecord {
  readonly sequenceNumber: bigint;
  readonly data: string;
  readonly partitionKey: string;
  readonly arrival: number;
  readonly size: number;
}

export interface Shard {
  readonly index: number;
  readonly id: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly parent: string | undefined;
  readonly adjacentParent: string | undefined;
  /** Every shard this one continues (more than two only after UpdateShardCount). */
  readonly parents: readonly string[];
  readonly startingSequenceNumber: bigint;
  endingSequenceNumber: bigint | undefined;
  readonly createdAt: number;
  closedAt: number | undefined;
  readonly records: StoredRecord[];
  /** Times of recent GetRecords calls, for the 5-per-second read limit. */
  readonly reads: number[];
}

export interface Stream {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly shards: Shard[];
  mode: 'PROVISIONED' | 'ON_DEMAND';
  retentionHours: number;
  tags: Record<string, string>;
  /** Stream-wide counter in the low digits of sequence numbers. */
  counter: bigint;
}

export interface KinesisState {
  readonly accountId: string;
  readonly region: string;
  readonly streams: Map<string, Stream>;
}

export type Ctx = OpContext<KinesisState>;
export type Input = Record<string, unknown>;

/** Shards an on-demand stream starts with. */
export const ON_DEMAND_SHARD_COUNT = 4;
export const MAX_SHARDS = 500;
export const ITERATOR_TTL_MS = 5 * 60 * 1000;
export const READS_PER_SECOND = 5;
export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
export const SEQUENCE_BASE = 49n * 10n ** 54n;
export const SHARD_FACTOR = 10n ** 36n;

export const invalidArgument = (message: string): AwsError =>
  new AwsError('InvalidArgumentException', message);
export const validation = (message: string): AwsError =>
  new AwsError('ValidationException', `1 validation error detected: ${message}`);

export const shardIdOf = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;
export const streamArn = (ctx: Ctx, name: string): string =>
  arn('kinesis', ctx.region, ctx.accountId, `stream/${name}`);
export const seconds = (ms: number): number => ms / 1000;

export const notFound = (ctx: Ctx, name: string): AwsError =>
  new AwsError('ResourceNotFoundException', `Stream ${name} under account ${ctx.accountId} not found.`);

/** The stream named by StreamName or StreamARN. */
export const getStream = (ctx: Ctx, input: Input): Stream => {
  const arn = str(input.StreamARN);
  let name = str(input.StreamName);
  if (arn !== undefined) {
    const m = /^arn:aws[^:]*:kinesis:([^:]+):(\d{12}):stream\/(.+)$/.exec(arn);
    if (!m) throw invalidArgument(`StreamARN ${arn} is not a valid stream ARN.`);
    if (m[1] !== ctx.region || m[2] !== ctx.accountId) throw notFound(ctx, m[3] as string);
    if (name !== undefined && name !== m[3]) {
      throw invalidArgument('StreamARN and StreamName do not refer to the same stream.');
    }
    name = m[3] as string;
  }
  if (name === undefined)
    throw validation("Value null at 'streamName' failed to satisfy constraint: Member must not be null");
  const stream = ctx.state.streams.get(name);
  if (!stream) throw notFound(ctx, name);
  return stream;
};

export const getShard = (ctx: Ctx, stream: Stream, shardId: unknown): Shard => {
  const id = str(shardId) ?? '';
  const shard = stream.shards.find((s) => s.id === id);
  if (!shard) {
    throw new AwsError(
      'ResourceNotFoundException',
      `Shard ${id} in stream ${stream.name} under account ${ctx.accountId} does not exist`,
    );
  }
  return shard;
};

export const nextSequence = (stream: Stream, shard: { index: number }): bigint => {
  stream.counter += 1n;
  return SEQUENCE_BASE + BigInt(shard.index) * SHARD_FACTOR + stream.counter;
};

export const newShard = (
  ctx: Ctx,
  stream: Stream,
  range: { start: bigint; end: bigint },
  parents: readonly string[] = [],
): Shard => {
  const index = stream.shards.length;
  const shard: Shard = {
    index,
    id: shardIdOf(index),
    start: range.start,
    end: range.end,
    parent: parents[0],
    adjacentParent: parents[1],
    parents,
    startingSequenceNumber: nextSequence(stream, { index }),
    endingSequenceNumber: undefined,
    // A stream's first shards are as old as the stream (one clock reading: shard filters compare them).
    createdAt: parents.length === 0 ? stream.createdAt : ctx.emulator.now(),
    closedAt: undefined,
    records: [],
    reads: [],
  };
  stream.shards.push(shard);
  return shard;
};

export const closeShard = (ctx: Ctx, stream: Stream, shard: Shard): void => {
  shard.endingSequenceNumber = nextSequence(stream, shard);
  shard.closedAt = ctx.emulator.now();
};

export const describeShard = (s: Shard): Record<string, unknown> => ({
  ShardId: s.id,
  ...(s.parent !== undefined ? { ParentShardId: s.parent } : {}),
  ...(s.adjacentParent !== undefined ? { AdjacentParentShardId: s.adjacentParent } : {}),
  HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
  SequenceNumberRange: {
    StartingSequenceNumber: s.startingSequenceNumber.toString(),
    ...(s.endingSequenceNumber !== undefined
      ? { EndingSequenceNumber: s.endingSequenceNumber.toString() }
      : {}),
  },
});

export const intInRange = (v: unknown, name: string, min: number, max: number): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw validation(
      `Value '${String(v)}' at '${name}' failed to satisfy constraint: Member must be an integer`,
    );
  }
  if (v < min) {
    throw validation(
      `Value '${v}' at '${name}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  }
  if (v > max) {
    throw validation(
      `Value '${v}' at '${name}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return v;
};
