/**
 * EventBridge event patterns: validation with AWS's exact reasons, and matching with AWS's semantics.
 * Shared by the library (local matching) and the emulator (rule evaluation on every PutEvents).
 *
 * A pattern compiles to a list of branches (one per `$or` alternative); a branch maps flattened field
 * paths (`detail.state`, with `.` joining nested keys, so `{"a.b": ...}` and `{"a": {"b": ...}}` are
 * the same field) to a list of alternatives. An event matches when some branch has, for every field,
 * a leaf value matching one of its alternatives (or no value at all, for `{"exists": false}`), with
 * leaves taken from the same element of any array they share.
 */
import { InvalidEventPatternError, InvalidInputError } from '../errors.js';
import { ignoreCaseMatcher } from './pattern/case.js';
import { type IpRange, ipBytes, isInRange, isSameIp, parseCidr } from './pattern/ip.js';
import { readPatternJson } from './pattern/json.js';
import {
  MAX_WILDCARD_COMPLEXITY,
  parseWildcard,
  type WildcardTokens,
  wildcardComplexity,
  wildcardMatcher,
} from './pattern/wildcard.js';

/** A pattern checked once, applied to many events. */
export type CompiledEventPattern = (event: unknown) => boolean;

type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;

interface Field {
  readonly path: string;
  readonly tests: readonly LeafTest[];
  /** `{"exists": false}` is one of the alternatives. */
  readonly absentOk: boolean;
  /** Wildcard patterns of this field (plain and anything-but), for the complexity check. */
  readonly wildcards: readonly WildcardTokens[];
}

type Branch = Map<string, Field>;

const OR = '$or';
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text AWS's JSON parser shows for a token, e.g. in "Invalid member in numeric match: [". */
const tokenText = (value: unknown): string => {
  if (value === undefined) return ']';
  if (Array.isArray(value)) return '[';
  if (isObject(value)) return '{';
  return String(value);
};

/** Throws AWS's `reason` when a `{ "operator": value }` body has more than one key. */
const onlyKey = (
  body: Record<string, unknown>,
  reason = 'Only one key allowed in match expression',
): void => {
  if (Object.keys(body).length > 1) fail(reason);
};

const TOO_MANY_NUMERIC = 'Too many elements in numeric expression';

interface Compiled {
  readonly test?: LeafTest;
  readonly absent?: true;
  readonly wildcards?: readonly WildcardTokens[];
}

const compileWildcard = (text: string): WildcardTokens => {
  const tokens = parseWildcard(text);
  return typeof tokens === 'string' ? fail(tokens) : tokens;
};

const compileNumeric = (terms: unknown): LeafTest => {
  if (!Array.isArray(terms)) return fail('Value of numeric must be an array.');
  const [operator, value] = terms as unknown[];
  if (typeof operator !== 'string') return fail(`Invalid member in numeric match: ${tokenText(operator)}`);
  const numeric = (term: unknown, name: string): number =>
    typeof term === 'number' ? term : fail(`Value of ${name} must be numeric`);
  const single = (test: (n: number) => boolean): LeafTest => {
    if (terms.length > 2) fail(TOO_MANY_NUMERIC);
    return (leaf) => typeof leaf === 'number' && test(leaf);
  };
  switch (operator) {
    case '=': {
      const n = numeric(value, 'equals');
      return single((leaf) => leaf === n);
    }
    case '<=': {
      const n = numeric(value, operator);
      return single((leaf) => leaf <= n);
    }
    case '<': {
      const n = numeric(value, operator);
      return single((leaf) => leaf < n);
    }
    case '>':
    case '>=': {
      const low = numeric(value, operator);
      const openLow = operator === '>';
      const above = (leaf: number): boolean => (openLow ? leaf > low : leaf >= low);
      if (terms.length === 2) return (leaf) => typeof leaf === 'number' && above(leaf);
      const upper = terms[2];
      if (typeof upper !== 'string') return fail(`Bad value in numeric range: ${tokenText(upper)}`);
      if (upper !== '<' && upper !== '<=') return fail(`Bad numeric range operator: ${upper}`);
      const high = numeric(terms[3], upper);
      if (terms.length > 4) fail('Too many terms in numeric range expression');
      if (low >= high) fail('Bottom must be less than top');
      const openHigh = upper === '<';
      return (leaf) => typeof leaf === 'number' && above(leaf) && (openHigh ? leaf < high : leaf <= high);
    }
    default:
      return fail(`Unrecognized numeric range operator: ${operator}`);
  }
};

type SetKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';
const SET_KINDS = new Set<string>(['equals-ignore-case', 'prefix', 'suffix', 'wildcard']);

const compileAnythingButSet = (kind: SetKind, operand: unknown): Compiled => {
  const items = Array.isArray(operand) ? operand : [operand];
  const texts = items.map((item) => {
    if (typeof item !== 'string') {
      if (kind === 'equals-ignore-case') {
        return fail(
          'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
        );
      }
      return fail(
        kind === 'wildcard'
          ? 'wildcard match pattern must be a string'
          : 'prefix/suffix match pattern must be a string',
      );
    }
    if (item === '' && (kind === 'prefix' || kind === 'suffix')) fail('Null prefix/suffix not allowed');
    return item;
  });
  switch (kind) {
    case 'equals-ignore-case': {
      const matchers = texts.map((text) => ignoreCaseMatcher(text, 'equals'));
      return { test: (leaf) => typeof leaf !== 'string' || !matchers.some((matches) => matches(leaf)) };
    }
    case 'prefix':
      return { test: (leaf) => typeof leaf !== 'string' || !texts.some((text) => leaf.startsWith(text)) };
    case 'suffix':
      return { test: (leaf) => typeof leaf !== 'string' || !texts.some((text) => leaf.endsWith(text)) };
    default: {
      const wildcards = texts.map(compileWildcard);
      const matchers = wildcards.map(wildcardMatcher);
      return {
        test: (leaf) => typeof leaf !== 'string' || !matchers.some((matches) => matches(leaf)),
        wildcards,
      };
    }
  }
};

const ANYTHING_BUT_VALUE = 'Value of anything-but must be an array or single string/number value.';

const isStringOrNumber = (value: unknown): value is string | number =>
  typeof value === 'string' || typeof value === 'number';

const compileAnythingBut = (body: Record<string, unknown>, operand: unknown): Compiled => {
  if (isObject(operand)) {
    const [kind] = Object.keys(operand);
    if (kind === undefined) return fail('Anything-But expression name not found');
    if (!SET_KINDS.has(kind)) return fail(`Unsupported anything-but pattern: ${kind}`);
    const inner = operand[kind];
    if (!Array.isArray(inner) && !isStringOrNumber(inner)) return fail(ANYTHING_BUT_VALUE);
    const compiled = compileAnythingButSet(kind as SetKind, inner);
    onlyKey(operand, TOO_MANY_NUMERIC);
    onlyKey(body, TOO_MANY_NUMERIC);
    return compiled;
  }
  if (!Array.isArray(operand) && !isStringOrNumber(operand)) return fail(ANYTHING_BUT_VALUE);
  const items = Array.isArray(operand) ? operand : [operand];
  let strings = 0;
  for (const item of items) {
    if (typeof item === 'string') strings++;
    else if (typeof item !== 'number') fail('Inside anything but list, start|null|boolean is not supported.');
  }
  if (items.length === 0 || (strings > 0 && strings < items.length)) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  }
  onlyKey(body, TOO_MANY_NUMERIC);
  const excluded = new Set<Leaf>(items as (string | number)[]);
  return { test: (leaf) => !excluded.has(leaf) };
};

