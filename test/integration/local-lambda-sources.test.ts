import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CODE_BUCKET, type LocalAws, startLocalAws } from '../../src/local/index.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/lambda/${name}`, import.meta.url));
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const REGION = 'us-east-1';

let aws: LocalAws;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let sqs: SQSClient;
let kinesis: KinesisClient;
let n = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${n++}`;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0, lambda: { asyncRetryDelayScale: 0 } });
  const config = {
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  lambda = new LambdaClient(config);
  logs = new CloudWatchLogsClient(config);
  sqs = new SQSClient(config);
  kinesis = new KinesisClient(config);
});

afterAll(async () => {
  await aws.close();
});

const eventually = async <T>(check: () => Promise<T | undefined>): Promise<T> => {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
};

const createFunction = async (handler: string, extra: Record<string, unknown> = {}): Promise<string> => {
  const name = unique('fn');
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: handler,
      Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture('cjs') },
      ...extra,
    }),
  );
  return name;
};

/** The JSON after `prefix` on each log line of the function that has it, in time order. */
const logged = async (name: string, prefix: string): Promise<unknown[]> => {
  try {
    const out = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: `"${prefix} "` }),
    );
    return (out.events ?? []).map((e) => {
      const message = e.message ?? '';
      return JSON.parse(message.slice(message.indexOf(`${prefix} `) + prefix.length + 1));
    });
  } catch {
    return [];
  }
};

const queue = async (attributes: Record<string, string> = {}) => {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: unique('q'), Attributes: attributes }),
  );
  const got = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: got.Attributes?.QueueArn as string };
};

const depth = async (url: string): Promise<number> => {
  const got = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(got.Attributes?.ApproximateNumberOfMessages) +
    Number(got.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
};

const drain = async (url: string): Promise<string[]> => {
  const bodies: string[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    if (!r.Messages?.length) return bodies;
    bodies.push(...r.Messages.map((m) => m.Body ?? ''));
  }
};

describe('local Lambda: SQS event source', () => {
  it('delivers batches in AWS shape, deletes what succeeded, and manages the mapping', async () => {
    const name = await createFunction('sources.sqsShape');
    const q = await queue();
    const created = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn, BatchSize: 5 }),
    );
    expect(created).toMatchObject({ State: 'Creating', BatchSize: 5, EventSourceArn: q.arn });
    await expect(
      lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn })),
    ).rejects.toBeInstanceOf(ResourceConflictException);
    const got = await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    expect(got.State).toBe('Enabled');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: 'hello',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } },
      }),
    );
    const [record] = (await eventually(async () => {
      const r = await logged(name, 'RECORD');
      return r.length > 0 ? r : undefined;
    })) as Record<string, unknown>[];
    expect(record).toMatchObject({
      body: 'hello',
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: REGION,
      messageAttributes: {
        kind: { stringValue: 'greeting', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(Object.keys(record?.attributes as object)).toEqual(
      expect.arrayContaining(['SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp']),
    );
    expect(typeof record?.messageId).toBe('string');
    expect(typeof record?.receiptHandle).toBe('string');
    await eventually(async () => ((await depth(q.url)) === 0 ? true : undefined));
    const listed = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(listed.EventSourceMappings?.map((m) => m.UUID)).toEqual([created.UUID]);
    const disabled = await lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: created.UUID, Enabled: false }),
    );
    expect(disabled.State).toBe('Disabled');
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
    expect(
      (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name }))).EventSourceMappings,
    ).toEqual([]);
  });

  it('keeps failed items of a partial batch response; they return after the visibility timeout and go to the DLQ', async () => {
    const name = await createFunction('sources.sqsPartial');
    const dlq = await queue();
    const q = await queue({
      VisibilityTimeout: '3',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: ['ok-1', 'fail-1', 'ok-2'].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: q.arn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    const inDlq = await eventually(async () => {
      const bodies = await drain(dlq.url);
      return bodies.length > 0 ? bodies : undefined;
    });
    expect(inDlq).toEqual(['fail-1']);
    const batches = (await logged(name, 'BATCH')) as string[][];
    const seen = batches.flat();
    // ok messages once; the failed one on each receive before the redrive (maxReceiveCount 2).
    expect(seen.filter((b) => b === 'ok-1')).toHaveLength(1);
    expect(seen.filter((b) => b === 'ok-2')).toHaveLength(1);
    expect(seen.filter((b) => b === 'fail-1')).toHaveLength(2);
    expect(await depth(q.url)).toBe(0);
  });

  it('keeps the whole batch when the function throws, until the redrive policy moves it to the DLQ', async () => {
    const name = await createFunction('sources.sqs');
    const dlq = await queue();
    const q = await queue({
      VisibilityTimeout: '3',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'boom' }));
    await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: q.arn }));
    const inDlq = await eventually(async () => {
      const bodies = await drain(dlq.url);
      return bodies.length > 0 ? bodies : undefined;
    });
    expect(inDlq).toEqual(['boom']);
    expect((await logged(name, 'BATCH')).flat()).toEqual(['boom', 'boom']);
  });

  it('applies FilterCriteria to JSON bodies and deletes the messages it filters out', async () => {
    const name = await createFunction('sources.sqs');
    const q = await queue();
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: q.arn,
        BatchSize: 20,
        MaximumBatchingWindowInSeconds: 1,
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['keep'] } }) }] },
      }),
    );
    for (const kind of ['drop', 'keep', 'drop']) {
      await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ kind }) }));
    }
    await eventually(async () => ((await depth(q.url)) === 0 ? true : undefined));
    await eventually(async () => ((await logged(name, 'BATCH')).length > 0 ? true : undefined));
    expect((await logged(name, 'BATCH')).flat()).toEqual(['{"kind":"keep"}']);
  });
});

describe('local Lambda: Kinesis event source', () => {
  const stream = async (shards: number) => {
    const name = unique('s');
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    return { name, arn: `arn:aws:kinesis:${REGION}:000000000000:stream/${name}` };
  };
  type Seen = { shard: string; seq: string; data: string };

  it('delivers every record once in AWS shape, in order within each shard', async () => {
    const shape = await createFunction('sources.kinesisShape');
    const name = await createFunction('sources.kinesis');
    const s = await stream(2);
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: s.arn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 7,
      }),
    );
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: shape,
        EventSourceArn: s.arn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1,
      }),
    );
    const data = Array.from({ length: 40 }, (_, i) => `r${i}`);
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: s.name,
        Records: data.map((d, i) => ({ Data: new TextEncoder().encode(d), PartitionKey: `k${i % 5}` })),
      }),
    );
    const seen = await eventually(async () => {
      const all = ((await logged(name, 'BATCH')) as Seen[][]).flat();
      return all.length >= data.length ? all : undefined;
    });
    expect(seen.map((r) => r.data).sort()).toEqual([...data].sort());
    expect(new Set(seen.map((r) => r.shard)).size).toBe(2);
    for (const shard of new Set(seen.map((r) => r.shard))) {
      const seqs = seen.filter((r) => r.shard === shard).map((r) => BigInt(r.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    const [record] = (await eventually(async () => {
      const r = await logged(shape, 'RECORD');
      return r.length > 0 ? r : undefined;
    })) as Record<string, Record<string, unknown>>[];
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      awsRegion: REGION,
      eventSourceARN: s.arn,
      kinesis: { kinesisSchemaVersion: '1.0' },
    });
    expect(record?.eventID).toBe(
      `${String(record?.eventID).split(':')[0]}:${String(record?.kinesis?.sequenceNumber)}`,
    );
    expect(typeof record?.kinesis?.approximateArrivalTimestamp).toBe('number');
    expect(data).toContain(Buffer.from(String(record?.kinesis?.data), 'base64').toString('utf8'));
  });

  it('bisects a failing batch, retries up to MaximumRetryAttempts, then sends the batch info to the on-failure destination', async () => {
    const name = await createFunction('sources.kinesis');
    const s = await stream(1);
    const dest = await queue();
    const data = ['a', 'b', 'poison', 'c'];
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: s.name,
        Records: data.map((d) => ({ Data: new TextEncoder().encode(d), PartitionKey: 'one' })),
      }),
    );
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: s.arn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 4,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: dest.arn } },
      }),
    );
    const failure = await eventually(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dest.url, WaitTimeSeconds: 1 }));
      return r.Messages?.[0]?.Body;
    });
    const info = JSON.parse(failure);
    expect(info).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetryAttemptsExhausted' },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      KinesisBatchInfo: { shardId: 'shardId-000000000000', batchSize: 1, streamArn: s.arn },
    });
    const batches = await eventually(async () => {
      const all = (await logged(name, 'BATCH')) as Seen[][];
      return all.some((b) => b.length === 1 && b[0]?.data === 'c') ? all : undefined;
    });
    // [a b poison c] fails → [a b] ok, [poison c] fails → [poison] fails (retries exhausted), [c] ok.
    expect(batches.map((b) => b.map((r) => r.data).join(''))).toEqual([
      'abpoisonc',
      'ab',
      'poisonc',
      'poison',
      'c',
    ]);
    expect(info.KinesisBatchInfo.startSequenceNumber).toBe(batches[3]?.[0]?.seq);
  });
});

describe('local Lambda: EventBridge and SNS', () => {
  it('invokes a function that is an EventBridge rule target, with the input transformation', async () => {
    const name = await createFunction('sources.echo');
    const events = new EventBridgeClient({
      endpoint: aws.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const rule = unique('rule');
    await events.send(
      new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ['orders'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: rule,
        Targets: [
          {
            Id: 'fn',
            Arn: `arn:aws:lambda:${REGION}:000000000000:function:${name}`,
            InputTransformer: { InputPathsMap: { id: '$.detail.id' }, InputTemplate: '{"orderId": <id>}' },
          },
        ],
      }),
    );
    await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'orders', DetailType: 'Placed', Detail: '{"id":"o-9"}' }] }),
    );
    const got = await eventually(async () => {
      const r = await logged(name, 'EVENT');
      return r.length > 0 ? r : undefined;
    });
    expect(got).toEqual([{ orderId: 'o-9' }]);
  });

  it('invokes a function subscribed to an SNS topic with the SNS event', async () => {
    const name = await createFunction('sources.echo');
    const sns = new SNSClient({
      endpoint: aws.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('topic') }));
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'lambda',
        Endpoint: `arn:aws:lambda:${REGION}:000000000000:function:${name}`,
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn,
        Message: 'hi',
        Subject: 'greeting',
        MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
      }),
    );
    const [event] = (await eventually(async () => {
      const r = await logged(name, 'EVENT');
      return r.length > 0 ? r : undefined;
    })) as { Records: Record<string, unknown>[] }[];
    expect(event?.Records[0]).toMatchObject({
      EventVersion: '1.0',
      EventSubscriptionArn: SubscriptionArn,
      EventSource: 'aws:sns',
      Sns: {
        Type: 'Notification',
        TopicArn,
        Subject: 'greeting',
        Message: 'hi',
        MessageAttributes: { a: { Type: 'String', Value: 'b' } },
      },
    });
    expect(Object.keys(event?.Records[0]?.Sns as object)).toEqual(
      expect.arrayContaining(['SigningCertUrl', 'UnsubscribeUrl']),
    );
  });
});
