import { describe, expect, it } from 'vitest';
import * as cli from '../../src/cli.js';
import {
  AwsConfigError,
  EventProbeError,
  InvalidInputError,
  QueueNotDrainedError,
  TimeoutError,
} from '../../src/errors.js';
import * as index from '../../src/index.js';
import * as jest from '../../src/jest.js';
import * as local from '../../src/local/index.js';
import * as vitest from '../../src/vitest.js';

/** Every exported subclass of EventProbeError of a module, by its export name. */
const errorClasses = (module: Record<string, unknown>): [string, unknown][] =>
  Object.entries(module).filter(
    ([, value]) => typeof value === 'function' && value.prototype instanceof EventProbeError,
  );

describe('the EventProbeError family', () => {
  it('each exported error class is named as it is exported', () => {
    const modules = { index, vitest, jest, cli, local };
    const all = Object.values(modules).flatMap((module) => errorClasses(module as Record<string, unknown>));
    // The family is large; a wrong filter would make the check below vacuous.
    expect(all.length).toBeGreaterThan(40);
    for (const [exported, cls] of all) expect((cls as { name: string }).name, exported).toBe(exported);
  });

  it("an instance's name is its own class's, at any depth, with instanceof, message, cause and fields kept", () => {
    const cause = new Error('socket hang up');
    const counts = { visible: 2, inFlight: 0, delayed: 0 };
    const drained = new QueueNotDrainedError('queue q kept 2 messages', 5000, 'https://q', counts, { cause });
    expect(drained.name).toBe('QueueNotDrainedError');
    expect(drained).toBeInstanceOf(TimeoutError);
    expect(drained).toBeInstanceOf(EventProbeError);
    expect(drained).toBeInstanceOf(Error);
    expect(drained).toMatchObject({ message: 'queue q kept 2 messages', timeoutMs: 5000, counts, cause });
    expect(String(drained)).toBe('QueueNotDrainedError: queue q kept 2 messages');
    expect(drained.stack).toMatch(/^QueueNotDrainedError: queue q kept 2 messages/);

    const config = new AwsConfigError('no region', 'region');
    expect(config).toMatchObject({ name: 'AwsConfigError', option: 'region' });
    expect(config).toBeInstanceOf(InvalidInputError);
    expect(new cli.CliUsageError('--older-than: not a duration', '--older-than').name).toBe('CliUsageError');
    expect(new vitest.UseProbeError('inside a test', 'useProbe').name).toBe('UseProbeError');
    expect(new EventProbeError('base').name).toBe('EventProbeError');
    expect(new EventProbeError('base')).not.toHaveProperty('cause');
  });

  it("a user's own subclass is named after itself", () => {
    class OrderNotPlacedError extends TimeoutError {}
    expect(new OrderNotPlacedError('no order', 10).name).toBe('OrderNotPlacedError');
  });
});
