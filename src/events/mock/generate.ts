import { SchemaUnsupportedError } from '../../errors.js';
import type { Random } from './random.js';
import { sampleForPattern } from './regex.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type SchemaObject = Record<string, unknown>;

/** What value generation needs besides the schema. */
export interface GenerateContext {
  /** The whole schema document, for local `$ref`s. */
  readonly doc: unknown;
  /** Named in errors. */
  readonly schemaName: string;
  readonly random: Random;
  /** The event's time: `date-time`, `date` and `time` formats use it. */
  readonly time: Date;
  /** Only required properties (default: every property). */
  readonly requiredOnly: boolean;
}

/** Where generation is: the JSON path (for messages), the property name, the `$ref`s being expanded. */
export interface At {
  readonly path: string;
  readonly name: string | undefined;
  readonly refs: readonly string[];
  readonly depth: number;
}

const MAX_DEPTH = 64;
/** A `$ref` that is already being expanded further up: the value is cut here. */
const CYCLE = Symbol('cycle');
/** A `false` schema: no value can be valid, so the property is left out. */
const OMIT = Symbol('omit');
type Result = Json | typeof CYCLE | typeof OMIT;

export const isObject = (v: unknown): v is SchemaObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const clone = (v: unknown): Json => structuredClone(v) as Json;

export const unsupported = (ctx: Pick<GenerateContext, 'schemaName'>, feature: string, path: string) =>
  new SchemaUnsupportedError(
    `Schema "${ctx.schemaName}" uses ${feature} at ${path}, which eventprobe cannot build a mock value for. ` +
      'Simplify that part of the schema, or pick another root with `eventRef` and set the value with `overrides`.',
    ctx.schemaName,
  );

/** Follows a local JSON-pointer `$ref` (`#/components/schemas/X`, `#/definitions/Y`). */
export const resolveRef = (
  ctx: Pick<GenerateContext, 'doc' | 'schemaName'>,
  ref: string,
  path: string,
): unknown => {
  if (!ref.startsWith('#'))
    throw unsupported(ctx, `the external $ref "${ref}" (only local refs are read)`, path);
  const pointer = ref.slice(1);
  if (pointer === '') return ctx.doc;
  if (!pointer.startsWith('/')) throw unsupported(ctx, `the $ref "${ref}" (not a JSON pointer)`, path);
  let node: unknown = ctx.doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
    if (node === undefined) throw unsupported(ctx, `the $ref "${ref}", which points at nothing`, path);
  }
  return node;
};

const child = (at: At, key: string, name: string | undefined): At => ({
  path: `${at.path}${key}`,
  name,
  refs: at.refs,
  depth: at.depth + 1,
});

/** Generates a value for `schema`. */
export const generate = (schema: unknown, ctx: GenerateContext, at: At): Result => {
  if (at.depth > MAX_DEPTH) throw unsupported(ctx, `nesting deeper than ${MAX_DEPTH} levels`, at.path);
  if (schema === false) return OMIT;
  if (schema === true) return untyped(ctx, at);
  if (!isObject(schema)) throw unsupported(ctx, `a schema that is ${JSON.stringify(schema)}`, at.path);

  const { $ref, ...siblings } = schema;
  if ($ref !== undefined) {
    if (typeof $ref !== 'string') throw unsupported(ctx, 'a $ref that is not a string', at.path);
    if (at.refs.includes($ref)) return CYCLE;
    const target = resolveRef(ctx, $ref, at.path);
    const merged = isObject(target) ? { ...target, ...siblings } : target;
    return generate(merged, ctx, { ...at, refs: [...at.refs, $ref], depth: at.depth + 1 });
  }
  if ('const' in schema) return clone(schema.const);
  if (Array.isArray(schema.enum)) {
    if (schema.enum.length === 0) throw unsupported(ctx, 'an empty enum', at.path);
    return clone(schema.enum.find((v) => v !== null) ?? null);
  }
  if (schema.example !== undefined) return clone(schema.example);
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return clone(schema.examples[0]);
  if (schema.default !== undefined) return clone(schema.default);

  const { allOf, oneOf, anyOf, ...rest } = schema;
  if (allOf !== undefined) {
    const merged = mergeAllOf(allOf, { ...rest, oneOf, anyOf }, ctx, at);
    return generate(merged.schema, ctx, { ...at, refs: merged.refs });
  }
  for (const [keyword, options] of [
    ['oneOf', oneOf],
    ['anyOf', anyOf],
  ] as const) {
    if (options === undefined) continue;
    if (!Array.isArray(options) || options.length === 0) {
      throw unsupported(ctx, `a ${keyword} that is not a non-empty list`, at.path);
    }
    const others: SchemaObject = { ...schema };
    delete others[keyword];
    const first = options[0];
    const merged = isObject(first) ? { ...others, ...first } : first;
    return generate(merged, ctx, at);
  }

  switch (typeOf(schema, ctx, at)) {
    case 'string':
      return string(schema, ctx, at);
    case 'integer':
      return number(schema, ctx, at, true);
    case 'number':
      return number(schema, ctx, at, false);
    case 'boolean':
      return ctx.random.next() < 0.5;
    case 'null':
      return null;
    case 'object':
      return object(schema, ctx, at);
    case 'array':
      return array(schema, ctx, at);
    default:
      return untyped(ctx, at);
  }
};

