/**
 * DynamoDB checks: wait for an item (strongly consistent GetItem), for the items under a partition
 * key (Query with paging), or for an item to stay absent. Items are plain JavaScript values.
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { marshall, type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidInputError, ItemTimeoutError, UnexpectedItemError } from '../errors.js';
import { describeMisses, type Miss, preview } from '../listeners/errors.js';
import { retry, sendOptions } from '../wait/index.js';
import {
  type MatchOutcome,
  matchOption,
  optionsObject,
  poll,
  runMatch,
  stringOption,
  type ValueMatch,
} from './match.js';

/** A DynamoDB item or key as plain JavaScript values. */
export type Item = Record<string, NativeAttributeValue>;

const TABLE =
  /^([a-zA-Z0-9_.-]{3,255}|arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255})$/;
const TABLE_WHAT = 'a table name (3-255 letters, digits, _ - .) or a table ARN';

interface CommonOptions {
  /** The table's name or ARN. Required. */
  readonly tableName: string;
  /** First pause between reads, in ms; it doubles up to 1 000. Default 100. */
  readonly interval?: number;
  /** Cancels the wait (the caller's reason is rethrown). */
  readonly signal?: AbortSignal;
}

export interface WaitForItemOptions<T extends Item = Item> extends CommonOptions {
  /** The item's full primary key, e.g. `{ pk: 'order#1', sk: 1 }`. Required. */
  readonly key: Item;
  /** What the item must satisfy: a function (boolean or assertion style) or an object it must contain. Default: any item. */
  readonly match?: ValueMatch<T>;
  /** How long to wait, in ms. Default 10 000. */
  readonly timeout?: number;
}

export interface ExpectNoItemOptions<T extends Item = Item> extends CommonOptions {
  readonly key: Item;
  /** Only an item that passes this counts (default: any item). */
  readonly match?: ValueMatch<T>;
  /** How long the item must stay absent, in ms: the whole window is waited. Required. */
  readonly within: number;
}

export interface WaitForItemsOptions<T extends Item = Item> extends CommonOptions {
  /** The partition key: `{ name: 'pk', value: 'batch-1' }` or `{ pk: 'batch-1' }`. Required. */
  readonly partitionKey: { readonly name: string; readonly value: NativeAttributeValue } | Item;
  /** How many matching items to wait for. Default: `expect.length`, else 1. */
  readonly count?: number;
  /** What each item must satisfy (function or object it must contain). Default: any item. */
  readonly match?: ValueMatch<T>;
  /** Query this secondary index instead of the table (eventually consistent reads for a global index). */
  readonly index?: string;
  /**
   * The ids that must all arrive, e.g. the sort key values of a batch (`['1', '2', '3']`): the wait
   * ends when each of them matched, and its timeout error lists the missing ones.
   */
  readonly expect?: readonly (string | number)[];
  /** The attribute `expect` names. Default: the sort key of the table (or index), read with DescribeTable. */
  readonly idAttribute?: string;
  /** Strongly consistent Query. Default true without `index`, false with one (global indexes refuse it). */
  readonly consistentRead?: boolean;
  /** How long to wait, in ms. Default 10 000. */
  readonly timeout?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const send = { attempts: 6 } as const;

const keyOption = (key: unknown): Record<string, AttributeValue> => {
  if (
    typeof key !== 'object' ||
    key === null ||
    Array.isArray(key) ||
    ![1, 2].includes(Object.keys(key).length)
  ) {
    throw new InvalidInputError(
      `key must be the item's primary key as an object of one or two attributes (e.g. { pk: 'a', sk: 1 }), got ${preview(key)}.`,
      'key',
    );
  }
  const attributes = toAttributes(key as Item, 'key');
  if (Object.keys(attributes).length !== Object.keys(key).length) {
    throw new InvalidInputError(
      `key holds an attribute without a value DynamoDB can store: ${preview(key)}.`,
      'key',
    );
  }
  return attributes;
};

const toAttributes = (value: Item, option: string): Record<string, AttributeValue> => {
  try {
    return marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
  } catch (error) {
    throw new InvalidInputError(
      `${option} holds a value DynamoDB cannot store: ${(error as Error).message}`,
      option,
      {
        cause: error,
      },
    );
  }
};

const common = (options: CommonOptions, fn: string) => {
  optionsObject(options, fn);
  return {
    tableName: stringOption(options.tableName, 'tableName', TABLE, TABLE_WHAT),
    interval: options.interval ?? 100,
    signal: options.signal,
  };
};

/** The item now (strongly consistent), unmarshalled; undefined when absent. */
const getItem = async (
  client: DynamoDBClient,
  tableName: string,
  key: Record<string, AttributeValue>,
  signal: AbortSignal,
): Promise<Item | undefined> => {
  const command = new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true });
  const out = await retry(() => client.send(command, { abortSignal: signal }), { ...send, signal });
  return out.Item ? unmarshall(out.Item) : undefined;
};

