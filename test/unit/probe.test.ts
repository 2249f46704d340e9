import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ProbeDisposedError } from '../../src/errors.js';
import {
  createProbe,
  EventTimeoutError,
  InvalidInputError,
  ListenerSetupError,
  TargetNotFoundError,
} from '../../src/index.js';
import type { QueueListener } from '../../src/listeners/listener.js';

type Handler = (input: Record<string, unknown>, options: { abortSignal?: AbortSignal }) => unknown;

const ACCOUNT = '123456789012';
const BUS_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/bus`;

/** A minimal SQS queue in memory: long polls wait for messages, the deadline or an abort. */
class FakeQueue {
  messages: { MessageId: string; ReceiptHandle: string; Body: string }[] = [];
  #wake: (() => void) | undefined;
  #n = 0;
  push(body: string): void {
    this.#n++;
    this.messages.push({ MessageId: `m${this.#n}`, ReceiptHandle: `r${this.#n}`, Body: body });
    this.#wake?.();
  }
  async receive(waitSeconds: number, signal: AbortSignal | undefined): Promise<{ Messages?: unknown[] }> {
    if (this.messages.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, waitSeconds * 1000);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      });
    }
    const out = this.messages.splice(0, 10);
    return out.length ? { Messages: out } : {};
  }
}

const fake = (handlers: Record<string, Handler>) => {
  const calls: string[] = [];
  return {
    calls,
    config: { region: async () => 'us-east-1' },
    send(command: { constructor: { name: string }; input: Record<string, unknown> }, options = {}) {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(name);
      return Promise.resolve().then(() => {
        const handler = handlers[name];
        if (!handler) throw new Error(`unexpected ${name}`);
        return handler(command.input, options);
      });
    },
    destroy() {},
  };
};

const setup = (overrides: Record<string, Handler> = {}) => {
  const queue = new FakeQueue();
  const handlers: Record<string, Handler> = {
    DescribeEventBus: () => ({ Name: 'bus', Arn: BUS_ARN }),
    DescribeRule: () => ({ EventPattern: '{"source":["s"]}', State: 'ENABLED' }),
    ListTargetsByRule: () => ({ Targets: [{ Id: 't', Arn: 'x', InputPath: '$.detail' }] }),
    CreateQueue: (i) => ({ QueueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${i.QueueName}` }),
    PutRule: (i) => ({ RuleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/bus/${i.Name}` }),
    PutTargets: () => ({ FailedEntryCount: 0 }),
    SetQueueAttributes: () => ({}),
    ReceiveMessage: (i, o) => queue.receive(i.WaitTimeSeconds as number, o.abortSignal),
    DeleteMessageBatch: () => ({}),
    PutEvents: (i) => {
      const [entry] = i.Entries as { Detail: string; Source: string }[];
      queue.push(
        JSON.stringify({
          id: 'e',
          source: entry?.Source,
          'detail-type': 'x',
          detail: JSON.parse(entry?.Detail ?? '{}'),
        }),
      );
      return { FailedEntryCount: 0 };
    },
    // What cleanup calls.
    ListTagsForResource: () => ({ Tags: [{ Key: 'eventprobe:managed', Value: 'true' }] }),
    ListQueueTags: () => ({ Tags: { 'eventprobe:managed': 'true' } }),
    RemoveTargets: () => ({ FailedEntryCount: 0 }),
    DeleteRule: () => ({}),
    DeleteQueue: () => ({}),
    GetQueueUrl: (i) => ({ QueueUrl: `https://sqs/${i.QueueName}` }),
    ...overrides,
  };
  const client = fake(handlers);
  const probe = createProbe({
    region: 'us-east-1',
    clients: { eventBridge: client as unknown as EventBridgeClient, sqs: client as unknown as SQSClient },
  });
  return { probe, client, queue };
};

const rule = { eventBusName: 'bus', ruleName: 'r' } as const;

