import { createHash } from 'node:crypto';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

interface S3Record {
  eventName: string;
  eventTime: string;
  s3: { object: { key: string; size?: number; eTag?: string; sequencer: string } };
}

let aws: TestAws;
let s3: S3Client;
let sqs: SQSClient;
let sns: SNSClient;
let events: EventBridgeClient;
let counter = 0;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${counter++}`;

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  sqs = new SQSClient(aws.clientConfig);
  sns = new SNSClient(aws.clientConfig);
  events = new EventBridgeClient(aws.clientConfig);
});
afterAll(async () => {
  for (const c of [s3, sqs, sns, events]) c.destroy();
  await aws.close();
});

/** A queue whose policy lets `principal` send to it (optionally only from `sourceArn`). */
const queue = async (principal: string | undefined, sourceArn?: string) => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('q') }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn as string;
  if (principal) {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: principal },
          Action: 'sqs:SendMessage',
          Resource: arn,
          ...(sourceArn ? { Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } } } : {}),
        },
      ],
    };
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }),
    );
  }
  return { url: QueueUrl as string, arn };
};

/** Receives until `count` messages arrived (bounded by attempts, not by wall-clock assertions). */
const receive = async (url: string, count: number): Promise<unknown[]> => {
  const bodies: unknown[] = [];
  for (let attempt = 0; attempt < 10 && bodies.length < count; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    bodies.push(...Messages.map((m) => JSON.parse(m.Body ?? 'null')));
  }
  return bodies;
};

const newBucket = async (): Promise<string> => {
  const Bucket = unique('notify');
  await s3.send(new CreateBucketCommand({ Bucket }));
  return Bucket;
};

describe('S3 event notifications', () => {
  it('sends s3:TestEvent, then object-created/removed records matching prefix and suffix to SQS', async () => {
    const Bucket = await newBucket();
    const q = await queue('s3.amazonaws.com', `arn:aws:s3:::${Bucket}`);
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'uploads',
              QueueArn: q.arn,
              Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'prefix', Value: 'in/' },
                    { Name: 'suffix', Value: '.json' },
                  ],
                },
              },
            },
          ],
        },
      }),
    );
    const [test] = await receive(q.url, 1);
    expect(test).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket });

    await s3.send(new PutObjectCommand({ Bucket, Key: 'in/a b.json', Body: '{"n":1}' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'in/skip.txt', Body: 'no' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'out/skip.json', Body: 'no' }));
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'in/copy.json', CopySource: `${Bucket}/in/a b.json` }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'in/a b.json' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'in/never-existed.json' }));
    const records = (await receive(q.url, 3)).map(
      (m) => (m as { Records: S3Record[] }).Records[0] as S3Record,
    );
    expect(records.map((r) => [r.eventName, r.s3.object.key])).toEqual([
      ['ObjectCreated:Put', 'in/a+b.json'],
      ['ObjectCreated:Copy', 'in/copy.json'],
      ['ObjectRemoved:Delete', 'in/a+b.json'],
    ]);
    const put = records[0]!;
    expect(put).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'uploads',
        bucket: { name: Bucket, arn: `arn:aws:s3:::${Bucket}` },
        object: { size: 7, eTag: createHash('md5').update('{"n":1}').digest('hex') },
      },
    });
    expect(new Date(put.eventTime).toISOString()).toBe(put.eventTime);
    expect(records[2]!.s3.object.size).toBeUndefined();
    // Sequencers grow with every event of the bucket.
    const sequencers = records.map((r) => r.s3.object.sequencer as string);
    expect([...sequencers].sort()).toEqual(sequencers);
    expect(new Set(sequencers).size).toBe(3);

    const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    expect(config.QueueConfigurations).toEqual([
      {
        Id: 'uploads',
        QueueArn: q.arn,
        Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'in/' },
              { Name: 'suffix', Value: '.json' },
            ],
          },
        },
      },
    ]);
  });

  it('refuses a queue that does not let S3 send to it, and unknown event names', async () => {
    const Bucket = await newBucket();
    const q = await queue(undefined);
    const denied = (await s3
      .send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: {
            QueueConfigurations: [{ QueueArn: q.arn, Events: ['s3:ObjectCreated:*'] }],
          },
        }),
      )
      .catch((e: unknown) => e)) as S3ServiceException;
    expect(denied.name).toBe('InvalidArgument');
    expect(denied.message).toBe('Unable to validate the following destination configurations');
    const unknown = (await s3
      .send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: {
            QueueConfigurations: [{ QueueArn: q.arn, Events: ['s3:ObjectMade:*' as 's3:ObjectCreated:*'] }],
          },
        }),
      )
      .catch((e: unknown) => e)) as S3ServiceException;
    expect(unknown.name).toBe('InvalidArgument');
    expect(
      (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))).QueueConfigurations,
    ).toBeUndefined();
  });

  it('publishes records to SNS topics (and their SQS subscribers) for multipart and batch deletes', async () => {
    const Bucket = await newBucket();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('t') }));
    const q = await queue('sns.amazonaws.com');
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: q.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: {
          TopicConfigurations: [
            {
              Id: 'all',
              TopicArn,
              Events: ['s3:ObjectCreated:CompleteMultipartUpload', 's3:ObjectRemoved:*'],
            },
          ],
        },
      }),
    );
    const [test] = await receive(q.url, 1);
    expect(test).toMatchObject({ Event: 's3:TestEvent' });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'data' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'mp',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'not notified' }));
    await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'mp' }, { Key: 'plain' }] } }),
    );
    const records = (await receive(q.url, 3)).map(
      (m) => (m as { Records: S3Record[] }).Records[0] as S3Record,
    );
    expect(records.map((r) => [r.eventName, r.s3.object.key])).toEqual([
      ['ObjectCreated:CompleteMultipartUpload', 'mp'],
      ['ObjectRemoved:Delete', 'mp'],
      ['ObjectRemoved:Delete', 'plain'],
    ]);
    expect(records[0]!.s3.object.eTag).toMatch(/-1$/);
  });

  it('sends Object Created / Object Deleted to the default event bus when EventBridge is on', async () => {
    const Bucket = await newBucket();
    const ruleName = unique('s3-rule');
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: ruleName,
        EventPattern: JSON.stringify({ source: ['aws.s3'], detail: { bucket: { name: [Bucket] } } }),
      }),
    );
    const q = await queue('events.amazonaws.com', RuleArn);
    await events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 'q', Arn: q.arn }] }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    expect(
      (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))).EventBridgeConfiguration,
    ).toEqual({});
    await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/file.txt', Body: 'hello' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'dir/file.txt' }));
    const received = (await receive(q.url, 2)) as { 'detail-type': string }[];
    expect(received.map((e) => e['detail-type'])).toEqual(['Object Created', 'Object Deleted']);
    expect(received[0]).toMatchObject({
      source: 'aws.s3',
      account: aws.local?.accountId ?? expect.any(String),
      region: 'us-east-1',
      resources: [`arn:aws:s3:::${Bucket}`],
      detail: {
        version: '0',
        bucket: { name: Bucket },
        object: { key: 'dir/file.txt', size: 5, etag: '5d41402abc4b2a76b9719d911017c592' },
        reason: 'PutObject',
      },
    });
    expect(received[1]).toMatchObject({
      detail: {
        object: { key: 'dir/file.txt' },
        reason: 'DeleteObject',
        'deletion-type': 'Permanently Deleted',
      },
    });
  });

  it('stores Lambda destinations (invoked asynchronously once the emulator serves Lambda)', async () => {
    const Bucket = await newBucket();
    const fn = 'arn:aws:lambda:us-east-1:000000000000:function:on-upload';
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'fn', LambdaFunctionArn: fn, Events: ['s3:ObjectCreated:Put'] },
          ],
        },
      }),
    );
    const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    expect(config.LambdaFunctionConfigurations).toEqual([
      { Id: 'fn', LambdaFunctionArn: fn, Events: ['s3:ObjectCreated:Put'] },
    ]);
    // Delivery to a function the emulator cannot reach is dropped, never a failure of the write.
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v' }));
    expect(put.ETag).toBeTruthy();
  });
});
