import { debuglog } from 'node:util';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Clock } from '../config.js';
import { EventProbeError, InvalidInputError } from '../errors.js';
import type { ListenerResources } from '../resources/listener-resources.js';
import { positiveNumber } from '../validate.js';
import { backoffDelay, createDeadline, isQueueGone, isRetryable, raceAbort, sleep } from '../wait/index.js';
import { EventBuffer } from './buffer.js';
import {
  describeMisses,
  EventTimeoutError,
  ListenerStoppedError,
  type Miss,
  preview,
  UnexpectedEventError,
} from './errors.js';
import { parseMessage, type ReceivedEvent } from './message.js';
import type {
  CollectOptions,
  EventBridgeEvent,
  ExpectNoEventOptions,
  Listener,
  MatchFunction,
  PollEventsOptions,
  WaitForEventsOptions,
  WaitOptions,
} from './types.js';

/** `NODE_DEBUG=eventprobe` shows what listeners do. */
const debug = debuglog('eventprobe');

/** Longest long poll SQS allows, in seconds. */
export const MAX_WAIT_SECONDS = 20;
const DEFAULT_TIMEOUT_MS = 30_000;
const MISSES_KEPT = 3;
/**
 * Visibility timeout of received messages: they are deleted right away, so this only bounds how long
 * a message taken by a cancelled (aborted) receive stays invisible before it is delivered again.
 */
const VISIBILITY_TIMEOUT_SECONDS = 5;
/** Pauses between failed receives (throttling, 5xx): 400 ms doubling up to 5 s, with full jitter. */
const RECEIVE_BACKOFF = { baseDelayMs: 200, maxDelayMs: 5_000 } as const;
/** Extra time an HTTP request for a long poll may take beyond its wait. */
const LONG_POLL_SLACK_MS = 15_000;

/** What every buffered listener is made of (its source adds the rest). */
export interface BufferedListenerInit {
  readonly id: string;
  readonly resources: ListenerResources;
  /** Removes the listener's resources (called once by `stop()`, after `halt()`). Default: nothing. */
  readonly remove?: () => Promise<void>;
  /** Told once when `stop()` is first called (before anything is halted or removed). Default: nothing. */
  readonly onStop?: () => void;
}

interface Done<R> {
  readonly value: R;
}

/** @internal One wait over the buffer (see `BufferedListener.wait`). */
export interface WaitSpec<R> {
  readonly timeoutMs: number;
  readonly option: string;
  readonly signal: AbortSignal | undefined;
  readonly start?: number;
  /** Looks at one entry; synchronous unless a match function returned a promise. */
  readonly step?: (entry: ReceivedEvent) => Step<R>;
  readonly afterScan?: () => Done<R> | undefined;
  readonly onTimeout: () => R;
}

type Step<R> = Done<R> | undefined | Promise<Done<R> | undefined>;

/** A verdict of a match function: true for a match, else the miss (with the assertion's error). */
type Verdict = true | Miss;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** Applies `next` to a value that may be a promise (and to `arg`), without a microtask when it is not. */
const then = <T, A, U>(value: T | Promise<T>, arg: A, next: (value: T, arg: A) => U): U | Promise<U> =>
  value instanceof Promise ? (value.then((v) => next(v, arg)) as Promise<U>) : next(value, arg);

/** What a match function's result means. */
const verdictOf = (result: unknown, entry: ReceivedEvent): Verdict =>
  result === undefined || result ? true : { event: entry.event };

interface Failure {
  readonly seq: number;
  readonly error: EventProbeError;
}

const checkMatch = (match: unknown): void => {
  if (match !== undefined && typeof match !== 'function') {
    throw new InvalidInputError(
      `match must be a function (event) => boolean, or an assertion function; got ${typeof match}.`,
      'match',
    );
  }
};

/** Validates a whole-number count option. */
const count = (option: string, value: unknown): number => positiveNumber(option, value, true, null);

