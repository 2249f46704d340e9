/**
 * DynamoDB state: tables, their key schemas and indexes, items kept per partition in sort-key
 * order, and the change stream each write feeds.
 */
import { createHash } from 'node:crypto';
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import {
  type AttributeValue,
  compareScalar,
  type Item,
  itemSize,
  keyString,
  MAX_ITEM_BYTES,
  typeOf,
  validation,
} from './values.js';

export interface KeySchema {
  readonly hash: string;
  readonly range: string | undefined;
}

export interface Projection {
  readonly ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly NonKeyAttributes?: readonly string[];
}

export interface Index {
  readonly name: string;
  readonly kind: 'GSI' | 'LSI';
  readonly keys: KeySchema;
  readonly projection: Projection;
  readonly arn: string;
  throughput: { read: number; write: number } | undefined;
}

export interface StreamRecord {
  readonly sequence: bigint;
  readonly at: number;
  readonly record: Record<string, unknown>;
}

export interface StreamShard {
  readonly id: string;
  readonly parent: string | undefined;
  readonly createdAt: number;
  readonly startSequence: bigint;
  endSequence: bigint | undefined;
  readonly records: StreamRecord[];
}

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

export interface TableStream {
  readonly arn: string;
  readonly label: string;
  readonly tableName: string;
  readonly keys: KeySchema;
  readonly viewType: StreamViewType;
  readonly createdAt: number;
  /** When the stream was turned off (it stays readable for 24 h). */
  disabledAt: number | undefined;
  readonly shards: StreamShard[];
  counter: bigint;
}

export interface Partition {
  readonly key: AttributeValue;
  /** Items in sort-key order (one item when the table has no sort key). */
  readonly items: Item[];
}

export interface Table {
  readonly name: string;
  readonly arn: string;
  readonly id: string;
  readonly createdAt: number;
  readonly keys: KeySchema;
  attributeDefinitions: { AttributeName: string; AttributeType: string }[];
  billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  throughput: { read: number; write: number } | undefined;
  readonly indexes: Index[];
  readonly partitions: Map<string, Partition>;
  itemCount: number;
  sizeBytes: number;
  stream: TableStream | undefined;
  tags: Record<string, string>;
  ttl: { attribute: string; enabled: boolean } | undefined;
  /** When expired items were last looked for (the sweep runs at most once a second). */
  ttlSweptAt: number;
  sse: Record<string, unknown> | undefined;
  deletionProtection: boolean;
  tableClass: string | undefined;
}

export interface DynamoDbState {
  readonly accountId: string;
  readonly region: string;
  readonly tables: Map<string, Table>;
  /** Every stream ever made, by ARN (streams outlive their table for 24 h). */
  readonly streams: Map<string, TableStream>;
  /** TransactWriteItems client tokens → when used and the request fingerprint (10 minute window). */
  readonly tokens: Map<string, { at: number; fingerprint: string }>;
  /** Records per shard before a new shard replaces it (AWS rolls shards over about every 4 hours). */
  shardRecordLimit: number;
  /** Time after which a shard rolls over, ms. */
  shardMaxAgeMs: number;
}

export type Ctx = OpContext<DynamoDbState>;
export type Input = Record<string, unknown>;

export const createState = (scope: { accountId: string; region: string }): DynamoDbState => ({
  ...scope,
  tables: new Map(),
  streams: new Map(),
  tokens: new Map(),
  shardRecordLimit: 1000,
  shardMaxAgeMs: 4 * 60 * 60 * 1000,
});

export const notFound = (message = 'Requested resource not found'): AwsError =>
  new AwsError('ResourceNotFoundException', message);

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The table named in the request (by name or ARN). */
export const getTable = (ctx: Ctx, name: unknown): Table => {
  const raw = str(name);
  if (raw === undefined) {
    throw validation(
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    );
  }
  const m = /^arn:aws[^:]*:dynamodb:[^:]+:\d{12}:table\/([^/]+)$/.exec(raw);
  const table = ctx.state.tables.get(m ? (m[1] as string) : raw);
  if (!table) throw notFound();
  return table;
};

/** The key attributes of an item, in key-schema order. */
export const keyOf = (keys: KeySchema, item: Item): Item => {
  const out: Item = { [keys.hash]: item[keys.hash] as AttributeValue };
  if (keys.range !== undefined) out[keys.range] = item[keys.range] as AttributeValue;
  return out;
};

const attributeType = (table: Table, name: string): string | undefined =>
  table.attributeDefinitions.find((d) => d.AttributeName === name)?.AttributeType;

/** Checks a Key parameter: exactly the key attributes, of the declared types. */
export const checkKey = (table: Table, key: Item): void => {
  const names = [table.keys.hash, ...(table.keys.range === undefined ? [] : [table.keys.range])];
  const mismatch = (): AwsError => validation('The provided key element does not match the schema');
  if (Object.keys(key).length !== names.length) throw mismatch();
  for (const name of names) {
    const v = key[name];
    if (v === undefined || typeOf(v) !== attributeType(table, name)) throw mismatch();
    checkKeyValue(name, v);
  }
};

