import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../errors.js';

/** The parts of an `X-Amzn-Trace-Id` header (`Root=1-…;Parent=…;Sampled=1`). */
export interface TraceHeader {
  /** The trace id, `1-<8 hex epoch seconds>-<24 hex>`. */
  readonly root: string;
  /** The id of the segment (or subsegment) that made the call, 16 hex digits. */
  readonly parent?: string;
  /** `true` for `Sampled=1`, `false` for `Sampled=0`, absent for `Sampled=?` or no field. */
  readonly sampled?: boolean;
  /** The `Lineage` field (recursion detection), kept as sent. */
  readonly lineage?: string;
  /** Other `key=value` fields, kept as sent (e.g. `Self`). */
  readonly extra?: Readonly<Record<string, string>>;
}

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const SEGMENT_ID = /^[0-9a-f]{16}$/;

/** True when `value` is an X-Ray trace id: `1-<8 hex>-<24 hex>`. */
export const isTraceId = (value: string): boolean => TRACE_ID.test(value);

/** True when `value` is an X-Ray segment id: 16 hex digits. */
export const isSegmentId = (value: string): boolean => SEGMENT_ID.test(value);

/**
 * A new trace id: `1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>`.
 * @param clock milliseconds since the epoch. Default `Date.now`.
 */
export const newTraceId = (clock: () => number = Date.now): string => {
  const seconds = Math.floor(clock() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `1-${seconds}-${randomBytes(12).toString('hex')}`;
};

/** A new random segment id (16 hex digits). */
export const newSegmentId = (): string => randomBytes(8).toString('hex');

/**
 * Renders a tracing header. Without a root, a new trace id is minted; `sampled` defaults to true.
 * @example makeTraceHeader({ root: '1-5759e988-bd862e3fe1be46a994272793', sampled: true })
 * // 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'
 */
export const makeTraceHeader = (parts: Partial<TraceHeader> = {}): string => {
  const root = parts.root ?? newTraceId();
  if (!isTraceId(root)) {
    throw new InvalidInputError(
      `root must be a trace id like 1-5759e988-bd862e3fe1be46a994272793, got "${root}"`,
      'root',
    );
  }
  if (parts.parent !== undefined && !isSegmentId(parts.parent)) {
    throw new InvalidInputError(`parent must be 16 hex digits, got "${parts.parent}"`, 'parent');
  }
  const fields = [`Root=${root}`];
  if (parts.parent !== undefined) fields.push(`Parent=${parts.parent}`);
  const sampled = parts.sampled ?? true;
  fields.push(`Sampled=${sampled ? '1' : '0'}`);
  if (parts.lineage !== undefined) fields.push(`Lineage=${parts.lineage}`);
  for (const [k, v] of Object.entries(parts.extra ?? {})) fields.push(`${k}=${v}`);
  return fields.join(';');
};

/**
 * Parses a tracing header, tolerant of field order, spaces, case of field names, `Sampled=?`,
 * `Lineage` and unknown fields. Returns undefined when the header has no valid Root.
 */
export const tryParseTraceHeader = (header: string): TraceHeader | undefined => {
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: boolean | undefined;
  let lineage: string | undefined;
  const extra: Record<string, string> = {};
  for (const field of header.split(';')) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const key = field.slice(0, eq).trim();
    const value = field.slice(eq + 1).trim();
    switch (key.toLowerCase()) {
      case 'root':
        root = value.toLowerCase();
        break;
      case 'parent':
        parent = value.toLowerCase();
        break;
      case 'sampled':
        sampled = value === '1' ? true : value === '0' ? false : undefined;
        break;
      case 'lineage':
        lineage = value;
        break;
      default:
        if (key !== '') extra[key] = value;
    }
  }
  if (root === undefined || !isTraceId(root)) return undefined;
  return {
    root,
    ...(parent !== undefined && isSegmentId(parent) ? { parent } : {}),
    ...(sampled !== undefined ? { sampled } : {}),
    ...(lineage !== undefined ? { lineage } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
};

/** Like {@link tryParseTraceHeader}, but throws InvalidInputError (option `header`) when there is no valid Root. */
export const parseTraceHeader = (header: string): TraceHeader => {
  const parsed = tryParseTraceHeader(header);
  if (!parsed) {
    throw new InvalidInputError(
      `"${header}" is not an X-Ray tracing header: expected Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`,
      'header',
    );
  }
  return parsed;
};

/**
 * The trace id of a tracing header, or the trace id itself when given one.
 * Throws InvalidInputError (option `header`) for anything else.
 */
export const traceIdOf = (headerOrTraceId: string): string => {
  const trimmed = headerOrTraceId.trim();
  if (isTraceId(trimmed.toLowerCase())) return trimmed.toLowerCase();
  return parseTraceHeader(trimmed).root;
};

/** Headers as an SDK raw response, `fetch` or Node gives them. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

const headerValue = (headers: HeaderSource, name: string): string | undefined => {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() !== name) continue;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  }
  return undefined;
};

/**
 * The tracing header of a Lambda Invoke response. The SDK v3 output does not expose response
 * headers, so pass the raw response headers (`Headers`, a plain record, or an object with
 * `headers`), e.g. what {@link withTracing}'s `lastResponseTraceHeader` captured.
 */
export const traceHeaderFromLambdaResponse = (
  response: HeaderSource | { readonly headers: HeaderSource },
): string | undefined => {
  const maybe = response as { headers?: unknown };
  const headers =
    typeof maybe.headers === 'object' && maybe.headers !== null
      ? (maybe.headers as HeaderSource)
      : (response as HeaderSource);
  return headerValue(headers, 'x-amzn-trace-id');
};

/** The tracing header of a Step Functions execution (DescribeExecution / StartSyncExecution `traceHeader`). */
export const traceHeaderFromExecution = (execution: {
  readonly traceHeader?: string | undefined;
}): string | undefined => execution.traceHeader || undefined;

/**
 * The tracing header of an SQS message: `Attributes.AWSTraceHeader` as ReceiveMessage returns it
 * (ask for `MessageSystemAttributeNames: ['AWSTraceHeader']`), or `attributes.AWSTraceHeader` of
 * a Lambda SQS event record.
 */
export const traceHeaderFromSqsMessage = (message: {
  readonly Attributes?: Readonly<Record<string, string | undefined>> | undefined;
  readonly attributes?: Readonly<Record<string, string | undefined>> | undefined;
}): string | undefined =>
  message.Attributes?.AWSTraceHeader ?? message.attributes?.AWSTraceHeader ?? undefined;

/**
 * The tracing header of an event a listener received: its `traceHeader` field, or the
 * AWSTraceHeader of the SQS message it came in (`raw.attributes` / `raw.Attributes`).
 */
export const traceHeaderFromListenerEvent = (event: {
  readonly traceHeader?: string | undefined;
  readonly raw?:
    | {
        readonly Attributes?: Readonly<Record<string, string | undefined>> | undefined;
        readonly attributes?: Readonly<Record<string, string | undefined>> | undefined;
      }
    | undefined;
}): string | undefined => event.traceHeader ?? (event.raw ? traceHeaderFromSqsMessage(event.raw) : undefined);
