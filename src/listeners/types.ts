import type { ListenerResources } from '../resources/listener-resources.js';
import type { ReceivedEvent } from './message.js';

/** An EventBridge event as a target receives it without input transformation. */
export interface EventBridgeEvent<TDetail = unknown> {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: TDetail;
}

/**
 * Decides whether an event is the one wanted. Either style works:
 * - predicate: return `true` (match) or `false` (no match);
 * - assertion: throw when it does not match (e.g. `expect(...)`), return nothing when it does.
 * A throw is never an error of the wait: it counts as "no match" and is shown in the timeout message.
 * Returning `undefined` counts as a match (assertion style); any other value counts by truthiness
 * (`false`, `null`, `0`, `""` are "no match"). A promise is awaited first (async assertions work).
 */
export type MatchFunction<TEvent> = (event: TEvent, received: ReceivedEvent<TEvent>) => unknown;

export interface WaitOptions {
  /** How long to wait, in ms (positive, finite). Default 30 000. */
  readonly timeout?: number;
  /** Cancels the wait; the wait then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface WaitForEventsOptions extends WaitOptions {
  /** How many matching events to wait for (positive whole number). Required. */
  readonly count: number;
}

export interface PollEventsOptions {
  /** Longest wait for something new, in **seconds** (positive, at most 20 as in SQS; IATK's default). Default 20. */
  readonly waitTimeSeconds?: number;
  /** Most events returned by one call (positive whole number). Default 10. */
  readonly maxEvents?: number;
  readonly signal?: AbortSignal;
}

export interface CollectOptions<TEvent> {
  /** How long to collect, in ms (positive, finite). The call always takes this long. Required. */
  readonly duration: number;
  /** Only keep matching events. Default: every event. */
  readonly match?: MatchFunction<TEvent>;
  readonly signal?: AbortSignal;
}

export interface ExpectNoEventOptions {
  /** The window, in ms (positive, finite). The call waits all of it unless a matching event arrives. Required. */
  readonly within: number;
  readonly signal?: AbortSignal;
}

/**
 * A temporary consumer of events. Everything it receives is kept in `events` (in arrival order,
 * de-duplicated by event id), so every wait looks at what already arrived first and several waits
 * can look at the same events. Nothing is lost to a match function that said no.
 *
 * `TEvent` is the body the queue receives: an EventBridge envelope by default, or whatever the copied
 * target's input transformation makes of it (then pass your own type, or `unknown`).
 */
export interface Listener<TDetail = unknown, TEvent = EventBridgeEvent<TDetail>> extends AsyncDisposable {
  /** The listener id (also in every resource's name and tags). */
  readonly id: string;
  /** What the listener created (queue, rule, target). */
  readonly resources: ListenerResources;
  /** Every event received so far, in arrival order (bodies that are not JSON are strings). */
  readonly events: readonly TEvent[];
  /** The same events with their raw SQS messages (MessageId, attributes incl. AWSTraceHeader, receive count). */
  readonly received: readonly ReceivedEvent<TEvent>[];
  /** True once `stop()` was called. */
  readonly stopped: boolean;
  /** The first event (already received, or arriving before the timeout) that matches. Default match: any event. */
  waitForEvent(match?: MatchFunction<TEvent>, options?: WaitOptions): Promise<TEvent>;
  /** The first `count` matching events, in arrival order. */
  waitForEvents(match: MatchFunction<TEvent> | undefined, options: WaitForEventsOptions): Promise<TEvent[]>;
  /**
   * IATK's `poll_events`: the events not yet returned by an earlier `pollEvents` call, at most
   * `maxEvents`; when there are none, waits up to `waitTimeSeconds` for new ones (returns `[]` if none).
   * Events stay in `events` either way.
   */
  pollEvents(options?: PollEventsOptions): Promise<TEvent[]>;
  /** Waits the full `duration`, then returns every event received so far (that matches `match`). */
  collect(options: CollectOptions<TEvent>): Promise<TEvent[]>;
  /**
   * Passes when no matching event is (or gets) received within `within` ms; waits the full window.
   * Throws UnexpectedEventError naming the event as soon as one matches (also one received earlier).
   */
  expectNoEvent(match: MatchFunction<TEvent> | undefined, options: ExpectNoEventOptions): Promise<void>;
  /** Stops receiving and removes the listener's resources. Pending waits reject. Idempotent. */
  stop(): Promise<void>;
}
