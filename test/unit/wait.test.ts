import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { InvalidInputError, TimeoutError } from '../../src/errors.js';
import {
  backoffDelay,
  createDeadline,
  isThrottling,
  raceAbort,
  retry,
  sleep,
  throwIfAborted,
  waitFor,
} from '../../src/wait/index.js';

const listenerCount = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('sleep', () => {
  it('waits', async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
  it('rejects with the signal’s reason, before and during', async () => {
    const reason = new Error('why');
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
  it('leaves no abort listener behind', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 5; i++) await sleep(1, controller.signal);
    expect(listenerCount(controller.signal)).toBe(0);
  });
});

describe('throwIfAborted / raceAbort', () => {
  it('throws the reason', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    const reason = new Error('r');
    expect(() => throwIfAborted(AbortSignal.abort(reason))).toThrow(reason);
  });
  it('races a promise with a signal', async () => {
    await expect(raceAbort(Promise.resolve(1), undefined)).resolves.toBe(1);
    const reason = new Error('r');
    await expect(raceAbort(Promise.resolve(1), AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    await expect(raceAbort(Promise.resolve(2), controller.signal)).resolves.toBe(2);
    await expect(raceAbort(Promise.reject(new Error('x')), controller.signal)).rejects.toThrow('x');
    const pending = raceAbort(new Promise(() => {}), controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('createDeadline', () => {
  it('fires with a TimeoutError after the time', async () => {
    const deadline = createDeadline(20);
    expect(deadline.timeoutMs).toBe(20);
    expect(deadline.remaining()).toBeGreaterThan(0);
    expect(deadline.timedOut).toBe(false);
    await new Promise((r) => deadline.signal.addEventListener('abort', r));
    expect(deadline.timedOut).toBe(true);
    expect(deadline.signal.reason).toBeInstanceOf(TimeoutError);
    expect(deadline.remaining()).toBe(0);
    deadline.dispose();
  });
  it('follows the caller’s signal (already aborted or later) and unhooks on dispose', () => {
    const reason = new Error('caller');
    const early = createDeadline(1000, AbortSignal.abort(reason));
    expect(early.signal.reason).toBe(reason);
    expect(early.timedOut).toBe(false);
    early.dispose();
    const controller = new AbortController();
    const later = createDeadline(1000, controller.signal);
    controller.abort(reason);
    expect(later.signal.reason).toBe(reason);
    later.dispose();
    const unhooked = new AbortController();
    const hooked = createDeadline(1000, unhooked.signal);
    expect(listenerCount(unhooked.signal)).toBe(1);
    hooked.dispose();
    expect(listenerCount(unhooked.signal)).toBe(0);
  });
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', undefined])('rejects %s', (value) => {
    expect(() => createDeadline(value as number, undefined, 'within')).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', option: 'within' }),
    );
  });
});

describe('backoffDelay / isThrottling', () => {
  it('grows exponentially up to the cap, with jitter', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 5_000 };
    expect(backoffDelay({ ...policy, random: () => 0.999 }, 1)).toBe(99);
    expect(backoffDelay({ ...policy, random: () => 1, baseDelayMs: 10 }, 4)).toBe(80);
    expect(backoffDelay({ ...policy, random: () => 1, maxDelayMs: 1000 }, 21)).toBe(1000);
    expect(backoffDelay(policy, 2)).toBeLessThanOrEqual(200);
  });
  it.each([
    [{ name: 'ThrottlingException' }, true],
    [{ Code: 'SlowDown' }, true],
    [{ $retryable: { throttling: true } }, true],
    [{ $metadata: { httpStatusCode: 429 } }, true],
    [{ $metadata: { httpStatusCode: 503 } }, false],
    [{ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, false],
    [{ name: 'X' }, false],
    [null, false],
    ['Throttling', false],
  ])('%j → %s', (error, expected) => {
    expect(isThrottling(error)).toBe(expected);
  });
});

describe('retry', () => {
  const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
  it('retries throttling until success', async () => {
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 2) throw throttled;
      return 'ok';
    });
    await expect(retry(fn, { baseDelayMs: 1, random: () => 1, maxDelayMs: 5 })).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
  });
  it('uses the default backoff when not told otherwise', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          if (calls++ === 0) throw throttled;
          return 'ok';
        },
        { random: () => 0 },
      ),
    ).resolves.toBe('ok');
  });
  it('gives up after the attempts, and at once for other errors', async () => {
    const fn = vi.fn(async () => {
      throw throttled;
    });
    await expect(retry(fn, { attempts: 2, baseDelayMs: 1 })).rejects.toBe(throttled);
    expect(fn).toHaveBeenCalledTimes(2);
    const other = vi.fn(async () => {
      throw new Error('denied');
    });
    await expect(retry(other)).rejects.toThrow('denied');
    expect(other).toHaveBeenCalledTimes(1);
    await expect(retry(other, { shouldRetry: () => true, attempts: 2, baseDelayMs: 1 })).rejects.toThrow(
      'denied',
    );
    await expect(retry(other, { attempts: 0 })).rejects.toBeInstanceOf(InvalidInputError);
  });
  it('stops on abort with the reason', async () => {
    const reason = new Error('abort');
    await expect(retry(async () => 1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const pending = retry(
      async () => {
        controller.abort(reason);
        throw throttled;
      },
      { signal: controller.signal },
    );
    await expect(pending).rejects.toBe(reason);
    const sleeping = new AbortController();
    const during = retry(
      async () => {
        setTimeout(() => sleeping.abort(reason), 5);
        throw throttled;
      },
      { signal: sleeping.signal, baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 1 },
    );
    await expect(during).rejects.toBe(reason);
  });
});

describe('waitFor', () => {
  it('returns the first defined value, treating throws as not yet', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls++;
        if (calls === 1) throw new Error('not yet');
        return calls === 3 ? 'done' : undefined;
      },
      { timeout: 2000, interval: 1 },
    );
    expect(value).toBe('done');
    expect(calls).toBe(3);
  });
  it('times out naming what it waited for and the last error', async () => {
    const error = await waitFor(
      async () => {
        throw new Error('still missing');
      },
      { timeout: 50, interval: 5, maxInterval: 10, factor: 1.5, description: 'trace' },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/^trace not met within 50 ms \(\d+ checks\)\. Last error: still missing$/);
    expect(error.cause).toBeInstanceOf(Error);
    const plain = await waitFor(() => undefined, { timeout: 20 }).catch((e) => e);
    expect(plain.message).toMatch(/^condition not met within 20 ms/);
    expect(plain.cause).toBeUndefined();
    const odd = await waitFor(
      () => {
        throw 'text';
      },
      { timeout: 20 },
    ).catch((e) => e);
    expect(odd.message).not.toContain('Last error');
  });
  it('cancels a slow check at the deadline, and rethrows the caller’s abort', async () => {
    let seen: AbortSignal | undefined;
    const error = await waitFor(
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      { timeout: 30 },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(seen?.aborted).toBe(true);
    const reason = new Error('caller');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 10);
    await expect(waitFor(() => undefined, { timeout: 5000, signal: controller.signal })).rejects.toBe(reason);
  });
  it.each(['interval', 'maxInterval', 'factor'])('validates %s', async (option) => {
    await expect(waitFor(() => 1, { timeout: 10, [option]: 0 })).rejects.toMatchObject({ option });
  });
});
