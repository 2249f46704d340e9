import { str } from '../../core/coerce.js';
import { AwsError } from '../../core/errors.js';
import { evenRanges } from './hash.js';
import {
  type Ctx,
  closeShard,
  getShard,
  getStream,
  type Input,
  intInRange,
  invalidArgument,
  MAX_SHARDS,
  newShard,
  type Shard,
  type Stream,
  validation,
} from './state.js';

// ---------------------------------------------------------------------------------------------
// Resharding

export const openShard = (ctx: Ctx, stream: Stream, shardId: unknown, op: string): Shard => {
  const shard = getShard(ctx, stream, shardId);
  if (shard.closedAt !== undefined) {
    throw new AwsError(
      'ResourceInUseException',
      `Shard ${shard.id} in stream ${stream.name} under account ${ctx.accountId} has already been merged or split, and thus is not eligible for ${op}.`,
    );
  }
  return shard;
};

export const splitShard = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const shard = openShard(ctx, stream, input.ShardToSplit, 'splitting');
  const raw = str(input.NewStartingHashKey) ?? '';
  if (!/^\d{1,39}$/.test(raw)) {
    throw validation(
      `Value '${raw}' at 'newStartingHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})`,
    );
  }
  const key = BigInt(raw);
  if (key <= shard.start || key > shard.end) {
    throw invalidArgument(
      `NewStartingHashKey ${raw} used in SplitShard() on shard ${shard.id} in stream ${stream.name} under account ${ctx.accountId} is not both greater than one plus the shard's StartingHashKey ${shard.start} and less than the shard's EndingHashKey ${shard.end}.`,
    );
  }
  if (stream.shards.filter((s) => s.closedAt === undefined).length + 1 > MAX_SHARDS) {
    throw new AwsError('LimitExceededException', `Shard limit of ${MAX_SHARDS} exceeded for the stream.`);
  }
  closeShard(ctx, stream, shard);
  newShard(ctx, stream, { start: shard.start, end: key - 1n }, [shard.id]);
  newShard(ctx, stream, { start: key, end: shard.end }, [shard.id]);
  return {};
};

export const mergeShards = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const a = openShard(ctx, stream, input.ShardToMerge, 'merging');
  const b = openShard(ctx, stream, input.AdjacentShardToMerge, 'merging');
  if (a.end + 1n !== b.start && b.end + 1n !== a.start) {
    throw invalidArgument(
      `Shards ${a.id} and ${b.id} in stream ${stream.name} under account ${ctx.accountId} are not an adjacent pair of shards eligible for merging`,
    );
  }
  closeShard(ctx, stream, a);
  closeShard(ctx, stream, b);
  const [start, end] = a.start < b.start ? [a.start, b.end] : [b.start, a.end];
  newShard(ctx, stream, { start, end }, [a.id, b.id]);
  return {};
};

export const updateShardCount = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const target = intInRange(input.TargetShardCount, 'targetShardCount', 1, MAX_SHARDS) as number;
  if (input.ScalingType !== 'UNIFORM_SCALING') {
    throw validation(
      `Value '${String(input.ScalingType)}' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]`,
    );
  }
  const open = stream.shards.filter((s) => s.closedAt === undefined);
  for (const s of open) closeShard(ctx, stream, s);
  // New shards over the whole key space; each continues every old shard its range overlaps, so
  // readers following ChildShards from any old shard find their way.
  for (const range of evenRanges(target)) {
    const parents = open.filter((s) => s.start <= range.end && range.start <= s.end).map((s) => s.id);
    newShard(ctx, stream, range, parents);
  }
  return {
    StreamName: stream.name,
    StreamARN: stream.arn,
    CurrentShardCount: open.length,
    TargetShardCount: target,
  };
};

export const changeRetention = (input: Input, ctx: Ctx, increase: boolean): unknown => {
  const stream = getStream(ctx, input);
  const hours = intInRange(input.RetentionPeriodHours, 'retentionPeriodHours', 24, 8760) as number;
  if (increase ? hours < stream.retentionHours : hours > stream.retentionHours) {
    throw invalidArgument(
      `Requested retention period (${hours} hours) for stream ${stream.name} can not be ${increase ? 'shorter' : 'longer'} than existing retention period (${stream.retentionHours} hours). Use ${increase ? 'DecreaseRetentionPeriod' : 'IncreaseRetentionPeriod'} API.`,
    );
  }
  stream.retentionHours = hours;
  return {};
};
