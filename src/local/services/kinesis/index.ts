/**
 * Kinesis Data Streams (AWS JSON 1.1): provisioned and on-demand streams, records routed to
 * shards by the MD5 of the partition key (or an explicit hash key), shard iterators of every
 * type, GetRecords with expiry and per-shard read limits, resharding (split/merge), and tags.
 */
import { randomBytes } from 'node:crypto';
import { arn } from '../../core/arn.js';
import { str } from '../../core/coerce.js';
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { cursorToken, readCursorToken } from '../../core/paging.js';
import { defineService, type TaggingHooks } from '../../core/service.js';
import { evenRanges, MAX_HASH_KEY, partitionKeyHash } from './hash.js';

interface StoredRecord {
  readonly sequenceNumber: bigint;
  readonly data: string;
  readonly partitionKey: string;
  readonly arrival: number;
  readonly size: number;
}

interface Shard {
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

interface Stream {
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

type Ctx = OpContext<KinesisState>;
type Input = Record<string, unknown>;

/** Shards an on-demand stream starts with. */
export const ON_DEMAND_SHARD_COUNT = 4;
const MAX_SHARDS = 500;
const ITERATOR_TTL_MS = 5 * 60 * 1000;
const READS_PER_SECOND = 5;
const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
const SEQUENCE_BASE = 49n * 10n ** 54n;
const SHARD_FACTOR = 10n ** 36n;

const invalidArgument = (message: string): AwsError => new AwsError('InvalidArgumentException', message);
const validation = (message: string): AwsError =>
  new AwsError('ValidationException', `1 validation error detected: ${message}`);

const shardIdOf = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;
const streamArn = (ctx: Ctx, name: string): string =>
  arn('kinesis', ctx.region, ctx.accountId, `stream/${name}`);
const seconds = (ms: number): number => ms / 1000;

const notFound = (ctx: Ctx, name: string): AwsError =>
  new AwsError('ResourceNotFoundException', `Stream ${name} under account ${ctx.accountId} not found.`);

/** The stream named by StreamName or StreamARN. */
const getStream = (ctx: Ctx, input: Input): Stream => {
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

const getShard = (ctx: Ctx, stream: Stream, shardId: unknown): Shard => {
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

const nextSequence = (stream: Stream, shard: { index: number }): bigint => {
  stream.counter += 1n;
  return SEQUENCE_BASE + BigInt(shard.index) * SHARD_FACTOR + stream.counter;
};

const newShard = (
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
    createdAt: ctx.emulator.now(),
    closedAt: undefined,
    records: [],
    reads: [],
  };
  stream.shards.push(shard);
  return shard;
};

const closeShard = (ctx: Ctx, stream: Stream, shard: Shard): void => {
  shard.endingSequenceNumber = nextSequence(stream, shard);
  shard.closedAt = ctx.emulator.now();
};

const describeShard = (s: Shard): Record<string, unknown> => ({
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

const intInRange = (v: unknown, name: string, min: number, max: number): number | undefined => {
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

// ---------------------------------------------------------------------------------------------
// Streams

const createStream = (input: Input, ctx: Ctx): unknown => {
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

const deleteStream = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  ctx.state.streams.delete(stream.name);
  return {};
};

const streamCommon = (stream: Stream) => ({
  StreamName: stream.name,
  StreamARN: stream.arn,
  StreamStatus: 'ACTIVE',
  StreamModeDetails: { StreamMode: stream.mode },
  RetentionPeriodHours: stream.retentionHours,
  StreamCreationTimestamp: seconds(stream.createdAt),
  EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
  EncryptionType: 'NONE',
});

const describeStream = (input: Input, ctx: Ctx): unknown => {
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

const describeStreamSummary = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  return {
    StreamDescriptionSummary: {
      ...streamCommon(stream),
      OpenShardCount: stream.shards.filter((s) => s.closedAt === undefined).length,
      ConsumerCount: 0,
    },
  };
};

const encodeToken = cursorToken;
const decodeToken = (token: string, what: string): Record<string, unknown> =>
  readCursorToken(token, () => invalidArgument(`Invalid ${what}.`));

const listStreams = (input: Input, ctx: Ctx): unknown => {
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

const SHARD_FILTERS = new Set([
  'AFTER_SHARD_ID',
  'AT_TRIM_HORIZON',
  'FROM_TRIM_HORIZON',
  'AT_LATEST',
  'AT_TIMESTAMP',
  'FROM_TIMESTAMP',
]);

const toMillis = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v * 1000;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n * 1000 : Date.parse(v);
  }
  return undefined;
};

const shardFilter = (ctx: Ctx, stream: Stream, filter: Record<string, unknown>): ((s: Shard) => boolean) => {
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

const listShards = (input: Input, ctx: Ctx): unknown => {
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

// ---------------------------------------------------------------------------------------------
// Writing

const openShardFor = (stream: Stream, hash: bigint): Shard =>
  stream.shards.find((s) => s.closedAt === undefined && s.start <= hash && hash <= s.end) as Shard;

/** Validates one record and returns where it goes. */
const routeRecord = (
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

const append = (
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

const putRecord = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const { shard, data, size } = routeRecord(stream, input, '');
  return { ShardId: shard.id, SequenceNumber: append(ctx, stream, shard, input, data, size) };
};

const putRecords = (input: Input, ctx: Ctx): unknown => {
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

// ---------------------------------------------------------------------------------------------
// Reading

interface IteratorState {
  readonly stream: string;
  readonly streamCreatedAt: number;
  readonly shard: string;
  /** Records with a sequence number above this are next. */
  readonly after: string;
  readonly issued: number;
}

const makeIterator = (stream: Stream, shard: Shard, after: bigint, issued: number): string =>
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

const readIterator = (iterator: string): IteratorState => {
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

const ITERATOR_TYPES = new Set([
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
  'TRIM_HORIZON',
  'LATEST',
  'AT_TIMESTAMP',
]);

const getShardIterator = (input: Input, ctx: Ctx): unknown => {
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

const getRecords = (input: Input, ctx: Ctx): unknown => {
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

// ---------------------------------------------------------------------------------------------
// Resharding

const openShard = (ctx: Ctx, stream: Stream, shardId: unknown, op: string): Shard => {
  const shard = getShard(ctx, stream, shardId);
  if (shard.closedAt !== undefined) {
    throw new AwsError(
      'ResourceInUseException',
      `Shard ${shard.id} in stream ${stream.name} under account ${ctx.accountId} has already been merged or split, and thus is not eligible for ${op}.`,
    );
  }
  return shard;
};

const splitShard = (input: Input, ctx: Ctx): unknown => {
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

const mergeShards = (input: Input, ctx: Ctx): unknown => {
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

const updateShardCount = (input: Input, ctx: Ctx): unknown => {
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

const changeRetention = (input: Input, ctx: Ctx, increase: boolean): unknown => {
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

// ---------------------------------------------------------------------------------------------
// Tags

const MAX_TAGS = 50;

const addTags = (stream: Stream, tags: unknown): void => {
  const merged = { ...stream.tags, ...((tags as Record<string, string> | undefined) ?? {}) };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw invalidArgument(
      `Failed to add tags to stream ${stream.name}. A stream cannot have more than ${MAX_TAGS} tags.`,
    );
  }
  stream.tags = merged;
};

const removeTags = (stream: Stream, keys: unknown): void => {
  for (const k of Array.isArray(keys) ? keys : []) if (typeof k === 'string') delete stream.tags[k];
};

const tagList = (stream: Stream) => Object.entries(stream.tags).map(([Key, Value]) => ({ Key, Value }));

const streamByResourceArn = (ctx: Ctx, input: Input): Stream =>
  getStream(ctx, { StreamARN: input.ResourceARN });

const listTagsForStream = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const limit = intInRange(input.Limit, 'limit', 1, 50) ?? 50;
  const after = str(input.ExclusiveStartTagKey);
  const tags = tagList(stream)
    .sort((a, b) => (a.Key < b.Key ? -1 : 1))
    .filter((t) => after === undefined || t.Key > after);
  return { Tags: tags.slice(0, limit), HasMoreTags: tags.length > limit };
};

const tagging: TaggingHooks<KinesisState> = {
  list: (state) =>
    [...state.streams.values()].map((s) => ({
      arn: s.arn,
      resourceType: 'kinesis:stream',
      tags: { ...s.tags },
    })),
  tag: (state, arn, tags) => {
    const stream = [...state.streams.values()].find((s) => s.arn === arn);
    if (!stream) return false;
    stream.tags = { ...stream.tags, ...tags };
    return true;
  },
  untag: (state, arn, keys) => {
    const stream = [...state.streams.values()].find((s) => s.arn === arn);
    if (!stream) return false;
    removeTags(stream, keys);
    return true;
  },
};

export const kinesis = defineService<KinesisState>({
  signingName: 'kinesis',
  protocols: ['json'],
  targetPrefix: 'Kinesis_20131202',
  jsonVersion: '1.1',
  createState: ({ accountId, region }) => ({ accountId, region, streams: new Map() }),
  operations: {
    CreateStream: createStream,
    DeleteStream: deleteStream,
    DescribeStream: describeStream,
    DescribeStreamSummary: describeStreamSummary,
    ListStreams: listStreams,
    ListShards: listShards,
    PutRecord: putRecord,
    PutRecords: putRecords,
    GetShardIterator: getShardIterator,
    GetRecords: getRecords,
    SplitShard: splitShard,
    MergeShards: mergeShards,
    UpdateShardCount: updateShardCount,
    IncreaseStreamRetentionPeriod: (input: Input, ctx: Ctx) => changeRetention(input, ctx, true),
    DecreaseStreamRetentionPeriod: (input: Input, ctx: Ctx) => changeRetention(input, ctx, false),
    AddTagsToStream: (input: Input, ctx: Ctx) => {
      addTags(getStream(ctx, input), input.Tags);
      return {};
    },
    RemoveTagsFromStream: (input: Input, ctx: Ctx) => {
      removeTags(getStream(ctx, input), input.TagKeys);
      return {};
    },
    ListTagsForStream: listTagsForStream,
    TagResource: (input: Input, ctx: Ctx) => {
      addTags(streamByResourceArn(ctx, input), input.Tags);
      return {};
    },
    UntagResource: (input: Input, ctx: Ctx) => {
      removeTags(streamByResourceArn(ctx, input), input.TagKeys);
      return {};
    },
    ListTagsForResource: (input: Input, ctx: Ctx) => ({ Tags: tagList(streamByResourceArn(ctx, input)) }),
  } as Record<string, (input: Input, ctx: Ctx) => unknown>,
  tagging,
  snapshot: (state) => ({
    streams: [...state.streams.values()].map((stream) => ({
      name: stream.name,
      arn: stream.arn,
      mode: stream.mode,
      retentionHours: stream.retentionHours,
      tags: { ...stream.tags },
      shards: stream.shards.map((shard) => ({
        id: shard.id,
        open: shard.closedAt === undefined,
        parents: [...shard.parents],
        records: shard.records.length,
      })),
    })),
  }),
});
