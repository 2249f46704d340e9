/**
 * The listener matchers, independent of the test runner: `eventprobe/vitest` and `eventprobe/jest`
 * register them with their runner's `expect`.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { type AssertExecutionPathOptions, assertExecutionPath, statesEntered } from './checks/executions.js';
import type { Item, WaitForItemOptions } from './checks/items.js';
import type { S3Object, WaitForObjectOptions } from './checks/objects.js';
import { ExecutionPathError, InvalidInputError, ItemTimeoutError, ObjectTimeoutError } from './errors.js';
import { EventTimeoutError, preview, UnexpectedEventError } from './listeners/errors.js';
import type { Listener, MatchFunction } from './listeners/types.js';

/** Default window of `.not.toReceiveEvent`, in ms. */
export const DEFAULT_NOT_WINDOW_MS = 5_000;
/** Default timeout of `toReceiveEvent`, in ms (the listener's own default). */
export const DEFAULT_RECEIVE_TIMEOUT_MS = 30_000;

/** Options of `toReceiveEvent`. */
export interface ToReceiveEventOptions {
  /**
   * How long to wait, in ms. `.not.toReceiveEvent` always waits all of it. Default 30 000
   * (`.not`: 5 000). Under `eventprobe/vitest` a default that would outlive the test's timeout is
   * shortened to fit it (the failure message says so).
   */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/** What `toReceiveEvent` takes: a match function (boolean or assertion style), or an object the event must contain. */
export type EventExpectation<TEvent = unknown> = MatchFunction<TEvent> | Readonly<Record<string, unknown>>;

/** What a runner's `expect.extend` gives a matcher as `this`. */
export interface MatcherContext {
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

/**
 * Builds `toReceiveEvent`. `budgetMs` says how long the current test may still run (undefined:
 * no limit known); a default window is shortened to fit it.
 */
export const makeToReceiveEvent = (budgetMs: () => number | undefined = () => undefined) =>
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
    const budget = budgetMs();
    const windowOf = (fallback: number): number =>
      options.timeout ?? (budget === undefined ? fallback : Math.max(1, Math.min(fallback, budget)));
    if (this.isNot) {
      const within = windowOf(DEFAULT_NOT_WINDOW_MS);
      try {
        await received.expectNoEvent(match, { within, ...signalOption });
        return { pass: false, message: () => `no matching event arrived within ${within} ms` };
      } catch (error) {
        if (!(error instanceof UnexpectedEventError)) throw error;
        return { pass: true, message: () => error.message };
      }
    }
    const timeout = windowOf(DEFAULT_RECEIVE_TIMEOUT_MS);
    const note =
      timeout < (options.timeout ?? DEFAULT_RECEIVE_TIMEOUT_MS)
        ? ` (the default ${DEFAULT_RECEIVE_TIMEOUT_MS} ms was shortened to ${timeout} ms to end before the test's timeout;` +
          ' give the test more time, e.g. it(name, fn, 60_000), or pass { timeout }.)'
        : '';
    try {
      const event = await received.waitForEvent(match, { timeout, ...signalOption });
      return { pass: true, message: () => `received a matching event: ${preview(event)}` };
    } catch (error) {
      if (!(error instanceof EventTimeoutError)) throw error;
      return { pass: false, message: () => `${error.message}${note}` };
    }
  };

/** Default timeout of `toHaveItem` / `toHaveObject` (and window of their `.not`), in ms. */
export const DEFAULT_STATE_TIMEOUT_MS = 10_000;

/** What `toHaveItem`/`toHaveObject` need of a probe. */
interface StateProbe {
  waitForItem(options: WaitForItemOptions): Promise<Item>;
  waitForObject(options: WaitForObjectOptions): Promise<S3Object>;
}

const isStateProbe = (value: unknown): value is StateProbe =>
  typeof (value as { waitForItem?: unknown } | null)?.waitForItem === 'function' &&
  typeof (value as { waitForObject?: unknown }).waitForObject === 'function';

/**
 * Builds a matcher over a probe's state check: it passes once the check returns, fails with the
 * check's timeout message (what was there). `.not` waits the whole window and fails if it appears.
 */
const makeStateMatcher = <O extends { timeout?: number }, R>(
  name: string,
  run: (probe: StateProbe, options: O) => Promise<R>,
  timeoutError: new (...args: never[]) => Error,
  show: (value: R) => string,
  budgetMs: () => number | undefined,
) =>
  async function stateMatcher(
    this: MatcherContext,
    received: unknown,
    options: O,
  ): Promise<{ pass: boolean; message: () => string }> {
    if (!isStateProbe(received)) {
      throw new InvalidInputError(
        `expect(...).${name}() needs a probe (from createProbe), got ${preview(received)}.`,
        'received',
      );
    }
    const budget = budgetMs();
    const timeout =
      options?.timeout ??
      (budget === undefined
        ? DEFAULT_STATE_TIMEOUT_MS
        : Math.max(1, Math.min(DEFAULT_STATE_TIMEOUT_MS, budget)));
    try {
      const value = await run(received, { ...options, timeout });
      return { pass: true, message: () => `expected none within ${timeout} ms, but found ${show(value)}` };
    } catch (error) {
      if (!(error instanceof timeoutError)) throw error;
      return { pass: false, message: () => error.message };
    }
  };

/** Builds `toHaveItem` (see {@link makeToReceiveEvent} for `budgetMs`). */
export const makeToHaveItem = (budgetMs: () => number | undefined = () => undefined) =>
  makeStateMatcher<WaitForItemOptions, Item>(
    'toHaveItem',
    (probe, o) => probe.waitForItem(o),
    ItemTimeoutError,
    (item) => `the item ${preview(item)}`,
    budgetMs,
  );

/** Builds `toHaveObject`. */
export const makeToHaveObject = (budgetMs: () => number | undefined = () => undefined) =>
  makeStateMatcher<WaitForObjectOptions, S3Object>(
    'toHaveObject',
    (probe, o) => probe.waitForObject(o),
    ObjectTimeoutError,
    (o) =>
      `s3://${o.bucket}/${o.key} (${o.contentType ?? 'no content type'}, ${o.body.length} bytes): ${preview(o.text())}`,
    budgetMs,
  );

/** The event type of a listener type (what match functions receive). */
// biome-ignore lint/suspicious/noExplicitAny: a value that is not a typed listener gets untyped events
export type EventOf<T> = T extends Listener<unknown, infer E> ? E : any;

/** The matchers eventprobe adds to `expect(listener)`. */
export interface EventProbeMatchers<T = unknown, R = Promise<void>> {
  /**
   * Waits until the listener receives a matching event (already received ones count). Default
   * timeout 30 000 ms. `.not.toReceiveEvent(match, { timeout })` waits the whole window (default
   * 5 000 ms) and fails on the first match. Await it: `await expect(listener).toReceiveEvent(...)`.
   */
  toReceiveEvent(expectation?: EventExpectation<EventOf<T>>, options?: ToReceiveEventOptions): R;
  /**
   * On a probe: waits until the DynamoDB item exists and matches (`probe.waitForItem`; default
   * timeout 10 000 ms); fails with what was there. `.not` waits the whole timeout and fails if it appears.
   */
  toHaveItem(options: WaitForItemOptions): R;
  /** On a probe: waits until the S3 object exists and matches (`probe.waitForObject`); `.not` as for toHaveItem. */
  toHaveObject(options: WaitForObjectOptions): R;
}

/** What `toHaveExecutionPath` takes: a `waitForExecution` result, or an execution's history events. */
const historyOf = (received: unknown): readonly HistoryEvent[] | undefined => {
  if (Array.isArray(received)) return received as HistoryEvent[];
  const history = (received as { history?: unknown } | null)?.history;
  return Array.isArray(history) ? (history as HistoryEvent[]) : undefined;
};

/**
 * `expect(execution).toHaveExecutionPath(['Validate', 'Charge', 'Ship'])`: the states the
 * execution entered are exactly these, in order (`{ exact: false }`: these, in order, others
 * between). `execution` is what `probe.waitForExecution` returns, or its `history`.
 */
export function toHaveExecutionPath(
  this: MatcherContext,
  received: unknown,
  expected: readonly string[],
  options: AssertExecutionPathOptions = {},
): { pass: boolean; message: () => string } {
  const history = historyOf(received);
  if (history === undefined || !Array.isArray(expected)) {
    throw new InvalidInputError(
      `expect(...).toHaveExecutionPath(states) needs a waitForExecution result (or its history) and an array of state names, got ${preview(received)}.`,
      history === undefined ? 'received' : 'expected',
    );
  }
  try {
    assertExecutionPath(history, expected, options);
    const entered = statesEntered(history).join(' -> ') || '(nothing)';
    return { pass: true, message: () => `expected the execution not to enter ${entered}, but it did.` };
  } catch (error) {
    if (!(error instanceof ExecutionPathError)) throw error;
    return { pass: false, message: () => error.message };
  }
}

/** The matchers eventprobe adds to `expect(execution)`. */
export interface ExecutionMatchers<R = void> {
  /**
   * The states the execution entered (its `*StateEntered` history events) are `states`, in order.
   * Pass what `probe.waitForExecution` returns, or its `history`. `{ exact: false }`: `states`
   * appear in order, other states may come between. Default exact.
   */
  toHaveExecutionPath(states: readonly string[], options?: AssertExecutionPathOptions): R;
}
