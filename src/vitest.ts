/**
 * `eventprobe/vitest`: a probe wired into vitest's lifecycle, listener matchers, waits that fit in
 * the test's timeout, and failure artifacts.
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
 *
 * Importing this module registers the matchers with vitest's `expect` in that test file; list it
 * in `setupFiles` (`setupFiles: ['eventprobe/vitest']`) to have them in every file, which is
 * where its type declarations say they are.
 */

import { basename, dirname } from 'node:path';
import {
  afterAll,
  beforeAll,
  beforeEach,
  expect,
  recordArtifact,
  type TestArtifactBase,
  type TestAttachment,
  type TestContext,
  TestRunner,
} from 'vitest';

const getCurrentTest = () => TestRunner.getCurrentTest();

import { ArtifactRecorder, DEFAULT_ARTIFACTS_DIR, recordProbe, writeArtifacts } from './artifacts.js';
import type { SweepOptions } from './cleanup/index.js';
import { InvalidInputError } from './errors.js';
import { EventTimeoutError } from './listeners/errors.js';
import type { Listener } from './listeners/types.js';
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

/** Where and whether {@link useProbe} writes failure artifacts. */
export interface ArtifactOptions {
  /** Folder for the artifacts, one sub-folder per failed test. Default `EVENTPROBE_ARTIFACTS_DIR`, else `.eventprobe/artifacts`. */
  readonly dir?: string;
}

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
  /**
   * When a test fails, write what the listeners received, the last trace tree (as a waterfall)
   * and, on the built-in emulator, its state, and attach them to the test as annotations.
   * `false` turns this off. Default `{ dir: '.eventprobe/artifacts' }`.
   */
  readonly artifacts?: false | ArtifactOptions;
}

/** `useProbe` was called where its hooks cannot run (inside a test). */
export class UseProbeError extends InvalidInputError {}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Room left for vitest's own reporting after an eventprobe wait gave up, in ms. */
const MARGIN_MS = 250;

/** How long the current test may still run (its timeout minus what it used, minus a margin), or undefined outside a test. */
export const testBudgetMs = (now = Date.now()): number | undefined => {
  const test = getCurrentTest();
  const start = test?.result?.startTime;
  if (!test || start === undefined || !(test.timeout > 0)) return undefined;
  return Math.max(1, test.timeout - (now - start) - Math.min(MARGIN_MS, test.timeout / 10));
};

const shortened = (error: unknown, asked: number, given: number): unknown => {
  if (error instanceof EventTimeoutError) {
    error.message +=
      ` (eventprobe/vitest shortened this wait from ${asked} ms to ${given} ms to end before the test's timeout;` +
      ' give the test more time, e.g. it(name, fn, 60_000) or testTimeout in the vitest config.)';
  }
  return error;
};

/**
 * A listener whose waits end before the current test's timeout, so a missing event fails with
 * eventprobe's message (what arrived, the closest misses) rather than vitest's "Test timed out".
 * Waits that must last their whole window (`expectNoEvent`, `collect`) and would outlive the test
 * throw an InvalidInputError at once instead.
 */
