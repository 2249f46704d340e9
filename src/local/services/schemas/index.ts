import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { paginate } from '../../core/paging.js';
import { defineService, type TaggingHooks } from '../../core/service.js';
import {
  createSchemasState,
  type RegistryRecord,
  registryArn,
  type SchemaRecord,
  type SchemasState,
  type SchemaType,
  type SchemaVersionRecord,
  schemaArn,
} from './state.js';

export type { SchemasState } from './state.js';

type Ctx = OpContext<SchemasState>;
type Input = Record<string, unknown>;

const MAX_CONTENT = 100_000;
const MAX_DESCRIPTION = 256;
const DEFAULT_PAGE = 100;
const REGISTRY_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const SCHEMA_NAME = /^[.\-_A-Za-z@0-9]{1,385}$/;
const TYPES: readonly SchemaType[] = ['OpenApi3', 'JSONSchemaDraft4'];

const badRequest = (message: string): AwsError => new AwsError('BadRequestException', message, 400);
const notFound = (message: string): AwsError => new AwsError('NotFoundException', message, 404);
const conflict = (message: string): AwsError => new AwsError('ConflictException', message, 409);
const forbidden = (message: string): AwsError => new AwsError('ForbiddenException', message, 403);

/** The Schemas API's timestamps are RFC 3339 date-times in JSON bodies. */
const dateTime = (ms: number): string => new Date(ms).toISOString();

const optionalString = (input: Input, key: string): string | undefined => {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string.`);
  return v;
};

const description = (input: Input): string | undefined => {
  const d = optionalString(input, 'Description');
  if (d !== undefined && d.length > MAX_DESCRIPTION) {
    throw badRequest(`Description must be at most ${MAX_DESCRIPTION} characters long.`);
  }
  return d;
};

const tagsOf = (input: Input): Record<string, string> => {
  const t = input.tags;
  if (t === undefined || t === null) return {};
  if (typeof t !== 'object' || Array.isArray(t)) throw badRequest('tags must be a map of strings.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'string') throw badRequest(`Tag ${k} must have a string value.`);
    out[k] = v;
  }
  return out;
};

const registryName = (input: Input): string => {
  const name = optionalString(input, 'RegistryName');
  if (name === undefined || !REGISTRY_NAME.test(name)) {
    throw badRequest(
      `RegistryName ${JSON.stringify(name ?? '')} is not valid: 1-64 characters of letters, digits, '.', '-' and '_'.`,
    );
  }
  return name;
};

const schemaName = (input: Input): string => {
  const name = optionalString(input, 'SchemaName');
  if (name === undefined || !SCHEMA_NAME.test(name)) {
    throw badRequest(
      `SchemaName ${JSON.stringify(name ?? '')} is not valid: 1-385 characters of letters, digits, '.', '-', '_' and '@'.`,
    );
  }
  return name;
};

const findRegistry = (ctx: Ctx, input: Input): RegistryRecord => {
  const name = registryName(input);
  const registry = ctx.state.registries.get(name);
  if (!registry) throw notFound(`Registry with name ${name} does not exist.`);
  return registry;
};

const ownRegistry = (ctx: Ctx, input: Input): RegistryRecord => {
  const registry = findRegistry(ctx, input);
  if (registry.scope === 'AWS') {
    throw forbidden(`Registry ${registry.name} is managed by AWS and cannot be changed.`);
  }
  return registry;
};

const findSchema = (ctx: Ctx, input: Input): { registry: RegistryRecord; schema: SchemaRecord } => {
  const registry = findRegistry(ctx, input);
  const name = schemaName(input);
  const schema = registry.schemas.get(name);
  if (!schema) throw notFound(`Schema with name ${name} does not exist in registry ${registry.name}.`);
  return { registry, schema };
};

const schemaType = (input: Input, required: boolean): SchemaType | undefined => {
  const t = input.Type;
  if (t === undefined || t === null) {
    if (required) throw badRequest('Type is required: OpenApi3 or JSONSchemaDraft4.');
    return undefined;
  }
  if (!TYPES.includes(t as SchemaType)) {
    throw badRequest(`Type ${JSON.stringify(t)} is not valid: OpenApi3 or JSONSchemaDraft4.`);
  }
  return t as SchemaType;
};

/** Checks that the content is a JSON object of the declared kind, as the registry does. */
const schemaContent = (input: Input, type: SchemaType, required: boolean): string | undefined => {
  const content = optionalString(input, 'Content');
  if (content === undefined) {
    if (required) throw badRequest('Content is required.');
    return undefined;
  }
  if (content.length === 0 || content.length > MAX_CONTENT) {
    throw badRequest(`Content must be 1-${MAX_CONTENT} characters long.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    throw badRequest('Invalid Content: the schema is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw badRequest('Invalid Content: the schema must be a JSON object.');
  }
  if (type === 'OpenApi3' && typeof (doc as Record<string, unknown>).openapi !== 'string') {
    throw badRequest('Invalid Content: an OpenApi3 schema needs an "openapi" version field.');
  }
  return content;
};

