import { setTimeout as delay } from 'node:timers/promises';

/** Throws the signal's reason when it is aborted. */
export const throwIfAborted = (signal: AbortSignal | undefined): void => {
  if (signal?.aborted) throw signal.reason;
};

/**
 * The options of an SDK v3 `client.send` that cancel the request when `signal` aborts: `{ abortSignal }`,
 * or none without a signal (exactOptionalPropertyTypes refuses `abortSignal: undefined`).
 */
export const sendOptions = (signal: AbortSignal | undefined): { abortSignal?: AbortSignal } =>
  signal ? { abortSignal: signal } : {};

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
