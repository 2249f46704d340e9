import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  InvalidBatchEntryId,
  InvalidMessageContents,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
  TooManyEntriesInBatchRequest,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SqsState } from '../../src/local/services/sqs/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const unique = (): string => `q-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe('local SQS over the real SDK (AWS JSON 1.0)', () => {
  let aws: TestAws;
  let sqs: SQSClient;
  let other: SQSClient;

  beforeAll(async () => {
    aws = await startTestAws();
    sqs = new SQSClient({ ...aws.clientConfig });
    other = new SQSClient({ ...aws.clientConfig });
  });
  afterAll(async () => {
    sqs.destroy();
    other.destroy();
    await aws.close();
  });

  const create = async (attributes?: Record<string, string>, name = unique()): Promise<string> => {
    const out = await sqs.send(
      new CreateQueueCommand({ QueueName: name, ...(attributes ? { Attributes: attributes } : {}) }),
    );
    return out.QueueUrl as string;
  };

  it('creates a queue, returns its URL on the request host and its attributes', async () => {
    const name = unique();
    const url = await create(undefined, name);
    expect(url).toBe(`${aws.endpoint}/000000000000/${name}`);
    const again = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    expect(again.QueueUrl).toBe(url);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
      VisibilityTimeout: '30',
    });
    expect(Number(attrs.Attributes?.CreatedTimestamp)).toBeGreaterThan(1_600_000_000);
    const some = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    expect(Object.keys(some.Attributes ?? {})).toEqual(['QueueArn']);
    const none = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url }));
    expect(none.Attributes).toBeUndefined();
  });

  it('sends and receives with correct MD5s, attributes and system attributes', async () => {
    const url = await create();
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'msg',
        MessageAttributes: {
          Hello: { DataType: 'String', StringValue: 'There' },
          General: { DataType: 'String', StringValue: 'Kenobi' },
          'Help.Me': { DataType: 'String', StringValue: 'Me' },
        },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe('6e2baaf3b97dbeef01c0043275f9a0e7');
    expect(sent.MD5OfMessageAttributes).toBe('4c360f3fdafd970e05fae2f149d997f5');
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    const m = got.Messages?.[0];
    expect(m?.Body).toBe('msg');
    expect(m?.MD5OfBody).toBe('6e2baaf3b97dbeef01c0043275f9a0e7');
    expect(m?.MD5OfMessageAttributes).toBe('4c360f3fdafd970e05fae2f149d997f5');
    expect(m?.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
    expect(Number(m?.Attributes?.SentTimestamp)).toBeGreaterThan(1_600_000_000_000);
    expect(m?.Attributes?.ApproximateFirstReceiveTimestamp).toBeDefined();
    const filtered = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageAttributeNames: ['General', 'Hello', 'Nope'],
        AttributeNames: ['SenderId' as 'All'],
        VisibilityTimeout: 0,
      }),
    );
    expect(filtered.Messages?.[0]?.MD5OfMessageAttributes).toBe('fca026605781cb4126a1e9044df24232');
    expect(filtered.Messages?.[0]?.Attributes).toEqual({ SenderId: '000000000000' });
    const prefix = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['Help.*'], VisibilityTimeout: 0 }),
    );
    expect(Object.keys(prefix.Messages?.[0]?.MessageAttributes ?? {})).toEqual(['Help.Me']);
    const plain = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(plain.Messages?.[0]?.MessageAttributes).toBeUndefined();
    expect(plain.Messages?.[0]?.Attributes).toBeUndefined();
  });

  it('long polling returns as soon as a message arrives, and empty after WaitTimeSeconds', async () => {
    const url = await create();
    // A 20 s poll answered by a message sent 150 ms in: it returns on arrival, far (10 s and more)
    // short of its wait. The margin is semantic, not a speed claim (speed lives in bench/).
    const started = Date.now();
    const pending = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 150));
    await other.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const got = await pending;
    expect(got.Messages?.[0]?.Body).toBe('wake up');
    expect(Date.now() - started).toBeLessThan(10_000);

    // An empty poll waits out its WaitTimeSeconds before answering empty.
    const emptyStart = Date.now();
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(empty.Messages).toBeUndefined();
    expect(Date.now() - emptyStart).toBeGreaterThanOrEqual(950);
  });

  it('long polling uses the queue ReceiveMessageWaitTimeSeconds and wakes for delayed messages', async () => {
    const url = await create({ ReceiveMessageWaitTimeSeconds: '2' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    const started = Date.now();
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(got.Messages?.[0]?.Body).toBe('later');
    // It waited for the delay; the message in hand proves the 2 s poll woke for it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  it.skipIf(emulatorOnly)(
    'closing the emulator ends pending long polls and leaves no waiter behind',
    async () => {
      const local = await startTestAws();
      const client = new SQSClient({ ...local.clientConfig, maxAttempts: 1 });
      const url = (await client.send(new CreateQueueCommand({ QueueName: 'closing' }))).QueueUrl;
      const state = local.local?.emulator.state<SqsState>('sqs', 'us-east-1');
      const pending = client
        .send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }))
        .catch((e: unknown) => e);
      // The poll is waiting on the queue (however long its request takes to arrive on a busy machine).
      await vi.waitFor(() => expect(state?.queues.get('closing')?.waiters.size).toBe(1), {
        timeout: 10_000,
        interval: 10,
      });
      const started = Date.now();
      await local.close();
      await pending;
      // Ended by the close, far (10 s and more) short of its 20 s wait.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(state?.queues.get('closing')?.waiters.size).toBe(0);
      client.destroy();
    },
  );

  it('a long poll ends when the request is aborted', async () => {
    const url = await create();
    const controller = new AbortController();
    const pending = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), {
      abortSignal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await expect(pending).rejects.toThrow();
    // The aborted poll does not steal the next message, and leaves no waiter behind (once the
    // closed connection reaches the emulator, however long that takes on a busy machine).
    if (!emulatorOnly) {
      const state = aws.local?.emulator.state<SqsState>('sqs', 'us-east-1');
      await vi.waitFor(
        () => expect(state?.queues.get(url.split('/').pop() as string)?.waiters.size).toBe(0),
        { timeout: 10_000, interval: 10 },
      );
    } else {
      await new Promise((r) => setTimeout(r, 50));
    }
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(got.Messages?.[0]?.Body).toBe('kept');
  });

  it('a long poll on a deleted queue returns empty', async () => {
    const url = await create();
    const pending = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await new Promise((r) => setTimeout(r, 100));
    await other.send(new DeleteQueueCommand({ QueueUrl: url }));
    const got = await pending;
    expect(got.Messages).toBeUndefined();
  });

  it('hides received messages for the visibility timeout and redelivers with a new handle', async () => {
    const url = await create({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    const m1 = first.Messages?.[0];
    expect(m1?.Attributes?.ApproximateReceiveCount).toBe('1');
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(hidden.Messages).toBeUndefined();
    const counts = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(counts.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    const second = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, AttributeNames: ['All'] }),
    );
    const m2 = second.Messages?.[0];
    expect(m2?.MessageId).toBe(m1?.MessageId);
    expect(m2?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(m2?.ReceiptHandle).not.toBe(m1?.ReceiptHandle);
    expect(m2?.Attributes?.ApproximateFirstReceiveTimestamp).toBeDefined();
    // The old handle can no longer change visibility.
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: m1?.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    // ChangeMessageVisibility to 0 makes it visible at once.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: m2?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(third.Messages?.[0]?.MessageId).toBe(m1?.MessageId);
    // On a standard queue an older handle still deletes the message.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m1?.ReceiptHandle }));
    const after = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(after.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
    // Deleting again succeeds (already deleted).
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m1?.ReceiptHandle }));
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: m1?.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('Message does not exist'),
    });
  });

  it('rejects malformed receipt handles with ReceiptHandleIsInvalid', async () => {
    const url = await create();
    const err = await sqs
      .send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiptHandleIsInvalid);
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: 'garbage', VisibilityTimeout: 1 }),
      ),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: '' })),
    ).rejects.toMatchObject({
      name: 'MissingParameter',
    });
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: 'garbage',
          VisibilityTimeout: 50_000,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('reports QueueDoesNotExist as the typed exception', async () => {
    const missing = `${aws.endpoint}/000000000000/nope-${unique()}`;
    const err = await sqs
      .send(new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err).toMatchObject({ name: 'QueueDoesNotExist', message: 'The specified queue does not exist.' });
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope-nope' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
    const url = await create();
    await expect(
      sqs.send(
        new GetQueueUrlCommand({ QueueName: url.split('/').pop(), QueueOwnerAWSAccountId: '111111111111' }),
      ),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    // Another account, another region, or a malformed URL.
    await expect(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url.replace('000000000000', '111111111111') })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    const name = url.split('/').pop() as string;
    const eu = new SQSClient({ ...aws.clientConfig, region: 'eu-west-1' });
    await expect(eu.send(new GetQueueAttributesCommand({ QueueUrl: url }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
    eu.destroy();
    const regional = new SQSClient({ ...aws.clientConfig, useQueueUrlAsEndpoint: false });
    await expect(
      regional.send(
        new GetQueueAttributesCommand({
          QueueUrl: `https://sqs.eu-west-1.amazonaws.com/000000000000/${name}`,
        }),
      ),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    const ok = await regional.send(
      new GetQueueAttributesCommand({
        QueueUrl: `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`,
        AttributeNames: ['QueueArn'],
      }),
    );
    expect(ok.Attributes?.QueueArn).toContain(name);
    const byName = await regional.send(
      new GetQueueAttributesCommand({ QueueUrl: name, AttributeNames: ['QueueArn'] }),
    );
    expect(byName.Attributes?.QueueArn).toContain(name);
    await expect(
      regional.send(new GetQueueAttributesCommand({ QueueUrl: 'a/b/c/d' })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    regional.destroy();
  });

  it('is idempotent for equal attributes and raises QueueNameExists for different ones', async () => {
    const name = unique();
    const url = await create({ DelaySeconds: '2', Policy: '{"Version":"2012-10-17","Statement":[]}' }, name);
    expect(await create({ DelaySeconds: '2' }, name)).toBe(url);
    expect(await create(undefined, name)).toBe(url);
    const err = await sqs
      .send(new CreateQueueCommand({ QueueName: name, Attributes: { DelaySeconds: '3' } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueNameExists);
    expect(err).toMatchObject({
      message: 'A queue already exists with the same name and a different value for attribute DelaySeconds',
    });
  });

  it('validates queue names and attributes', async () => {
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'bad name' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'a'.repeat(81) }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'x.fifo' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(sqs.send(new CreateQueueCommand({ QueueName: '' }))).rejects.toMatchObject({
      name: 'MissingParameter',
    });
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName: 'nofifo', Attributes: { FifoQueue: 'true' } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const fifoFalse = await sqs
      .send(new CreateQueueCommand({ QueueName: unique(), Attributes: { FifoQueue: 'false' } }))
      .catch((e: unknown) => e);
    expect(fifoFalse).toBeInstanceOf(InvalidAttributeName);
    expect(fifoFalse).toMatchObject({ message: 'Unknown Attribute FifoQueue.' });
    await expect(
      sqs.send(
        new CreateQueueCommand({ QueueName: unique(), Attributes: { ContentBasedDeduplication: 'true' } }),
      ),
    ).rejects.toMatchObject({ message: 'Unknown Attribute ContentBasedDeduplication.' });
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName: unique(), Attributes: { DeduplicationScope: 'queue' } })),
    ).rejects.toMatchObject({
      message: 'You can specify the DeduplicationScope only when FifoQueue is set to true.',
    });
    await expect(
      sqs.send(
        new CreateQueueCommand({ QueueName: unique(), Attributes: { Bogus: '1' } as Record<string, string> }),
      ),
    ).rejects.toBeInstanceOf(InvalidAttributeName);
    for (const [k, v] of [
      ['VisibilityTimeout', '50000'],
      ['DelaySeconds', 'x'],
      ['MaximumMessageSize', '10'],
      ['MessageRetentionPeriod', '1'],
      ['ReceiveMessageWaitTimeSeconds', '21'],
      ['SqsManagedSseEnabled', 'maybe'],
      ['Policy', 'not json'],
      ['RedrivePolicy', '{"maxReceiveCount":0}'],
    ]) {
      await expect(
        sqs.send(new CreateQueueCommand({ QueueName: unique(), Attributes: { [k as string]: v as string } })),
      ).rejects.toBeInstanceOf(InvalidAttributeValue);
    }
    await expect(
      sqs.send(
        new CreateQueueCommand({
          QueueName: unique(),
          Attributes: { KmsMasterKeyId: 'k', SqsManagedSseEnabled: 'true' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidAttributeName',
      message: expect.stringContaining('one type of server-side encryption'),
    });
  });

  it('sets queue attributes (SSE exclusive, policy removal) and tracks LastModifiedTimestamp', async () => {
    const url = await create();
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: { KmsMasterKeyId: 'testKeyId', VisibilityTimeout: '45' },
      }),
    );
    let attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
      .Attributes;
    expect(attrs).toMatchObject({
      KmsMasterKeyId: 'testKeyId',
      KmsDataKeyReusePeriodSeconds: '300',
      SqsManagedSseEnabled: 'false',
      VisibilityTimeout: '45',
    });
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { SqsManagedSseEnabled: 'true' } }),
    );
    attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
      .Attributes;
    expect(attrs?.KmsMasterKeyId).toBeUndefined();
    expect(attrs?.SqsManagedSseEnabled).toBe('true');
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { KmsMasterKeyId: 'k2' } }));
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: { KmsMasterKeyId: '', Policy: '{"Statement":[]}' },
      }),
    );
    attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
      .Attributes;
    expect(attrs?.KmsMasterKeyId).toBeUndefined();
    expect(attrs?.KmsDataKeyReusePeriodSeconds).toBeUndefined();
    expect(attrs?.Policy).toBe('{"Statement":[]}');
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: '' } }));
    attrs = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy', 'LastModifiedTimestamp'] }),
      )
    ).Attributes;
    expect(attrs?.Policy).toBeUndefined();
    expect(Number(attrs?.LastModifiedTimestamp)).toBeGreaterThan(1_600_000_000);
    await expect(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'true' } })),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName', message: 'Unknown Attribute FifoQueue.' });
    await expect(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Nope' as 'All'] })),
    ).rejects.toBeInstanceOf(InvalidAttributeName);
  });

  it('lists queues by prefix with MaxResults/NextToken pagination', async () => {
    const prefix = `list-${unique()}`;
    const urls: string[] = [];
    for (let i = 0; i < 5; i++) urls.push(await create(undefined, `${prefix}-${i}`));
    const all = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    expect(all.QueueUrls).toEqual(urls);
    expect(all.NextToken).toBeUndefined();
    const page1 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2 }));
    expect(page1.QueueUrls).toEqual(urls.slice(0, 2));
    const page2 = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken: page1.NextToken }),
    );
    expect(page2.QueueUrls).toEqual(urls.slice(2, 4));
    const page3 = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken: page2.NextToken }),
    );
    expect(page3.QueueUrls).toEqual(urls.slice(4));
    expect(page3.NextToken).toBeUndefined();
    const none = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'zzz-none' }));
    expect(none.QueueUrls).toBeUndefined();
    await expect(sqs.send(new ListQueuesCommand({ MaxResults: 0 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(sqs.send(new ListQueuesCommand({ NextToken: 'bogus' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('deletes and purges queues (one purge per 60 s)', async () => {
    const url = await create();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('0');
    const err = await sqs.send(new PurgeQueueCommand({ QueueUrl: url })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PurgeQueueInProgress);
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await expect(sqs.send(new GetQueueAttributesCommand({ QueueUrl: url }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
  });

  it('tags, untags and lists queue tags (incl. tags on create)', async () => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: unique(), tags: { team: 'a' } })))
      .QueueUrl as string;
    await sqs.send(
      new TagQueueCommand({ QueueUrl: url, Tags: { tag1: 'value1', tag2: 'value2', tag3: '' } }),
    );
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({
      team: 'a',
      tag1: 'value1',
      tag2: 'value2',
      tag3: '',
    });
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['tag1', 'tag3', 'team'] }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ tag2: 'value2' });
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['tag2'] }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toBeUndefined();
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await expect(sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: many }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: {} }))).rejects.toMatchObject({
      name: 'MissingParameter',
    });
    await expect(sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: [] }))).rejects.toMatchObject({
      name: 'MissingParameter',
    });
  });

  it('validates messages: body, size, characters, attributes, receive parameters', async () => {
    const url = await create({ MaximumMessageSize: '1024' });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' }))).rejects.toMatchObject({
      name: 'MissingParameter',
      message: 'The request must contain the parameter MessageBody.',
    });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    });
    await expect(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x'.repeat(1000),
          MessageAttributes: { a: { DataType: 'String', StringValue: 'y'.repeat(30) } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const bad = await sqs
      .send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' }))
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidMessageContents);
    await expect(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x',
          MessageAttributes: { ErrorDetails: { DataType: 'String', StringValue: '' } },
        }),
      ),
    ).rejects.toMatchObject({
      message: "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
    });
    for (const attrs of [
      { n: { DataType: 'Blob', StringValue: 'x' } },
      { n: { DataType: 'Number', StringValue: 'abc' } },
      { n: { DataType: 'Binary' } },
      { 'AWS.x': { DataType: 'String', StringValue: 'x' } },
      { n: { DataType: 'String', StringValue: 'a\u0001' } },
      Object.fromEntries(
        Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
      ),
    ]) {
      await expect(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: attrs })),
      ).rejects.toMatchObject({
        name: 'InvalidParameterValue',
      });
    }
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'has space' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'has space' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x',
          MessageSystemAttributes: { Other: { DataType: 'String', StringValue: 'x' } } as never,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const maxErr = await sqs
      .send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 }))
      .catch((e: unknown) => e);
    expect(maxErr).toMatchObject({
      name: 'InvalidParameterValue',
      message:
        'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });
    for (const w of [21, -1]) {
      await expect(
        sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: w })),
      ).rejects.toMatchObject({
        message: `Value ${w} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      });
    }
    await expect(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 43_201 })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    // Binary and Number attributes, with custom type suffixes.
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'test',
        MessageAttributes: {
          bin: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
          num: { DataType: 'Number.int', StringValue: '42' },
        },
        MessageSystemAttributes: {
          AWSTraceHeader: {
            DataType: 'String',
            StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
          },
        },
      }),
    );
    expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageAttributeNames: ['.*'],
        MessageSystemAttributeNames: ['AWSTraceHeader'],
      }),
    );
    const m = got.Messages?.[0];
    expect(m?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(m?.MessageAttributes?.bin?.BinaryValue).toEqual(new Uint8Array([1, 2, 3]));
    expect(m?.MessageAttributes?.num).toEqual({ DataType: 'Number.int', StringValue: '42' });
    expect(m?.Attributes?.AWSTraceHeader).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
  });

  it('sends, deletes and changes visibility in batches with per-entry failures', async () => {
    const url = await create();
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'c', MessageBody: '' },
        ],
      }),
    );
    expect(sent.Successful?.map((e) => e.Id)).toEqual(['a', 'b']);
    expect(sent.Successful?.[0]?.MD5OfMessageBody).toBe('f97c5d29941bfb1b2fdab0874906ab82');
    expect(sent.Failed).toEqual([
      {
        Id: 'c',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: 'The request must contain the parameter MessageBody.',
      },
    ]);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['one', 'two']);
    const handles = got.Messages?.map((m) => m.ReceiptHandle as string) ?? [];
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'x', ReceiptHandle: handles[0], VisibilityTimeout: 60 },
          { Id: 'y', ReceiptHandle: 'bogus', VisibilityTimeout: 60 },
        ],
      }),
    );
    expect(changed.Successful).toEqual([{ Id: 'x' }]);
    expect(changed.Failed?.[0]).toMatchObject({ Id: 'y', Code: 'ReceiptHandleIsInvalid', SenderFault: true });
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'x', ReceiptHandle: handles[0] },
          { Id: 'y', ReceiptHandle: handles[1] },
          { Id: 'z', ReceiptHandle: 'bogus' },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'x' }, { Id: 'y' }]);
    expect(deleted.Failed?.[0]).toMatchObject({ Id: 'z', Code: 'ReceiptHandleIsInvalid' });

    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));
    const err = await sqs
      .send(new SendMessageBatchCommand({ QueueUrl: url, Entries: tooMany }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyEntriesInBatchRequest);
    expect(err).toMatchObject({ message: 'Maximum number of entries per request are 10. You have sent 11.' });
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })),
    ).rejects.toBeInstanceOf(EmptyBatchRequest);
    await expect(
      sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })),
    ).rejects.toBeInstanceOf(EmptyBatchRequest);
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'a', MessageBody: 'x' },
            { Id: 'a', MessageBody: 'y' },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    for (const id of ['', 'invalid:id', 'x'.repeat(81)]) {
      await expect(
        sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: id, ReceiptHandle: 'h' }] })),
      ).rejects.toBeInstanceOf(InvalidBatchEntryId);
    }
    const big = 'x'.repeat(262_144);
    const tooLong = await sqs
      .send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [0, 1, 2, 3, 4].map((i) => ({ Id: `b${i}`, MessageBody: big })),
        }),
      )
      .catch((e: unknown) => e);
    expect(tooLong).toMatchObject({
      name: 'BatchRequestTooLong',
      message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1310720 bytes.',
    });
  });

  it.skipIf(emulatorOnly)('expires messages after MessageRetentionPeriod by the emulator clock', async () => {
    let offset = 0;
    const local = await startTestAws({ clock: () => Date.now() + offset });
    const client = new SQSClient({ ...local.clientConfig });
    try {
      const url = (
        await client.send(
          new CreateQueueCommand({ QueueName: 'retained', Attributes: { MessageRetentionPeriod: '60' } }),
        )
      ).QueueUrl;
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
      offset = 61_000;
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));
      expect(got.Messages).toBeUndefined();
      // The purge limit follows the same clock.
      await client.send(new PurgeQueueCommand({ QueueUrl: url }));
      offset += 61_000;
      await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    } finally {
      client.destroy();
      await local.close();
    }
  });

  it('moves messages to the dead-letter queue after maxReceiveCount', async () => {
    const dlqUrl = await create();
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const url = await create({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    expect(first.Messages?.[0]?.Body).toBe('poison');
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(second.Messages).toBeUndefined();
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    expect(dead.Messages?.[0]?.Body).toBe('poison');
    const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    expect(sources.queueUrls).toEqual([url]);
    const second2 = await create({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
    });
    const page1 = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl, MaxResults: 1 }));
    expect(page1.queueUrls).toHaveLength(1);
    const page2 = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl, MaxResults: 1, NextToken: page1.NextToken }),
    );
    expect([...(page1.queueUrls ?? []), ...(page2.queueUrls ?? [])].sort()).toEqual([url, second2].sort());
    expect(page2.NextToken).toBeUndefined();
    await expect(
      sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl, NextToken: 'bogus' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'Invalid NextToken value.' });
    await expect(
      create({
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${dlqArn}-missing`, maxReceiveCount: 3 }),
      }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('Dead letter target does not exist.'),
    });
  });

  it('FIFO: group ordering, deduplication, content-based dedup, expired handles', async () => {
    const name = `${unique()}.fifo`;
    const url = await create({ FifoQueue: 'true' }, name);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'queue',
      FifoThroughputLimit: 'perQueue',
    });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }))).rejects.toMatchObject(
      {
        name: 'MissingParameter',
        message: 'The request must contain the parameter MessageGroupId.',
      },
    );
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })),
    ).rejects.toMatchObject({
      message:
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    });
    await expect(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd',
          DelaySeconds: 2,
        }),
      ),
    ).rejects.toMatchObject({
      message:
        'Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
    });
    const a1 = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'a1',
        MessageGroupId: 'a',
        MessageDeduplicationId: '1',
      }),
    );
    const dup = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'a1',
        MessageGroupId: 'a',
        MessageDeduplicationId: '1',
      }),
    );
    expect(dup.MessageId).toBe(a1.MessageId);
    expect(dup.SequenceNumber).toBe(a1.SequenceNumber);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'a2',
        MessageGroupId: 'a',
        MessageDeduplicationId: '2',
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'b1',
        MessageGroupId: 'b',
        MessageDeduplicationId: '3',
      }),
    );
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, AttributeNames: ['All'] }),
    );
    expect(first.Messages?.[0]?.Body).toBe('a1');
    expect(first.Messages?.[0]?.Attributes).toMatchObject({
      MessageGroupId: 'a',
      MessageDeduplicationId: '1',
      SequenceNumber: a1.SequenceNumber,
    });
    // Group a is blocked while a1 is in flight; b1 comes next.
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(second.Messages?.map((m) => m.Body)).toEqual(['b1']);
    // Expired handle on FIFO.
    const handle = first.Messages?.[0]?.ReceiptHandle;
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: handle, VisibilityTimeout: 0 }),
    );
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: handle, VisibilityTimeout: 10 }),
      ),
    ).rejects.toMatchObject({ name: 'MessageNotInflight' });
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('The receipt handle has expired.'),
    });
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(again.Messages?.map((m) => m.Body)).toEqual(['a1', 'a2']);
    for (const m of again.Messages ?? [])
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    // Content-based deduplication, scoped per message group.
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          ContentBasedDeduplication: 'true',
          DeduplicationScope: 'messageGroup',
          FifoThroughputLimit: 'perMessageGroupId',
        },
      }),
    );
    const c1 = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'x' }),
    );
    const c2 = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'x' }),
    );
    const c3 = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'y' }),
    );
    expect(c2.MessageId).toBe(c1.MessageId);
    expect(c3.MessageId).not.toBe(c1.MessageId);
    // A delayed message blocks nothing but is not receivable yet.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '60' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'delayed', MessageGroupId: 'd' }));
    const delayed = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(delayed.Messages?.map((m) => m.Body)).toEqual(['same', 'same']);
    await expect(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'true' } })),
    ).rejects.toMatchObject({
      name: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
    });
    await expect(
      sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { DeduplicationScope: 'bad', ContentBasedDeduplication: 'x' },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidAttributeValue);
    await expect(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoThroughputLimit: 'bad' } })),
    ).rejects.toBeInstanceOf(InvalidAttributeValue);
  });
});