/**
 * The part every listener shares, whatever its source: the buffer of received events (in arrival
 * order, de-duplicated by id), the waits over it, and stopping. A source feeds it through
 * `append(entries)` and `fail(error)`; subclasses hear when waits start (`waitStarted`) and when the
 * last one is cancelled (`waitsCancelled`), read `waitingUntil` to size their reads, and stop their
 * source in `haltSource()`.
 *
 * Failures: a failure rejects the waits in progress (before they look at entries that arrived with
 * it); when nothing waits, the latest one is kept and rejects the next wait instead.
 */
export abstract class BufferedListener<TDetail = unknown, TEvent = EventBridgeEvent<TDetail>>
  implements Listener<TDetail, TEvent>
{
  readonly id: string;
  readonly resources: ListenerResources;
  readonly #remove: (() => Promise<void>) | undefined;
  readonly #onStop: (() => void) | undefined;
  readonly #buffer = new EventBuffer<TEvent>();
  readonly #demands = new Map<symbol, number>();
  #failure: Failure | undefined;
  /** A failure that happened while nothing waited: the next wait rejects with it. */
  #kept: Failure | undefined;
  #failureSeq = 0;
  #pollCursor = 0;
  #stopping: Promise<void> | undefined;
  #stopped = false;

  constructor(init: BufferedListenerInit) {
    this.id = init.id;
    this.resources = init.resources;
    this.#remove = init.remove;
    this.#onStop = init.onStop;
  }

  get events(): readonly TEvent[] {
    return this.#buffer.entries.map((e) => e.event);
  }

  get received(): readonly ReceivedEvent<TEvent>[] {
    return this.#buffer.entries.slice();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Duplicate deliveries dropped so far. */
  get duplicates(): number {
    return this.#buffer.duplicates;
  }

  // ---- what sources call -----------------------------------------------------------------------

  /**
   * @internal For the listener's source: adds received entries (duplicates by id are dropped) and
   * wakes the waits. `unique`: the source guarantees these ids were never appended before, so the
   * duplicate check is skipped (see `EventBuffer.add`).
   */
  append(entries: readonly ReceivedEvent<TEvent>[], unique = false): void {
    this.#buffer.add(entries, unique);
  }

  /**
   * @internal For the listener's source: rejects the waits in progress with `error`, or, when
   * nothing waits, the next wait.
   */
  fail(error: EventProbeError): void {
    this.#failureSeq++;
    const failure = { seq: this.#failureSeq, error };
    this.#failure = failure;
    this.#kept = this.#demands.size === 0 ? failure : undefined;
    this.#buffer.notify();
  }

  /** Wakes the waits without new entries (e.g. to re-check a condition of a subclass). */
  protected notify(): void {
    this.#buffer.notify();
  }

  /** The source is gone for good: fails the waits with `error` and stops the listener (no `halt()`). */
  protected end(error: EventProbeError): void {
    this.fail(error);
    this.#stopped = true;
    this.#buffer.close();
  }

  /** The latest deadline of the waits in progress (performance.now() ms), or undefined when nothing waits. */
  protected get waitingUntil(): number | undefined {
    return this.#demands.size === 0 ? undefined : Math.max(...this.#demands.values());
  }

  /** A wait started (`waitingUntil` includes its deadline): start the source if it runs on demand. */
  protected waitStarted(): void {}

  /** The last wait in progress was cancelled by its caller: cut an on-demand read short. */
  protected waitsCancelled(): void {}

  /** Stops the source; called by `halt()`, after the waits were rejected. */
  protected abstract haltSource(): Promise<void>;

  // ---- waiting ---------------------------------------------------------------------------------

  #acquire(endsAt: number): (cancel: boolean) => void {
    const key = Symbol('demand');
    this.#demands.set(key, endsAt);
    this.waitStarted();
    return (cancel) => {
      this.#demands.delete(key);
      if (cancel && this.#demands.size === 0) this.waitsCancelled();
    };
  }

  /** @internal Runs one wait over the buffer: scans every entry, then waits for more until done or timed out. */
  protected async wait<R>(spec: WaitSpec<R>): Promise<R> {
    this.#throwIfStopped();
    const deadline = createDeadline(spec.timeoutMs, spec.signal, spec.option);
    const failureSeq = this.#kept ? this.#kept.seq - 1 : this.#failureSeq;
    const release = this.#acquire(deadline.endsAt);
    let cancel = false;
    try {
      const throwIfFailed = (): void => {
        const failure = this.#failure;
        if (failure && failure.seq > failureSeq) {
          if (this.#kept === failure) this.#kept = undefined;
          throw failure.error;
        }
      };
      let cursor = spec.start ?? 0;
      for (;;) {
        // A failure comes first: a source reports a problem before the entries it concerns.
        throwIfFailed();
        const entries = this.#buffer.entries;
        // Synchronous steps run without a microtask per entry; only promises are awaited.
        const step = spec.step;
        while (step && cursor < entries.length) {
          let done = step(entries[cursor++] as ReceivedEvent);
          if (done instanceof Promise) done = await done;
          if (done) return done.value;
        }
        cursor = entries.length;
        const done = spec.afterScan?.();
        if (done) return done.value;
        // Also one that came while scanning (async match functions), before sleeping past it.
        throwIfFailed();
        this.#throwIfStopped();
        await raceAbort(this.#buffer.changed(), deadline.signal);
      }
    } catch (error) {
      if (deadline.timedOut) return spec.onTimeout();
      if (spec.signal?.aborted) {
        cancel = true;
        throw spec.signal.reason;
      }
      throw error;
    } finally {
      release(cancel);
      deadline.dispose();
    }
  }

  #throwIfStopped(): void {
    if (this.#stopped) {
      throw new ListenerStoppedError(
        `Listener ${this.id} is stopped; it receives nothing more. Create a new listener.`,
        this.id,
      );
    }
  }

  /**
   * Runs a match function: true for a match, or the miss (with the assertion's error); a promise
   * only when the match function returned one.
   */
  #test(match: MatchFunction<TEvent> | undefined, entry: ReceivedEvent): Verdict | Promise<Verdict> {
    if (!match) return true;
    let result: unknown;
    try {
      result = match(entry.event as TEvent, entry as ReceivedEvent<TEvent>);
    } catch (error) {
      return { event: entry.event, error };
    }
    if (!isThenable(result)) return verdictOf(result, entry);
    return Promise.resolve(result).then(
      (value) => verdictOf(value, entry),
      (error: unknown): Verdict => ({ event: entry.event, error }),
    );
  }

  #timeoutError(
    what: string,
    timeoutMs: number,
    misses: readonly Miss[],
    matched: readonly unknown[] = [],
  ): EventTimeoutError {
    const n = this.#buffer.length;
    const last = misses.at(-1);
    return new EventTimeoutError(
      `Listener ${this.id}: ${what} within ${timeoutMs} ms. ${n} event${n === 1 ? '' : 's'} arrived` +
        (matched.length > 0 ? `, ${matched.length} matched` : n > 0 ? ', none matched' : '') +
        '.' +
        (misses.length > 0
          ? `\nClosest misses (most recent last):\n${describeMisses(misses)}`
          : n === 0
            ? '\nNothing arrived: check that the system under test emitted the event, the event bus and pattern, and the region; or raise the timeout.'
            : ''),
      timeoutMs,
      n,
      misses,
      matched,
      last?.error === undefined ? {} : { cause: last.error },
    );
  }

  async waitForEvent(match?: MatchFunction<TEvent>, options: WaitOptions = {}): Promise<TEvent> {
    checkMatch(match);
    const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
    const misses: Miss[] = [];
    const decide = (result: Verdict, entry: ReceivedEvent): Done<TEvent> | undefined => {
      if (result === true) return { value: entry.event as TEvent };
      misses.push(result);
      if (misses.length > MISSES_KEPT) misses.shift();
      return undefined;
    };
    return this.wait<TEvent>({
      timeoutMs,
      option: 'timeout',
      signal: options.signal,
      step: (entry) => then(this.#test(match, entry), entry, decide),
      onTimeout: () => {
        throw this.#timeoutError('no matching event', timeoutMs, misses);
      },
    });
  }

  async waitForEvents(
    match: MatchFunction<TEvent> | undefined,
    options: WaitForEventsOptions,
  ): Promise<TEvent[]> {
    checkMatch(match);
    const wanted = count('count', options?.count);
    const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
    const matched: TEvent[] = [];
    const misses: Miss[] = [];
    const decide = (result: Verdict, entry: ReceivedEvent): Done<TEvent[]> | undefined => {
      if (result === true) {
        matched.push(entry.event as TEvent);
        return matched.length >= wanted ? { value: matched } : undefined;
      }
      misses.push(result);
      if (misses.length > MISSES_KEPT) misses.shift();
      return undefined;
    };
    return this.wait<TEvent[]>({
      timeoutMs,
      option: 'timeout',
      signal: options.signal,
      step: (entry) => then(this.#test(match, entry), entry, decide),
      onTimeout: () => {
        throw this.#timeoutError(
          `only ${matched.length} of ${wanted} matching events`,
          timeoutMs,
          misses,
          matched,
        );
      },
    });
  }

  async pollEvents(options: PollEventsOptions = {}): Promise<TEvent[]> {
    const seconds = positiveNumber(
      'waitTimeSeconds',
      options.waitTimeSeconds ?? MAX_WAIT_SECONDS,
      false,
      'seconds',
    );
    if (seconds > MAX_WAIT_SECONDS) {
      throw new InvalidInputError(
        `waitTimeSeconds is in seconds and at most ${MAX_WAIT_SECONDS} (as in SQS's ReceiveMessage), got ${seconds}. ` +
          'Milliseconds by mistake? For longer waits use waitForEvent(match, { timeout }) (ms).',
        'waitTimeSeconds',
      );
    }
    const max = count('maxEvents', options.maxEvents ?? 10);
    const start = this.#pollCursor;
    const batch: TEvent[] = [];
    const take = (): Done<TEvent[]> => {
      this.#pollCursor = start + batch.length;
      return { value: batch };
    };
    return this.wait<TEvent[]>({
      timeoutMs: seconds * 1000,
      option: 'waitTimeSeconds',
      signal: options.signal,
      start,
      step: (entry) => {
        batch.push(entry.event as TEvent);
        return batch.length >= max ? take() : undefined;
      },
      afterScan: () => (batch.length > 0 ? take() : undefined),
      onTimeout: () => take().value,
    });
  }

  async collect(options: CollectOptions<TEvent>): Promise<TEvent[]> {
    const duration = options?.duration;
    checkMatch(options?.match);
    const kept: TEvent[] = [];
    const decide = (result: Verdict, entry: ReceivedEvent): undefined => {
      if (result === true) kept.push(entry.event as TEvent);
    };
    return this.wait<TEvent[]>({
      timeoutMs: duration,
      option: 'duration',
      signal: options?.signal,
      step: (entry) => then(this.#test(options.match, entry), entry, decide),
      onTimeout: () => kept,
    });
  }

  async expectNoEvent(
    match: MatchFunction<TEvent> | undefined,
    options: ExpectNoEventOptions,
  ): Promise<void> {
    checkMatch(match);
    const within = options?.within;
    const decide = (result: Verdict, entry: ReceivedEvent): undefined => {
      if (result === true) {
        throw new UnexpectedEventError(
          `Listener ${this.id}: expected no matching event within ${within} ms, but this one arrived:\n  ${preview(entry.event)}`,
          entry.event,
        );
      }
    };
    return this.wait<void>({
      timeoutMs: within,
      option: 'within',
      signal: options?.signal,
      step: (entry) => then(this.#test(match, entry), entry, decide),
      onTimeout: () => undefined,
    });
  }

  // ---- stopping --------------------------------------------------------------------------------

  /** Stops receiving (no resource removal). Pending waits reject with ListenerStoppedError. */
  async halt(): Promise<void> {
    this.#stopped = true;
    this.#buffer.close();
    await this.haltSource();
  }

  stop(): Promise<void> {
    if (this.#stopping === undefined) this.#onStop?.();
    this.#stopping ??= this.halt().then(() => this.#remove?.());
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Counters of a queue listener. */
export interface QueueListenerStats {
  /** ReceiveMessage calls made so far. */
  readonly receiveCalls: number;
  /** Control (readiness) messages received (deleted, never buffered). */
  readonly controlCount: number;
}

export interface QueueListenerInit<TEvent = unknown> extends BufferedListenerInit {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly clock: Clock;
  /** Removes the listener's resources (called once by `stop()`). */
  readonly remove: () => Promise<void>;
  /** Messages that are eventprobe's own (readiness checks): counted, deleted, never buffered. */
  readonly isControl?: (entry: ReceivedEvent) => boolean;
  /**
   * Turns a received message into the event the listener keeps (e.g. unwraps an SNS envelope); `raw`
   * should stay the message as received. Must not throw. Default: {@link parseMessage}.
   */
  readonly parse?: (message: Message, receivedAt: number) => ReceivedEvent<TEvent>;
}

/**
 * A listener that reads one SQS queue. Receiving runs only while someone waits: one background loop
 * of long polls (at most 20 s each, capped by the time left before the latest deadline), so an idle
 * wait costs 3 calls a minute, and nothing but ReceiveMessage/DeleteMessageBatch is called.
 *
 * Cancellation: a caller's abort (when nothing else waits) and `stop()` cancel the in-flight
 * ReceiveMessage at once. A deadline does not: the long poll was capped to the time left, so it ends
 * with the deadline anyway (SQS counts whole seconds, so up to 1 s later), and what it brings is
 * kept. Aborting it instead would lose messages for a while: SQS can hand messages to a request
 * whose client has already gone, and they stay invisible for the visibility timeout.
 */
export class QueueListener<TDetail = unknown, TEvent = EventBridgeEvent<TDetail>> extends BufferedListener<
  TDetail,
  TEvent
> {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #clock: Clock;
  readonly #isControl: ((entry: ReceivedEvent) => boolean) | undefined;
  readonly #parse: (message: Message, receivedAt: number) => ReceivedEvent<TEvent>;
  readonly #deletes = new Set<Promise<void>>();
  #inflight: AbortController | undefined;
  #looping = false;
  #controlCount = 0;
  #receiveCalls = 0;
  /** Read-only counters (for tests and benchmarks). */
  readonly stats: QueueListenerStats;

  constructor(init: QueueListenerInit<TEvent>) {
    super(init);
    this.#sqs = init.sqs;
    this.#queueUrl = init.queueUrl;
    this.#clock = init.clock;
    this.#isControl = init.isControl;
    this.#parse = init.parse ?? parseMessage;
    const counters = (): QueueListenerStats => ({
      receiveCalls: this.#receiveCalls,
      controlCount: this.#controlCount,
    });
    this.stats = Object.freeze({
      get receiveCalls() {
        return counters().receiveCalls;
      },
      get controlCount() {
        return counters().controlCount;
      },
    });
  }

  /** The queue's name, for messages. */
  get #queueName(): string {
    return this.#queueUrl.slice(this.#queueUrl.lastIndexOf('/') + 1);
  }

  // ---- receiving -------------------------------------------------------------------------------

  protected override waitStarted(): void {
    if (!this.#looping) {
      this.#looping = true;
      void this.#run();
    }
  }

  protected override waitsCancelled(): void {
    this.#inflight?.abort();
  }

  async #run(): Promise<void> {
    try {
      await this.#receiveWhileNeeded();
    } finally {
      // Synchronously with the last check of the loop: a wait that starts after it starts a new loop.
      this.#looping = false;
    }
  }

  async #receiveWhileNeeded(): Promise<void> {
    let failures = 0;
    for (let until = this.waitingUntil; until !== undefined && !this.stopped; until = this.waitingUntil) {
      const waitSeconds = Math.min(
        MAX_WAIT_SECONDS,
        Math.max(0, Math.ceil((until - performance.now()) / 1000)),
      );
      const controller = new AbortController();
      this.#inflight = controller;
      try {
        this.#receiveCalls++;
        const out = await this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: waitSeconds,
            VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: controller.signal, requestTimeout: waitSeconds * 1000 + LONG_POLL_SLACK_MS },
        );
        failures = 0;
        this.#accept(out.Messages ?? []);
      } catch (error) {
        if (controller.signal.aborted) continue;
        debug('listener %s: ReceiveMessage failed: %s', this.id, (error as Error).name);
        if (isQueueGone(error)) {
          this.end(
            new ListenerStoppedError(
              `Listener ${this.id}: its queue ${this.#queueName} no longer exists (removed by cleanup, sweep or removeListeners?). Create a new listener.`,
              this.id,
              { cause: error },
            ),
          );
          return;
        }
        // Throttling and 5xx (after the SDK's own retries): keep trying until the waits' deadlines.
        // Anything else (e.g. access denied) fails the current waits, with the cause.
        if (!isRetryable(error)) {
          this.fail(
            new EventProbeError(
              `Listener ${this.id}: receiving from queue ${this.#queueName} failed: ${(error as Error).message}`,
              { cause: error },
            ),
          );
        }
        failures++;
        // `stop()` (or a caller's abort) cuts the pause short through the same controller.
        await sleep(backoffDelay(RECEIVE_BACKOFF, failures + 1), controller.signal).catch(() => undefined);
      } finally {
        this.#inflight = undefined;
      }
    }
  }

  #accept(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const now = this.#clock.now();
    const entries: ReceivedEvent<TEvent>[] = [];
    for (const message of messages) {
      const entry = this.#parse(message, now);
      if (this.#isControl?.(entry)) this.#controlCount++;
      else entries.push(entry);
    }
    this.#delete(messages);
    if (entries.length > 0) this.append(entries);
    else this.notify();
  }

  #delete(messages: readonly Message[]): void {
    const entries = messages
      .filter((m) => m.ReceiptHandle !== undefined)
      .map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string }));
    const done: Promise<void> = this.#sqs
      .send(new DeleteMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }))
      .then(
        () => undefined,
        // A lost delete only means a duplicate delivery later, which de-duplication drops.
        () => undefined,
      )
      .finally(() => this.#deletes.delete(done));
    this.#deletes.add(done);
  }

  /** Waits until a control (readiness) message arrived. */
  awaitControl(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.wait<void>({
      timeoutMs,
      option: 'readiness.timeout',
      signal,
      afterScan: () => (this.#controlCount > 0 ? { value: undefined } : undefined),
      onTimeout: () => {
        throw new EventTimeoutError(
          `Listener ${this.id}: the readiness event did not arrive within ${timeoutMs} ms, so the new rule may not deliver yet. Check that readiness.event matches the listener's pattern, or raise readiness.timeout.`,
          timeoutMs,
          this.received.length,
          [],
        );
      },
    });
  }

  protected override async haltSource(): Promise<void> {
    this.#inflight?.abort();
    await Promise.allSettled([...this.#deletes]);
  }
}
