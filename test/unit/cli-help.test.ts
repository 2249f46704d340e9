import { describe, expect, it } from 'vitest';
import { type CliIo, explainSkipped, runCli } from '../../src/cli.js';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {} };
  return { io, out: () => out.join(''), err: () => err.join('') };
};

describe('explainSkipped', () => {
  it('groups the reasons and hints at --older-than 0 only for young or undated leftovers', () => {
    expect(explainSkipped([], false)).toBe('');
    const text = explainSkipped(
      [
        { reason: 'created 5 s ago, within the grace period of 3600 s (a run may still be using it)' },
        { reason: 'no valid eventprobe:created-at tag, age unknown (sweep with olderThan: 0 to remove it)' },
        { reason: 'tags do not match the filter' },
        { reason: 'tags do not match the filter' },
      ],
      false,
    );
    expect(text).toContain('  1 within the grace period');
    expect(text).toContain('  1 of unknown age');
    expect(text).toContain('  2 tags do not match the filter');
    expect(text).toContain('the grace period is 1 h');
    expect(explainSkipped([{ reason: 'created by this run (cleanup() removes it)' }], false)).not.toContain(
      'hint',
    );
  });
});

describe('runCli', () => {
  it('answers -h and help <command>, and help for an unknown topic with the overview', async () => {
    const h = capture();
    expect((await runCli(['-h'], h.io)).code).toBe(0);
    expect(h.out()).toContain('`eventprobe <command> --help`');
    const topic = capture();
    expect((await runCli(['help', 'nope'], topic.io)).code).toBe(0);
    expect(topic.out()).toBe(h.out());
    const sub = capture();
    expect((await runCli(['sweep', '-h'], sub.io)).code).toBe(0);
    expect(sub.out()).toContain('--older-than MS');
    const proto = capture();
    expect((await runCli(['toString'], proto.io)).code).toBe(2);
  });
});
