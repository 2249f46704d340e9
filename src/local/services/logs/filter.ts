import { AwsError } from '../../core/errors.js';

/** A compiled CloudWatch Logs filter pattern: true when the message matches. */
export type LogFilter = (message: string) => boolean;

const invalid = (pattern: string): AwsError =>
  new AwsError('InvalidParameterException', `Invalid filter pattern: ${pattern}`, 400);

/**
 * Compiles a filter pattern: empty (everything), text terms (all must appear; `"quoted
 * phrases"`; `-term` excluded; `?term ?other` any of them), or a JSON pattern
 * `{ $.path = value && ($.x > 1 || $.y NOT EXISTS) }`. Space-delimited `[a, b]` patterns and
 * regular expressions are refused with AWS's InvalidParameterException.
 */
export const compileFilter = (pattern: string | undefined): LogFilter => {
  const p = (pattern ?? '').trim();
  if (p === '') return () => true;
  if (p.startsWith('{')) return compileJson(p);
  if (p.startsWith('[') || p.startsWith('%')) throw invalid(p);
  return compileTerms(p);
};

const compileTerms = (p: string): LogFilter => {
  const tokens: { text: string; op: '' | '-' | '?' }[] = [];
  const re = /\s*([-?]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (let m = re.exec(p); m; m = re.exec(p)) {
    const text = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string);
    tokens.push({ text, op: (m[1] ?? '') as '' | '-' | '?' });
  }
  const any = tokens.filter((t) => t.op === '?');
  const all = tokens.filter((t) => t.op === '');
  const none = tokens.filter((t) => t.op === '-');
  if (any.length > 0 && (all.length > 0 || none.length > 0)) throw invalid(p);
  // Unquoted terms match case-sensitively as substrings, as CloudWatch Logs does.
  return (message) => {
    if (any.length > 0) return any.some((t) => message.includes(t.text));
    return all.every((t) => message.includes(t.text)) && none.every((t) => !message.includes(t.text));
  };
};

type Json = unknown;
type Pred = (doc: Json) => boolean;

const lookup = (doc: Json, path: string): { found: boolean; value: Json } => {
  let cur: Json = doc;
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  for (const raw of parts) {
    const key = raw.startsWith('[') ? Number(raw.slice(1, -1)) : raw;
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur as object, key))
      return { found: false, value: undefined };
    cur = (cur as Record<string | number, Json>)[key];
  }
  return { found: true, value: cur };
};

const wildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

const compileJson = (p: string): LogFilter => {
  if (!p.endsWith('}')) throw invalid(p);
  const src = p.slice(1, -1);
  let pos = 0;
  const ws = () => {
    while (pos < src.length && /\s/.test(src[pos] as string)) pos++;
  };
  const take = (re: RegExp): string | undefined => {
    ws();
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m || m.index !== pos) return undefined;
    pos += m[0].length;
    return m[0];
  };
  const comparison = (): Pred => {
    const path = take(/\$(?:\.[A-Za-z0-9_@$-]+|\[\d+\])*/y);
    if (!path) throw invalid(p);
    const key = path.slice(1).replace(/^\./, '');
    if (take(/IS\s+NULL/y)) return (d) => lookup(d, key).value === null && lookup(d, key).found;
    if (take(/NOT\s+EXISTS/y)) return (d) => !lookup(d, key).found;
    if (take(/EXISTS/y)) return (d) => lookup(d, key).found;
    const op = take(/!=|>=|<=|=|>|</y);
    if (!op) throw invalid(p);
    const str = take(/"(?:[^"\\]|\\.)*"/y);
    const raw = str ?? take(/[^\s&|)]+/y);
    if (raw === undefined) throw invalid(p);
    if (str !== undefined || !/^-?\d+(\.\d+)?$/.test(raw)) {
      if (op !== '=' && op !== '!=') throw invalid(p);
      const text = str !== undefined ? (JSON.parse(str) as string) : raw;
      const re = wildcard(text);
      const eq = (d: Json) => {
        const { found, value } = lookup(d, key);
        if (!found) return false;
        if (text === 'true' || text === 'false' || text === 'null') return String(value) === text;
        return typeof value === 'string' && re.test(value);
      };
      return op === '=' ? eq : (d) => lookup(d, key).found && !eq(d);
    }
    const n = Number(raw);
    return (d) => {
      const v = lookup(d, key).value;
      if (typeof v !== 'number') return false;
      switch (op) {
        case '=':
          return v === n;
        case '!=':
          return v !== n;
        case '>':
          return v > n;
        case '<':
          return v < n;
        case '>=':
          return v >= n;
        default:
          return v <= n;
      }
    };
  };
  const primary = (): Pred => {
    if (take(/\(/y)) {
      const inner = or();
      if (!take(/\)/y)) throw invalid(p);
      return inner;
    }
    return comparison();
  };
  const and = (): Pred => {
    const parts = [primary()];
    while (take(/&&/y)) parts.push(primary());
    return (d) => parts.every((f) => f(d));
  };
  const or = (): Pred => {
    const parts = [and()];
    while (take(/\|\|/y)) parts.push(and());
    return (d) => parts.some((f) => f(d));
  };
  const pred = or();
  ws();
  if (pos !== src.length) throw invalid(p);
  return (message) => {
    let doc: Json;
    try {
      doc = JSON.parse(message.slice(message.indexOf('{')));
    } catch {
      return false;
    }
    return pred(doc);
  };
};
