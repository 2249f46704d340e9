/**
 * Wildcard (`*`) patterns: parsing with EventBridge's escape rules and error positions, matching,
 * and the complexity measure EventBridge uses to reject rules that would be slow to evaluate.
 */

/** A parsed wildcard: literal characters, with `null` standing for each `*`. */
export type WildcardTokens = readonly (string | null)[];

/** EventBridge rejects a field whose wildcards could leave more than this many partial matches alive. */
export const MAX_WILDCARD_COMPLEXITY = 10;

/** Default bound on the states the complexity search visits; beyond it the rule is accepted. */
const MAX_SEARCH_STATES = 20_000;

const utf8Length = (char: string): number => {
  const code = char.codePointAt(0) as number;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
};

/**
 * Parses a wildcard pattern. `\*` is a literal star and `\\` a literal backslash; other escapes and
 * `**` are errors. Positions in errors count UTF-8 bytes of the quoted value, as AWS reports them.
 */
export const parseWildcard = (text: string): WildcardTokens | string => {
  const chars = Array.from(text);
  const tokens: (string | null)[] = [];
  let pos = 1; // the opening quote
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char === '*') {
      if (chars[i + 1] === '*') return `Consecutive wildcard characters at pos ${pos}`;
      tokens.push(null);
    } else if (char === '\\') {
      const next = chars[i + 1];
      if (next !== '*' && next !== '\\') return `Invalid escape character at pos ${pos}`;
      tokens.push(next);
      i++;
      pos++;
    } else {
      tokens.push(char);
    }
    pos += utf8Length(char);
  }
  return tokens;
};

/** Builds a matcher for parsed wildcard tokens (each `*` matches any run of characters, even none). */
export const wildcardMatcher = (tokens: WildcardTokens): ((value: string) => boolean) => {
  const segments: string[] = [''];
  for (const token of tokens) {
    if (token === null) segments.push('');
    else segments[segments.length - 1] += token;
  }
  const first = segments[0] as string;
  if (segments.length === 1) return (value) => value === first;
  const last = segments[segments.length - 1] as string;
  const middle = segments.slice(1, -1).filter((segment) => segment !== '');
  const fixed = first.length + last.length;
  return (value) => {
    if (value.length < fixed || !value.startsWith(first) || !value.endsWith(last)) return false;
    let at = first.length;
    const end = value.length - last.length;
    for (const segment of middle) {
      const found = value.indexOf(segment, at);
      if (found < 0 || found + segment.length > end) return false;
      at = found + segment.length;
    }
    return true;
  };
};

/**
 * The largest number of pattern prefixes (ending at a literal or at a `*`) that one input can match
 * at the same time, summed over the distinct patterns of one field: EventBridge's measure of how much
 * work a field's wildcards cost. Patterns are measured with their enclosing quotes, as AWS does.
 * Stops early once the result exceeds MAX_WILDCARD_COMPLEXITY.
 */
export const wildcardComplexity = (
  patterns: readonly WildcardTokens[],
  maxSearchStates = MAX_SEARCH_STATES,
): number => {
  const quoted = patterns.map((tokens) => ['"', ...tokens, '"']);
  const close = (tokens: readonly (string | null)[], positions: Set<number>): number[] => {
    for (let k = 0; k < tokens.length; k++) {
      if (positions.has(k) && tokens[k] === null) positions.add(k + 1);
    }
    return [...positions].sort((a, b) => a - b);
  };
  const alphabet = new Set<string>();
  for (const tokens of quoted) for (const token of tokens) if (token !== null) alphabet.add(token);
  const symbols = [...alphabet, null]; // null: any character no pattern mentions

  const start = quoted.map((tokens) => close(tokens, new Set([0])));
  const seen = new Set<string>([JSON.stringify(start)]);
  const queue: number[][][] = [start];
  let worst = 0;
  while (queue.length > 0 && seen.size <= maxSearchStates) {
    const state = queue.pop() as number[][];
    let size = 0;
    for (const positions of state) size += positions.filter((k) => k > 0).length;
    worst = Math.max(worst, size);
    if (worst > MAX_WILDCARD_COMPLEXITY) break;
    for (const symbol of symbols) {
      const next = state.map((positions, p) => {
        const tokens = quoted[p] as (string | null)[];
        const reached = new Set<number>();
        for (const k of positions) {
          if (k > 0 && tokens[k - 1] === null) reached.add(k);
          if (symbol !== null && tokens[k] === symbol) reached.add(k + 1);
        }
        return close(tokens, reached);
      });
      const key = JSON.stringify(next);
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(next);
      }
    }
  }
  return worst;
};
