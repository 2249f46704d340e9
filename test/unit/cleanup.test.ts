import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GRACE_MS,
  filtersOfTags,
  graceMs,
  matchesFilters,
  normalizeFilters,
  sweepRefusal,
  taggingFilters,
} from '../../src/cleanup/filters.js';
import { createLimiter, unlimited } from '../../src/cleanup/limit.js';
import { tagList } from '../../src/cleanup/remove.js';
import { InvalidInputError } from '../../src/errors.js';
import { parseQueueArn, parseRuleArn } from '../../src/resources/arn.js';
import { resourceTags } from '../../src/resources/tags.js';

describe('limiter', () => {
  it('never runs more than the bound at once, and runs everything', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('frees the slot when a task throws', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await limit(async () => 'next')).toBe('next');
    expect(await unlimited(async () => 1)).toBe(1);
  });
});

describe('tag filters', () => {
  it('normalizes values to lists and validates', () => {
    expect([...normalizeFilters({ a: 'x', b: ['y', 'z'] })]).toEqual([
      ['a', ['x']],
      ['b', ['y', 'z']],
    ]);
    for (const bad of [null, 'x', [], { a: [] }, { a: 1 }, { a: [1] }, { '': 'x' }]) {
      expect(() => normalizeFilters(bad)).toThrow(InvalidInputError);
    }
    expect(() => normalizeFilters({ a: [] }, 'opt')).toThrow(/opt\["a"\]/);
  });

  it('matches only when every key has one of its values', () => {
    const filters = normalizeFilters({ suite: 'orders', branch: ['main', 'dev'] });
    expect(matchesFilters({ suite: 'orders', branch: 'dev', other: '1' }, filters)).toBe(true);
    expect(matchesFilters({ suite: 'orders', branch: 'feature' }, filters)).toBe(false);
    expect(matchesFilters({ suite: 'orders' }, filters)).toBe(false);
    expect(matchesFilters({}, new Map())).toBe(true);
    expect([...filtersOfTags({ a: '1' })]).toEqual([['a', ['1']]]);
  });

  it('always asks the tagging API for the marker', () => {
    expect(taggingFilters(normalizeFilters({ 'eventprobe:managed': 'false', suite: 'x' }))).toEqual([
      { Key: 'eventprobe:managed', Values: ['true'] },
      { Key: 'suite', Values: ['x'] },
    ]);
  });
});

describe('sweep decisions', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const tags = (over: { runId?: string; createdAt?: Date; user?: Record<string, string> } = {}) =>
    resourceTags({
      listenerId: 'l000000000000000',
      runId: over.runId ?? 'old-run',
      createdAt: over.createdAt ?? new Date(now - 2 * 3_600_000),
      userTags: over.user ?? { suite: 'orders' },
    });
  const base = {
    filters: normalizeFilters({ suite: 'orders' }),
    runId: 'this-run',
    now,
    olderThanMs: DEFAULT_GRACE_MS,
  };

  it('sweeps a marked, matching, old resource of another run', () => {
    expect(sweepRefusal({ ...base, tags: tags() })).toBeUndefined();
  });

  it('never sweeps without the marker, whatever the filter', () => {
    const { 'eventprobe:managed': _, ...unmarked } = tags();
    expect(sweepRefusal({ ...base, tags: unmarked })).toMatch(/no eventprobe:managed tag/);
    expect(
      sweepRefusal({
        ...base,
        filters: new Map(),
        olderThanMs: 0,
        tags: { ...unmarked, 'eventprobe:managed': 'yes' },
      }),
    ).toMatch(/no eventprobe:managed/);
  });

  it("keeps this run's resources, other suites', and young ones", () => {
    expect(sweepRefusal({ ...base, tags: tags({ runId: 'this-run' }) })).toMatch(/this run/);
    expect(sweepRefusal({ ...base, tags: tags({ user: { suite: 'billing' } }) })).toMatch(/do not match/);
    expect(sweepRefusal({ ...base, tags: tags({ createdAt: new Date(now - 59 * 60_000) }) })).toMatch(
      /created 3540 s ago, within the grace period of 3600 s/,
    );
    expect(
      sweepRefusal({ ...base, olderThanMs: 0, tags: tags({ createdAt: new Date(now) }) }),
    ).toBeUndefined();
  });

  it('treats a missing or broken created-at as unknown age', () => {
    expect(sweepRefusal({ ...base, tags: { ...tags(), 'eventprobe:created-at': 'yesterday' } })).toMatch(
      /age unknown/,
    );
    const { 'eventprobe:created-at': _, ...noDate } = tags();
    expect(sweepRefusal({ ...base, tags: noDate })).toMatch(/age unknown/);
    expect(sweepRefusal({ ...base, olderThanMs: 0, tags: noDate })).toBeUndefined();
  });

  it('validates the grace period', () => {
    expect(graceMs(undefined)).toBe(3_600_000);
    expect(graceMs(0)).toBe(0);
    expect(graceMs(1500)).toBe(1500);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '10', () => 1]) {
      expect(() => graceMs(bad)).toThrow(/olderThan must be a finite number of milliseconds >= 0/);
    }
  });
});

describe('ARN parsing', () => {
  it('reads rule and queue ARNs', () => {
    expect(parseRuleArn('arn:aws:events:us-east-1:123456789012:rule/r1')).toEqual({
      bus: 'default',
      name: 'r1',
    });
    expect(parseRuleArn('arn:aws:events:us-east-1:123456789012:rule/bus-1/r1')).toEqual({
      bus: 'bus-1',
      name: 'r1',
    });
    expect(parseRuleArn('arn:aws:sqs:us-east-1:123456789012:q')).toBeUndefined();
    expect(parseQueueArn('arn:aws:sqs:us-east-1:123456789012:q')).toEqual({
      account: '123456789012',
      name: 'q',
    });
    expect(parseQueueArn('arn:aws:events:us-east-1:123456789012:rule/r1')).toBeUndefined();
    expect(tagList([{ Key: 'a', Value: '1' }, {}])).toEqual({ a: '1', '': '' });
    expect(tagList(undefined)).toEqual({});
  });
});
