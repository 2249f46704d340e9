import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbe,
  EventBusNotFoundError,
  EventTimeoutError,
  InvalidEventPatternError,
  InvalidInputError,
  ListenerSetupError,
  ListenerStoppedError,
  type Probe,
  pollEvents,
  RuleNotCopyableError,
  RuleNotFoundError,
  removeListeners,
  TargetNotFoundError,
  UnexpectedEventError,
  waitUntilEventMatched,
} from '../../src/index.js';
import type { QueueListener } from '../../src/listeners/listener.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

interface Order {
  readonly orderId: string;
}

let aws: TestAws;
let probe: Probe;
let events: EventBridgeClient;
let sqs: SQSClient;
let sinkArn: string;
const BUS = `orders-${Date.now().toString(36)}`;
const RULE = 'order-placed';

const put = async (...entries: Partial<PutEventsRequestEntry>[]): Promise<void> => {
  const out = await events.send(
    new PutEventsCommand({
      Entries: entries.map((e) => ({
        EventBusName: BUS,
        Source: 'shop',
        DetailType: 'OrderPlaced',
        Detail: '{}',
        ...e,
      })),
    }),
  );
  expect(out.FailedEntryCount ?? 0).toBe(0);
};
const order = (orderId: string, detailType = 'OrderPlaced'): Partial<PutEventsRequestEntry> => ({
  DetailType: detailType,
  Detail: JSON.stringify({ orderId }),
});

/** Names of eventprobe queues and rules that exist right now. */
const leftovers = async (): Promise<string[]> => {
  const queues = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'eventprobe-' }));
  const rules = await events.send(new ListRulesCommand({ EventBusName: BUS, NamePrefix: 'eventprobe-' }));
  return [...(queues.QueueUrls ?? []), ...(rules.Rules ?? []).map((r) => r.Name ?? '')].sort();
};

