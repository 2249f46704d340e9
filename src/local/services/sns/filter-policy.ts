/**
 * SNS subscription filter policies: validation (with AWS's messages and limits) and matching,
 * for both scopes (MessageAttributes and MessageBody). Pure; knows nothing of HTTP or state.
 *
 * SNS semantics differ from EventBridge patterns (attribute types, String.Array, the 5-key and
 * 150-combination limits, the operators allowed), so this is its own matcher.
 */
import { BlockList, isIP } from 'node:net';

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/** A policy failed validation; `message` is AWS's reason (after `FilterPolicy: `). */
export class FilterPolicyError extends Error {
  override readonly name = 'FilterPolicyError';
}

/** A message attribute as Publish receives it. */
export interface FilterMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;
const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'cidr',
]);
const UPPER_OPS = new Set(['<', '<=']);
const NUMERIC_OPS = new Set(['=', '>', '>=', '<', '<=']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const validateNumeric = (spec: Json): void => {
  if (!Array.isArray(spec)) throw new FilterPolicyError('Value of numeric must be an array.');
  if (spec.length === 0) throw new FilterPolicyError('Invalid member in numeric match: ]');
  const first = spec[0];
  if (typeof first !== 'string')
    throw new FilterPolicyError(`Invalid member in numeric match: ${String(first)}`);
  if (!NUMERIC_OPS.has(first)) throw new FilterPolicyError(`Unrecognized numeric range operator: ${first}`);
  if (first === '=') {
    if (typeof spec[1] !== 'number') throw new FilterPolicyError('Value of equals must be numeric');
    if (spec.length > 2) throw new FilterPolicyError('Too many elements in numeric expression');
    return;
  }
  if (typeof spec[1] !== 'number') throw new FilterPolicyError(`Value of ${first} must be numeric`);
  if (spec.length === 2) return;
  if (UPPER_OPS.has(first)) throw new FilterPolicyError('Too many elements in numeric expression');
  const second = spec[2];
  if (typeof second !== 'string')
    throw new FilterPolicyError(`Bad value in numeric range: ${String(second)}`);
  if (!UPPER_OPS.has(second)) throw new FilterPolicyError(`Bad numeric range operator: ${second}`);
  if (typeof spec[3] !== 'number') throw new FilterPolicyError(`Value of ${second} must be numeric`);
  if (spec.length > 4) throw new FilterPolicyError('Too many terms in numeric range expression');
  if (!(spec[1] < spec[3])) throw new FilterPolicyError('Bottom must be less than top');
};

const validateCidr = (spec: Json): void => {
  if (typeof spec !== 'string') throw new FilterPolicyError('prefix match pattern must be a string');
  const parts = spec.split('/');
  if (parts.length !== 2) throw new FilterPolicyError("Malformed CIDR, one '/' required");
  const [ip, bits] = parts as [string, string];
  const family = isIP(ip);
  if (family === 0) throw new FilterPolicyError(`Nonstandard IP address: ${ip}`);
  if (!/^\d+$/.test(bits)) throw new FilterPolicyError('Malformed CIDR, mask bits must be an integer');
  const n = Number(bits);
  if (n > (family === 4 ? 32 : 128))
    throw new FilterPolicyError('Malformed CIDR, mask bits must be an integer');
};

const validateAnythingBut = (spec: Json): void => {
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    if (keys.length !== 1) throw new FilterPolicyError('Only one key allowed in match expression');
    const op = keys[0] as string;
    if (op !== 'prefix') throw new FilterPolicyError(`Unsupported anything-but pattern: ${op}`);
    if (typeof spec[op] !== 'string') throw new FilterPolicyError('prefix match pattern must be a string');
    return;
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new FilterPolicyError('Empty arrays are not allowed');
    for (const v of spec) {
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new FilterPolicyError('Inside anything but list, start|null|boolean is not supported.');
      }
    }
    return;
  }
  if (typeof spec !== 'string' && typeof spec !== 'number') {
    throw new FilterPolicyError('Inside anything but list, start|null|boolean is not supported.');
  }
};