describe('createProbe', () => {
  it('validates its options', () => {
    expect(() => createProbe(null as never)).toThrow(expect.objectContaining({ option: 'options' }));
    expect(() => createProbe({ runId: 'bad id' })).toThrow(expect.objectContaining({ option: 'runId' }));
    expect(() => createProbe({ clock: {} as never })).toThrow(expect.objectContaining({ option: 'clock' }));
    expect(() => createProbe({ tags: { 'aws:x': '1' } })).toThrow(InvalidInputError);
  });
  it('exposes run id, tags, clock-based ids and lazy clients', async () => {
    const probe = createProbe({ runId: 'run-1', tags: { a: 'b' }, region: 'eu-west-1', env: {} });
    expect(probe.runId).toBe('run-1');
    expect(probe.tags).toEqual({ a: 'b' });
    expect(Object.keys(probe.clients)).toContain('cloudFormation');
    expect(await probe.clients.xray.config.region()).toBe('eu-west-1');
    expect(probe.clients.sqs).toBe(probe.clients.sqs);
    await probe[Symbol.asyncDispose]();
    const timed = createProbe({ clock: { now: () => 0 }, env: {} });
    expect(timed.runId).toMatch(/^0-[0-9a-z]{6}$/);
    expect(timed.context.clock.now()).toBe(0);
  });
  it('sweep refuses to run without any filter', async () => {
    const probe = createProbe({ region: 'us-east-1', env: {} });
    await expect(probe.sweep()).rejects.toMatchObject({ option: 'tagFilters' });
  });
});

describe('probe lifecycle', () => {
  it('a disposed probe refuses new work with ProbeDisposedError and builds no client again', async () => {
    const { probe, client } = setup();
    const listener = await probe.addListener(rule);
    await probe[Symbol.asyncDispose]();
    expect(listener.stopped).toBe(true);
    const calls = client.calls.length;
    for (const [operation, work] of [
      ['addListener', () => probe.addListener(rule)],
      ['addSnsListener', () => probe.addSnsListener({ topicArn: 'arn:aws:sns:us-east-1:123456789012:t' })],
      ['addKinesisListener', () => probe.addKinesisListener({ streamName: 's' })],
      ['sweep', () => probe.sweep({ tagFilters: { a: 'b' } })],
      ['removeListeners', () => probe.removeListeners({ ids: ['x'] })],
      ['getStackOutputs', () => probe.getStackOutputs('stack')],
      ['stackOutputs', () => probe.stackOutputs('stack')],
      ['getPhysicalIdFromStack', () => probe.getPhysicalIdFromStack('Id', 'stack')],
      ['getTraceTree', () => probe.getTraceTree('1-5759e988-bd862e3fe1be46a994272793')],
      [
        'retryGetTraceTreeUntil',
        () => probe.retryGetTraceTreeUntil('1-5759e988-bd862e3fe1be46a994272793', () => true),
      ],
      ['generateMockEvent', () => probe.generateMockEvent({ registryName: 'r', schemaName: 's' })],
      ['putEvents', () => probe.putEvents([])],
    ] as const) {
      const error = await (work as () => Promise<unknown>)().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProbeDisposedError);
      expect((error as ProbeDisposedError).operation).toBe(operation);
      expect((error as Error).message).toContain('disposed probe');
    }
    expect(() => probe.clients.sqs).toThrow(ProbeDisposedError);
    expect(() => probe.context.clients.get('xray')).toThrow(ProbeDisposedError);
    expect(client.calls.length).toBe(calls);
    // Cleanup and dispose stay idempotent.
    await expect(probe.cleanup()).resolves.toMatchObject({ failed: [] });
    await probe[Symbol.asyncDispose]();
  });

  it('destroys its clients even when the cleanup of dispose fails', async () => {
    const { probe } = setup({
      DeleteQueue: () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
      },
    });
    await probe.addListener(rule);
    await expect(probe[Symbol.asyncDispose]()).rejects.toThrow('denied');
    expect(() => probe.clients.eventBridge).toThrow(ProbeDisposedError);
  });

  it('a listener tells the probe it stopped (cleanup halts only the live ones)', async () => {
    const { probe, client } = setup();
    const stopped = await probe.addListener(rule);
    const live = await probe.addListener(rule);
    await stopped.stop();
    const deletes = client.calls.filter((c) => c === 'DeleteQueue').length;
    expect(deletes).toBe(1);
    await probe.cleanup();
    expect(live.stopped).toBe(true);
    expect(client.calls.filter((c) => c === 'DeleteQueue')).toHaveLength(2);
    expect(probe.context.created.size).toBe(0);
  });
});

