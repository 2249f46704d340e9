import { AwsError } from '../../core/errors.js';
import { paginate as paginateOffset } from '../../core/paging.js';

/** One failed constraint, worded as AWS's request validation words it. */
export interface Violation {
  readonly value: unknown;
  readonly at: string;
  readonly constraint: string;
}

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** `N validation error(s) detected: Value 'x' at 'name' failed to satisfy constraint: ...; ...` */
export const violationsError = (violations: readonly Violation[]): AwsError => {
  const n = violations.length;
  const parts = violations.map(
    (v) => `Value '${show(v.value)}' at '${v.at}' failed to satisfy constraint: ${v.constraint}`,
  );
  return new AwsError(
    'ValidationException',
    `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`,
  );
};

export const NAME_PATTERN = '[\\.\\-_A-Za-z0-9]+';
export const BUS_NAME_PATTERN = '[/\\.\\-_A-Za-z0-9]+';

/** Pattern and length checks of a name field; empty when it is fine. */
export const nameViolations = (value: unknown, at: string, pattern = NAME_PATTERN, max = 64): Violation[] => {
  if (typeof value !== 'string' || value === '') {
    return [{ value: value ?? null, at, constraint: 'Member must not be null' }];
  }
  const out: Violation[] = [];
  if (!new RegExp(`^(?:${pattern})$`).test(value)) {
    out.push({ value, at, constraint: `Member must satisfy regular expression pattern: ${pattern}` });
  }
  if (value.length > max) {
    out.push({ value, at, constraint: `Member must have length less than or equal to ${max}` });
  }
  return out;
};

export const checkName = (value: unknown, at: string, pattern = NAME_PATTERN, max = 64): string => {
  const violations = nameViolations(value, at, pattern, max);
  if (violations.length > 0) throw violationsError(violations);
  return value as string;
};

/** Validates a Limit parameter (1..100). */
export const checkLimit = (value: unknown): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100) {
    throw violationsError([{ value, at: 'limit', constraint: 'Member must have value between 1 and 100' }]);
  }
  return value;
};

/** One page of `items` by Limit/NextToken. */
export const paginate = <T>(
  items: readonly T[],
  limit: unknown,
  nextToken: unknown,
): { page: T[]; nextToken: string | undefined } =>
  paginateOffset(
    items,
    nextToken,
    checkLimit(limit) ?? 100,
    () => new AwsError('ValidationException', 'The NextToken provided is invalid.'),
  );

/** `{ Key, Value }[]` → map, validating keys. */
export const tagList = (value: unknown): Map<string, string> => {
  const tags = new Map<string, string>();
  if (value === undefined || value === null) return tags;
  if (!Array.isArray(value)) throw new AwsError('ValidationException', 'Tags must be a list.');
  for (const tag of value as { Key?: unknown; Value?: unknown }[]) {
    if (typeof tag?.Key !== 'string' || tag.Key === '' || typeof tag.Value !== 'string') {
      throw new AwsError('ValidationException', 'Each tag needs a Key and a Value.');
    }
    tags.set(tag.Key, tag.Value);
  }
  return tags;
};

export const tagsOut = (tags: ReadonlyMap<string, string>): { Key: string; Value: string }[] =>
  [...tags].map(([Key, Value]) => ({ Key, Value }));

/** Epoch ms → the JSON 1.1 timestamp (epoch seconds). */
export const epochSeconds = (ms: number): number => ms / 1000;

/** ISO 8601 without milliseconds, as in the event envelope's `time`. */
export const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;
