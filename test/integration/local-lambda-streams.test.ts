import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CODE_BUCKET, type LocalAws, startLocalAws } from '../../src/local/index.js';

const fixture = fileURLToPath(new URL('../fixtures/lambda/cjs', import.meta.url));
const REGION = 'us-east-1';

// The emulator's clock, moved forward by the tests (record age).
let offset = 0;
let aws: LocalAws;
let lambda: LambdaClient;
let kinesis: KinesisClient;
let sqs: SQSClient;
let logs: CloudWatchLogsClient;
let n = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${n++}`;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0, clock: () => Date.now() + offset });
  const config = {
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  lambda = new LambdaClient(config);
  kinesis = new KinesisClient(config);
  sqs = new SQSClient(config);
  logs = new CloudWatchLogsClient(config);
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

const setup = async (handler: string, data: string[]) => {
  const name = unique('fn');
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: 'arn:aws:iam::000000000000:role/r',
      Handler: handler,
      Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture },
    }),
  );
  const stream = unique('s');
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: data.map((d) => ({ Data: new TextEncoder().encode(d), PartitionKey: 'p' })),
    }),
  );
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('dest') }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return {
    name,
    streamArn: `arn:aws:kinesis:${REGION}:000000000000:stream/${stream}`,
    dest: { url: QueueUrl as string, arn: attrs.Attributes?.QueueArn as string },
  };
};

const batches = async (name: string): Promise<{ seq: string; data: string }[][]> => {
  try {
    const out = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: '"BATCH "' }),
    );
    return (out.events ?? []).map((e) => JSON.parse((e.message ?? '').split('BATCH ')[1] ?? '[]'));
  } catch {
    return [];
  }
};

describe('local Lambda: stream failure handling', () => {
  it('retries from the first failed item of a partial batch response (ReportBatchItemFailures)', async () => {
    const { name, streamArn } = await setup('sources.kinesisPartial', ['a', 'flaky', 'b']);
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    const seen = await eventually(async () => {
      const all = await batches(name);
      return all.length >= 2 ? all : undefined;
    });
    expect(seen.map((b) => b.map((r) => r.data))).toEqual([
      ['a', 'flaky', 'b'],
      ['flaky', 'b'],
    ]);
  });

  it('sends records older than MaximumRecordAgeInSeconds to the on-failure destination without invoking', async () => {
    const { name, streamArn, dest } = await setup('sources.kinesis', ['old-1', 'old-2']);
    offset += 5 * 60_000; // the records are now five minutes old
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRecordAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: dest.arn } },
      }),
    );
    const body = await eventually(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dest.url, WaitTimeSeconds: 1 }));
      return r.Messages?.[0]?.Body;
    });
    expect(JSON.parse(body)).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      KinesisBatchInfo: { batchSize: 2, streamArn },
    });
    expect(await batches(name)).toEqual([]);
  });
});
