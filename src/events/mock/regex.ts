/**
 * Builds one short string that matches a simple regular expression (JSON Schema `pattern`):
 * literals, escapes (\d \w \s and escaped punctuation), `.`, character classes, groups with
 * alternatives (the first is taken) and quantifiers (the minimum count is taken, at least one
 * for `+`). Returns undefined for what it cannot build (look-arounds, back references); callers
 * check the result against the real RegExp anyway.
 */
export const sampleForPattern = (pattern: string): string | undefined => {
  let source = pattern;
  if (source.startsWith('^')) source = source.slice(1);
  if (source.endsWith('$') && !source.endsWith('\\$')) source = source.slice(0, -1);
  try {
    const [out, end] = sequence(source, 0);
    return end === source.length ? out : undefined;
  } catch {
    return undefined;
  }
};

const CLASS_CANDIDATES = 'a0A_-. z9Z';

const escapeSample = (c: string): string => {
  switch (c) {
    case 'd':
      return '0';
    case 'w':
      return 'a';
    case 's':
      return ' ';
    case 'D':
    case 'W':
    case 'S':
      return '-';
    case 'n':
      return '\n';
    case 't':
      return '\t';
    default:
      if (/[A-Za-z0-9]/.test(c)) throw new Error(`unsupported escape \\${c}`);
      return c;
  }
};

/** Reads `[...]` starting after `[`; returns one character it accepts, and the index after `]`. */
const charClass = (s: string, start: number): [string, number] => {
  const end = s.indexOf(']', start + 1);
  if (end < 0) throw new Error('unterminated class');
  const body = s.slice(start, end);
  const re = new RegExp(`[${body}]`);
  for (const c of CLASS_CANDIDATES) if (re.test(c)) return [c, end + 1];
  for (let code = 32; code < 127; code++) {
    const c = String.fromCharCode(code);
    if (re.test(c)) return [c, end + 1];
  }
  throw new Error('empty class');
};

/** Reads a quantifier at `i`; returns the repeat count to use and the index after it. */
const quantifier = (s: string, i: number): [number, number] => {
  const c = s[i];
  let count = 1;
  let next = i;
  if (c === '?' || c === '*') {
    count = 0;
    next = i + 1;
  } else if (c === '+') {
    next = i + 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,\d*)?\}/.exec(s.slice(i));
    if (m) {
      count = Number(m[1]);
      next = i + m[0].length;
    }
  }
  if (next > i && s[next] === '?') next++;
  return [count, next];
};

/** Reads alternatives until `)` or the end; takes the first alternative. */
const sequence = (s: string, start: number): [string, number] => {
  let out = '';
  let first: string | undefined;
  let i = start;
  while (i < s.length && s[i] !== ')') {
    const c = s[i] as string;
    if (c === '|') {
      first ??= out;
      out = '';
      i++;
      continue;
    }
    let atom: string;
    if (c === '\\') {
      atom = escapeSample(s[i + 1] ?? '\\');
      i += 2;
    } else if (c === '[') {
      [atom, i] = charClass(s, i + 1);
    } else if (c === '(') {
      let j = i + 1;
      if (s[j] === '?') {
        if (s[j + 1] !== ':') throw new Error('look-around');
        j += 2;
      }
      [atom, i] = sequence(s, j);
      if (s[i] !== ')') throw new Error('unterminated group');
      i++;
    } else if (c === '.') {
      atom = 'a';
      i++;
    } else if ('^$*+?{'.includes(c)) {
      throw new Error(`unexpected ${c}`);
    } else {
      atom = c;
      i++;
    }
    const [count, next] = quantifier(s, i);
    i = next;
    out += atom.repeat(count);
  }
  return [first ?? out, i];
};