const TYPES = ['string', 'integer', 'number', 'boolean', 'null', 'object', 'array'];

/** The type to generate: the declared one (the first non-null of a list), else what the keywords suggest. */
const typeOf = (schema: SchemaObject, ctx: GenerateContext, at: At): string | undefined => {
  let t = schema.type;
  if (Array.isArray(t)) t = t.find((x) => x !== 'null') ?? t[0];
  if (t !== undefined) {
    if (typeof t !== 'string' || !TYPES.includes(t)) {
      throw unsupported(ctx, `the type ${JSON.stringify(t)}`, at.path);
    }
    return t;
  }
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
  if ('items' in schema || 'minItems' in schema) return 'array';
  if ('format' in schema || 'pattern' in schema || 'minLength' in schema || 'maxLength' in schema)
    return 'string';
  if ('minimum' in schema || 'maximum' in schema || 'multipleOf' in schema) return 'number';
  return undefined;
};

/** A value for a schema that says nothing about its type: a readable string. */
const untyped = (ctx: GenerateContext, at: At): string => `${at.name ?? 'value'}-${ctx.random.hex(8)}`;

/** Merges the parts of an `allOf` (refs followed) into one schema: properties and required united. */
const mergeAllOf = (
  allOf: unknown,
  rest: SchemaObject,
  ctx: GenerateContext,
  at: At,
): { schema: SchemaObject; refs: string[] } => {
  if (!Array.isArray(allOf) || allOf.length === 0) {
    throw unsupported(ctx, 'an allOf that is not a non-empty list', at.path);
  }
  const merged: SchemaObject = {};
  const properties: SchemaObject = {};
  const required = new Set<string>();
  const add = (part: SchemaObject): void => {
    for (const [key, val] of Object.entries(part)) {
      if (val === undefined) continue;
      if (key === 'properties' && isObject(val)) {
        for (const [name, prop] of Object.entries(val)) {
          properties[name] = name in properties ? { allOf: [properties[name], prop] } : prop;
        }
      } else if (key === 'required' && Array.isArray(val)) {
        for (const r of val) required.add(String(r));
      } else if (key === 'type' && merged.type !== undefined) {
        // The first declared type wins.
      } else {
        merged[key] = val;
      }
    }
  };
  const refs = new Set(at.refs);
  for (let part of allOf as unknown[]) {
    while (isObject(part) && typeof part.$ref === 'string') {
      if (refs.has(part.$ref)) {
        part = true;
        break;
      }
      refs.add(part.$ref);
      const { $ref, ...siblings } = part;
      const target = resolveRef(ctx, $ref as string, at.path);
      part = isObject(target) ? { ...target, ...siblings } : target;
    }
    if (part === true) continue;
    if (!isObject(part)) throw unsupported(ctx, `an allOf part that is ${JSON.stringify(part)}`, at.path);
    add(part);
  }
  add(rest);
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return { schema: merged, refs: [...refs] };
};

const pad = (s: string, min: number | undefined, max: number | undefined): string => {
  let out = s;
  if (typeof min === 'number' && out.length < min) out = out.padEnd(min, 'x');
  if (typeof max === 'number' && out.length > max) out = out.slice(0, max);
  return out;
};

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const formatted = (format: unknown, ctx: GenerateContext, at: At): string | undefined => {
  const r = ctx.random;
  switch (format) {
    case 'date-time':
      return isoSeconds(ctx.time);
    case 'date':
      return isoSeconds(ctx.time).slice(0, 10);
    case 'time':
      return isoSeconds(ctx.time).slice(11, 19);
    case 'email':
      return `${(at.name ?? 'user').toLowerCase().replace(/[^a-z0-9]/g, '') || 'user'}-${r.hex(6)}@example.com`;
    case 'uri':
    case 'url':
    case 'uri-reference':
      return `https://example.com/${r.hex(8)}`;
    case 'hostname':
      return `host-${r.hex(6)}.example.com`;
    case 'uuid':
      return r.uuid();
    case 'ipv4':
      return `192.0.2.${r.int(1, 254)}`;
    case 'ipv6':
      return `2001:db8::${r.hex(4)}`;
    default:
      return undefined;
  }
};

