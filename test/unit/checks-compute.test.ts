import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failureOf, failuresIn, type LogEvent, parseLogEvent } from '../../src/checks/function-logs.js';
import { expectNoFunctionErrors, invoke, waitForLogs } from '../../src/checks/functions.js';
import { DrainWindow, expectQueueDrained, peekMessages } from '../../src/checks/queues.js';
import { FunctionError, QueueNotDrainedError } from '../../src/errors.js';

const ID = '6bc28136-53f6-4a0f-a0e3-6e4a6e2b1a11';
const ID2 = '0b6c8f1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
/** The error a promise rejects with (a resolution fails the test). */
const rejection = async <E>(promise: Promise<unknown>): Promise<E> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as E,
  );
let eventId = 0;
const event = (message: string, timestamp = ++eventId): LogEvent =>
  parseLogEvent({ message, timestamp, logStreamName: 's', eventId: String(eventId) });

describe('parseLogEvent', () => {
  it('reads request id, level and JSON of runtime lines, JSON lines and plain lines', () => {
    const runtime = event(`2024-05-01T10:00:00.000Z\t${ID}\tINFO\t{"orderId":"o-1"}\n`);
    expect(runtime).toMatchObject({ requestId: ID, level: 'INFO', json: { orderId: 'o-1' } });
    expect(runtime.message.endsWith('\n')).toBe(false);
    expect(event(`2024-05-01T10:00:00.000Z\t${ID}\tWARN\tplain`)).toMatchObject({
      level: 'WARN',
      json: undefined,
    });
    expect(event(`2024-05-01T10:00:00.000Z\tundefined\tERROR\tx`).requestId).toBeUndefined();
    const structured = event(JSON.stringify({ level: 'INFO', requestId: ID, message: 'hi' }));
    expect(structured).toMatchObject({ requestId: ID, level: 'INFO', json: { message: 'hi' } });
    expect(event('[1,2]').json).toEqual([1, 2]);
    expect(event('{not json').json).toBeUndefined();
    expect(event('START RequestId: x Version: $LATEST')).toMatchObject({
      requestId: undefined,
      level: undefined,
    });
    expect(parseLogEvent({})).toMatchObject({ timestamp: 0, message: '', logStreamName: '', eventId: '' });
  });
});

