import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProbe, InvalidInputError, ListenerStoppedError } from '../../src/index.js';
import { eventProbeMatchers, setupProbe, useProbe } from '../../src/vitest.js';
import { startTestAws } from '../support/aws.js';

const aws = await startTestAws();
const events = new EventBridgeClient(aws.clientConfig);
const sqs = new SQSClient(aws.clientConfig);
// Unique per run: the suite may run against a long-running endpoint (EVENTPROBE_TEST_ENDPOINT).
const BUS = `vitest-bus-${Date.now().toString(36)}`;
await events.send(new CreateEventBusCommand({ Name: BUS }));
afterAll(async () => {
  events.destroy();
  sqs.destroy();
  await aws.close();
});

// A leftover of an "earlier run" two hours ago, with this suite's tags: useProbe's beforeAll sweeps it.
const earlier = createProbe({
  ...aws.clientConfig,
  tags: { suite: 'vitest' },
  clock: { now: () => Date.now() - 2 * 3600_000 },
});
const leftover = await earlier.addListener({ eventBusName: BUS, eventPattern: { source: ['old'] } });
earlier.context.clients.destroy(); // and never cleaned up: the run "crashed"

const probe = useProbe({ ...aws.clientConfig, tags: { suite: 'vitest' } });

const put = async (detail: object, source = 'shop'): Promise<void> => {
  await events.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: BUS, Source: source, DetailType: 'OrderPlaced', Detail: JSON.stringify(detail) },
      ],
    }),
  );
};

describe('useProbe', () => {
  it('swept the leftovers of earlier runs in beforeAll', async () => {
    await expect(
      sqs.send(new GetQueueUrlCommand({ QueueName: leftover.resources.ruleName })),
    ).rejects.toMatchObject({ name: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/) });
  });

  it('gives a working probe', async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    expect(probe.context.created.has(listener.id)).toBe(true);
  });

  it('setupProbe is the same helper', () => {
    expect(setupProbe).toBe(useProbe);
  });
});

describe('toReceiveEvent', () => {
  it('passes with a predicate, an assertion, an object or nothing', async () => {
    const listener = await probe.addListener<{ orderId: string }>({
      eventBusName: BUS,
      eventPattern: { source: ['shop'] },
    });
    await put({ orderId: '1', extra: true });
    await expect(listener).toReceiveEvent((e: { detail: { orderId: string } }) => e.detail.orderId === '1');
    await expect(listener).toReceiveEvent((e: { detail: { orderId: string } }) => {
      expect(e.detail.orderId).toBe('1');
    });
    await expect(listener).toReceiveEvent({ source: 'shop', detail: { orderId: '1' } });
    await expect(listener).toReceiveEvent({ detail: { orderId: expect.stringMatching(/^\d$/) } });
    await expect(listener).toReceiveEvent({ resources: [] });
    await expect(listener).toReceiveEvent();
    await expect(listener).toReceiveEvent(
      { source: 'shop' },
      { timeout: 1000, signal: new AbortController().signal },
    );
  });

  it('fails showing what arrived (closest misses)', async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await put({ orderId: '2' });
    await expect(listener).toReceiveEvent({ detail: { orderId: '2' } });
    const error = await expect(listener)
      .toReceiveEvent({ detail: { orderId: '3' } }, { timeout: 100 })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('1 event arrived, none matched');
    expect((error as Error).message).toContain('"orderId":"2"');
    const nested = await expect(listener)
      .toReceiveEvent({ detail: { orderId: { deeper: 1 } } }, { timeout: 50 })
      .catch((e: Error) => e);
    expect(nested).toBeInstanceOf(Error);
  });

  it('.not waits the window and fails naming the event', async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    const started = performance.now();
    await expect(listener).not.toReceiveEvent({ detail: { orderId: 'x' } }, { timeout: 200 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await put({ orderId: 'x' });
    const error = await expect(listener)
      .not.toReceiveEvent(
        { detail: { orderId: 'x' } },
        { timeout: 3000, signal: new AbortController().signal },
      )
      .catch((e: Error) => e);
    expect((error as Error).message).toContain('expected no matching event');
    expect((error as Error).message).toContain('"orderId":"x"');
  });

  it('.not defaults to a 5 s window', async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await put({ orderId: 'now' });
    await expect(expect(listener).not.toReceiveEvent()).rejects.toThrow('expected no matching event');
  });

  it('rejects what is not a listener or not an expectation, and passes other errors through', async () => {
    await expect(expect({}).toReceiveEvent()).rejects.toThrow(InvalidInputError);
    await expect(expect(null).toReceiveEvent()).rejects.toThrow(InvalidInputError);
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await expect(expect(listener).toReceiveEvent(42 as never)).rejects.toThrow(InvalidInputError);
    await listener.stop();
    await expect(expect(listener).toReceiveEvent()).rejects.toThrow(ListenerStoppedError);
    await expect(expect(listener).not.toReceiveEvent()).rejects.toThrow(ListenerStoppedError);
  });
});

