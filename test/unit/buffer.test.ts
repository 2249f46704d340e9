import { describe, expect, it } from 'vitest';
import { EventBuffer } from '../../src/listeners/buffer.js';
import { describeMisses, preview } from '../../src/listeners/errors.js';
import { MAX_EVENT_BYTES, parseMessage, type ReceivedEvent } from '../../src/listeners/message.js';

const envelope = (id: string) => ({
  version: '0',
  id,
  'detail-type': 'OrderPlaced',
  source: 'shop',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { id },
});

describe('parseMessage', () => {
  it('parses an envelope and keys it by its event id', () => {
    const entry = parseMessage(
      {
        MessageId: 'm1',
        ReceiptHandle: 'r',
        Body: JSON.stringify(envelope('e1')),
        Attributes: { ApproximateReceiveCount: '2', AWSTraceHeader: 'Root=1-abc' },
        MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
      },
      42,
    );
    expect(entry).toMatchObject({ id: 'e1', format: 'json', receivedAt: 42 });
    expect(entry.raw).toEqual({
      messageId: 'm1',
      body: JSON.stringify(envelope('e1')),
      attributes: { ApproximateReceiveCount: '2', AWSTraceHeader: 'Root=1-abc' },
      messageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
      traceHeader: 'Root=1-abc',
      receiveCount: 2,
    });
  });
  it('keys non-envelope JSON and text by MessageId and keeps text as is', () => {
    expect(parseMessage({ MessageId: 'm2', Body: '{"id":"x"}' }, 0)).toMatchObject({
      id: 'm2',
      event: { id: 'x' },
    });
    expect(parseMessage({ MessageId: 'm3', Body: '[1]' }, 0)).toMatchObject({ id: 'm3', event: [1] });
    expect(parseMessage({ MessageId: 'm3b', Body: 'null' }, 0)).toMatchObject({ id: 'm3b', event: null });
    const text = parseMessage({ MessageId: 'm4', Body: 'héllo <b>' }, 0);
    expect(text).toMatchObject({ id: 'm4', event: 'héllo <b>', format: 'text', size: 10 });
    expect(text.raw.traceHeader).toBeUndefined();
    expect(text.raw.receiveCount).toBe(1);
  });
  it('copes with missing fields and odd receive counts', () => {
    const entry = parseMessage({ Attributes: { ApproximateReceiveCount: 'x' } }, 7);
    expect(entry.event).toBe('');
    expect(entry.format).toBe('text');
    expect(entry.id).toMatch(/^no-id-7-/);
    expect(entry.raw.receiveCount).toBe(1);
    expect(entry.raw.messageAttributes).toEqual({});
  });
  it('handles bodies larger than an EventBridge event', () => {
    const big = JSON.stringify({ data: 'x'.repeat(MAX_EVENT_BYTES) });
    const entry = parseMessage({ MessageId: 'big', Body: big }, 0);
    expect(entry.size).toBeGreaterThan(MAX_EVENT_BYTES);
    expect(entry.format).toBe('json');
  });
});

describe('EventBuffer', () => {
  const entry = (id: string): ReceivedEvent =>
    parseMessage({ MessageId: id, Body: JSON.stringify(envelope(id)) }, 0);
  it('appends in order and drops duplicate ids', () => {
    const buffer = new EventBuffer();
    expect(buffer.add([entry('a'), entry('b'), entry('a')]).map((e) => e.id)).toEqual(['a', 'b']);
    expect(buffer.add([entry('b')])).toEqual([]);
    expect(buffer.entries.map((e) => e.id)).toEqual(['a', 'b']);
    expect(buffer.length).toBe(2);
    expect(buffer.duplicates).toBe(2);
  });
  it('wakes waiters on append and on close, not on duplicates', async () => {
    const buffer = new EventBuffer();
    let woken = 0;
    void buffer.changed().then(() => woken++);
    buffer.add([entry('a')]);
    await Promise.resolve();
    expect(woken).toBe(1);
    void buffer.changed().then(() => woken++);
    buffer.add([entry('a')]);
    await Promise.resolve();
    expect(woken).toBe(1);
    expect(buffer.closed).toBe(false);
    buffer.close();
    await Promise.resolve();
    expect(woken).toBe(2);
    expect(buffer.closed).toBe(true);
  });
});

describe('error text helpers', () => {
  it('previews values, truncating long ones', () => {
    expect(preview({ a: 1 })).toBe('{"a":1}');
    expect(preview('text')).toBe('"text"');
    expect(preview(undefined)).toBe('undefined');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(preview(circular)).toBe('[object Object]');
    expect(preview('x'.repeat(1000))).toMatch(/… \(1002 chars\)$/);
  });
  it('lists misses with the assertion error’s first line', () => {
    expect(
      describeMisses([
        { event: { a: 1 }, error: new Error('expected 1\nto be 2') },
        { event: 'b' },
        { event: 3, error: 'raw' },
      ]),
    ).toBe('  1. {"a":1}\n     rejected: expected 1\n  2. "b"\n  3. 3\n     rejected: raw');
  });
});