const reasonText = (outcome: MatchOutcome): string =>
  outcome.ok || outcome.reason === undefined
    ? ''
    : ` It did not match: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`;

/**
 * Waits until the item with `key` exists (strongly consistent GetItem) and passes `match`; returns it.
 *
 * IAM: `dynamodb:GetItem` on the table.
 * @throws ItemTimeoutError saying whether the item was absent or what it held when it did not match.
 * @throws InvalidInputError for a bad table name, key, match or timeout (nothing is read).
 */
export const waitForItem = async <T extends Item = Item>(
  client: DynamoDBClient,
  options: WaitForItemOptions<T>,
): Promise<T> => {
  const { tableName, interval, signal } = common(options, 'waitForItem');
  const key = keyOption(options.key);
  const match = matchOption<T>(options.match);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  let last: { item: T | undefined; outcome: MatchOutcome } = { item: undefined, outcome: { ok: false } };
  let reads = 0;
  const found = await poll(
    async (deadline) => {
      reads++;
      const item = (await getItem(client, tableName, key, deadline)) as T | undefined;
      last = { item, outcome: item === undefined ? { ok: false } : runMatch(match, item) };
      return last.outcome.ok ? item : undefined;
    },
    { timeout, option: 'timeout', interval, signal },
  );
  if (found !== undefined) return found;
  const what =
    last.item === undefined
      ? 'did not exist'
      : `existed but did not match: ${preview(last.item)}.${reasonText(last.outcome)}`;
  throw new ItemTimeoutError(
    `Item ${preview(options.key)} in table ${tableName} ${what} (after ${timeout} ms, ${reads} consistent reads). ` +
      'Check the key (every key attribute, with its type: 1 and "1" differ) and that the code under test wrote it, or give it a longer timeout.',
    timeout,
    tableName,
    last.item,
    0,
    1,
    [],
  );
};

/**
 * Waits the whole `within` window and fails as soon as the item with `key` exists (and passes
 * `match`, when given). IAM: `dynamodb:GetItem`.
 * @throws UnexpectedItemError with the item found.
 */
export const expectNoItem = async <T extends Item = Item>(
  client: DynamoDBClient,
  options: ExpectNoItemOptions<T>,
): Promise<void> => {
  const { tableName, interval, signal } = common(options, 'expectNoItem');
  const key = keyOption(options.key);
  const match = matchOption<T>(options.match);
  const found = await poll(
    async (deadline) => {
      const item = (await getItem(client, tableName, key, deadline)) as T | undefined;
      return item !== undefined && runMatch(match, item).ok ? item : undefined;
    },
    { timeout: options.within, option: 'within', interval, signal },
  );
  if (found !== undefined) {
    throw new UnexpectedItemError(
      `Item ${preview(options.key)} appeared in table ${tableName} within ${options.within} ms, though it was expected not to: ${preview(found)}.`,
      tableName,
      found,
    );
  }
};

const partitionKeyOption = (value: unknown): { name: string; value: NativeAttributeValue } => {
  const pk = value as Record<string, unknown> | null;
  if (typeof pk === 'object' && pk !== null && !Array.isArray(pk)) {
    const keys = Object.keys(pk);
    if (keys.length === 2 && typeof pk.name === 'string' && 'value' in pk && pk.value !== undefined) {
      return { name: pk.name, value: pk.value as NativeAttributeValue };
    }
    if (keys.length === 1 && pk[keys[0] as string] !== undefined) {
      return { name: keys[0] as string, value: pk[keys[0] as string] as NativeAttributeValue };
    }
  }
  throw new InvalidInputError(
    `partitionKey must be { name, value } or { <attribute>: value }, got ${preview(value)}.`,
    'partitionKey',
  );
};

interface ItemsQuery {
  readonly tableName: string;
  readonly index: string | undefined;
  readonly consistentRead: boolean;
  readonly pk: { name: string; value: NativeAttributeValue };
  /** `{ ':pk': value }`, marshalled. */
  readonly values: Record<string, AttributeValue>;
}

