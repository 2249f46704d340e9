/**
 * DynamoDB attribute values: validation, exact decimal numbers (38 significant digits, no
 * floating point), ordering, equality and item size as DynamoDB counts it.
 */
import { AwsError } from '../../core/errors.js';

/** An attribute value in the wire shape: exactly one of S, N, B, SS, NS, BS, M, L, NULL, BOOL. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: Item }
  | { L: AttributeValue[] }
  | { NULL: true }
  | { BOOL: boolean };

export type Item = Record<string, AttributeValue>;
export type TypeName = 'S' | 'N' | 'B' | 'SS' | 'NS' | 'BS' | 'M' | 'L' | 'NULL' | 'BOOL';

export const TYPE_NAMES: readonly TypeName[] = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'];

export const validation = (message: string): AwsError => new AwsError('ValidationException', message);

export const typeOf = (v: AttributeValue): TypeName => Object.keys(v)[0] as TypeName;

// ---------------------------------------------------------------------------------------------
// Numbers: a decimal is a bigint coefficient and a base-10 exponent, value = coef * 10^exp.

export interface Decimal {
  readonly coef: bigint;
  readonly exp: number;
}

const NUMBER_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** Parses a number string as DynamoDB does, with its error messages. */
export const parseDecimal = (text: string): Decimal => {
  const m = NUMBER_RE.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw validation(`The parameter cannot be converted to a numeric value: ${text}`);
  }
  const digits = `${m[2]}${m[3] ?? ''}`.replace(/^0+/, '');
  let exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  if (digits === '') return { coef: 0n, exp: 0 };
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  if (trimmed.length > 38) {
    throw validation('Attempting to store more than 38 significant digits in a Number');
  }
  const magnitude = exp + trimmed.length - 1;
  if (magnitude > 125) {
    throw validation(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
  }
  if (magnitude < -130) {
    throw validation(
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    );
  }
  const coef = BigInt(trimmed);
  return { coef: m[1] === '-' ? -coef : coef, exp };
};

