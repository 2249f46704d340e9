import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbe,
  InvalidInputError,
  ListenerSetupError,
  type Probe,
  S3EventBridgeNotEnabledError,
} from '../../src/index.js';
import { startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let s3: S3Client;
let probe: Probe;

const put = (bucket: string, key: string, body = 'x') =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'uploads',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: 'quiet' }));
  probe = createProbe({ ...aws.clientConfig, tags: { suite: 's3-listener' } });
});
afterAll(async () => {
  await probe?.[Symbol.asyncDispose]();
  s3?.destroy();
  await aws?.close();
});

describe('addS3Listener', () => {
  it('sees objects created and deleted under a prefix and suffix, nothing else', async () => {
    await using listener = await probe.addS3Listener({
      bucket: 'uploads',
      prefix: 'in/',
      suffix: '.csv',
      readiness: 'auto',
    });
    await put('uploads', 'in/other.txt');
    await put('uploads', 'out/a.csv');
    await put('uploads', 'in/a.csv', 'a,b');
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'in/a.csv' }));
    const arrived = await listener.waitForEvents(undefined, { count: 2, timeout: 15_000 });
    // EventBridge to SQS keeps no order (the AWS-timing profile reorders): S3's sequencer orders the
    // events of one key (same length here, so as text).
    const events = [...arrived].sort((a, b) =>
      String(a.detail.object.sequencer).localeCompare(String(b.detail.object.sequencer)),
    );
    expect(events.map((e) => [e['detail-type'], e.detail.object.key])).toEqual([
      ['Object Created', 'in/a.csv'],
      ['Object Deleted', 'in/a.csv'],
    ]);
    expect(events[0]?.source).toBe('aws.s3');
    expect(events[0]?.detail.bucket.name).toBe('uploads');
    expect(events[0]?.detail.object.size).toBe(3);
    await listener.expectNoEvent((e) => !e.detail.object.key.endsWith('.csv'), { within: 300 });
  });

  it('takes only the event types asked for; the rule and queue go with cleanup', async () => {
    const sqs = new SQSClient(aws.clientConfig);
    const listener = await probe.addS3Listener({ bucket: 'uploads', events: ['deleted'], prefix: 'only/' });
    await put('uploads', 'only/x');
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'only/x' }));
    const deleted = await listener.waitForEvent(undefined, { timeout: 15_000 });
    expect(deleted['detail-type']).toBe('Object Deleted');
    expect(listener.events).toHaveLength(1);
    expect(listener.resources.ruleName).toBeDefined();
    const before = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    expect(before).toContain(listener.resources.queueUrl);
    await probe.cleanup();
    const after = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    expect(after).not.toContain(listener.resources.queueUrl);
    sqs.destroy();
  });

  it('a bucket without EventBridge notifications is a typed error, and nothing is created', async () => {
    const sqs = new SQSClient(aws.clientConfig);
    const before = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    const error = (await probe
      .addS3Listener({ bucket: 'quiet' })
      .catch((e: unknown) => e)) as S3EventBridgeNotEnabledError;
    expect(error).toBeInstanceOf(S3EventBridgeNotEnabledError);
    expect(error.bucket).toBe('quiet');
    expect(error.message).toContain('EventBridgeConfiguration');
    expect(error.message).toContain('eventprobe does not change it');
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual(before);
    await expect(probe.addS3Listener({ bucket: 'no-such-bucket' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      option: 'bucket',
    });
    const offline = createProbe({ ...aws.clientConfig, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    await expect(offline.addS3Listener({ bucket: 'uploads' })).rejects.toBeInstanceOf(ListenerSetupError);
    await offline[Symbol.asyncDispose]();
    sqs.destroy();
  });

  it.each([
    ['options', null, 'options'],
    ['bucket', { bucket: 'Up' }, 'bucket'],
    ['prefix', { bucket: 'uploads', prefix: '' }, 'prefix'],
    ['suffix', { bucket: 'uploads', suffix: 3 }, 'suffix'],
    ['events', { bucket: 'uploads', events: ['made'] }, 'events'],
    ['events list', { bucket: 'uploads', events: [] }, 'events'],
    ['tags', { bucket: 'uploads', tags: { 'aws:x': 'y' } }, 'tags["aws:x"]'],
  ])('refuses a bad %s', async (_, options, option) => {
    const error = await probe.addS3Listener(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).option).toBe(option);
  });
});
