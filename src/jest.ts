/**
 * `eventprobe/jest`: the same probe lifecycle and matchers for Jest, on Jest's globals.
 *
 * ```ts
 * import { useProbe } from 'eventprobe/jest';
 * const probe = useProbe({ tags: { suite: 'orders' } }); // sweeps in beforeAll, cleans up in afterAll
 * test('emits OrderPlaced', async () => {
 *   const listener = await probe.addListener({ eventBusName: 'orders', ruleName: 'order-placed' });
 *   await placeOrder();
 *   await expect(listener).toReceiveEvent({ 'detail-type': 'OrderPlaced' });
 * });
 * ```
 *
 * eventprobe is ESM-only: run Jest with `NODE_OPTIONS=--experimental-vm-modules` (Jest's ESM
 * support). Importing this module registers the matchers on the global `expect`; list it in
 * `setupFilesAfterEnv` to have them in every file. Jest does not tell a running test its timeout,
 * so waits keep their own defaults: give tests that wait a timeout above them (e.g. `jest.setTimeout(60_000)`).
 */
import type { SweepOptions } from './cleanup/index.js';
import { EventProbeError, InvalidInputError } from './errors.js';
import {
  type EventExpectation,
  type EventProbeMatchers,
  type ExecutionMatchers,
  makeToHaveItem,
  makeToHaveObject,
  makeToReceiveEvent,
  type ToReceiveEventOptions,
  toHaveExecutionPath,
} from './matchers.js';
import { createProbe, type Probe, type ProbeOptions } from './probe.js';

export type { EventExpectation, ToReceiveEventOptions };

/** What this module needs from Jest's globals. */
export interface JestGlobals {
  readonly beforeAll: (fn: () => Promise<void>) => void;
  readonly afterAll: (fn: () => Promise<void>) => void;
  readonly expect: {
    extend(matchers: Record<string, unknown>): void;
    getState(): { currentTestName?: string | undefined };
  };
}

/** Options of {@link useProbe}: the probe's options plus what the hooks do. */
export interface UseProbeOptions extends ProbeOptions {
  /**
   * Sweep leftovers of earlier runs in `beforeAll`. `true` sweeps with the probe's tags as the
   * filter (skipped when the probe has no tags); an object is passed to `probe.sweep()`. Default true.
   */
  readonly sweep?: boolean | SweepOptions;
  /** Jest's `beforeAll`, `afterAll` and `expect`. Default: Jest's globals (`injectGlobals`). */
  readonly jest?: JestGlobals;
}

/** `useProbe` was called where its hooks cannot run (inside a test, or outside Jest). */
export class UseProbeError extends InvalidInputError {}

const globalJest = (): JestGlobals | undefined => {
  const g = globalThis as { beforeAll?: unknown; afterAll?: unknown; expect?: unknown };
  return typeof g.beforeAll === 'function' &&
    typeof g.afterAll === 'function' &&
    typeof g.expect === 'function'
    ? (g as unknown as JestGlobals)
    : undefined;
};

/** The matchers, for registering with an `expect` (importing this module registers them on Jest's global one). */
export const eventProbeMatchers = {
  toReceiveEvent: makeToReceiveEvent(),
  toHaveItem: makeToHaveItem(),
  toHaveObject: makeToHaveObject(),
  toHaveExecutionPath,
};

/** Registers the matchers with `expect` (done on import when Jest's globals are there). */
export const registerMatchers = (jestExpect: Pick<JestGlobals['expect'], 'extend'>): void => {
  if (typeof jestExpect?.extend !== 'function') {
    throw new EventProbeError('registerMatchers needs Jest’s expect (with extend).');
  }
  jestExpect.extend(eventProbeMatchers);
};

const found = globalJest();
if (found) registerMatchers(found.expect);

/**
 * Creates a probe for the current test file (or `describe` block): `beforeAll` sweeps leftovers of
 * earlier runs, `afterAll` removes everything the probe created and destroys its clients.
 * @throws UseProbeError inside a test, or when Jest's globals are not there and `jest` is not given.
 */
export const useProbe = (options: UseProbeOptions = {}): Probe => {
  const { sweep = true, jest = globalJest(), ...probeOptions } = options;
  if (!jest) {
    throw new UseProbeError(
      'eventprobe/jest needs Jest’s globals (beforeAll, afterAll, expect). Run it under Jest, or pass them: useProbe({ jest: { beforeAll, afterAll, expect } }) from @jest/globals.',
      'jest',
    );
  }
  const test = jest.expect.getState().currentTestName;
  if (test !== undefined) {
    throw new UseProbeError(
      `useProbe() was called inside the test "${test}": its beforeAll/afterAll hooks would never run. Call it at the top level of the file or inside describe().`,
      'useProbe',
    );
  }
  const probe = createProbe(probeOptions);
  jest.beforeAll(async () => {
    if (sweep === false || (sweep === true && Object.keys(probe.tags).length === 0)) return;
    await probe.sweep(sweep === true ? {} : sweep);
  });
  jest.afterAll(async () => {
    await probe[Symbol.asyncDispose]();
  });
  return probe;
};

declare global {
  namespace jest {
    // biome-ignore lint/complexity/noBannedTypes: must match Jest's own declaration (T = {})
    interface Matchers<R, T = {}> extends EventProbeMatchers<T, Promise<R>>, ExecutionMatchers<R> {}
  }
}
