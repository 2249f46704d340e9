import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, InvalidInputError } from '../../src/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let sqs: SQSClient;
const suite = `fixtures-${Date.now().toString(36)}`;

const exists = async (queueName: string): Promise<boolean> =>
  sqs.send(new GetQueueUrlCommand({ QueueName: queueName })).then(
    () => true,
    (error: { name?: string }) => {
      if (error.name === 'QueueDoesNotExist' || error.name === 'AWS.SimpleQueueService.NonExistentQueue')
        return false;
      throw error;
    },
  );

beforeAll(async () => {
  aws = await startTestAws();
  sqs = new SQSClient(aws.clientConfig);
});

afterAll(async () => {
  sqs.destroy();
  await aws.close();
});

describe.skipIf(emulatorOnly)('createQueue', () => {
  it('creates tagged, unique queues (FIFO, with a dead-letter queue) and cleanup() removes each', async () => {
    const probe = createProbe({ ...aws.clientConfig, tags: { suite } });
    const plain = await probe.createQueue();
    const other = await probe.createQueue({ visibilityTimeout: 5 });
    expect(plain.queueName).toMatch(/^eventprobe-l[0-9a-z]{15}$/);
    expect(other.queueName).not.toBe(plain.queueName);
    expect(plain.deadLetterQueue).toBeUndefined();
    const tags = await sqs.send(new ListQueueTagsCommand({ QueueUrl: plain.queueUrl }));
    expect(tags.Tags).toMatchObject({
      suite,
      'eventprobe:managed': 'true',
      'eventprobe:run-id': probe.runId,
    });

    const withDlq = await probe.createQueue({ deadLetterQueue: { maxReceiveCount: 1 } });
    const redrive = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: withDlq.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(redrive.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
      deadLetterTargetArn: withDlq.deadLetterQueue?.queueArn,
      maxReceiveCount: 1,
    });
    // The DLQ is what watchDeadLetters finds from the queue.
    const watch = await probe.watchDeadLetters({ queueUrl: withDlq.queueUrl });
    expect(watch.deadLetterQueueUrl).toBe(withDlq.deadLetterQueue?.queueUrl);

    const fifo = await probe.createQueue({ fifo: true, deadLetterQueue: true });
    expect(fifo.queueName.endsWith('.fifo')).toBe(true);
    expect(fifo.deadLetterQueue?.queueName.endsWith('.fifo')).toBe(true);
    const fifoAttributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: fifo.queueUrl,
        AttributeNames: ['FifoQueue', 'RedrivePolicy'],
      }),
    );
    expect(fifoAttributes.Attributes?.FifoQueue).toBe('true');
    expect(JSON.parse(fifoAttributes.Attributes?.RedrivePolicy ?? '{}').maxReceiveCount).toBe(3);

    const names = [plain, other, withDlq, fifo]
      .flatMap((q) => [q.queueName, q.deadLetterQueue?.queueName ?? []])
      .flat();
    expect(names).toHaveLength(6);
    for (const name of names) expect(await exists(name)).toBe(true);
    const report = await probe.cleanup();
    expect(report.removed.filter((r) => r.kind === 'queue')).toHaveLength(6);
    for (const name of names) expect(await exists(name)).toBe(false);
    await probe[Symbol.asyncDispose]();
  });

  it("sweep() removes a crashed run's queues and never an unmarked look-alike", async () => {
    const crashed = createProbe({ ...aws.clientConfig, tags: { suite } });
    const left = await crashed.createQueue({ deadLetterQueue: true });
    // An unmarked queue with an eventprobe-looking name (someone else's).
    const lookAlike = 'eventprobe-l000000000000000';
    await sqs.send(new CreateQueueCommand({ QueueName: lookAlike, tags: { suite } }));
    const next = createProbe({ ...aws.clientConfig, tags: { suite } });
    await next.sweep({ olderThan: 0 });
    expect(await exists(left.queueName)).toBe(false);
    expect(await exists(left.deadLetterQueue?.queueName as string)).toBe(false);
    expect(await exists(lookAlike)).toBe(true);
    await next[Symbol.asyncDispose]();
    crashed.context.created.clear();
    await crashed[Symbol.asyncDispose]();
  });

  it('refuses bad options before creating anything', async () => {
    const probe = createProbe({ ...aws.clientConfig, tags: { suite } });
    await expect(probe.createQueue(null as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.createQueue({ fifo: 'yes' as never })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.createQueue({ deadLetterQueue: 'x' as never })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(probe.createQueue({ deadLetterQueue: { maxReceiveCount: 0 } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(probe.createQueue({ visibilityTimeout: 1.5 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(probe.createQueue({ deadLetterQueue: false })).resolves.toMatchObject({
      deadLetterQueue: undefined,
    });
    const defaults = await probe.createQueue({ deadLetterQueue: {}, signal: new AbortController().signal });
    expect(defaults.deadLetterQueue).toBeDefined();
    expect(probe.context.created.size).toBe(3);
    await probe[Symbol.asyncDispose]();
  });
});
