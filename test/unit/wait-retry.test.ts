import * as smithyRetry from '@smithy/core/retry';
import { describe, expect, it, vi } from 'vitest';
import { THROTTLING_CODES } from '../../src/wait/classify.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  describeError,
  errorName,
  isAccessDenied,
  isNotFound,
  isQueueGone,
  isRetryable,
  isThrottling,
  isTransient,
  retry,
} from '../../src/wait/index.js';

const sdkError = (name: string, status?: number): Error =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });

describe('error classification (one for the whole library)', () => {
  it('knows not-found codes of SQS (JSON and query), EventBridge and SNS', () => {
    for (const code of [
      'QueueDoesNotExist',
      'AWS.SimpleQueueService.NonExistentQueue',
      'ResourceNotFoundException',
      'NotFound',
    ]) {
      expect(isNotFound(sdkError(code))).toBe(true);
    }
    expect(isNotFound({ Code: 'NotFoundException' })).toBe(true);
    expect(isNotFound(sdkError('AccessDeniedException'))).toBe(false);
    expect(isNotFound('QueueDoesNotExist')).toBe(false);
    expect(isNotFound(null)).toBe(false);
  });

  it('tells a gone queue apart from other not-found errors', () => {
    expect(isQueueGone(sdkError('QueueDoesNotExist'))).toBe(true);
    expect(isQueueGone({ Code: 'AWS.SimpleQueueService.NonExistentQueue' })).toBe(true);
    expect(isQueueGone(sdkError('ResourceNotFoundException'))).toBe(false);
  });

  it('retries throttling, 429 and 5xx, nothing else', () => {
    expect(isRetryable(sdkError('ThrottlingException', 400))).toBe(true);
    expect(isRetryable(sdkError('RequestThrottled'))).toBe(true);
    expect(isRetryable(sdkError('Whatever', 429))).toBe(true);
    expect(isRetryable(sdkError('InternalError', 500))).toBe(true);
    expect(isRetryable(sdkError('ServiceUnavailable', 503))).toBe(true);
    expect(isRetryable(sdkError('InternalFailure'))).toBe(true);
    expect(isRetryable(sdkError('AccessDenied', 403))).toBe(false);
    expect(isRetryable(sdkError('ValidationException'))).toBe(false);
    expect(isRetryable(null)).toBe(false);
    expect(isRetryable(42)).toBe(false);
  });

  it('separates throttling from transient server errors', () => {
    expect(isThrottling(sdkError('SlowDown'))).toBe(true);
    expect(isThrottling({ $retryable: { throttling: true } })).toBe(true);
    expect(isThrottling(sdkError('InternalError', 500))).toBe(false);
    expect(isTransient(sdkError('InternalError', 500))).toBe(true);
    expect(isTransient(sdkError('RequestTimeout'))).toBe(true);
    expect(isTransient(sdkError('ThrottlingException', 400))).toBe(false);
  });

  it('agrees with the SDK’s own throttling classification', () => {
    for (const code of THROTTLING_CODES) {
      expect(smithyRetry.isThrottlingError(sdkError(code) as never)).toBe(true);
    }
    for (const error of [
      sdkError('Whatever', 429),
      Object.assign(sdkError('X', 400), { $retryable: { throttling: true } }),
      sdkError('AccessDenied', 403),
      sdkError('InternalError', 500),
      sdkError('ValidationException', 400),
    ]) {
      expect(isThrottling(error)).toBe(smithyRetry.isThrottlingError(error as never));
    }
  });

  it('knows access denied, by code or status', () => {
    expect(isAccessDenied(sdkError('AccessDeniedException', 400))).toBe(true);
    expect(isAccessDenied({ Code: 'AuthorizationError' })).toBe(true);
    expect(isAccessDenied(sdkError('Whatever', 403))).toBe(true);
    expect(isAccessDenied(sdkError('ThrottlingException', 400))).toBe(false);
  });

  it('names and describes errors briefly', () => {
    expect(errorName(sdkError('ThrottlingException'))).toBe('ThrottlingException');
    expect(errorName(null)).toBeUndefined();
    expect(describeError(sdkError('ThrottlingException'))).toBe(
      'ThrottlingException: ThrottlingException happened',
    );
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('text')).toBe('text');
  });
});

describe('retry policy (fake sleep: no timers)', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 300, random: () => 0.999 };
  const fakeSleep = () => {
    const pauses: number[] = [];
    return { pauses, sleep: async (ms: number) => void pauses.push(ms) };
  };

  it('grows exponentially with full jitter up to the cap (retries are 1-based)', () => {
    const half = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 };
    expect(backoffDelay(half, 1)).toBe(50);
    expect(backoffDelay(half, 3)).toBe(200);
    expect(backoffDelay(half, 10)).toBe(500);
    const d = backoffDelay({ baseDelayMs: 100, maxDelayMs: 1000 }, 1);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThanOrEqual(100);
    expect(DEFAULT_RETRY_POLICY).toEqual({ attempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 });
  });

  it('retries throttling until it passes, pausing in order, within the attempts', async () => {
    const { pauses, sleep } = fakeSleep();
    const retried: [string, number][] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        expect(attempt).toBe(calls);
        calls++;
        if (calls < 4) throw sdkError('ThrottlingException', 400);
        return 'ok';
      },
      { ...policy, sleep, onRetry: (error, n) => retried.push([(error as Error).name, n]) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(pauses).toEqual([99, 199, 299]);
    expect(retried).toEqual([
      ['ThrottlingException', 1],
      ['ThrottlingException', 2],
      ['ThrottlingException', 3],
    ]);
  });

  it('gives up after the last attempt, and at once on other errors', async () => {
    const { pauses, sleep } = fakeSleep();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw sdkError('ThrottlingException', 400);
        },
        { ...policy, sleep },
      ),
    ).rejects.toThrow(/Throttling/);
    expect(calls).toBe(4);
    expect(pauses).toHaveLength(3);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw sdkError('AccessDenied', 403);
        },
        { ...policy, sleep },
      ),
    ).rejects.toThrow(/AccessDenied/);
    expect(calls).toBe(1);
  });

  it('an abort during the pause or before the first call throws the caller’s reason', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const reason = new Error('stop');
      let calls = 0;
      const pending = retry(
        async () => {
          calls++;
          throw sdkError('ThrottlingException', 400);
        },
        { attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 1, signal: controller.signal },
      );
      const settled = pending.catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(5);
      controller.abort(reason);
      expect(await settled).toBe(reason);
      expect(calls).toBe(1);
      const already = new Error('already');
      let never = 0;
      await expect(
        retry(
          async () => {
            never++;
          },
          { ...policy, signal: AbortSignal.abort(already) },
        ),
      ).rejects.toBe(already);
      expect(never).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('CloudFormation not-found', () => {
  it('is a ValidationError that says "does not exist"', async () => {
    const { isStackNotFound } = await import('../../src/wait/index.js');
    const validation = (message: string) => Object.assign(new Error(message), { name: 'ValidationError' });
    expect(isStackNotFound(validation('Stack with id x does not exist'))).toBe(true);
    expect(isStackNotFound(validation('Template format error'))).toBe(false);
    expect(isStackNotFound({ name: 'ValidationError', message: 'does not exist' })).toBe(false);
  });
});
