/**
 * `eventprobe/vitest`: a probe wired into vitest's lifecycle, and listener matchers.
 *
 * ```ts
 * import { useProbe } from 'eventprobe/vitest';
 * const probe = useProbe({ tags: { suite: 'orders' } }); // sweeps in beforeAll, cleans up in afterAll
 * test('emits OrderPlaced', async () => {
 *   const listener = await probe.addListener({ eventBusName: 'orders', ruleName: 'order-placed' });
 *   await placeOrder();
 *   await expect(listener).toReceiveEvent({ 'detail-type': 'OrderPlaced' });
 * });
 * ```
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { SweepOptions } from './cleanup/index.js';
import { InvalidInputError } from './errors.js';
import { EventTimeoutError, preview, UnexpectedEventError } from './listeners/errors.js';
import type { Listener, MatchFunction } from './listeners/types.js';
import { createProbe, type Probe, type ProbeOptions } from './probe.js';

/** Options of {@link useProbe}: the probe's options plus what the hooks do. */
export interface UseProbeOptions extends ProbeOptions {
  /**
   * Sweep leftovers of earlier runs in `beforeAll`. `true` sweeps with the probe's tags as the
   * filter (skipped when the probe has no tags: an empty filter would be refused); an object is
   * passed to `probe.sweep()`. Default true.
   */
  readonly sweep?: boolean | SweepOptions;
  /** Clean up on SIGINT/SIGTERM too (the handlers are removed in `afterAll`). Default true. */
  readonly cleanupOnSignal?: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Creates a probe for the current test file (or `describe` block): `beforeAll` sweeps leftovers of
 * earlier runs, `afterAll` removes everything the probe created and destroys its clients, and
 * SIGINT/SIGTERM (Ctrl-C, a CI cancel) clean up before the process ends.
 */
export const useProbe = (options: UseProbeOptions = {}): Probe => {
  const { sweep = true, cleanupOnSignal = true, ...probeOptions } = options;
  const probe = createProbe(probeOptions);
  const onSignal = (signal: NodeJS.Signals): void => {
    removeHandlers();
    void probe
      .cleanup()
      .catch(() => undefined)
      .finally(() => process.kill(process.pid, signal));
  };
  const removeHandlers = (): void => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
  beforeAll(async () => {
    if (cleanupOnSignal) for (const signal of SIGNALS) process.once(signal, onSignal);
    if (sweep === false || (sweep === true && Object.keys(probe.tags).length === 0)) return;
    await probe.sweep(sweep === true ? {} : sweep);
  });
  afterAll(async () => {
    removeHandlers();
    await probe[Symbol.asyncDispose]();
  });
  return probe;
};

/** Same as {@link useProbe}. */
export const setupProbe = useProbe;

/** Options of `toReceiveEvent`. */
export interface ToReceiveEventOptions {
  /**
   * How long to wait, in ms. `.not.toReceiveEvent` always waits all of it. Default 30 000
   * (`.not`: 5 000).
   */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/** What `toReceiveEvent` takes: a match function (boolean or assertion style), or an object the event must contain. */
export type EventExpectation<TEvent = unknown> = MatchFunction<TEvent> | Readonly<Record<string, unknown>>;

interface MatcherContext {
  readonly isNot: boolean;
  equals(a: unknown, b: unknown): boolean;
}

const isListener = (value: unknown): value is Listener<unknown, unknown> =>
  typeof (value as { waitForEvent?: unknown } | null)?.waitForEvent === 'function' &&
  typeof (value as { expectNoEvent?: unknown }).expectNoEvent === 'function';

/** True when `actual` has every key of `expected` with an equal value (recursively; asymmetric matchers work). */
const contains = (ctx: MatcherContext, actual: unknown, expected: unknown): boolean => {
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected)) {
    return ctx.equals(actual, expected);
  }
  if (typeof (expected as { asymmetricMatch?: unknown }).asymmetricMatch === 'function') {
    return ctx.equals(actual, expected);
  }
  if (typeof actual !== 'object' || actual === null) return false;
  return Object.entries(expected).every(([key, value]) =>
    contains(ctx, (actual as Record<string, unknown>)[key], value),
  );
};

const toMatchFunction = (
  ctx: MatcherContext,
  expectation: EventExpectation | undefined,
): MatchFunction<unknown> | undefined => {
  if (expectation === undefined || typeof expectation === 'function') return expectation;
  if (typeof expectation !== 'object' || expectation === null) {
    throw new InvalidInputError(
      'toReceiveEvent takes a match function or an object the event must contain.',
      'match',
    );
  }
  return (event) => contains(ctx, event, expectation);
};

async function toReceiveEvent(
  this: MatcherContext,
  received: unknown,
  expectation?: EventExpectation,
  options: ToReceiveEventOptions = {},
): Promise<{ pass: boolean; message: () => string }> {
  if (!isListener(received)) {
    throw new InvalidInputError(
      `expect(...).toReceiveEvent() needs a listener (from probe.addListener), got ${preview(received)}.`,
      'received',
    );
  }
  const match = toMatchFunction(this, expectation);
  const signalOption = options.signal ? { signal: options.signal } : {};
  if (this.isNot) {
    const within = options.timeout ?? 5_000;
    try {
      await received.expectNoEvent(match, { within, ...signalOption });
      return { pass: false, message: () => `no matching event arrived within ${within} ms` };
    } catch (error) {
      if (!(error instanceof UnexpectedEventError)) throw error;
      return { pass: true, message: () => error.message };
    }
  }
  try {
    const event = await received.waitForEvent(match, {
      timeout: options.timeout ?? 30_000,
      ...signalOption,
    });
    return { pass: true, message: () => `received a matching event: ${preview(event)}` };
  } catch (error) {
    if (!(error instanceof EventTimeoutError)) throw error;
    return { pass: false, message: () => error.message };
  }
}

/** The matchers, for registering with another `expect` (importing this module registers them with vitest's). */
export const eventProbeMatchers = { toReceiveEvent };

expect.extend(eventProbeMatchers);

/** The event type of a listener type (what match functions receive). */
// biome-ignore lint/suspicious/noExplicitAny: a value that is not a typed listener gets untyped events
type EventOf<T> = T extends Listener<unknown, infer E> ? E : any;

interface EventProbeMatchers<T = unknown> {
  /**
   * Waits until the listener receives a matching event (already received ones count).
   * `.not.toReceiveEvent(match, { timeout })` waits the whole window and fails on the first match.
   * Await it: `await expect(listener).toReceiveEvent(...)`.
   */
  toReceiveEvent(expectation?: EventExpectation<EventOf<T>>, options?: ToReceiveEventOptions): Promise<void>;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration
  interface Matchers<T = any> extends EventProbeMatchers<T> {}
}