beforeAll(async () => {
  aws = await startTestAws();
  events = new EventBridgeClient(aws.clientConfig);
  sqs = new SQSClient(aws.clientConfig);
  probe = createProbe({ ...aws.clientConfig, tags: { suite: 'probe-listener' } });
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  const sink = await sqs.send(new CreateQueueCommand({ QueueName: `sink-${BUS}` }));
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: sink.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  sinkArn = attrs.Attributes?.QueueArn ?? '';
  await events.send(
    new PutRuleCommand({
      Name: RULE,
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: ['shop'], 'detail-type': ['OrderPlaced'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: RULE,
      EventBusName: BUS,
      Targets: [
        { Id: 'plain', Arn: sinkArn },
        { Id: 'constant', Arn: sinkArn, Input: '{"kind":"constant"}' },
        { Id: 'path', Arn: sinkArn, InputPath: '$.detail' },
        {
          Id: 'transformer',
          Arn: sinkArn,
          InputTransformer: {
            InputPathsMap: { id: '$.detail.orderId', type: '$.detail-type' },
            InputTemplate: '{"order": <id>, "type": <type>}',
          },
        },
        {
          Id: 'text',
          Arn: sinkArn,
          InputTransformer: { InputPathsMap: { id: '$.detail.orderId' }, InputTemplate: 'Order <id> placed' },
        },
      ],
    }),
  );
  await events.send(new PutRuleCommand({ Name: `nightly-${BUS}`, ScheduleExpression: 'rate(1 day)' }));
  await events.send(
    new PutRuleCommand({
      Name: 'disabled',
      EventBusName: BUS,
      State: 'DISABLED',
      EventPattern: JSON.stringify({ source: ['shop'] }),
    }),
  );
});

afterAll(async () => {
  await probe?.[Symbol.asyncDispose]();
  events?.destroy();
  sqs?.destroy();
  await aws?.close();
});

describe('addListener', () => {
  it('creates a tagged, locked-down queue and a copy of the rule', async () => {
    await using listener = await probe.addListener({
      eventBusName: BUS,
      ruleName: RULE,
      tags: { case: 'shape' },
    });
    const { resources } = listener;
    expect(resources).toMatchObject({ listenerId: listener.id, kind: 'eventbridge', eventBusName: BUS });
    expect(probe.context.created.get(listener.id)).toEqual(resources);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: resources.queueUrl, AttributeNames: ['All'] }),
    );
    expect(attrs.Attributes?.SqsManagedSseEnabled).toBe('true');
    expect(attrs.Attributes?.MessageRetentionPeriod).toBe('3600');
    expect(attrs.Attributes?.QueueArn).toBe(resources.queueArn);
    const policy = JSON.parse(attrs.Attributes?.Policy ?? '{}');
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: resources.queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': resources.ruleArn } },
      }),
    ]);
    const queueTags = await sqs.send(new ListQueueTagsCommand({ QueueUrl: resources.queueUrl }));
    expect(queueTags.Tags).toMatchObject({
      suite: 'probe-listener',
      case: 'shape',
      'eventprobe:managed': 'true',
      'eventprobe:listener-id': listener.id,
      'eventprobe:run-id': probe.runId,
    });
    const ruleTags = await events.send(new ListTagsForResourceCommand({ ResourceARN: resources.ruleArn }));
    expect(ruleTags.Tags).toContainEqual({ Key: 'eventprobe:managed', Value: 'true' });
    const targets = await events.send(
      new ListTargetsByRuleCommand({ Rule: resources.ruleName, EventBusName: BUS }),
    );
    expect(targets.Targets).toEqual([expect.objectContaining({ Arn: resources.queueArn })]);
  });

  it('takes the bus as an ARN and an ad-hoc pattern (object or string)', async () => {
    const bus = await events.send(new DescribeEventBusCommand({ Name: BUS }));
    await using byObject = await probe.addListener<Order>({
      eventBusName: bus.Arn as string,
      eventPattern: { source: ['adhoc'] },
    });
    await using byString = await probe.addListener({
      eventBusName: BUS,
      eventPattern: '{"source":["adhoc"]}',
    });
    await put({ Source: 'adhoc', Detail: '{"orderId":"a1"}' });
    const [a, b] = await Promise.all([
      byObject.waitForEvent(undefined, { timeout: 5000 }),
      byString.waitForEvent(),
    ]);
    expect(a.detail.orderId).toBe('a1');
    expect(b.id).toBe(a.id);
  });

  it.each([
    ['plain', (e: unknown, id: string) => expect(e).toMatchObject({ detail: { orderId: id } })],
    ['constant', (e: unknown) => expect(e).toEqual({ kind: 'constant' })],
    ['path', (e: unknown, id: string) => expect(e).toEqual({ orderId: id })],
    ['transformer', (e: unknown, id: string) => expect(e).toEqual({ order: id, type: 'OrderPlaced' })],
    ['text', (e: unknown, id: string) => expect(e).toBe(`Order ${id} placed`)],
  ])('copies the %s target transformation', async (targetId, check) => {
    await using listener = await probe.addListener<unknown, unknown>({
      eventBusName: BUS,
      ruleName: RULE,
      targetId,
    });
    // A constant Input hides any readiness marker: wait out the rule's propagation instead.
    if (targetId === 'constant') await aws.settleRules();
    const id = `t-${targetId}`;
    await put(order(id));
    const event = await listener.waitForEvent(undefined, { timeout: 5000 });
    check(event, id);
    const [received] = listener.received;
    expect(received?.format).toBe(targetId === 'text' ? 'text' : 'json');
  });
});

