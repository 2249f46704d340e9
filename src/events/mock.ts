import { randomUUID } from 'node:crypto';
import type { DescribeSchemaCommandOutput } from '@aws-sdk/client-schemas';
import { DescribeSchemaCommand } from '@aws-sdk/client-schemas';
import { EventProbeError, InvalidInputError, SchemaUnsupportedError } from '../errors.js';
import { type GenerateContext, generateRoot, isObject, type Json, resolveRef } from './mock/generate.js';
import { createRandom } from './mock/random.js';

export type { Json } from './mock/generate.js';

/** The schema languages of the EventBridge schema registry. */
export type SchemaType = 'OpenApi3' | 'JSONSchemaDraft4';

/** A full EventBridge event, as a target receives it (and as `putEvents` sends it). */
export interface MockEvent<TDetail = Record<string, Json>> {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
  [key: string]: unknown;
}

/** A partial object merged over the generated event: objects merge key by key, the rest replaces. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** IATK's "context": a function that gets the event and returns it changed (or changes it in place). */
// biome-ignore lint/suspicious/noConfusingVoidType: a context may change the event in place and return nothing.
export type MockEventContext = (event: MockEvent) => MockEvent | void;

/** How to build a mock event from a schema (offline, see {@link mockEventFromSchema}). */
export interface MockEventOptions {
  /** Merged over the generated event, e.g. `{ detail: { orderId: 'o-1' } }`. */
  readonly overrides?: DeepPartial<MockEvent> & Record<string, unknown>;
  /** Applied in order after the overrides; each gets the event and returns it (IATK's `contexts`). */
  readonly contexts?: readonly MockEventContext[];
  /**
   * Which schema of the document is the event: a name in `components.schemas` / `definitions`, or a
   * local ref such as `#/components/schemas/OrderPlaced`. Default: `AWSEvent`, else the schema that
   * carries `x-amazon-events-source`, else the only schema no other schema refers to.
   */
  readonly eventRef?: string;
  /** Same seed, same event (except `time`, unless given too). Default: a random seed. */
  readonly seed?: number | string;
  /** Only required properties instead of every property. Default false. */
  readonly requiredOnly?: boolean;
  /** The envelope's `time` (and what date-time fields use). Default: now. */
  readonly time?: Date | string;
  /** The envelope's `account`. Default `123456789012`. */
  readonly account?: string;
  /** The envelope's `region`. Default: the client's region (`generateMockEvent`), else `us-east-1`. */
  readonly region?: string;
  /** A name for error messages. Default `(inline schema)`. */
  readonly schemaName?: string;
}

/** What {@link generateMockEvent} needs of a Schemas client (a real `SchemasClient` fits). */
export interface SchemasClientLike {
  send(
    command: DescribeSchemaCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<Pick<DescribeSchemaCommandOutput, 'Content' | 'Type' | 'SchemaVersion'>>;
  /** An SDK client's config: its region becomes the envelope's default `region`. */
  readonly config?: { readonly region?: unknown };
}

export interface GenerateMockEventOptions extends Omit<MockEventOptions, 'schemaName'> {
  readonly registryName: string;
  readonly schemaName: string;
  /** Default: the latest version. */
  readonly schemaVersion?: string;
  readonly signal?: AbortSignal;
}

const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_REGION = 'us-east-1';
const DEFAULT_SOURCE = 'eventprobe.mock';

const nonEmptyString = (option: string, value: unknown): string => {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidInputError(
      `${option} must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}.`,
      option,
    );
  }
  return value;
};

const checkOptions = (options: MockEventOptions): Date => {
  const { overrides, contexts, eventRef, seed, time, account, region, schemaName, requiredOnly } = options;
  if (overrides !== undefined && !isObject(overrides)) {
    throw new InvalidInputError(
      'overrides must be a plain object, e.g. { detail: { orderId: "o-1" } }.',
      'overrides',
    );
  }
  if (contexts !== undefined) {
    if (!Array.isArray(contexts))
      throw new InvalidInputError('contexts must be a list of functions.', 'contexts');
    contexts.forEach((c, i) => {
      if (typeof c !== 'function') {
        throw new InvalidInputError(`contexts[${i}] must be a function (event) => event.`, `contexts[${i}]`);
      }
    });
  }
  if (eventRef !== undefined) nonEmptyString('eventRef', eventRef);
  if (account !== undefined) nonEmptyString('account', account);
  if (region !== undefined) nonEmptyString('region', region);
  if (schemaName !== undefined) nonEmptyString('schemaName', schemaName);
  if (requiredOnly !== undefined && typeof requiredOnly !== 'boolean') {
    throw new InvalidInputError('requiredOnly must be true or false.', 'requiredOnly');
  }
  if (
    seed !== undefined &&
    !(typeof seed === 'string' || (typeof seed === 'number' && Number.isFinite(seed)))
  ) {
    throw new InvalidInputError('seed must be a finite number or a string.', 'seed');
  }
  const when = time === undefined ? new Date() : new Date(time);
  if (Number.isNaN(when.getTime())) {
    throw new InvalidInputError(`time must be a Date or an ISO date string, got ${String(time)}.`, 'time');
  }
  return when;
};

