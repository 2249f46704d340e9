/** SNS query-protocol codec: form parameters → JSON-shaped input, results → XML. */
import type { QueryCodec } from '../../core/service.js';
import { el, entries, node } from '../../protocols/xml.js';

type Tree = { [key: string]: Tree | string };

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns the tree of dotted keys into JSON: `X.member.N` → arrays, `X.entry.N.{key|Name}/{value|Value}`
 * → maps.
 */
const shape = (value: Tree | string): unknown => {
  if (!isTree(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'member' || keys[0] === 'entry')) {
    const inner = value[keys[0]] as Tree | string;
    if (isTree(inner)) {
      const items = Object.keys(inner)
        .filter((k) => /^\d+$/.test(k))
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => inner[k] as Tree | string);
      if (keys[0] === 'member') return items.map(shape);
      const map: Record<string, unknown> = {};
      for (const item of items) {
        if (!isTree(item)) continue;
        const k = item.key ?? item.Name;
        if (typeof k !== 'string') continue;
        const v = item.value ?? item.Value;
        map[k] = v === undefined ? '' : shape(v);
      }
      return map;
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = shape(value[k] as Tree | string);
  return out;
};

export const decodeParams = (params: Record<string, string>): Record<string, unknown> => {
  const root: Tree = {};
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split('.');
    let cur = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i] as string;
      const next = cur[p];
      if (isTree(next)) cur = next;
      else {
        const created: Tree = {};
        cur[p] = created;
        cur = created;
      }
    }
    cur[parts[parts.length - 1] as string] = value;
  }
  return shape(root) as Record<string, unknown>;
};

/** Renders a JSON-shaped result as AWS XML: arrays as `<member>` lists, `Attributes` as entries. */
export const encodeValue = (key: string, value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return node(key, value.map((v) => encodeValue('member', v)).join(''));
  if (typeof value === 'object') {
    if (key === 'Attributes') return entries(key, value as Record<string, string>);
    return node(
      key,
      Object.entries(value)
        .map(([k, v]) => encodeValue(k, v))
        .join(''),
    );
  }
  return el(key, value as string | number | boolean);
};

export const snsCodec: QueryCodec = {
  xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  decode: (_operation, params) => decodeParams(params),
  encode: (_operation, output) =>
    output && typeof output === 'object'
      ? Object.entries(output)
          .map(([k, v]) => encodeValue(k, v))
          .join('')
      : '',
};
