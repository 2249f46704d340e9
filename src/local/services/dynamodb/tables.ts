/**
 * The DynamoDB control plane: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable,
 * tags and time to live.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../../core/errors.js';
import {
  type Ctx,
  getTable,
  type Index,
  type Input,
  type KeySchema,
  notFound,
  type Projection,
  type StreamViewType,
  str,
  type Table,
} from './model.js';
import { disableStream, newStream, trimStreams } from './stream.js';
import { validation } from './values.js';

const NAME_RE = /^[a-zA-Z0-9_.-]+$/;

const checkName = (value: unknown, field: string): string => {
  const name = str(value);
  if (name === undefined) {
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (name.length < 3 || name.length > 255) {
    const label = field === 'tableName' ? 'TableName' : 'IndexName';
    throw validation(`${label} must be at least 3 characters long and at most 255 characters long`);
  }
  if (!NAME_RE.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    );
  }
  return name;
};

const readKeySchema = (raw: unknown, what: string): KeySchema => {
  const list = Array.isArray(raw) ? (raw as { AttributeName?: unknown; KeyType?: unknown }[]) : [];
  const hash = list.filter((k) => k.KeyType === 'HASH');
  const range = list.filter((k) => k.KeyType === 'RANGE');
  if (
    list.length === 0 ||
    list.length > 2 ||
    hash.length !== 1 ||
    range.length > 1 ||
    list[0]?.KeyType !== 'HASH'
  ) {
    throw validation(
      list.length > 0 && list[0]?.KeyType === 'RANGE'
        ? `Invalid KeySchema: The first KeySchemaElement is not a HASH key type`
        : `1 validation error detected: Value '${JSON.stringify(raw)}' at '${what}' failed to satisfy constraint: Member must have length less than or equal to 2`,
    );
  }
  return {
    hash: String(hash[0]?.AttributeName),
    range: range[0] ? String(range[0].AttributeName) : undefined,
  };
};

const readProjection = (raw: unknown): Projection => {
  const p = (raw ?? {}) as { ProjectionType?: unknown; NonKeyAttributes?: unknown };
  const type = p.ProjectionType ?? 'ALL';
  if (type !== 'ALL' && type !== 'KEYS_ONLY' && type !== 'INCLUDE') {
    throw validation(
      `1 validation error detected: Value '${String(type)}' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]`,
    );
  }
  const nonKey = Array.isArray(p.NonKeyAttributes) ? p.NonKeyAttributes.map(String) : undefined;
  if (type === 'INCLUDE' && !nonKey) {
    throw validation(
      'One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified',
    );
  }
  if (type !== 'INCLUDE' && nonKey) {
    throw validation(
      `One or more parameter values were invalid: ProjectionType is ${type}, but NonKeyAttributes is specified`,
    );
  }
  return nonKey ? { ProjectionType: type, NonKeyAttributes: nonKey } : { ProjectionType: type };
};

const readThroughput = (raw: unknown): { read: number; write: number } | undefined => {
  if (raw === undefined || raw === null) return undefined;
  const t = raw as { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown };
  const read = Number(t.ReadCapacityUnits);
  const write = Number(t.WriteCapacityUnits);
  if (!(read >= 1) || !(write >= 1)) {
    throw validation(
      'One or more parameter values were invalid: Provisioned throughput values must be at least 1',
    );
  }
  return { read, write };
};

const checkBilling = (mode: string, throughput: unknown, where = ''): void => {
  if (mode === 'PROVISIONED' && (throughput === undefined || throughput === null)) {
    throw validation(
      `One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED${where}`,
    );
  }
  if (mode === 'PAY_PER_REQUEST' && throughput !== undefined && throughput !== null) {
    throw validation(
      `One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST${where}`,
    );
  }
};

const readIndex = (
  raw: Record<string, unknown>,
  kind: 'GSI' | 'LSI',
  tableArn: string,
  tableKeys: KeySchema,
  billing: string,
): Index => {
  const name = checkName(raw.IndexName, 'indexName');
  const keys = readKeySchema(raw.KeySchema, 'keySchema');
  if (kind === 'LSI') {
    if (keys.hash !== tableKeys.hash || keys.range === undefined) {
      throw validation(
        'One or more parameter values were invalid: Index KeySchema does not have a range key for index: ' +
          name,
      );
    }
  } else {
    checkBilling(billing, raw.ProvisionedThroughput, ` for index ${name}`);
  }
  return {
    name,
    kind,
    keys,
    projection: readProjection(raw.Projection),
    arn: `${tableArn}/index/${name}`,
    throughput: kind === 'GSI' ? readThroughput(raw.ProvisionedThroughput) : undefined,
  };
};

const readStreamSpec = (
  raw: unknown,
): { enabled: boolean; viewType: StreamViewType | undefined } | undefined => {
  if (raw === undefined || raw === null) return undefined;
  const spec = raw as { StreamEnabled?: unknown; StreamViewType?: unknown };
  const enabled = spec.StreamEnabled === true;
  const view = str(spec.StreamViewType);
  if (enabled && !['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'].includes(view ?? '')) {
    throw validation(
      'One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream',
    );
  }
  if (!enabled && view !== undefined) {
    throw validation(
      'One or more parameter values were invalid: You cannot specify a StreamViewType when disabling a stream',
    );
  }
  return { enabled, viewType: view as StreamViewType | undefined };
};

const readTags = (raw: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!Array.isArray(raw)) return out;
  for (const t of raw as { Key?: unknown; Value?: unknown }[]) {
    if (typeof t.Key !== 'string' || t.Key === '')
      throw validation('One or more parameter values were invalid: Tag keys must not be empty');
    out[t.Key] = String(t.Value ?? '');
  }
  return out;
};

const checkDefinitions = (defs: Table['attributeDefinitions'], keys: KeySchema, indexes: Index[]): void => {
  const used = new Set<string>();
  for (const k of [keys, ...indexes.map((i) => i.keys)]) {
    used.add(k.hash);
    if (k.range !== undefined) used.add(k.range);
  }
  const defined = defs.map((d) => d.AttributeName);
  const missing = [...used].filter((n) => !defined.includes(n));
  if (missing.length > 0) {
    throw validation(
      `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${missing.join(', ')}], AttributeDefinitions: [${defined.join(', ')}]`,
    );
  }
  if (defined.length !== used.size) {
    throw validation(
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  }
  for (const d of defs) {
    if (!['S', 'N', 'B'].includes(d.AttributeType)) {
      throw validation(
        `1 validation error detected: Value '${d.AttributeType}' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]`,
      );
    }
  }
};

const createTable = (input: Input, ctx: Ctx): unknown => {
  const name = checkName(input.TableName, 'tableName');
  const keys = readKeySchema(input.KeySchema, 'keySchema');
  const billing = str(input.BillingMode) ?? 'PROVISIONED';
  if (billing !== 'PROVISIONED' && billing !== 'PAY_PER_REQUEST') {
    throw validation(
      `1 validation error detected: Value '${billing}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`,
    );
  }
  checkBilling(billing, input.ProvisionedThroughput);
  const arn = `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
  const defs = (Array.isArray(input.AttributeDefinitions) ? input.AttributeDefinitions : []).map(
    (d: { AttributeName?: unknown; AttributeType?: unknown }) => ({
      AttributeName: String(d.AttributeName),
      AttributeType: String(d.AttributeType),
    }),
  );
  const gsis = (Array.isArray(input.GlobalSecondaryIndexes) ? input.GlobalSecondaryIndexes : []).map((g) =>
    readIndex(g as Input, 'GSI', arn, keys, billing),
  );
  const lsis = (Array.isArray(input.LocalSecondaryIndexes) ? input.LocalSecondaryIndexes : []).map((l) =>
    readIndex(l as Input, 'LSI', arn, keys, billing),
  );
  if (lsis.length > 0 && keys.range === undefined) {
    throw validation(
      'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
    );
  }
  if (gsis.length > 20)
    throw validation(
      'One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20',
    );
  if (lsis.length > 5)
    throw validation(
      'One or more parameter values were invalid: LocalSecondaryIndex count exceeds the per-table limit of 5',
    );
  const indexNames = new Set<string>();
  for (const i of [...gsis, ...lsis]) {
    if (indexNames.has(i.name))
      throw validation(`One or more parameter values were invalid: Duplicate index name: ${i.name}`);
    indexNames.add(i.name);
  }
  checkDefinitions(defs, keys, [...gsis, ...lsis]);
  const streamSpec = readStreamSpec(input.StreamSpecification);
  if (ctx.state.tables.has(name))
    throw new AwsError('ResourceInUseException', `Table already exists: ${name}`);
  const table: Table = {
    name,
    arn,
    id: randomUUID(),
    createdAt: ctx.emulator.now(),
    keys,
    attributeDefinitions: defs,
    billingMode: billing,
    throughput: readThroughput(input.ProvisionedThroughput),
    indexes: [...gsis, ...lsis],
    partitions: new Map(),
    itemCount: 0,
    sizeBytes: 0,
    stream: undefined,
    tags: readTags(input.Tags),
    ttl: undefined,
    ttlSweptAt: 0,
    sse: input.SSESpecification as Record<string, unknown> | undefined,
    deletionProtection: input.DeletionProtectionEnabled === true,
    tableClass: str(input.TableClass),
  };
  if (streamSpec?.enabled) table.stream = newStream(ctx, table, streamSpec.viewType as StreamViewType);
  ctx.state.tables.set(name, table);
  const description = describe(table);
  // In CreateTable's answer the table and its global indexes are still being created.
  const described = description.GlobalSecondaryIndexes as Record<string, unknown>[] | undefined;
  if (described)
    description.GlobalSecondaryIndexes = described.map((g) => ({ ...g, IndexStatus: 'CREATING' }));
  return { TableDescription: { ...description, TableStatus: 'CREATING' } };
};

const keySchemaOut = (k: KeySchema): Record<string, string>[] => [
  { AttributeName: k.hash, KeyType: 'HASH' },
  ...(k.range === undefined ? [] : [{ AttributeName: k.range, KeyType: 'RANGE' }]),
];

const throughputOut = (t: { read: number; write: number } | undefined): Record<string, number> => ({
  NumberOfDecreasesToday: 0,
  ReadCapacityUnits: t?.read ?? 0,
  WriteCapacityUnits: t?.write ?? 0,
});

const indexCounts = (table: Table, index: Index): { ItemCount: number; IndexSizeBytes: number } => {
  let count = 0;
  for (const p of table.partitions.values()) {
    for (const item of p.items) {
      if (
        item[index.keys.hash] !== undefined &&
        (index.keys.range === undefined || item[index.keys.range] !== undefined)
      )
        count++;
    }
  }
  return { ItemCount: count, IndexSizeBytes: 0 };
};

export const describe = (table: Table): Record<string, unknown> => {
  const gsis = table.indexes.filter((i) => i.kind === 'GSI');
  const lsis = table.indexes.filter((i) => i.kind === 'LSI');
  const out: Record<string, unknown> = {
    AttributeDefinitions: table.attributeDefinitions,
    TableName: table.name,
    KeySchema: keySchemaOut(table.keys),
    TableStatus: 'ACTIVE',
    CreationDateTime: table.createdAt / 1000,
    ProvisionedThroughput: throughputOut(table.throughput),
    TableSizeBytes: table.sizeBytes,
    ItemCount: table.itemCount,
    TableArn: table.arn,
    TableId: table.id,
  };
  if (table.billingMode === 'PAY_PER_REQUEST') {
    out.BillingModeSummary = {
      BillingMode: 'PAY_PER_REQUEST',
      LastUpdateToPayPerRequestDateTime: table.createdAt / 1000,
    };
  }
  if (gsis.length > 0) {
    out.GlobalSecondaryIndexes = gsis.map((i) => ({
      IndexName: i.name,
      KeySchema: keySchemaOut(i.keys),
      Projection: i.projection,
      IndexStatus: 'ACTIVE',
      ProvisionedThroughput: throughputOut(i.throughput),
      ...indexCounts(table, i),
      IndexArn: i.arn,
    }));
  }
  if (lsis.length > 0) {
    out.LocalSecondaryIndexes = lsis.map((i) => ({
      IndexName: i.name,
      KeySchema: keySchemaOut(i.keys),
      Projection: i.projection,
      ...indexCounts(table, i),
      IndexArn: i.arn,
    }));
  }
  if (table.stream && table.stream.disabledAt === undefined) {
    out.StreamSpecification = { StreamEnabled: true, StreamViewType: table.stream.viewType };
  }
  if (table.stream) {
    out.LatestStreamLabel = table.stream.label;
    out.LatestStreamArn = table.stream.arn;
  }
  if (table.sse && (table.sse as { Enabled?: unknown }).Enabled === true) {
    out.SSEDescription = {
      Status: 'ENABLED',
      SSEType: 'KMS',
      KMSMasterKeyArn: `arn:aws:kms:${table.arn.split(':')[3]}:${table.arn.split(':')[4]}:key/${table.id}`,
    };
  }
  if (table.tableClass) out.TableClassSummary = { TableClass: table.tableClass };
  out.DeletionProtectionEnabled = table.deletionProtection;
  return out;
};

const describeTable = (input: Input, ctx: Ctx): unknown => {
  const name = checkName(input.TableName, 'tableName');
  const table = ctx.state.tables.get(name);
  if (!table) throw notFound(`Requested resource not found: Table: ${name} not found`);
  return { Table: describe(table) };
};

const listTables = (input: Input, ctx: Ctx): unknown => {
  const limit = input.Limit === undefined ? 100 : Number(input.Limit);
  if (!(limit >= 1 && limit <= 100)) {
    throw validation(
      `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`,
    );
  }
  const start = str(input.ExclusiveStartTableName);
  const names = [...ctx.state.tables.keys()].sort().filter((n) => start === undefined || n > start);
  const page = names.slice(0, limit);
  return {
    TableNames: page,
    ...(names.length > limit ? { LastEvaluatedTableName: page[page.length - 1] } : {}),
  };
};

const updateTable = (input: Input, ctx: Ctx): unknown => {
  const table = getTable(ctx, input.TableName);
  let changed = false;
  if (input.BillingMode !== undefined) {
    const mode = String(input.BillingMode) as Table['billingMode'];
    checkBilling(mode, input.ProvisionedThroughput);
    table.billingMode = mode;
    table.throughput = readThroughput(input.ProvisionedThroughput);
    changed = true;
  } else if (input.ProvisionedThroughput !== undefined) {
    if (table.billingMode === 'PAY_PER_REQUEST') checkBilling('PAY_PER_REQUEST', input.ProvisionedThroughput);
    table.throughput = readThroughput(input.ProvisionedThroughput);
    changed = true;
  }
  if (Array.isArray(input.AttributeDefinitions)) {
    for (const d of input.AttributeDefinitions as { AttributeName: string; AttributeType: string }[]) {
      if (!table.attributeDefinitions.some((x) => x.AttributeName === d.AttributeName)) {
        table.attributeDefinitions.push({
          AttributeName: String(d.AttributeName),
          AttributeType: String(d.AttributeType),
        });
      }
    }
  }
  for (const update of (Array.isArray(input.GlobalSecondaryIndexUpdates)
    ? input.GlobalSecondaryIndexUpdates
    : []) as Input[]) {
    changed = true;
    if (update.Create) {
      const index = readIndex(update.Create as Input, 'GSI', table.arn, table.keys, table.billingMode);
      if (table.indexes.some((i) => i.name === index.name)) {
        throw validation(
          `One or more parameter values were invalid: Attempting to create an index which already exists`,
        );
      }
      table.indexes.push(index);
    } else if (update.Delete) {
      const name = String((update.Delete as Input).IndexName);
      const at = table.indexes.findIndex((i) => i.name === name && i.kind === 'GSI');
      if (at < 0) throw notFound(`Requested resource not found: Requested index ${name} does not exist`);
      table.indexes.splice(at, 1);
    } else if (update.Update) {
      const u = update.Update as Input;
      const index = table.indexes.find((i) => i.name === u.IndexName && i.kind === 'GSI');
      if (!index)
        throw notFound(`Requested resource not found: Requested index ${String(u.IndexName)} does not exist`);
      index.throughput = readThroughput(u.ProvisionedThroughput);
    }
  }
  // Definitions that no key uses any more (an index was deleted) are dropped, as AWS does.
  const used = new Set([table.keys, ...table.indexes.map((i) => i.keys)].flatMap((k) => [k.hash, k.range]));
  table.attributeDefinitions = table.attributeDefinitions.filter((d) => used.has(d.AttributeName));
  checkDefinitions(table.attributeDefinitions, table.keys, table.indexes);
  const spec = readStreamSpec(input.StreamSpecification);
  if (spec) {
    changed = true;
    const live = table.stream && table.stream.disabledAt === undefined;
    if (spec.enabled && live) {
      throw validation(`Table already has an enabled stream: TableName: ${table.name}`);
    }
    if (!spec.enabled && !live) {
      throw validation(`Table already has no enabled stream: TableName: ${table.name}`);
    }
    if (spec.enabled) table.stream = newStream(ctx, table, spec.viewType as StreamViewType);
    else if (table.stream) disableStream(ctx, table.stream);
  }
  if (input.DeletionProtectionEnabled !== undefined) {
    table.deletionProtection = input.DeletionProtectionEnabled === true;
    changed = true;
  }
  if (input.SSESpecification !== undefined) {
    table.sse = input.SSESpecification as Record<string, unknown>;
    changed = true;
  }
  if (input.TableClass !== undefined) {
    table.tableClass = String(input.TableClass);
    changed = true;
  }
  if (!changed) {
    throw validation(
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    );
  }
  return { TableDescription: describe(table) };
};

const deleteTable = (input: Input, ctx: Ctx): unknown => {
  const table = getTable(ctx, input.TableName);
  if (table.deletionProtection) {
    throw validation(
      `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`,
    );
  }
  ctx.state.tables.delete(table.name);
  if (table.stream) disableStream(ctx, table.stream);
  trimStreams(ctx);
  return { TableDescription: { ...describe(table), TableStatus: 'DELETING' } };
};

// ---------------------------------------------------------------------------------------------
// Tags and TTL

const tableByArn = (ctx: Ctx, arn: unknown): Table => {
  const text = str(arn) ?? '';
  const m = /^arn:aws[^:]*:dynamodb:([^:]+):(\d{12}):table\/([^/]+)$/.exec(text);
  if (!m) throw validation(`Invalid TableArn: Invalid ResourceArn provided as input ${text}`);
  const table =
    m[1] === ctx.region && m[2] === ctx.accountId ? ctx.state.tables.get(m[3] as string) : undefined;
  if (!table)
    throw new AwsError(
      'ResourceNotFoundException',
      `Requested resource not found: ResourcArn: ${text} not found`,
    );
  return table;
};

const tagResource = (input: Input, ctx: Ctx): unknown => {
  const table = tableByArn(ctx, input.ResourceArn);
  Object.assign(table.tags, readTags(input.Tags));
  if (Object.keys(table.tags).length > 50)
    throw validation('One or more parameter values were invalid: Too many tags');
  return {};
};

const untagResource = (input: Input, ctx: Ctx): unknown => {
  const table = tableByArn(ctx, input.ResourceArn);
  for (const k of Array.isArray(input.TagKeys) ? input.TagKeys : []) delete table.tags[String(k)];
  return {};
};

const listTagsOfResource = (input: Input, ctx: Ctx): unknown => {
  const table = tableByArn(ctx, input.ResourceArn);
  return { Tags: Object.entries(table.tags).map(([Key, Value]) => ({ Key, Value })) };
};

const updateTimeToLive = (input: Input, ctx: Ctx): unknown => {
  const table = getTable(ctx, input.TableName);
  const spec = (input.TimeToLiveSpecification ?? {}) as { Enabled?: unknown; AttributeName?: unknown };
  const attribute = str(spec.AttributeName);
  if (attribute === undefined || attribute === '' || typeof spec.Enabled !== 'boolean') {
    throw validation(
      "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null",
    );
  }
  if (spec.Enabled && table.ttl?.enabled) throw validation('TimeToLive is already enabled');
  if (!spec.Enabled && !table.ttl?.enabled) throw validation('TimeToLive is already disabled');
  if (!spec.Enabled && table.ttl && table.ttl.attribute !== attribute) {
    throw validation('The specified attribute name does not match the one currently set for TimeToLive');
  }
  table.ttl = { attribute, enabled: spec.Enabled };
  return { TimeToLiveSpecification: { AttributeName: attribute, Enabled: spec.Enabled } };
};

const describeTimeToLive = (input: Input, ctx: Ctx): unknown => {
  const table = getTable(ctx, input.TableName);
  if (!table.ttl?.enabled) return { TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } };
  return { TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttl.attribute } };
};

const describeLimits = (): unknown => ({
  AccountMaxReadCapacityUnits: 80000,
  AccountMaxWriteCapacityUnits: 80000,
  TableMaxReadCapacityUnits: 40000,
  TableMaxWriteCapacityUnits: 40000,
});

export const tableOperations = {
  CreateTable: createTable,
  DescribeTable: describeTable,
  ListTables: listTables,
  UpdateTable: updateTable,
  DeleteTable: deleteTable,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsOfResource: listTagsOfResource,
  UpdateTimeToLive: updateTimeToLive,
  DescribeTimeToLive: describeTimeToLive,
  DescribeLimits: describeLimits,
};
