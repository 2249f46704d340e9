import { describe, expect, it } from 'vitest';
import { CleanupError, EventProbeError, ListenerSetupError } from '../../src/errors.js';
import { runSetup, type SetupStep } from '../../src/setup/engine.js';

/** Steps that log what they do, in order; `fail` names the steps that throw. */
const scripted = (
  specs: readonly { name: string; after?: string[]; fail?: unknown; undoFails?: unknown }[],
  log: string[],
): SetupStep[] =>
  specs.map((spec) => ({
    name: spec.name,
    ...(spec.after ? { after: spec.after } : {}),
    run: async () => {
      log.push(`start ${spec.name}`);
      await Promise.resolve();
      log.push(`end ${spec.name}`);
      if (spec.fail !== undefined) throw spec.fail;
    },
    undo: async () => {
      log.push(`undo ${spec.name}`);
      if (spec.undoFails !== undefined) throw spec.undoFails;
    },
  }));

describe('setup engine', () => {
  it('runs ready steps together, later ones after what they wait for', async () => {
    const log: string[] = [];
    let undone = 0;
    await runSetup({
      what: 'thing',
      steps: scripted(
        [{ name: 'a' }, { name: 'b' }, { name: 'c', after: ['a', 'b'] }, { name: 'd', after: ['c'] }],
        log,
      ),
      undone: () => undone++,
    });
    expect(log).toEqual(['start a', 'start b', 'end a', 'end b', 'start c', 'end c', 'start d', 'end d']);
    expect(undone).toBe(0);
  });

  it('on failure undoes every started step in reverse (the failed one too) and names the first failure', async () => {
    const log: string[] = [];
    let undone = 0;
    const boom = new Error('boom');
    const error = await runSetup({
      what: 'listener L on bus "b"',
      steps: scripted(
        [
          { name: 'a' },
          { name: 'b', fail: boom },
          { name: 'c', fail: new Error('later') },
          { name: 'd', after: ['a'] },
        ],
        log,
      ),
      undone: () => undone++,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect((error as ListenerSetupError).message).toBe(
      'Creating listener L on bus "b" failed at b: boom. Everything it had created was removed.',
    );
    expect((error as ListenerSetupError).cause).toBe(boom);
    expect((error as ListenerSetupError).leftovers).toEqual([]);
    expect(log.filter((l) => l.startsWith('undo'))).toEqual(['undo c', 'undo b', 'undo a']);
    expect(log).not.toContain('start d');
    expect(undone).toBe(1);
  });

  it('lists what could not be undone, keeps undoing the rest, and keeps the record', async () => {
    const log: string[] = [];
    let undone = 0;
    const error = (await runSetup({
      what: 'x',
      steps: scripted(
        [
          { name: 'queue', undoFails: new CleanupError('no', [{ resource: 'queue-url', error: 'denied' }]) },
          { name: 'rule', undoFails: 'plain' },
          { name: 'target', after: ['queue', 'rule'], fail: 'not an Error' },
        ],
        log,
      ),
      undone: () => undone++,
    }).catch((e: unknown) => e)) as ListenerSetupError;
    expect(error.message).toBe(
      'Creating x failed at target: not an Error. These could not be removed (probe.cleanup() or probe.sweep() will retry): rule (plain), queue-url.',
    );
    expect(error.leftovers).toEqual(['rule (plain)', 'queue-url']);
    expect(log.filter((l) => l.startsWith('undo'))).toEqual(['undo target', 'undo rule', 'undo queue']);
    expect(undone).toBe(0);
  });

  it('steps without undo are skipped when undoing; an abort throws the caller’s reason after undoing', async () => {
    const controller = new AbortController();
    const reason = new Error('caller stopped');
    const log: string[] = [];
    const error = await runSetup({
      what: 'x',
      signal: controller.signal,
      steps: [
        { name: 'plain', run: async () => void log.push('plain') },
        {
          name: 'aborting',
          run: async (signal) => {
            expect(signal).toBe(controller.signal);
            controller.abort(reason);
            throw signal?.reason;
          },
          undo: async () => void log.push('undo aborting'),
        },
      ],
    }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(log).toEqual(['plain', 'undo aborting']);
  });

  it('refuses steps that wait for a step that never runs', async () => {
    const log: string[] = [];
    const error = await runSetup({
      what: 'x',
      steps: scripted([{ name: 'a', after: ['ghost'] }], log),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventProbeError);
    expect((error as Error).message).toContain('a wait for steps that never run');
    expect(log).toEqual([]);
  });
});