/** Every item under the partition key now (all pages), unmarshalled. */
const queryAll = async (client: DynamoDBClient, q: ItemsQuery, signal: AbortSignal): Promise<Item[]> => {
  const items: Item[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const command = new QueryCommand({
      TableName: q.tableName,
      ...(q.index !== undefined ? { IndexName: q.index } : {}),
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': q.pk.name },
      ExpressionAttributeValues: q.values,
      ConsistentRead: q.consistentRead,
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    const page: QueryCommandOutput = await retry(() => client.send(command, { abortSignal: signal }), {
      ...send,
      signal,
    });
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

/** The sort key of the table or of `index` (what `expect` names by default). IAM: dynamodb:DescribeTable. */
const sortKeyOf = async (
  client: DynamoDBClient,
  q: ItemsQuery,
  signal: AbortSignal | undefined,
): Promise<string> => {
  const command = new DescribeTableCommand({ TableName: q.tableName });
  const { Table: table } = await retry(() => client.send(command, sendOptions(signal)), {
    ...send,
    signal,
  });
  const schema =
    q.index === undefined
      ? table?.KeySchema
      : [...(table?.GlobalSecondaryIndexes ?? []), ...(table?.LocalSecondaryIndexes ?? [])].find(
          (i) => i.IndexName === q.index,
        )?.KeySchema;
  const range = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (range === undefined) {
    throw new InvalidInputError(
      `expect names ids, but ${q.index === undefined ? `table ${q.tableName}` : `index ${q.index}`} has no sort key: pass idAttribute, the attribute the ids are in.`,
      'idAttribute',
    );
  }
  return range;
};

const values = (q: ItemsQuery): string[] => Object.keys(q.values);

const validateItems = (options: WaitForItemsOptions<Item>) => {
  const base = common(options, 'waitForItems');
  const pk = partitionKeyOption(options.partitionKey);
  const expected = options.expect;
  if (
    expected !== undefined &&
    (!Array.isArray(expected) ||
      expected.length === 0 ||
      !expected.every((e) => ['string', 'number'].includes(typeof e)))
  ) {
    throw new InvalidInputError(
      `expect must be a non-empty array of ids (strings or numbers), got ${preview(expected)}.`,
      'expect',
    );
  }
  const count = options.count ?? expected?.length ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidInputError(
      `count must be a whole number of at least 1, got ${preview(options.count)}.`,
      'count',
    );
  }
  if (options.index !== undefined)
    stringOption(options.index, 'index', /^[a-zA-Z0-9_.-]{3,255}$/, 'an index name');
  if (options.idAttribute !== undefined)
    stringOption(options.idAttribute, 'idAttribute', /^.{1,255}$/, 'an attribute name');
  const query: ItemsQuery = {
    tableName: base.tableName,
    index: options.index,
    consistentRead: options.consistentRead ?? options.index === undefined,
    pk,
    values: toAttributes({ ':pk': pk.value }, 'partitionKey.value'),
  };
  if (values(query).length === 0) {
    throw new InvalidInputError(
      `partitionKey.value must be a string, number or binary value, got ${preview(pk.value)}.`,
      'partitionKey.value',
    );
  }
  return { ...base, query, count, expected: expected?.map(String), match: matchOption<Item>(options.match) };
};

/**
 * Waits until `count` items under one partition key pass `match` (and, with `expect`, every expected
 * id is among them); returns the matching items in Query order. That is "every record of batch X
 * arrived" in one call.
 *
 * IAM: `dynamodb:Query` on the table (or index); `dynamodb:DescribeTable` when `expect` is given without `idAttribute`.
 * @throws ItemTimeoutError saying how many of N arrived, which expected ids are missing, and the closest misses.
 */
export const waitForItems = async <T extends Item = Item>(
  client: DynamoDBClient,
  options: WaitForItemsOptions<T>,
): Promise<T[]> => {
  const v = validateItems(options as WaitForItemsOptions<Item>);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const idAttribute =
    v.expected === undefined
      ? undefined
      : (options.idAttribute ?? (await sortKeyOf(client, v.query, v.signal)));
  let seen: Item[] = [];
  let matched: Item[] = [];
  let misses: Miss[] = [];
  let missing: string[] = v.expected ?? [];
  const done = await poll(
    async (signal) => {
      seen = await queryAll(client, v.query, signal);
      matched = [];
      misses = [];
      for (const item of seen) {
        const outcome = runMatch(v.match, item);
        if (outcome.ok) matched.push(item);
        else
          misses.push(
            outcome.reason === undefined ? { event: item } : { event: item, error: outcome.reason },
          );
      }
      const ids = new Set(matched.map((i) => String(idAttribute === undefined ? '' : i[idAttribute])));
      missing = (v.expected ?? []).filter((id) => !ids.has(id));
      return matched.length >= v.count && missing.length === 0 ? matched : undefined;
    },
    { timeout, option: 'timeout', interval: v.interval, signal: v.signal },
  );
  if (done !== undefined) return done as T[];
  const where = `${v.query.tableName}${v.query.index === undefined ? '' : ` (index ${v.query.index})`} under ${v.query.pk.name} = ${preview(v.query.pk.value)}`;
  const lines = [
    `${matched.length} of ${v.count} expected items arrived in ${where} within ${timeout} ms` +
      `${v.match === undefined ? '' : ` and matched (${seen.length} items there in all)`}.`,
    missing.length > 0 ? `Missing ${idAttribute}: ${missing.join(', ')}.` : '',
    misses.length > 0
      ? `Closest misses (items that did not match):\n${describeMisses(misses.slice(-3))}`
      : '',
  ];
  throw new ItemTimeoutError(
    lines.filter(Boolean).join('\n'),
    timeout,
    v.query.tableName,
    seen,
    matched.length,
    v.count,
    missing,
  );
};