const compileIgnoreCaseAffix = (
  kind: 'prefix' | 'suffix',
  body: Record<string, unknown>,
  operand: object,
): Compiled => {
  const label = kind === 'prefix' ? 'Prefix' : 'Suffix';
  const inner = operand as Record<string, unknown>;
  const [op] = Object.keys(inner);
  if (op === undefined) return fail(`${label} expression name not found`);
  if (op !== 'equals-ignore-case') return fail(`Unsupported ${kind} pattern: ${op}`);
  const text = inner[op];
  if (typeof text !== 'string') return fail('equals-ignore-case match pattern must be a string');
  onlyKey(inner);
  onlyKey(body);
  const matches = ignoreCaseMatcher(text, kind);
  return { test: (leaf) => typeof leaf === 'string' && matches(leaf) };
};

const stringOperand = (operand: unknown, reason: string): string =>
  typeof operand === 'string' ? operand : fail(reason);

/** One `{ "operator": ... }` alternative of a field. */
const compileExpression = (body: Record<string, unknown>): Compiled => {
  const [name] = Object.keys(body);
  if (name === undefined) return fail('Match expression name not found');
  const operand = body[name];
  switch (name) {
    case 'exactly': {
      const text = stringOperand(operand, 'exact match pattern must be a string');
      onlyKey(body);
      return { test: (leaf) => leaf === text };
    }
    case 'prefix':
    case 'suffix': {
      if (isObject(operand)) return compileIgnoreCaseAffix(name, body, operand);
      const text = stringOperand(operand, `${name} match pattern must be a string`);
      onlyKey(body);
      return {
        test:
          name === 'prefix'
            ? (leaf) => typeof leaf === 'string' && leaf.startsWith(text)
            : (leaf) => typeof leaf === 'string' && leaf.endsWith(text),
      };
    }
    case 'equals-ignore-case': {
      const text = stringOperand(operand, 'equals-ignore-case match pattern must be a string');
      onlyKey(body);
      const matches = ignoreCaseMatcher(text, 'equals');
      return { test: (leaf) => typeof leaf === 'string' && matches(leaf) };
    }
    case 'wildcard': {
      const tokens = compileWildcard(stringOperand(operand, 'wildcard match pattern must be a string'));
      onlyKey(body);
      const matches = wildcardMatcher(tokens);
      return { test: (leaf) => typeof leaf === 'string' && matches(leaf), wildcards: [tokens] };
    }
    case 'numeric': {
      const test = compileNumeric(operand);
      onlyKey(body, TOO_MANY_NUMERIC);
      return { test };
    }
    case 'anything-but':
      return compileAnythingBut(body, operand);
    case 'exists': {
      if (typeof operand !== 'boolean') return fail('exists match pattern must be either true or false.');
      onlyKey(body);
      return operand ? { test: () => true } : { absent: true };
    }
    case 'cidr': {
      const range: IpRange | string = parseCidr(
        stringOperand(operand, 'prefix match pattern must be a string'),
      );
      if (typeof range === 'string') return fail(range);
      onlyKey(body);
      return { test: (leaf) => typeof leaf === 'string' && isInRange(range, leaf) };
    }
    default:
      return fail(`Unrecognized match type ${name}`);
  }
};

/** One element of a field's array of alternatives. */
const compileAlternative = (value: unknown): Compiled => {
  if (isObject(value)) return compileExpression(value);
  if (Array.isArray(value)) return fail('Match value must be String, number, true, false, or null');
  if (typeof value === 'string') {
    const ip = ipBytes(value);
    if (ip) return { test: (leaf) => leaf === value || (typeof leaf === 'string' && isSameIp(ip, leaf)) };
  }
  return { test: (leaf) => leaf === value };
};

const compileField = (path: string, alternatives: unknown[]): Field => {
  const tests: LeafTest[] = [];
  const wildcards: WildcardTokens[] = [];
  let absentOk = false;
  for (const alternative of alternatives) {
    const compiled = compileAlternative(alternative);
    if (compiled.test) tests.push(compiled.test);
    if (compiled.absent) absentOk = true;
    if (compiled.wildcards) wildcards.push(...compiled.wildcards);
  }
  if (alternatives.length === 0) fail('Empty arrays are not allowed');
  return { path, tests, absentOk, wildcards };
};

