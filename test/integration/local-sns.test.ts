import {
  BatchEntryIdsNotDistinctException,
  CreateTopicCommand,
  DeleteTopicCommand,
  EmptyBatchRequestException,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  ResourceNotFoundException,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagLimitExceededException,
  TagResourceCommand,
  TooManyEntriesInBatchRequestException,
  UnsubscribeCommand,
  UntagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

let counter = 0;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${counter++}`;

describe('local SNS over the real SDK (query protocol)', () => {
  let aws: TestAws;
  let sns: SNSClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    aws = await startTestAws();
    sns = new SNSClient(aws.clientConfig);
    sqs = new SQSClient(aws.clientConfig);
  });
  afterAll(async () => {
    sns?.destroy();
    sqs?.destroy();
    await aws?.close();
  });

  const topic = async (name = unique('t'), attributes?: Record<string, string>): Promise<string> =>
    (
      await sns.send(
        new CreateTopicCommand({ Name: name, ...(attributes ? { Attributes: attributes } : {}) }),
      )
    ).TopicArn as string;

  /** A queue whose policy lets the topic send (or not, with `allow: false`). */
  const queue = async (topicArn: string, options: { allow?: boolean; fifo?: boolean } = {}) => {
    const name = unique('q') + (options.fifo ? '.fifo' : '');
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        ...(options.fifo ? { Attributes: { FifoQueue: 'true' } } : {}),
      }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const arn = Attributes?.QueueArn as string;
    if (options.allow !== false) {
      const policy = {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: arn,
            Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
          },
        ],
      };
      const { SetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }),
      );
    }
    return { url: QueueUrl as string, arn };
  };

  const subscribe = async (topicArn: string, queueArn: string, attributes?: Record<string, string>) =>
    (
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          ReturnSubscriptionArn: true,
          ...(attributes ? { Attributes: attributes } : {}),
        }),
      )
    ).SubscriptionArn as string;

  const receive = async (url: string, wait = 0): Promise<Message[]> => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: wait,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  };

  const errorOf = async (promise: Promise<unknown>): Promise<Error & { name: string }> => {
    try {
      await promise;
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected the call to fail');
  };

  it('creates topics idempotently, with attributes as AWS reports them', async () => {
    const name = unique('orders');
    const arn = await topic(name);
    expect(arn).toBe(`arn:aws:sns:${aws.region}:000000000000:${name}`);
    expect(await topic(name)).toBe(arn);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    expect(Attributes).toMatchObject({
      DisplayName: '',
      Owner: '000000000000',
      SubscriptionsConfirmed: '0',
      SubscriptionsDeleted: '0',
      SubscriptionsPending: '0',
      TopicArn: arn,
    });
    expect(Attributes?.FifoTopic).toBeUndefined();
    expect(JSON.parse(Attributes?.Policy as string)).toMatchObject({ Id: '__default_policy_ID' });
    expect(JSON.parse(Attributes?.EffectiveDeliveryPolicy as string)).toHaveProperty('http');

    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DisplayName', AttributeValue: 'Hi' }),
    );
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: '' }),
    );
    const after = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    expect(after.Attributes?.DisplayName).toBe('Hi');
    const bad = await errorOf(
      sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Nope', AttributeValue: 'x' })),
    );
    expect(bad).toBeInstanceOf(InvalidParameterException);
    expect(bad.message).toBe('Invalid parameter: AttributeName');
    await expect(
      sns.send(
        new SetTopicAttributesCommand({
          TopicArn: arn,
          AttributeName: 'ContentBasedDeduplication',
          AttributeValue: 'true',
        }),
      ),
    ).rejects.toThrow(InvalidParameterException);

    // Tags on create; the same name with other tags is refused; other attributes too.
    const tagged = unique('tagged');
    await sns.send(new CreateTopicCommand({ Name: tagged, Tags: [{ Key: 'a', Value: '1' }] }));
    await sns.send(new CreateTopicCommand({ Name: tagged, Tags: [{ Key: 'a', Value: '1' }] }));
    const diff = await errorOf(
      sns.send(new CreateTopicCommand({ Name: tagged, Tags: [{ Key: 'a', Value: '2' }] })),
    );
    expect(diff.message).toBe('Invalid parameter: Tags Reason: Topic already exists with different tags');
    await expect(
      sns.send(new CreateTopicCommand({ Name: tagged, Attributes: { DisplayName: 'other' } })),
    ).rejects.toThrow('Invalid parameter: Attributes Reason: Topic already exists with different attributes');
    const dup = await errorOf(
      sns.send(
        new CreateTopicCommand({
          Name: unique('dup'),
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'a', Value: '2' },
          ],
        }),
      ),
    );
    expect(dup.message).toBe('Invalid parameter: Duplicated keys are not allowed.');
    await expect(sns.send(new CreateTopicCommand({ Name: 'bad name' }))).rejects.toThrow(
      'Invalid parameter: Topic Name',
    );
    await expect(sns.send(new CreateTopicCommand({ Name: 'x.fifo' }))).rejects.toThrow(
      'Invalid parameter: Topic Name',
    );
    await expect(
      sns.send(new CreateTopicCommand({ Name: 'nofifosuffix', Attributes: { FifoTopic: 'true' } })),
    ).rejects.toThrow(/Fifo Topic names must end with .fifo/);
    await expect(
      sns.send(new CreateTopicCommand({ Name: unique('t'), Attributes: { Bogus: 'x' } })),
    ).rejects.toThrow(InvalidParameterException);
    await expect(
      sns.send(
        new CreateTopicCommand({ Name: unique('t'), Attributes: { ContentBasedDeduplication: 'true' } }),
      ),
    ).rejects.toThrow(InvalidParameterException);
    await expect(
      sns.send(
        new CreateTopicCommand({
          Name: `${unique('t')}.fifo`,
          Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'yes' },
        }),
      ),
    ).rejects.toThrow(
      'Invalid parameter: Attributes Reason: ContentBasedDeduplication: Invalid value [yes]. Must be true or false.',
    );
  });

  it('lists topics with NextToken, deletes them, and answers NotFound / malformed ARNs as AWS does', async () => {
    for (let i = 0; i < 101; i++) await topic(`page-${String(i).padStart(3, '0')}`);
    const first = await sns.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    expect(first.NextToken).toBeTruthy();
    const second = await sns.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    expect((second.Topics ?? []).length).toBeGreaterThan(0);
    expect(second.NextToken).toBeUndefined();
    await expect(sns.send(new ListTopicsCommand({ NextToken: 'garbage!' }))).rejects.toThrow(
      InvalidParameterException,
    );

    const arn = await topic();
    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    await sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    const missing = await errorOf(sns.send(new GetTopicAttributesCommand({ TopicArn: arn })));
    expect(missing).toBeInstanceOf(NotFoundException);
    expect(missing.message).toBe('Topic does not exist');
    const malformed = await errorOf(sns.send(new GetTopicAttributesCommand({ TopicArn: 'nope' })));
    expect(malformed.message).toBe(
      'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1',
    );
    const otherRegion = await errorOf(
      sns.send(new PublishCommand({ TopicArn: arn.replace(aws.region, 'eu-west-3'), Message: 'x' })),
    );
    expect(otherRegion.message).toBe('Invalid parameter: TopicArn');
    const target = await errorOf(sns.send(new PublishCommand({ TargetArn: arn, Message: 'x' })));
    expect(target.message).toBe(
      'Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified',
    );
    await expect(sns.send(new PublishCommand({ TopicArn: arn, Message: 'x' }))).rejects.toThrow(
      NotFoundException,
    );
    await expect(
      sns.send(new PublishCommand({ PhoneNumber: '+15551234567', Message: 'x' })),
    ).resolves.toHaveProperty('MessageId');
    await expect(sns.send(new PublishCommand({ Message: 'x' }))).rejects.toThrow(InvalidParameterException);
  });

  it('delivers the SNS JSON envelope to an SQS subscriber, with message attributes', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    const subArn = await subscribe(topicArn, q.arn);
    expect(subArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'hello',
        Subject: 'greeting',
        MessageAttributes: {
          attr1: { DataType: 'Number', StringValue: '100.12' },
          bin: { DataType: 'Binary', BinaryValue: Buffer.from([2, 3, 4]) },
        },
      }),
    );
    const [msg] = await receive(q.url, 1);
    const body = JSON.parse(msg?.Body as string);
    expect(Object.keys(body)).toEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Subject',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
      'MessageAttributes',
    ]);
    expect(body).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topicArn,
      Subject: 'greeting',
      Message: 'hello',
      SignatureVersion: '1',
      UnsubscribeURL: `https://sns.${aws.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subArn}`,
      MessageAttributes: {
        attr1: { Type: 'Number', Value: '100.12' },
        bin: { Type: 'Binary', Value: Buffer.from([2, 3, 4]).toString('base64') },
      },
    });
    expect(new Date(body.Timestamp).toISOString()).toBe(body.Timestamp);
    // Enveloped delivery does not copy attributes onto the SQS message.
    expect(msg?.MessageAttributes).toBeUndefined();

    // MessageStructure json: the `sqs` entry, else `default`.
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'for everyone', sqs: 'for queues' }),
      }),
    );
    const [structured] = await receive(q.url, 1);
    expect(JSON.parse(structured?.Body as string).Message).toBe('for queues');
    await expect(
      sns.send(new PublishCommand({ TopicArn: topicArn, MessageStructure: 'json', Message: '{"sqs":"x"}' })),
    ).rejects.toThrow('Invalid parameter: Message Structure - No default entry in JSON message body');
    await expect(
      sns.send(new PublishCommand({ TopicArn: topicArn, MessageStructure: 'json', Message: '{' })),
    ).rejects.toThrow('Invalid parameter: Message Structure - JSON message body failed to parse');
    await expect(
      sns.send(new PublishCommand({ TopicArn: topicArn, MessageStructure: 'xml', Message: 'x' })),
    ).rejects.toThrow(InvalidParameterException);
  });

  it('delivers raw messages with the attributes as SQS message attributes', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    const subArn = await subscribe(topicArn, q.arn, { RawMessageDelivery: 'true' });
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'Test msg',
        MessageAttributes: {
          attr1: { DataType: 'Number', StringValue: '99.12' },
          store: { DataType: 'Binary', BinaryValue: Buffer.from([2, 3, 4]) },
          list: { DataType: 'String.Array', StringValue: '["a","b"]' },
        },
      }),
    );
    const [msg] = await receive(q.url, 1);
    expect(msg?.Body).toBe('Test msg');
    expect(msg?.MessageAttributes?.attr1).toMatchObject({ DataType: 'Number', StringValue: '99.12' });
    expect(Buffer.from(msg?.MessageAttributes?.store?.BinaryValue ?? []).toString('hex')).toBe('020304');
    expect(msg?.MessageAttributes?.list).toMatchObject({
      DataType: 'String.Array',
      StringValue: '["a","b"]',
    });

    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn }));
    expect(Attributes).toMatchObject({
      ConfirmationWasAuthenticated: 'true',
      Endpoint: q.arn,
      Owner: '000000000000',
      PendingConfirmation: 'false',
      Protocol: 'sqs',
      RawMessageDelivery: 'true',
      SubscriptionArn: subArn,
      TopicArn: topicArn,
    });
    expect(Attributes?.FilterPolicyScope).toBeUndefined();
    // Back to enveloped.
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subArn,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'false',
      }),
    );
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'enveloped' }));
    const [env] = await receive(q.url, 1);
    expect(JSON.parse(env?.Body as string)).toMatchObject({ Type: 'Notification', Message: 'enveloped' });
    expect(JSON.parse(env?.Body as string)).not.toHaveProperty('MessageAttributes');
    expect(JSON.parse(env?.Body as string)).not.toHaveProperty('Subject');
  });

  it('passes the X-Ray trace header on as AWSTraceHeader', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    await subscribe(topicArn, q.arn);
    const header = 'Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1';
    const traced = new SNSClient(aws.clientConfig);
    traced.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = header;
        return next(args);
      },
      { step: 'build' },
    );
    await traced.send(new PublishCommand({ TopicArn: topicArn, Message: 'traced' }));
    traced.destroy();
    const [msg] = await receive(q.url, 1);
    expect(msg?.Attributes?.AWSTraceHeader).toBe(header);
  });

  it('filters on message attributes with several operators; a missing attribute does not match', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    const policy = {
      store: ['example_corp'],
      event: [{ 'anything-but': 'order_cancelled' }],
      price_usd: [{ numeric: ['>=', 100] }],
      customer: [{ prefix: 'vip-' }, { exists: false }],
    };
    const subArn = await subscribe(topicArn, q.arn, {
      FilterPolicy: JSON.stringify(policy),
      RawMessageDelivery: 'true',
    });
    const send = (Message: string, attrs: Record<string, [string, string]>) =>
      sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attrs).map(([k, [DataType, StringValue]]) => [k, { DataType, StringValue }]),
          ),
        }),
      );
    const base = {
      store: ['String', 'example_corp'] as [string, string],
      event: ['String', 'order_placed'] as [string, string],
      price_usd: ['Number', '210.75'] as [string, string],
    };
    await send('match', base);
    await send('match-vip', { ...base, customer: ['String', 'vip-42'] });
    await send('wrong-customer', { ...base, customer: ['String', 'regular'] });
    await send('cancelled', { ...base, event: ['String', 'order_cancelled'] });
    await send('cheap', { ...base, price_usd: ['Number', '99.99'] });
    await send('missing-store', { event: base.event, price_usd: base.price_usd });
    await send('store-as-array', { ...base, store: ['String.Array', '["other","example_corp"]'] });
    const bodies = (await receive(q.url, 1)).map((m) => m.Body).sort();
    expect(bodies).toEqual(['match', 'match-vip', 'store-as-array']);

    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn }));
    expect(JSON.parse(Attributes?.FilterPolicy as string)).toEqual(policy);
    expect(Attributes?.FilterPolicyScope).toBe('MessageAttributes');

    // Removing the policy lets everything through.
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: '',
      }),
    );
    await send('anything', {});
    expect((await receive(q.url, 1)).map((m) => m.Body)).toEqual(['anything']);
    const cleared = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn }));
    expect(cleared.Attributes?.FilterPolicy).toBeUndefined();
  });

  it('filters on the message body (nested keys, $or) after switching the scope', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    const subArn = await subscribe(topicArn, q.arn, { RawMessageDelivery: 'true' });
    const scopeError = await errorOf(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subArn,
          AttributeName: 'FilterPolicyScope',
          AttributeValue: 'RandomValue',
        }),
      ),
    );
    expect(scopeError.message).toBe(
      'Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes',
    );
    const nestedError = await errorOf(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subArn,
          AttributeName: 'FilterPolicy',
          AttributeValue: '{"object":{"key":[{"prefix":"auto-"}]}}',
        }),
      ),
    );
    expect(nestedError.message).toBe(
      'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subArn,
        AttributeName: 'FilterPolicyScope',
        AttributeValue: 'MessageBody',
      }),
    );
    // Scope alone is not reported until there is a policy.
    const scopeOnly = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn }));
    expect(scopeOnly.Attributes?.FilterPolicyScope).toBeUndefined();
    const policy = {
      detail: {
        scope: ['Service'],
        $or: [{ source: ['aws.cloudwatch'] }, { type: ['CloudWatch Alarm State Change'] }],
      },
      Records: { s3: { object: { key: [{ prefix: 'auto-' }] } } },
    };
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify(policy),
      }),
    );
    const send = (body: unknown) =>
      sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
    const records = { Records: [{ s3: { object: { key: 'auto-insurance.xml' } } }] };
    await send({ id: 1, detail: { scope: 'Service', source: 'aws.cloudwatch' }, ...records });
    await send({ id: 2, detail: { scope: 'Service', type: 'CloudWatch Alarm State Change' }, ...records });
    await send({ id: 3, detail: { scope: 'Service', source: 'other' }, ...records });
    await send({ id: 4, detail: { scope: 'Service', source: 'aws.cloudwatch' } });
    await send({
      id: 5,
      detail: { scope: 'Service', source: 'aws.cloudwatch' },
      Records: [{ s3: { object: { key: 'home.xml' } } }],
    });
    await send('not json');
    const ids = (await receive(q.url, 1)).map((m) => JSON.parse(m.Body as string).id).sort();
    expect(ids).toEqual([1, 2]);
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn }));
    expect(Attributes?.FilterPolicyScope).toBe('MessageBody');
    // Back to MessageAttributes is refused while the policy is nested.
    await expect(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subArn,
          AttributeName: 'FilterPolicyScope',
          AttributeValue: 'MessageAttributes',
        }),
      ),
    ).rejects.toThrow(
      'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    );
    // Subscribe with a body-scoped nested policy in one go.
    const q2 = await queue(topicArn);
    await subscribe(topicArn, q2.arn, {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: '{"object":{"key":[{"prefix":"auto-"}]}}',
    });
  });

  it('refuses invalid filter policies with AWS messages (Subscribe and SetSubscriptionAttributes)', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    const cases: [string, string][] = [
      ['{"key":[["value"]]}', 'FilterPolicy: Match value must be String, number, true, false, or null'],
      ['{"key":[{"numeric":[">",3,"<",1]}]}', 'FilterPolicy: Bottom must be less than top'],
      ['{"key":[{"exists":"no"}]}', 'FilterPolicy: exists match pattern must be either true or false.'],
      ['{"key_a":"value_one"}', 'FilterPolicy: "key_a" must be an object or an array'],
      [
        '{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}',
        'FilterPolicy: Filter policy can not have more than 5 keys',
      ],
    ];
    for (const [policy, reason] of cases) {
      const err = await errorOf(subscribe(topicArn, q.arn, { FilterPolicy: policy }));
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toBe(`Invalid parameter: Attributes Reason: ${reason}`);
    }
    const subArn = await subscribe(topicArn, q.arn);
    for (const [policy, reason] of cases) {
      const err = await errorOf(
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subArn,
            AttributeName: 'FilterPolicy',
            AttributeValue: policy,
          }),
        ),
      );
      expect(err.message).toBe(`Invalid parameter: ${reason}`);
    }
    const json = await errorOf(subscribe(topicArn, q.arn, { FilterPolicy: 'invalid' }));
    expect(json.message).toMatch(
      /^Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON\. /,
    );
  });

  it('does not deliver when the queue policy does not allow SNS', async () => {
    const topicArn = await topic();
    const allowed = await queue(topicArn);
    const closed = await queue(topicArn, { allow: false });
    const otherTopic = await topic();
    const forOther = await queue(otherTopic); // allows only the other topic
    await subscribe(topicArn, allowed.arn, { RawMessageDelivery: 'true' });
    const deniedSub = await subscribe(topicArn, closed.arn, { RawMessageDelivery: 'true' });
    await subscribe(topicArn, forOther.arn, { RawMessageDelivery: 'true' });
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'guarded' }));
    expect((await receive(allowed.url, 1)).map((m) => m.Body)).toEqual(['guarded']);
    expect(await receive(closed.url)).toEqual([]);
    expect(await receive(forOther.url)).toEqual([]);
    if (!emulatorOnly) {
      const state = aws.local?.emulator.state<{
        failedDeliveries: { subscriptionArn: string; messageId: string; reason: string }[];
      }>('sns', aws.region);
      expect(state?.failedDeliveries).toContainEqual(
        expect.objectContaining({ subscriptionArn: deniedSub, messageId: MessageId, reason: 'AccessDenied' }),
      );
    }
  });

  it('manages subscriptions: idempotent subscribe, listings, attributes, unsubscribe', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    const subArn = await subscribe(topicArn, q.arn, { RawMessageDelivery: 'true' });
    expect(await subscribe(topicArn, q.arn, { RawMessageDelivery: 'true' })).toBe(subArn);
    expect(await subscribe(topicArn, q.arn)).toBe(subArn);
    const different = await errorOf(subscribe(topicArn, q.arn, { RawMessageDelivery: 'false' }));
    expect(different.message).toBe(
      'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
    );
    const http = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'https', Endpoint: 'https://example.com/hook' }),
    );
    expect(http.SubscriptionArn).toBe('pending confirmation');

    const byTopic = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(byTopic.Subscriptions).toContainEqual({
      SubscriptionArn: subArn,
      Owner: '000000000000',
      Protocol: 'sqs',
      Endpoint: q.arn,
      TopicArn: topicArn,
    });
    expect(byTopic.Subscriptions).toHaveLength(2);
    const all = await sns.send(new ListSubscriptionsCommand({}));
    expect(all.Subscriptions?.map((s) => s.SubscriptionArn)).toContain(subArn);
    const attrs = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(attrs.Attributes).toMatchObject({ SubscriptionsConfirmed: '1', SubscriptionsPending: '1' });

    const errors: [Promise<unknown>, string][] = [
      [
        sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'test-protocol', Endpoint: 'x' })),
        'Invalid parameter: Amazon SNS does not support this protocol string: test-protocol',
      ],
      [
        sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.url })),
        'Invalid parameter: SQS endpoint ARN',
      ],
      [
        subscribe(topicArn, `${q.arn}x.fifo`),
        'Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
      ],
      [
        subscribe(topicArn, q.arn, { RawMessageDelivery: 'wrongvalue' }),
        'Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false.',
      ],
      [
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subArn,
            AttributeName: 'Fake',
            AttributeValue: 'x',
          }),
        ),
        'Invalid parameter: AttributeName',
      ],
      [
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subArn,
            AttributeName: 'RedrivePolicy',
            AttributeValue: '{"deadLetterTargetArn":"x"}',
          }),
        ),
        'Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn',
      ],
      [
        sns.send(new UnsubscribeCommand({ SubscriptionArn: 'nope' })),
        'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1',
      ],
      [sns.send(new UnsubscribeCommand({ SubscriptionArn: topicArn })), 'Invalid parameter: SubscriptionId'],
    ];
    for (const [promise, message] of errors) expect((await errorOf(promise)).message).toBe(message);
    await expect(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subArn,
          AttributeName: 'RedrivePolicy',
          AttributeValue: '{x',
        }),
      ),
    ).rejects.toThrow(/^Invalid parameter: RedrivePolicy: failed to parse JSON/);
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subArn,
        AttributeName: 'RedrivePolicy',
        AttributeValue: JSON.stringify({ deadLetterTargetArn: q.arn }),
      }),
    );

    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subArn }));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subArn }));
    const missing = await errorOf(
      sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn })),
    );
    expect(missing).toBeInstanceOf(NotFoundException);
    expect(missing.message).toBe('Subscription does not exist');
    // Deleting the topic removes its subscriptions.
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    const left = await sns.send(new ListSubscriptionsCommand({}));
    expect(left.Subscriptions?.some((s) => s.TopicArn === topicArn)).toBe(false);
    await expect(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).rejects.toThrow(
      NotFoundException,
    );
  });

  it('validates published messages and their attributes as AWS does', async () => {
    const topicArn = await topic();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ Message: '' }, 'InvalidParameter', 'Invalid parameter: Empty message'],
      [{ Message: 'x', Subject: '' }, 'InvalidParameter', 'Invalid parameter: Subject'],
      [{ Message: 'x'.repeat(262_145) }, 'InvalidParameter', 'Invalid parameter: Message too long'],
      [
        { Message: 'x', MessageAttributes: { attr1: { DataType: 'String', StringValue: '' } } },
        'ParameterValueInvalid',
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
      ],
      [
        { Message: 'x', MessageAttributes: { attr1: { DataType: 'Binary' } } },
        'ParameterValueInvalid',
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'Binary'.",
      ],
      [
        { Message: 'x', MessageAttributes: { attr1: { DataType: 'String', BinaryValue: Buffer.from('a') } } },
        'ParameterValueInvalid',
        "The message attribute 'attr1' with type 'String' must use field 'String'.",
      ],
      [
        { Message: 'x', MessageAttributes: { attr1: { DataType: 'Binary', StringValue: 'a' } } },
        'ParameterValueInvalid',
        "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.",
      ],
      [
        { Message: 'x', MessageAttributes: { attr1: { DataType: 'Other', StringValue: 'a' } } },
        'ParameterValueInvalid',
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      ],
      [
        { Message: 'x', MessageAttributes: { attr1: { DataType: 'Number', StringValue: 'abc' } } },
        'ParameterValueInvalid',
        "Could not cast message attribute 'attr1' value to number.",
      ],
      [
        { Message: 'x', MessageAttributes: { 'a^b': { DataType: 'String', StringValue: 'a' } } },
        'ParameterValueInvalid',
        "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
      ],
      [
        { Message: 'x', MessageAttributes: { '.a': { DataType: 'String', StringValue: 'a' } } },
        'ParameterValueInvalid',
        "Invalid message attribute name starting with character '.' was found.",
      ],
      [
        { Message: 'x', MessageAttributes: { 'a.': { DataType: 'String', StringValue: 'a' } } },
        'ParameterValueInvalid',
        "Invalid message attribute name ending with character '.' was found.",
      ],
      [
        { Message: 'x', MessageAttributes: { 'a..b': { DataType: 'String', StringValue: 'a' } } },
        'ParameterValueInvalid',
        "Message attribute name can not have successive '.' character.",
      ],
      [
        { Message: 'x', MessageAttributes: { ['a'.repeat(256)]: { DataType: 'String', StringValue: 'a' } } },
        'ParameterValueInvalid',
        'Length of message attribute name must be less than 256 bytes.',
      ],
      [
        { Message: 'x', MessageAttributes: { attr1: { StringValue: 'a' } } },
        'ValidationError',
        "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be null",
      ],
      [
        { Message: 'x', MessageDeduplicationId: 'd' },
        'InvalidParameter',
        'Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
      ],
    ];
    for (const [input, code, message] of cases) {
      const err = await errorOf(
        sns.send(new PublishCommand({ TopicArn: topicArn, ...(input as { Message: string }) })),
      );
      // ValidationError is not modelled by the SNS client: it surfaces as a generic service error, as on AWS.
      if (code === 'InvalidParameter') expect(err).toBeInstanceOf(InvalidParameterException);
      else if (code === 'ParameterValueInvalid') expect(err).toBeInstanceOf(InvalidParameterValueException);
      else expect(err).not.toBeInstanceOf(ValidationException);
      expect([err.name, err.message]).toEqual([
        code === 'ValidationError' ? 'ValidationError' : err.name,
        message,
      ]);
    }
  });

  it('publishes batches, reporting failed entries, and enforces batch limits', async () => {
    const topicArn = await topic();
    const q = await queue(topicArn);
    await subscribe(topicArn, q.arn, { RawMessageDelivery: 'true' });
    const out = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: '1', Message: 'one', MessageAttributes: { a: { DataType: 'String', StringValue: 'x' } } },
          { Id: '2', Message: 'two' },
          { Id: '3', Message: '' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['1', '2']);
    expect(out.Successful?.[0]?.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Failed).toEqual([
      { Id: '3', Code: 'InvalidParameter', Message: 'Invalid parameter: Empty message', SenderFault: true },
    ]);
    const bodies = (await receive(q.url, 1)).map((m) => m.Body).sort();
    expect(bodies).toEqual(['one', 'two']);

    const entries = (n: number, id = (i: number) => String(i)) =>
      Array.from({ length: n }, (_, i) => ({ Id: id(i), Message: 'm' }));
    await expect(
      sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries(11) })),
    ).rejects.toThrow(TooManyEntriesInBatchRequestException);
    await expect(
      sns.send(
        new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries(2, () => 'same') }),
      ),
    ).rejects.toThrow(BatchEntryIdsNotDistinctException);
    await expect(
      sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: [] })),
    ).rejects.toThrow(EmptyBatchRequestException);
    const tooLong = await errorOf(
      sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: [
            { Id: '1', Message: 'x'.repeat(200_000) },
            { Id: '2', Message: 'x'.repeat(200_000) },
          ],
        }),
      ),
    );
    expect([tooLong.name, tooLong.message]).toEqual([
      'BatchRequestTooLongException',
      'The length of all the messages put together is more than the limit.',
    ]);
    const missingType = await errorOf(
      sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: [
            { Id: '1', Message: 'm', MessageAttributes: { attr1: { StringValue: 'x' } as never } },
          ],
        }),
      ),
    );
    expect(missingType.message).toBe(
      "1 validation error detected: Value null at 'publishBatchRequestEntries.1.member.messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be null",
    );
  });

  it('publishes to FIFO topics with group ids, deduplication and sequence numbers', async () => {
    const topicArn = await topic(`${unique('f')}.fifo`, { FifoTopic: 'true' });
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(Attributes).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'false' });
    expect(await topic(topicArn.split(':').at(-1), { FifoTopic: 'true' })).toBe(topicArn);
    const q = await queue(topicArn, { fifo: true });
    await subscribe(topicArn, q.arn);
    const standard = await queue(topicArn);
    await subscribe(topicArn, standard.arn, { RawMessageDelivery: 'true' });

    const noGroup = await errorOf(sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'x' })));
    expect(noGroup.message).toBe(
      'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
    );
    const noDedup = await errorOf(
      sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'x', MessageGroupId: 'g' })),
    );
    expect(noDedup.message).toBe(
      'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
    const first = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'a',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd1',
      }),
    );
    const again = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'a',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd1',
      }),
    );
    expect(again).toMatchObject({ MessageId: first.MessageId, SequenceNumber: first.SequenceNumber });
    const second = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'b',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd2',
      }),
    );
    expect(BigInt(second.SequenceNumber as string)).toBeGreaterThan(BigInt(first.SequenceNumber as string));
    const got = await receive(q.url, 1);
    const bodies = got.map((m) => JSON.parse(m.Body as string));
    expect(bodies.map((b) => b.Message)).toEqual(['a', 'b']);
    expect(bodies[0]).toMatchObject({ SequenceNumber: first.SequenceNumber, MessageId: first.MessageId });
    expect(got[0]?.Attributes?.MessageGroupId).toBe('g');
    // A standard queue subscribed to the FIFO topic gets the messages too (without FIFO parameters).
    expect((await receive(standard.url, 1)).map((m) => m.Body).sort()).toEqual(['a', 'b']);

    // Content-based deduplication.
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'ContentBasedDeduplication',
        AttributeValue: 'true',
      }),
    );
    const c1 = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'same', MessageGroupId: 'g' }),
    );
    const c2 = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'same', MessageGroupId: 'g' }),
    );
    expect(c2.MessageId).toBe(c1.MessageId);
    const batch = await errorOf(
      sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: [{ Id: '1', Message: 'm' }],
        }),
      ),
    );
    expect(batch.message).toBe('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    const okBatch = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [{ Id: '1', Message: 'm', MessageGroupId: 'g' }],
      }),
    );
    expect(okBatch.Successful?.[0]?.SequenceNumber).toMatch(/^\d+$/);
  });

  it('tags topics and exposes them to the tagging hooks', async () => {
    const arn = await topic();
    await sns.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'x', Value: 'y' },
        ],
      }),
    );
    await sns.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['x'] }));
    const { Tags } = await sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
    expect(Tags).toEqual([{ Key: 'team', Value: 'a' }]);
    const missing = await errorOf(
      sns.send(new ListTagsForResourceCommand({ ResourceArn: `${arn}-missing` })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: many }))).rejects.toThrow(
      TagLimitExceededException,
    );
    if (emulatorOnly) return;
    const service = aws.local?.emulator.service('sns');
    const state = aws.local?.emulator.state('sns', aws.region);
    const hooks = service?.tagging;
    const listed = hooks?.list(state).find((r) => r.arn === arn);
    expect(listed).toEqual({ arn, resourceType: 'sns:topic', tags: { team: 'a' } });
    expect(hooks?.tag(state, arn, { b: '2' })).toBe(true);
    expect(hooks?.untag(state, arn, ['team'])).toBe(true);
    expect(hooks?.list(state).find((r) => r.arn === arn)?.tags).toEqual({ b: '2' });
    expect(hooks?.tag(state, `${arn}-missing`, {})).toBe(false);
    expect(hooks?.untag(state, `${arn}-missing`, [])).toBe(false);
  });
});