describe('failureOf / failuresIn', () => {
  it('reads uncaught errors (Invoke Error, Uncaught Exception) with their stack', () => {
    const body = { errorType: 'OrderError', errorMessage: 'no', stack: ['OrderError: no', '    at x'] };
    expect(
      failureOf(event(`2024-05-01T10:00:00.000Z\t${ID}\tERROR\tInvoke Error \t${JSON.stringify(body)}`)),
    ).toMatchObject({
      kind: 'error',
      requestId: ID,
      errorType: 'OrderError',
      errorMessage: 'no',
      stackTrace: ['OrderError: no', '    at x'],
    });
    const init = {
      errorType: 'Runtime.ImportModuleError',
      errorMessage: 'Cannot find module',
      stack: 'a\nb',
    };
    expect(
      failureOf(
        event(`2024-05-01T10:00:00.000Z\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(init)}`),
      ),
    ).toMatchObject({
      kind: 'runtime',
      requestId: undefined,
      errorType: 'Runtime.ImportModuleError',
      stackTrace: ['a', 'b'],
    });
    expect(failureOf(event(`2024-05-01T10:00:00.000Z\t${ID}\tERROR\tInvoke Error \tnot json`))).toMatchObject(
      {
        errorType: 'Error',
        errorMessage: '',
        stackTrace: [],
      },
    );
    // A console.error line is not a failure.
    expect(failureOf(event(`2024-05-01T10:00:00.000Z\t${ID}\tERROR\tsomething odd`))).toBeUndefined();
  });

  it('reads timeouts, runtime exits and REPORT statuses (AWS and emulator forms)', () => {
    expect(
      failureOf(event(`2024-05-01T10:00:03.000Z ${ID} Task timed out after 3.00 seconds`)),
    ).toMatchObject({
      kind: 'timeout',
      requestId: ID,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 3.00 seconds',
    });
    expect(
      failureOf(event(`RequestId: ${ID} Error: Runtime exited with error: exit status 3`)),
    ).toMatchObject({
      kind: 'runtime',
      requestId: ID,
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with error: exit status 3',
    });
    expect(
      failureOf(
        event(`REPORT RequestId: ${ID}\tDuration: 3.00 ms\tStatus: error\tError Type: Runtime.ExitError`),
      ),
    ).toMatchObject({ kind: 'runtime', errorType: 'Runtime.ExitError' });
    expect(failureOf(event(`REPORT RequestId: ${ID}\tDuration: 1000.00 ms\tStatus: timeout`))).toMatchObject({
      kind: 'timeout',
      errorType: 'Sandbox.Timedout',
    });
    expect(failureOf(event(`REPORT RequestId: ${ID}\tDuration: 1.00 ms\tStatus: error`))).toMatchObject({
      errorType: 'Runtime.Unknown',
    });
    expect(failureOf(event(`REPORT RequestId: ${ID}\tDuration: 1.00 ms\t`))).toBeUndefined();
    expect(failureOf(event(`END RequestId: ${ID}`))).toBeUndefined();
    expect(
      failureOf(event(`2024-05-01T10:00:03.000Z\t${ID}\tERROR\tTask timed out after 3.00 seconds`))
        ?.requestId,
    ).toBe(ID);
  });

  it('reads the JSON log format (ERROR records and platform.report)', () => {
    const error = {
      level: 'ERROR',
      requestId: ID,
      errorType: 'TypeError',
      errorMessage: 'x is undefined',
      stackTrace: ['TypeError'],
    };
    expect(failureOf(event(JSON.stringify(error)))).toMatchObject({
      kind: 'error',
      requestId: ID,
      errorType: 'TypeError',
    });
    expect(failureOf(event(JSON.stringify({ level: 'ERROR', message: 'logged' })))).toBeUndefined();
    const report = (record: object) => event(JSON.stringify({ type: 'platform.report', record }));
    expect(failureOf(report({ requestId: ID, status: 'timeout' }))).toMatchObject({
      kind: 'timeout',
      errorType: 'Sandbox.Timedout',
    });
    expect(
      failureOf(report({ requestId: ID, status: 'error', errorType: 'Runtime.OutOfMemory' })),
    ).toMatchObject({
      kind: 'runtime',
      errorType: 'Runtime.OutOfMemory',
    });
    expect(failureOf(report({ requestId: ID, status: 'error' }))?.errorType).toBe('Runtime.Unknown');
    expect(failureOf(report({ requestId: ID, status: 'success' }))).toBeUndefined();
    expect(failureOf(event(JSON.stringify({ type: 'platform.report' })))).toBeUndefined();
    expect(failureOf(event('[1]'))).toBeUndefined();
  });

  it('gives one failure per request: REPORT lines only for requests nothing else explains, in time order', () => {
    const failures = failuresIn([
      event(`2024-05-01T10:00:03.000Z ${ID} Task timed out after 3.00 seconds`, 10),
      event(`REPORT RequestId: ${ID}\tDuration: 3000.00 ms\tStatus: timeout`, 11),
      event(`REPORT RequestId: ${ID2}\tDuration: 3.00 ms\tStatus: error\tError Type: Runtime.ExitError`, 5),
      event(JSON.stringify({ type: 'platform.report', record: { status: 'error' } }), 12),
      event('plain', 13),
    ]);
    expect(failures.map((f) => [f.requestId, f.kind])).toEqual([
      [ID2, 'runtime'],
      [ID, 'timeout'],
      [undefined, 'runtime'],
    ]);
  });
});

describe('DrainWindow', () => {
  it('is drained only after zero reads spanning the whole window; a non-zero read restarts it', () => {
    const w = new DrainWindow(1_000);
    const zero = { visible: 0, inFlight: 0, delayed: 0 };
    expect(w.observe(zero, 0)).toBe(false);
    expect(w.observe(zero, 999)).toBe(false);
    expect(w.observe({ ...zero, inFlight: 1 }, 1_000)).toBe(false);
    expect(w.observe(zero, 1_500)).toBe(false);
    expect(w.observe({ ...zero, delayed: 2 }, 2_000)).toBe(false);
    expect(w.observe(zero, 2_100)).toBe(false);
    expect(w.observe(zero, 3_100)).toBe(true);
  });
});

/** A fake SQS client answering GetQueueAttributes from a script of counts (the last repeats). */
const fakeSqs = (script: [number, number, number][]) => {
  const calls: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      calls.push(command.constructor.name);
      const [v, f, d] =
        script.length > 1
          ? (script.shift() as [number, number, number])
          : (script[0] as [number, number, number]);
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(v),
          ApproximateNumberOfMessagesNotVisible: String(f),
          ...(d ? { ApproximateNumberOfMessagesDelayed: String(d) } : {}),
        },
      };
    },
  };
  return { client: client as unknown as SQSClient, calls };
};

