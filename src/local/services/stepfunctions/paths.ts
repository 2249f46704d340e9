/**
 * The JSONPath side of the Amazon States Language: reference paths (`$.a.b[0]`, `$$.Execution.Id`,
 * `$variable.x`), payload templates (`"key.$": path or intrinsic`) and the intrinsic functions.
 */
import { createHash, randomUUID } from 'node:crypto';

/** A failure as Step Functions names it (`States.Runtime`, a Lambda error type, ...). */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly errorCause: string,
  ) {
    super(`${error}: ${errorCause}`);
    this.name = 'StatesError';
  }
}

/** What paths can see besides the state's input: `$$` and the variables. */
export interface Scope {
  readonly context: unknown;
  readonly variables: Readonly<Record<string, unknown>>;
}

type Segment = string | number | '*';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits `.a['b'][0][*]` (the part after the root) into segments; undefined when malformed. */
const parseSegments = (rest: string): Segment[] | undefined => {
  const out: Segment[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest[i] === '.') {
      const m = /^[^.[\]]+/.exec(rest.slice(i + 1));
      if (!m) return undefined;
      out.push(m[0] === '*' ? '*' : m[0]);
      i += 1 + m[0].length;
    } else if (rest[i] === '[') {
      const m = /^\[(?:(\d+)|'((?:[^'\\]|\\.)*)'|"([^"]*)"|(\*))\]/.exec(rest.slice(i));
      if (!m) return undefined;
      if (m[1] !== undefined) out.push(Number(m[1]));
      else if (m[4] !== undefined) out.push('*');
      else out.push((m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else return undefined;
  }
  return out;
};

interface ParsedPath {
  readonly root: 'input' | 'context' | 'variable';
  readonly variable: string;
  readonly segments: Segment[];
}

const parsePath = (path: string): ParsedPath | undefined => {
  if (path.startsWith('$$')) {
    const segments = parseSegments(path.slice(2));
    return segments && { root: 'context', variable: '', segments };
  }
  if (!path.startsWith('$')) return undefined;
  const v = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(path);
  if (v) {
    const segments = parseSegments(path.slice(v[0].length));
    return segments && { root: 'variable', variable: v[1] as string, segments };
  }
  const segments = parseSegments(path.slice(1));
  return segments && { root: 'input', variable: '', segments };
};

/** True when the text is a path Step Functions accepts (used when validating definitions). */
export const isValidPath = (path: string): boolean => parsePath(path) !== undefined;

const NOT_FOUND = Symbol('not found');

const walk = (value: unknown, segments: readonly Segment[]): unknown => {
  let current: unknown[] = [value];
  let multi = false;
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of current) {
      if (seg === '*') {
        multi = true;
        if (Array.isArray(v)) next.push(...v);
        else if (isRecord(v)) next.push(...Object.values(v));
      } else if (typeof seg === 'number') {
        if (Array.isArray(v) && seg < v.length) next.push(v[seg]);
      } else if (isRecord(v) && Object.hasOwn(v, seg)) next.push(v[seg]);
    }
    current = next;
  }
  if (multi) return current;
  return current.length === 0 ? NOT_FOUND : current[0];
};

/** Reads a path; throws States.Runtime when it matches nothing (as Step Functions does). */
export const readPath = (path: string, input: unknown, scope: Scope): unknown => {
  const found = tryReadPath(path, input, scope);
  if (found === NOT_FOUND) {
    throw new StatesError(
      'States.Runtime',
      `The JSONPath '${path}' could not be found in the input '${JSON.stringify(input)}'`,
    );
  }
  return found;
};

/** Reads a path; the NOT_FOUND marker when it matches nothing. */
export const tryReadPath = (path: string, input: unknown, scope: Scope): unknown => {
  const parsed = parsePath(path);
  if (!parsed) throw new StatesError('States.Runtime', `Invalid JSONPath: '${path}'`);
  if (parsed.root === 'context') return walk(scope.context, parsed.segments);
  if (parsed.root === 'variable') {
    if (!Object.hasOwn(scope.variables, parsed.variable)) return NOT_FOUND;
    return walk(scope.variables[parsed.variable], parsed.segments);
  }
  return walk(input, parsed.segments);
};

export const isPresent = (path: string, input: unknown, scope: Scope): boolean =>
  tryReadPath(path, input, scope) !== NOT_FOUND;

/** Puts `value` into `input` at a reference path (`ResultPath`); `$` replaces the whole input. */
export const writePath = (path: string, input: unknown, value: unknown): unknown => {
  const parsed = parsePath(path);
  if (parsed?.root !== 'input' || parsed.segments.some((s) => s === '*')) {
    throw new StatesError('States.Runtime', `Invalid ResultPath: '${path}'`);
  }
  if (parsed.segments.length === 0) return value;
  const root: unknown = structuredClone(input);
  if (!isRecord(root)) {
    throw new StatesError(
      'States.Runtime',
      `Unable to apply ReplacementPath '${path}' to input '${JSON.stringify(input)}'`,
    );
  }
  let target: Record<string, unknown> | unknown[] = root;
  const segs = parsed.segments as (string | number)[];
  for (const [i, seg] of segs.entries()) {
    const last = i === segs.length - 1;
    const holder = target as Record<string | number, unknown>;
    if (last) {
      holder[seg] = value;
      break;
    }
    let next = holder[seg];
    if (next === undefined) {
      next = {};
      holder[seg] = next;
    }
    if (typeof next !== 'object' || next === null) {
      throw new StatesError(
        'States.Runtime',
        `Unable to apply ReplacementPath '${path}' to input '${JSON.stringify(input)}'`,
      );
    }
    target = next as Record<string, unknown>;
  }
  return root;
};