describe('bad input fails before creating anything (or undoes it)', () => {
  let before: string[];
  beforeAll(async () => {
    before = await leftovers();
  });
  afterEach(async () => {
    expect(await leftovers()).toEqual(before);
  });

  it('missing bus', async () => {
    const error = await probe.addListener({ eventBusName: 'nope', ruleName: RULE }).catch((e) => e);
    expect(error).toBeInstanceOf(EventBusNotFoundError);
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain(aws.region);
  });

  it('missing rule', async () => {
    const error = await probe.addListener({ eventBusName: BUS, ruleName: 'nope' }).catch((e) => e);
    expect(error).toBeInstanceOf(RuleNotFoundError);
    expect(error.message).toContain(`Rule "nope" does not exist on event bus "${BUS}" in ${aws.region}`);
  });

  it('missing target lists the rule’s target ids', async () => {
    const error = await probe
      .addListener({ eventBusName: BUS, ruleName: RULE, targetId: 'nope' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(TargetNotFoundError);
    expect(error.availableTargetIds).toEqual(['plain', 'constant', 'path', 'transformer', 'text']);
    expect(error.message).toContain('"plain", "constant"');
  });

  it('schedule-only and disabled rules', async () => {
    await expect(
      probe.addListener({ eventBusName: 'default', ruleName: `nightly-${BUS}` }),
    ).rejects.toMatchObject({
      name: 'RuleNotCopyableError',
      reason: 'schedule-only',
    });
    const error = await probe.addListener({ eventBusName: BUS, ruleName: 'disabled' }).catch((e) => e);
    expect(error).toBeInstanceOf(RuleNotCopyableError);
    expect(error.reason).toBe('disabled');
  });

  it.each([
    [{ eventBusName: BUS, ruleName: RULE, tags: { 'aws:x': 'y' } }, 'tags["aws:x"]'],
    [
      { eventBusName: BUS, ruleName: RULE, tags: { 'eventprobe:managed': 'false' } },
      'tags["eventprobe:managed"]',
    ],
    [{ eventBusName: BUS, ruleName: RULE, tags: { ['k'.repeat(129)]: 'v' } }, `tags["${'k'.repeat(129)}"]`],
    [
      {
        eventBusName: BUS,
        ruleName: RULE,
        tags: Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`t${i}`, 'v'])),
      },
      'tags',
    ],
    [{ eventBusName: BUS, ruleName: 'r'.repeat(65) }, 'ruleName'],
    [{ eventBusName: BUS, ruleName: RULE, targetId: 'bad id' }, 'targetId'],
    [{ eventBusName: 'bad bus!' }, 'eventBusName'],
    [{ eventBusName: BUS }, 'ruleName'],
    [{ eventBusName: BUS, ruleName: RULE, eventPattern: {} }, 'eventPattern'],
    [{ eventBusName: BUS, eventPattern: { source: ['x'] }, targetId: 'plain' }, 'targetId'],
    [{ eventBusName: BUS, eventPattern: 42 }, 'eventPattern'],
    [{ eventBusName: BUS, ruleName: RULE, readiness: { event: { source: 'x' } } }, 'readiness.event'],
    [{ eventBusName: BUS, ruleName: RULE, readiness: { event: null } }, 'readiness.event'],
    [
      {
        eventBusName: BUS,
        ruleName: RULE,
        readiness: { event: { source: 'x', detailType: 'y' }, timeout: 0 },
      },
      'readiness.timeout',
    ],
    [
      {
        eventBusName: BUS,
        ruleName: RULE,
        readiness: { event: { source: 'x', detailType: 'y' }, interval: Number.NaN },
      },
      'readiness.interval',
    ],
  ])('invalid options %# name the option', async (options, option) => {
    const error = await probe.addListener(options as never).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.option).toBe(option);
  });

  it('options must be an object', async () => {
    await expect(probe.addListener(undefined as never)).rejects.toMatchObject({ option: 'options' });
  });

  it('too many tags counting the probe’s own', async () => {
    const tagged = createProbe({
      ...aws.clientConfig,
      tags: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, 'v'])),
    });
    const error = await tagged
      .addListener({
        eventBusName: BUS,
        ruleName: RULE,
        tags: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`l${i}`, 'v'])),
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('add up to 50');
    await tagged[Symbol.asyncDispose]();
  });

  it('an invalid pattern gives AWS’s reason', async () => {
    const error = await probe
      .addListener({ eventBusName: BUS, eventPattern: { source: 'shop' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(InvalidEventPatternError);
  });

  it('readiness with an event the pattern does not match, or a constant Input', async () => {
    await expect(
      probe.addListener({
        eventBusName: BUS,
        ruleName: RULE,
        readiness: { event: { source: 'other', detailType: 'OrderPlaced' } },
      }),
    ).rejects.toMatchObject({ option: 'readiness.event' });
    await expect(
      probe.addListener({
        eventBusName: BUS,
        ruleName: RULE,
        targetId: 'constant',
        readiness: { event: { source: 'shop', detailType: 'OrderPlaced' } },
      }),
    ).rejects.toMatchObject({ option: 'readiness' });
  });

  it.skipIf(emulatorOnly)('a failing step undoes what was created', async () => {
    const strict = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
    const faults = aws.local?.faults;
    for (const operation of ['PutTargets', 'PutRule', 'CreateQueue']) {
      faults?.set({
        faults: [
          {
            operation,
            error: 'AccessDeniedException',
            message: `denied ${operation}`,
            status: 400,
            times: 1,
          },
        ],
      });
      const error = await strict.addListener({ eventBusName: BUS, ruleName: RULE }).catch((e) => e);
      expect(error).toBeInstanceOf(ListenerSetupError);
      expect(error.message).toContain(`failed at ${operation}`);
      expect(error.message).toContain('Everything it had created was removed');
      expect(error.leftovers).toEqual([]);
      expect((error.cause as Error).message).toContain(`denied ${operation}`);
      expect(strict.context.created.size).toBe(0);
    }
    faults?.clear();
    await strict[Symbol.asyncDispose]();
  });

  it.skipIf(emulatorOnly)('lists what it could not undo', async () => {
    const strict = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
    aws.local?.faults.set({
      faults: [
        { operation: 'PutTargets', error: 'AccessDeniedException', status: 400, times: 1 },
        { operation: 'DeleteQueue', error: 'AccessDenied', status: 403 },
      ],
    });
    const error = await strict.addListener({ eventBusName: BUS, ruleName: RULE }).catch((e) => e);
    aws.local?.faults.clear();
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(error.leftovers).toHaveLength(1);
    expect(error.message).toContain('could not be removed');
    expect(strict.context.created.size).toBe(1);
    await strict.cleanup();
    expect(strict.context.created.size).toBe(0);
    await strict[Symbol.asyncDispose]();
  });

  it.skipIf(emulatorOnly)('other errors while reading the bus, rule or targets', async () => {
    const strict = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
    for (const operation of ['DescribeEventBus', 'DescribeRule', 'ListTargetsByRule']) {
      aws.local?.faults.set({
        faults: [{ operation, error: 'AccessDeniedException', status: 400, times: 1 }],
      });
      const error = await strict
        .addListener({ eventBusName: BUS, ruleName: RULE, targetId: 'plain' })
        .catch((e) => e);
      expect(error).toBeInstanceOf(ListenerSetupError);
      expect(error.message).toContain(`(${operation})`);
    }
    aws.local?.faults.clear();
    await strict[Symbol.asyncDispose]();
  });

  it('an abort during setup rethrows the caller’s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    controller.abort(reason);
    await expect(
      probe.addListener({ eventBusName: BUS, ruleName: RULE, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it.skipIf(emulatorOnly)('an abort half-way undoes and rethrows the caller’s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    aws.local?.faults.set({ operationLatencyMs: { PutTargets: 300 } });
    const pending = probe.addListener({ eventBusName: BUS, ruleName: RULE, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
    aws.local?.faults.clear();
  });
});

describe('listening', () => {
  it('keeps exact counts when matching and non-matching events are mixed', async () => {
    await using listener = await probe.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    await put(order('1'), order('x', 'OrderCancelled'), order('2'), { Source: 'other' }, order('3'));
    const three = await listener.waitForEvents(undefined, { count: 3, timeout: 5000 });
    const ids = three.map((e) => e.detail.orderId);
    // A standard queue keeps no order on AWS (the emulator under realism neither).
    expect(aws.keepsOrder ? ids : ids.sort()).toEqual(['1', '2', '3']);
    // A predicate that does not match loses nothing: a later wait finds the earlier event.
    await expect(listener.waitForEvent((e) => e.detail.orderId === '3')).resolves.toMatchObject({
      detail: { orderId: '3' },
    });
    await expect(listener.waitForEvent((e) => e.detail.orderId === '1')).resolves.toBeDefined();
    const all = await listener.collect({ duration: 300 });
    expect(all).toHaveLength(3);
    const odd = await listener.collect({ duration: 50, match: (e) => Number(e.detail.orderId) % 2 === 1 });
    expect(odd).toHaveLength(2);
    expect(listener.events).toHaveLength(3);
  });

  it('accepts assertion-style and async match functions', async () => {
    await using listener = await probe.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    await put(order('a'), order('b'));
    const b = await listener.waitForEvent((e) => {
      expect(e.detail.orderId).toBe('b');
    });
    expect(b.detail.orderId).toBe('b');
    const a = await waitUntilEventMatched(listener, async (e) => e.detail.orderId === 'a', { timeout: 5000 });
    expect(a.detail.orderId).toBe('a');
  });

  it('times out with how long, how many arrived and the closest misses', async () => {
    await using listener = await probe.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    await put(order('1'), order('2'), order('3'), order('4'));
    await listener.waitForEvents(undefined, { count: 4, timeout: 5000 });
    const error = await listener
      .waitForEvent(
        (e) => {
          expect(e.detail.orderId).toBe('nope');
        },
        { timeout: 200 },
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(EventTimeoutError);
    expect(error.timeoutMs).toBe(200);
    expect(error.receivedCount).toBe(4);
    expect(error.misses).toHaveLength(3);
    expect(error.message).toContain('within 200 ms');
    expect(error.message).toContain('4 events arrived, none matched');
    expect(error.message).toContain('rejected: expected');
    // The closest misses are the latest arrivals: order 4, where the queue keeps order.
    const latest = listener.events.at(-1)?.detail.orderId;
    if (aws.keepsOrder) expect(latest).toBe('4');
    expect(error.message).toContain(`"orderId":"${latest}"`);
    expect(error.cause).toBeInstanceOf(Error);

    const partial = await listener
      .waitForEvents((e) => e.detail.orderId < '3', { count: 3, timeout: 100 })
      .catch((e) => e);
    expect(partial).toBeInstanceOf(EventTimeoutError);
    expect(partial.matched).toHaveLength(2);
    expect(partial.message).toContain('only 2 of 3 matching events');
    expect(partial.message).toContain('2 matched');
  });

  it('says when nothing arrived at all', async () => {
    await using listener = await probe.addListener({
      eventBusName: BUS,
      eventPattern: { source: ['silent'] },
    });
    const error = await listener.waitForEvent(undefined, { timeout: 100 }).catch((e) => e);
    expect(error.message).toContain('0 events arrived.');
    expect(error.message).toContain('Nothing arrived');
    const one = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['one'] } });
    await put({ Source: 'one' });
    await one.waitForEvent();
    const e2 = await one.waitForEvent(() => false, { timeout: 50 }).catch((e) => e);
    expect(e2.message).toContain('1 event arrived, none matched');
    await one.stop();
  });

  it('pollEvents returns what is new since the last poll (IATK parity)', async () => {
    await using listener = await probe.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    await put(order('1'), order('2'), order('3'));
    await listener.waitForEvents(undefined, { count: 3, timeout: 5000 });
    const first = (await pollEvents(listener, { maxEvents: 2, waitTimeSeconds: 1 })).map(
      (e) => e.detail.orderId,
    );
    const second = (await listener.pollEvents({ waitTimeSeconds: 1 })).map((e) => e.detail.orderId);
    if (aws.keepsOrder) {
      expect(first).toEqual(['1', '2']);
      expect(second).toEqual(['3']);
    } else {
      // In arrival order, which a standard queue does not keep: two, then the third.
      expect(first).toHaveLength(2);
      expect([...first, ...second].sort()).toEqual(['1', '2', '3']);
    }
    const started = performance.now();
    expect(await listener.pollEvents({ waitTimeSeconds: 0.2 })).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    const waiting = listener.pollEvents();
    await put(order('4'));
    expect((await waiting).map((e) => e.detail.orderId)).toEqual(['4']);
    expect(listener.events).toHaveLength(4);
  });

  it('expectNoEvent waits the full window, and names the offending event', async () => {
    await using listener = await probe.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    const started = performance.now();
    await listener.expectNoEvent(undefined, { within: 300 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const pending = listener.expectNoEvent((e) => e.detail.orderId === 'bad', { within: 5000 });
    await put(order('ok'), order('bad'));
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(UnexpectedEventError);
    expect(error.event.detail.orderId).toBe('bad');
    expect(error.message).toContain('"orderId":"bad"');
    // Already received counts too.
    await expect(listener.expectNoEvent((e) => e.detail.orderId === 'ok', { within: 100 })).rejects.toThrow(
      UnexpectedEventError,
    );
  });

  it('de-duplicates by event id and keeps raw message data', async () => {
    await using listener = await probe.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await put({ ...order('t'), TraceHeader: trace });
    const event = await listener.waitForEvent();
    const queueUrl = listener.resources.queueUrl;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not json {' }));
    const text = await listener.waitForEvent((e) => typeof e === 'string');
    expect(text).toBe('not json {');
    await listener.collect({ duration: 200 });
    expect(listener.events).toHaveLength(2);
    const { duplicates } = listener as QueueListener<Order>;
    // SQS itself may deliver a message twice (the emulator under realism too): more duplicates, never fewer.
    if (aws.exactlyOnce) expect(duplicates).toBe(2);
    else expect(duplicates).toBeGreaterThanOrEqual(2);
    const [first, second] = listener.received;
    expect(first?.id).toBe(event.id);
    expect(first?.raw.messageId).toMatch(/.+/);
    expect(first?.raw.receiveCount).toBe(1);
    expect(first?.raw.attributes.SentTimestamp).toMatch(/^\d+$/);
    expect(first?.raw.traceHeader).toBe(trace);
    expect(second).toMatchObject({ format: 'text', size: 10, event: 'not json {' });
    expect(second?.id).toBe(second?.raw.messageId);
  });

  it('an abort rejects with the caller’s reason and cancels the receive', async () => {
    await using listener = await probe.addListener({
      eventBusName: BUS,
      eventPattern: { source: ['never'] },
    });
    const { stats } = listener as QueueListener;
    // Counted from here: a readiness check (EVENTPROBE_READINESS=auto) makes receives of its own.
    const base = stats.receiveCalls;
    const controller = new AbortController();
    const reason = new Error('test over');
    setTimeout(() => controller.abort(reason), 100);
    await expect(listener.waitForEvent(undefined, { signal: controller.signal })).rejects.toBe(reason);
    // The 20 s long poll was cancelled, not left running: a short wait after it gets a receive of its
    // own (a still-running poll would have kept the loop busy past the short wait).
    // One receive for the aborted wait (none new if readiness left one in flight, which it joined).
    const afterAbort = stats.receiveCalls;
    expect(afterAbort - base).toBeLessThanOrEqual(1);
    expect(await listener.waitForEvent(undefined, { timeout: 500 }).catch((e) => e)).toBeInstanceOf(
      EventTimeoutError,
    );
    expect(stats.receiveCalls).toBe(afterAbort + 1);
    const aborted = new AbortController();
    aborted.abort(reason);
    await expect(listener.waitForEvent(undefined, { signal: aborted.signal })).rejects.toBe(reason);
  });

  it('an idle wait long-polls: few receive calls', async () => {
    await using listener = await probe.addListener({
      eventBusName: BUS,
      eventPattern: { source: ['never'] },
    });
    await listener.expectNoEvent(undefined, { within: 1500 });
    expect((listener as QueueListener).stats.receiveCalls).toBeLessThanOrEqual(2);
  });

  it('several waits share one receive loop', async () => {
    await using listener = await probe.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    const { stats } = listener as unknown as QueueListener;
    // Counted from here: a readiness check (EVENTPROBE_READINESS=auto) makes receives of its own.
    const base = stats.receiveCalls;
    const a = listener.waitForEvent((e) => e.detail.orderId === 'a', { timeout: 5000 });
    const b = listener.waitForEvent((e) => e.detail.orderId === 'b', { timeout: 5000 });
    const short = listener.waitForEvent(() => false, { timeout: 100 }).catch((e) => e);
    // Three waits, one loop: one ReceiveMessage in flight, sized for the latest deadline (none new
    // when readiness left one in flight: the waits join it).
    const started = stats.receiveCalls - base;
    expect(started).toBeLessThanOrEqual(1);
    expect(await short).toBeInstanceOf(EventTimeoutError);
    // The short wait ending neither cut the long poll nor started another one.
    expect(stats.receiveCalls - base).toBe(started);
    await put(order('b'), order('a'));
    await expect(Promise.all([a, b])).resolves.toHaveLength(2);
  });

  it.skipIf(emulatorOnly)('rides out throttled receives; fails waits on other receive errors', async () => {
    const strict = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
    const listener = await strict.addListener<Order>({ eventBusName: BUS, ruleName: RULE });
    aws.local?.faults.set({
      faults: [{ operation: 'ReceiveMessage', error: 'ThrottlingException', times: 2 }],
    });
    await put(order('throttled'));
    await expect(listener.waitForEvent(undefined, { timeout: 10_000 })).resolves.toMatchObject({
      detail: { orderId: 'throttled' },
    });
    aws.local?.faults.set({ faults: [{ operation: 'ReceiveMessage', error: 'AccessDenied', status: 403 }] });
    const error = await listener.waitForEvent(() => false, { timeout: 10_000 }).catch((e) => e);
    expect(error.message).toMatch(/receiving from queue eventprobe-\S+ failed: /);
    expect(error.cause).toBeDefined();
    const calls = (listener as unknown as QueueListener).stats.receiveCalls;
    await listener.stop(); // cuts the loop's back-off pause short
    // Nothing receives after stop: no new call once the loop's pause is cancelled.
    await new Promise((r) => setTimeout(r, 300));
    expect((listener as unknown as QueueListener).stats.receiveCalls).toBe(calls);
    aws.local?.faults.clear();
    await strict[Symbol.asyncDispose]();
  });

  it.each([
    ['timeout', (l: QueueListener) => l.waitForEvent(undefined, { timeout: 0 })],
    ['timeout', (l: QueueListener) => l.waitForEvent(undefined, { timeout: Number.POSITIVE_INFINITY })],
    ['timeout', (l: QueueListener) => l.waitForEvents(undefined, { count: 1, timeout: -1 })],
    ['count', (l: QueueListener) => l.waitForEvents(undefined, { count: 1.5 })],
    ['count', (l: QueueListener) => l.waitForEvents(undefined, undefined as never)],
    ['waitTimeSeconds', (l: QueueListener) => l.pollEvents({ waitTimeSeconds: Number.NaN })],
    ['waitTimeSeconds', (l: QueueListener) => l.pollEvents({ waitTimeSeconds: 2000 })],
    ['maxEvents', (l: QueueListener) => l.pollEvents({ maxEvents: 0 })],
    ['duration', (l: QueueListener) => l.collect({ duration: '5' as never })],
    ['duration', (l: QueueListener) => l.collect(undefined as never)],
    ['within', (l: QueueListener) => l.expectNoEvent(undefined, { within: -5 })],
    ['within', (l: QueueListener) => l.expectNoEvent(undefined, undefined as never)],
    ['match', (l: QueueListener) => l.waitForEvent('x' as never)],
  ])('validates %s', async (option, call) => {
    await using listener = await probe.addListener({
      eventBusName: BUS,
      eventPattern: { source: ['never'] },
    });
    let error: unknown;
    try {
      await call(listener as QueueListener);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).option).toBe(option);
  });

  it('refuses a waitTimeSeconds over SQS’s 20 s, saying it is seconds', async () => {
    await using listener = await probe.addListener({
      eventBusName: BUS,
      eventPattern: { source: ['never'] },
    });
    await expect(listener.pollEvents({ waitTimeSeconds: 2000 })).rejects.toThrow(
      /waitTimeSeconds is in seconds and at most 20 .*got 2000\. Milliseconds by mistake\?/,
    );
  });
});

describe('readiness', () => {
  it("'auto' waits for eventprobe's own marker, matched only by the listener's rule, through the copied transformation", async () => {
    await using listener = await probe.addListener<unknown, { order: string; type: string }>({
      eventBusName: BUS,
      ruleName: RULE,
      targetId: 'transformer',
      readiness: 'auto',
    });
    expect((listener as unknown as QueueListener).stats.controlCount).toBeGreaterThanOrEqual(1);
    const rule = await events.send(
      new DescribeRuleCommand({ Name: listener.resources.ruleName, EventBusName: BUS }),
    );
    const pattern = JSON.parse(rule.EventPattern as string);
    expect(pattern.$or).toHaveLength(2);
    expect(pattern.$or[0]).toEqual({ source: ['shop'], 'detail-type': ['OrderPlaced'] });
    expect(pattern.$or[1].source).toEqual(['eventprobe.readiness']);
    await put(order('auto'));
    await expect(listener.waitForEvent()).resolves.toEqual({ order: 'auto', type: 'OrderPlaced' });
    await listener.collect({ duration: 200 });
    expect(listener.events).toHaveLength(1);
  });

  it("'auto' is skipped (no marker, pattern as copied) through a constant Input; 'off' turns it off", async () => {
    for (const [targetId, readiness] of [
      ['constant', 'auto'],
      ['plain', 'off'],
    ] as const) {
      await using listener = await probe.addListener({
        eventBusName: BUS,
        ruleName: RULE,
        targetId,
        readiness,
      });
      expect((listener as unknown as QueueListener).stats.controlCount).toBe(0);
      const rule = await events.send(
        new DescribeRuleCommand({ Name: listener.resources.ruleName, EventBusName: BUS }),
      );
      expect(JSON.parse(rule.EventPattern as string)).toEqual({
        source: ['shop'],
        'detail-type': ['OrderPlaced'],
      });
    }
  });

  it('waits until the rule delivers and hides the readiness events', async () => {
    await using listener = await probe.addListener<Order>({
      eventBusName: BUS,
      ruleName: RULE,
      targetId: 'path',
      readiness: {
        event: { source: 'shop', detailType: 'OrderPlaced', detail: { test: true } },
        interval: 50,
      },
    });
    expect((listener as unknown as QueueListener).stats.controlCount).toBeGreaterThanOrEqual(1);
    await put(order('r'));
    await expect(listener.waitForEvent()).resolves.toEqual({ orderId: 'r' });
    await listener.collect({ duration: 200 });
    expect(listener.events).toEqual([{ orderId: 'r' }]);
  });

  it.skipIf(emulatorOnly)('times out (and cleans up) when the readiness event never arrives', async () => {
    const before = await leftovers();
    aws.local?.faults.set({ faults: [{ operation: 'ReceiveMessage', error: 'OverLimit', status: 400 }] });
    const strict = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
    const error = await strict
      .addListener({
        eventBusName: BUS,
        ruleName: RULE,
        readiness: {
          event: { source: 'shop', detailType: 'OrderPlaced' },
          timeout: 300,
          resources: [],
        } as never,
      })
      .catch((e) => e);
    aws.local?.faults.clear();
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(error.message).toContain('failed at readiness');
    expect(await leftovers()).toEqual(before);
    await strict[Symbol.asyncDispose]();
  });

  it.skipIf(emulatorOnly)('rides out throttled readiness events', async () => {
    aws.local?.faults.set({ faults: [{ operation: 'PutEvents', error: 'ThrottlingException', times: 2 }] });
    const strict = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
    try {
      await using listener = await strict.addListener({
        eventBusName: BUS,
        eventPattern: { source: ['throttled-readiness'] },
        readiness: { event: { source: 'throttled-readiness', detailType: 'x' }, interval: 20 },
      });
      expect((listener as unknown as QueueListener).stats.controlCount).toBeGreaterThanOrEqual(1);
      expect(aws.local?.faults.injected.get('events:PutEvents')).toBeGreaterThanOrEqual(2);
    } finally {
      aws.local?.faults.clear();
      await strict[Symbol.asyncDispose]();
    }
  });

  it.skipIf(emulatorOnly)('fails when PutEvents rejects the readiness event', async () => {
    const before = await leftovers();
    aws.local?.faults.set({
      faults: [{ operation: 'PutEvents', error: 'AccessDeniedException', status: 400 }],
    });
    const strict = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
    const error = await strict
      .addListener({
        eventBusName: BUS,
        ruleName: RULE,
        readiness: { event: { source: 'shop', detailType: 'OrderPlaced', resources: ['arn:x'] } },
      })
      .catch((e) => e);
    aws.local?.faults.clear();
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(await leftovers()).toEqual(before);
    await strict[Symbol.asyncDispose]();
  });
});

describe('stopping and removing', () => {
  it('stop() removes the resources, rejects pending waits, and is idempotent', async () => {
    const listener = await probe.addListener({ eventBusName: BUS, ruleName: RULE });
    const pending = listener.waitForEvent(undefined, { timeout: 10_000 }).catch((e) => e);
    await Promise.all([listener.stop(), listener.stop()]);
    await listener[Symbol.asyncDispose]();
    expect(await pending).toBeInstanceOf(ListenerStoppedError);
    expect(listener.stopped).toBe(true);
    await expect(listener.waitForEvent()).rejects.toThrow(ListenerStoppedError);
    expect(probe.context.created.has(listener.id)).toBe(false);
    expect(await leftovers()).not.toContain(listener.resources.ruleName);
  });

  it('removeListeners by ids stops the listener; by tags the listener notices its queue is gone', async () => {
    const a = await probe.addListener({ eventBusName: BUS, ruleName: RULE });
    const report = await removeListeners(probe, { ids: [a.id, a.id] });
    expect(report.removed.length).toBeGreaterThan(0);
    await expect(a.waitForEvent()).rejects.toThrow(ListenerStoppedError);

    const b = await probe.addListener({ eventBusName: BUS, ruleName: RULE, tags: { doomed: 'yes' } });
    const pending = b.waitForEvent(undefined, { timeout: 30_000 }).catch((e) => e);
    await probe.removeListeners({ tagFilters: { doomed: 'yes' } });
    expect(await pending).toBeInstanceOf(ListenerStoppedError);
    await b.stop();
  });

  it('cleanup() stops every listener and removes everything', async () => {
    const local = createProbe({ ...aws.clientConfig });
    const one = await local.addListener({ eventBusName: BUS, ruleName: RULE });
    await local.addListener({ eventBusName: BUS, eventPattern: { source: ['x'] } });
    expect(local.context.created.size).toBe(2);
    await local.cleanup();
    expect(local.context.created.size).toBe(0);
    expect(one.stopped).toBe(true);
    await local[Symbol.asyncDispose]();
  });
});