const page = <T>(items: readonly T[], input: Input): { items: T[]; NextToken?: string } => {
  const rawLimit = input.limit ?? input.Limit;
  const limit = rawLimit === undefined ? DEFAULT_PAGE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1) throw badRequest('limit must be a positive whole number.');
  const token = optionalString(input, 'nextToken') ?? optionalString(input, 'NextToken');
  const { page: slice, nextToken } = paginate(items, token, limit, () =>
    badRequest('The nextToken is not valid.'),
  );
  return nextToken === undefined ? { items: slice } : { items: slice, NextToken: nextToken };
};

const latest = (schema: SchemaRecord): SchemaVersionRecord => schema.versions.at(-1) as SchemaVersionRecord;

const registryView = (r: RegistryRecord) => ({
  RegistryArn: r.arn,
  RegistryName: r.name,
  ...(r.description === undefined ? {} : { Description: r.description }),
  tags: { ...r.tags },
});

const schemaView = (s: SchemaRecord, v: SchemaVersionRecord) => ({
  ...(s.description === undefined ? {} : { Description: s.description }),
  LastModified: dateTime(s.lastModified),
  SchemaArn: s.arn,
  SchemaName: s.name,
  SchemaVersion: v.version,
  tags: { ...s.tags },
  Type: v.type,
  VersionCreatedDate: dateTime(v.created),
});

const createRegistry = (input: Input, ctx: Ctx) => {
  const name = registryName(input);
  if (name.startsWith('aws.')) throw badRequest(`Registry names starting with "aws." are reserved: ${name}.`);
  if (ctx.state.registries.has(name)) throw conflict(`Registry with name ${name} already exists.`);
  const registry: RegistryRecord = {
    name,
    arn: registryArn(ctx.region, ctx.accountId, name),
    scope: 'LOCAL',
    description: description(input),
    tags: tagsOf(input),
    schemas: new Map(),
  };
  ctx.state.registries.set(name, registry);
  return registryView(registry);
};

const updateRegistry = (input: Input, ctx: Ctx) => {
  const registry = ownRegistry(ctx, input);
  registry.description = description(input);
  return registryView(registry);
};

const listRegistries = (input: Input, ctx: Ctx) => {
  const prefix = optionalString(input, 'registryNamePrefix') ?? '';
  const scope = optionalString(input, 'scope');
  if (scope !== undefined && scope !== 'LOCAL' && scope !== 'AWS') {
    throw badRequest(`scope ${JSON.stringify(scope)} is not valid: LOCAL or AWS.`);
  }
  const all = [...ctx.state.registries.values()]
    .filter((r) => r.name.startsWith(prefix) && (scope === undefined || r.scope === scope))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { items, ...rest } = page(all, input);
  return {
    Registries: items.map((r) => ({ RegistryArn: r.arn, RegistryName: r.name, tags: { ...r.tags } })),
    ...rest,
  };
};

const deleteRegistry = (input: Input, ctx: Ctx) => {
  const registry = ownRegistry(ctx, input);
  ctx.state.registries.delete(registry.name);
  return {};
};

