/**
 * Step Functions executions: start one with a known trace, wait for it to end (polling within
 * Step Functions' throttling), read its history, and assert the states it went through.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ExecutionFailedError, ExecutionPathError, InvalidInputError, TimeoutError } from '../errors.js';
import { makeTraceHeader } from '../tracing/header.js';
import { positiveNumber } from '../validate.js';
import { createDeadline, retry, sleep } from '../wait/index.js';

/** The terminal statuses of an execution. */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StartExecutionOptions {
  /** The state machine's ARN (e.g. from `probe.stackOutputs`). Required. */
  readonly stateMachineArn: string;
  /** The execution's input: any JSON value, serialised with JSON.stringify. Default `{}`. */
  readonly input?: unknown;
  /** The execution's name (1 to 80 letters, digits, `-` or `_`). Default: a name Step Functions picks. */
  readonly name?: string;
  /** The tracing header to start with. Default: a new sampled trace (`Root=...;Sampled=1`). */
  readonly traceHeader?: string;
  /** Cancels the request (and its retries). */
  readonly signal?: AbortSignal;
}

export interface StartedExecution {
  readonly executionArn: string;
  readonly startDate: Date | undefined;
  /** The header the execution was started with: give it to `getTraceTree` to follow the trace. */
  readonly traceHeader: string;
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

const sendOptions = (signal: AbortSignal | undefined): { abortSignal?: AbortSignal } =>
  signal ? { abortSignal: signal } : {};

const optionsObject = (options: unknown, fn: string): void => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError(`${fn} takes an options object.`, 'options');
  }
};

const arnOption = (value: unknown, option: string, kind: string): string => {
  if (typeof value !== 'string' || !/^arn:aws[a-z-]*:states:/.test(value)) {
    throw new InvalidInputError(
      `${option} must be a Step Functions ${kind} ARN (arn:aws:states:...), got ${JSON.stringify(value)}.`,
      option,
    );
  }
  return value;
};

/**
 * Starts an execution with a tracing header whose trace id is known before the call, so the trace
 * can be fetched afterwards. Throttling is retried with the library's backoff.
 *
 * IAM: `states:StartExecution` on the state machine.
 * @throws InvalidInputError for a malformed ARN, name or input (nothing is started).
 */
export const startExecution = async (
  client: SFNClient,
  options: StartExecutionOptions,
): Promise<StartedExecution> => {
  optionsObject(options, 'startExecution');
  const stateMachineArn = arnOption(options.stateMachineArn, 'stateMachineArn', 'state machine');
  if (options.name !== undefined && !NAME.test(options.name)) {
    throw new InvalidInputError(
      `name must be 1 to 80 letters, digits, '-' or '_', got "${options.name}".`,
      'name',
    );
  }
  const input = JSON.stringify(options.input ?? {});
  if (input === undefined) {
    throw new InvalidInputError('input must be a JSON value (not a function or a symbol).', 'input');
  }
  const traceHeader = options.traceHeader ?? makeTraceHeader();
  const command = new StartExecutionCommand({
    stateMachineArn,
    input,
    traceHeader,
    ...(options.name !== undefined ? { name: options.name } : {}),
  });
  const out = await retry(() => client.send(command, sendOptions(options.signal)), {
    signal: options.signal,
  });
  return { executionArn: out.executionArn as string, startDate: out.startDate, traceHeader };
};

export interface WaitForExecutionOptions {
  /** The execution's ARN (from {@link startExecution} or `ListExecutions`). Required. */
  readonly executionArn: string;
  /**
   * The status expected at the end. Default `SUCCEEDED`. Another end throws ExecutionFailedError;
   * `'ANY'` returns whatever the execution ended with.
   */
  readonly status?: ExecutionStatus | 'ANY';
  /** How long to wait for the execution to end, in ms. Required. */
  readonly timeout: number;
  /** First pause between DescribeExecution calls, in ms; it doubles up to 2 000. Default 200. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

export interface ExecutionResult {
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  /** The output, parsed (undefined when the execution has none, e.g. it failed). */
  readonly output: unknown;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  /** The execution's events, in order, as the SDK returns them. */
  readonly history: HistoryEvent[];
  /** The tracing header Step Functions reports for the execution. */
  readonly traceHeader: string | undefined;
}

/** Every event of an execution's history (all pages). IAM: `states:GetExecutionHistory`. */
export const getExecutionHistory = async (
  client: SFNClient,
  executionArn: string,
  signal?: AbortSignal,
): Promise<HistoryEvent[]> => {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const command = new GetExecutionHistoryCommand({
      executionArn,
      maxResults: 1000,
      ...(nextToken ? { nextToken } : {}),
    });
    const page = await retry(() => client.send(command, sendOptions(signal)), { signal });
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
};

/** The names of the states an execution entered, in order (from its history). */
export const statesEntered = (history: readonly HistoryEvent[]): string[] =>
  history.flatMap((e) =>
    e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name
      ? [e.stateEnteredEventDetails.name]
      : [],
  );

