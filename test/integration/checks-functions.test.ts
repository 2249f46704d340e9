import { fileURLToPath } from 'node:url';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbe,
  FunctionError,
  FunctionLogErrorsError,
  InvalidInputError,
  type Probe,
  TimeoutError,
} from '../../src/index.js';
import { LOCAL_CODE_BUCKET } from '../../src/local/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const CODE = fileURLToPath(new URL('../fixtures/lambda/checks', import.meta.url));
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
let aws: TestAws;
let probe: Probe;
let lambda: LambdaClient;
let n = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${n++}`;
/** The error a promise rejects with (typed as the caller expects; a resolution fails the test). */
const rejection = async <E>(promise: Promise<unknown>): Promise<E> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as E,
  );

const createFunction = async (handler: string, timeout = 10): Promise<string> => {
  const name = unique('checks-fn');
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: handler,
      Timeout: timeout,
      Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: CODE },
    }),
  );
  return name;
};

beforeAll(async () => {
  aws = await startTestAws();
  probe = createProbe({ ...aws.clientConfig });
  lambda = new LambdaClient(aws.clientConfig);
});

afterAll(async () => {
  await probe[Symbol.asyncDispose]();
  lambda.destroy();
  await aws.close();
});

describe.skipIf(emulatorOnly)('invoke', () => {
  it('returns the decoded result, a string for non-JSON, and honours the qualifier', async () => {
    const echo = await createFunction('handler.echo');
    await expect(probe.invoke({ functionName: echo, payload: { id: 'a1' } })).resolves.toEqual({
      got: { id: 'a1' },
    });
    await expect(probe.invoke({ functionName: echo, qualifier: '$LATEST' })).resolves.toEqual({ got: {} });
    const text = await createFunction('handler.text');
    await expect(probe.invoke({ functionName: text })).resolves.toBe('not json');
  });

  it("throws FunctionError with the function's own type, message, stack and log tail", async () => {
    const fail = await createFunction('handler.fail');
    const error = await rejection<FunctionError>(
      probe.invoke({ functionName: fail, payload: { id: 'o-7' } }),
    );
    expect(error).toBeInstanceOf(FunctionError);
    expect(error).toMatchObject({
      functionName: fail,
      errorType: 'OrderError',
      errorMessage: 'order o-7 rejected',
    });
    expect(error.stackTrace[0]).toContain('OrderError: order o-7 rejected');
    expect(error.logTail).toContain('about to fail o-7');
    expect(error.logTail).toContain('Invoke Error');
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain('OrderError: order o-7 rejected');
  });

  it('reports a timeout as a FunctionError', async () => {
    const sleepy = await createFunction('handler.sleep', 1);
    const error = await rejection<FunctionError>(
      probe.invoke({ functionName: sleepy, payload: { ms: 3_000 } }),
    );
    expect(error).toBeInstanceOf(FunctionError);
    expect(error.errorMessage).toContain('Task timed out');
  });

  it('refuses bad input before calling Lambda', async () => {
    await expect(probe.invoke({ functionName: '' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.invoke({ functionName: 'f', qualifier: ' ' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(probe.invoke({ functionName: 'f', payload: () => 1 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(probe.invoke(null as never)).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe.skipIf(emulatorOnly)('waitForLogs', () => {
  it('returns the matching events with request ids and JSON parsed, across invocations', async () => {
    const echo = await createFunction('handler.echo');
    await probe.invoke({ functionName: echo, payload: { id: 'x1' } });
    await probe.invoke({ functionName: echo, payload: { id: 'x2' } });
    const events = await probe.waitForLogs({
      functionName: echo,
      filterPattern: '"echo"',
      count: 2,
      timeout: 10_000,
    });
    expect(events.map((e) => (e.json as { id: string }).id)).toEqual(['x1', 'x2']);
    expect(events[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[0]?.level).toBe('INFO');
    const byMatch = await probe.waitForLogs({
      logGroupName: `/aws/lambda/${echo}`,
      match: (e) => e.message.includes('plain line x2'),
      timeout: 10_000,
    });
    expect(byMatch).toHaveLength(1);
  });

  it('times out saying how many matched, and reads nothing before `since`', async () => {
    const echo = await createFunction('handler.echo');
    await probe.invoke({ functionName: echo, payload: { id: 'old' } });
    const error = await rejection<TimeoutError>(
      probe.waitForLogs({
        functionName: echo,
        filterPattern: '"echo"',
        since: Date.now() + 60_000,
        timeout: 300,
        interval: 50,
      }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain('0 of 1 log events matched');
    const missing = await rejection<TimeoutError>(
      probe.waitForLogs({
        functionName: unique('never-invoked'),
        timeout: 200,
        interval: 50,
        match: () => {
          throw new Error('no');
        },
      }),
    );
    expect(missing).toBeInstanceOf(TimeoutError);
  });

  it('refuses bad input', async () => {
    await expect(probe.waitForLogs({ timeout: 1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      probe.waitForLogs({ functionName: 'f', logGroupName: 'g', timeout: 1 }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.waitForLogs({ functionName: 'f', since: -1, timeout: 1 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(probe.waitForLogs({ functionName: 'f', count: 0, timeout: 1 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      probe.waitForLogs({ functionName: 'f', filterPattern: 3 as never, timeout: 1 }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe.skipIf(emulatorOnly)('expectNoFunctionErrors', () => {
  it('passes for a function that succeeded, over the whole window', async () => {
    const echo = await createFunction('handler.echo');
    await probe.invoke({ functionName: echo, payload: { id: 'ok' } });
    await expect(
      probe.expectNoFunctionErrors({ functionName: echo, within: 300, interval: 100 }),
    ).resolves.toBeUndefined();
    await expect(
      probe.expectNoFunctionErrors({ functionName: unique('never-invoked') }),
    ).resolves.toBeUndefined();
  });

  it('fails with each error and timeout and its request id', async () => {
    const fail = await createFunction('handler.fail');
    const ids: string[] = [];
    for (const id of ['e1', 'e2']) {
      const error = await rejection<FunctionError>(probe.invoke({ functionName: fail, payload: { id } }));
      ids.push(error.requestId as string);
    }
    const error = await rejection<FunctionLogErrorsError>(
      probe.expectNoFunctionErrors({ functionName: fail, within: 200, interval: 50 }),
    );
    expect(error).toBeInstanceOf(FunctionLogErrorsError);
    expect(error.errors.map((e) => e.requestId)).toEqual(ids);
    expect(error.errors[0]).toMatchObject({
      kind: 'error',
      errorType: 'OrderError',
      errorMessage: 'order e1 rejected',
    });
    expect(error.message).toContain(ids[0]);

    const sleepy = await createFunction('handler.sleep', 1);
    const timeout = await rejection<FunctionError>(
      probe.invoke({ functionName: sleepy, payload: { ms: 3_000 } }),
    );
    const timedOut = await rejection<FunctionLogErrorsError>(
      probe.expectNoFunctionErrors({ functionName: sleepy, since: new Date(0) }),
    );
    expect(timedOut.errors).toHaveLength(1);
    expect(timedOut.errors[0]).toMatchObject({ kind: 'timeout', errorType: 'Sandbox.Timedout' });
    expect(timedOut.errors[0]?.requestId).toBe(timeout.requestId);
  });

  it('refuses bad input', async () => {
    await expect(probe.expectNoFunctionErrors({ functionName: '' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(probe.expectNoFunctionErrors({ functionName: 'f', within: -1 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      probe.expectNoFunctionErrors({ functionName: 'f', logGroupName: 'g' } as never),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});