const createSchema = (input: Input, ctx: Ctx) => {
  const registry = ownRegistry(ctx, input);
  const name = schemaName(input);
  const type = schemaType(input, true) as SchemaType;
  const content = schemaContent(input, type, true) as string;
  if (registry.schemas.has(name)) throw conflict(`Schema with name ${name} already exists.`);
  const now = ctx.emulator.now();
  const schema: SchemaRecord = {
    name,
    arn: schemaArn(ctx.region, ctx.accountId, registry.name, name),
    description: description(input),
    tags: tagsOf(input),
    versions: [{ version: '1', type, content, created: now }],
    lastVersion: 1,
    lastModified: now,
  };
  registry.schemas.set(name, schema);
  return schemaView(schema, latest(schema));
};

const describeSchema = (input: Input, ctx: Ctx) => {
  const { registry, schema } = findSchema(ctx, input);
  const wanted = optionalString(input, 'schemaVersion') ?? optionalString(input, 'SchemaVersion');
  const version = wanted === undefined ? latest(schema) : schema.versions.find((v) => v.version === wanted);
  if (!version) {
    throw notFound(`Schema ${schema.name} in registry ${registry.name} has no version ${wanted}.`);
  }
  return { Content: version.content, ...schemaView(schema, version) };
};

const ownSchema = (ctx: Ctx, input: Input) => {
  ownRegistry(ctx, input);
  return findSchema(ctx, input);
};

const updateSchema = (input: Input, ctx: Ctx) => {
  const { schema } = ownSchema(ctx, input);
  const current = latest(schema);
  const type = schemaType(input, false) ?? current.type;
  const content = schemaContent(input, type, false);
  const desc = description(input);
  const now = ctx.emulator.now();
  if (content !== undefined && (content !== current.content || type !== current.type)) {
    schema.lastVersion += 1;
    schema.versions.push({ version: String(schema.lastVersion), type, content, created: now });
  } else if (content === undefined && type !== current.type) {
    throw badRequest('Changing Type needs new Content of that type.');
  }
  if (desc !== undefined) schema.description = desc;
  schema.lastModified = now;
  return schemaView(schema, latest(schema));
};

const deleteSchema = (input: Input, ctx: Ctx) => {
  const { registry, schema } = ownSchema(ctx, input);
  registry.schemas.delete(schema.name);
  return {};
};

const deleteSchemaVersion = (input: Input, ctx: Ctx) => {
  const { schema } = ownSchema(ctx, input);
  const wanted = optionalString(input, 'SchemaVersion');
  const index = schema.versions.findIndex((v) => v.version === wanted);
  if (index < 0) throw notFound(`Schema ${schema.name} has no version ${wanted}.`);
  if (schema.versions.length === 1) {
    throw badRequest(`Version ${wanted} is the only version of ${schema.name}; delete the schema instead.`);
  }
  schema.versions.splice(index, 1);
  schema.lastModified = ctx.emulator.now();
  return {};
};

