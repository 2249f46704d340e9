import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTracePath, createProbe, type Probe } from '../../src/index.js';
import { LOCAL_CODE_BUCKET, type LocalAws, startLocalAws } from '../../src/local/index.js';

/**
 * Issue 12 part 4: trace propagation through Lambda (Active tracing) → EventBridge PutEvents (the
 * handler's unmodified SDK client) → rule → SQS → Lambda (SQS event source). The trace id the
 * first function ran under shows both functions' segments, the second under the first.
 */
const code = fileURLToPath(new URL('../fixtures/lambda/trace', import.meta.url));
const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::000000000000:role/fn';

let aws: LocalAws;
let probe: Probe;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0 });
  const config = {
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  lambda = new LambdaClient(config);
  logs = new CloudWatchLogsClient(config);
  probe = createProbe(config);
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'trace-orders' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn as string;
  const { RuleArn } = await events.send(
    new PutRuleCommand({ Name: 'trace-orders', EventPattern: JSON.stringify({ source: ['trace.orders'] }) }),
  );
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queueArn,
              Condition: { ArnEquals: { 'aws:SourceArn': RuleArn } },
            },
          ],
        }),
      },
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'trace-orders', Targets: [{ Id: 'q', Arn: queueArn }] }));
  for (const [name, handler, mode] of [
    ['trace-publish', 'flow.publish', 'Active'],
    ['trace-consume', 'flow.consume', 'PassThrough'],
  ] as const) {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: handler,
        Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: code },
        TracingConfig: { Mode: mode },
      }),
    );
  }
  await lambda.send(
    new CreateEventSourceMappingCommand({
      FunctionName: 'trace-consume',
      EventSourceArn: queueArn,
      BatchSize: 1,
    }),
  );
});

afterAll(async () => {
  await probe?.[Symbol.asyncDispose]();
  await aws?.close();
});

const consumed = async (): Promise<
  { body: { orderId: string }; header: string | null; trace: string | null }[]
> => {
  try {
    const out = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/aws/lambda/trace-consume', filterPattern: '"CONSUMED "' }),
    );
    return (out.events ?? []).map((e) => JSON.parse((e.message ?? '').slice((e.message ?? '').indexOf('{'))));
  } catch {
    return [];
  }
};

describe('trace propagation: Lambda → EventBridge → SQS → Lambda', () => {
  it('links both functions’ segments in the trace the first one started', async () => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'trace-publish', Payload: JSON.stringify({ orderId: 't-1' }) }),
    );
    const published = JSON.parse(Buffer.from(out.Payload as Uint8Array).toString()) as {
      failed: number;
      trace: string;
    };
    expect(published.failed).toBe(0);
    expect(published.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
    const root = /Root=([^;]+)/.exec(published.trace)?.[1] as string;
    const parent = /Parent=([^;]+)/.exec(published.trace)?.[1] as string;

    let got = await consumed();
    for (let i = 0; got.length === 0 && i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      got = await consumed();
    }
    expect(got).toHaveLength(1);
    const [record] = got;
    expect(record?.body).toMatchObject({ source: 'trace.orders', detail: { orderId: 't-1' } });
    // The message carries the publisher's trace, and the consumer runs in it.
    expect(record?.header).toBe(`Root=${root};Parent=${parent};Sampled=1`);
    expect(record?.trace).toMatch(new RegExp(`^Root=${root};Parent=[0-9a-f]{16};Sampled=1$`));

    const tree = await probe.retryGetTraceTreeUntil(
      root,
      (t) =>
        assertTracePath(t, ['AWS::Lambda', 'AWS::Lambda::Function', 'AWS::Lambda', 'AWS::Lambda::Function']),
      { timeout: 10_000 },
    );
    expect(tree.complete).toBe(true);
    expect(tree.roots).toHaveLength(1);
    expect(tree.segments.map((s) => [s.name, s.origin])).toEqual(
      expect.arrayContaining([
        ['trace-publish', 'AWS::Lambda'],
        ['trace-publish', 'AWS::Lambda::Function'],
        ['trace-consume', 'AWS::Lambda'],
        ['trace-consume', 'AWS::Lambda::Function'],
      ]),
    );
    expect(tree.segments).toHaveLength(4);
    const consumer = tree.segments.find((s) => s.name === 'trace-consume' && s.origin === 'AWS::Lambda');
    expect(consumer?.parentId).toBe(parent);
    expect(consumer?.parent?.name).toBe('trace-publish');
  });
});