const validateCondition = (cond: Json): void => {
  if (Array.isArray(cond))
    throw new FilterPolicyError('Match value must be String, number, true, false, or null');
  if (!isObject(cond)) return;
  const keys = Object.keys(cond);
  if (keys.length === 0) throw new FilterPolicyError('Empty objects are not allowed');
  const op = keys[0] as string;
  if (!OPERATORS.has(op)) throw new FilterPolicyError(`Unrecognized match type ${op}`);
  if (keys.length > 1) throw new FilterPolicyError('Only one key allowed in match expression');
  const spec = cond[op] as Json;
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof spec !== 'string') throw new FilterPolicyError(`${op} match pattern must be a string`);
      return;
    case 'exists':
      if (typeof spec !== 'boolean')
        throw new FilterPolicyError('exists match pattern must be either true or false.');
      return;
    case 'numeric':
      validateNumeric(spec);
      return;
    case 'cidr':
      validateCidr(spec);
      return;
    default:
      validateAnythingBut(spec);
  }
};

/** One branch of the policy once `$or` is expanded: leaf path → number of values. */
type Branch = Map<string, number>;

const cross = (a: Branch[], b: Branch[]): Branch[] => {
  const out: Branch[] = [];
  for (const x of a) for (const y of b) out.push(new Map([...x, ...y]));
  return out;
};

/** Validates an object level and returns its branches (for the key and complexity limits). */
const validateLevel = (level: JsonObject, path: string, nested: { value: boolean }): Branch[] => {
  let branches: Branch[] = [new Map()];
  for (const [key, value] of Object.entries(level)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) {
        throw new FilterPolicyError('Or condition must have at least two elements');
      }
      const alternatives: Branch[] = [];
      for (const alt of value) {
        if (!isObject(alt)) throw new FilterPolicyError('Or condition elements must be objects');
        alternatives.push(...validateLevel(alt, path, nested));
      }
      branches = cross(branches, alternatives);
      continue;
    }
    const full = path === '' ? key : `${path}.${key}`;
    if (Array.isArray(value)) {
      if (value.length === 0) throw new FilterPolicyError('Empty arrays are not allowed');
      for (const cond of value) validateCondition(cond);
      branches = cross(branches, [new Map([[full, value.length]])]);
    } else if (isObject(value)) {
      nested.value = true;
      branches = cross(branches, validateLevel(value, full, nested));
    } else {
      throw new FilterPolicyError(`"${key}" must be an object or an array`);
    }
  }
  return branches;
};

/**
 * Parses and validates a policy. Throws FilterPolicyError with AWS's reason; `nested` tells
 * whether the policy uses nested keys (which the MessageAttributes scope rejects).
 */