const listSchemas = (input: Input, ctx: Ctx) => {
  const registry = findRegistry(ctx, input);
  const prefix = optionalString(input, 'schemaNamePrefix') ?? '';
  const all = [...registry.schemas.values()]
    .filter((s) => s.name.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { items, ...rest } = page(all, input);
  return {
    Schemas: items.map((s) => ({
      LastModified: dateTime(s.lastModified),
      SchemaArn: s.arn,
      SchemaName: s.name,
      tags: { ...s.tags },
      VersionCount: s.versions.length,
    })),
    ...rest,
  };
};

const listSchemaVersions = (input: Input, ctx: Ctx) => {
  const { schema } = findSchema(ctx, input);
  const { items, ...rest } = page(schema.versions, input);
  return {
    SchemaVersions: items.map((v) => ({
      SchemaArn: schema.arn,
      SchemaName: schema.name,
      SchemaVersion: v.version,
      Type: v.type,
    })),
    ...rest,
  };
};

/** Registries and schemas by ARN, for the tag operations and the tagging API. */
const byArn = (state: SchemasState, arn: string): RegistryRecord | SchemaRecord | undefined => {
  for (const registry of state.registries.values()) {
    if (registry.scope === 'LOCAL' && registry.arn === arn) return registry;
    for (const schema of registry.schemas.values()) if (schema.arn === arn) return schema;
  }
  return undefined;
};

const resource = (input: Input, ctx: Ctx): RegistryRecord | SchemaRecord => {
  const arn = optionalString(input, 'ResourceArn') ?? '';
  const found = byArn(ctx.state, arn);
  if (!found) throw notFound(`Resource ${arn} does not exist.`);
  return found;
};

const tagKeys = (input: Input): string[] => {
  const keys = input.tagKeys ?? input.TagKeys;
  if (typeof keys === 'string') return keys.split(',');
  if (Array.isArray(keys)) return keys.map(String);
  throw badRequest('tagKeys is required.');
};

const tagging: TaggingHooks<SchemasState> = {
  list: (state) =>
    [...state.registries.values()].flatMap((r) => [
      ...(r.scope === 'LOCAL' ? [{ arn: r.arn, resourceType: 'schemas:registry', tags: { ...r.tags } }] : []),
      ...[...r.schemas.values()].map((s) => ({
        arn: s.arn,
        resourceType: 'schemas:schema',
        tags: { ...s.tags },
      })),
    ]),
  tag: (state, arn, tags) => {
    const found = byArn(state, arn);
    if (!found) return false;
    found.tags = { ...found.tags, ...tags };
    return true;
  },
  untag: (state, arn, keys) => {
    const found = byArn(state, arn);
    if (!found) return false;
    for (const k of keys) delete found.tags[k];
    return true;
  },
};

const R = '/v1/registries/name/{RegistryName}';
const S = `${R}/schemas/name/{SchemaName}`;

/** EventBridge Schemas (REST-JSON): registries, schemas and their versions, tags. */
export const schemas = defineService<SchemasState>({
  signingName: 'schemas',
  protocols: ['rest-json'],
  rest: [
    { method: 'GET', path: '/v1/registries', operation: 'ListRegistries' },
    { method: 'POST', path: R, operation: 'CreateRegistry', status: 201 },
    { method: 'GET', path: R, operation: 'DescribeRegistry' },
    { method: 'PUT', path: R, operation: 'UpdateRegistry' },
    { method: 'DELETE', path: R, operation: 'DeleteRegistry', status: 204 },
    { method: 'GET', path: `${R}/schemas`, operation: 'ListSchemas' },
    { method: 'POST', path: S, operation: 'CreateSchema', status: 201 },
    { method: 'GET', path: S, operation: 'DescribeSchema' },
    { method: 'PUT', path: S, operation: 'UpdateSchema' },
    { method: 'DELETE', path: S, operation: 'DeleteSchema', status: 204 },
    { method: 'GET', path: `${S}/versions`, operation: 'ListSchemaVersions' },
    { method: 'DELETE', path: `${S}/version/{SchemaVersion}`, operation: 'DeleteSchemaVersion', status: 204 },
    { method: 'GET', path: '/tags/{ResourceArn}', operation: 'ListTagsForResource' },
    { method: 'POST', path: '/tags/{ResourceArn}', operation: 'TagResource', status: 204 },
    { method: 'DELETE', path: '/tags/{ResourceArn}', operation: 'UntagResource', status: 204 },
  ],
  createState: createSchemasState,
  operations: {
    CreateRegistry: createRegistry,
    DescribeRegistry: (input, ctx) => registryView(findRegistry(ctx, input)),
    UpdateRegistry: updateRegistry,
    ListRegistries: listRegistries,
    DeleteRegistry: deleteRegistry,
    CreateSchema: createSchema,
    DescribeSchema: describeSchema,
    UpdateSchema: updateSchema,
    DeleteSchema: deleteSchema,
    DeleteSchemaVersion: deleteSchemaVersion,
    ListSchemas: listSchemas,
    ListSchemaVersions: listSchemaVersions,
    ListTagsForResource: (input, ctx) => ({ tags: { ...resource(input, ctx).tags } }),
    TagResource: (input, ctx) => {
      const found = resource(input, ctx);
      found.tags = { ...found.tags, ...tagsOf(input) };
      return {};
    },
    UntagResource: (input, ctx) => {
      const found = resource(input, ctx);
      for (const k of tagKeys(input)) delete found.tags[k];
      return {};
    },
  },
  tagging,
  snapshot: (state) => ({
    registries: [...state.registries.values()]
      .filter((r) => r.scope === 'LOCAL' || r.schemas.size > 0)
      .map((r) => ({
        name: r.name,
        arn: r.arn,
        schemas: [...r.schemas.values()].map((s) => ({ name: s.name, versions: s.versions.length })),
      })),
  }),
});