describe('addListener with odd answers', () => {
  it('falls back when DescribeEventBus omits Arn and Name', async () => {
    const { probe } = setup({ DescribeEventBus: () => ({}), PutRule: () => ({}) });
    const listener = await probe.addListener(rule);
    expect(listener.resources.eventBusName).toBe('bus');
    expect(listener.resources.ruleArn).toBe(`arn:aws:events:::rule/bus/${listener.resources.ruleName}`);
    await probe.cleanup();
  });

  it('builds rule ARNs without a bus segment on the default bus', async () => {
    const { probe, client } = setup({
      DescribeEventBus: () => ({
        Name: 'default',
        Arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`,
      }),
      PutRule: (i) => ({ RuleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/${i.Name}` }),
    });
    const listener = await probe.addListener({ eventBusName: 'default', eventPattern: { source: ['s'] } });
    expect(listener.resources.ruleArn).toBe(
      `arn:aws:events:us-east-1:${ACCOUNT}:rule/${listener.resources.ruleName}`,
    );
    expect(client.calls).not.toContain('SetQueueAttributes');
    await listener.stop();
  });

  it('corrects the queue policy when the real rule ARN differs (in the same round trip)', async () => {
    let policy = '';
    const { probe } = setup({
      PutRule: () => ({ RuleArn: 'arn:aws:events:us-east-1:999999999999:rule/elsewhere' }),
      SetQueueAttributes: (i) => {
        policy = (i.Attributes as { Policy: string }).Policy;
        return {};
      },
    });
    await probe.addListener(rule);
    expect(policy).toContain('arn:aws:events:us-east-1:999999999999:rule/elsewhere');
    await probe.cleanup();
  });

  it('undoes when correcting the policy fails', async () => {
    const { probe } = setup({
      PutRule: () => ({ RuleArn: 'arn:other' }),
      SetQueueAttributes: () => {
        throw new Error('nope');
      },
    });
    const error = await probe.addListener(rule).catch((e) => e);
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(error.message).toContain('failed at SetQueueAttributes: nope');
    expect(probe.context.created.size).toBe(0);
  });

  it.each([
    [{ FailedEntryCount: 1, FailedEntries: [{ ErrorCode: 'Bad', ErrorMessage: 'no way' }] }, 'Bad: no way'],
    [{ FailedEntryCount: 1 }, 'unknown error: '],
  ])('checks FailedEntryCount of PutTargets (%#)', async (answer, text) => {
    const { probe } = setup({ PutTargets: () => answer });
    const error = await probe.addListener(rule).catch((e) => e);
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(error.message).toContain(
      `failed at PutTargets: PutTargets rejected the listener's queue as a target: ${text}`,
    );
  });

  it('reports a rule without targets, and targets without ids', async () => {
    const none = setup({ ListTargetsByRule: () => ({}) });
    const error = await none.probe.addListener({ ...rule, targetId: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(TargetNotFoundError);
    expect(error.message).toContain('It has no targets at all');
    const noIds = setup({ ListTargetsByRule: () => ({ Targets: [{ Arn: 'a' }] }) });
    const e2 = await noIds.probe.addListener({ ...rule, targetId: 'x' }).catch((e) => e);
    expect(e2.availableTargetIds).toEqual(['']);
  });

  it('stringifies non-Error failures', async () => {
    const { probe } = setup({
      DescribeEventBus: () => {
        throw 'plain string';
      },
    });
    await expect(probe.addListener(rule)).rejects.toThrow('(DescribeEventBus): plain string');
  });
});

describe('readiness (fake AWS)', () => {
  const readiness = { event: { source: 's', detailType: 'x' } };

  it('passes with the default interval and hides the marker events', async () => {
    const { probe, client, queue } = setup();
    const listener = (await probe.addListener({
      ...rule,
      targetId: 't',
      readiness,
    })) as unknown as QueueListener;
    expect(listener.stats.controlCount).toBe(1);
    expect(client.calls.filter((c) => c === 'PutEvents')).toHaveLength(1);
    queue.push('{"real":true}');
    await expect(listener.waitForEvent()).resolves.toEqual({ real: true });
    expect(listener.events).toEqual([{ real: true }]);
    await probe.cleanup();
  });

  it.each([
    [{ FailedEntryCount: 1, Entries: [{ ErrorCode: 'Denied', ErrorMessage: 'nope' }] }, 'Denied: nope'],
    [{ FailedEntryCount: 1 }, 'unknown: '],
  ])('fails when PutEvents rejects the event (%#)', async (answer, text) => {
    const { probe } = setup({ PutEvents: () => answer });
    const error = await probe.addListener({ ...rule, readiness }).catch((e) => e);
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(error.message).toContain(`failed at readiness: PutEvents rejected the readiness event: ${text}`);
    expect(probe.context.created.size).toBe(0);
  });

  it('times out when the event never arrives, removing everything', async () => {
    const { probe } = setup({ PutEvents: () => ({ FailedEntryCount: 0 }) });
    const error = await probe
      .addListener({ ...rule, readiness: { ...readiness, timeout: 100, interval: 20 } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(error.cause).toBeInstanceOf(EventTimeoutError);
    expect(error.cause.message).toContain('the readiness event did not arrive within 100 ms');
    expect(probe.context.created.size).toBe(0);
  });
});

describe('receive loop (fake SQS)', () => {
  const listen = async (overrides: Record<string, Handler> = {}) => {
    const env = setup(overrides);
    const listener = (await env.probe.addListener(rule)) as unknown as QueueListener<unknown, { n: number }>;
    return { ...env, listener };
  };

  it('ignores failed deletes (duplicates are dropped later)', async () => {
    const { listener, queue, probe } = await listen({
      DeleteMessageBatch: () => {
        throw new Error('delete failed');
      },
    });
    queue.push('{"n":1}');
    await expect(listener.waitForEvent()).resolves.toEqual({ n: 1 });
    await probe.cleanup();
  });

  it('keeps the last three misses of waitForEvents, with the default timeout', async () => {
    const { listener, queue, probe } = await listen();
    for (let n = 1; n <= 5; n++) queue.push(JSON.stringify({ n }));
    await listener.waitForEvents(undefined, { count: 5 });
    const error = await listener.waitForEvents((e) => e.n > 10, { count: 1, timeout: 30 }).catch((e) => e);
    expect(error.misses.map((m: { event: { n: number } }) => m.event.n)).toEqual([3, 4, 5]);
    await probe.cleanup();
  });

  it('says how many matched when every event matched but too few arrived', async () => {
    const { listener, queue, probe } = await listen();
    queue.push('{"n":1}');
    queue.push('{"n":2}');
    const error = await listener.waitForEvents(undefined, { count: 3, timeout: 50 }).catch((e) => e);
    expect(error.message).toMatch(
      /only 2 of 3 matching events within 50 ms\. 2 events arrived, 2 matched\.$/,
    );
    await probe.cleanup();
  });

  it('restarts the loop when a wait starts while it is finishing', async () => {
    const { listener, queue, probe, client } = await listen();
    // A short wait ends (deadline) while its receive is in flight; the receive then returns a
    // message and the loop finishes; a new wait starts in between.
    const short = listener.waitForEvent((e) => e.n === 99, { timeout: 20 }).catch((e) => e);
    expect(await short).toBeInstanceOf(EventTimeoutError);
    const next = new Promise<unknown>((resolve) => {
      queue.push('{"n":1}');
      queueMicrotask(() =>
        queueMicrotask(() => resolve(listener.waitForEvent((e) => e.n === 2, { timeout: 2000 }))),
      );
    });
    await new Promise((r) => setTimeout(r, 30));
    queue.push('{"n":2}');
    await expect(next).resolves.toEqual({ n: 2 });
    expect(client.calls.filter((c) => c === 'ReceiveMessage').length).toBeGreaterThanOrEqual(2);
    await probe.cleanup();
  });
});
