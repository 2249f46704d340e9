/**
 * Waiting, deadlines, retries and the classification of AWS errors, for the whole library. No AWS
 * client imports (a test checks it); AbortSignal all the way down; a caller's abort rethrows the
 * caller's own reason.
 *
 * - `sleep`, `raceAbort`, `throwIfAborted`, `sendOptions` (an SDK call's abortSignal) (sleep.ts)
 * - `retry` with one `RetryPolicy` shape and full-jitter `backoffDelay` (retry.ts)
 * - `isThrottling`, `isRetryable`, `isNotFound`, `isAccessDenied`, ... (classify.ts)
 * - `createDeadline(timeoutMs, signal?)` — a signal that fires on timeout or on the caller's abort.
 * - `waitFor(check, options)` — polls `check` with backoff until it returns a value other than undefined.
 */
import { TimeoutError } from '../errors.js';
import { positiveNumber } from '../validate.js';
import { raceAbort, sleep } from './sleep.js';

export {
  describeError,
  errorName,
  isAccessDenied,
  isNotFound,
  isQueueGone,
  isRetryable,
  isStackNotFound,
  isThrottling,
  isTransient,
} from './classify.js';
export { backoffDelay, DEFAULT_RETRY_POLICY, type RetryOptions, type RetryPolicy, retry } from './retry.js';
export { raceAbort, sendOptions, sleep, throwIfAborted } from './sleep.js';

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
