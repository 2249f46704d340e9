/** Choice rules of the JSONPath query language: comparisons, And/Or/Not, Is* tests, ...Path variants. */
import { isPresent, readPath, type Scope, StatesError } from './paths.js';

type Rule = Record<string, unknown>;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const isTimestamp = (v: unknown): v is string => typeof v === 'string' && TIMESTAMP.test(v);

/** `*` matches any run of characters, `\*` a literal star. */
const matches = (value: string, pattern: string): boolean => {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      re += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') re += '.*';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(value);
};

type Compare = (a: unknown, b: unknown) => boolean;

const cmp = (kind: 'String' | 'Numeric' | 'Timestamp', test: (d: number) => boolean): Compare => {
  return (a, b) => {
    if (kind === 'String') {
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      return test(a < b ? -1 : a > b ? 1 : 0);
    }
    if (kind === 'Numeric') {
      if (typeof a !== 'number' || typeof b !== 'number') return false;
      return test(a - b);
    }
    if (!isTimestamp(a) || !isTimestamp(b)) return false;
    return test(Date.parse(a) - Date.parse(b));
  };
};

const OPS: Record<string, Compare> = {};
for (const kind of ['String', 'Numeric', 'Timestamp'] as const) {
  OPS[`${kind}Equals`] = cmp(kind, (d) => d === 0);
  OPS[`${kind}LessThan`] = cmp(kind, (d) => d < 0);
  OPS[`${kind}GreaterThan`] = cmp(kind, (d) => d > 0);
  OPS[`${kind}LessThanEquals`] = cmp(kind, (d) => d <= 0);
  OPS[`${kind}GreaterThanEquals`] = cmp(kind, (d) => d >= 0);
}
OPS.BooleanEquals = (a, b) => typeof a === 'boolean' && a === b;
OPS.StringMatches = (a, b) => typeof a === 'string' && typeof b === 'string' && matches(a, b);

const TYPE_TESTS: Record<string, (v: unknown) => boolean> = {
  IsNull: (v) => v === null,
  IsNumeric: (v) => typeof v === 'number',
  IsString: (v) => typeof v === 'string',
  IsBoolean: (v) => typeof v === 'boolean',
  IsTimestamp: isTimestamp,
};

/** Evaluates one JSONPath choice rule against the state's (filtered) input. */
export const evaluateRule = (rule: Rule, input: unknown, scope: Scope): boolean => {
  if (Array.isArray(rule.And)) return rule.And.every((r: Rule) => evaluateRule(r, input, scope));
  if (Array.isArray(rule.Or)) return rule.Or.some((r: Rule) => evaluateRule(r, input, scope));
  if (rule.Not !== undefined) return !evaluateRule(rule.Not as Rule, input, scope);
  const variable = rule.Variable;
  if (typeof variable !== 'string') {
    throw new StatesError('States.Runtime', 'A choice rule has no Variable');
  }
  if (rule.IsPresent !== undefined) return isPresent(variable, input, scope) === rule.IsPresent;
  for (const [name, test] of Object.entries(TYPE_TESTS)) {
    if (rule[name] !== undefined) {
      const present = isPresent(variable, input, scope);
      return present && test(readPath(variable, input, scope)) === rule[name];
    }
  }
  for (const [name, op] of Object.entries(OPS)) {
    const literal = rule[name];
    const path = rule[`${name}Path`];
    if (literal === undefined && path === undefined) continue;
    const value = readPath(variable, input, scope);
    const other = path !== undefined ? readPath(String(path), input, scope) : literal;
    return op(value, other);
  }
  throw new StatesError('States.Runtime', `Unsupported choice rule: ${JSON.stringify(rule)}`);
};