/** A pause on the (faked) global timers that the signal cancels. */
const fakePause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

describe('expectQueueDrained (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds the answer over the window: a lagging count that flips back restarts it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    // zero, then a lagging in-flight count, then zero for good.
    const { client, calls } = fakeSqs([
      [0, 0, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    const done = expectQueueDrained(
      client,
      {
        queueUrl: 'https://q',
        within: 10_000,
        stableFor: 1_000,
        interval: 250,
      },
      fakePause,
    );
    await vi.advanceTimersByTimeAsync(5_000);
    const result = await done;
    // read at 0 (zero), 250 (in flight), then zero from 500 to 1 500: 2 + 5 reads.
    expect(result).toEqual({ queueUrl: 'https://q', reads: 7 });
    expect(calls.every((c) => c === 'GetQueueAttributesCommand')).toBe(true);
  });

  it('times out with the last counts when the queue never stays empty', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { client } = fakeSqs([
      [0, 0, 0],
      [3, 0, 0],
      [0, 0, 0],
      [0, 0, 4],
    ]);
    const done = expectQueueDrained(
      client,
      { queueUrl: 'https://q', within: 2_000, stableFor: 1_000 },
      fakePause,
    ).catch((e) => e);
    await vi.advanceTimersByTimeAsync(3_000);
    const error = (await done) as QueueNotDrainedError;
    expect(error).toBeInstanceOf(QueueNotDrainedError);
    expect(error.counts).toEqual({ visible: 0, inFlight: 0, delayed: 4 });
    expect(error.timeoutMs).toBe(2_000);
  });
});

describe('peekMessages', () => {
  it('makes every received message visible again, in batches of 10, even when a reset fails', async () => {
    const resets: number[] = [];
    let receives = 0;
    const client = {
      send: async (command: { constructor: { name: string }; input: { Entries?: unknown[] } }) => {
        if (command.constructor.name === 'ReceiveMessageCommand') {
          receives++;
          if (receives > 2) return {};
          return {
            Messages: Array.from({ length: receives === 1 ? 10 : 3 }, (_, i) => ({
              MessageId: `m${receives}-${i}`,
              ReceiptHandle: `h${receives}-${i}`,
              ...(i > 0 ? { Body: 'b' } : {}),
            })),
          };
        }
        resets.push(command.input.Entries?.length ?? 0);
        if (resets.length === 2) throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
        return {};
      },
    } as unknown as SQSClient;
    const messages = await peekMessages(client, 'https://q');
    expect(messages).toHaveLength(13);
    expect(messages[0]).toMatchObject({ body: '', json: undefined });
    expect(resets).toEqual([10, 3]);
  });
});

describe('invoke (fake Lambda)', () => {
  const lambda = (out: object) =>
    ({ send: async () => ({ $metadata: {}, ...out }) }) as unknown as LambdaClient;
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('decodes JSON, non-JSON and empty results', async () => {
    await expect(invoke(lambda({ Payload: bytes('{"a":1}') }), { functionName: 'f' })).resolves.toEqual({
      a: 1,
    });
    await expect(invoke(lambda({ Payload: bytes('plain') }), { functionName: 'f' })).resolves.toBe('plain');
    await expect(invoke(lambda({}), { functionName: 'f' })).resolves.toBeUndefined();
  });

  it('builds a FunctionError from whatever error body the runtime sent', async () => {
    const bare = await rejection<FunctionError>(
      invoke(lambda({ FunctionError: 'Unhandled', Payload: bytes('crashed') }), {
        functionName: 'f',
        qualifier: 'live',
      }),
    );
    expect(bare).toBeInstanceOf(FunctionError);
    expect(bare).toMatchObject({
      errorType: 'Unhandled',
      errorMessage: 'crashed',
      stackTrace: [],
      logTail: '',
      requestId: undefined,
    });
    expect(bare.message).toContain('Function f:live failed (Unhandled)');
    const timedOut = await rejection<FunctionError>(
      invoke(
        lambda({
          FunctionError: 'Unhandled',
          Payload: bytes('{"errorMessage":"Task timed out after 1.00 seconds","stackTrace":"x"}'),
        }),
        { functionName: 'f' },
      ),
    );
    expect(timedOut).toMatchObject({
      errorType: 'Unhandled',
      errorMessage: 'Task timed out after 1.00 seconds',
      stackTrace: [],
    });
    const empty = await rejection<FunctionError>(
      invoke(lambda({ FunctionError: 'Handled' }), { functionName: 'f' }),
    );
    expect(empty).toMatchObject({ errorType: 'Handled', errorMessage: '' });
  });
});