type Handler = (...args: never) => unknown;

const handlersSince = (before: Record<string, Handler[]>, signal: 'SIGINT' | 'SIGTERM') =>
  process.listeners(signal).filter((l) => !(before[signal] ?? []).includes(l));

describe('signal handlers', () => {
  const before: Record<string, Handler[]> = {};
  beforeAll(() => {
    before.SIGINT = process.listeners('SIGINT');
    before.SIGTERM = process.listeners('SIGTERM');
  });
  const signalled = useProbe({ ...aws.clientConfig, sweep: { tagFilters: { never: 'matches' } } });

  it('clean up on SIGTERM, then re-raise the signal', async () => {
    const added = handlersSince(before, 'SIGTERM');
    expect(added).toHaveLength(1);
    expect(handlersSince(before, 'SIGINT')).toHaveLength(1);
    const listener = await signalled.addListener({ eventBusName: BUS, eventPattern: { source: ['sig'] } });
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      (added[0] as (s: NodeJS.Signals) => void)('SIGTERM');
      await vi.waitFor(() => expect(kill).toHaveBeenCalledWith(process.pid, 'SIGTERM'));
    } finally {
      kill.mockRestore();
    }
    expect(listener.stopped).toBe(true);
    expect(signalled.context.created.size).toBe(0);
    expect(handlersSince(before, 'SIGTERM')).toHaveLength(0);
    expect(handlersSince(before, 'SIGINT')).toHaveLength(0);
  });
});

describe('signal handlers when cleanup fails', () => {
  const before: Record<string, Handler[]> = {};
  beforeAll(() => {
    before.SIGINT = process.listeners('SIGINT');
  });
  const failing = useProbe({ ...aws.clientConfig, sweep: false });

  it('still re-raise the signal', async () => {
    const [handler] = handlersSince(before, 'SIGINT');
    const cleanup = vi.spyOn(failing, 'cleanup').mockRejectedValueOnce(new Error('no network'));
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      (handler as (s: NodeJS.Signals) => void)('SIGINT');
      await vi.waitFor(() => expect(kill).toHaveBeenCalledWith(process.pid, 'SIGINT'));
    } finally {
      kill.mockRestore();
      cleanup.mockRestore();
    }
  });
});

describe('options', () => {
  const before: Record<string, Handler[]> = {};
  beforeAll(() => {
    before.SIGINT = process.listeners('SIGINT');
  });
  const quiet = useProbe({ ...aws.clientConfig, sweep: false, cleanupOnSignal: false });
  const untagged = useProbe({ ...aws.clientConfig });

  it('no sweep, no handlers, no tags', () => {
    // Only `untagged` installed a handler (and skipped its sweep: it has no tags to filter by).
    expect(handlersSince(before, 'SIGINT')).toHaveLength(1);
    expect(quiet.tags).toEqual({});
    expect(untagged.tags).toEqual({});
  });
});

describe('eventProbeMatchers', () => {
  it('describe the inverse outcome too', async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await put({ orderId: 'm' });
    const context = { isNot: false, equals: (a: unknown, b: unknown) => Object.is(a, b) };
    const passed = await eventProbeMatchers.toReceiveEvent.call(context, listener);
    expect(passed.pass).toBe(true);
    expect(passed.message()).toMatch(/^received a matching event: \{/);
    const none = await eventProbeMatchers.toReceiveEvent.call(
      { ...context, isNot: true },
      listener,
      () => false,
      {
        timeout: 20,
      },
    );
    expect(none.pass).toBe(false);
    expect(none.message()).toBe('no matching event arrived within 20 ms');
  });
});