const string = (schema: SchemaObject, ctx: GenerateContext, at: At): string => {
  const min = typeof schema.minLength === 'number' ? schema.minLength : undefined;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const base = formatted(schema.format, ctx, at) ?? pad(untyped(ctx, at), min, max);
  if (typeof schema.pattern !== 'string') return base;
  let re: RegExp;
  try {
    re = new RegExp(schema.pattern, 'u');
  } catch {
    throw unsupported(
      ctx,
      `the pattern /${schema.pattern}/, which is not a valid regular expression`,
      at.path,
    );
  }
  const sample = sampleForPattern(schema.pattern);
  const candidates = [
    base,
    sample,
    ...['a', '0', 'A', 'abc', '123', 'a1', ctx.random.uuid()].map((c) => pad(c, min, max)),
  ];
  const found = candidates.find((c): c is string => c !== undefined && re.test(c));
  if (found === undefined) throw unsupported(ctx, `the pattern /${schema.pattern}/`, at.path);
  return found;
};

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const number = (schema: SchemaObject, ctx: GenerateContext, at: At, integer: boolean): number => {
  const step = integer ? 1 : 0.01;
  let lo = num(schema.minimum);
  let hi = num(schema.maximum);
  // Draft 4 / OpenAPI 3.0: boolean exclusive bounds; later drafts: numeric ones.
  if (lo !== undefined && schema.exclusiveMinimum === true) lo += step;
  if (hi !== undefined && schema.exclusiveMaximum === true) hi -= step;
  const exMin = num(schema.exclusiveMinimum);
  const exMax = num(schema.exclusiveMaximum);
  if (exMin !== undefined) lo = Math.max(lo ?? exMin + step, exMin + step);
  if (exMax !== undefined) hi = Math.min(hi ?? exMax - step, exMax - step);
  if (lo === undefined) lo = hi === undefined || hi >= 0 ? 0 : hi - 1000;
  if (hi === undefined) hi = lo + 1000;
  const multiple = num(schema.multipleOf);
  const unit = multiple !== undefined && multiple > 0 ? multiple : step;
  const first = Math.ceil(lo / unit - 1e-9);
  const last = Math.floor(hi / unit + 1e-9);
  if (first > last || (integer && !Number.isInteger(unit) && multiple !== undefined)) {
    throw unsupported(
      ctx,
      `numeric bounds no ${integer ? 'integer' : 'number'} satisfies (minimum ${lo}, maximum ${hi})`,
      at.path,
    );
  }
  const value = Number((ctx.random.int(first, last) * unit).toPrecision(12));
  return integer ? Math.round(value) : value;
};

const array = (schema: SchemaObject, ctx: GenerateContext, at: At): Json[] => {
  const minItems = num(schema.minItems) ?? 0;
  const maxItems = num(schema.maxItems) ?? Number.POSITIVE_INFINITY;
  const items = schema.prefixItems ?? schema.items;
  const schemas: unknown[] = Array.isArray(items)
    ? items
    : Array.from({ length: Math.min(Math.max(minItems, 1), maxItems) }, () => items ?? true);
  const out: Json[] = [];
  for (const [i, item] of schemas.entries()) {
    const v = generate(item, ctx, child(at, `[${i}]`, at.name));
    if (v === CYCLE || v === OMIT) return [];
    out.push(v);
  }
  return out;
};

const object = (schema: SchemaObject, ctx: GenerateContext, at: At): { [key: string]: Json } => {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const out: { [key: string]: Json } = {};
  for (const [key, prop] of Object.entries(properties)) {
    const isRequired = required.includes(key);
    if (ctx.requiredOnly && !isRequired) continue;
    const v = generate(prop, ctx, child(at, `.${key}`, key));
    if (v === OMIT) continue;
    if (v === CYCLE) {
      if (isRequired) out[key] = null;
      continue;
    }
    out[key] = v;
  }
  for (const key of required)
    if (!(key in out) && !(key in properties)) out[key] = untyped(ctx, child(at, `.${key}`, key));
  return out;
};

/** Generates the value of a root schema (a cycle or `false` at the root is an error). */
export const generateRoot = (schema: unknown, ctx: GenerateContext, path: string): Json => {
  const v = generate(schema, ctx, { path, name: undefined, refs: [], depth: 0 });
  if (typeof v === 'symbol')
    throw unsupported(ctx, 'a root schema that is `false` or only refers to itself', path);
  return v;
};