const parseOutput = (output: string | undefined): unknown => {
  if (output === undefined) return undefined;
  try {
    return JSON.parse(output);
  } catch {
    return output;
  }
};

const failure = (
  done: DescribeExecutionCommandOutput,
  history: HistoryEvent[],
  expected: string,
): ExecutionFailedError => {
  const path = statesEntered(history);
  const failedState = path.at(-1);
  const arn = done.executionArn as string;
  const what =
    done.status === 'SUCCEEDED' ? `succeeded, but ${expected} was expected` : `ended ${done.status}`;
  const message = [
    `Execution ${arn} ${what}${failedState && done.status !== 'SUCCEEDED' ? ` in state "${failedState}"` : ''}.`,
    done.error !== undefined ? `Error: ${done.error}.` : '',
    done.cause !== undefined ? `Cause: ${done.cause}` : '',
    `States entered: ${path.length > 0 ? path.join(' -> ') : '(none)'}.`,
  ]
    .filter(Boolean)
    .join(' ');
  return new ExecutionFailedError(
    message,
    arn,
    done.status as string,
    failedState,
    done.error,
    done.cause,
    path,
  );
};

/**
 * Waits for an execution to end and returns its status, parsed output, error, cause and history.
 * DescribeExecution is polled with growing pauses (Step Functions throttles it), and throttled calls
 * are retried with the library's backoff.
 *
 * IAM: `states:DescribeExecution` and `states:GetExecutionHistory` on the execution.
 * @throws ExecutionFailedError when it ends with another status than `status` (default SUCCEEDED):
 *   the message names the failed state, its error and cause, and the states entered.
 * @throws TimeoutError when it is still running after `timeout` ms.
 */
export const waitForExecution = async (
  client: SFNClient,
  options: WaitForExecutionOptions,
): Promise<ExecutionResult> => {
  optionsObject(options, 'waitForExecution');
  const executionArn = arnOption(options.executionArn, 'executionArn', 'execution');
  const expected = options.status ?? 'SUCCEEDED';
  if (!['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'ANY'].includes(expected)) {
    throw new InvalidInputError(
      `status must be SUCCEEDED, FAILED, TIMED_OUT, ABORTED or ANY, got ${JSON.stringify(expected)}.`,
      'status',
    );
  }
  let pause = positiveNumber('interval', options.interval ?? 200);
  const deadline = createDeadline(options.timeout, options.signal);
  let polls = 0;
  try {
    for (;;) {
      polls++;
      const command = new DescribeExecutionCommand({ executionArn });
      const done = await retry(() => client.send(command, sendOptions(deadline.signal)), {
        signal: deadline.signal,
      });
      if (done.status !== 'RUNNING' && done.status !== 'PENDING_REDRIVE') {
        const history = await getExecutionHistory(client, executionArn, deadline.signal);
        if (expected !== 'ANY' && done.status !== expected) throw failure(done, history, expected);
        return {
          executionArn,
          status: done.status as ExecutionStatus,
          output: parseOutput(done.output),
          error: done.error,
          cause: done.cause,
          history,
          traceHeader: done.traceHeader,
        };
      }
      await sleep(Math.min(pause, deadline.remaining()), deadline.signal);
      pause = Math.min(2_000, pause * 2);
    }
  } catch (err) {
    if (!deadline.timedOut) throw err;
    throw new TimeoutError(
      `Execution ${executionArn} was still running after ${options.timeout} ms (${polls} DescribeExecution calls). Give it a longer timeout, or look at its history in the Step Functions console.`,
      options.timeout,
      { cause: err },
    );
  } finally {
    deadline.dispose();
  }
};

export interface AssertExecutionPathOptions {
  /**
   * `true`: the states entered are exactly `expected`, in order. `false`: `expected` appears in
   * order among them (other states may come between). Default true.
   */
  readonly exact?: boolean;
}

/**
 * Checks the states an execution entered (its history's `*StateEntered` events) against names in
 * order, and returns the states entered.
 * @throws ExecutionPathError showing the expected and the actual path.
 * @example assertExecutionPath(result.history, ['Validate', 'Charge', 'Ship'])
 */
export const assertExecutionPath = (
  history: readonly HistoryEvent[],
  expected: readonly string[],
  options: AssertExecutionPathOptions = {},
): string[] => {
  const actual = statesEntered(history);
  let ok: boolean;
  if (options.exact ?? true) {
    ok = actual.length === expected.length && actual.every((name, i) => name === expected[i]);
  } else {
    let i = 0;
    for (const name of actual) if (name === expected[i]) i++;
    ok = i === expected.length;
  }
  if (!ok) {
    const how = (options.exact ?? true) ? 'exactly' : 'in order';
    throw new ExecutionPathError(
      `The execution did not enter ${how} ${expected.join(' -> ') || '(nothing)'}; it entered ${actual.join(' -> ') || '(nothing)'}.`,
      expected,
      actual,
    );
  }
  return actual;
};
