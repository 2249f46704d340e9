import { AwsError } from '../../core/errors.js';

/** What a filter expression is evaluated against: one trace, as the summary sees it. */
export interface TraceFacts {
  readonly error: boolean;
  readonly fault: boolean;
  readonly throttle: boolean;
  readonly partial: boolean;
  /** Seconds: the root segment's duration. */
  readonly responsetime: number;
  /** Seconds: first start to last end. */
  readonly duration: number;
  readonly http: {
    readonly status?: number | undefined;
    readonly url?: string | undefined;
    readonly method?: string | undefined;
    readonly useragent?: string | undefined;
    readonly clientip?: string | undefined;
  };
  readonly annotations: ReadonlyMap<string, readonly (string | number | boolean)[]>;
  /** Segment names. */
  readonly services: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
}

export type Filter = (facts: TraceFacts) => boolean;

const SUPPORTED =
  'The eventprobe emulator supports: ok, error, fault, throttle, partial, responsetime, duration, http.status, http.url, http.method, http.useragent, http.clientip, user, annotation.KEY (or annotation[KEY]), service("name"), with = != < <= > >= CONTAINS BEGINSWITH ENDSWITH, AND/&&, OR/||, NOT/!, and parentheses.';

const unsupported = (expression: string, detail: string): AwsError =>
  new AwsError(
    'InvalidRequestException',
    `Invalid or unsupported filter expression "${expression}": ${detail}. ${SUPPORTED}`,
    400,
  );

type Token =
  | { t: 'id'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'op'; v: string }
  | { t: 'punc'; v: string };

const tokenize = (src: string): Token[] => {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        v += src[j];
        j++;
      }
      if (j >= src.length) throw unsupported(src, 'unterminated string');
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['<=', '>=', '!=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('<>=!'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    if ('(),[]'.includes(c)) {
      out.push({ t: 'punc', v: c });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][\w.:-]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw unsupported(src, `unexpected character "${c}"`);
  }
  return out;
};

type Value = string | number | boolean;

const compare = (op: string, actual: Value | undefined, expected: Value): boolean => {
  if (actual === undefined) return op === '!=';
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false;
      return op === '<'
        ? actual < expected
        : op === '<='
          ? actual <= expected
          : op === '>'
            ? actual > expected
            : actual >= expected;
    }
    default: {
      // CONTAINS / BEGINSWITH / ENDSWITH
      const a = String(actual);
      const e = String(expected);
      return op === 'CONTAINS' ? a.includes(e) : op === 'BEGINSWITH' ? a.startsWith(e) : a.endsWith(e);
    }
  }
};

const BOOLEAN_KEYWORDS = new Set(['ok', 'error', 'fault', 'throttle', 'partial']);
const NUMBER_KEYWORDS = new Set(['responsetime', 'duration', 'http.status']);
const STRING_KEYWORDS = new Set(['http.url', 'http.method', 'http.useragent', 'http.clientip', 'user']);

/**
 * Compiles an X-Ray filter expression (a useful subset) to a predicate. Anything outside the
 * subset is an InvalidRequestException that says what is supported.
 */