// --- intrinsic functions -------------------------------------------------------------------------

type Arg = unknown;

const parseIntrinsic = (text: string): { name: string; args: ArgNode[] } | undefined => {
  const p = new IntrinsicParser(text);
  const node = p.call();
  p.skip();
  return node && p.done() ? node : undefined;
};

type ArgNode =
  | { kind: 'value'; value: unknown }
  | { kind: 'path'; path: string }
  | { kind: 'call'; name: string; args: ArgNode[] };

class IntrinsicParser {
  i = 0;
  constructor(readonly s: string) {}
  done(): boolean {
    return this.i >= this.s.length;
  }
  skip(): void {
    while (this.s[this.i] === ' ') this.i++;
  }
  call(): { name: string; args: ArgNode[] } | undefined {
    this.skip();
    const m = /^States\.[A-Za-z0-9]+/.exec(this.s.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    if (this.s[this.i] !== '(') return undefined;
    this.i++;
    const args: ArgNode[] = [];
    this.skip();
    if (this.s[this.i] === ')') {
      this.i++;
      return { name: m[0], args };
    }
    for (;;) {
      const arg = this.arg();
      if (!arg) return undefined;
      args.push(arg);
      this.skip();
      const c = this.s[this.i++];
      if (c === ')') return { name: m[0], args };
      if (c !== ',') return undefined;
    }
  }
  arg(): ArgNode | undefined {
    this.skip();
    const rest = this.s.slice(this.i);
    if (rest.startsWith("'")) {
      let out = '';
      let j = 1;
      for (; j < rest.length && rest[j] !== "'"; j++) {
        if (rest[j] === '\\' && j + 1 < rest.length) {
          j++;
          // \{ and \} stay escaped for States.Format; \' and \\ are plain characters
          if (rest[j] === '{' || rest[j] === '}') out += '\\';
        }
        out += rest[j];
      }
      if (j >= rest.length) return undefined;
      this.i += j + 1;
      return { kind: 'value', value: out };
    }
    if (rest.startsWith('States.')) {
      const c = this.call();
      return c && { kind: 'call', ...c };
    }
    if (rest.startsWith('$')) {
      const m = /^\$[^,)\s]*/.exec(rest) as RegExpExecArray;
      this.i += m[0].length;
      return { kind: 'path', path: m[0] };
    }
    const lit = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|null|true|false)/.exec(rest);
    if (!lit) return undefined;
    this.i += lit[0].length;
    return { kind: 'value', value: JSON.parse(lit[0]) };
  }
}

const argError = (name: string, message: string): StatesError =>
  new StatesError('States.IntrinsicFailure', `Invalid arguments in ${name}: ${message}`);

const want = (name: string, args: Arg[], min: number, max = min): void => {
  if (args.length < min || args.length > max) {
    throw argError(name, `expected ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`);
  }
};