export const fitToTest = <L extends Listener<unknown, unknown>>(listener: L): L => {
  type Options = { timeout?: number; within?: number; duration?: number; waitTimeSeconds?: number };
  const fitted =
    (method: string, optionsIndex: number, key: keyof Options, fallback: number, unit = 1) =>
    async (...args: unknown[]): Promise<unknown> => {
      const call = (listener as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method] as (
        ...a: unknown[]
      ) => Promise<unknown>;
      const budget = testBudgetMs();
      const options = (args[optionsIndex] ?? {}) as Options;
      const asked = (options[key] ?? fallback) * unit;
      if (budget === undefined || typeof asked !== 'number' || !(asked > budget)) {
        return call.apply(listener, args);
      }
      if (key === 'within' || key === 'duration') {
        throw new InvalidInputError(
          `${method}'s ${key} of ${asked} ms would outlive the test: about ${budget} ms of its timeout remain. ` +
            'Give the test more time (it(name, fn, 60_000) or testTimeout) or shorten the window.',
          key,
        );
      }
      const next = [...args];
      next[optionsIndex] = { ...options, [key]: key === 'waitTimeSeconds' ? budget / 1000 : budget };
      try {
        return await call.apply(listener, next);
      } catch (error) {
        throw shortened(error, asked, budget);
      }
    };
  const replaced: Record<string, unknown> = {
    waitForEvent: fitted('waitForEvent', 1, 'timeout', 30_000),
    waitForEvents: fitted('waitForEvents', 1, 'timeout', 30_000),
    pollEvents: fitted('pollEvents', 0, 'waitTimeSeconds', 20, 1000),
    collect: fitted('collect', 0, 'duration', Number.NaN),
    expectNoEvent: fitted('expectNoEvent', 1, 'within', Number.NaN),
  };
  return new Proxy(listener, {
    get(target, property) {
      if (typeof property === 'string' && Object.hasOwn(replaced, property)) return replaced[property];
      // Listeners keep their state in private fields: read and call on the listener itself.
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};

/** The current test's full name, or undefined outside a test. */
const currentTestName = (): string | undefined => {
  const test = getCurrentTest();
  return test ? (test.fullTestName ?? test.name) : undefined;
};

/** The artifact eventprobe records on a failed test: the folder and every file in it as an attachment. */
export interface EventProbeFailureArtifact extends TestArtifactBase {
  type: 'eventprobe:failure';
  /** The folder the files were written to. */
  dir: string;
  attachments: TestAttachment[];
}

/**
 * Writes the artifacts of a failed test and records them on it (vitest's test artifacts: shown by
 * the UI and the HTML reporter, in `task.artifacts` for custom reporters). Vitest no longer takes
 * annotations once a test has failed, so they are recorded as an artifact.
 */
const onFailure = async (
  context: TestContext,
  recorder: ArtifactRecorder,
  dir: string,
  endpoint: string | undefined,
): Promise<void> => {
  const test = context.task;
  const name = `${basename(test.file?.name ?? '')} ${test.fullTestName ?? test.name}`;
  const paths = await writeArtifacts(dir, name, await recorder.collect(endpoint));
  const artifact: EventProbeFailureArtifact = {
    type: 'eventprobe:failure',
    dir: dirname(paths[0] as string),
    attachments: paths.map((path) => ({
      path,
      contentType: path.endsWith('.json') ? 'application/json' : 'text/plain',
    })),
  };
  await recordArtifact(test, artifact);
};

/**
 * Creates a probe for the current test file (or `describe` block): `beforeAll` sweeps leftovers of
 * earlier runs, `afterAll` removes everything the probe created and destroys its clients, and
 * SIGINT/SIGTERM (Ctrl-C, a CI cancel) clean up before the process ends. Listeners it creates
 * inside a test are tagged with the test's name (`eventprobe-test`), and their waits end before the
 * test's timeout. When a test fails, failure artifacts are written and attached (see `artifacts`).
 *
 * Call it at the top level of a test file or in a `describe` callback, never inside a test.
 * @throws UseProbeError when called inside a test.
 */
export const useProbe = (options: UseProbeOptions = {}): Probe => {
  const current = getCurrentTest();
  if (current) {
    throw new UseProbeError(
      `useProbe() was called inside the test "${current.name}": its beforeAll/afterAll hooks would never run and ` +
        'what it creates would never be removed. Call it at the top level of the file or inside describe(), ' +
        'or use createProbe() with `await using` inside the test.',
      'useProbe',
    );
  }
  const { sweep = true, cleanupOnSignal = true, artifacts = {}, ...probeOptions } = options;
  const probe = createProbe(probeOptions);
  const recorder = new ArtifactRecorder();
  recordProbe(probe, recorder, currentTestName, fitToTest);
  if (artifacts !== false) {
    const dir = artifacts.dir ?? process.env.EVENTPROBE_ARTIFACTS_DIR ?? DEFAULT_ARTIFACTS_DIR;
    const endpoint = probeOptions.endpoint ?? (probeOptions.env ?? process.env).AWS_ENDPOINT_URL;
    beforeEach((context) => {
      context.onTestFailed(() => onFailure(context, recorder, dir, endpoint || undefined));
    });
  }
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

/** The matchers, for registering with another `expect` (importing this module registers them with vitest's). */
export const eventProbeMatchers = {
  toReceiveEvent: makeToReceiveEvent(testBudgetMs),
  toHaveItem: makeToHaveItem(testBudgetMs),
  toHaveObject: makeToHaveObject(testBudgetMs),
  toHaveExecutionPath,
};

expect.extend(eventProbeMatchers);

declare module 'vitest' {
  interface TestArtifactRegistry {
    'eventprobe:failure': EventProbeFailureArtifact;
  }
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration
  interface Matchers<T = any> extends EventProbeMatchers<T>, ExecutionMatchers {}
}