/** Walks a pattern object the way AWS's parser does, forking branches at each `$or`. */
const parseObject = (
  object: Record<string, unknown>,
  path: readonly string[],
  branches: Branch[],
  insideOr: boolean,
): void => {
  const keys = Object.keys(object);
  for (const key of keys) {
    const value = object[key];
    if (key === OR) {
      parseOr(value, path, branches);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key))
      fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    if (isObject(value)) {
      parseObject(value, [...path, key], branches, insideOr);
    } else if (Array.isArray(value)) {
      const name = [...path, key].join('.');
      const field = compileField(name, value);
      if (branches.length === 0) branches.push(new Map());
      for (const branch of branches) branch.set(name, field);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  if (keys.length === 0) fail('Empty objects are not allowed');
};

const parseOr = (value: unknown, path: readonly string[], branches: Branch[]): void => {
  const before = branches.map((branch) => new Map(branch));
  branches.length = 0;
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.');
  for (const alternative of value) {
    if (!isObject(alternative)) fail('Only JSON object is allowed in array of $or relationship.');
    const forked = before.length > 0 ? before.map((branch) => new Map(branch)) : [new Map<string, Field>()];
    parseObject(alternative, path, forked, true);
    branches.push(...forked);
  }
  if (value.length < 2) fail('There must have at least 2 Objects in $or relationship.');
};

const parsePattern = (pattern: string | object): unknown =>
  typeof pattern === 'string' ? readPatternJson(pattern) : JSON.parse(JSON.stringify(pattern) ?? 'null');

const checkComplexity = (branches: readonly Branch[]): void => {
  // Fields are evaluated in sorted order; the first field of every branch lives in one shared
  // state, so its wildcards add up across `$or` alternatives. Later fields are per branch.
  const groups = new Map<string, WildcardTokens[]>();
  branches.forEach((branch, index) => {
    const first = [...branch.keys()].sort()[0];
    for (const field of branch.values()) {
      if (field.wildcards.length === 0) continue;
      const key = field.path === first ? `*${field.path}` : `${index}:${field.path}`;
      groups.set(key, [...(groups.get(key) ?? []), ...field.wildcards]);
    }
  });
  for (const wildcards of groups.values()) {
    const distinct = new Map(wildcards.map((tokens) => [JSON.stringify(tokens), tokens]));
    if (wildcardComplexity([...distinct.values()]) > MAX_WILDCARD_COMPLEXITY) {
      fail(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
    }
  }
};

/** Checks a pattern as EventBridge does and returns its branches; throws InvalidEventPatternError. */
const compileBranches = (pattern: string | object): Branch[] => {
  const parsed = parsePattern(pattern);
  if (!isObject(parsed)) return fail('Filter is not an object');
  const branches: Branch[] = [];
  parseObject(parsed, [], branches, false);
  checkComplexity(branches);
  return branches;
};

/** Validates a pattern as EventBridge does; throws InvalidEventPatternError with AWS's reason. */
export const validateEventPattern = (pattern: string | object): void => {
  compileBranches(pattern);
};

/** A leaf value of an event, with the array elements it was found in (array id → index). */
interface EventLeaf {
  readonly value: Leaf;
  readonly arrays: readonly (readonly [number, number])[];
}

const collectLeaves = (event: unknown, wanted: ReadonlySet<string>): Map<string, EventLeaf[]> => {
  const leaves = new Map<string, EventLeaf[]>();
  let arrayIds = 0;
  const walk = (value: unknown, path: string, arrays: readonly (readonly [number, number])[]): void => {
    if (Array.isArray(value)) {
      const id = arrayIds++;
      value.forEach((item, index) => {
        walk(item, path, [...arrays, [id, index]]);
      });
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value))
        walk(child, path === '' ? key : `${path}.${key}`, arrays);
    } else if (value !== undefined && wanted.has(path)) {
      const list = leaves.get(path);
      const leaf: EventLeaf = { value: value as Leaf, arrays };
      if (list) list.push(leaf);
      else leaves.set(path, [leaf]);
    }
  };
  walk(event, '', []);
  return leaves;
};

