import { describe, expect, it } from 'vitest';
import { EventProbeError } from '../../src/errors.js';
import { EventBuffer } from '../../src/listeners/buffer.js';
import {
  describeMisses,
  EventTimeoutError,
  ListenerStoppedError,
  preview,
  UnexpectedEventError,
} from '../../src/listeners/errors.js';
import { BufferedListener } from '../../src/listeners/listener.js';
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
  it('appends entries known to be unique without a look-up, and still drops their later duplicates', () => {
    const buffer = new EventBuffer();
    const a = entry('a');
    expect(buffer.add([a, entry('b')], true).map((e) => e.id)).toEqual(['a', 'b']);
    expect(buffer.add([], true)).toEqual([]);
    expect(buffer.add([entry('c')], true).map((e) => e.id)).toEqual(['c']);
    expect(buffer.add([entry('a'), entry('d'), entry('c')]).map((e) => e.id)).toEqual(['d']);
    expect(buffer.add([entry('e')], true).map((e) => e.id)).toEqual(['e']);
    expect(buffer.add([entry('e'), entry('b')])).toEqual([]);
    expect(buffer.entries.map((e) => e.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(buffer.entries[0]).toBe(a);
    expect(buffer.duplicates).toBe(4);
  });
  it('wakes waiters on a unique append, not on an empty one', async () => {
    const buffer = new EventBuffer();
    let woken = 0;
    void buffer.changed().then(() => woken++);
    buffer.add([], true);
    await Promise.resolve();
    expect(woken).toBe(0);
    buffer.add([entry('a')], true);
    await Promise.resolve();
    expect(woken).toBe(1);
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

/** A listener fed by hand: the smallest source there is. */
class ManualListener extends BufferedListener<unknown, string> {
  starts = 0;
  halted = 0;
  constructor() {
    super({ id: 'manual', resources: { listenerId: 'manual', kind: 'kinesis', region: 'us-east-1' } });
  }
  protected override waitStarted(): void {
    this.starts++;
  }
  protected override async haltSource(): Promise<void> {
    this.halted++;
  }
  push(...events: string[]): void {
    this.append(
      events.map((event) => ({
        id: event,
        event,
        format: 'text' as const,
        size: event.length,
        receivedAt: 0,
        raw: {
          messageId: event,
          body: event,
          attributes: {},
          messageAttributes: {},
          traceHeader: undefined,
          receiveCount: 1,
        },
      })),
    );
  }
}

describe('BufferedListener', () => {
  it('waits over what a source appends, de-duplicated by id', async () => {
    const listener = new ManualListener();
    const waiting = listener.waitForEvents(undefined, { count: 2, timeout: 1_000 });
    expect(listener.starts).toBe(1);
    listener.push('a', 'a');
    listener.push();
    listener.push('b');
    expect(await waiting).toEqual(['a', 'b']);
    expect(listener.duplicates).toBe(1);
    await expect(listener.waitForEvent((e) => e === 'c', { timeout: 20 })).rejects.toThrow(EventTimeoutError);
  });

  it('fails the waits in progress before they look at entries that came with the failure', async () => {
    const listener = new ManualListener();
    const waiting = listener.waitForEvent(undefined, { timeout: 1_000 });
    await Promise.resolve();
    listener.fail(new EventProbeError('source broke'));
    listener.push('a');
    await expect(waiting).rejects.toThrow('source broke');
    // Reported once: the next wait sees the entry.
    expect(await listener.waitForEvent(undefined, { timeout: 1_000 })).toBe('a');
  });

  it('keeps a failure that happened while nothing waited for the next wait only', async () => {
    const listener = new ManualListener();
    listener.fail(new EventProbeError('first'));
    listener.fail(new EventProbeError('while idle'));
    listener.push('a');
    await expect(listener.waitForEvent(undefined, { timeout: 1_000 })).rejects.toThrow('while idle');
    expect(await listener.waitForEvent(undefined, { timeout: 1_000 })).toBe('a');
    // A failure the waits in progress saw is not kept.
    const waiting = listener.waitForEvent((e) => e === 'b', { timeout: 1_000 });
    listener.fail(new EventProbeError('seen'));
    await expect(waiting).rejects.toThrow('seen');
    listener.push('b');
    expect(await listener.waitForEvent((e) => e === 'b', { timeout: 1_000 })).toBe('b');
  });

  it('takes sync and async match functions: results, thrown and rejected assertions are misses', async () => {
    const listener = new ManualListener();
    listener.push('a', 'b', 'c', 'd');
    const assertC = (e: string): void => {
      if (e !== 'c') throw new Error(`not c: ${e}`);
    };
    expect(await listener.waitForEvent(assertC, { timeout: 1_000 })).toBe('c');
    expect(await listener.waitForEvent(async (e) => assertC(e), { timeout: 1_000 })).toBe('c');
    expect(await listener.waitForEvents(async (e) => e !== 'b', { count: 2, timeout: 1_000 })).toEqual([
      'a',
      'c',
    ]);
    expect(await listener.collect({ duration: 20, match: async (e) => e > 'b' })).toEqual(['c', 'd']);
    const missed = await listener
      .waitForEvent(async (e) => assertC(`${e}!`), { timeout: 20 })
      .catch((error: unknown) => error);
    expect(missed).toBeInstanceOf(EventTimeoutError);
    expect((missed as EventTimeoutError).misses.map((m) => m.event)).toEqual(['b', 'c', 'd']);
    expect(((missed as EventTimeoutError).cause as Error).message).toBe('not c: d!');
    await expect(listener.expectNoEvent(async (e) => e === 'z', { within: 20 })).resolves.toBeUndefined();
    await expect(listener.expectNoEvent(async (e) => e === 'd', { within: 1_000 })).rejects.toThrow(
      UnexpectedEventError,
    );
  });

  it('a cancelled wait rejects with the reason; stop() halts the source once and rejects waits', async () => {
    const listener = new ManualListener();
    const controller = new AbortController();
    const waiting = listener.waitForEvent(undefined, { timeout: 1_000, signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    const pending = listener.waitForEvent(undefined, { timeout: 1_000 });
    await Promise.all([listener.stop(), listener.stop()]);
    await expect(pending).rejects.toThrow(ListenerStoppedError);
    expect(listener.halted).toBe(1);
    expect(listener.stopped).toBe(true);
  });
});