const asNumber = (name: string, v: Arg): number => {
  if (typeof v !== 'number') throw argError(name, `${JSON.stringify(v)} is not a number`);
  return v;
};
const asInt = (name: string, v: Arg): number => {
  const n = asNumber(name, v);
  if (!Number.isInteger(n)) throw argError(name, `${n} is not an integer`);
  return n;
};
const asString = (name: string, v: Arg): string => {
  if (typeof v !== 'string') throw argError(name, `${JSON.stringify(v)} is not a string`);
  return v;
};
const asArray = (name: string, v: Arg): unknown[] => {
  if (!Array.isArray(v)) throw argError(name, `${JSON.stringify(v)} is not an array`);
  return v;
};

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const merge = (a: Record<string, unknown>, b: Record<string, unknown>, deep: boolean) => {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = deep && isRecord(cur) && isRecord(v) ? merge(cur, v, true) : v;
  }
  return out;
};

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const FUNCTIONS: Record<string, (args: Arg[], name: string) => unknown> = {
  'States.Format': (args, n) => {
    const template = asString(n, args[0]);
    let k = 1;
    const out = template.replace(/\\(.)|\{\}/g, (_m, esc: string | undefined) => {
      if (esc !== undefined) return esc;
      if (k >= args.length) throw argError(n, 'more {} than arguments');
      const v = args[k++];
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
    if (k !== args.length) throw argError(n, 'more arguments than {}');
    return out;
  },
  'States.StringToJson': (args, n) => {
    want(n, args, 1);
    try {
      return JSON.parse(asString(n, args[0]));
    } catch (err) {
      throw argError(n, (err as Error).message);
    }
  },
  'States.JsonToString': (args, n) => {
    want(n, args, 1);
    return JSON.stringify(args[0]);
  },
  'States.Array': (args) => args,
  'States.ArrayPartition': (args, n) => {
    want(n, args, 2);
    const arr = asArray(n, args[0]);
    const size = asInt(n, args[1]);
    if (size < 1) throw argError(n, 'chunk size must be > 0');
    const out: unknown[][] = [];
    for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
    return out;
  },
  'States.ArrayContains': (args, n) => {
    want(n, args, 2);
    return asArray(n, args[0]).some((v) => deepEqual(v, args[1]));
  },
  'States.ArrayRange': (args, n) => {
    want(n, args, 3);
    const [start, end, step] = [asInt(n, args[0]), asInt(n, args[1]), asInt(n, args[2])];
    if (step === 0) throw argError(n, 'step must not be 0');
    const out: number[] = [];
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      out.push(v);
      if (out.length > 1000) throw argError(n, 'the range has more than 1000 items');
    }
    return out;
  },
  'States.ArrayGetItem': (args, n) => {
    want(n, args, 2);
    const arr = asArray(n, args[0]);
    const i = asInt(n, args[1]);
    if (i < 0 || i >= arr.length) throw argError(n, `index ${i} out of bounds`);
    return arr[i];
  },
  'States.ArrayLength': (args, n) => {
    want(n, args, 1);
    return asArray(n, args[0]).length;
  },
  'States.ArrayUnique': (args, n) => {
    want(n, args, 1);
    const out: unknown[] = [];
    for (const v of asArray(n, args[0])) if (!out.some((o) => deepEqual(o, v))) out.push(v);
    return out;
  },
  'States.Base64Encode': (args, n) => {
    want(n, args, 1);
    return Buffer.from(asString(n, args[0]), 'utf8').toString('base64');
  },
  'States.Base64Decode': (args, n) => {
    want(n, args, 1);
    return Buffer.from(asString(n, args[0]), 'base64').toString('utf8');
  },
  'States.Hash': (args, n) => {
    want(n, args, 2);
    const alg = HASHES[asString(n, args[1])];
    if (!alg) throw argError(n, `unsupported algorithm ${JSON.stringify(args[1])}`);
    const data = typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    return createHash(alg).update(data).digest('hex');
  },
  'States.JsonMerge': (args, n) => {
    want(n, args, 3);
    const [a, b, deep] = args;
    if (!isRecord(a) || !isRecord(b)) throw argError(n, 'both inputs must be objects');
    if (deep !== false) throw argError(n, 'deep merging is not supported; pass false');
    return merge(a, b, false);
  },
  'States.MathRandom': (args, n) => {
    want(n, args, 2, 3);
    const lo = asInt(n, args[0]);
    const hi = asInt(n, args[1]);
    return lo + Math.floor(Math.random() * (hi - lo));
  },
  'States.MathAdd': (args, n) => {
    want(n, args, 2);
    return asNumber(n, args[0]) + asNumber(n, args[1]);
  },
  'States.StringSplit': (args, n) => {
    want(n, args, 2);
    const s = asString(n, args[0]);
    const seps = [...asString(n, args[1])];
    if (seps.length === 0) return [s];
    return s.split(new RegExp(`[${seps.map((c) => `\\${c}`).join('')}]`)).filter((p) => p !== '');
  },
  'States.UUID': (args, n) => {
    want(n, args, 0);
    return randomUUID();
  },
};

/** True when `text` is a well-formed intrinsic function call of a known function. */
export const isIntrinsic = (text: string): boolean => {
  const node = parseIntrinsic(text);
  const known = (c: { name: string; args: ArgNode[] }): boolean =>
    Object.hasOwn(FUNCTIONS, c.name) && c.args.every((a) => a.kind !== 'call' || known(a));
  return node !== undefined && known(node);
};

const evalNode = (node: ArgNode, input: unknown, scope: Scope): unknown => {
  if (node.kind === 'value') return node.value;
  if (node.kind === 'path') return readPath(node.path, input, scope);
  const fn = FUNCTIONS[node.name];
  if (!fn) throw new StatesError('States.Runtime', `Unknown intrinsic function ${node.name}`);
  return fn(
    node.args.map((a) => evalNode(a, input, scope)),
    node.name,
  );
};

/** Evaluates the value of a `.$` field: a path or an intrinsic function call. */
export const evaluateDynamic = (text: string, input: unknown, scope: Scope): unknown => {
  if (text.startsWith('$')) return readPath(text, input, scope);
  const node = parseIntrinsic(text);
  if (!node) throw new StatesError('States.Runtime', `Invalid intrinsic function: '${text}'`);
  return evalNode({ kind: 'call', ...node }, input, scope);
};

/** Applies a payload template (Parameters, ResultSelector, ItemSelector, Assign in JSONPath). */
export const applyTemplate = (template: unknown, input: unknown, scope: Scope): unknown => {
  if (Array.isArray(template)) return template.map((t) => applyTemplate(t, input, scope));
  if (!isRecord(template)) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = evaluateDynamic(value, input, scope);
    } else out[key] = applyTemplate(value, input, scope);
  }
  return out;
};
