/**
 * Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem, with condition expressions,
 * return values and consumed capacity; plus the TTL sweeper that deletes expired items.
 */
import { AwsError } from '../../core/errors.js';
import {
  applyUpdate,
  type Condition,
  evaluate,
  type Path,
  Placeholders,
  parseCondition,
  parseProjection,
  parseUpdate,
  project,
  type UpdateAction,
} from './expressions.js';
import {
  type Ctx,
  checkItemForWrite,
  checkKey,
  getItem,
  getTable,
  type Input,
  keyOf,
  storeItem,
  str,
  type Table,
} from './model.js';
import { recordChange } from './stream.js';
import {
  type AttributeValue,
  checkItem,
  compareDecimal,
  type Item,
  itemSize,
  parseDecimal,
  validation,
} from './values.js';

/** An AWS error whose JSON body carries more than `__type` and `message` (e.g. `Item`, `CancellationReasons`). */
export class DynamoDbError extends AwsError {
  constructor(
    code: string,
    message: string,
    override readonly fields: Readonly<Record<string, unknown>>,
  ) {
    super(code, message, 400);
  }
}

export const conditionFailed = (old: Item | undefined, returnOnFailure: unknown): AwsError =>
  returnOnFailure === 'ALL_OLD' && old
    ? new DynamoDbError('ConditionalCheckFailedException', 'The conditional request failed', { Item: old })
    : new AwsError('ConditionalCheckFailedException', 'The conditional request failed');

const LEGACY_PARAMETERS: readonly [string, string][] = [
  ['AttributesToGet', 'ProjectionExpression'],
  ['KeyConditions', 'KeyConditionExpression'],
  ['QueryFilter', 'FilterExpression'],
  ['ScanFilter', 'FilterExpression'],
  ['Expected', 'ConditionExpression'],
  ['AttributeUpdates', 'UpdateExpression'],
  ['ConditionalOperator', 'AND/OR inside the expression'],
];

