/**
 * Query and Scan: key conditions on tables and indexes, filters, projections, paging by Limit,
 * ExclusiveStartKey and the 1 MB page, Select COUNT, parallel scan segments.
 */
import { type Condition, evaluate, type Operand, type Path, project } from './expressions.js';
import { Expressions, readUnits, tableFor } from './items.js';
import {
  type Ctx,
  getItem,
  type Index,
  type Input,
  indexView,
  type KeySchema,
  keyOf,
  partitionHash,
  scanOrder,
  str,
  type Table,
} from './model.js';
import {
  type AttributeValue,
  checkItem,
  compareScalar,
  type Item,
  itemSize,
  keyString,
  typeOf,
  validation,
} from './values.js';

const PAGE_BYTES = 1024 * 1024;

interface Source {
  readonly table: Table;
  readonly index: Index | undefined;
  /** Key schema the source is ordered by. */
  readonly keys: KeySchema;
}

const sourceOf = (ctx: Ctx, input: Input): Source => {
  const table = tableFor(ctx, input.TableName);
  const name = str(input.IndexName);
  if (name === undefined) return { table, index: undefined, keys: table.keys };
  const index = table.indexes.find((i) => i.name === name);
  if (!index) {
    throw validation(`The table does not have the specified index: ${name}`);
  }
  if (index.kind === 'GSI' && input.ConsistentRead === true) {
    throw validation('Consistent reads are not supported on global secondary indexes');
  }
  return { table, index, keys: index.keys };
};

/** The key attributes that identify a position in a source: the index key plus the table key. */
const positionKey = (source: Source, item: Item): Item => {
  const out = keyOf(source.table.keys, item);
  if (source.index) Object.assign(out, keyOf(source.index.keys, item));
  return out;
};

const compareOptional = (a: AttributeValue | undefined, b: AttributeValue | undefined): number =>
  a === undefined || b === undefined ? 0 : compareScalar(a, b);

/** Orders items within one partition of a source: by its range key, then by the table key. */
const withinPartition =
  (source: Source) =>
  (a: Item, b: Item): number => {
    const { keys, table } = source;
    return (
      (keys.range !== undefined ? compareOptional(a[keys.range], b[keys.range]) : 0) ||
      (source.index ? compareOptional(a[table.keys.hash], b[table.keys.hash]) : 0) ||
      (source.index && table.keys.range !== undefined
        ? compareOptional(a[table.keys.range], b[table.keys.range])
        : 0)
    );
  };

const startKey = (source: Source, raw: unknown): Item | undefined => {
  if (raw === undefined || raw === null) return undefined;
  const key = checkItem(raw);
  const expected = Object.keys(
    positionKey(source, { ...fill(source.table.keys), ...(source.index ? fill(source.index.keys) : {}) }),
  );
  if (Object.keys(key).length !== expected.length || !expected.every((k) => key[k] !== undefined)) {
    throw validation(
      'The provided starting key is invalid: The provided key element does not match the schema',
    );
  }
  return key;
};

const fill = (keys: KeySchema): Item => ({
  [keys.hash]: { NULL: true },
  ...(keys.range === undefined ? {} : { [keys.range]: { NULL: true } }),
});

interface Page {
  readonly items: Item[];
  readonly scanned: number;
  readonly last: Item | undefined;
  readonly bytes: number;
}

/** Walks candidates in order from after `start`, up to Limit items or 1 MB, keeping those that pass the filter. */
const paginate = (
  source: Source,
  candidates: Iterable<Item>,
  limit: number | undefined,
  filter: Condition | undefined,
): Page => {
  const items: Item[] = [];
  let scanned = 0;
  let bytes = 0;
  let last: Item | undefined;
  let more = false;
  for (const item of candidates) {
    if ((limit !== undefined && scanned >= limit) || bytes >= PAGE_BYTES) {
      more = true;
      break;
    }
    scanned++;
    bytes += itemSize(item);
    last = item;
    if (!filter || evaluate(item, filter)) items.push(item);
  }
  const stoppedAtLimit = limit !== undefined && scanned >= limit;
  return {
    items,
    scanned,
    bytes,
    last: (more || stoppedAtLimit || bytes >= PAGE_BYTES) && last ? positionKey(source, last) : undefined,
  };
};

