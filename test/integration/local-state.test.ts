import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli.js';
import { DataDirLockedError, type LocalAws, startLocalAws } from '../../src/local/index.js';

const config = (aws: LocalAws) => ({
  endpoint: aws.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});

const TEMPLATE = JSON.stringify({
  Resources: { Q: { Type: 'AWS::SQS::Queue' } },
  Outputs: { Url: { Value: { Ref: 'Q' } } },
});

const waitForStack = async (cfn: CloudFormationClient, name: string): Promise<string | undefined> => {
  for (let i = 0; i < 200; i += 1) {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const status = Stacks?.[0]?.StackStatus;
    if (status && !status.endsWith('IN_PROGRESS')) return status;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
};

describe('emulator state: snapshot and reset', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(() => aws.close());

  it('shows every service’s resources over HTTP and in process, and reset clears them', async () => {
    const sqs = new SQSClient(config(aws));
    const events = new EventBridgeClient(config(aws));
    const sns = new SNSClient(config(aws));
    const kinesis = new KinesisClient(config(aws));
    const cfn = new CloudFormationClient(config(aws));
    const xray = new XRayClient(config(aws));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    await events.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["shop"]}' }));
    await events.send(
      new PutTargetsCommand({
        Rule: 'r',
        Targets: [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:orders' }],
      }),
    );
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'news' }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:orders',
      }),
    );
    await kinesis.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 1 }));
    await cfn.send(new CreateStackCommand({ StackName: 'app', TemplateBody: TEMPLATE }));
    expect(await waitForStack(cfn, 'app')).toBe('CREATE_COMPLETE');
    const now = Date.now() / 1000;
    await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [
          JSON.stringify({
            trace_id: '1-5f84c7a1-0123456789abcdef01234567',
            id: '0123456789abcdef',
            name: 'api',
            start_time: now,
            end_time: now + 1,
          }),
        ],
      }),
    );

    const res = await fetch(`${aws.endpoint}/_eventprobe/state`);
    expect(res.status).toBe(200);
    const state = (await res.json()) as {
      accountId: string;
      services: Record<string, Record<string, Record<string, unknown[]>>>;
    };
    expect(state.accountId).toBe('000000000000');
    const region = (name: string) => state.services[name]?.['us-east-1'] ?? {};
    expect(region('sqs').queues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'orders', messages: 1, inFlight: 1, delayed: 0 }),
      ]),
    );
    expect(region('events')?.buses?.[0]).toMatchObject({
      name: 'default',
      rules: [{ name: 'r', eventPattern: '{"source":["shop"]}', targets: [{ Id: 't' }] }],
    });
    expect(region('sns').topics).toEqual([
      expect.objectContaining({
        name: 'news',
        subscriptions: [expect.objectContaining({ protocol: 'sqs' })],
      }),
    ]);
    expect(region('kinesis').streams).toEqual([
      expect.objectContaining({
        name: 'clicks',
        shards: [expect.objectContaining({ open: true, records: 0 })],
      }),
    ]);
    expect(region('cloudformation').stacks).toEqual([
      expect.objectContaining({
        name: 'app',
        status: 'CREATE_COMPLETE',
        resources: [
          expect.objectContaining({ logicalId: 'Q', type: 'AWS::SQS::Queue', status: 'CREATE_COMPLETE' }),
        ],
      }),
    ]);
    expect(region('xray').traces).toEqual([
      { id: '1-5f84c7a1-0123456789abcdef01234567', segments: [expect.objectContaining({ name: 'api' })] },
    ]);
    expect(aws.state().services).toEqual(state.services);

    const reset = await fetch(`${aws.endpoint}/_eventprobe/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(aws.state().services).toEqual({});
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
    aws.reset();
    for (const c of [sqs, events, sns, kinesis, cfn, xray]) c.destroy();
  });

  it('builds ARNs in the partition of the region', async () => {
    const cn = { ...config(aws), region: 'cn-north-1' };
    const gov = { ...config(aws), region: 'us-gov-west-1' };
    const sqs = new SQSClient(cn);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'partitioned' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    expect(Attributes?.QueueArn).toBe('arn:aws-cn:sqs:cn-north-1:000000000000:partitioned');
    const sns = new SNSClient(gov);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'partitioned' }));
    expect(TopicArn).toBe('arn:aws-us-gov:sns:us-gov-west-1:000000000000:partitioned');
    const events = new EventBridgeClient(cn);
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: 'p', EventPattern: '{"source":["x"]}' }),
    );
    expect(RuleArn).toBe('arn:aws-cn:events:cn-north-1:000000000000:rule/p');
    for (const c of [sqs, sns, events]) c.destroy();
  });

  it('refuses to save without a data directory', async () => {
    expect(() => aws.save()).toThrow(/without a dataDir/);
    const res = await fetch(`${aws.endpoint}/_eventprobe/save`, { method: 'POST' });
    expect(res.status).toBe(409);
  });
});

describe('emulator state: dataDir', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eventprobe-state-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps queues, messages, rules and stream records across a restart, one emulator at a time', async () => {
    const first = await startLocalAws({ dataDir: dir });
    await expect(startLocalAws({ dataDir: dir })).rejects.toThrow(DataDirLockedError);
    await expect(startLocalAws({ dataDir: dir })).rejects.toThrow(`(pid ${process.pid})`);
    const sqs1 = new SQSClient(config(first));
    const events1 = new EventBridgeClient(config(first));
    const kinesis1 = new KinesisClient(config(first));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: '*',
        },
      ],
    };
    const { QueueUrl } = await sqs1.send(
      new CreateQueueCommand({ QueueName: 'kept', Attributes: { Policy: JSON.stringify(policy) } }),
    );
    await sqs1.send(new SendMessageCommand({ QueueUrl, MessageBody: 'survives a restart' }));
    await events1.send(new PutRuleCommand({ Name: 'keep', EventPattern: '{"source":["shop"]}' }));
    await events1.send(
      new PutTargetsCommand({
        Rule: 'keep',
        Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:kept' }],
      }),
    );
    await kinesis1.send(new CreateStreamCommand({ StreamName: 'log', ShardCount: 1 }));
    await kinesis1.send(
      new PutRecordCommand({ StreamName: 'log', PartitionKey: 'k', Data: Buffer.from('r1') }),
    );
    const cfn1 = new CloudFormationClient(config(first));
    await cfn1.send(new CreateStackCommand({ StackName: 'kept-stack', TemplateBody: TEMPLATE }));
    expect(await waitForStack(cfn1, 'kept-stack')).toBe('CREATE_COMPLETE');
    cfn1.destroy();
    const sns1 = new SNSClient(config(first));
    await sns1.send(new CreateTopicCommand({ Name: 'kept-topic', Tags: [{ Key: 'team', Value: 'a' }] }));
    sns1.destroy();
    const saved = await fetch(`${first.endpoint}/_eventprobe/save`, { method: 'POST' });
    expect(saved.status).toBe(200);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({
      format: 'eventprobe-state/1',
    });
    for (const c of [sqs1, events1, kinesis1]) c.destroy();
    await first.close();

    const second = await startLocalAws({ dataDir: dir });
    try {
      const sqs = new SQSClient(config(second));
      const events = new EventBridgeClient(config(second));
      const kinesis = new KinesisClient(config(second));
      const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'kept' }))).QueueUrl;
      // The rule's pattern works again: an event it matches lands in the queue.
      const put = await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'Order', Detail: '{"id":1}' }] }),
      );
      expect(put.FailedEntryCount).toBe(0);
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      const bodies = (got.Messages ?? []).map((m) => m.Body ?? '');
      expect(bodies).toContain('survives a restart');
      expect(bodies.some((b) => b.includes('"source":"shop"'))).toBe(true);
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'log',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const records = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      expect(records.Records?.map((r) => Buffer.from(r.Data ?? []).toString())).toEqual(['r1']);
      // Stacks (dates, sets, templates) and topics come back as they were, and can change again.
      const cfn = new CloudFormationClient(config(second));
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'kept-stack' }));
      expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
      expect(Stacks?.[0]?.CreationTime).toBeInstanceOf(Date);
      expect(Stacks?.[0]?.Outputs?.[0]?.OutputValue).toMatch(/\/kept-stack-Q-/);
      await cfn.send(new DeleteStackCommand({ StackName: 'kept-stack' }));
      expect(await waitForStack(cfn, Stacks?.[0]?.StackId ?? '')).toBe('DELETE_COMPLETE');
      const topics = second.state().services.sns?.['us-east-1'] as {
        topics: { name: string; tags: object }[];
      };
      expect(topics.topics).toEqual([expect.objectContaining({ name: 'kept-topic', tags: { team: 'a' } })]);
      for (const c of [sqs, events, kinesis, cfn]) c.destroy();
    } finally {
      await second.close();
    }
  });

  it('takes over a lock whose process is gone, and reports a corrupt state file', async () => {
    const stale = mkdtempSync(join(tmpdir(), 'eventprobe-stale-'));
    try {
      writeFileSync(join(stale, 'eventprobe.lock'), '2147483646\n');
      const aws = await startLocalAws({ dataDir: stale });
      aws.save();
      await aws.close();
      writeFileSync(join(stale, 'state.json'), '{ not json');
      await expect(startLocalAws({ dataDir: stale })).rejects.toThrow(/state\.json is not valid JSON/);
      writeFileSync(join(stale, 'state.json'), '{"format":"other"}');
      await expect(startLocalAws({ dataDir: stale })).rejects.toThrow(/not an eventprobe emulator state/);
      writeFileSync(
        join(stale, 'state.json'),
        '{"format":"eventprobe-state/1","accountId":"111111111111","states":{}}',
      );
      await expect(startLocalAws({ dataDir: stale })).rejects.toThrow(/of account 111111111111/);
    } finally {
      rmSync(stale, { recursive: true, force: true });
    }
  });

  it('eventprobe local --data-dir keeps state between runs', async () => {
    const cliDir = mkdtempSync(join(tmpdir(), 'eventprobe-cli-'));
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, env: {} };
    try {
      const run1 = await runCli(['local', '--port', '0', '--data-dir', cliDir], io);
      if (!run1.server) throw new Error('no server');
      const sqs1 = new SQSClient(config(run1.server));
      await sqs1.send(new CreateQueueCommand({ QueueName: 'from-cli' }));
      sqs1.destroy();
      await run1.server.close();
      const run2 = await runCli(['local', '--port', '0', '--data-dir', cliDir], io);
      if (!run2.server) throw new Error('no server');
      const sqs2 = new SQSClient(config(run2.server));
      const { QueueUrls } = await sqs2.send(new ListQueuesCommand({}));
      expect(QueueUrls?.map((u) => u.split('/').pop())).toEqual(['from-cli']);
      sqs2.destroy();
      await run2.server.close();
    } finally {
      rmSync(cliDir, { recursive: true, force: true });
    }
  });
});
