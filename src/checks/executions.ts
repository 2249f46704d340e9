/**
 * Step Functions executions: start one with a known trace, find one the app started (by its input),
 * wait for it to end (polling within Step Functions' throttling), read its history, and assert the
 * states it went through.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  ExecutionFailedError,
  ExecutionPathError,
  InvalidInputError,
  type TaskFailure,
  TimeoutError,
} from '../errors.js';
import { describeMisses, type Miss } from '../listeners/errors.js';
import { makeTraceHeader } from '../tracing/header.js';
import { positiveNumber } from '../validate.js';
import { createDeadline, retry, sendOptions, sleep } from '../wait/index.js';
import { matchOption, optionsObject, runMatch, type ValueMatch } from './match.js';

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

export type { TaskFailure };

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

const arnOption = (value: unknown, option: string, kind: string): string => {
  if (typeof value !== 'string' || !/^arn:aws[a-z-]*:states:/.test(value)) {
    throw new InvalidInputError(
      `${option} must be a Step Functions ${kind} ARN (arn:aws:states:...), got ${JSON.stringify(value)}.`,
      option,
    );
  }
  return value;
};

/** True for a string that is itself serialised JSON (an object or an array): `JSON.stringify(x)` passed as input. */
const looksSerialised = (text: string): boolean => {
  const t = text.trim();
  if (!/^[[{]/.test(t)) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
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
  if (typeof options.input === 'string' && looksSerialised(options.input)) {
    throw new InvalidInputError(
      `input is a string holding JSON (${options.input.slice(0, 60)}): pass the value itself (input: { ... }); startExecution serialises it, and the string as given would reach the state machine as a JSON string, not an object.`,
      'input',
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

// biome-ignore lint/suspicious/noExplicitAny: the input is the app's own JSON; `match` may type it
export interface WaitForExecutionOptions<Input = any> {
  /**
   * The execution's ARN (from {@link startExecution} or `ListExecutions`). Required unless
   * `stateMachineArn` and `match` say which execution to find.
   */
  readonly executionArn?: string;
  /**
   * Instead of `executionArn`: the state machine whose execution to wait for, e.g. one the app's own
   * EventBridge rule starts. Its executions are listed (ListExecutions, which is eventually
   * consistent, so this keeps looking until the deadline) and each is described once; the
   * earliest-started one whose input passes `match` is the one waited for.
   */
  readonly stateMachineArn?: string;
  /**
   * With `stateMachineArn` (and required with it): which execution, by its input (parsed JSON). A
   * function returning true (or throwing like an assertion to say no), or an object the input must
   * contain, e.g. `{ orderId }`.
   */
  readonly match?: ValueMatch<Input>;
  /**
   * With `stateMachineArn`: only executions started at or after this time (a Date or epoch ms).
   * Default: any start time (every page of ListExecutions is read on each look).
   */
  readonly since?: Date | number;
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
  /** The input, parsed (text when it is not JSON). */
  readonly input: unknown;
  /** The output, parsed (undefined when the execution has none, e.g. it failed). */
  readonly output: unknown;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  /** The execution's events, in order, as the SDK returns them. */
  readonly history: HistoryEvent[];
  /** Its failed task attempts, in order (retried, caught or final): see {@link taskFailures}. */
  readonly failures: TaskFailure[];
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

/** History event types that record a failed task attempt (each with `error` and `cause` details). */
const FAILURES = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
  'MapRunFailed',
]);

/** The state an event belongs to: its `previousEventId` chain back to a `*StateEntered` event. */
const stateOf = (
  event: HistoryEvent,
  byId: ReadonlyMap<number | undefined, HistoryEvent>,
): string | undefined => {
  let at = byId.get(event.previousEventId);
  // Each step goes to an earlier event, so at most one step per event.
  for (let steps = 0; at && steps < byId.size; steps++) {
    if (at.type?.endsWith('StateEntered')) return at.stateEnteredEventDetails?.name;
    at = byId.get(at.previousEventId);
  }
  return undefined;
};

/**
 * The failed task attempts of an execution, in order (from its history): retried, caught or final,
 * each with its state, error and cause. A Catch path's execution may succeed, or fail in a Fail
 * state with another error: this says which task failed, and why.
 * @example taskFailures(result.history) // [{ state: 'ShipOrder', type: 'TaskFailed', error: 'CourierRejected', cause: '{...}' }]
 */
export const taskFailures = (history: readonly HistoryEvent[]): TaskFailure[] => {
  const byId = new Map(history.map((e) => [e.id, e]));
  return history.flatMap((e) => {
    if (!e.type || !FAILURES.has(e.type)) return [];
    const key = `${e.type[0]?.toLowerCase()}${e.type.slice(1)}EventDetails` as keyof HistoryEvent;
    const details = (e[key] ?? {}) as { error?: string; cause?: string };
    return [{ state: stateOf(e, byId), type: e.type, error: details.error, cause: details.cause }];
  });
};

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
  const failures = taskFailures(history);
  const arn = done.executionArn as string;
  const what =
    done.status === 'SUCCEEDED' ? `succeeded, but ${expected} was expected` : `ended ${done.status}`;
  const message = [
    `Execution ${arn} ${what}${failedState && done.status !== 'SUCCEEDED' ? ` in state "${failedState}"` : ''}.`,
    done.error !== undefined ? `Error: ${done.error}.` : '',
    done.cause !== undefined ? `Cause: ${done.cause}` : '',
    `States entered: ${path.length > 0 ? path.join(' -> ') : '(none)'}.`,
    failures.length > 0
      ? `Failed tasks: ${failures.map((f) => `${f.state ?? '(unknown state)'} (${f.error ?? f.type})`).join(', ')}.`
      : '',
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
    failures,
  );
};

/** Which execution to wait for: a known ARN, or one of a state machine to find by its input. */
type Target =
  | { readonly executionArn: string }
  | {
      readonly stateMachineArn: string;
      readonly match: ValueMatch<unknown>;
      readonly since: number | undefined;
    };

const targetOf = (options: WaitForExecutionOptions): Target => {
  if (options.executionArn !== undefined || options.stateMachineArn === undefined) {
    if (options.stateMachineArn !== undefined) {
      throw new InvalidInputError(
        'Give executionArn or stateMachineArn (with match), not both.',
        'stateMachineArn',
      );
    }
    return { executionArn: arnOption(options.executionArn, 'executionArn', 'execution') };
  }
  const stateMachineArn = arnOption(options.stateMachineArn, 'stateMachineArn', 'state machine');
  const match = matchOption<unknown>(options.match);
  if (match === undefined) {
    throw new InvalidInputError(
      'match is required with stateMachineArn: it says which execution to wait for, by its input (e.g. { orderId }).',
      'match',
    );
  }
  const since = options.since instanceof Date ? options.since.getTime() : options.since;
  if (since !== undefined && !Number.isFinite(since)) {
    throw new InvalidInputError(`since must be a Date or epoch milliseconds, got ${String(since)}.`, 'since');
  }
  return { stateMachineArn, match, since };
};

/** An execution looked at while finding one: its start, and whether its input passed `match`. */
interface Looked {
  readonly executionArn: string;
  readonly start: number;
  readonly input: unknown;
  readonly matched: boolean;
  readonly error: unknown;
}

/**
 * One look for the execution: lists the machine's executions (newest first, down to `since`),
 * describes each one not seen before, and returns the earliest-started whose input matched.
 */
const findExecution = async (
  client: SFNClient,
  target: Extract<Target, { stateMachineArn: string }>,
  seen: Map<string, Looked>,
  signal: AbortSignal,
): Promise<string | undefined> => {
  const since = target.since ?? Number.NEGATIVE_INFINITY;
  let found: Looked | undefined;
  let nextToken: string | undefined;
  do {
    const command = new ListExecutionsCommand({
      stateMachineArn: target.stateMachineArn,
      maxResults: 1000,
      ...(nextToken ? { nextToken } : {}),
    });
    const page = await retry(() => client.send(command, sendOptions(signal)), { signal });
    for (const item of page.executions ?? []) {
      const start = item.startDate?.getTime() ?? 0;
      if (start < since) return found?.executionArn;
      const arn = item.executionArn as string;
      let looked = seen.get(arn);
      if (!looked) {
        const described = new DescribeExecutionCommand({ executionArn: arn });
        const { input } = await retry(() => client.send(described, sendOptions(signal)), { signal });
        const parsed = parseOutput(input);
        const outcome = runMatch(target.match, parsed);
        looked = {
          executionArn: arn,
          start,
          input: parsed,
          matched: outcome.ok,
          error: outcome.ok ? undefined : outcome.reason,
        };
        seen.set(arn, looked);
      }
      if (looked.matched && (!found || looked.start <= found.start)) found = looked;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return found?.executionArn;
};

/** The execution's result when it has ended (undefined while it runs); throws when it ended otherwise. */
const ended = async (
  client: SFNClient,
  executionArn: string,
  expected: ExecutionStatus | 'ANY',
  signal: AbortSignal,
): Promise<ExecutionResult | undefined> => {
  const command = new DescribeExecutionCommand({ executionArn });
  const done = await retry(() => client.send(command, sendOptions(signal)), { signal });
  if (done.status === 'RUNNING' || done.status === 'PENDING_REDRIVE') return undefined;
  const history = await getExecutionHistory(client, executionArn, signal);
  if (expected !== 'ANY' && done.status !== expected) throw failure(done, history, expected);
  return {
    executionArn,
    status: done.status as ExecutionStatus,
    input: parseOutput(done.input),
    output: parseOutput(done.output),
    error: done.error,
    cause: done.cause,
    history,
    failures: taskFailures(history),
    traceHeader: done.traceHeader,
  };
};

/** The timeout error: the execution still ran, or (when finding one) none matched, with the closest misses. */
const timedOut = (
  options: WaitForExecutionOptions,
  executionArn: string | undefined,
  polls: number,
  seen: ReadonlyMap<string, Looked>,
  cause: unknown,
): TimeoutError => {
  if (executionArn !== undefined) {
    return new TimeoutError(
      `Execution ${executionArn} was still running after ${options.timeout} ms (${polls} DescribeExecution calls). Give it a longer timeout, or look at its history in the Step Functions console.`,
      options.timeout,
      { cause },
    );
  }
  const misses: Miss[] = [...seen.values()]
    .sort((a, b) => b.start - a.start)
    .slice(0, 3)
    .map((l) => ({ event: l.input, ...(l.error === undefined ? {} : { error: l.error }) }));
  const since = options.since === undefined ? '' : ` since ${new Date(options.since).toISOString()}`;
  return new TimeoutError(
    `No execution of ${options.stateMachineArn} whose input matched was found within ${options.timeout} ms (${polls} looks, ${seen.size} executions started${since} looked at). Did the app start it (its rule's pattern, its target's input)?${misses.length > 0 ? `\nThe latest inputs:\n${describeMisses(misses)}` : ''}`,
    options.timeout,
    { cause },
  );
};

/**
 * Waits for an execution to end and returns its status, parsed input and output, error, cause and
 * history. The execution is given by its ARN, or found among a state machine's executions by its
 * input (`stateMachineArn` and `match`: for executions the app starts itself, e.g. from an
 * EventBridge rule). DescribeExecution is polled with growing pauses (Step Functions throttles it),
 * and throttled calls are retried with the library's backoff.
 *
 * IAM: `states:DescribeExecution` and `states:GetExecutionHistory` on the execution; to find it,
 * `states:ListExecutions` on the state machine.
 * @throws ExecutionFailedError when it ends with another status than `status` (default SUCCEEDED):
 *   the message names the failed state, its error and cause, and the states entered.
 * @throws TimeoutError when it is still running after `timeout` ms, or none matched in that time
 *   (the message shows the latest inputs seen and why they did not match).
 */
// biome-ignore lint/suspicious/noExplicitAny: the input is the app's own JSON; `match` may type it
export const waitForExecution = async <Input = any>(
  client: SFNClient,
  options: WaitForExecutionOptions<Input>,
): Promise<ExecutionResult> => {
  optionsObject(options, 'waitForExecution');
  const target = targetOf(options);
  const expected = options.status ?? 'SUCCEEDED';
  if (!['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'ANY'].includes(expected)) {
    throw new InvalidInputError(
      `status must be SUCCEEDED, FAILED, TIMED_OUT, ABORTED or ANY, got ${JSON.stringify(expected)}.`,
      'status',
    );
  }
  let pause = positiveNumber('interval', options.interval ?? 200);
  const deadline = createDeadline(options.timeout, options.signal);
  let executionArn = 'executionArn' in target ? target.executionArn : undefined;
  const seen = new Map<string, Looked>();
  let polls = 0;
  try {
    for (;;) {
      polls++;
      if (executionArn === undefined && 'stateMachineArn' in target) {
        executionArn = await findExecution(client, target, seen, deadline.signal);
      }
      const result = executionArn && (await ended(client, executionArn, expected, deadline.signal));
      if (result) return result;
      await sleep(Math.min(pause, deadline.remaining()), deadline.signal);
      pause = Math.min(2_000, pause * 2);
    }
  } catch (err) {
    if (!deadline.timedOut) throw err;
    throw timedOut(options, executionArn, polls, seen, err);
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
