import type { QueryShapes } from '../core/service.js';
import type { Protocol, WireRequest } from './types.js';
import { el, errorXml, escapeXml, node, responseXml } from './xml.js';

/** Form parameters as a tree: `A.1.B=x` → `{ A: { '1': { B: 'x' } } }`. */
type Tree = { [key: string]: Tree | string };

const isTree = (value: Tree | string | undefined): value is Tree => typeof value === 'object';
const isIndex = (key: string): boolean => /^\d+$/.test(key);

/** `application/x-www-form-urlencoded` text → its parameters (the last of a repeated name wins). */
export const parseForm = (body: string): Record<string, string> => {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
};

/** Dotted keys → a tree. When a name is both a value and a parent, the parent wins. */
const toTree = (params: Readonly<Record<string, string>>): Tree => {
  const root: Tree = Object.create(null);
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split('.');
    let cursor = root;
    for (let i = 0; i < parts.length - 1; i += 1) {
      const part = parts[i] as string;
      const next = cursor[part];
      if (isTree(next)) cursor = next;
      else {
        const created: Tree = Object.create(null);
        cursor[part] = created;
        cursor = created;
      }
    }
    const last = parts[parts.length - 1] as string;
    if (!isTree(cursor[last])) cursor[last] = value;
  }
  return root;
};

/** The numbered children of a list node (`1`, `2`, ... or under `member`/`entry`), in index order. */
const items = (tree: Tree): (Tree | string)[] => {
  const keys = Object.keys(tree);
  const only = keys.length === 1 ? keys[0] : undefined;
  const inner = only === 'member' || only === 'entry' ? tree[only] : tree;
  if (!isTree(inner)) return [];
  return Object.keys(inner)
    .filter(isIndex)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => inner[k] as Tree | string);
};

class FormDecoder {
  readonly #renames: Readonly<Record<string, string>>;
  constructor(
    readonly shapes: QueryShapes,
    operation: string,
  ) {
    this.#renames = { ...shapes.rename, ...shapes.renameIn?.[operation] };
  }

  /** A map from `N.{key,value}` items (flattened, hinted) or `entry.N.{key|Name,value|Value}`. */
  map(tree: Tree, fields: readonly [string, string]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const item of items(tree)) {
      if (!isTree(item)) continue;
      const k = item[fields[0]];
      if (typeof k !== 'string' || k === '__proto__') continue;
      const v = item[fields[1]];
      out[k] = v === undefined ? '' : this.value(v, fields[1]);
    }
    return out;
  }

  value(value: Tree | string, member: string): unknown {
    if (!isTree(value)) {
      if (this.shapes.booleans?.includes(member)) return value === 'true';
      if (this.shapes.numbers?.includes(member)) return Number(value);
      return value;
    }
    const hinted = this.shapes.maps?.[member];
    if (hinted) return this.map(value, hinted);
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'entry' && isTree(value.entry)) {
      const first = items(value)[0];
      const named = isTree(first) && first.Name !== undefined;
      return this.map(value, named ? ['Name', 'Value'] : ['key', 'value']);
    }
    if ((keys.length === 1 && keys[0] === 'member') || (keys.length > 0 && keys.every(isIndex))) {
      return items(value).map((v) => this.value(v, member));
    }
    return this.structure(value);
  }

  structure(tree: Tree): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(tree)) {
      if (key !== '__proto__') out[this.#renames[key] ?? key] = this.value(value, key);
    }
    return out;
  }
}

/**
 * The one query-form decoder: flattened form parameters (minus Action and Version) → the
 * operation's JSON-shaped input. `X.member.N` and `X.N` become lists, `X.entry.N.key/value` and the
 * hinted flattened maps become objects, hinted members become booleans and numbers.
 */
export const decodeQueryForm = (
  operation: string,
  params: Readonly<Record<string, string>>,
  shapes: QueryShapes,
): Record<string, unknown> => new FormDecoder(shapes, operation).structure(toTree(params));

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** The members in the order given (the others after, as they were). */
const ordered = (
  value: Record<string, unknown>,
  order: readonly string[] | undefined,
): Record<string, unknown> => {
  if (!order) return value;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in value) out[k] = value[k];
  return Object.assign(out, value);
};

/** One member as query-protocol XML: lists as `<member>`s (or flattened), maps as entries. */
const encodeMember = (
  key: string,
  value: unknown,
  shapes: QueryShapes,
  flat: Readonly<Record<string, string>>,
): string => {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return el(key, value.toISOString());
  const element = flat[key];
  if (Array.isArray(value)) {
    if (element !== undefined) return value.map((v) => encodeMember(element, v, shapes, flat)).join('');
    return node(key, value.map((v) => encodeMember('member', v, shapes, flat)).join(''));
  }
  if (isPlain(value)) {
    const map = shapes.mapsOut?.[key];
    if (map) {
      const pairs = Object.entries(value).map(
        ([k, v]) => el(map[0], k) + encodeMember(map[1], v, shapes, flat),
      );
      if (element !== undefined) return pairs.map((p) => node(element, p)).join('');
      return node(key, pairs.map((p) => node('entry', p)).join(''));
    }
    return node(key, encodeStructure(ordered(value, shapes.orderOut?.[key]), shapes, flat));
  }
  return el(key, value as string | number | boolean);
};

const encodeStructure = (
  value: Record<string, unknown>,
  shapes: QueryShapes,
  flat: Readonly<Record<string, string>>,
): string =>
  Object.entries(value)
    .map(([k, v]) => encodeMember(k, v, shapes, flat))
    .join('');

/** The one query-protocol result encoder: the XML inside `<OperationResult>`. */
export const encodeQueryResult = (operation: string, output: unknown, shapes: QueryShapes): string => {
  if (!isPlain(output)) return output === undefined || output === null ? '' : escapeXml(String(output));
  const flat = { ...shapes.flatOut, ...shapes.flatOutIn?.[operation] };
  return encodeStructure(output, shapes, flat);
};

const isForm = (request: WireRequest): boolean =>
  (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');

/**
 * The AWS query protocol: form-encoded `Action=...&Version=...` (POST body, or GET query string),
 * XML out in the service's namespace, errors as `<ErrorResponse>` with the query error code.
 */
export const queryProtocol: Protocol = {
  name: 'query',
  accepts: (service, request) =>
    service.query !== undefined &&
    request.headers['x-amz-target'] === undefined &&
    (isForm(request) || request.method === 'GET'),
  decode: (service, request, body) => {
    const shapes = service.query as QueryShapes;
    // Form decoding never fails: stray `%` signs stay as they are, as AWS reads them.
    const params = { ...Object.fromEntries(request.query), ...parseForm(body.toString('utf8')) };
    const operation = params.Action ?? '';
    delete params.Action;
    delete params.Version;
    return { operation, input: decodeQueryForm(operation, params, shapes) };
  },
  encodeResult: (service, request, output, requestId) => {
    const shapes = service.query as QueryShapes;
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: responseXml(
        request.operation,
        shapes.xmlns,
        encodeQueryResult(request.operation, output, shapes) ||
          // An empty `<OpResult/>` that some clients still read (botocore: ExecuteChangeSet).
          (shapes.emptyResult?.includes(request.operation) ? ' ' : ''),
        requestId,
      ),
    };
  },
  encodeError: (service, error, requestId) => ({
    status: error.status,
    headers: { 'content-type': 'text/xml' },
    body: errorXml(service.query?.xmlns ?? '', error.fault, error.queryCode, error.message, requestId),
  }),
};
