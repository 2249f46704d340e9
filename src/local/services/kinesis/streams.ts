import { str } from '../../core/coerce.js';
import { AwsError } from '../../core/errors.js';
import { cursorToken, readCursorToken } from '../../core/paging.js';
import { evenRanges } from './hash.js';
import {
  type Ctx,
  describeShard,
  getStream,
  type Input,
  intInRange,
  invalidArgument,
  MAX_SHARDS,
  newShard,
  ON_DEMAND_SHARD_COUNT,
  type Shard,
  type Stream,
  seconds,
  streamArn,
  validation,
} from './state.js';

// ---------------------------------------------------------------------------------------------
// Streams

export const createStream = (input: Input, ctx: Ctx): unknown => {
  const name = str(input.StreamName) ?? '';
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) {
    throw validation(
      `Value '${name}' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    );
  }
  const requestedMode = (input.StreamModeDetails as Record<string, unknown> | undefined)?.StreamMode;
  if (requestedMode !== undefined && requestedMode !== 'PROVISIONED' && requestedMode !== 'ON_DEMAND') {
    throw validation(
      `Value '${String(requestedMode)}' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]`,
    );
  }
  const shardCount = intInRange(input.ShardCount, 'shardCount', 1, 100_000);
  const mode = requestedMode ?? (shardCount === undefined ? 'ON_DEMAND' : 'PROVISIONED');
  if (mode === 'ON_DEMAND' && shardCount !== undefined) {
    throw invalidArgument('ShardCount is not supported for streams in ON_DEMAND mode.');
  }
  if (mode === 'PROVISIONED' && shardCount === undefined) {
    throw invalidArgument('ShardCount is required for streams in PROVISIONED mode.');
  }
  const count = shardCount ?? ON_DEMAND_SHARD_COUNT;
  if (count > MAX_SHARDS) {
    throw new AwsError(
      'LimitExceededException',
      `This request would exceed the shard limit for the account ${ctx.accountId} in ${ctx.region}. Current provisioned shards: 0, shard limit: ${MAX_SHARDS}. Number of additional shards that would have resulted from this request: ${count}.`,
    );
  }
  if (ctx.state.streams.has(name)) {
    throw new AwsError(
      'ResourceInUseException',
      `Stream ${name} under account ${ctx.accountId} already exists.`,
    );
  }
  const stream: Stream = {
    name,
    arn: streamArn(ctx, name),
    createdAt: ctx.emulator.now(),
    shards: [],
    mode,
    retentionHours: 24,
    tags: { ...((input.Tags as Record<string, string> | undefined) ?? {}) },
    counter: 0n,
  };
  for (const range of evenRanges(count)) newShard(ctx, stream, range);
  ctx.state.streams.set(name, stream);
  return {};
};

export const deleteStream = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  ctx.state.streams.delete(stream.name);
  return {};
};

export const streamCommon = (stream: Stream) => ({
  StreamName: stream.name,
  StreamARN: stream.arn,
  StreamStatus: 'ACTIVE',
  StreamModeDetails: { StreamMode: stream.mode },
  RetentionPeriodHours: stream.retentionHours,
  StreamCreationTimestamp: seconds(stream.createdAt),
  EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
  EncryptionType: 'NONE',
});

export const describeStream = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const limit = intInRange(input.Limit, 'limit', 1, 10_000) ?? 100;
  const after = str(input.ExclusiveStartShardId);
  const shards = stream.shards.filter((s) => after === undefined || s.id > after);
  return {
    StreamDescription: {
      ...streamCommon(stream),
      Shards: shards.slice(0, limit).map(describeShard),
      HasMoreShards: shards.length > limit,
    },
  };
};

export const describeStreamSummary = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  return {
    StreamDescriptionSummary: {
      ...streamCommon(stream),
      OpenShardCount: stream.shards.filter((s) => s.closedAt === undefined).length,
      ConsumerCount: 0,
    },
  };
};

export const encodeToken = cursorToken;
export const decodeToken = (token: string, what: string): Record<string, unknown> =>
  readCursorToken(token, () => invalidArgument(`Invalid ${what}.`));

export const listStreams = (input: Input, ctx: Ctx): unknown => {
  const limit = intInRange(input.Limit, 'limit', 1, 10_000) ?? 100;
  const token = str(input.NextToken);
  const after =
    token !== undefined ? str(decodeToken(token, 'NextToken').after) : str(input.ExclusiveStartStreamName);
  const names = [...ctx.state.streams.keys()].sort().filter((n) => after === undefined || n > after);
  const pageNames = names.slice(0, limit);
  const more = names.length > limit;
  return {
    StreamNames: pageNames,
    HasMoreStreams: more,
    ...(more ? { NextToken: encodeToken({ after: pageNames[pageNames.length - 1] }) } : {}),
    StreamSummaries: pageNames.map((n) => {
      const s = ctx.state.streams.get(n) as Stream;
      return {
        StreamName: s.name,
        StreamARN: s.arn,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: s.mode },
        StreamCreationTimestamp: seconds(s.createdAt),
      };
    }),
  };
};

export const SHARD_FILTERS = new Set([
  'AFTER_SHARD_ID',
  'AT_TRIM_HORIZON',
  'FROM_TRIM_HORIZON',
  'AT_LATEST',
  'AT_TIMESTAMP',
  'FROM_TIMESTAMP',
]);

export const toMillis = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v * 1000;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n * 1000 : Date.parse(v);
  }
  return undefined;
};

export const shardFilter = (
  ctx: Ctx,
  stream: Stream,
  filter: Record<string, unknown>,
): ((s: Shard) => boolean) => {
  const type = str(filter.Type) ?? '';
  if (!SHARD_FILTERS.has(type)) {
    throw validation(
      `Value '${type}' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [${[...SHARD_FILTERS].join(', ')}]`,
    );
  }
  const trimHorizon = Math.max(stream.createdAt, ctx.emulator.now() - stream.retentionHours * 3_600_000);
  const openAt = (t: number) => (s: Shard) =>
    s.createdAt <= t && (s.closedAt === undefined || s.closedAt > t);
  const openFrom = (t: number) => (s: Shard) => s.closedAt === undefined || s.closedAt > t;
  switch (type) {
    case 'AFTER_SHARD_ID': {
      const id = str(filter.ShardId);
      if (id === undefined)
        throw invalidArgument('ShardId must be provided for the AFTER_SHARD_ID shard filter type.');
      return (s) => s.id > id;
    }
    case 'AT_TRIM_HORIZON':
      return openAt(trimHorizon);
    case 'FROM_TRIM_HORIZON':
      return openFrom(trimHorizon);
    case 'AT_LATEST':
      return (s) => s.closedAt === undefined;
    default: {
      const ts = toMillis(filter.Timestamp);
      if (ts === undefined)
        throw invalidArgument(`Timestamp must be provided for the ${type} shard filter type.`);
      return type === 'AT_TIMESTAMP' ? openAt(Math.max(ts, stream.createdAt)) : openFrom(ts);
    }
  }
};

export const listShards = (input: Input, ctx: Ctx): unknown => {
  const max = intInRange(input.MaxResults, 'maxResults', 1, 10_000) ?? 1000;
  const token = str(input.NextToken);
  let request = input;
  let offset = 0;
  if (token !== undefined) {
    if (input.StreamName !== undefined || input.StreamARN !== undefined) {
      throw invalidArgument('NextToken and StreamName cannot be provided together.');
    }
    const decoded = decodeToken(token, 'ShardIterator NextToken');
    request = decoded.request as Input;
    offset = Number(decoded.offset);
  }
  const stream = getStream(ctx, request);
  const after = str(request.ExclusiveStartShardId);
  const filter = request.ShardFilter as Record<string, unknown> | undefined;
  const keep = filter ? shardFilter(ctx, stream, filter) : () => true;
  const shards = stream.shards.filter((s) => (after === undefined || s.id > after) && keep(s));
  const pageShards = shards.slice(offset, offset + max);
  const next = offset + max < shards.length;
  return {
    Shards: pageShards.map(describeShard),
    ...(next
      ? {
          NextToken: encodeToken({
            request: {
              StreamName: stream.name,
              ...(after !== undefined ? { ExclusiveStartShardId: after } : {}),
              ...(filter ? { ShardFilter: filter } : {}),
            },
            offset: offset + max,
          }),
        }
      : {}),
  };
};
