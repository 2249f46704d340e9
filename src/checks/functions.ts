/**
 * Lambda checks: invoke a function and decode its result (its errors as FunctionError), wait for
 * its log lines (FilterLogEvents, bounded polling across streams and pages), and assert that its
 * log shows no errors or timeouts.
 */
import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { FunctionError, FunctionLogErrorsError, InvalidInputError, TimeoutError } from '../errors.js';
import { positiveNumber } from '../validate.js';
import { createDeadline, isNotFound, retry, sendOptions, sleep } from '../wait/index.js';
import { type FunctionLogFailure, failuresIn, type LogEvent, parseLogEvent } from './function-logs.js';
import { exactlyOne, nonEmpty, optionsObject, runMatch } from './match.js';

export type { FunctionLogFailure, LogEvent } from './function-logs.js';

/**
 * An internal hook on the options of invoke, waitForLogs and expectNoFunctionErrors: called with
 * the log group and the log events a call read (an invoke's decoded log tail as events of stream
 * `(invoke log tail)`). `eventprobe/vitest` uses it to record them for failure artifacts.
 */
export const ON_LOG_EVENTS: unique symbol = Symbol('eventprobe.onLogEvents');

/** The shape of the {@link ON_LOG_EVENTS} hook. */
export type LogEventsHook = (logGroupName: string, events: readonly LogEvent[]) => void;

const hookOf = (options: object): LogEventsHook | undefined =>
  (options as { [ON_LOG_EVENTS]?: LogEventsHook })[ON_LOG_EVENTS];

let tails = 0;

/** An invoke's log tail as log events, in order, each at `at` (the time the invoke returned). */
export const tailEvents = (tail: string, at: number): LogEvent[] => {
  const tailId = ++tails;
  return tail
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) =>
      parseLogEvent({
        timestamp: at,
        message: line,
        logStreamName: '(invoke log tail)',
        eventId: `tail-${tailId}-${i}`,
      }),
    );
};

/** Pages read per poll at most (a poll never runs away on a busy log group). */
const MAX_PAGES_PER_POLL = 20;

const decode = (bytes: Uint8Array | undefined): unknown => {
  const body = new TextDecoder().decode(bytes ?? new Uint8Array());
  if (body === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
};

export interface InvokeOptions {
  /** The function's name, ARN or partial ARN. Required. */
  readonly functionName: string;
  /** The event: any JSON value, serialised with JSON.stringify. Default `{}`. */
  readonly payload?: unknown;
  /** A version or alias. Default: $LATEST (or what the ARN names). */
  readonly qualifier?: string;
  readonly signal?: AbortSignal;
}

/**
 * Invokes a function synchronously (RequestResponse, with the log tail) and returns its result,
 * parsed as JSON (a non-JSON result as a string, no result as undefined).
 *
 * IAM: lambda:InvokeFunction.
 * @throws FunctionError with the function's error type, message, stack, request id and log tail.
 */
export const invoke = async <T = unknown>(lambda: LambdaClient, options: InvokeOptions): Promise<T> => {
  optionsObject(options, 'invoke');
  const functionName = nonEmpty(options.functionName, 'functionName');
  if (options.qualifier !== undefined) nonEmpty(options.qualifier, 'qualifier');
  const payload = JSON.stringify(options.payload ?? {});
  if (payload === undefined) {
    throw new InvalidInputError('payload must be a JSON value (not a function or a symbol).', 'payload');
  }
  const command = new InvokeCommand({
    FunctionName: functionName,
    Payload: new TextEncoder().encode(payload),
    LogType: 'Tail',
    ...(options.qualifier !== undefined ? { Qualifier: options.qualifier } : {}),
  });
  const { signal } = options;
  const out = await retry(() => lambda.send(command, sendOptions(signal)), { signal });
  const result = decode(out.Payload);
  const logTail = out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : '';
  const onLogEvents = hookOf(options);
  if (onLogEvents && logTail)
    onLogEvents(logGroupOf({ functionName }, 'invoke'), tailEvents(logTail, Date.now()));
  if (out.FunctionError === undefined) return result as T;
  const body = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const errorType = typeof body.errorType === 'string' ? body.errorType : out.FunctionError;
  const errorMessage = typeof body.errorMessage === 'string' ? body.errorMessage : String(result ?? '');
  const stack = body.trace ?? body.stackTrace ?? body.stack;
  const stackTrace = Array.isArray(stack) ? stack.map(String) : [];
  const requestId = out.$metadata.requestId;
  throw new FunctionError(
    `Function ${functionName}${options.qualifier ? `:${options.qualifier}` : ''} failed (${out.FunctionError}): ${errorType}: ${errorMessage}${stackTrace.length ? `\n${stackTrace.join('\n')}` : ''}${logTail ? `\n--- log tail ---\n${logTail}` : ''}`,
    functionName,
    errorType,
    errorMessage,
    stackTrace,
    logTail,
    requestId,
  );
};

/** Where a function's logs are: exactly one of `functionName` (→ `/aws/lambda/<name>`) and `logGroupName`. */
export interface LogGroupRef {
  /** The function's name or ARN: its log group is `/aws/lambda/<name>`. */
  readonly functionName?: string;
  /** A log group by name (e.g. a function with a custom log group). */
  readonly logGroupName?: string;
}

const logGroupOf = (ref: LogGroupRef, fn: string): string => {
  const [key, name] = exactlyOne(ref, ['functionName', 'logGroupName'], fn);
  if (key === 'logGroupName') return name;
  // An ARN (arn:aws:lambda:region:account:function:name[:qualifier]) names the function in field 6.
  return `/aws/lambda/${name.startsWith('arn:') ? (name.split(':')[6] ?? name) : name}`;
};

const sinceOf = (since: Date | number | undefined, fallback: number): number => {
  if (since === undefined) return fallback;
  const ms = since instanceof Date ? since.getTime() : since;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidInputError('since must be a Date or ms since the epoch.', 'since');
  }
  return ms;
};

