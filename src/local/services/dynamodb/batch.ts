/**
 * Batches and transactions: BatchGetItem, BatchWriteItem, TransactGetItems, TransactWriteItems
 * (all-or-nothing, TransactionCanceledException with CancellationReasons, client request tokens).
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../core/errors.js';
import {
  checkCondition,
  commitWrite,
  DynamoDbError,
  type PreparedWrite,
  prepareCheck,
  prepareDelete,
  prepareGet,
  preparePut,
  prepareUpdate,
  readItem,
  updatedItem,
} from './items.js';
import { type Ctx, getItem, type Input, keyOf, type Table } from './model.js';
import { type Item, itemSize, keyString, validation } from './values.js';

const MAX_BATCH_GET = 100;
const MAX_BATCH_WRITE = 25;
const MAX_TRANSACT = 100;
const BATCH_GET_BYTES = 16 * 1024 * 1024;
const TOKEN_TTL_MS = 10 * 60 * 1000;

const itemId = (table: Table, key: Item): string =>
  `${table.name}\u0000${keyString(key[table.keys.hash] as never)}\u0000${
    table.keys.range === undefined ? '' : keyString(key[table.keys.range] as never)
  }`;

const requestItems = (input: Input): [string, unknown][] => {
  const raw = input.RequestItems;
  if (raw === undefined || raw === null || typeof raw !== 'object') {
    throw validation(
      "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
    );
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) {
    throw validation(
      "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  return entries;
};

const batchGetItem = (input: Input, ctx: Ctx): unknown => {
  const entries = requestItems(input);
  for (const [name, r] of entries) {
    const keys = (r as { Keys?: unknown[] }).Keys ?? [];
    if (keys.length > MAX_BATCH_GET) {
      throw validation(
        `1 validation error detected: Value '[${keys.map((k) => JSON.stringify(k)).join(', ')}]' at 'requestItems.${name}.member.keys' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_GET}`,
      );
    }
  }
  const total = entries.reduce((n, [, r]) => n + ((r as { Keys?: unknown[] }).Keys?.length ?? 0), 0);
  if (total > MAX_BATCH_GET) throw validation('Too many items requested for the BatchGetItem call');
  const responses: Record<string, Item[]> = {};
  const unprocessed: Record<string, Record<string, unknown>> = {};
  let bytes = 0;
  for (const [tableName, raw] of entries) {
    const request = raw as Input;
    const keys = Array.isArray(request.Keys) ? request.Keys : [];
    const seen = new Set<string>();
    const { Keys: _, ...rest } = request;
    responses[tableName] = [];
    for (const rawKey of keys) {
      const g = prepareGet(ctx, { ...rest, TableName: tableName, Key: rawKey });
      const id = itemId(g.table, g.key);
      if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
      seen.add(id);
      if (bytes >= BATCH_GET_BYTES) {
        const u = unprocessed[tableName] ?? { ...rest, Keys: [] };
        unprocessed[tableName] = u;
        (u.Keys as Item[]).push(g.key);
        continue;
      }
      const item = readItem(g);
      if (item) {
        bytes += itemSize(item);
        responses[tableName].push(item);
      }
    }
  }
  return { Responses: responses, UnprocessedKeys: unprocessed };
};

const batchWriteItem = (input: Input, ctx: Ctx): unknown => {
  const entries = requestItems(input);
  const total = entries.reduce((n, [, r]) => n + (Array.isArray(r) ? r.length : 0), 0);
  if (total > MAX_BATCH_WRITE) {
    throw validation(
      `1 validation error detected: Value '${JSON.stringify(input.RequestItems)}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to ${MAX_BATCH_WRITE}, Member must have length greater than or equal to 1]`,
    );
  }
  const writes: { table: Table; key: Item; item: Item | undefined }[] = [];
  const seen = new Set<string>();
  for (const [tableName, raw] of entries) {
    for (const request of (Array.isArray(raw) ? raw : []) as Input[]) {
      const put = request.PutRequest as Input | undefined;
      const del = request.DeleteRequest as Input | undefined;
      if ((put === undefined) === (del === undefined)) {
        throw validation(
          'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
        );
      }
      const w = put
        ? preparePut(ctx, { TableName: tableName, Item: put.Item })
        : { ...prepareDelete(ctx, { TableName: tableName, Key: del?.Key }), item: undefined };
      const id = itemId(w.table, w.key);
      if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
      seen.add(id);
      writes.push({ table: w.table, key: w.key, item: w.item });
    }
  }
  for (const w of writes) {
    const old = getItem(w.table, w.key);
    if (old || w.item) commitWrite(ctx, w.table, w.key, old, w.item);
  }
  return { UnprocessedItems: {} };
};

// ---------------------------------------------------------------------------------------------
// Transactions

interface TransactionStep extends PreparedWrite {
  readonly apply: (old: Item | undefined) => Item | undefined | 'unchanged';
}

const transactItems = (input: Input, kind: string): Input[] => {
  const items = input.TransactItems;
  if (!Array.isArray(items) || items.length === 0) {
    throw validation(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  }
  if (items.length > MAX_TRANSACT) {
    throw validation(
      `1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRANSACT}`,
    );
  }
  return items.map((i) => {
    const entry = i as Input;
    const ops = Object.keys(entry).filter((k) => entry[k] !== undefined && entry[k] !== null);
    if (ops.length !== 1) {
      throw validation(
        `TransactItems can only contain one of ${kind === 'write' ? 'Check, Put, Update or Delete' : 'Get'}`,
      );
    }
    return entry;
  });
};

const prepareStep = (ctx: Ctx, entry: Input): TransactionStep => {
  if (entry.Put) {
    const p = preparePut(ctx, entry.Put as Input);
    return { ...p, apply: () => p.item };
  }
  if (entry.Delete) {
    const d = prepareDelete(ctx, entry.Delete as Input);
    return { ...d, apply: () => undefined };
  }
  if (entry.Update) {
    const u = prepareUpdate(ctx, entry.Update as Input);
    return { ...u, apply: (old) => updatedItem(u.table, u.key, old, u.actions) };
  }
  const check = entry.ConditionCheck as Input;
  if (check.ConditionExpression === undefined) {
    throw validation('The ConditionExpression parameter is required for ConditionCheck');
  }
  const c = prepareCheck(ctx, check);
  return { ...c, apply: () => 'unchanged' };
};

const fingerprint = (input: Input): string =>
  createHash('sha256').update(JSON.stringify(input.TransactItems)).digest('hex');

const checkToken = (ctx: Ctx, input: Input): boolean => {
  const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
  if (token === undefined) return false;
  const now = ctx.emulator.now();
  for (const [t, v] of ctx.state.tokens) if (now - v.at > TOKEN_TTL_MS) ctx.state.tokens.delete(t);
  const previous = ctx.state.tokens.get(token);
  const print = fingerprint(input);
  if (previous) {
    if (previous.fingerprint !== print) {
      throw new AwsError(
        'IdempotentParameterMismatchException',
        'Request with the same client token was made with different parameters.',
      );
    }
    return true;
  }
  return false;
};

const transactWriteItems = (input: Input, ctx: Ctx): unknown => {
  const entries = transactItems(input, 'write');
  if (checkToken(ctx, input)) return {};
  const steps = entries.map((e) => prepareStep(ctx, e));
  const seen = new Set<string>();
  for (const s of steps) {
    const id = itemId(s.table, s.key);
    if (seen.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
    seen.add(id);
  }
  const results: (Item | undefined | 'unchanged')[] = [];
  const reasons = steps.map((s) => {
    const old = getItem(s.table, s.key);
    try {
      checkCondition(s, old);
      results.push(s.apply(old));
      return { Code: 'None' };
    } catch (err) {
      results.push('unchanged');
      const e = err as AwsError;
      if (e.code === 'ConditionalCheckFailedException') {
        const item = (e as DynamoDbError).fields?.Item;
        return { Code: 'ConditionalCheckFailed', Message: e.message, ...(item ? { Item: item } : {}) };
      }
      if (e.code === 'ValidationException') return { Code: 'ValidationError', Message: e.message };
      throw err;
    }
  });
  if (reasons.some((r) => r.Code !== 'None')) {
    throw new DynamoDbError(
      'TransactionCanceledException',
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      { CancellationReasons: reasons },
    );
  }
  steps.forEach((s, i) => {
    const next = results[i];
    if (next === 'unchanged') return;
    const old = getItem(s.table, s.key);
    if (old || next) commitWrite(ctx, s.table, keyOf(s.table.keys, s.key), old, next);
  });
  if (typeof input.ClientRequestToken === 'string') {
    ctx.state.tokens.set(input.ClientRequestToken, {
      at: ctx.emulator.now(),
      fingerprint: fingerprint(input),
    });
  }
  return {};
};

const transactGetItems = (input: Input, ctx: Ctx): unknown => {
  const entries = transactItems(input, 'get');
  const gets = entries.map((e) => {
    if (!e.Get) throw validation('TransactItems can only contain one of Get');
    return prepareGet(ctx, e.Get as Input);
  });
  return {
    Responses: gets.map((g) => {
      const item = readItem(g);
      return item ? { Item: item } : {};
    }),
  };
};

export const batchOperations = {
  BatchGetItem: batchGetItem,
  BatchWriteItem: batchWriteItem,
  TransactWriteItems: transactWriteItems,
  TransactGetItems: transactGetItems,
};
