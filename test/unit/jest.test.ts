import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventProbeError } from '../../src/errors.js';
import {
  eventProbeMatchers,
  type JestGlobals,
  registerMatchers,
  UseProbeError,
  useProbe,
} from '../../src/jest.js';

/** Jest's globals, faked: the hooks are collected so a test can run them. */
const fakeJest = (currentTestName?: string) => {
  const hooks: { beforeAll: (() => Promise<void>)[]; afterAll: (() => Promise<void>)[] } = {
    beforeAll: [],
    afterAll: [],
  };
  const extend = vi.fn();
  const jest: JestGlobals = {
    beforeAll: (fn) => hooks.beforeAll.push(fn),
    afterAll: (fn) => hooks.afterAll.push(fn),
    expect: { extend, getState: () => ({ currentTestName }) },
  };
  return { jest, hooks, extend };
};

const config = { region: 'us-east-1', endpoint: 'http://127.0.0.1:1', env: {} };

describe('eventprobe/jest', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('useProbe registers a sweep in beforeAll and a dispose in afterAll', async () => {
    const { jest, hooks } = fakeJest();
    const probe = useProbe({ ...config, jest, sweep: false });
    expect(hooks.beforeAll).toHaveLength(1);
    expect(hooks.afterAll).toHaveLength(1);
    await hooks.beforeAll[0]?.();
    const sweep = vi.spyOn(probe, 'sweep').mockResolvedValue({} as never);
    const tagged = fakeJest();
    const withTags = useProbe({ ...config, jest: tagged.jest, tags: { suite: 'j' } });
    const taggedSweep = vi.spyOn(withTags, 'sweep').mockResolvedValue({} as never);
    await tagged.hooks.beforeAll[0]?.();
    expect(taggedSweep).toHaveBeenCalledWith({});
    const given = fakeJest();
    const withOptions = useProbe({ ...config, jest: given.jest, sweep: { all: true } });
    const givenSweep = vi.spyOn(withOptions, 'sweep').mockResolvedValue({} as never);
    await given.hooks.beforeAll[0]?.();
    expect(givenSweep).toHaveBeenCalledWith({ all: true });
    expect(sweep).not.toHaveBeenCalled();
    const untagged = fakeJest();
    useProbe({ ...config, jest: untagged.jest });
    await untagged.hooks.beforeAll[0]?.();
    await hooks.afterAll[0]?.();
    await tagged.hooks.afterAll[0]?.();
    await given.hooks.afterAll[0]?.();
    await untagged.hooks.afterAll[0]?.();
  });

  it('useProbe refuses to run inside a test or outside Jest', () => {
    expect(() => useProbe({ ...config, jest: fakeJest('orders > emits').jest })).toThrow(UseProbeError);
    expect(() => useProbe({ ...config, jest: fakeJest('orders > emits').jest })).toThrow(
      /inside the test "orders > emits"/,
    );
    expect(() => useProbe(config)).toThrow(expect.objectContaining({ option: 'jest' }));
  });

  it('registers the matchers with an expect, and on import with Jest’s global one', async () => {
    const { jest, extend } = fakeJest();
    registerMatchers(jest.expect);
    expect(extend).toHaveBeenCalledWith(eventProbeMatchers);
    expect(() => registerMatchers({} as never)).toThrow(EventProbeError);
    vi.stubGlobal('beforeAll', jest.beforeAll);
    vi.stubGlobal('afterAll', jest.afterAll);
    const globalExpect = Object.assign(() => undefined, jest.expect);
    vi.stubGlobal('expect', globalExpect);
    extend.mockClear();
    const fresh = await import('../../src/jest.js');
    expect(extend).toHaveBeenCalledWith(fresh.eventProbeMatchers);
    const { hooks } = fakeJest();
    expect(hooks.beforeAll).toHaveLength(0);
    fresh.useProbe({ ...config, sweep: false }); // from the globals
  });
});

describe('eventprobe/jest matchers', () => {
  const ctx = { isNot: false, equals: (a: unknown, b: unknown) => Object.is(a, b) };
  it('wait with their own defaults (Jest does not tell a test its timeout)', async () => {
    const seen: unknown[] = [];
    const listener = {
      waitForEvent: async (_m: unknown, options: unknown) => {
        seen.push(options);
        return { id: 'e' };
      },
      expectNoEvent: async (_m: unknown, options: unknown) => {
        seen.push(options);
      },
    };
    expect((await eventProbeMatchers.toReceiveEvent.call(ctx, listener)).pass).toBe(true);
    expect((await eventProbeMatchers.toReceiveEvent.call({ ...ctx, isNot: true }, listener)).pass).toBe(
      false,
    );
    expect(seen).toEqual([{ timeout: 30_000 }, { within: 5_000 }]);
  });
});