/** Reads the events of a log group from `startTime` (every page up to the cap), skipping those already seen. */
const readNew = async (
  logs: CloudWatchLogsClient,
  request: { logGroupName: string; startTime: number; filterPattern: string | undefined },
  seen: Map<string, LogEvent>,
  signal: AbortSignal,
  onLogEvents: LogEventsHook | undefined,
): Promise<void> => {
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const command = new FilterLogEventsCommand({
      logGroupName: request.logGroupName,
      startTime: request.startTime,
      ...(request.filterPattern !== undefined ? { filterPattern: request.filterPattern } : {}),
      ...(nextToken ? { nextToken } : {}),
    });
    let out: FilterLogEventsCommandOutput;
    try {
      out = await retry(() => logs.send(command, { abortSignal: signal }), { signal });
    } catch (error) {
      if (isNotFound(error)) return; // the function has not logged yet
      throw error;
    }
    const read = (out.events ?? []).map(parseLogEvent);
    for (const event of read) if (!seen.has(event.eventId)) seen.set(event.eventId, event);
    if (onLogEvents && read.length > 0) onLogEvents(request.logGroupName, read);
    nextToken = out.nextToken;
    if (!nextToken) return;
  }
};

export interface WaitForLogsOptions extends LogGroupRef {
  /** A CloudWatch Logs filter pattern (e.g. `"ORDER "`, `{ $.level = "ERROR" }`). Default: every event. */
  readonly filterPattern?: string;
  /** Which events count: return true, or return nothing / throw (assertion style). Default: all. */
  readonly match?: (event: LogEvent) => unknown;
  /** How many matching events to wait for. Default 1. */
  readonly count?: number;
  /** Only events from this time on (Date or ms since the epoch). Default: when the probe was created. */
  readonly since?: Date | number;
  /** How long to wait, in ms. Required. */
  readonly timeout: number;
  /** Pause between polls, in ms. Default 500. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

/**
 * Waits until `count` log events (that pass `filterPattern` and `match`) exist; returns them in time
 * order, each with its request id, level and JSON body parsed.
 *
 * IAM: logs:FilterLogEvents on the log group.
 * @throws TimeoutError saying how many matched and showing the last events seen.
 */
export const waitForLogs = async (
  logs: CloudWatchLogsClient,
  options: WaitForLogsOptions,
  defaultSince: number,
): Promise<LogEvent[]> => {
  optionsObject(options, 'waitForLogs');
  const logGroupName = logGroupOf(options, 'waitForLogs');
  const count = positiveNumber('count', options.count ?? 1, true, null);
  const interval = positiveNumber('interval', options.interval ?? 500);
  if (options.filterPattern !== undefined && typeof options.filterPattern !== 'string') {
    throw new InvalidInputError('filterPattern must be a string.', 'filterPattern');
  }
  const request = {
    logGroupName,
    startTime: sinceOf(options.since, defaultSince),
    filterPattern: options.filterPattern,
  };
  const seen = new Map<string, LogEvent>();
  const matching = (): LogEvent[] =>
    [...seen.values()].filter((e) => runMatch(options.match, e).ok).sort((a, b) => a.timestamp - b.timestamp);
  const deadline = createDeadline(options.timeout, options.signal);
  try {
    for (;;) {
      await readNew(logs, request, seen, deadline.signal, hookOf(options));
      const matched = matching();
      if (matched.length >= count) return matched;
      await sleep(Math.min(interval, deadline.remaining()), deadline.signal);
    }
  } catch (error) {
    if (!deadline.timedOut) throw error;
    const last = [...seen.values()].slice(-5).map((e) => `  ${e.message}`);
    throw new TimeoutError(
      `${matching().length} of ${count} log events matched in ${logGroupName} within ${options.timeout} ms (${seen.size} events read${options.filterPattern ? ` with filter ${options.filterPattern}` : ''}).${last.length ? `\nLast events:\n${last.join('\n')}` : ''}`,
      options.timeout,
      { cause: error },
    );
  } finally {
    deadline.dispose();
  }
};

export interface ExpectNoFunctionErrorsOptions extends LogGroupRef {
  /** Only log events from this time on (Date or ms since the epoch). Default: when the probe was created. */
  readonly since?: Date | number;
  /** How long the log must stay free of errors, in ms (the whole window is waited). Default 0: one read now. */
  readonly within?: number;
  /** Pause between reads, in ms. Default 500. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

/** What the failure lines of the runtime contain (a filter, so a busy log group is not read whole). */
export const FAILURE_FILTER =
  '?"Invoke Error" ?"Uncaught Exception" ?"Task timed out" ?"Runtime exited" ?"Status: timeout" ?"Status: error" ?"ERROR"';

const describeFailure = (f: FunctionLogFailure): string =>
  `  ${f.kind} ${f.errorType}: ${f.errorMessage} (request ${f.requestId ?? 'unknown'}, ${new Date(f.timestamp).toISOString()})`;

/**
 * Fails when the function's log shows uncaught errors, timeouts or runtime failures since `since`,
 * reading the log for the whole `within` window.
 *
 * IAM: logs:FilterLogEvents on `/aws/lambda/<name>`.
 * @throws FunctionLogErrorsError listing each failure with its request id.
 */
export const expectNoFunctionErrors = async (
  logs: CloudWatchLogsClient,
  options: ExpectNoFunctionErrorsOptions,
  defaultSince: number,
): Promise<void> => {
  optionsObject(options, 'expectNoFunctionErrors');
  const logGroupName = logGroupOf(options, 'expectNoFunctionErrors');
  const within = options.within ?? 0;
  if (within !== 0) positiveNumber('within', within);
  const interval = positiveNumber('interval', options.interval ?? 500);
  const request = {
    logGroupName,
    startTime: sinceOf(options.since, defaultSince),
    filterPattern: FAILURE_FILTER,
  };
  const seen = new Map<string, LogEvent>();
  const deadline = createDeadline(within + 60_000, options.signal, 'within');
  const endsAt = performance.now() + within;
  try {
    for (;;) {
      await readNew(logs, request, seen, deadline.signal, hookOf(options));
      const failures = failuresIn([...seen.values()].sort((a, b) => a.timestamp - b.timestamp));
      if (failures.length > 0) {
        throw new FunctionLogErrorsError(
          `${options.functionName ?? logGroupName} logged ${failures.length} failure(s) in ${logGroupName}:\n${failures.map(describeFailure).join('\n')}`,
          logGroupName,
          failures,
        );
      }
      const left = endsAt - performance.now();
      if (left <= 0) return;
      await sleep(Math.min(interval, left), deadline.signal);
    }
  } finally {
    deadline.dispose();
  }
};
