/**
 * Lambda log lines, parsed (pure): the text format the Node.js runtime writes on AWS and in the
 * emulator (`<time>\t<request id>\t<LEVEL>\t<message>`, START/END/REPORT, `Task timed out`,
 * `Invoke Error` / `Uncaught Exception` with a JSON body), and the JSON log format.
 */
import type { FunctionLogFailure } from '../errors.js';

/** A log event as FilterLogEvents returns it, plus what eventprobe reads from its message. */
export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly logStreamName: string;
  readonly eventId: string;
  /** The request id of a runtime line (`<time>\t<id>\t<LEVEL>\t...`) or a JSON line's `requestId`. */
  readonly requestId: string | undefined;
  /** INFO, WARN, ERROR, DEBUG, TRACE for runtime and JSON lines. */
  readonly level: string | undefined;
  /** The message (or a runtime line's text) parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** A failure a function's log shows (declared with the error that carries it). */
export type { FunctionLogFailure };

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RUNTIME_LINE = /^(\d{4}-\d\d-\d\dT[^\t ]+)\t([^\t]+)\t([A-Z]+)\t([\s\S]*)$/;

const parseJson = (text: string): unknown => {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
};

const requestIdOf = (value: unknown): string | undefined =>
  typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;

/** Reads a raw log event's request id, level and JSON body. */
export const parseLogEvent = (raw: {
  timestamp?: number | undefined;
  message?: string | undefined;
  logStreamName?: string | undefined;
  eventId?: string | undefined;
}): LogEvent => {
  const message = (raw.message ?? '').replace(/\n$/, '');
  const base = {
    timestamp: raw.timestamp ?? 0,
    message,
    logStreamName: raw.logStreamName ?? '',
    eventId: raw.eventId ?? '',
  };
  const line = RUNTIME_LINE.exec(message);
  if (line) {
    return { ...base, requestId: requestIdOf(line[2]), level: line[3], json: parseJson(line[4] as string) };
  }
  const json = parseJson(message);
  const record = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  return {
    ...base,
    requestId: requestIdOf(record.requestId),
    level: typeof record.level === 'string' ? record.level : undefined,
    json,
  };
};

const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

const stackOf = (body: Record<string, unknown>): string[] => {
  const stack = body.stack ?? body.stackTrace ?? body.trace;
  return Array.isArray(stack) ? stack.map(String) : typeof stack === 'string' ? stack.split('\n') : [];
};

const fromErrorBody = (
  event: LogEvent,
  body: Record<string, unknown>,
  fallbackType: string,
): FunctionLogFailure => {
  const errorType = text(body.errorType, fallbackType);
  return {
    kind: errorType.startsWith('Runtime.') ? 'runtime' : 'error',
    requestId: event.requestId,
    errorType,
    errorMessage: text(body.errorMessage, ''),
    stackTrace: stackOf(body),
    timestamp: event.timestamp,
    logStreamName: event.logStreamName,
  };
};

const TIMED_OUT = /(?:^|\s)([0-9a-f-]{36})?\s*Task timed out after ([\d.]+) seconds/i;
const REPORT_STATUS = /^REPORT RequestId: (\S+)[\s\S]*\bStatus: (timeout|error)(?:\s+Error Type: (\S+))?/;
const RUNTIME_EXIT = /RequestId: (\S+) Error: (Runtime exited[^\n]*)/;

/** The failure one log event shows, if any (lines that are not about a failure give undefined). */
export const failureOf = (event: LogEvent): FunctionLogFailure | undefined => {
  const { message } = event;
  const at = { timestamp: event.timestamp, logStreamName: event.logStreamName, stackTrace: [] };
  const json = event.json as Record<string, unknown> | undefined;
  // Runtime text lines: `...\tERROR\tInvoke Error \t{json}` or `Uncaught Exception \t{json}`.
  const runtime = RUNTIME_LINE.exec(message);
  if (runtime && /^(Invoke Error|Uncaught Exception)\s*\t/.test(runtime[4] as string)) {
    const body = parseJson((runtime[4] as string).replace(/^[^\t]*\t/, ''));
    return fromErrorBody(event, (body ?? {}) as Record<string, unknown>, 'Error');
  }
  // JSON log format: an ERROR record whose message is the error (or whose fields are).
  if (json && !Array.isArray(json) && json.level === 'ERROR' && typeof json.errorType === 'string') {
    return fromErrorBody(event, json, 'Error');
  }
  if (json && !Array.isArray(json) && json.type === 'platform.report') {
    const record = (json.record ?? {}) as Record<string, unknown>;
    if (record.status !== 'timeout' && record.status !== 'error') return undefined;
    return {
      ...at,
      kind: record.status === 'timeout' ? 'timeout' : 'runtime',
      requestId: requestIdOf(record.requestId),
      errorType: text(record.errorType, record.status === 'timeout' ? 'Sandbox.Timedout' : 'Runtime.Unknown'),
      errorMessage: `Invocation ended with status ${record.status}.`,
    };
  }
  const timedOut = TIMED_OUT.exec(message);
  if (timedOut) {
    return {
      ...at,
      kind: 'timeout',
      requestId: requestIdOf(timedOut[1]) ?? event.requestId,
      errorType: 'Sandbox.Timedout',
      errorMessage: `Task timed out after ${timedOut[2]} seconds`,
    };
  }
  const exit = RUNTIME_EXIT.exec(message);
  if (exit) {
    return {
      ...at,
      kind: 'runtime',
      requestId: requestIdOf(exit[1]),
      errorType: 'Runtime.ExitError',
      errorMessage: exit[2] as string,
    };
  }
  const report = REPORT_STATUS.exec(message);
  if (report) {
    return {
      ...at,
      kind: report[2] === 'timeout' ? 'timeout' : 'runtime',
      requestId: requestIdOf(report[1]),
      errorType: report[3] ?? (report[2] === 'timeout' ? 'Sandbox.Timedout' : 'Runtime.Unknown'),
      errorMessage: `Invocation ended with status ${report[2]}.`,
    };
  }
  return undefined;
};

/**
 * Every failure in these events, one per request where the log says it twice (a `Task timed out`
 * line and its REPORT `Status: timeout`): the most specific line wins, REPORT lines count only for
 * requests no other line explains.
 */
export const failuresIn = (events: readonly LogEvent[]): FunctionLogFailure[] => {
  const found: FunctionLogFailure[] = [];
  const reports: FunctionLogFailure[] = [];
  for (const event of events) {
    const failure = failureOf(event);
    if (!failure) continue;
    const fromReport =
      event.message.startsWith('REPORT ') || (event.json as { type?: unknown })?.type === 'platform.report';
    (fromReport ? reports : found).push(failure);
  }
  const explained = new Set(found.map((f) => f.requestId).filter((id) => id !== undefined));
  for (const r of reports) if (r.requestId === undefined || !explained.has(r.requestId)) found.push(r);
  return found.sort((a, b) => a.timestamp - b.timestamp);
};