export const compileFilter = (expression: string): Filter => {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (tok: Token | undefined, word: string): boolean =>
    tok?.t === 'id' && tok.v.toUpperCase() === word;
  const expectPunc = (v: string): void => {
    const tok = tokens[pos++];
    if (tok?.t !== 'punc' || tok.v !== v) throw unsupported(expression, `expected "${v}"`);
  };
  const readValue = (op: string): Value => {
    const tok = tokens[pos++];
    let value: Value;
    if (tok?.t === 'str' || tok?.t === 'num') value = tok.v;
    else if (tok?.t === 'id' && (tok.v === 'true' || tok.v === 'false')) value = tok.v === 'true';
    else throw unsupported(expression, 'expected a value (string, number, true or false)');
    if (['<', '<=', '>', '>='].includes(op) && typeof value !== 'number') {
      throw unsupported(expression, `${op} compares with a number`);
    }
    if (['CONTAINS', 'BEGINSWITH', 'ENDSWITH'].includes(op) && typeof value !== 'string') {
      throw unsupported(expression, `${op} compares with a string`);
    }
    return value;
  };
  const readOp = (): string | undefined => {
    const tok = peek();
    if (tok?.t === 'op' && ['=', '!=', '<', '<=', '>', '>='].includes(tok.v)) {
      pos++;
      return tok.v;
    }
    if (tok?.t === 'id' && ['CONTAINS', 'BEGINSWITH', 'ENDSWITH'].includes(tok.v.toUpperCase())) {
      pos++;
      return tok.v.toUpperCase();
    }
    return undefined;
  };

  const predicate = (): Filter => {
    const tok = tokens[pos++];
    if (tok?.t !== 'id') throw unsupported(expression, 'expected a keyword, service(...) or "("');
    const word = tok.v;
    const lower = word.toLowerCase();
    if (lower === 'service') {
      expectPunc('(');
      const name = tokens[pos++];
      if (name?.t !== 'str') throw unsupported(expression, 'service() takes a quoted service name');
      expectPunc(')');
      return (f) => f.services.has(name.v);
    }
    let annotation: string | undefined;
    if (lower.startsWith('annotation.')) annotation = word.slice('annotation.'.length);
    else if (lower === 'annotation') {
      expectPunc('[');
      const key = tokens[pos++];
      if (key?.t !== 'id' && key?.t !== 'str') throw unsupported(expression, 'annotation[...] takes a key');
      annotation = String(key.v);
      expectPunc(']');
    }
    if (annotation !== undefined) {
      const key = annotation;
      const op = readOp();
      if (op === undefined) return (f) => f.annotations.has(key);
      const value = readValue(op);
      return (f) => (f.annotations.get(key) ?? []).some((a) => compare(op, a, value));
    }
    if (BOOLEAN_KEYWORDS.has(lower)) {
      const get = (f: TraceFacts): boolean =>
        lower === 'ok'
          ? !f.error && !f.fault && !f.throttle
          : (f[lower as 'error' | 'fault' | 'throttle' | 'partial'] as boolean);
      const op = readOp();
      if (op === undefined) return get;
      if (op !== '=' && op !== '!=') throw unsupported(expression, `${word} takes = or !=`);
      const value = readValue(op);
      if (typeof value !== 'boolean') throw unsupported(expression, `${word} compares with true or false`);
      return (f) => compare(op, get(f), value);
    }
    if (NUMBER_KEYWORDS.has(lower) || STRING_KEYWORDS.has(lower)) {
      const op = readOp();
      if (op === undefined) throw unsupported(expression, `${word} needs a comparison`);
      const value = readValue(op);
      if (NUMBER_KEYWORDS.has(lower) !== (typeof value === 'number')) {
        throw unsupported(
          expression,
          `${word} compares with a ${NUMBER_KEYWORDS.has(lower) ? 'number' : 'string'}`,
        );
      }
      const get = (f: TraceFacts): Value | undefined => {
        if (lower === 'responsetime') return f.responsetime;
        if (lower === 'duration') return f.duration;
        return f.http[lower.slice('http.'.length) as keyof TraceFacts['http']];
      };
      if (lower === 'user') return (f) => [...f.users].some((u) => compare(op, u, value));
      return (f) => compare(op, get(f), value);
    }
    throw unsupported(expression, `"${word}" is not supported`);
  };

  const unary = (): Filter => {
    const tok = peek();
    if ((tok?.t === 'op' && tok.v === '!') || isWord(tok, 'NOT')) {
      pos++;
      const inner = unary();
      return (f) => !inner(f);
    }
    if (tok?.t === 'punc' && tok.v === '(') {
      pos++;
      const inner = or();
      expectPunc(')');
      return inner;
    }
    return predicate();
  };
  const and = (): Filter => {
    const parts = [unary()];
    for (;;) {
      const tok = peek();
      if (!((tok?.t === 'op' && tok.v === '&&') || isWord(tok, 'AND'))) break;
      pos++;
      parts.push(unary());
    }
    return parts.length === 1 ? (parts[0] as Filter) : (f) => parts.every((p) => p(f));
  };
  const or = (): Filter => {
    const parts = [and()];
    for (;;) {
      const tok = peek();
      if (!((tok?.t === 'op' && tok.v === '||') || isWord(tok, 'OR'))) break;
      pos++;
      parts.push(and());
    }
    return parts.length === 1 ? (parts[0] as Filter) : (f) => parts.some((p) => p(f));
  };

  if (tokens.length === 0) return () => true;
  const filter = or();
  if (pos < tokens.length) throw unsupported(expression, `unexpected "${String(tokens[pos]?.v)}"`);
  return filter;
};
