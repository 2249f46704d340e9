import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import {
  assertExecutionPath,
  getExecutionHistory,
  startExecution,
  statesEntered,
  taskFailures,
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
    // A plain string, or one that only looks like JSON, is a JSON string input.
    await startExecution(client, { stateMachineArn: MACHINE, input: 'hello' });
    await startExecution(client, { stateMachineArn: MACHINE, input: '{not json' });
    expect(calls.slice(2).map((c) => c.input.input)).toEqual(['"hello"', '"{not json"']);
    expect(new StartExecutionCommand({ stateMachineArn: MACHINE })).toBeInstanceOf(StartExecutionCommand);
  });

  it.each([
    [null, 'options'],
    [{ stateMachineArn: 'orders' }, 'stateMachineArn'],
    [{ stateMachineArn: MACHINE, name: 'no spaces' }, 'name'],
    [{ stateMachineArn: MACHINE, input: () => 1 }, 'input'],
    [{ stateMachineArn: MACHINE, input: '{"orderId":"o-1"}' }, 'input'],
    [{ stateMachineArn: MACHINE, input: ' [1, 2]' }, 'input'],
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

/** A history event after `previous`, with its type's details. */
const event = (type: string, id: number, previous: number, details?: object): HistoryEvent => ({
  type: type as HistoryEvent['type'],
  id,
  previousEventId: previous,
  timestamp: new Date(0),
  ...(details ? { [`${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`]: details } : {}),
});

/** A retried ShipOrder (Lambda integration), then a caught failure, a compensation and a Fail state. */
const caughtHistory: HistoryEvent[] = [
  event('ExecutionStarted', 1, 0),
  entered('ShipOrder', 2),
  event('TaskScheduled', 3, 2),
  event('TaskStarted', 4, 3),
  event('TaskFailed', 5, 4, { error: 'CourierBusy', cause: '{"errorMessage":"busy"}' }),
  event('TaskScheduled', 6, 5),
  event('TaskStarted', 7, 6),
  event('TaskFailed', 8, 7, { error: 'CourierRejected', cause: '{"errorMessage":"too dear"}' }),
  event('TaskStateExited', 9, 8),
  entered('Release', 10),
  event('LambdaFunctionScheduled', 11, 10),
  event('LambdaFunctionTimedOut', 12, 11, { error: 'States.Timeout' }),
  event('TaskStateExited', 13, 12),
  { ...entered('Failed', 14), type: 'FailStateEntered' },
  event('ExecutionFailed', 15, 14, { error: 'FulfilmentFailed', cause: 'too dear' }),
];

describe('taskFailures', () => {
  it('lists each failed task attempt with its state (back along previousEventId), error and cause', () => {
    expect(taskFailures(caughtHistory)).toEqual([
      { state: 'ShipOrder', type: 'TaskFailed', error: 'CourierBusy', cause: '{"errorMessage":"busy"}' },
      {
        state: 'ShipOrder',
        type: 'TaskFailed',
        error: 'CourierRejected',
        cause: '{"errorMessage":"too dear"}',
      },
      { state: 'Release', type: 'LambdaFunctionTimedOut', error: 'States.Timeout', cause: undefined },
    ]);
    expect(taskFailures([])).toEqual([]);
  });

  it('follows the chain, not the order of the events (Parallel branches interleave)', () => {
    const branches: HistoryEvent[] = [
      entered('A', 1),
      entered('B', 2),
      event('TaskScheduled', 3, 1),
      event('TaskScheduled', 4, 2),
      event('ActivityFailed', 5, 3, { error: 'A.Failed' }),
      event('TaskFailed', 6, 4, { error: 'B.Failed' }),
    ];
    expect(taskFailures(branches).map((f) => [f.state, f.error])).toEqual([
      ['A', 'A.Failed'],
      ['B', 'B.Failed'],
    ]);
  });

  it('leaves the state undefined when no entered state leads to it, and tolerates missing details', () => {
    const odd: HistoryEvent[] = [
      { type: 'TaskFailed', id: 1, timestamp: new Date(0) },
      event('TaskStarted', 2, 9),
      event('TaskTimedOut', 3, 2),
      { ...entered('Loop', 4), type: undefined, previousEventId: 5 },
      event('MapRunFailed', 5, 4, { error: 'States.ItemReaderFailed' }),
    ];
    expect(taskFailures(odd)).toEqual([
      { state: undefined, type: 'TaskFailed', error: undefined, cause: undefined },
      { state: undefined, type: 'TaskTimedOut', error: undefined, cause: undefined },
      { state: undefined, type: 'MapRunFailed', error: 'States.ItemReaderFailed', cause: undefined },
    ]);
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

  it('names the failed tasks of a Catch path that ended in a Fail state, and returns them on a result', async () => {
    const { client } = fakeClient({
      DescribeExecutionCommand: [
        { executionArn: EXECUTION, status: 'FAILED', error: 'FulfilmentFailed', cause: 'too dear' },
      ],
      GetExecutionHistoryCommand: [{ events: caughtHistory }],
    });
    const err = (await waitForExecution(client, { executionArn: EXECUTION, timeout: 1_000 }).catch(
      (e: unknown) => e,
    )) as ExecutionFailedError;
    expect(err).toMatchObject({ failedState: 'Failed', error: 'FulfilmentFailed', errorCause: 'too dear' });
    expect(err.failures.map((f) => [f.state, f.error])).toEqual([
      ['ShipOrder', 'CourierBusy'],
      ['ShipOrder', 'CourierRejected'],
      ['Release', 'States.Timeout'],
    ]);
    expect(err.message).toBe(
      `Execution ${EXECUTION} ended FAILED in state "Failed". Error: FulfilmentFailed. Cause: too dear States entered: ShipOrder -> Release -> Failed. Failed tasks: ShipOrder (CourierBusy), ShipOrder (CourierRejected), Release (States.Timeout).`,
    );
    const anyEnd = await waitForExecution(client, { executionArn: EXECUTION, status: 'ANY', timeout: 1_000 });
    expect(anyEnd.failures).toEqual(err.failures);
    const unnamed = fakeClient({
      DescribeExecutionCommand: [{ executionArn: EXECUTION, status: 'FAILED' }],
      GetExecutionHistoryCommand: [{ events: [{ type: 'TaskFailed', id: 1, timestamp: new Date(0) }] }],
    });
    const bare = (await waitForExecution(unnamed.client, { executionArn: EXECUTION, timeout: 1_000 }).catch(
      (e: unknown) => e,
    )) as ExecutionFailedError;
    expect(bare.message).toBe(
      `Execution ${EXECUTION} ended FAILED. States entered: (none). Failed tasks: (unknown state) (TaskFailed).`,
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

describe('waitForExecution finding the execution by its input', () => {
  const arn = (n: number) => `${EXECUTION.replace(/run-1$/, '')}run-${n}`;
  const item = (n: number, start?: number) => ({
    executionArn: arn(n),
    ...(start === undefined ? {} : { startDate: new Date(start) }),
  });
  /** DescribeExecution by ARN: each execution's input, and its status (SUCCEEDED unless given). */
  const describeBy =
    (inputs: Record<string, string | undefined>, status: Record<string, string> = {}) =>
    (command: { input: { executionArn: string } }) => ({
      executionArn: command.input.executionArn,
      input: inputs[command.input.executionArn],
      status: status[command.input.executionArn] ?? 'SUCCEEDED',
      output: '{"shipped":true}',
    });

  it('waits for the earliest-started execution whose input matches, across pages, down to since', async () => {
    const { client, calls } = fakeClient({
      ListExecutionsCommand: [
        { executions: [item(4, 400), item(3, 300)], nextToken: 'p2' },
        { executions: [item(2, 200), item(1, 100)] },
      ],
      DescribeExecutionCommand: [
        describeBy({
          [arn(4)]: '{"orderId":"b"}',
          [arn(3)]: '{"orderId":"a","n":3}',
          [arn(2)]: '{"orderId":"a","n":2}',
          [arn(1)]: '{"orderId":"a","n":1}',
        }),
      ],
      GetExecutionHistoryCommand: [{ events: [entered('Ship', 2)] }],
    });
    const out = await waitForExecution(client, {
      stateMachineArn: MACHINE,
      match: { orderId: 'a' },
      since: new Date(150),
      timeout: 1_000,
    });
    expect(out).toMatchObject({
      executionArn: arn(2),
      status: 'SUCCEEDED',
      input: { orderId: 'a', n: 2 },
      output: { shipped: true },
    });
    const lists = calls.filter((c) => c.name === 'ListExecutionsCommand');
    expect(lists.map((c) => c.input)).toEqual([
      { stateMachineArn: MACHINE, maxResults: 1000 },
      { stateMachineArn: MACHINE, maxResults: 1000, nextToken: 'p2' },
    ]);
    // Each listed execution since `since` described once to read its input, then the found one's status.
    const described = calls
      .filter((c) => c.name === 'DescribeExecutionCommand')
      .map((c) => c.input.executionArn);
    expect(described).toEqual([arn(4), arn(3), arn(2), arn(2)]);
    expect(new ListExecutionsCommand({ stateMachineArn: MACHINE })).toBeInstanceOf(ListExecutionsCommand);
  });

  it('keeps looking until one appears, describes each execution once, then waits for it to end', async () => {
    let looks = 0;
    const { client, calls } = fakeClient({
      ListExecutionsCommand: [
        () => {
          looks++;
          if (looks === 1) return {};
          if (looks === 2) return { executions: [item(1)] };
          return { executions: [item(2, 20), item(1)] };
        },
      ],
      DescribeExecutionCommand: [
        describeBy({ [arn(1)]: 'not json', [arn(2)]: '{"orderId":"o-9"}' }, { [arn(2)]: 'FAILED' }),
      ],
      GetExecutionHistoryCommand: [{ events: [entered('Fail', 2)] }],
    });
    const out = await waitForExecution<{ orderId: string }>(client, {
      stateMachineArn: MACHINE,
      match: (input) => input.orderId === 'o-9',
      since: 0,
      status: 'FAILED',
      timeout: 5_000,
      interval: 1,
    });
    expect(out).toMatchObject({ executionArn: arn(2), status: 'FAILED', input: { orderId: 'o-9' } });
    expect(looks).toBe(3);
    const described = calls
      .filter((c) => c.name === 'DescribeExecutionCommand')
      .map((c) => c.input.executionArn);
    expect(described).toEqual([arn(1), arn(2), arn(2)]);
  });

  it('times out naming the machine, what it looked at and the latest inputs with why they did not match', async () => {
    const { client } = fakeClient({
      ListExecutionsCommand: [{ executions: [item(1, 100), item(2, 200), item(3, 300), item(4, 400)] }],
      DescribeExecutionCommand: [
        describeBy({ [arn(1)]: '{"n":1}', [arn(2)]: '{"n":2}', [arn(3)]: '{"n":3}', [arn(4)]: undefined }),
      ],
    });
    const err = (await waitForExecution(client, {
      stateMachineArn: MACHINE,
      match: (input: { n?: number } | undefined) => {
        if (input?.n === 3) throw new Error('n is not 9\nmore detail');
        return false;
      },
      timeout: 40,
      interval: 5,
    }).catch((e: unknown) => e)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.timeoutMs).toBe(40);
    expect(err.message).toMatch(
      new RegExp(
        `^No execution of ${MACHINE} whose input matched was found within 40 ms \\(\\d+ looks, 4 executions started looked at\\)`,
      ),
    );
    expect(err.message).toContain(
      'The latest inputs:\n  1. undefined\n  2. {"n":3}\n     rejected: n is not 9\n  3. {"n":2}',
    );
    expect(err.message).not.toContain('{"n":1}');
    const none = fakeClient({ ListExecutionsCommand: [{ executions: [] }] });
    const empty = (await waitForExecution(none.client, {
      stateMachineArn: MACHINE,
      match: {},
      since: Date.UTC(2026, 0, 1),
      timeout: 20,
      interval: 5,
    }).catch((e: unknown) => e)) as TimeoutError;
    expect(empty.message).toMatch(
      /\(\d+ looks, 0 executions started since 2026-01-01T00:00:00.000Z looked at\)\. Did the app start it/,
    );
    expect(empty.message).not.toContain('latest inputs');
  });

  it.each([
    [{ stateMachineArn: MACHINE, timeout: 1 }, 'match'],
    [{ stateMachineArn: MACHINE, match: ['a'], timeout: 1 }, 'match'],
    [{ stateMachineArn: 'orders', match: {}, timeout: 1 }, 'stateMachineArn'],
    [{ stateMachineArn: MACHINE, executionArn: EXECUTION, match: {}, timeout: 1 }, 'stateMachineArn'],
    [{ stateMachineArn: MACHINE, match: {}, since: Number.NaN, timeout: 1 }, 'since'],
    [{ stateMachineArn: MACHINE, match: {}, since: new Date('nope'), timeout: 1 }, 'since'],
    [{ timeout: 1 }, 'executionArn'],
  ])('refuses bad options for finding (%#)', async (options, option) => {
    const { client, calls } = fakeClient({});
    const err = await waitForExecution(client, options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).option).toBe(option);
    expect(calls).toHaveLength(0);
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
