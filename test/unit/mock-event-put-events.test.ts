import type { PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { EventProbeError, InvalidInputError } from '../../src/errors.js';
import {
  type EventBridgeClientLike,
  type MockOrPlainEvent,
  PutEventsFailedError,
  putEvents,
} from '../../src/events/put-events.js';

type Reply = {
  FailedEntryCount?: number;
  Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
};

const fake = (reply: (entries: PutEventsRequestEntry[], call: number) => Reply) => {
  const calls: { entries: PutEventsRequestEntry[]; opts: unknown }[] = [];
  const client: EventBridgeClientLike = {
    send: async (cmd: PutEventsCommand, opts) => {
      const entries = cmd.input.Entries ?? [];
      calls.push({ entries, opts });
      return reply(entries, calls.length);
    },
  };
  return { client, calls };
};

const ok = (entries: PutEventsRequestEntry[], call: number): Reply => ({
  FailedEntryCount: 0,
  Entries: entries.map((_, i) => ({ EventId: `id-${call}-${i}` })),
});

const envelope = (n: number) => ({
  version: '0',
  id: `mock-${n}`,
  'detail-type': 'OrderPlaced',
  source: 'orders',
  account: '123456789012',
  time: '2024-05-06T07:08:09Z',
  region: 'us-east-1',
  resources: ['arn:aws:s3:::b'],
  detail: { n },
});

describe('putEvents', () => {
  it('turns envelopes into entries, in batches of 10, and returns the ids in order', async () => {
    const { client, calls } = fake(ok);
    const events = Array.from({ length: 12 }, (_, i) => envelope(i));
    const ids = await putEvents(client, events, { eventBusName: 'bus-1' });
    expect(ids).toHaveLength(12);
    expect(ids[0]).toBe('id-1-0');
    expect(ids[11]).toBe('id-2-1');
    expect(calls.map((c) => c.entries.length)).toEqual([10, 2]);
    expect(calls[0]?.entries[3]).toEqual({
      Source: 'orders',
      DetailType: 'OrderPlaced',
      Detail: '{"n":3}',
      Resources: ['arn:aws:s3:::b'],
      Time: new Date('2024-05-06T07:08:09Z'),
      EventBusName: 'bus-1',
    });
    expect(calls[0]?.opts).toEqual({});
  });

  it('passes PutEvents entries through, and takes string details, no detail, Date times', async () => {
    const { client, calls } = fake(ok);
    const signal = new AbortController().signal;
    const events: MockOrPlainEvent[] = [
      { Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'own' },
      { source: 's', 'detail-type': 'd', detail: '{"a":1}', time: new Date(0) },
      { source: 's', 'detail-type': 'd' },
    ];
    await putEvents(client, events, { signal });
    expect(calls[0]?.entries).toEqual([
      { Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'own' },
      { Source: 's', DetailType: 'd', Detail: '{"a":1}', Time: new Date(0) },
      { Source: 's', DetailType: 'd', Detail: '{}' },
    ]);
    expect(calls[0]?.opts).toEqual({ abortSignal: signal });
    await putEvents(client, [events[0] as MockOrPlainEvent], { eventBusName: 'b' });
    expect(calls[1]?.entries[0]?.EventBusName).toBe('b');
  });

  it('sends nothing for no events', async () => {
    const { client, calls } = fake(ok);
    expect(await putEvents(client, [])).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('throws PutEventsFailedError listing the failed entries, after sending every batch', async () => {
    const { client, calls } = fake((entries, call) => ({
      FailedEntryCount: 1,
      Entries: entries.map((_, i) =>
        i === 1
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }
          : call === 2 && i === 0
            ? {}
            : { EventId: `id-${call}-${i}` },
      ),
    }));
    const events = Array.from({ length: 11 }, (_, i) => envelope(i));
    const err = (await putEvents(client, events).catch((e: unknown) => e)) as PutEventsFailedError;
    expect(err).toBeInstanceOf(PutEventsFailedError);
    expect(err).toBeInstanceOf(EventProbeError);
    expect(calls).toHaveLength(2);
    expect(err.failed.map((f) => [f.index, f.errorCode, f.errorMessage])).toEqual([
      [1, 'InternalFailure', 'boom'],
      [10, undefined, undefined],
    ]);
    expect(err.eventIds[0]).toBe('id-1-0');
    expect(err.eventIds[1]).toBeUndefined();
    expect(err.message).toMatch(
      /rejected 2 of 11 events: #1 \(orders\/OrderPlaced\): InternalFailure boom; #10/,
    );
  });

  it('says when a result entry is missing, and shortens long lists', async () => {
    const { client } = fake(() => ({ FailedEntryCount: 7 }));
    const err = (await putEvents(
      client,
      Array.from({ length: 7 }, (_, i) => envelope(i)),
    ).catch((e: unknown) => e)) as PutEventsFailedError;
    expect(err.failed).toHaveLength(7);
    expect(err.failed[0]?.errorMessage).toBe('no result entry returned');
    expect(err.message).toMatch(/Unknown no result entry returned; \.\.\.$/);
  });

  it('wraps SDK errors (saying what was already sent) and passes aborts through', async () => {
    const sdkError = new Error('AccessDenied');
    const { client } = fake((entries, call) => {
      if (call === 2) throw sdkError;
      return ok(entries, call);
    });
    const err = (await putEvents(
      client,
      Array.from({ length: 11 }, (_, i) => envelope(i)),
    ).catch((e: unknown) => e)) as EventProbeError;
    expect(err.message).toMatch(
      /PutEvents failed for events 10-10: AccessDenied \(events before 10 were sent\)/,
    );
    expect(err.cause).toBe(sdkError);
    const first = fake(() => {
      throw sdkError;
    });
    await expect(putEvents(first.client, [envelope(1)])).rejects.toThrow(/events 0-0: AccessDenied$/);

    const aborter = new AbortController();
    const slow = fake(() => {
      aborter.abort(new Error('stopped'));
      throw new Error('aborted by the SDK');
    });
    await expect(putEvents(slow.client, [envelope(1)], { signal: aborter.signal })).rejects.toThrow(
      'stopped',
    );
    await expect(putEvents(slow.client, [envelope(1)], { signal: aborter.signal })).rejects.toThrow(
      'stopped',
    );
  });

  it('rejects what is not an event, naming it', async () => {
    const { client, calls } = fake(ok);
    const bad = (events: unknown, option: string, options: object = {}) =>
      expect(putEvents(client, events as MockOrPlainEvent[], options)).rejects.toThrow(
        expect.objectContaining({ name: 'InvalidInputError', option }),
      );
    await bad('x', 'events');
    await bad([null], 'events[0]');
    await bad([envelope(0), []], 'events[1]');
    await bad([{ 'detail-type': 'd' }], 'events[0].source');
    await bad([{ source: 's', 'detail-type': '' }], 'events[0].detail-type');
    await bad([{ source: 's', 'detail-type': 'd', resources: 'arn' }], 'events[0].resources');
    await bad([{ source: 's', 'detail-type': 'd', resources: [1] }], 'events[0].resources');
    await bad([{ source: 's', 'detail-type': 'd', time: 'soon' }], 'events[0].time');
    await bad([envelope(0)], 'eventBusName', { eventBusName: '' });
    expect(calls).toEqual([]);
    expect(InvalidInputError).toBeDefined();
  });

  it('accepts a real EventBridgeClient type', () => {
    type Real = import('@aws-sdk/client-eventbridge').EventBridgeClient;
    const check = (c: Real): EventBridgeClientLike => c;
    expect(typeof check).toBe('function');
  });
});
