import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay as sharedBackoffDelay } from '../wait/index.js';
import { isRetryable } from './aws-errors.js';

/**
 * Our own bounded retry on top of the SDK's. The SDK's standard mode retries throttling too, but
 * its retry quota drains under sustained throttling (many deletions at once), after which errors
 * surface on the first attempt; this layer keeps a sweep of hundreds of resources going.
 */
export interface RetryPolicy {
  /** Attempts including the first. */
  readonly attempts: number;
  /** First pause in ms; doubles each time, with full jitter. */
  readonly baseDelayMs: number;
  /** Largest pause in ms. */
  readonly maxDelayMs: number;
  /** Random number in [0, 1), injectable for tests. */
  readonly random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 2_000 };

/** Pause before retry number `retry` (1-based): the shared full-jitter formula of `wait/`. */
export const backoffDelay = (policy: RetryPolicy, retry: number): number =>
  sharedBackoffDelay(retry - 1, {
    baseMs: policy.baseDelayMs,
    maxMs: policy.maxDelayMs,
    ...(policy.random === undefined ? {} : { random: policy.random }),
  });

/** Runs `task`, retrying throttling and 5xx errors with backoff; other errors are thrown at once. */
export const withBackoff = async <T>(
  task: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error) || signal?.aborted) throw error;
      await sleep(backoffDelay(policy, attempt), undefined, signal ? { signal } : {});
    }
  }
};
