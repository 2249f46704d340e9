import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import {
  assertExecutionPath,
  getExecutionHistory,
  startExecution,
  statesEntered,
  waitForExecution,
} from '../../src/checks/executions.js';
import {
  ExecutionFailedError,
  ExecutionPathError,
  InvalidInputError,
  TimeoutError,
} from '../../src/errors.js';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:orders:run-1';

type Handler = (command: unknown, options: unknown) => unknown;

/** A stand-in SFN client: answers each command with the next reply for its type (a function or value). */
const fakeClient = (replies: Record<string, unknown[]>) => {
  const calls: { name: string; input: Record<string, unknown>; options: unknown }[] = [];
  const client = {
    send: async (
      command: { constructor: { name: string }; input: Record<string, unknown> },
      options: unknown,
    ) => {
      const name = command.constructor.name;
      calls.push({ name, input: command.input, options });
      const queue = replies[name] ?? [];
      const next = queue.length > 1 ? queue.shift() : queue[0];
      const value = typeof next === 'function' ? (next as Handler)(command, options) : next;
      if (value instanceof Error) throw value;
      return value;
    },
  };
  return { client: client as unknown as SFNClient, calls };
};

const entered = (name: string, id: number): HistoryEvent => ({
  type: 'TaskStateEntered',
  id,
  previousEventId: id - 1,
  timestamp: new Date(0),
  stateEnteredEventDetails: { name },
});

const throttled = (): Error =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} });

describe('startExecution', () => {
  it('starts with a minted sampled trace header and JSON input', async () => {
    const { client, calls } = fakeClient({
      StartExecutionCommand: [{ executionArn: EXECUTION, startDate: new Date(5) }],
    });
    const out = await startExecution(client, { stateMachineArn: MACHINE, input: { a: 1 }, name: 'run-1' });
    expect(out.executionArn).toBe(EXECUTION);
    expect(out.startDate).toEqual(new Date(5));
    expect(out.traceHeader).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$/);
    expect(calls[0]?.input).toEqual({
      stateMachineArn: MACHINE,
      input: '{"a":1}',
      traceHeader: out.traceHeader,
      name: 'run-1',
    });
    expect(calls[0]?.options).toEqual({});
  });

  it('keeps a given header, defaults input to {}, passes the signal, and retries throttling', async () => {
    const { client, calls } = fakeClient({
      StartExecutionCommand: [throttled, { executionArn: EXECUTION }],
    });
    const signal = new AbortController().signal;
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
    const out = await startExecution(client, { stateMachineArn: MACHINE, traceHeader: header, signal });
    expect(out.traceHeader).toBe(header);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.input.input).toBe('{}');
    expect(calls[1]?.options).toEqual({ abortSignal: signal });
    expect(new StartExecutionCommand({ stateMachineArn: MACHINE })).toBeInstanceOf(StartExecutionCommand);
  });

  it.each([
    [null, 'options'],
    [{ stateMachineArn: 'orders' }, 'stateMachineArn'],
    [{ stateMachineArn: MACHINE, name: 'no spaces' }, 'name'],
    [{ stateMachineArn: MACHINE, input: () => 1 }, 'input'],
  ])('refuses bad options (%#) naming the option', async (options, option) => {
    const { client, calls } = fakeClient({});
    const err = await startExecution(client, options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).option).toBe(option);
    expect(calls).toHaveLength(0);
  });
});

describe('getExecutionHistory and statesEntered', () => {
  it('reads every page and lists the states entered', async () => {
    const { client, calls } = fakeClient({
      GetExecutionHistoryCommand: [
        { events: [{ type: 'ExecutionStarted', id: 1 }, entered('A', 2)], nextToken: 't1' },
        { events: undefined, nextToken: 't2' },
        { events: [{ id: 3 }, { type: 'PassStateEntered', id: 4 }, entered('B', 5)] },
      ],
    });
    const events = await getExecutionHistory(client, EXECUTION);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.map((c) => c.input.nextToken)).toEqual([undefined, 't1', 't2']);
    expect(statesEntered(events)).toEqual(['A', 'B']);
  });
});

