/**
 * Waiting, deadlines and retries. No AWS imports; AbortSignal all the way down.
 *
 * For the cleanup helper (and anyone else):
 * - `sleep(ms: number, signal?: AbortSignal): Promise<void>` — rejects with `signal.reason` on abort.
 * - `retry<T>(fn: (attempt: number) => Promise<T>, options?: RetryOptions): Promise<T>` — calls `fn`
 *   until it succeeds; retries only when `options.shouldRetry(error)` says so (default: `isThrottling`),
 *   at most `attempts` times (default 6), sleeping `backoffDelay(attempt)` in between (full jitter,
 *   base 100 ms, cap 5 s). Abort rethrows the signal's reason.
 * - `isThrottling(error: unknown): boolean` — AWS throttling / 429 / 5xx-retryable errors.
 * - `backoffDelay(attempt: number, options?: { baseMs?: number; maxMs?: number; random?: () => number }): number`.
 * - `createDeadline(timeoutMs, signal?)` — a signal that fires on timeout or on the caller's abort.
 * - `waitFor(check, options)` — polls `check` with backoff until it returns a value other than undefined.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { TimeoutError } from '../errors.js';
import { positiveNumber } from '../validate.js';

/** Throws the signal's reason when it is aborted. */
export const throwIfAborted = (signal: AbortSignal | undefined): void => {
  if (signal?.aborted) throw signal.reason;
};

/** Waits `ms` milliseconds; rejects with the signal's own reason when it aborts. Leaves no listeners behind. */
export const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  throwIfAborted(signal);
  // timers/promises rejects only on abort; rethrow the caller's own reason rather than its AbortError.
  await delay(ms, undefined, signal ? { signal } : undefined).catch(() => {
    throw (signal as AbortSignal).reason;
  });
};

/**
 * Resolves/rejects with `promise`, or rejects with the signal's reason as soon as it aborts.
 * The abort listener is removed when either settles.
 */
export const raceAbort = <T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
};

/** A time limit combined with the caller's signal. Call `dispose()` when done (removes timers and listeners). */
export interface Deadline {
  /** Fires when the time is up or the caller aborts. Its reason is a TimeoutError or the caller's reason. */
  readonly signal: AbortSignal;
  /** `performance.now()`-based end time. */
  readonly endsAt: number;
  readonly timeoutMs: number;
  /** Milliseconds left (0 once it fired). */
  remaining(): number;
  /** True when it fired because of the time limit (not the caller). */
  readonly timedOut: boolean;
  dispose(): void;
}

/** Starts a deadline of `timeoutMs` (validated as a positive finite number named `option`). */
export const createDeadline = (timeoutMs: number, signal?: AbortSignal, option = 'timeout'): Deadline => {
  positiveNumber(option, timeoutMs);
  const controller = new AbortController();
  const endsAt = performance.now() + timeoutMs;
  let timedOut = false;
  const onAbort = (): void => controller.abort(signal?.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new TimeoutError(`Timed out after ${timeoutMs} ms.`, timeoutMs));
  }, timeoutMs);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    endsAt,
    timeoutMs,
    // Timers can fire a little before performance.now() reaches endsAt: once fired, nothing is left.
    remaining: () => (controller.signal.aborted ? 0 : Math.max(0, endsAt - performance.now())),
    get timedOut() {
      return timedOut;
    },
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
};

/** Full-jitter exponential backoff: a random delay in [0, min(max, base * 2^attempt)]. */
export const backoffDelay = (
  attempt: number,
  options: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number => {
  const base = options.baseMs ?? 100;
  const max = options.maxMs ?? 5_000;
  const random = options.random ?? Math.random;
  return Math.floor(random() * Math.min(max, base * 2 ** attempt));
};

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** True for AWS throttling and transient server errors (by error name/code or HTTP 429/5xx). */
export const isThrottling = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: { throttling?: boolean };
  };
  if (e.$retryable?.throttling) return true;
  if (typeof e.name === 'string' && THROTTLING_CODES.has(e.name)) return true;
  if (typeof e.Code === 'string' && THROTTLING_CODES.has(e.Code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
};

export interface RetryOptions {
  /** Attempts in all, including the first. Default 6. */
  readonly attempts?: number;
  /** Which errors to retry. Default `isThrottling`. */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Backoff base in ms. Default 100. */
  readonly baseMs?: number;
  /** Backoff cap in ms. Default 5 000. */
  readonly maxMs?: number;
  readonly signal?: AbortSignal;
  /** Random source for jitter (tests). Default Math.random. */
  readonly random?: () => number;
}

/** Calls `fn` until it succeeds, retrying errors `shouldRetry` accepts with jittered backoff. */
export const retry = async <T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> => {
  const attempts = options.attempts ?? 6;
  positiveNumber('attempts', attempts, true, null);
  const shouldRetry = options.shouldRetry ?? isThrottling;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (attempt + 1 >= attempts || !shouldRetry(error)) throw error;
      await sleep(
        backoffDelay(attempt, {
          ...(options.baseMs === undefined ? {} : { baseMs: options.baseMs }),
          ...(options.maxMs === undefined ? {} : { maxMs: options.maxMs }),
          ...(options.random === undefined ? {} : { random: options.random }),
        }),
        options.signal,
      );
    }
  }
};

export interface WaitForOptions {
  /** How long to keep trying, in ms. Required. */
  readonly timeout: number;
  /** First delay between checks, in ms. Default 100. */
  readonly interval?: number;
  /** Longest delay between checks, in ms. Default 2 000. */
  readonly maxInterval?: number;
  /** Factor the delay grows by after each check. Default 2. */
  readonly factor?: number;
  readonly signal?: AbortSignal;
  /** Says what was waited for, for the timeout message. Default "condition". */
  readonly description?: string;
}

/**
 * Calls `check` until it returns something other than `undefined`, with growing pauses in between;
 * a throw from `check` counts as "not yet" and is kept as the timeout error's cause. The signal passed
 * to `check` fires at the deadline, so in-flight work is cancelled.
 */
export const waitFor = async <T>(
  check: (signal: AbortSignal) => Promise<T | undefined> | T | undefined,
  options: WaitForOptions,
): Promise<T> => {
  const interval = options.interval ?? 100;
  const maxInterval = options.maxInterval ?? 2_000;
  const factor = options.factor ?? 2;
  positiveNumber('interval', interval);
  positiveNumber('maxInterval', maxInterval);
  positiveNumber('factor', factor);
  const deadline = createDeadline(options.timeout, options.signal);
  let lastError: unknown;
  let pause = interval;
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      try {
        const value = await raceAbort(Promise.resolve(check(deadline.signal)), deadline.signal);
        if (value !== undefined) return value;
      } catch (error) {
        if (deadline.signal.aborted) throw error;
        lastError = error;
      }
      await sleep(Math.min(pause, deadline.remaining()), deadline.signal);
      pause = Math.min(maxInterval, pause * factor);
    }
  } catch (error) {
    if (deadline.timedOut) {
      const why = lastError instanceof Error ? ` Last error: ${lastError.message}` : '';
      throw new TimeoutError(
        `${options.description ?? 'condition'} not met within ${options.timeout} ms (${attempts} checks).${why}`,
        options.timeout,
        lastError === undefined ? {} : { cause: lastError },
      );
    }
    throw error;
  } finally {
    deadline.dispose();
  }
};
