import { describe, expect, it } from 'vitest';
import { arn, globalArn, parseArn, partitionOf } from '../../src/local/core/arn.js';
import { bool, num, record, str, stringList, strMap, text } from '../../src/local/core/coerce.js';
import { cursorToken, pageToken, paginate, readCursorToken } from '../../src/local/core/paging.js';
import { fromJsonState, toJsonState } from '../../src/local/core/persist.js';

describe('ARNs', () => {
  it('take the partition from the region', () => {
    expect(partitionOf('us-east-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(arn('sqs', 'cn-northwest-1', '123456789012', 'q')).toBe(
      'arn:aws-cn:sqs:cn-northwest-1:123456789012:q',
    );
    expect(globalArn('iam', 'us-gov-east-1', '123456789012', 'root')).toBe(
      'arn:aws-us-gov:iam::123456789012:root',
    );
  });

  it('parse any partition and refuse what is not an ARN', () => {
    expect(parseArn('arn:aws-cn:events:cn-north-1:123456789012:rule/bus/r')).toEqual({
      partition: 'aws-cn',
      service: 'events',
      region: 'cn-north-1',
      accountId: '123456789012',
      resource: 'rule/bus/r',
    });
    expect(parseArn('arn:aws:iam::1:root')?.region).toBe('');
    expect(parseArn('arn:other:sqs:r:1:q')).toBeUndefined();
    expect(parseArn(42)).toBeUndefined();
  });
});

describe('input coercion', () => {
  it('reads strings, lists, maps, numbers and booleans leniently', () => {
    expect(str('a')).toBe('a');
    expect(str(1)).toBeUndefined();
    expect(text(1)).toBe('1');
    expect(text({ a: 1 })).toBe('{"a":1}');
    expect(text(null)).toBeUndefined();
    expect(stringList(['a', 1, 'b'])).toEqual(['a', 'b']);
    expect(stringList('a')).toEqual([]);
    expect(strMap({ a: 'x', b: 2, c: null })).toEqual({ a: 'x', b: '', c: '' });
    expect(strMap({ a: 'x', b: 2, c: null }, true)).toEqual({ a: 'x', b: '2' });
    expect(strMap('nope')).toEqual({});
    expect(num('5')).toBe(5);
    expect(num(7)).toBe(7);
    expect(num(Number.NaN)).toBeUndefined();
    expect(num(' ')).toBeUndefined();
    expect(num('x')).toBeUndefined();
    expect(num(undefined)).toBeUndefined();
    expect(bool('TRUE')).toBe(true);
    expect(bool(true)).toBe(true);
    expect(bool('no')).toBe(false);
    expect(record({ a: 1 })).toEqual({ a: 1 });
    expect(record([1])).toBeUndefined();
  });
});

describe('pagination tokens', () => {
  const invalid = () => new Error('bad token');
  it('pages by offset and refuses foreign or out-of-range tokens', () => {
    const items = [1, 2, 3, 4, 5];
    const first = paginate(items, undefined, 2, invalid);
    expect(first.page).toEqual([1, 2]);
    const second = paginate(items, first.nextToken, 2, invalid);
    expect(second.page).toEqual([3, 4]);
    const last = paginate(items, second.nextToken, 2, invalid);
    expect(last).toEqual({ page: [5], nextToken: undefined });
    expect(() => paginate(items, 'garbage', 2, invalid)).toThrow('bad token');
    expect(() => paginate(items, pageToken(9), 2, invalid)).toThrow('bad token');
    expect(() => paginate(items, 5, 2, invalid)).toThrow('bad token');
  });

  it('carries cursors', () => {
    expect(readCursorToken(cursorToken({ after: 'x' }), invalid)).toEqual({ after: 'x' });
    expect(() => readCursorToken('!!!', invalid)).toThrow('bad token');
    expect(() => readCursorToken(Buffer.from('[1]').toString('base64'), invalid)).toThrow('bad token');
  });
});

describe('the state serialiser', () => {
  it('round-trips maps, sets, bigints, dates, bytes and undefined, and skips functions and promises', () => {
    const state = {
      queues: new Map([
        ['q', { sequence: 12345678901234567890n, waiters: new Set([() => undefined]), at: new Date(5) }],
      ]),
      data: Buffer.from('hi'),
      missing: undefined,
      list: [1, undefined, 'x'],
      $odd: { $map: 'not a map' },
      pending: Promise.resolve(),
      fn: () => 1,
      nan: Number.NaN,
    };
    const back = fromJsonState(JSON.parse(JSON.stringify(toJsonState(state)))) as Record<string, unknown>;
    expect(back).toEqual({
      queues: new Map([['q', { sequence: 12345678901234567890n, waiters: new Set(), at: new Date(5) }]]),
      data: Buffer.from('hi'),
      missing: undefined,
      list: [1, undefined, 'x'],
      $odd: { $map: 'not a map' },
      nan: null,
    });
    expect('missing' in back).toBe(true);
    expect(toJsonState(Symbol('s'))).toBeUndefined();
  });
});
