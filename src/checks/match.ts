/**
 * What the state checks share: option validation, "does this value match" (a function in boolean or
 * assertion style, or an object the value must contain), and the polling loop with its deadline.
 */
import { isDeepStrictEqual } from 'node:util';
import { InvalidInputError } from '../errors.js';
import { positiveNumber } from '../validate.js';
import { createDeadline, sleep } from '../wait/index.js';

/** A match: a function returning true (or not throwing, when it returns nothing), or an object the value must contain. */
export type ValueMatch<T> = ((value: T) => unknown) | Readonly<Record<string, unknown>>;

/** The outcome of a match: passed, or why not. */
export type MatchOutcome = { readonly ok: true } | { readonly ok: false; readonly reason?: unknown };

/** True when `actual` has every key of `expected` with an equal value (objects recursively). */
export const containsValue = (actual: unknown, expected: unknown): boolean => {
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected)) {
    return isDeepStrictEqual(actual, expected);
  }
  if (typeof actual !== 'object' || actual === null) return false;
  return Object.entries(expected).every(([key, value]) =>
    containsValue((actual as Record<string, unknown>)[key], value),
  );
};

/** Runs a match on a value. A function's `false` or throw fails it; anything else passes. */
export const runMatch = <T>(match: ValueMatch<T> | undefined, value: T): MatchOutcome => {
  if (match === undefined) return { ok: true };
  if (typeof match !== 'function') return containsValue(value, match) ? { ok: true } : { ok: false };
  try {
    return match(value) === false ? { ok: false } : { ok: true };
  } catch (reason) {
    return { ok: false, reason };
  }
};

/** Refuses anything but an options object. */
export const optionsObject = (options: unknown, fn: string): void => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError(`${fn} takes an options object.`, 'options');
  }
};

/** Refuses a match that is neither a function nor an object. */
export const matchOption = <T>(match: unknown): ValueMatch<T> | undefined => {
  if (match === undefined || typeof match === 'function') return match as ValueMatch<T> | undefined;
  if (typeof match !== 'object' || match === null || Array.isArray(match)) {
    throw new InvalidInputError(
      `match must be a function (returning a boolean, or throwing like an assertion) or an object the value must contain, got ${JSON.stringify(match)}.`,
      'match',
    );
  }
  return match as ValueMatch<T>;
};

/** A non-empty string option. */
export const stringOption = (value: unknown, option: string, pattern: RegExp, what: string): string => {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidInputError(`${option} must be ${what}, got ${JSON.stringify(value)}.`, option);
  }
  return value;
};

/** A string option that is not empty (nor only blanks). */
export const nonEmpty = (value: unknown, option: string): string => {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(
      `${option} must be a non-empty string, got ${JSON.stringify(value)}.`,
      option,
    );
  }
  return value;
};

/**
 * The one option of `keys` that is given (not undefined), with its value checked as a non-empty
 * string. None or several is refused, naming what was given.
 */
export const exactlyOne = (options: object, keys: readonly string[], fn: string): [string, string] => {
  const given = keys.filter((k) => (options as Record<string, unknown>)[k] !== undefined);
  if (given.length !== 1) {
    throw new InvalidInputError(
      `${fn} takes exactly one of ${keys.join(', ')}; got ${given.length === 0 ? 'none' : given.join(' and ')}.`,
      given[1] ?? (keys[0] as string),
    );
  }
  const key = given[0] as string;
  return [key, nonEmpty((options as Record<string, unknown>)[key], key)];
};

export interface PollOptions {
  readonly timeout: number;
  /** The option the time limit came from (`timeout` or `within`), for its validation message. */
  readonly option: string;
  /** First pause between checks; it doubles up to 1 000 ms. */
  readonly interval: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Calls `check` until it returns something other than undefined (returned), or the time is up
 * (undefined). Errors from `check` end the poll; the caller's abort rethrows the caller's reason.
 */
export const poll = async <T>(
  check: (signal: AbortSignal) => Promise<T | undefined>,
  options: PollOptions,
): Promise<T | undefined> => {
  let pause = positiveNumber('interval', options.interval);
  const deadline = createDeadline(options.timeout, options.signal, options.option);
  try {
    for (;;) {
      const found = await check(deadline.signal);
      if (found !== undefined) return found;
      await sleep(Math.min(pause, deadline.remaining()), deadline.signal);
      pause = Math.min(1_000, pause * 2);
    }
  } catch (error) {
    if (deadline.timedOut) return undefined;
    throw error;
  } finally {
    deadline.dispose();
  }
};
