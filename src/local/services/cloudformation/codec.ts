/** The query-protocol codec of CloudFormation: flattened form parameters in, XML out. */
import type { QueryCodec } from '../../core/service.js';
import { escapeXml } from '../../protocols/xml.js';

export const CFN_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const BOOLEAN_FIELDS = new Set([
  'DisableRollback',
  'EnableTerminationProtection',
  'UsePreviousTemplate',
  'UsePreviousValue',
  'RetainExceptOnCreate',
  'IncludePropertyValues',
]);
const NUMBER_FIELDS = new Set(['TimeoutInMinutes']);

type Tree = { [key: string]: Tree | string };

const isIndexed = (tree: Tree): boolean => {
  const keys = Object.keys(tree);
  return keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
};

const finish = (value: Tree | string, field: string): unknown => {
  if (typeof value === 'string') {
    if (BOOLEAN_FIELDS.has(field)) return value === 'true';
    if (NUMBER_FIELDS.has(field)) return Number(value);
    return value;
  }
  if (isIndexed(value)) {
    return Object.entries(value)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => finish(v, field));
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, finish(v, k)]));
};

/**
 * `Parameters.member.1.ParameterKey=a` → `{ Parameters: [{ ParameterKey: 'a' }] }`; booleans and
 * numbers of the known fields are converted.
 */
export const decodeQuery = (params: Record<string, string>): Record<string, unknown> => {
  const root: Tree = {};
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split('.').filter((p) => p !== 'member');
    let node = root;
    for (let i = 0; i < parts.length - 1; i += 1) {
      const part = parts[i] as string;
      const child = node[part];
      if (typeof child === 'object') {
        node = child;
      } else {
        const next: Tree = {};
        node[part] = next;
        node = next;
      }
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return finish(root, '') as Record<string, unknown>;
};

/** Renders a JSON-shaped value as query-protocol XML (lists as `<member>`, dates in ISO 8601). */
export const toXml = (value: unknown): string => {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
};

/** Operations with an empty result whose `<OpResult>` element clients still read (botocore does). */
const EMPTY_RESULT_ELEMENT = new Set(['ExecuteChangeSet', 'DeleteChangeSet']);

export const cfnCodec: QueryCodec = {
  xmlns: CFN_XMLNS,
  decode: (_operation, params) => decodeQuery(params),
  encode: (operation, output) => {
    const xml = output === undefined || output === null ? '' : toXml(output);
    return xml === '' && EMPTY_RESULT_ELEMENT.has(operation) ? ' ' : xml;
  },
};
