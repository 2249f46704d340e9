import { fileURLToPath } from 'node:url';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbe,
  DeadLettersError,
  InvalidInputError,
  type Probe,
  QueueNotDrainedError,
  TimeoutError,
} from '../../src/index.js';
import { LOCAL_CODE_BUCKET } from '../../src/local/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const CODE = fileURLToPath(new URL('../fixtures/lambda/checks', import.meta.url));
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
let aws: TestAws;
let probe: Probe;
let sqs: SQSClient;
let lambda: LambdaClient;
let n = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${n++}`;
const rejection = async <E>(promise: Promise<unknown>): Promise<E> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as E,
  );

const queue = async (attributes: Record<string, string> = {}) => {
  const name = unique('checks-q');
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const got = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { name, url: QueueUrl as string, arn: got.Attributes?.QueueArn as string };
};

/** A source queue whose dead-letter queue gets a message after one failed receive. */
const withDeadLetters = async (visibility = '1') => {
  const dlq = await queue();
  const source = await queue({
    VisibilityTimeout: visibility,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
  });
  return { dlq, source };
};

beforeAll(async () => {
  aws = await startTestAws();
  probe = createProbe({ ...aws.clientConfig });
  sqs = new SQSClient(aws.clientConfig);
  lambda = new LambdaClient(aws.clientConfig);
});

afterAll(async () => {
  await probe[Symbol.asyncDispose]();
  sqs.destroy();
  lambda.destroy();
  await aws.close();
});

describe.skipIf(emulatorOnly)('watchDeadLetters', () => {
  it('fails a test whose function throws on one message, and leaves the message in the DLQ', async () => {
    const { dlq, source } = await withDeadLetters();
    const functionName = unique('checks-orders');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'handler.orders',
        Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: CODE },
      }),
    );
    const watch = await probe.watchDeadLetters({ queueName: source.name });
    expect(watch).toMatchObject({ deadLetterQueueUrl: dlq.url, sourceQueueUrl: source.url });
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: functionName,
        EventSourceArn: source.arn,
        BatchSize: 1,
      }),
    );
    for (const body of ['order-1', 'poison-2', 'order-3']) {
      await sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: body }));
    }
    const arrived = await watch.waitForMessages({ timeout: 20_000, interval: 100 });
    expect(arrived.map((m) => m.body)).toEqual(['poison-2']);
    const error = await rejection<DeadLettersError>(watch.expectNone({ within: 200, interval: 50 }));
    expect(error).toBeInstanceOf(DeadLettersError);
    expect(error.messages.map((m) => m.body)).toEqual(['poison-2']);
    expect(error.message).toContain('poison-2');
    expect(error.deadLetterQueueUrl).toBe(dlq.url);
    // Not consumed: the app's own redrive tooling still sees it.
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['poison-2']);
  });

  it('ignores what was there before the watch, counts what arrives, and parses JSON bodies', async () => {
    const { dlq } = await withDeadLetters();
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: 'old' }));
    const watch = await probe.watchDeadLetters({ deadLetterQueueUrl: dlq.url });
    expect(watch.sourceQueueUrl).toBeUndefined();
    expect(watch.baseline.size).toBe(1);
    await expect(watch.expectNone()).resolves.toBeUndefined();
    await expect(watch.expectNone({ within: 150, interval: 50 })).resolves.toBeUndefined();
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: '{"orderId":"o-1"}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: 'x'.repeat(300) }));
    const messages = await watch.messages();
    // A standard queue keeps no order (the AWS-timing profile reorders): compare as a set.
    expect(messages).toHaveLength(2);
    expect(messages.map((m) => m.json)).toEqual(expect.arrayContaining([{ orderId: 'o-1' }, undefined]));
    for (const m of messages) expect(m.attributes.ApproximateReceiveCount).toBeDefined();
    const matched = await watch.waitForMessages({
      count: 1,
      timeout: 5_000,
      match: (m) => (m.json as { orderId?: string } | undefined)?.orderId === 'o-1',
    });
    expect(matched).toHaveLength(1);
    const error = await rejection<DeadLettersError>(watch.expectNone());
    expect(error.message).toContain('...');
    const timeout = await rejection<TimeoutError>(
      watch.waitForMessages({
        count: 3,
        timeout: 200,
        interval: 50,
        match: () => {
          throw new Error('never');
        },
      }),
    );
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.message).toContain('0 of 3 dead-letter messages');
    // The watch consumed nothing: all three are still there for anyone else.
    const counts = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    // SQS may store a message twice (the emulator under realism too): more copies, never fewer.
    const left = Number(counts.Attributes?.ApproximateNumberOfMessages);
    if (aws.exactlyOnce) expect(left).toBe(3);
    else expect(left).toBeGreaterThanOrEqual(3);
  });

  it('says how to give a queue a dead-letter queue, and refuses bad input', async () => {
    const plain = await queue();
    const error = await rejection<InvalidInputError>(probe.watchDeadLetters({ queueUrl: plain.url }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('RedrivePolicy');
    await expect(probe.watchDeadLetters({})).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.watchDeadLetters({ queueUrl: plain.url, queueName: 'x' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(probe.watchDeadLetters({ queueName: '' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.watchDeadLetters(null as never)).rejects.toBeInstanceOf(InvalidInputError);
    const watch = await probe.watchDeadLetters({ deadLetterQueueUrl: plain.url });
    await expect(watch.waitForMessages(null as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(watch.waitForMessages({ timeout: 10, count: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(watch.expectNone({ within: -5 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(watch.expectNone(null as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(watch.waitForMessages({ timeout: 100, interval: 20 })).rejects.toThrow(
      '0 of 1 dead-letter messages',
    );
    const aborted = AbortSignal.abort(new Error('caller gave up'));
    await expect(watch.waitForMessages({ timeout: 1_000, signal: aborted })).rejects.toThrow(
      'caller gave up',
    );
  });
});

describe.skipIf(emulatorOnly)('expectQueueDrained', () => {
  it('returns once the queue is empty over the stable window', async () => {
    const q = await queue();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'work' }));
    // A consumer as an app would run one: it keeps receiving until the queue answers empty (SQS may
    // keep a second copy of a message; the emulator under realism too).
    const consumer = (async () => {
      let handled = 0;
      for (;;) {
        const got = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: q.url, WaitTimeSeconds: handled === 0 ? 5 : 1 }),
        );
        if (!got.Messages?.length) return;
        for (const m of got.Messages) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: m.ReceiptHandle }));
          handled++;
        }
      }
    })();
    const result = await probe.expectQueueDrained({
      queueName: q.name,
      within: 10_000,
      stableFor: 300,
      interval: 50,
    });
    await consumer;
    expect(result.queueUrl).toBe(q.url);
    expect(result.reads).toBeGreaterThanOrEqual(2);
  });

  it('fails with the counts when messages stay (visible, in flight, delayed)', async () => {
    const q = await queue();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'stuck' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'later', DelaySeconds: 60 }));
    const error = await rejection<QueueNotDrainedError>(
      probe.expectQueueDrained({ queueUrl: q.url, within: 300, stableFor: 100, interval: 50 }),
    );
    expect(error).toBeInstanceOf(QueueNotDrainedError);
    // SQS may keep a second copy of a message (the emulator under realism too): more, never fewer.
    if (aws.exactlyOnce) {
      expect(error.counts).toEqual({ visible: 1, inFlight: 0, delayed: 1 });
      expect(error.message).toContain('1 visible');
    } else {
      expect(error.counts.visible).toBeGreaterThanOrEqual(1);
      expect(error.counts.delayed).toBeGreaterThanOrEqual(1);
      expect(error.counts.inFlight).toBe(0);
      expect(error.message).toContain(`${error.counts.visible} visible`);
    }
  });

  it('refuses bad input, and a missing queue is not a timeout', async () => {
    await expect(probe.expectQueueDrained({ within: 100 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.expectQueueDrained({ queueName: 'q', within: 0 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      probe.expectQueueDrained({ queueName: 'q', within: 100, stableFor: 100 }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.expectQueueDrained(undefined as never)).rejects.toBeInstanceOf(InvalidInputError);
    const missing = await rejection<Error>(
      probe.expectQueueDrained({ queueName: unique('nope'), within: 5_000 }),
    );
    expect(missing).not.toBeInstanceOf(QueueNotDrainedError);
  });
});