describe('waitForExecution', () => {
  it('polls until the execution ends and returns its parsed output and history', async () => {
    const { client, calls } = fakeClient({
      DescribeExecutionCommand: [
        { status: 'RUNNING' },
        throttled,
        { status: 'SUCCEEDED', output: '{"ok":true}', traceHeader: 'Root=x' },
      ],
      GetExecutionHistoryCommand: [{ events: [entered('A', 2)] }],
    });
    const out = await waitForExecution(client, { executionArn: EXECUTION, timeout: 10_000, interval: 1 });
    expect(out).toMatchObject({
      status: 'SUCCEEDED',
      output: { ok: true },
      traceHeader: 'Root=x',
      executionArn: EXECUTION,
    });
    expect(out.history).toHaveLength(1);
    expect(calls.filter((c) => c.name === 'DescribeExecutionCommand')).toHaveLength(3);
    expect(new DescribeExecutionCommand({ executionArn: EXECUTION })).toBeInstanceOf(
      DescribeExecutionCommand,
    );
    expect(new GetExecutionHistoryCommand({ executionArn: EXECUTION })).toBeInstanceOf(
      GetExecutionHistoryCommand,
    );
  });

  it('keeps output that is not JSON as text, and returns any end with ANY', async () => {
    const { client } = fakeClient({
      DescribeExecutionCommand: [{ status: 'ABORTED', output: 'plain' }],
      GetExecutionHistoryCommand: [{ events: [] }],
    });
    const out = await waitForExecution(client, { executionArn: EXECUTION, status: 'ANY', timeout: 1_000 });
    expect(out).toMatchObject({ status: 'ABORTED', output: 'plain', error: undefined });
    const timedOut = fakeClient({
      DescribeExecutionCommand: [{ status: 'TIMED_OUT', error: 'States.Timeout' }],
      GetExecutionHistoryCommand: [{ events: [] }],
    });
    const ended = await waitForExecution(timedOut.client, {
      executionArn: EXECUTION,
      status: 'TIMED_OUT',
      timeout: 1_000,
    });
    expect(ended).toMatchObject({ status: 'TIMED_OUT', output: undefined, error: 'States.Timeout' });
  });

  it('throws ExecutionFailedError naming the failed state, error, cause and path', async () => {
    const { client } = fakeClient({
      DescribeExecutionCommand: [
        { executionArn: EXECUTION, status: 'FAILED', error: 'Boom', cause: 'it broke' },
      ],
      GetExecutionHistoryCommand: [{ events: [entered('Validate', 2), entered('Charge', 3)] }],
    });
    const err = (await waitForExecution(client, { executionArn: EXECUTION, timeout: 1_000 }).catch(
      (e: unknown) => e,
    )) as ExecutionFailedError;
    expect(err).toBeInstanceOf(ExecutionFailedError);
    expect(err).toMatchObject({
      status: 'FAILED',
      failedState: 'Charge',
      error: 'Boom',
      errorCause: 'it broke',
    });
    expect(err.path).toEqual(['Validate', 'Charge']);
    expect(err.message).toBe(
      `Execution ${EXECUTION} ended FAILED in state "Charge". Error: Boom. Cause: it broke States entered: Validate -> Charge.`,
    );
  });

  it('says when it succeeded but another status was expected, and when no state was entered', async () => {
    const { client } = fakeClient({
      DescribeExecutionCommand: [{ executionArn: EXECUTION, status: 'SUCCEEDED' }],
      GetExecutionHistoryCommand: [{ events: [] }],
    });
    const err = (await waitForExecution(client, {
      executionArn: EXECUTION,
      status: 'FAILED',
      timeout: 1_000,
    }).catch((e: unknown) => e)) as ExecutionFailedError;
    expect(err.message).toBe(
      `Execution ${EXECUTION} succeeded, but FAILED was expected. States entered: (none).`,
    );
    expect(err.failedState).toBeUndefined();
  });

  it('times out while the execution keeps running, and rethrows other errors', async () => {
    const running = fakeClient({ DescribeExecutionCommand: [{ status: 'RUNNING' }] });
    const err = await waitForExecution(running.client, {
      executionArn: EXECUTION,
      timeout: 30,
      interval: 5,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/still running after 30 ms \(\d+ DescribeExecution calls\)/);
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    const failing = fakeClient({ DescribeExecutionCommand: [denied] });
    await expect(waitForExecution(failing.client, { executionArn: EXECUTION, timeout: 1_000 })).rejects.toBe(
      denied,
    );
  });

  it.each([
    [undefined, 'options'],
    [{ executionArn: 'x', timeout: 1 }, 'executionArn'],
    [{ executionArn: EXECUTION, timeout: 1, status: 'DONE' }, 'status'],
    [{ executionArn: EXECUTION, timeout: 1, interval: 0 }, 'interval'],
    [{ executionArn: EXECUTION, timeout: -1 }, 'timeout'],
  ])('refuses bad options (%#)', async (options, option) => {
    const { client } = fakeClient({});
    const err = await waitForExecution(client, options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).option).toBe(option);
  });
});

describe('assertExecutionPath', () => {
  const history = [entered('Validate', 2), entered('Charge', 3), entered('Ship', 4)];

  it('passes on the exact path and returns it; in order with exact: false', () => {
    expect(assertExecutionPath(history, ['Validate', 'Charge', 'Ship'])).toEqual([
      'Validate',
      'Charge',
      'Ship',
    ]);
    expect(assertExecutionPath(history, ['Validate', 'Ship'], { exact: false })).toHaveLength(3);
  });

  it('fails with both paths shown', () => {
    expect(() => assertExecutionPath(history, ['Validate', 'Ship'])).toThrow(
      'The execution did not enter exactly Validate -> Ship; it entered Validate -> Charge -> Ship.',
    );
    expect(() => assertExecutionPath(history, ['Validate', 'Charge', 'Oops'])).toThrow(ExecutionPathError);
    expect(() => assertExecutionPath(history, ['Ship', 'Validate'], { exact: false })).toThrow(
      'did not enter in order Ship -> Validate',
    );
    const err = (() => {
      try {
        assertExecutionPath([], []);
        return assertExecutionPath([], ['A']);
      } catch (e) {
        return e;
      }
    })() as ExecutionPathError;
    expect(err.message).toBe('The execution did not enter exactly A; it entered (nothing).');
    expect(err).toMatchObject({ expected: ['A'], actual: [] });
    expect(() => assertExecutionPath(history, [])).toThrow('did not enter exactly (nothing)');
  });
});