const readLimit = (value: unknown): number | undefined => {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  return n;
};

const readSelect = (input: Input, hasProjection: boolean): string => {
  const fallback = str(input.IndexName) === undefined ? 'ALL_ATTRIBUTES' : 'ALL_PROJECTED_ATTRIBUTES';
  const select = str(input.Select) ?? (hasProjection ? 'SPECIFIC_ATTRIBUTES' : fallback);
  if (!['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT'].includes(select)) {
    throw validation(
      `1 validation error detected: Value '${select}' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]`,
    );
  }
  if (hasProjection && select !== 'SPECIFIC_ATTRIBUTES') {
    throw validation(
      `Cannot specify the ProjectionExpression when choosing to get ${select === 'COUNT' ? 'COUNT' : select}`.replace(
        'ProjectionExpression when choosing to get',
        'AttributesToGet when choosing to get',
      ),
    );
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && str(input.IndexName) === undefined) {
    throw validation('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  }
  return select;
};

const result = (
  input: Input,
  source: Source,
  page: Page,
  select: string,
  projection: Path[] | undefined,
): Record<string, unknown> => {
  const out: Record<string, unknown> = { Count: page.items.length, ScannedCount: page.scanned };
  if (select !== 'COUNT') out.Items = projection ? page.items.map((i) => project(i, projection)) : page.items;
  if (page.last) out.LastEvaluatedKey = page.last;
  const mode = str(input.ReturnConsumedCapacity);
  if (mode === 'TOTAL' || mode === 'INDEXES') {
    out.ConsumedCapacity = {
      TableName: source.table.name,
      CapacityUnits: readUnits(page.bytes, input.ConsistentRead === true),
    };
  }
  return out;
};

/**
 * Select ALL_ATTRIBUTES on an index that does not project everything: a local index fetches the
 * items from the table; a global index cannot.
 */
const fetchesFullItems = (source: Source, select: string): boolean => {
  const index = source.index;
  if (!index || select !== 'ALL_ATTRIBUTES' || index.projection.ProjectionType === 'ALL') return false;
  if (index.kind === 'GSI') {
    throw validation(
      `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`,
    );
  }
  return true;
};

// ---------------------------------------------------------------------------------------------
// Query

interface KeyCondition {
  readonly hash: AttributeValue;
  readonly range: Condition | undefined;
}

const flattenAnd = (c: Condition): Condition[] =>
  c.kind === 'and' ? [...flattenAnd(c.a), ...flattenAnd(c.b)] : [c];

const keyNameOf = (o: Operand): string | undefined =>
  o.kind === 'path' && o.path.length === 1 ? String(o.path[0]) : undefined;

const analyseKeyCondition = (source: Source, c: Condition): KeyCondition => {
  const attributeType = (name: string): string | undefined =>
    source.table.attributeDefinitions.find((d) => d.AttributeName === name)?.AttributeType;
  const byName = new Map<string, Condition>();
  const parts = flattenAnd(c);
  for (const part of parts) {
    if (
      part.kind === 'or' ||
      part.kind === 'not' ||
      part.kind === 'in' ||
      (part.kind === 'cmp' && part.op === '<>')
    ) {
      const op = part.kind === 'cmp' ? '<>' : part.kind.toUpperCase();
      throw validation(`Invalid operator used in KeyConditionExpression: ${op}`);
    }
    if (part.kind === 'and') continue;
    if (part.kind === 'fn' && part.name !== 'begins_with') {
      throw validation(`Invalid operator used in KeyConditionExpression: ${part.name}`);
    }
    const subject: Operand | undefined = part.kind === 'fn' ? part.args[0] : part.a;
    const name = subject ? keyNameOf(subject) : undefined;
    if (name === undefined) throw validation('Query key condition not supported');
    if (byName.has(name)) throw validation('KeyConditionExpressions must only contain one condition per key');
    byName.set(name, part);
  }
  const { hash: hashName, range: rangeName } = source.keys;
  if (rangeName === undefined && byName.size > 1) throw validation('Query key condition not supported');
  const hashPart = byName.get(hashName);
  if (!hashPart) throw validation(`Query condition missed key schema element: ${hashName}`);
  const rangePart = rangeName === undefined ? undefined : byName.get(rangeName);
  if (rangeName !== undefined && !rangePart && byName.size > 1) {
    throw validation(`Query condition missed key schema element: ${rangeName}`);
  }
  for (const [name, part] of [
    [hashName, hashPart],
    [rangeName, rangePart],
  ] as const) {
    if (!part || name === undefined) continue;
    const values =
      part.kind === 'cmp'
        ? [part.b]
        : part.kind === 'between'
          ? [part.lo, part.hi]
          : part.kind === 'fn'
            ? part.args.slice(1)
            : [];
    for (const v of values) {
      if (v.kind !== 'value') throw validation('Query key condition not supported');
      if (typeOf(v.value) !== attributeType(name)) {
        throw validation(
          'One or more parameter values were invalid: Condition parameter type does not match schema type',
        );
      }
    }
  }
  if (hashPart.kind !== 'cmp' || hashPart.op !== '=') throw validation('Query key condition not supported');
  return { hash: (hashPart.b as { value: AttributeValue }).value, range: rangePart };
};

/** The items of one partition of a source, in order. */
const partitionItems = (source: Source, hash: AttributeValue): Item[] => {
  if (!source.index) return [...(source.table.partitions.get(keyString(hash))?.items ?? [])];
  const out: Item[] = [];
  for (const p of source.table.partitions.values()) {
    for (const item of p.items) {
      const v = item[source.keys.hash];
      if (v !== undefined && typeOf(v) === typeOf(hash) && compareScalar(v, hash) === 0) {
        const view = indexView(source.table, source.index, item);
        if (view) out.push(view);
      }
    }
  }
  return out.sort(withinPartition(source));
};

const query = (input: Input, ctx: Ctx): unknown => {
  const source = sourceOf(ctx, input);
  const ex = new Expressions(input);
  if (input.KeyConditionExpression === undefined || input.KeyConditionExpression === null) {
    throw validation(
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    );
  }
  const keyCondition = ex.condition(input.KeyConditionExpression, 'KeyConditionExpression') as Condition;
  const filter = ex.condition(input.FilterExpression, 'FilterExpression');
  const projection = ex.projection(input.ProjectionExpression);
  ex.done();
  const select = readSelect(input, projection !== undefined);
  const limit = readLimit(input.Limit);
  const key = analyseKeyCondition(source, keyCondition);
  if (filter) checkFilterKeys(source, filter);
  const start = startKey(source, input.ExclusiveStartKey);
  let items = partitionItems(source, key.hash);
  if (fetchesFullItems(source, select)) {
    items = items.map((view) => getItem(source.table, keyOf(source.table.keys, view)) ?? view);
  }
  if (key.range) items = items.filter((i) => evaluate(i, key.range as Condition));
  const forward = input.ScanIndexForward !== false;
  if (!forward) items.reverse();
  if (start) {
    const order = withinPartition(source);
    items = items.filter((i) => (forward ? order(i, start) > 0 : order(i, start) < 0));
  }
  const page = paginate(source, items, limit, filter);
  return result(input, source, page, select, projection);
};

const checkFilterKeys = (source: Source, filter: Condition): void => {
  const keys = new Set([source.keys.hash, source.keys.range]);
  const visit = (c: Condition): void => {
    if (c.kind === 'and' || c.kind === 'or') {
      visit(c.a);
      visit(c.b);
    } else if (c.kind === 'not') visit(c.a);
    else {
      const ops =
        c.kind === 'cmp'
          ? [c.a, c.b]
          : c.kind === 'between'
            ? [c.a, c.lo, c.hi]
            : c.kind === 'in'
              ? [c.a, ...c.list]
              : c.args;
      for (const o of ops) {
        const name = o.kind === 'path' || o.kind === 'size' ? String(o.path[0]) : undefined;
        if (name !== undefined && keys.has(name)) {
          throw validation(
            `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${name}`,
          );
        }
      }
    }
  };
  visit(filter);
};

// ---------------------------------------------------------------------------------------------
// Scan

const readSegments = (input: Input): { segment: number; total: number } | undefined => {
  const hasSegment = input.Segment !== undefined && input.Segment !== null;
  const hasTotal = input.TotalSegments !== undefined && input.TotalSegments !== null;
  if (!hasSegment && !hasTotal) return undefined;
  if (!hasTotal) {
    throw validation(
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    );
  }
  if (!hasSegment) {
    throw validation(
      'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
    );
  }
  const segment = Number(input.Segment);
  const total = Number(input.TotalSegments);
  if (!Number.isInteger(total) || total < 1 || total > 1_000_000) {
    throw validation(
      `1 validation error detected: Value '${String(input.TotalSegments)}' at 'totalSegments' failed to satisfy constraint: Member must have value ${total < 1 ? 'greater than or equal to 1' : 'less than or equal to 1000000'}`,
    );
  }
  if (!Number.isInteger(segment) || segment < 0 || segment >= total) {
    throw validation(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${String(input.Segment)} is not less than TotalSegments: ${total}`,
    );
  }
  return { segment, total };
};

function* scanItems(
  source: Source,
  segments: { segment: number; total: number } | undefined,
  start: Item | undefined,
): Generator<Item> {
  const { table, index } = source;
  const startHash = start?.[table.keys.hash];
  const startPosition = startHash ? { h: partitionHash(startHash), k: keyString(startHash) } : undefined;
  for (const partition of scanOrder(table)) {
    if (segments && Math.floor((partitionHash(partition.key) * segments.total) / 65536) !== segments.segment)
      continue;
    let sameAsStart = false;
    if (startPosition) {
      const h = partitionHash(partition.key);
      const k = keyString(partition.key);
      if (h < startPosition.h || (h === startPosition.h && k < startPosition.k)) continue;
      sameAsStart = h === startPosition.h && k === startPosition.k;
    }
    for (const item of partition.items) {
      if (sameAsStart) {
        const range = table.keys.range;
        if (range === undefined) break;
        if (compareScalar(item[range] as AttributeValue, start?.[range] as AttributeValue) <= 0) continue;
      }
      const view = index ? indexView(table, index, item) : item;
      if (view) yield view;
    }
  }
}

function* mapItems(items: Iterable<Item>, f: (item: Item) => Item): Generator<Item> {
  for (const item of items) yield f(item);
}

const scan = (input: Input, ctx: Ctx): unknown => {
  const source = sourceOf(ctx, input);
  const ex = new Expressions(input);
  const filter = ex.condition(input.FilterExpression, 'FilterExpression');
  const projection = ex.projection(input.ProjectionExpression);
  ex.done();
  const select = readSelect(input, projection !== undefined);
  const limit = readLimit(input.Limit);
  const segments = readSegments(input);
  const full = fetchesFullItems(source, select);
  const start = startKey(source, input.ExclusiveStartKey);
  const views = scanItems(source, segments, start);
  const items = full
    ? mapItems(views, (view) => getItem(source.table, keyOf(source.table.keys, view)) ?? view)
    : views;
  const page = paginate(source, items, limit, filter);
  return result(input, source, page, select, projection);
};

export const queryOperations = { Query: query, Scan: scan };
