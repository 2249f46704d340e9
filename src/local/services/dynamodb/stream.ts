/**
 * The change stream of a table: every write that changes an item appends a record in AWS's
 * shape to the open shard; shards roll over (by count or age) to a child shard, and records are
 * kept for 24 hours.
 */
import { randomBytes } from 'node:crypto';
import {
  type Ctx,
  keyOf as keyOfItem,
  type StreamShard,
  type StreamViewType,
  type Table,
  type TableStream,
} from './model.js';
import { equalItems, type Item, itemSize } from './values.js';

export const RETENTION_MS = 24 * 60 * 60 * 1000;
const SEQUENCE_BASE = 10n ** 20n;

/** `2026-12-07T04:01:51.123` as AWS labels streams (UTC, no zone). */
const labelOf = (ms: number): string => new Date(ms).toISOString().slice(0, -1);

const shardIdOf = (ms: number): string =>
  `shardId-${String(ms).padStart(20, '0')}-${randomBytes(4).toString('hex')}`;

const nextSequence = (stream: TableStream): bigint => {
  stream.counter += 1n;
  return SEQUENCE_BASE + stream.counter * 100n;
};

const openShard = (stream: TableStream, now: number, parent: string | undefined): StreamShard => {
  const shard: StreamShard = {
    id: shardIdOf(now),
    parent,
    createdAt: now,
    startSequence: nextSequence(stream),
    endSequence: undefined,
    records: [],
  };
  stream.shards.push(shard);
  return shard;
};

export const newStream = (ctx: Ctx, table: Table, viewType: StreamViewType): TableStream => {
  const now = ctx.emulator.now();
  let label = labelOf(now);
  while (ctx.state.streams.has(`${table.arn}/stream/${label}`)) label = labelOf(now + 1);
  const stream: TableStream = {
    arn: `${table.arn}/stream/${label}`,
    label,
    tableName: table.name,
    keys: table.keys,
    viewType,
    createdAt: now,
    disabledAt: undefined,
    shards: [],
    counter: 0n,
  };
  openShard(stream, now, undefined);
  ctx.state.streams.set(stream.arn, stream);
  return stream;
};

/** Closes every open shard of a stream (stream turned off or table deleted). */
export const disableStream = (ctx: Ctx, stream: TableStream): void => {
  if (stream.disabledAt !== undefined) return;
  stream.disabledAt = ctx.emulator.now();
  for (const shard of stream.shards) {
    if (shard.endSequence === undefined) shard.endSequence = nextSequence(stream);
  }
};

/** Drops shards whose records are all past retention, and streams disabled for over 24 h. */
export const trimStreams = (ctx: Ctx): void => {
  const now = ctx.emulator.now();
  for (const [arn, stream] of ctx.state.streams) {
    if (stream.disabledAt !== undefined && now - stream.disabledAt > RETENTION_MS) {
      ctx.state.streams.delete(arn);
      continue;
    }
    for (const shard of stream.shards) {
      while (shard.records.length > 0 && now - (shard.records[0]?.at ?? now) > RETENTION_MS)
        shard.records.shift();
    }
    const keep = stream.shards.filter(
      (s, i) =>
        s.endSequence === undefined ||
        i === stream.shards.length - 1 ||
        now - s.createdAt <= RETENTION_MS ||
        s.records.length > 0,
    );
    stream.shards.splice(0, stream.shards.length, ...keep);
  }
};

const currentShard = (ctx: Ctx, stream: TableStream): StreamShard => {
  const now = ctx.emulator.now();
  let shard = stream.shards[stream.shards.length - 1] as StreamShard;
  if (
    shard.records.length >= ctx.state.shardRecordLimit ||
    now - shard.createdAt >= ctx.state.shardMaxAgeMs
  ) {
    shard.endSequence = nextSequence(stream);
    shard = openShard(stream, now, shard.id);
  }
  return shard;
};

export interface ChangeOptions {
  /** Set for deletions by the TTL process. */
  readonly ttl?: boolean;
}

/** Records a write on the table's stream, if it has one and the item changed. */
export const recordChange = (
  ctx: Ctx,
  table: Table,
  oldItem: Item | undefined,
  newItem: Item | undefined,
  options: ChangeOptions = {},
): void => {
  const stream = table.stream;
  if (!stream || stream.disabledAt !== undefined) return;
  if (oldItem === undefined && newItem === undefined) return;
  if (oldItem !== undefined && newItem !== undefined && equalItems(oldItem, newItem)) return;
  const shard = currentShard(ctx, stream);
  const sequence = nextSequence(stream);
  const now = ctx.emulator.now();
  const keys = keyOfItem(table.keys, (newItem ?? oldItem) as Item);
  const dynamodb: Record<string, unknown> = {
    ApproximateCreationDateTime: Math.floor(now / 1000),
    Keys: keys,
  };
  const view = stream.viewType;
  if (newItem && (view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES'))
    dynamodb.NewImage = structuredClone(newItem);
  if (oldItem && (view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES'))
    dynamodb.OldImage = structuredClone(oldItem);
  dynamodb.SequenceNumber = String(sequence);
  dynamodb.SizeBytes =
    itemSize(keys) +
    (dynamodb.NewImage ? itemSize(newItem as Item) : 0) +
    (dynamodb.OldImage ? itemSize(oldItem as Item) : 0);
  dynamodb.StreamViewType = view;
  const record: Record<string, unknown> = {
    eventID: randomBytes(16).toString('hex'),
    eventName: oldItem === undefined ? 'INSERT' : newItem === undefined ? 'REMOVE' : 'MODIFY',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: ctx.region,
    dynamodb,
  };
  if (options.ttl) record.userIdentity = { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' };
  shard.records.push({ sequence, at: now, record });
};