/** The canonical text DynamoDB returns for a number (no exponent, no redundant zeros). */
export const formatDecimal = (d: Decimal): string => {
  if (d.coef === 0n) return '0';
  const negative = d.coef < 0n;
  const digits = (negative ? -d.coef : d.coef).toString();
  let out: string;
  if (d.exp >= 0) out = digits + '0'.repeat(d.exp);
  else {
    const point = digits.length + d.exp;
    out = point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`;
  }
  return negative ? `-${out}` : out;
};

const align = (a: Decimal, b: Decimal): [bigint, bigint] => {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp)];
};

export const compareDecimal = (a: Decimal, b: Decimal): number => {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Exact sum, re-validated against DynamoDB's precision and range. */
export const addDecimal = (a: Decimal, b: Decimal, negateB = false): Decimal => {
  const exp = Math.min(a.exp, b.exp);
  const [x, y] = align(a, b);
  const sum = x + (negateB ? -y : y);
  if (sum === 0n) return { coef: 0n, exp: 0 };
  const text = `${sum < 0n ? '-' : ''}${(sum < 0n ? -sum : sum).toString()}e${exp}`;
  try {
    return parseDecimal(text);
  } catch (err) {
    if ((err as AwsError).message.includes('38 significant')) {
      throw validation(
        'Number overflow. Attempting to store a number with magnitude larger than supported range',
      );
    }
    throw err;
  }
};

export const normalizeNumber = (text: string): string => formatDecimal(parseDecimal(text));

// ---------------------------------------------------------------------------------------------
// Validation of values coming in on the wire (and normalisation of numbers).

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const invalidValue = (): AwsError =>
  validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');

const checkSet = (values: unknown, type: 'SS' | 'NS' | 'BS'): string[] => {
  if (!Array.isArray(values)) throw invalidValue();
  if (values.length === 0) {
    throw validation(
      type === 'BS'
        ? 'One or more parameter values were invalid: Binary sets should not be empty'
        : `One or more parameter values were invalid: An ${type === 'SS' ? 'string' : 'number'} set  may not be empty`,
    );
  }
  const out = values.map((v) => {
    if (typeof v !== 'string') throw invalidValue();
    return type === 'NS' ? normalizeNumber(v) : v;
  });
  const seen = new Set<string>();
  for (const v of out) {
    if (seen.has(v)) {
      throw validation(
        type === 'NS'
          ? 'Input collection contains duplicates'
          : `One or more parameter values were invalid: Input collection [${values.join(', ')}]${type === 'BS' ? 'of type BS' : ''} contains duplicates.`,
      );
    }
    seen.add(v);
  }
  return out;
};

/** Checks an attribute value from a request and returns it with numbers normalised. */
export const checkValue = (raw: unknown): AttributeValue => {
  if (!isObject(raw)) throw invalidValue();
  const keys = Object.keys(raw).filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (keys.length !== 1) {
    throw validation(
      keys.length === 0
        ? 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'
        : 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  const type = keys[0] as string;
  const v = raw[type];
  switch (type) {
    case 'S':
      if (typeof v !== 'string') throw invalidValue();
      return { S: v };
    case 'N':
      if (typeof v !== 'string') throw invalidValue();
      return { N: normalizeNumber(v) };
    case 'B':
      if (typeof v !== 'string') throw invalidValue();
      return { B: v };
    case 'BOOL':
      if (typeof v !== 'boolean') throw invalidValue();
      return { BOOL: v };
    case 'NULL':
      if (v !== true)
        throw validation(
          'One or more parameter values were invalid: Null attribute value types must have the value of true',
        );
      return { NULL: true };
    case 'SS':
      return { SS: checkSet(v, 'SS') };
    case 'NS':
      return { NS: checkSet(v, 'NS') };
    case 'BS':
      return { BS: checkSet(v, 'BS') };
    case 'L':
      if (!Array.isArray(v)) throw invalidValue();
      return { L: v.map(checkValue) };
    case 'M':
      if (!isObject(v)) throw invalidValue();
      return { M: checkItem(v) };
    default:
      throw validation(`Supplied AttributeValue has an unknown datatype: ${type}`);
  }
};

export const checkItem = (raw: unknown): Item => {
  if (!isObject(raw)) throw validation('Item must be a map of attribute values');
  const out: Item = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name] = checkValue(value);
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Ordering and equality

const bytesOf = (v: { S: string } | { B: string }): Buffer =>
  'S' in v ? Buffer.from(v.S, 'utf8') : Buffer.from(v.B, 'base64');

/** Orders two scalar values of the same type (S, N, B) as DynamoDB sorts keys. */
export const compareScalar = (a: AttributeValue, b: AttributeValue): number => {
  if ('N' in a && 'N' in b) return compareDecimal(parseDecimal(a.N), parseDecimal(b.N));
  if ('S' in a && 'S' in b) return Buffer.compare(bytesOf(a), bytesOf(b));
  if ('B' in a && 'B' in b) return Buffer.compare(bytesOf(a), bytesOf(b));
  return 0;
};

const sameSet = (
  a: readonly string[],
  b: readonly string[],
  eq: (x: string, y: string) => boolean,
): boolean => a.length === b.length && a.every((x) => b.some((y) => eq(x, y)));

const numEq = (x: string, y: string): boolean => compareDecimal(parseDecimal(x), parseDecimal(y)) === 0;

/** Deep equality as DynamoDB's `=` (sets compare without order, numbers by value). */
export const equalValues = (a: AttributeValue, b: AttributeValue): boolean => {
  const ta = typeOf(a);
  if (ta !== typeOf(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  switch (ta) {
    case 'N':
      return numEq(x.N as string, y.N as string);
    case 'NS':
      return sameSet(x.NS as string[], y.NS as string[], numEq);
    case 'SS':
    case 'BS':
      return sameSet(x[ta] as string[], y[ta] as string[], (p, q) => p === q);
    case 'L': {
      const l = x.L as AttributeValue[];
      const r = y.L as AttributeValue[];
      return l.length === r.length && l.every((v, i) => equalValues(v, r[i] as AttributeValue));
    }
    case 'M':
      return equalItems(x.M as Item, y.M as Item);
    default:
      return x[ta] === y[ta];
  }
};

export const equalItems = (a: Item, b: Item): boolean => {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && equalValues(a[k] as AttributeValue, b[k] as AttributeValue));
};

// ---------------------------------------------------------------------------------------------
// Size, as DynamoDB counts it for the 400 KB limit and the 1 MB page

const numberSize = (n: string): number => {
  const d = parseDecimal(n);
  const digits = (d.coef < 0n ? -d.coef : d.coef).toString().length;
  return Math.ceil(digits / 2) + 1 + (d.coef < 0n ? 1 : 0);
};

export const valueSize = (v: AttributeValue): number => {
  if ('S' in v) return Buffer.byteLength(v.S, 'utf8');
  if ('N' in v) return numberSize(v.N);
  if ('B' in v) return Buffer.from(v.B, 'base64').length;
  if ('SS' in v) return v.SS.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if ('NS' in v) return v.NS.reduce((n, s) => n + numberSize(s), 0);
  if ('BS' in v) return v.BS.reduce((n, s) => n + Buffer.from(s, 'base64').length, 0);
  if ('L' in v) return 3 + v.L.reduce((n, e) => n + 1 + valueSize(e), 0);
  if ('M' in v)
    return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + valueSize(e), 0);
  return 1;
};

export const itemSize = (item: Item): number =>
  Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k, 'utf8') + valueSize(v), 0);

export const MAX_ITEM_BYTES = 400 * 1024;

/** A stable string for a key value, used as a map key. */
export const keyString = (v: AttributeValue): string => {
  if ('S' in v) return `S:${v.S}`;
  if ('N' in v) return `N:${v.N}`;
  if ('B' in v) return `B:${v.B}`;
  return JSON.stringify(v);
};

/** Deep copy (items are stored and returned as copies so callers cannot reach stored state). */
export const clone = <T>(v: T): T => structuredClone(v);