const parseContent = (content: string | object, name: string): unknown => {
  if (typeof content !== 'string') return content;
  try {
    return JSON.parse(content);
  } catch (err) {
    throw new SchemaUnsupportedError(`Schema "${name}" is not valid JSON: ${(err as Error).message}`, name, {
      cause: err,
    });
  }
};

/** Local refs every schema of the document makes (to find the root: the one nobody refers to). */
const refsIn = (node: unknown, out: Set<string>): Set<string> => {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v);
      else refsIn(v, out);
    }
  }
  return out;
};

/** Finds the event's schema in the document, and the ref (path) it sits at. */
const findRoot = (
  doc: Record<string, unknown>,
  type: SchemaType,
  ctx: GenerateContext,
  eventRef?: string,
) => {
  const base = type === 'OpenApi3' ? '#/components/schemas/' : '#/definitions/';
  if (eventRef !== undefined) {
    const ref = eventRef.startsWith('#')
      ? eventRef
      : `${base}${eventRef.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    try {
      return { ref, schema: resolveRef(ctx, ref, ref) };
    } catch (err) {
      throw new InvalidInputError(
        `eventRef "${eventRef}" is not in schema "${ctx.schemaName}" (looked at ${ref}).`,
        'eventRef',
        { cause: err },
      );
    }
  }
  if (type === 'JSONSchemaDraft4') return { ref: '#', schema: doc };
  const components = isObject(doc.components) ? doc.components : undefined;
  const schemas = components && isObject(components.schemas) ? components.schemas : undefined;
  if (!schemas || Object.keys(schemas).length === 0) {
    throw new SchemaUnsupportedError(
      `Schema "${ctx.schemaName}" is OpenApi3 but has no components.schemas to build an event from.`,
      ctx.schemaName,
    );
  }
  const names = Object.keys(schemas);
  const referenced = refsIn(schemas, new Set());
  const pick =
    ('AWSEvent' in schemas ? 'AWSEvent' : undefined) ??
    names.find((n) => isObject(schemas[n]) && 'x-amazon-events-source' in (schemas[n] as object)) ??
    (() => {
      const roots = names.filter((n) => !referenced.has(`${base}${n}`));
      return roots.length === 1 ? roots[0] : undefined;
    })();
  if (pick === undefined) {
    throw new InvalidInputError(
      `Schema "${ctx.schemaName}" has several candidate event schemas (${names.join(', ')}); pass eventRef to choose one.`,
      'eventRef',
    );
  }
  return { ref: `${base}${pick}`, schema: schemas[pick] };
};

const mergeDeep = (
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> => {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const current = target[k];
    target[k] = isObject(v) && isObject(current) ? mergeDeep({ ...current }, v) : structuredClone(v);
  }
  return target;
};

const extension = (schema: unknown, key: string): string | undefined => {
  const v = isObject(schema) ? schema[key] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** `source`/`detail-type` declared by the envelope's own properties (a `const` or one-value `enum`). */
const declared = (schema: unknown, key: string): string | undefined => {
  const props = isObject(schema) && isObject(schema.properties) ? schema.properties : undefined;
  const prop = props?.[key];
  if (!isObject(prop)) return undefined;
  if (typeof prop.const === 'string') return prop.const;
  return Array.isArray(prop.enum) && typeof prop.enum[0] === 'string' ? prop.enum[0] : undefined;
};

/**
 * Builds a full EventBridge event from a schema's content, offline (no AWS call): the envelope
 * (version "0", a uuid id, source and detail-type from `x-amazon-events-*`, account, time without
 * milliseconds, region, no resources) around a `detail` generated from the schema. A root schema with
 * a `detail` property is taken as the whole envelope (EventBridge's `AWSEvent`); any other root is
 * taken as the detail. Then `overrides` are merged in and `contexts` applied, in that order.
 *
 * @throws SchemaUnsupportedError when the schema uses what eventprobe cannot build a value for.
 * @throws InvalidInputError for a bad option (`error.option` names it).
 */
export const mockEventFromSchema = (
  content: string | object,
  type: SchemaType,
  options: MockEventOptions = {},
): MockEvent => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('options must be an object.', 'options');
  }
  const time = checkOptions(options);
  const schemaName = options.schemaName ?? '(inline schema)';
  if (type !== 'OpenApi3' && type !== 'JSONSchemaDraft4') {
    throw new SchemaUnsupportedError(
      `Schema "${schemaName}" has type ${JSON.stringify(type)}; eventprobe reads OpenApi3 and JSONSchemaDraft4.`,
      schemaName,
    );
  }
  const doc = parseContent(content, schemaName);
  if (!isObject(doc)) {
    throw new SchemaUnsupportedError(`Schema "${schemaName}" is not a JSON object.`, schemaName);
  }
  const random = createRandom(options.seed);
  const ctx: GenerateContext = {
    doc,
    schemaName,
    random,
    time,
    requiredOnly: options.requiredOnly ?? false,
  };
  const root = findRoot(doc, type, ctx, options.eventRef);
  let schema = root.schema;
  // Follow a root that is only a ref, so that its x-amazon-events-* are seen.
  const seen = new Set<string>();
  while (isObject(schema) && typeof schema.$ref === 'string' && !seen.has(schema.$ref)) {
    seen.add(schema.$ref);
    schema = resolveRef(ctx, schema.$ref, root.ref);
  }
  const isEnvelope = isObject(schema) && isObject(schema.properties) && 'detail' in schema.properties;
  const generated = generateRoot(root.schema, ctx, root.ref);
  const body: Record<string, unknown> = isEnvelope && isObject(generated) ? generated : { detail: generated };
  const title =
    isObject(schema) && typeof schema.title === 'string' && schema.title !== '' ? schema.title : undefined;
  const envelope: Record<string, unknown> = {
    version: '0',
    // Seeded: reproducible; otherwise a full-entropy uuid (the PRNG's 32-bit seed could repeat).
    id: options.seed === undefined ? randomUUID() : random.uuid(),
    'detail-type':
      extension(schema, 'x-amazon-events-detail-type') ??
      declared(schema, 'detail-type') ??
      title ??
      (root.ref === '#' ? schemaName : root.ref.slice(root.ref.lastIndexOf('/') + 1)),
    source: extension(schema, 'x-amazon-events-source') ?? declared(schema, 'source') ?? DEFAULT_SOURCE,
    account: options.account ?? DEFAULT_ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region ?? DEFAULT_REGION,
    resources: [],
  };
  // The envelope first, in AWS's order, then what else the schema declares, then detail.
  const { detail = {}, ...others } = body;
  const event: Record<string, unknown> = { ...envelope, ...others, ...envelope, detail };

  let result = (options.overrides ? mergeDeep(event, options.overrides) : event) as MockEvent;
  for (const [i, apply] of (options.contexts ?? []).entries()) {
    const next = apply(result);
    if (next === undefined) continue;
    if (!isObject(next)) {
      throw new InvalidInputError(
        `contexts[${i}] returned ${JSON.stringify(next) ?? typeof next}; it must return the event (or nothing).`,
        `contexts[${i}]`,
      );
    }
    result = next as MockEvent;
  }
  return result;
};

/** The client's region (an SDK client's `config.region` is a provider), so the envelope matches it. */
const regionOf = async (client: SchemasClientLike): Promise<string> => {
  try {
    const region = client.config?.region;
    const value = typeof region === 'function' ? await region() : region;
    return typeof value === 'string' && value !== '' ? value : DEFAULT_REGION;
  } catch {
    return DEFAULT_REGION;
  }
};

/**
 * IATK's `generate_mock_event`: reads a schema from the EventBridge schema registry
 * (DescribeSchema; the latest version unless `schemaVersion`) and builds a full mock event from it
 * (see {@link mockEventFromSchema} for what is generated and how to shape it).
 *
 * IAM: schemas:DescribeSchema.
 *
 * @throws EventProbeError when the schema cannot be read (the SDK's error is the `cause`).
 * @throws SchemaUnsupportedError, InvalidInputError as {@link mockEventFromSchema}.
 */
export const generateMockEvent = async (
  schemas: SchemasClientLike,
  options: GenerateMockEventOptions,
): Promise<MockEvent> => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('options must be an object.', 'options');
  }
  const registryName = nonEmptyString('registryName', options.registryName);
  const schemaName = nonEmptyString('schemaName', options.schemaName);
  if (options.schemaVersion !== undefined) nonEmptyString('schemaVersion', options.schemaVersion);
  checkOptions(options);
  let out: Awaited<ReturnType<SchemasClientLike['send']>>;
  try {
    out = await schemas.send(
      new DescribeSchemaCommand({
        RegistryName: registryName,
        SchemaName: schemaName,
        ...(options.schemaVersion === undefined ? {} : { SchemaVersion: options.schemaVersion }),
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    const version = options.schemaVersion === undefined ? '' : ` version ${options.schemaVersion}`;
    throw new EventProbeError(
      `Could not read schema "${schemaName}"${version} from registry "${registryName}": ${(err as Error).message}. ` +
        'Check the names (ListSchemas) and the schemas:DescribeSchema permission.',
      { cause: err },
    );
  }
  if (typeof out.Content !== 'string') {
    throw new SchemaUnsupportedError(`Schema "${schemaName}" has no Content in the registry.`, schemaName);
  }
  const rest: Record<string, unknown> = { ...options };
  for (const key of ['registryName', 'schemaVersion', 'signal']) delete rest[key];
  rest.region ??= await regionOf(schemas);
  return mockEventFromSchema(out.Content, out.Type as SchemaType, rest as MockEventOptions);
};