/** The parsed expressions of one request; reports unused or misplaced placeholders. */
export class Expressions {
  readonly refs: Placeholders;
  #any = false;
  constructor(input: Input) {
    for (const [legacy, instead] of LEGACY_PARAMETERS) {
      if (input[legacy] !== undefined && input[legacy] !== null) {
        throw validation(
          `${legacy} is a legacy parameter that the eventprobe emulator does not support; use ${instead} instead.`,
        );
      }
    }
    this.refs = new Placeholders(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
  }

  condition(
    source: unknown,
    kind: 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression',
  ): Condition | undefined {
    if (source === undefined || source === null) return undefined;
    this.#any = true;
    return parseCondition(String(source), kind, this.refs);
  }

  projection(source: unknown): Path[] | undefined {
    if (source === undefined || source === null) return undefined;
    this.#any = true;
    return parseProjection(String(source), this.refs);
  }

  update(source: unknown): UpdateAction[] | undefined {
    if (source === undefined || source === null) return undefined;
    this.#any = true;
    return parseUpdate(String(source), this.refs);
  }

  done(): void {
    if (!this.#any) {
      if (this.refs.hasNames)
        throw validation('ExpressionAttributeNames can only be specified when using expressions');
      if (this.refs.hasValues)
        throw validation('ExpressionAttributeValues can only be specified when using expressions');
    }
    this.refs.checkAllUsed();
  }
}

export const checkReturnValues = (value: unknown, allowed: readonly string[]): string => {
  const rv = str(value) ?? 'NONE';
  if (!allowed.includes(rv)) {
    if (['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'].includes(rv)) {
      throw validation('ReturnValues can only be ALL_OLD or NONE');
    }
    throw validation(
      `1 validation error detected: Value '${rv}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]`,
    );
  }
  return rv;
};

/** ConsumedCapacity for a request, when asked for. */
export const consumed = (input: Input, table: Table, units: number): Record<string, unknown> => {
  const mode = str(input.ReturnConsumedCapacity);
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return {};
  const out: Record<string, unknown> = { TableName: table.name, CapacityUnits: units };
  if (mode === 'INDEXES') out.Table = { CapacityUnits: units };
  return { ConsumedCapacity: out };
};

export const writeUnits = (...items: (Item | undefined)[]): number =>
  Math.max(1, ...items.map((i) => (i ? Math.ceil(itemSize(i) / 1024) : 1)));

export const readUnits = (size: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(size / 4096)) * (consistent ? 1 : 0.5);

/** Stores a write and feeds the stream. */
export const commitWrite = (
  ctx: Ctx,
  table: Table,
  key: Item,
  oldItem: Item | undefined,
  newItem: Item | undefined,
): void => {
  storeItem(table, key, newItem);
  recordChange(ctx, table, oldItem, newItem);
};

const TTL_SWEEP_INTERVAL_MS = 1000;

/** Deletes the items whose TTL attribute (epoch seconds) has passed, as the TTL process would. */
export const sweepTtl = (ctx: Ctx, table: Table): void => {
  if (!table.ttl?.enabled) return;
  const at = ctx.emulator.now();
  if (at - table.ttlSweptAt < TTL_SWEEP_INTERVAL_MS) return;
  table.ttlSweptAt = at;
  const attribute = table.ttl.attribute;
  const now = parseDecimal(String(Math.floor(at / 1000)));
  const expired: Item[] = [];
  for (const partition of table.partitions.values()) {
    for (const item of partition.items) {
      const v = item[attribute];
      if (v && 'N' in v && compareDecimal(parseDecimal(v.N), now) <= 0) expired.push(item);
    }
  }
  for (const item of expired) {
    const key = keyOf(table.keys, item);
    storeItem(table, key, undefined);
    recordChange(ctx, table, item, undefined, { ttl: true });
  }
};

/** The table of a data-plane request, after the TTL sweep. */
export const tableFor = (ctx: Ctx, name: unknown): Table => {
  const table = getTable(ctx, name);
  sweepTtl(ctx, table);
  return table;
};

const readKey = (table: Table, raw: unknown): Item => {
  if (raw === undefined || raw === null) {
    throw validation(
      "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null",
    );
  }
  const key = checkItem(raw);
  checkKey(table, key);
  return key;
};

export interface PreparedWrite {
  readonly table: Table;
  readonly key: Item;
  readonly condition: Condition | undefined;
  readonly returnOnFailure: unknown;
}

/** Parses a Put and computes the new item (shared with transactions and batches). */
export const preparePut = (ctx: Ctx, input: Input): PreparedWrite & { item: Item } => {
  const table = tableFor(ctx, input.TableName);
  if (input.Item === undefined || input.Item === null) {
    throw validation(
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
  }
  const item = checkItem(input.Item);
  checkItemForWrite(table, item);
  const ex = new Expressions(input);
  const condition = ex.condition(input.ConditionExpression, 'ConditionExpression');
  ex.done();
  return {
    table,
    key: keyOf(table.keys, item),
    item,
    condition,
    returnOnFailure: input.ReturnValuesOnConditionCheckFailure,
  };
};

export const prepareDelete = (ctx: Ctx, input: Input): PreparedWrite => {
  const table = tableFor(ctx, input.TableName);
  const key = readKey(table, input.Key);
  const ex = new Expressions(input);
  const condition = ex.condition(input.ConditionExpression, 'ConditionExpression');
  ex.done();
  return { table, key, condition, returnOnFailure: input.ReturnValuesOnConditionCheckFailure };
};

export const prepareCheck = prepareDelete;

export const prepareUpdate = (ctx: Ctx, input: Input): PreparedWrite & { actions: UpdateAction[] } => {
  const table = tableFor(ctx, input.TableName);
  const key = readKey(table, input.Key);
  const ex = new Expressions(input);
  const actions = ex.update(input.UpdateExpression) ?? [];
  const condition = ex.condition(input.ConditionExpression, 'ConditionExpression');
  ex.done();
  for (const action of actions) {
    const top = action.path[0] as string;
    if (top === table.keys.hash || top === table.keys.range) {
      throw validation(
        `One or more parameter values were invalid: Cannot update attribute ${top}. This attribute is part of the key`,
      );
    }
  }
  return { table, key, actions, condition, returnOnFailure: input.ReturnValuesOnConditionCheckFailure };
};

/** The item after an update, validated as a write. */
export const updatedItem = (
  table: Table,
  key: Item,
  old: Item | undefined,
  actions: readonly UpdateAction[],
): Item => {
  const next = applyUpdate(old ?? key, actions);
  checkItemForWrite(table, next);
  return next;
};

export const checkCondition = (w: PreparedWrite, old: Item | undefined): void => {
  if (w.condition && !evaluate(old ?? {}, w.condition)) throw conditionFailed(old, w.returnOnFailure);
};

const putItem = (input: Input, ctx: Ctx): unknown => {
  const rv = checkReturnValues(input.ReturnValues, ['NONE', 'ALL_OLD']);
  const w = preparePut(ctx, input);
  const old = getItem(w.table, w.key);
  checkCondition(w, old);
  commitWrite(ctx, w.table, w.key, old, w.item);
  return {
    ...(rv === 'ALL_OLD' && old ? { Attributes: old } : {}),
    ...consumed(input, w.table, writeUnits(old, w.item)),
  };
};

const deleteItem = (input: Input, ctx: Ctx): unknown => {
  const rv = checkReturnValues(input.ReturnValues, ['NONE', 'ALL_OLD']);
  const w = prepareDelete(ctx, input);
  const old = getItem(w.table, w.key);
  checkCondition(w, old);
  if (old) commitWrite(ctx, w.table, w.key, old, undefined);
  return {
    ...(rv === 'ALL_OLD' && old ? { Attributes: old } : {}),
    ...consumed(input, w.table, writeUnits(old)),
  };
};

const updateItem = (input: Input, ctx: Ctx): unknown => {
  const rv = checkReturnValues(input.ReturnValues, [
    'NONE',
    'ALL_OLD',
    'UPDATED_OLD',
    'ALL_NEW',
    'UPDATED_NEW',
  ]);
  const w = prepareUpdate(ctx, input);
  const old = getItem(w.table, w.key);
  checkCondition(w, old);
  const next = updatedItem(w.table, w.key, old, w.actions);
  commitWrite(ctx, w.table, w.key, old, next);
  let attributes: Item | undefined;
  const paths = w.actions.map((a) => a.path);
  if (rv === 'ALL_OLD') attributes = old;
  else if (rv === 'ALL_NEW') attributes = next;
  else if (rv === 'UPDATED_OLD' && old) attributes = project(old, paths);
  else if (rv === 'UPDATED_NEW') attributes = project(next, paths);
  return {
    ...(attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...consumed(input, w.table, writeUnits(old, next)),
  };
};

export interface PreparedGet {
  readonly table: Table;
  readonly key: Item;
  readonly projection: Path[] | undefined;
}

export const prepareGet = (ctx: Ctx, input: Input): PreparedGet => {
  const table = tableFor(ctx, input.TableName);
  const key = readKey(table, input.Key);
  const ex = new Expressions(input);
  const projection = ex.projection(input.ProjectionExpression);
  ex.done();
  return { table, key, projection };
};

export const readItem = (g: PreparedGet): Item | undefined => {
  const item = getItem(g.table, g.key);
  if (!item) return undefined;
  return g.projection ? project(item, g.projection) : item;
};

const getItemOp = (input: Input, ctx: Ctx): unknown => {
  const g = prepareGet(ctx, input);
  const item = readItem(g);
  const full = getItem(g.table, g.key);
  return {
    ...(item ? { Item: item } : {}),
    ...consumed(input, g.table, readUnits(full ? itemSize(full) : 0, input.ConsistentRead === true)),
  };
};

export const itemOperations = {
  PutItem: putItem,
  GetItem: getItemOp,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
};

export type { AttributeValue };
