import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, InvalidInputError, ListenerSetupError, type Probe } from '../../src/index.js';
import {
  type AddSnsListenerOptions,
  createSnsListener,
  type SnsEvent,
  SubscriptionNotFoundError,
  TopicNotFoundError,
} from '../../src/listeners/sns.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let probe: Probe;
let sns: SNSClient;
let sqs: SQSClient;
let topicArn: string;
let otherTopicArn: string;
const suffix = Date.now().toString(36);

const add = <T = unknown>(options: AddSnsListenerOptions) => createSnsListener<T>(probe.context, options);

const publish = async (
  message: string,
  attributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }> = {},
  subject?: string,
): Promise<string> => {
  const out = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: message,
      MessageAttributes: attributes,
      ...(subject === undefined ? {} : { Subject: subject }),
    }),
  );
  return out.MessageId as string;
};

/** A queue subscribed to the topic (a stand-in for the system under test's subscriber). */
const subscriber = async (name: string, attributes: Record<string, string>): Promise<string> => {
  const q = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${suffix}` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const out = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: attributes,
      ReturnSubscriptionArn: true,
    }),
  );
  return out.SubscriptionArn as string;
};

const subscriptionsOfTopic = async (arn = topicArn): Promise<string[]> =>
  ((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions ?? []).map(
    (s) => s.SubscriptionArn as string,
  );

const queueExists = async (url: string): Promise<boolean> => {
  try {
    await sqs.send(new GetQueueUrlCommand({ QueueName: url.split('/').at(-1) }));
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  aws = await startTestAws();
  sns = new SNSClient(aws.clientConfig);
  sqs = new SQSClient(aws.clientConfig);
  probe = createProbe({ ...aws.clientConfig, tags: { suite: 'sns-listener' } });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `orders-${suffix}` }))).TopicArn as string;
  otherTopicArn = (await sns.send(new CreateTopicCommand({ Name: `other-${suffix}` }))).TopicArn as string;
});

afterEach(() => {
  aws.local?.faults.set({ faults: [], operationLatencyMs: {} });
});

afterAll(async () => {
  await probe?.cleanup();
  sns?.destroy();
  sqs?.destroy();
  await probe?.[Symbol.asyncDispose]();
  await aws?.close();
});

describe('delivery', () => {
  it('unwraps enveloped deliveries: parsed message, subject, SNS message id and attributes', async () => {
    await using listener = await add<{ orderId: string }>({ topicArn });
    expect(listener.resources).toMatchObject({
      kind: 'sns',
      queueArn: expect.stringContaining('eventprobe-'),
    });
    expect(probe.context.created.get(listener.id)?.subscriptionArn).toBe(listener.resources.subscriptionArn);
    const id = await publish(
      JSON.stringify({ orderId: 'o-1' }),
      {
        tenant: { DataType: 'String', StringValue: 'acme' },
        amount: { DataType: 'Number', StringValue: '42' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
      'Order placed',
    );
    const event = await listener.waitForEvent((e) => e.message.orderId === 'o-1', { timeout: 5_000 });
    expect(event).toMatchObject({
      message: { orderId: 'o-1' },
      subject: 'Order placed',
      messageId: id,
      topicArn,
      rawDelivery: false,
      messageAttributes: {
        tenant: { type: 'String', value: 'acme' },
        amount: { type: 'Number', value: '42' },
        blob: { type: 'Binary', value: Buffer.from([1, 2, 3]).toString('base64') },
      },
    });
    expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
    expect(listener.received[0]?.id).toBe(id);
    // `raw` is the SQS message as delivered: its body is the SNS envelope.
    expect(listener.received[0]?.raw.messageId).not.toBe(id);
    expect(JSON.parse(listener.received[0]?.raw.body as string)).toMatchObject({
      Type: 'Notification',
      MessageId: id,
      Message: JSON.stringify({ orderId: 'o-1' }),
    });

    await publish('plain text');
    const text = await listener.waitForEvent((e) => typeof e.message === 'string', { timeout: 5_000 });
    expect(text.message).toBe('plain text');
    expect(text.subject).toBeUndefined();
    expect(text.messageAttributes).toEqual({});
  });

  it('gives raw deliveries the same shape, with the SQS message attributes', async () => {
    await using listener = await add({ topicArn, raw: true });
    const sub = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: listener.resources.subscriptionArn }),
    );
    expect(sub.Attributes?.RawMessageDelivery).toBe('true');
    await publish(JSON.stringify({ n: 1 }), {
      tenant: { DataType: 'String', StringValue: 'acme' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([9]) },
    });
    await publish('no attributes');
    const both = await listener.waitForEvents(undefined, { count: 2, timeout: 5_000 });
    // A standard queue keeps no order on AWS (the emulator under realism neither): then by content.
    const [first, second] = aws.keepsOrder
      ? both
      : [both.find((e) => e.message !== 'no attributes'), both.find((e) => e.message === 'no attributes')];
    expect(first).toMatchObject({
      message: { n: 1 },
      topicArn,
      rawDelivery: true,
      messageAttributes: {
        tenant: { type: 'String', value: 'acme' },
        blob: { type: 'Binary', value: Buffer.from([9]).toString('base64') },
      },
    });
    expect(Math.abs(Date.parse(first?.timestamp as string) - Date.now())).toBeLessThan(60_000);
    expect(first?.messageId).toBe(listener.received[both.indexOf(first as never)]?.raw.messageId);
    expect(second).toMatchObject({ message: 'no attributes', messageAttributes: {} });
  });

  it('de-duplicates by SNS message id (a redelivery is a new SQS message)', async () => {
    await using listener = await add({ topicArn });
    const id = await publish('once');
    await listener.waitForEvent(undefined, { timeout: 5_000 });
    // The same notification delivered again (as SNS may do), plus a body that is not an envelope.
    const envelope = JSON.stringify({
      Type: 'Notification',
      MessageId: id,
      TopicArn: topicArn,
      Message: 'once',
      Timestamp: new Date().toISOString(),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: listener.resources.queueUrl, MessageBody: envelope }));
    await sqs.send(new SendMessageCommand({ QueueUrl: listener.resources.queueUrl, MessageBody: '{"x":1}' }));
    const [, odd] = await listener.waitForEvents(undefined, { count: 2, timeout: 5_000 });
    expect(odd).toMatchObject({ message: { x: 1 }, topicArn, rawDelivery: false });
    await listener.expectNoEvent((e) => e.messageId !== id && e.messageId !== odd?.messageId, {
      within: 300,
    });
    expect(listener.events.filter((e) => e.messageId === id)).toHaveLength(1);
    const { duplicates } = listener as unknown as { duplicates: number };
    // SQS itself may deliver a message twice (the emulator under realism too): more duplicates, never fewer.
    if (aws.exactlyOnce) expect(duplicates).toBe(1);
    else expect(duplicates).toBeGreaterThanOrEqual(1);
  });

  it('applies a filter policy on message attributes', async () => {
    await using listener = await add({ topicArn, filterPolicy: { tenant: ['acme'] } });
    await publish('other', { tenant: { DataType: 'String', StringValue: 'globex' } });
    await publish('wanted', { tenant: { DataType: 'String', StringValue: 'acme' } });
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).message).toBe('wanted');
    await listener.expectNoEvent((e) => e.message === 'other', { within: 300 });
  });

  it('applies a filter policy on the message body (JSON string policy)', async () => {
    await using listener = await add({
      topicArn,
      filterPolicy: '{"type":["OrderPlaced"]}',
      filterPolicyScope: 'MessageBody',
    });
    await publish(JSON.stringify({ type: 'OrderCancelled' }));
    await publish(JSON.stringify({ type: 'OrderPlaced' }));
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).message).toEqual({
      type: 'OrderPlaced',
    });
    await listener.expectNoEvent((e) => (e.message as { type: string }).type === 'OrderCancelled', {
      within: 300,
    });
  });
});

describe('copying a subscription', () => {
  it('copies a body-scope filter policy and raw delivery', async () => {
    const arn = await subscriber('body-scope', {
      FilterPolicy: JSON.stringify({ kind: ['order'] }),
      FilterPolicyScope: 'MessageBody',
      RawMessageDelivery: 'true',
    });
    await using listener = await add<{ kind: string; n: number }>({ topicArn, subscriptionArn: arn });
    const copy = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: listener.resources.subscriptionArn }),
    );
    expect(copy.Attributes).toMatchObject({
      FilterPolicy: JSON.stringify({ kind: ['order'] }),
      FilterPolicyScope: 'MessageBody',
      RawMessageDelivery: 'true',
    });
    await publish(JSON.stringify({ kind: 'refund', n: 1 }));
    await publish(JSON.stringify({ kind: 'order', n: 2 }));
    const event = await listener.waitForEvent(undefined, { timeout: 5_000 });
    expect(event).toMatchObject({ message: { kind: 'order', n: 2 }, rawDelivery: true });
    await listener.expectNoEvent((e) => e.message.kind === 'refund', { within: 300 });
  });

  it('copies an attribute-scope filter policy (enveloped delivery)', async () => {
    const arn = await subscriber('attr-scope', { FilterPolicy: JSON.stringify({ tenant: ['acme'] }) });
    await using listener = await add({ topicArn, subscriptionArn: arn });
    const copy = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: listener.resources.subscriptionArn }),
    );
    expect(copy.Attributes).toMatchObject({
      FilterPolicyScope: 'MessageAttributes',
      RawMessageDelivery: 'false',
    });
    await publish('skip', { tenant: { DataType: 'String', StringValue: 'globex' } });
    await publish('keep', { tenant: { DataType: 'String', StringValue: 'acme' } });
    expect(await listener.waitForEvent(undefined, { timeout: 5_000 })).toMatchObject({
      message: 'keep',
      rawDelivery: false,
    });
    await listener.expectNoEvent((e) => e.message === 'skip', { within: 300 });
  });

  it('copies a subscription without a filter policy (every message)', async () => {
    const arn = await subscriber('no-filter', {});
    await using listener = await add({ topicArn, subscriptionArn: arn });
    const copy = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: listener.resources.subscriptionArn }),
    );
    expect(copy.Attributes?.FilterPolicy).toBeUndefined();
    await publish('anything');
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).message).toBe('anything');
  });

  it('refuses a subscription that does not exist or belongs to another topic', async () => {
    const missing = `${topicArn}:00000000-0000-4000-8000-000000000000`;
    const error = await add({ topicArn, subscriptionArn: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscriptionNotFoundError);
    expect((error as SubscriptionNotFoundError).message).toContain('does not exist');
    const arn = await subscriber('elsewhere', {});
    const other = await createSnsListener(probe.context, {
      topicArn: otherTopicArn,
      subscriptionArn: `${otherTopicArn}:${arn.split(':').at(-1)}`,
    }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(SubscriptionNotFoundError);
  });
});

describe('cleanup', () => {
  it('stop() removes the subscription and the queue', async () => {
    const listener = await add({ topicArn });
    const { subscriptionArn, queueUrl } = listener.resources;
    expect(await subscriptionsOfTopic()).toContain(subscriptionArn);
    const { Tags } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
    expect(Tags).toMatchObject({ 'eventprobe:managed': 'true', suite: 'sns-listener' });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['Policy'] }),
    );
    const policy = JSON.parse(Attributes?.Policy as string);
    expect(policy.Statement[0]).toMatchObject({
      Principal: { Service: 'sns.amazonaws.com' },
      Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
    });
    await listener.stop();
    expect(await subscriptionsOfTopic()).not.toContain(subscriptionArn);
    expect(await queueExists(queueUrl as string)).toBe(false);
    expect(probe.context.created.has(listener.id)).toBe(false);
  });

  it('probe.cleanup() removes the subscription and the queue', async () => {
    const own = createProbe({ ...aws.clientConfig });
    const listener = await createSnsListener(own.context, { topicArn });
    const { subscriptionArn, queueUrl } = listener.resources;
    const report = await own.cleanup();
    expect(report.removed.map((r) => r.kind).sort()).toEqual(['queue', 'subscription']);
    expect(await subscriptionsOfTopic()).not.toContain(subscriptionArn);
    expect(await queueExists(queueUrl as string)).toBe(false);
    await listener.stop().catch(() => undefined);
    await own[Symbol.asyncDispose]();
  });
});

describe('setup failures', () => {
  it('throws TopicNotFoundError for a topic that does not exist', async () => {
    const error = await add({ topicArn: `${topicArn}-missing` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicNotFoundError);
    expect((error as TopicNotFoundError).option).toBe('topicArn');
  });

  it.skipIf(emulatorOnly)('wraps read failures in ListenerSetupError (nothing created)', async () => {
    aws.local?.faults.set({
      faults: [{ service: 'sns', operation: 'GetTopicAttributes', error: 'AuthorizationError' }],
    });
    const before = probe.context.created.size;
    const topic = await add({ topicArn }).catch((e: unknown) => e);
    expect(topic).toBeInstanceOf(ListenerSetupError);
    expect((topic as Error).message).toContain('GetTopicAttributes');
    aws.local?.faults.set({
      faults: [{ service: 'sns', operation: 'GetSubscriptionAttributes', error: 'AuthorizationError' }],
    });
    const sub = await add({
      topicArn,
      subscriptionArn: `${topicArn}:00000000-0000-4000-8000-000000000000`,
    }).catch((e: unknown) => e);
    expect(sub).toBeInstanceOf(ListenerSetupError);
    expect((sub as Error).message).toContain('GetSubscriptionAttributes');
    expect(probe.context.created.size).toBe(before);
  });

  it.skipIf(emulatorOnly)('undoes the queue when Subscribe fails', async () => {
    aws.local?.faults.set({ faults: [{ service: 'sns', operation: 'Subscribe', error: 'InternalError' }] });
    const subsBefore = await subscriptionsOfTopic();
    const error = (await add({ topicArn }).catch((e: unknown) => e)) as ListenerSetupError;
    expect(error).toBeInstanceOf(ListenerSetupError);
    expect(error.message).toContain('failed at Subscribe');
    expect(error.leftovers).toEqual([]);
    expect(await subscriptionsOfTopic()).toEqual(subsBefore);
    expect([...probe.context.created.values()].filter((r) => r.kind === 'sns')).toEqual([]);
  });

  it.skipIf(emulatorOnly)('fails at CreateQueue cleanly, and lists what it could not undo', async () => {
    aws.local?.faults.set({ faults: [{ service: 'sqs', operation: 'CreateQueue', error: 'InternalError' }] });
    const created = (await add({ topicArn }).catch((e: unknown) => e)) as ListenerSetupError;
    expect(created).toBeInstanceOf(ListenerSetupError);
    expect(created.message).toContain('failed at CreateQueue');
    aws.local?.faults.set({
      faults: [
        { service: 'sns', operation: 'Subscribe', error: 'InternalError' },
        { service: 'sqs', operation: 'DeleteQueue', error: 'AccessDenied', status: 403 },
      ],
    });
    const stuck = (await add({ topicArn }).catch((e: unknown) => e)) as ListenerSetupError;
    expect(stuck).toBeInstanceOf(ListenerSetupError);
    expect(stuck.leftovers).toHaveLength(1);
    expect(stuck.message).toContain('could not be removed');
    aws.local?.faults.set({ faults: [] });
    await probe.cleanup();
  });

  it.skipIf(emulatorOnly)('rethrows the caller abort and removes what was created', async () => {
    aws.local?.faults.set({ operationLatencyMs: { 'sns:Subscribe': 400 } });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 150);
    const error = await add({ topicArn, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect([...probe.context.created.values()].filter((r) => r.kind === 'sns')).toEqual([]);
    const aborted = await add({ topicArn, signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(aborted).toBe(reason);
  });
});

describe('input validation', () => {
  const cases: [string, unknown, string][] = [
    ['no options', null, 'options'],
    ['bad topic ARN', { topicArn: 'orders' }, 'topicArn'],
    ['topic ARN not a string', { topicArn: 42 }, 'topicArn'],
    [
      'subscription of another topic',
      {
        topicArn: 'arn:aws:sns:us-east-1:123456789012:a',
        subscriptionArn: 'arn:aws:sns:us-east-1:123456789012:b:00000000-0000-4000-8000-000000000000',
      },
      'subscriptionArn',
    ],
    [
      'subscription ARN not a string',
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', subscriptionArn: 7 },
      'subscriptionArn',
    ],
    [
      'subscription id malformed',
      {
        topicArn: 'arn:aws:sns:us-east-1:123456789012:a',
        subscriptionArn: 'arn:aws:sns:us-east-1:123456789012:a:nope',
      },
      'subscriptionArn',
    ],
    [
      'subscription and filter policy',
      {
        topicArn: 'arn:aws:sns:us-east-1:123456789012:a',
        subscriptionArn: 'arn:aws:sns:us-east-1:123456789012:a:00000000-0000-4000-8000-000000000000',
        filterPolicy: { a: ['b'] },
      },
      'filterPolicy',
    ],
    [
      'subscription and raw',
      {
        topicArn: 'arn:aws:sns:us-east-1:123456789012:a',
        subscriptionArn: 'arn:aws:sns:us-east-1:123456789012:a:00000000-0000-4000-8000-000000000000',
        raw: true,
      },
      'raw',
    ],
    [
      'filter policy not JSON',
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', filterPolicy: '{nope' },
      'filterPolicy',
    ],
    [
      'filter policy an array',
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', filterPolicy: '[1]' },
      'filterPolicy',
    ],
    [
      'filter policy null',
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', filterPolicy: null },
      'filterPolicy',
    ],
    [
      'filter policy empty',
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', filterPolicy: {} },
      'filterPolicy',
    ],
    [
      'bad scope',
      {
        topicArn: 'arn:aws:sns:us-east-1:123456789012:a',
        filterPolicy: { a: ['b'] },
        filterPolicyScope: 'Body',
      },
      'filterPolicyScope',
    ],
    [
      'scope without policy',
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', filterPolicyScope: 'MessageBody' },
      'filterPolicyScope',
    ],
    ['raw not boolean', { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', raw: 'yes' }, 'raw'],
    ['bad tags', { topicArn: 'arn:aws:sns:us-east-1:123456789012:a', tags: { 'aws:x': 'y' } }, 'tags'],
    [
      'too many tags',
      {
        topicArn: 'arn:aws:sns:us-east-1:123456789012:a',
        tags: Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`k${i}`, 'v'])),
      },
      'tags',
    ],
  ];
  it.each(cases)('%s → InvalidInputError', async (_name, options, option) => {
    const error = await add(options as AddSnsListenerOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).option).toMatch(new RegExp(`^${option}`));
  });

  it('accepts a FIFO topic ARN and a JSON string policy as given', async () => {
    const fifo = (
      await sns.send(
        new CreateTopicCommand({ Name: `fifo-${suffix}.fifo`, Attributes: { FifoTopic: 'true' } }),
      )
    ).TopicArn as string;
    await using listener = await add<string>({ topicArn: fifo });
    await sns.send(
      new PublishCommand({
        TopicArn: fifo,
        Message: 'first',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd1',
      }),
    );
    const event: SnsEvent<string> = await listener.waitForEvent(undefined, { timeout: 5_000 });
    expect(event.message).toBe('first');
    expect(event.sequenceNumber).toMatch(/^\d+$/);
  });
});
