import { debuglog } from 'node:util';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Clock, positiveNumber } from '../config.js';
import { EventProbeError, InvalidInputError } from '../errors.js';
import type { ListenerResources } from '../resources/listener-resources.js';
import { backoffDelay, createDeadline, isThrottling, raceAbort, sleep } from '../wait/index.js';
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
/** Extra time an HTTP request for a long poll may take beyond its wait. */
const LONG_POLL_SLACK_MS = 15_000;

export interface QueueListenerInit {
  readonly id: string;
  readonly resources: ListenerResources;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly clock: Clock;
  /** Removes the listener's resources (called once by `stop()`). */
  readonly remove: () => Promise<void>;
  /** Messages that are eventprobe's own (readiness checks): counted, deleted, never buffered. */
  readonly isControl?: (entry: ReceivedEvent) => boolean;
}

interface Done<R> {
  readonly value: R;
}

interface WaitSpec<R> {
  readonly timeoutMs: number;
  readonly option: string;
  readonly signal: AbortSignal | undefined;
  readonly start?: number;
  readonly step?: (entry: ReceivedEvent) => Promise<Done<R> | undefined>;
  readonly afterScan?: () => Done<R> | undefined;
  readonly onTimeout: () => R;
}

const isQueueGone = (error: unknown): boolean => {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
};

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
export class QueueListener<TDetail = unknown, TEvent = EventBridgeEvent<TDetail>>
  implements Listener<TDetail, TEvent>
{
  readonly id: string;
  readonly resources: ListenerResources;
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #clock: Clock;
  readonly #remove: () => Promise<void>;
  readonly #isControl: ((entry: ReceivedEvent) => boolean) | undefined;
  readonly #buffer = new EventBuffer<TEvent>();
  readonly #demands = new Map<symbol, number>();
  readonly #deletes = new Set<Promise<void>>();
  #inflight: AbortController | undefined;
  #looping = false;
  #failure: { readonly seq: number; readonly error: EventProbeError } | undefined;
  #failureSeq = 0;
  #pollCursor = 0;
  #stopping: Promise<void> | undefined;
  #stopped = false;
  /** How many control (readiness) messages arrived. */
  controlCount = 0;
  /** ReceiveMessage calls made (for tests and benchmarks). */
  receiveCalls = 0;

  constructor(init: QueueListenerInit) {
    this.id = init.id;
    this.resources = init.resources;
    this.#sqs = init.sqs;
    this.#queueUrl = init.queueUrl;
    this.#clock = init.clock;
    this.#remove = init.remove;
    this.#isControl = init.isControl;
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

  // ---- receiving -------------------------------------------------------------------------------

  #acquire(endsAt: number): (cancel: boolean) => void {
    const key = Symbol('demand');
    this.#demands.set(key, endsAt);
    if (!this.#looping) {
      this.#looping = true;
      void this.#run();
    }
    return (cancel) => {
      this.#demands.delete(key);
      if (cancel && this.#demands.size === 0) this.#inflight?.abort();
    };
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
    while (this.#demands.size > 0 && !this.#stopped) {
      const until = Math.max(...this.#demands.values());
      const waitSeconds = Math.min(
        MAX_WAIT_SECONDS,
        Math.max(0, Math.ceil((until - performance.now()) / 1000)),
      );
      const controller = new AbortController();
      this.#inflight = controller;
      try {
        this.receiveCalls++;
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
          this.#fail(
            new ListenerStoppedError(
              `Listener ${this.id}: its queue no longer exists (removed by cleanup, sweep or removeListeners?). Create a new listener.`,
              this.id,
              { cause: error },
            ),
          );
          this.#stopped = true;
          this.#buffer.close();
          return;
        }
        // Throttling and 5xx (after the SDK's own retries): keep trying until the waits' deadlines.
        // Anything else (e.g. access denied) fails the current waits, with the cause.
        if (!isThrottling(error)) {
          this.#fail(
            new EventProbeError(
              `Listener ${this.id}: receiving from its queue failed: ${(error as Error).message}`,
              { cause: error },
            ),
          );
        }
        failures++;
        // `stop()` (or a caller's abort) cuts the pause short through the same controller.
        await sleep(backoffDelay(failures, { baseMs: 200, maxMs: 5_000 }), controller.signal).catch(
          () => undefined,
        );
      } finally {
        this.#inflight = undefined;
      }
    }
  }

  #fail(error: EventProbeError): void {
    this.#failureSeq++;
    this.#failure = { seq: this.#failureSeq, error };
    this.#buffer.notify();
  }

  #accept(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const now = this.#clock.now();
    const entries: ReceivedEvent<TEvent>[] = [];
    for (const message of messages) {
      const entry = parseMessage<TEvent>(message, now);
      if (this.#isControl?.(entry)) this.controlCount++;
      else entries.push(entry);
    }
    this.#delete(messages);
    if (entries.length > 0) this.#buffer.add(entries);
    else this.#buffer.notify();
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

  // ---- waiting ---------------------------------------------------------------------------------

  async #wait<R>(spec: WaitSpec<R>): Promise<R> {
    this.#throwIfStopped();
    const deadline = createDeadline(spec.timeoutMs, spec.signal, spec.option);
    const release = this.#acquire(deadline.endsAt);
    const failureSeq = this.#failureSeq;
    let cancel = false;
    try {
      let cursor = spec.start ?? 0;
      for (;;) {
        const entries = this.#buffer.entries;
        while (cursor < entries.length) {
          const done = await spec.step?.(entries[cursor++] as ReceivedEvent);
          if (done) return done.value;
        }
        const done = spec.afterScan?.();
        if (done) return done.value;
        if (this.#failure && this.#failure.seq > failureSeq) throw this.#failure.error;
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

  /** Runs a match function: true for a match, or the miss (with the assertion's error). */
  async #test(match: MatchFunction<TEvent> | undefined, entry: ReceivedEvent): Promise<true | Miss> {
    if (!match) return true;
    try {
      const result = await match(entry.event as TEvent, entry as ReceivedEvent<TEvent>);
      return result === undefined || result ? true : { event: entry.event };
    } catch (error) {
      return { event: entry.event, error };
    }
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

  waitForEvent(match?: MatchFunction<TEvent>, options: WaitOptions = {}): Promise<TEvent> {
    checkMatch(match);
    const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
    const misses: Miss[] = [];
    return this.#wait<TEvent>({
      timeoutMs,
      option: 'timeout',
      signal: options.signal,
      step: async (entry) => {
        const result = await this.#test(match, entry);
        if (result === true) return { value: entry.event as TEvent };
        misses.push(result);
        if (misses.length > MISSES_KEPT) misses.shift();
        return undefined;
      },
      onTimeout: () => {
        throw this.#timeoutError('no matching event', timeoutMs, misses);
      },
    });
  }

  waitForEvents(match: MatchFunction<TEvent> | undefined, options: WaitForEventsOptions): Promise<TEvent[]> {
    checkMatch(match);
    const wanted = count('count', options?.count);
    const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
    const matched: TEvent[] = [];
    const misses: Miss[] = [];
    return this.#wait<TEvent[]>({
      timeoutMs,
      option: 'timeout',
      signal: options.signal,
      step: async (entry) => {
        const result = await this.#test(match, entry);
        if (result === true) {
          matched.push(entry.event as TEvent);
          return matched.length >= wanted ? { value: matched } : undefined;
        }
        misses.push(result);
        if (misses.length > MISSES_KEPT) misses.shift();
        return undefined;
      },
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

  pollEvents(options: PollEventsOptions = {}): Promise<TEvent[]> {
    const seconds = positiveNumber(
      'waitTimeSeconds',
      options.waitTimeSeconds ?? MAX_WAIT_SECONDS,
      false,
      'seconds',
    );
    const max = count('maxEvents', options.maxEvents ?? 10);
    const start = this.#pollCursor;
    const batch: TEvent[] = [];
    const take = (): Done<TEvent[]> => {
      this.#pollCursor = start + batch.length;
      return { value: batch };
    };
    return this.#wait<TEvent[]>({
      timeoutMs: seconds * 1000,
      option: 'waitTimeSeconds',
      signal: options.signal,
      start,
      step: async (entry) => {
        batch.push(entry.event as TEvent);
        return batch.length >= max ? take() : undefined;
      },
      afterScan: () => (batch.length > 0 ? take() : undefined),
      onTimeout: () => take().value,
    });
  }

  collect(options: CollectOptions<TEvent>): Promise<TEvent[]> {
    const duration = options?.duration;
    checkMatch(options?.match);
    const kept: TEvent[] = [];
    return this.#wait<TEvent[]>({
      timeoutMs: duration,
      option: 'duration',
      signal: options?.signal,
      step: async (entry) => {
        if ((await this.#test(options.match, entry)) === true) kept.push(entry.event as TEvent);
        return undefined;
      },
      onTimeout: () => kept,
    });
  }

  expectNoEvent(match: MatchFunction<TEvent> | undefined, options: ExpectNoEventOptions): Promise<void> {
    checkMatch(match);
    const within = options?.within;
    return this.#wait<void>({
      timeoutMs: within,
      option: 'within',
      signal: options?.signal,
      step: async (entry) => {
        if ((await this.#test(match, entry)) === true) {
          throw new UnexpectedEventError(
            `Listener ${this.id}: expected no matching event within ${within} ms, but this one arrived:\n  ${preview(entry.event)}`,
            entry.event,
          );
        }
        return undefined;
      },
      onTimeout: () => undefined,
    });
  }

  /** Waits until a control (readiness) message arrived. */
  awaitControl(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.#wait<void>({
      timeoutMs,
      option: 'readiness.timeout',
      signal,
      afterScan: () => (this.controlCount > 0 ? { value: undefined } : undefined),
      onTimeout: () => {
        throw new EventTimeoutError(
          `Listener ${this.id}: the readiness event did not arrive within ${timeoutMs} ms, so the new rule may not deliver yet. Check that readiness.event matches the listener's pattern, or raise readiness.timeout.`,
          timeoutMs,
          this.#buffer.length,
          [],
        );
      },
    });
  }

  // ---- stopping --------------------------------------------------------------------------------

  /** Stops receiving (no resource removal). Pending waits reject with ListenerStoppedError. */
  async halt(): Promise<void> {
    this.#stopped = true;
    this.#inflight?.abort();
    this.#buffer.close();
    await Promise.allSettled([...this.#deletes]);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.halt().then(() => this.#remove());
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
