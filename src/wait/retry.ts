/**
 * The one retry policy of the library: full-jitter exponential backoff, a bounded number of
 * attempts, a cap, abort with the caller's own reason, injectable random source and sleep.
 */
import { positiveNumber } from '../validate.js';
import { isRetryable } from './classify.js';
import { sleep as realSleep, throwIfAborted } from './sleep.js';

/** How to retry: attempts in all, and the full-jitter backoff between them. */
export interface RetryPolicy {
  /** Attempts including the first. */
  readonly attempts: number;
  /** Pause before the first retry is at most this, in ms; it doubles each retry. */
  readonly baseDelayMs: number;
  /** Largest pause in ms. */
  readonly maxDelayMs: number;
  /** Random number in [0, 1), injectable for tests. Default Math.random. */
  readonly random?: () => number;
}

/** The library's default: 6 attempts, 100 ms doubling up to 5 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * The pause before retry number `retry` (1-based): a random delay in
 * [0, min(maxDelayMs, baseDelayMs * 2^(retry - 1))] (full jitter).
 */
export const backoffDelay = (policy: Omit<RetryPolicy, 'attempts'>, retry: number): number => {
  const random = policy.random ?? Math.random;
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1)));
};

export interface RetryOptions extends Partial<RetryPolicy> {
  /** Which errors to retry. Default {@link isRetryable} (throttling and transient server errors). */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Called before each pause with the error retried and the retry's number (1-based). */
  readonly onRetry?: (error: unknown, retry: number) => void;
  /** Cancels the retries (and the pause in progress): the signal's reason is thrown. */
  readonly signal?: AbortSignal | undefined;
  /** How to pause (tests inject fakes). Default: a timer that the signal cancels. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Calls `fn` (with the attempt's number, 0-based) until it succeeds; retries the errors
 * `shouldRetry` accepts, at most `attempts` calls in all, pausing with full-jitter backoff. An abort
 * (before a call, after a failed one, or during a pause) throws the signal's reason.
 */
export const retry = async <T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> => {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options };
  positiveNumber('attempts', policy.attempts, true, null);
  const shouldRetry = options.shouldRetry ?? isRetryable;
  const pause = options.sleep ?? realSleep;
  const { signal } = options;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn(attempt);
    } catch (error) {
      throwIfAborted(signal);
      if (attempt + 1 >= policy.attempts || !shouldRetry(error)) throw error;
      options.onRetry?.(error, attempt + 1);
      await pause(backoffDelay(policy, attempt + 1), signal);
    }
  }
};