const checkKeyValue = (name: string, v: AttributeValue): void => {
  if (('S' in v && v.S === '') || ('B' in v && v.B === '')) {
    throw validation(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${'S' in v ? 'string' : 'binary'} value. Key: ${name}`,
    );
  }
};

/** Checks an item to be written: key attributes present with their types, index keys typed, size. */
export const checkItemForWrite = (table: Table, item: Item): void => {
  for (const name of [table.keys.hash, table.keys.range]) {
    if (name === undefined) continue;
    const v = item[name];
    if (v === undefined)
      throw validation(`One or more parameter values were invalid: Missing the key ${name} in the item`);
    const expected = attributeType(table, name);
    if (typeOf(v) !== expected) {
      throw validation(
        `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${expected} actual: ${typeOf(v)}`,
      );
    }
    checkKeyValue(name, v);
  }
  for (const index of table.indexes) {
    for (const name of [index.keys.hash, index.keys.range]) {
      if (name === undefined) continue;
      const v = item[name];
      if (v === undefined) continue;
      const expected = attributeType(table, name);
      if (typeOf(v) !== expected) {
        throw validation(
          `One or more parameter values were invalid: Type mismatch for Index Key ${name} Expected: ${expected} Actual: ${typeOf(v)} IndexName: ${index.name}`,
        );
      }
      if (('S' in v && v.S === '') || ('B' in v && v.B === '')) {
        throw validation(
          `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${'S' in v ? 'string' : 'binary'} value. IndexName: ${index.name}, IndexKey: ${name}`,
        );
      }
    }
  }
  if (itemSize(item) > MAX_ITEM_BYTES) throw validation('Item size has exceeded the maximum allowed size');
};

// ---------------------------------------------------------------------------------------------
// Storage

const findIndex = (
  table: Table,
  items: readonly Item[],
  rangeValue: AttributeValue,
): { at: number; found: boolean } => {
  const range = table.keys.range as string;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareScalar((items[mid] as Item)[range] as AttributeValue, rangeValue);
    if (c === 0) return { at: mid, found: true };
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return { at: lo, found: false };
};

export const getItem = (table: Table, key: Item): Item | undefined => {
  const partition = table.partitions.get(keyString(key[table.keys.hash] as AttributeValue));
  if (!partition) return undefined;
  if (table.keys.range === undefined) return partition.items[0];
  const { at, found } = findIndex(table, partition.items, key[table.keys.range] as AttributeValue);
  return found ? partition.items[at] : undefined;
};

/** Stores (or with `undefined`, removes) the item at `key`. Keeps counts and size. */
export const storeItem = (table: Table, key: Item, item: Item | undefined): void => {
  const hashValue = key[table.keys.hash] as AttributeValue;
  const pk = keyString(hashValue);
  let partition = table.partitions.get(pk);
  const old = getItem(table, key);
  if (old) {
    table.itemCount--;
    table.sizeBytes -= itemSize(old);
  }
  if (item) {
    table.itemCount++;
    table.sizeBytes += itemSize(item);
  }
  if (!partition) {
    if (!item) return;
    partition = { key: hashValue, items: [] };
    table.partitions.set(pk, partition);
  }
  if (table.keys.range === undefined) {
    partition.items.length = 0;
    if (item) partition.items.push(item);
  } else {
    const { at, found } = findIndex(table, partition.items, key[table.keys.range] as AttributeValue);
    if (item) partition.items.splice(at, found ? 1 : 0, item);
    else if (found) partition.items.splice(at, 1);
  }
  if (partition.items.length === 0) table.partitions.delete(pk);
};

/** A 16-bit hash of a partition key value: the order of Scan and the basis of its segments. */
export const partitionHash = (v: AttributeValue): number =>
  createHash('md5').update(keyString(v)).digest().readUInt16BE(0);

/** Every partition in Scan order. */
export const scanOrder = (table: Table): Partition[] =>
  [...table.partitions.values()]
    .map((p) => ({ p, h: partitionHash(p.key) }))
    .sort((a, b) => a.h - b.h || (keyString(a.p.key) < keyString(b.p.key) ? -1 : 1))
    .map((x) => x.p);

/** The attributes an index holds for an item (its projection), or undefined if the item is not in it. */
export const indexView = (table: Table, index: Index, item: Item): Item | undefined => {
  if (item[index.keys.hash] === undefined) return undefined;
  if (index.keys.range !== undefined && item[index.keys.range] === undefined) return undefined;
  if (index.projection.ProjectionType === 'ALL') return item;
  const names = new Set([table.keys.hash, index.keys.hash]);
  if (table.keys.range !== undefined) names.add(table.keys.range);
  if (index.keys.range !== undefined) names.add(index.keys.range);
  for (const n of index.projection.NonKeyAttributes ?? []) names.add(n);
  const out: Item = {};
  for (const n of names) if (item[n] !== undefined) out[n] = item[n] as AttributeValue;
  return out;
};