export const parseFilterPolicy = (text: string): { policy: JsonObject; nested: boolean } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FilterPolicyError(`failed to parse JSON. ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new FilterPolicyError('Filter policy must be a JSON object');
  const nested = { value: false };
  const branches = validateLevel(parsed, '', nested);
  let combinations = 0;
  for (const branch of branches) {
    if (branch.size > MAX_KEYS)
      throw new FilterPolicyError(`Filter policy can not have more than ${MAX_KEYS} keys`);
    let product = 1;
    for (const n of branch.values()) product *= n;
    combinations += product;
  }
  if (combinations > MAX_COMBINATIONS) throw new FilterPolicyError('Filter policy is too complex');
  return { policy: parsed, nested: nested.value };
};

// ---------------------------------------------------------------------------------------------
// Matching

/** A value found in the message: strings and numbers are typed, as SNS compares them. */
type Value =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'other'; value: Json };

const cidrMatches = (spec: string, ip: string): boolean => {
  const family = isIP(ip);
  if (family === 0) return false;
  const [net, bits] = spec.split('/') as [string, string];
  const netFamily = isIP(net);
  if (netFamily !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(net, Number(bits), type);
  return list.check(ip, type);
};

const numericMatches = (spec: Json[], n: number): boolean => {
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i] as string;
    const bound = spec[i + 1] as number;
    const ok =
      op === '='
        ? n === bound
        : op === '>'
          ? n > bound
          : op === '>='
            ? n >= bound
            : op === '<'
              ? n < bound
              : n <= bound;
    if (!ok) return false;
  }
  return true;
};

const equalsValue = (cond: Json, v: Value): boolean => {
  if (typeof cond === 'string') return v.kind === 'string' && v.value === cond;
  if (typeof cond === 'number') return v.kind === 'number' && v.value === cond;
  return v.kind === 'other' && v.value === cond;
};

/** Whether one present value satisfies one (non-exists) condition. */
const conditionMatches = (cond: Json, v: Value): boolean => {
  if (!isObject(cond)) return equalsValue(cond, v);
  const op = Object.keys(cond)[0] as string;
  const spec = cond[op] as Json;
  switch (op) {
    case 'prefix':
      return v.kind === 'string' && v.value.startsWith(spec as string);
    case 'suffix':
      return v.kind === 'string' && v.value.endsWith(spec as string);
    case 'equals-ignore-case':
      return v.kind === 'string' && v.value.toLowerCase() === (spec as string).toLowerCase();
    case 'numeric':
      return v.kind === 'number' && numericMatches(spec as Json[], v.value);
    case 'cidr':
      return v.kind === 'string' && cidrMatches(spec as string, v.value);
    case 'anything-but': {
      if (isObject(spec)) return v.kind === 'string' && !v.value.startsWith(spec.prefix as string);
      const list = Array.isArray(spec) ? spec : [spec];
      if (v.kind === 'other') return false;
      return !list.some((c) => c === v.value);
    }
    default:
      return false;
  }
};

/** Whether a key's condition list is satisfied by the values found at that key (none = missing). */
const ruleMatches = (conditions: Json[], values: Value[] | undefined): boolean =>
  conditions.some((cond) => {
    if (isObject(cond) && 'exists' in cond) return (values !== undefined) === cond.exists;
    return values?.some((v) => conditionMatches(cond, v)) === true;
  });

const toValue = (v: Json): Value =>
  typeof v === 'string'
    ? { kind: 'string', value: v }
    : typeof v === 'number'
      ? { kind: 'number', value: v }
      : { kind: 'other', value: v };

/** Values of a message attribute as SNS compares them; undefined when it cannot be compared. */
const attributeValues = (attr: FilterMessageAttribute | undefined): Value[] | undefined => {
  if (!attr || attr.StringValue === undefined) return undefined;
  const type = attr.DataType.split('.')[0] as string;
  if (attr.DataType === 'String.Array') {
    try {
      const parsed = JSON.parse(attr.StringValue) as Json;
      if (!Array.isArray(parsed)) return undefined;
      return parsed.map(toValue);
    } catch {
      return undefined;
    }
  }
  if (type === 'Number') {
    const n = Number(attr.StringValue);
    return Number.isNaN(n) ? undefined : [{ kind: 'number', value: n }];
  }
  if (type === 'String') return [{ kind: 'string', value: attr.StringValue }];
  return undefined;
};

const matchAttributesLevel = (
  policy: JsonObject,
  attributes: Readonly<Record<string, FilterMessageAttribute>>,
): boolean =>
  Object.entries(policy).every(([key, rule]) => {
    if (key === '$or') return (rule as JsonObject[]).some((alt) => matchAttributesLevel(alt, attributes));
    return ruleMatches(rule as Json[], attributeValues(attributes[key]));
  });

/** Flattens nested arrays into their leaves. */
const flatten = (v: Json): Json[] => (Array.isArray(v) ? v.flatMap(flatten) : [v]);

/** Leaf values at `key` under each of the body nodes (objects inside arrays are descended). */
const childNodes = (nodes: Json[], key: string): Json[] => {
  const out: Json[] = [];
  for (const n of nodes) {
    for (const item of flatten(n)) {
      if (isObject(item) && Object.hasOwn(item, key)) out.push(item[key] as Json);
    }
  }
  return out;
};

const matchBodyLevel = (policy: JsonObject, nodes: Json[]): boolean =>
  Object.entries(policy).every(([key, rule]) => {
    if (key === '$or') return (rule as JsonObject[]).some((alt) => matchBodyLevel(alt, nodes));
    const children = childNodes(nodes, key);
    if (isObject(rule)) return matchBodyLevel(rule, children);
    const leaves = children.flatMap(flatten).filter((v) => !isObject(v));
    return ruleMatches(rule as Json[], leaves.length === 0 ? undefined : leaves.map(toValue));
  });

/** Whether a message passes a (validated) policy in the given scope. */
export const matchesFilterPolicy = (
  policy: Readonly<Record<string, unknown>>,
  scope: FilterPolicyScope,
  message: { body: string; attributes: Readonly<Record<string, FilterMessageAttribute>> },
): boolean => {
  if (scope === 'MessageAttributes') return matchAttributesLevel(policy as JsonObject, message.attributes);
  let body: Json;
  try {
    body = JSON.parse(message.body) as Json;
  } catch {
    return false;
  }
  if (!isObject(body)) return false;
  return matchBodyLevel(policy as JsonObject, [body]);
};