/** True when one leaf can be picked from each list with no two taken from different elements of one array. */
const consistentChoice = (candidates: readonly EventLeaf[][]): boolean => {
  if (candidates.every((list) => list.some((leaf) => leaf.arrays.length === 0))) return true;
  const chosen = new Map<number, number>();
  const pick = (index: number): boolean => {
    const list = candidates[index];
    if (list === undefined) return true;
    for (const leaf of list) {
      const fits = leaf.arrays.every(([id, at]) => (chosen.get(id) ?? at) === at);
      if (!fits) continue;
      const added = leaf.arrays.filter(([id]) => !chosen.has(id));
      for (const [id, at] of added) chosen.set(id, at);
      if (pick(index + 1)) return true;
      for (const [id] of added) chosen.delete(id);
    }
    return false;
  };
  return pick(0);
};

const matchesBranch = (fields: readonly Field[], leaves: Map<string, EventLeaf[]>): boolean => {
  const candidates: EventLeaf[][] = [];
  for (const field of fields) {
    const present = leaves.get(field.path);
    if (present === undefined) {
      if (field.absentOk) continue;
      return false;
    }
    const matching = present.filter((leaf) => field.tests.some((test) => test(leaf.value)));
    if (matching.length === 0) return false;
    candidates.push(matching);
  }
  return consistentChoice(candidates);
};

const buildMatcher = (pattern: string | object): CompiledEventPattern => {
  const branches = compileBranches(pattern).map((branch) => [...branch.values()]);
  const wanted = new Set(branches.flatMap((fields) => fields.map((field) => field.path)));
  return (event) => {
    const leaves = collectLeaves(event, wanted);
    return branches.some((fields) => matchesBranch(fields, leaves));
  };
};

/** Recently compiled pattern texts: rules are matched against every event, usually with the same text. */
const cache = new Map<string, CompiledEventPattern>();
const CACHE_SIZE = 500;

/**
 * Validates `pattern` once (throws InvalidEventPatternError with AWS's reason) and returns a fast
 * matcher. Compiling the same pattern text again is cheap: recent results are reused.
 */
export const compileEventPattern = (pattern: string | object): CompiledEventPattern => {
  if (typeof pattern !== 'string') return buildMatcher(pattern);
  let matcher = cache.get(pattern);
  if (matcher === undefined) {
    matcher = buildMatcher(pattern);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(pattern, matcher);
  }
  return matcher;
};

const parseEvent = (event: string | object): unknown => {
  if (typeof event !== 'string') return event;
  try {
    return JSON.parse(event);
  } catch (error) {
    throw new InvalidInputError(`The event is not valid JSON: ${(error as Error).message}`, 'event', {
      cause: error,
    });
  }
};

/** The envelope fields EventBridge's TestEventPattern insists on (AWS answers "Parameter Event is not valid." without them). */
export const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

/**
 * True when `event` matches `pattern`, exactly as EventBridge's TestEventPattern answers. Like
 * AWS, it refuses an event that is not a full envelope (`id`, `account`, `source`, `time`, `region`,
 * `detail-type`) with an InvalidInputError quoting AWS's "Parameter Event is not valid."; to match
 * a bare object (e.g. an already transformed payload) use `compileEventPattern(pattern)(object)`.
 */
export const testEventPattern = (pattern: string | object, event: string | object): boolean => {
  const match = compileEventPattern(pattern);
  const parsed = parseEvent(event);
  const missing =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? REQUIRED_EVENT_FIELDS.filter((field) => !Object.hasOwn(parsed, field))
      : REQUIRED_EVENT_FIELDS;
  if (missing.length > 0) {
    throw new InvalidInputError(
      `Parameter Event is not valid. (EventBridge's TestEventPattern needs a full event envelope; missing: ${missing.join(', ')}. ` +
        'Build one with generateMockEvent/mockEventFromSchema, or match a bare object with compileEventPattern(pattern)(object).)',
      'event',
    );
  }
  return match(parsed);
};
