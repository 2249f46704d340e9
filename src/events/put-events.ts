import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EventProbeError, type EventProbeErrorOptions, InvalidInputError } from '../errors.js';
import { sendOptions } from '../wait/index.js';

/** A full EventBridge event (an envelope, e.g. from `generateMockEvent`). */
export interface EnvelopeEvent {
  readonly source: string;
  readonly 'detail-type': string;
  /** An object (sent as JSON) or a JSON string. Default `{}`. */
  readonly detail?: unknown;
  readonly resources?: readonly string[];
  /** ISO time or a Date. Default: when EventBridge receives it. */
  readonly time?: string | Date;
  readonly [key: string]: unknown;
}

/** An event as a full envelope, or already as a PutEvents entry (`Source`, `DetailType`, `Detail`...). */
export type MockOrPlainEvent = EnvelopeEvent | PutEventsRequestEntry;

/** What {@link putEvents} needs of an EventBridge client (a real `EventBridgeClient` fits). */
export interface EventBridgeClientLike {
  send(
    command: PutEventsCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<Pick<PutEventsCommandOutput, 'FailedEntryCount' | 'Entries'>>;
}

export interface PutEventsOptions {
  /** The bus (name or ARN) for every event. Default: an entry's own `EventBusName`, else `default`. */
  readonly eventBusName?: string;
  readonly signal?: AbortSignal;
}

/** One event EventBridge did not accept. */
export interface FailedEvent {
  /** Position in the list given to `putEvents`. */
  readonly index: number;
  readonly entry: PutEventsRequestEntry;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
}

/** PutEvents rejected some events (FailedEntryCount > 0). The others were sent: see `eventIds`. */
export class PutEventsFailedError extends EventProbeError {
  constructor(
    message: string,
    readonly failed: readonly FailedEvent[],
    /** Per event given, the id EventBridge assigned, or undefined where it failed. */
    readonly eventIds: readonly (string | undefined)[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** PutEvents takes at most this many entries per call. */
export const PUT_EVENTS_BATCH = 10;

const isEntry = (e: MockOrPlainEvent): e is PutEventsRequestEntry =>
  'Source' in e || 'DetailType' in e || 'Detail' in e;

const toEntry = (event: MockOrPlainEvent, index: number, bus: string | undefined): PutEventsRequestEntry => {
  const at = `events[${index}]`;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidInputError(`${at} must be an event object.`, at);
  }
  if (isEntry(event)) return bus === undefined ? { ...event } : { ...event, EventBusName: bus };
  for (const key of ['source', 'detail-type'] as const) {
    if (typeof event[key] !== 'string' || event[key] === '') {
      throw new InvalidInputError(`${at}.${key} must be a non-empty string.`, `${at}.${key}`);
    }
  }
  const entry: PutEventsRequestEntry = {
    Source: event.source,
    DetailType: event['detail-type'],
    Detail: typeof event.detail === 'string' ? event.detail : JSON.stringify(event.detail ?? {}),
  };
  if (event.resources !== undefined) {
    if (!Array.isArray(event.resources) || !event.resources.every((r) => typeof r === 'string')) {
      throw new InvalidInputError(`${at}.resources must be a list of ARNs.`, `${at}.resources`);
    }
    entry.Resources = [...event.resources];
  }
  if (event.time !== undefined) {
    const time = new Date(event.time);
    if (Number.isNaN(time.getTime())) {
      throw new InvalidInputError(`${at}.time must be an ISO date, got ${String(event.time)}.`, `${at}.time`);
    }
    entry.Time = time;
  }
  if (bus !== undefined) entry.EventBusName = bus;
  return entry;
};

/**
 * Sends events to EventBridge (PutEvents, in batches of 10): full envelopes (as `generateMockEvent`
 * returns) become entries with Source, DetailType, Detail (JSON), Resources and Time; PutEvents
 * entries pass as they are. Returns the ids EventBridge assigned, in order (EventBridge gives each
 * event a new id; the envelope's `id` is not sent).
 *
 * IAM: events:PutEvents.
 *
 * @throws PutEventsFailedError when EventBridge rejected some events (FailedEntryCount > 0),
 *   listing each with its ErrorCode and ErrorMessage; the others were sent.
 * @throws InvalidInputError for an event that is not one (`error.option` names it).
 * @throws EventProbeError when a PutEvents call fails (the SDK's error is the `cause`).
 */
export const putEvents = async (
  eventBridge: EventBridgeClientLike,
  events: readonly MockOrPlainEvent[],
  options: PutEventsOptions = {},
): Promise<string[]> => {
  if (!Array.isArray(events)) throw new InvalidInputError('events must be a list of events.', 'events');
  const { eventBusName, signal } = options;
  if (eventBusName !== undefined && (typeof eventBusName !== 'string' || eventBusName === '')) {
    throw new InvalidInputError('eventBusName must be a non-empty string.', 'eventBusName');
  }
  const entries = events.map((e, i) => toEntry(e, i, eventBusName));
  const ids: (string | undefined)[] = [];
  const failed: FailedEvent[] = [];
  for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
    signal?.throwIfAborted();
    const batch = entries.slice(start, start + PUT_EVENTS_BATCH);
    let out: Awaited<ReturnType<EventBridgeClientLike['send']>>;
    try {
      out = await eventBridge.send(new PutEventsCommand({ Entries: batch }), sendOptions(signal));
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new EventProbeError(
        `PutEvents failed for events ${start}-${start + batch.length - 1}: ${(err as Error).message}` +
          (start > 0 ? ` (events before ${start} were sent)` : ''),
        { cause: err },
      );
    }
    batch.forEach((entry, i) => {
      const result = out.Entries?.[i];
      if (result?.EventId !== undefined && result.ErrorCode === undefined) {
        ids.push(result.EventId);
        return;
      }
      ids.push(undefined);
      failed.push({
        index: start + i,
        entry,
        errorCode: result?.ErrorCode,
        errorMessage: result?.ErrorMessage ?? (result ? undefined : 'no result entry returned'),
      });
    });
  }
  if (failed.length > 0) {
    const list = failed
      .slice(0, 5)
      .map((f) =>
        `#${f.index} (${f.entry.Source}/${f.entry.DetailType}): ${f.errorCode ?? 'Unknown'} ${f.errorMessage ?? ''}`.trim(),
      )
      .join('; ');
    throw new PutEventsFailedError(
      `EventBridge rejected ${failed.length} of ${entries.length} events: ${list}${failed.length > 5 ? '; ...' : ''}`,
      failed,
      ids,
    );
  }
  return ids as string[];
};