describe('waitForLogs / expectNoFunctionErrors (fake CloudWatch Logs)', () => {
  const pages = (script: (input: { nextToken?: string; logGroupName: string }) => object) => {
    const inputs: { nextToken?: string; logGroupName: string; startTime: number }[] = [];
    const client = {
      send: async (command: { input: { nextToken?: string; logGroupName: string; startTime: number } }) => {
        inputs.push(command.input);
        return script(command.input);
      },
    } as unknown as CloudWatchLogsClient;
    return { client, inputs };
  };

  it('follows pages, names the log group from an ARN, and keeps events a throwing matcher rejects out', async () => {
    const { client, inputs } = pages((input) =>
      input.nextToken
        ? { events: [{ eventId: '2', timestamp: 2, message: 'two', logStreamName: 's' }] }
        : { events: [{ eventId: '1', timestamp: 1, message: 'one', logStreamName: 's' }], nextToken: 't' },
    );
    const events = await waitForLogs(
      client,
      {
        functionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders:live',
        since: new Date(5),
        match: (e) => {
          if (e.message !== 'two') throw new Error('not this one');
        },
        timeout: 1_000,
      },
      0,
    );
    expect(events.map((e) => e.message)).toEqual(['two']);
    expect(inputs.map((i) => [i.logGroupName, i.startTime, i.nextToken])).toEqual([
      ['/aws/lambda/orders', 5, undefined],
      ['/aws/lambda/orders', 5, 't'],
    ]);
  });

  it('stops a runaway poll after 20 pages, and rethrows errors other than not-found', async () => {
    const { client, inputs } = pages(() => ({ events: [], nextToken: 'more' }));
    await expect(
      expectNoFunctionErrors(client, { logGroupName: '/custom/group' }, 0),
    ).resolves.toBeUndefined();
    expect(inputs).toHaveLength(20);
    const denied = pages(() => {
      throw Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    });
    await expect(waitForLogs(denied.client, { logGroupName: 'g', timeout: 1_000 }, 0)).rejects.toThrow(
      'not allowed',
    );
  });
});

describe('log checks: what their failures say (fake CloudWatch Logs)', () => {
  const always = (out: object) => ({ send: async () => out }) as unknown as CloudWatchLogsClient;

  it('times out showing the last events read (each counted once)', async () => {
    const client = always({
      events: [{ eventId: '1', timestamp: 1, message: 'only one', logStreamName: 's' }],
    });
    const error = await rejection<Error>(
      waitForLogs(client, { functionName: 'arn:short', count: 2, timeout: 150, interval: 20 }, 0),
    );
    expect(error.message).toContain('1 of 2 log events matched in /aws/lambda/arn:short');
    expect(error.message).toContain('Last events:\n  only one');
    const none = await rejection<Error>(
      waitForLogs(always({}), { logGroupName: 'g', filterPattern: '"x"', timeout: 60, interval: 20 }, 0),
    );
    expect(none.message).toContain('0 events read with filter "x"');
  });

  it('names the log group and an unknown request id', async () => {
    const client = always({
      events: [
        {
          eventId: '1',
          timestamp: 1,
          message: 'RequestId: x Error: Runtime exited with error: signal: killed',
          logStreamName: 's',
        },
      ],
    });
    const error = await rejection<Error>(expectNoFunctionErrors(client, { logGroupName: '/custom/g' }, 0));
    expect(error.message).toContain('/custom/g logged 1 failure(s)');
    expect(error.message).toContain('request unknown');
  });

  it('passes the caller signal to Invoke', async () => {
    const signals: unknown[] = [];
    const lambda = {
      send: async (_c: unknown, o: { abortSignal?: AbortSignal }) => {
        signals.push(o.abortSignal);
        return { $metadata: {} };
      },
    } as unknown as LambdaClient;
    const controller = new AbortController();
    await invoke(lambda, { functionName: 'f', signal: controller.signal });
    expect(signals).toEqual([controller.signal]);
  });
});
