import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import {
  LISTENER_TARGET_ID,
  listenerIdFromName,
  NAME_PREFIX,
  newListenerId,
  newRunId,
  randomId,
  resourceName,
  validateRunId,
} from '../../src/resources/naming.js';
import {
  isManaged,
  MAX_USER_TAGS,
  resourceTags,
  TAG_CREATED_AT,
  TAG_LISTENER_ID,
  TAG_MARKER,
  TAG_RUN_ID,
  validateUserTags,
} from '../../src/resources/tags.js';

describe('naming', () => {
  it('makes random, time-ordered ids and names within AWS limits', () => {
    expect(randomId(12)).toMatch(/^[0-9a-z]{12}$/);
    expect(newRunId(1_700_000_000_000)).toMatch(/^[0-9a-z]+-[0-9a-z]{6}$/);
    const id = newListenerId();
    expect(id).toMatch(/^l[0-9a-z]{15}$/);
    const name = resourceName(id);
    expect(name.startsWith(NAME_PREFIX)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(listenerIdFromName(name)).toBe(id);
    expect(listenerIdFromName('other-name')).toBeUndefined();
    expect(listenerIdFromName(`${NAME_PREFIX}not-an-id`)).toBeUndefined();
    expect(LISTENER_TARGET_ID).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
  });
  it('validates run ids', () => {
    expect(validateRunId('run_1.2-3')).toBe('run_1.2-3');
    for (const bad of ['', 'a b', 'x'.repeat(65), 42, undefined]) {
      expect(() => validateRunId(bad)).toThrow(InvalidInputError);
    }
  });
});

describe('tags', () => {
  it('accepts good tags (copying them) and nothing', () => {
    const tags = { team: 'orders', 'app:name': 'shop @ prod/1 +=-_.' };
    const out = validateUserTags(tags);
    expect(out).toEqual(tags);
    expect(out).not.toBe(tags);
    expect(validateUserTags(undefined)).toEqual({});
    expect(
      validateUserTags(Object.fromEntries(Array.from({ length: MAX_USER_TAGS }, (_, i) => [`k${i}`, '']))),
    ).toBeDefined();
  });
  it.each([
    [null, 'tags', 'must be an object'],
    [['a'], 'tags', 'must be an object'],
    ['x', 'tags', 'must be an object'],
    [
      Object.fromEntries(Array.from({ length: MAX_USER_TAGS + 1 }, (_, i) => [`k${i}`, 'v'])),
      'tags',
      'Remove 1',
    ],
    [{ '': 'v' }, 'tags[""]', '1 to 128'],
    [{ ['k'.repeat(129)]: 'v' }, `tags["${'k'.repeat(129)}"]`, '1 to 128'],
    [{ 'AWS:x': 'v' }, 'tags["AWS:x"]', 'reserved prefix "aws:"'],
    [{ 'eventprobe:run-id': 'v' }, 'tags["eventprobe:run-id"]', 'reserved prefix "eventprobe:"'],
    [{ k: 1 }, 'tags["k"]', 'string value, got number'],
    [{ k: 'v'.repeat(257) }, 'tags["k"]', 'at most 256'],
    [{ 'k#': 'v' }, 'tags["k#"]', 'characters AWS does not allow'],
    [{ k: 'v*' }, 'tags["k"]', 'characters AWS does not allow'],
  ])('rejects %j', (tags, option, text) => {
    const error = (() => {
      try {
        validateUserTags(tags);
      } catch (e) {
        return e as InvalidInputError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.option).toBe(option);
    expect(error?.message).toContain(text);
  });
  it('names the option it was given', () => {
    expect(() => validateUserTags(null, 'listener.tags')).toThrow(
      expect.objectContaining({ option: 'listener.tags' }),
    );
  });
  it('builds the full tag set and recognises managed resources', () => {
    const tags = resourceTags({
      listenerId: 'l1',
      runId: 'r1',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      userTags: { team: 'a' },
    });
    expect(tags).toEqual({
      team: 'a',
      [TAG_MARKER]: 'true',
      [TAG_LISTENER_ID]: 'l1',
      [TAG_RUN_ID]: 'r1',
      [TAG_CREATED_AT]: '2026-01-01T00:00:00.000Z',
    });
    expect(isManaged(tags)).toBe(true);
    expect(isManaged({ [TAG_MARKER]: 'false' })).toBe(false);
    expect(isManaged(undefined)).toBe(false);
  });
});
