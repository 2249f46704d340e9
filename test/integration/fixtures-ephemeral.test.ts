/**
 * Ephemeral fixtures (createTable, ...) against the emulator with unmodified SDK clients: created,
 * tagged, usable; cleanup() leaves nothing; sweep() removes a crashed run's and never an unmarked
 * look-alike; bad options create nothing.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListTagsForResourceCommand as ListEventBridgeTagsCommand,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, InvalidInputError, type Probe } from '../../src/index.js';
import { listenerIdFromName, newListenerId, resourceName } from '../../src/resources/naming.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let dynamoDb: DynamoDBClient;
let kinesis: KinesisClient;
let sns: SNSClient;
let eventBridge: EventBridgeClient;
let s3: S3Client;
const suite = `ephemeral-${Date.now().toString(36)}`;
const probes: Probe[] = [];

const probe = (): Probe => {
  const p = createProbe({ ...aws.clientConfig, tags: { suite } });
  probes.push(p);
  return p;
};

/** A probe that "crashed": what it created stays, its cleanup never runs. */
const crashed = async <T>(create: (p: Probe) => Promise<T>): Promise<T> => {
  const p = createProbe({ ...aws.clientConfig, tags: { suite } });
  const made = await create(p);
  p.context.created.clear();
  await p[Symbol.asyncDispose]();
  return made;
};

const idOf = (name: string): string => listenerIdFromName(name) as string;

/**
 * Unmarked look-alikes (an eventprobe name, no marker tag) that sweep must leave, unique per run so
 * that the file can run against a shared endpoint; deleted in afterAll.
 */
const LOOK = {
  table: resourceName(newListenerId()),
  stream: resourceName(newListenerId()),
  topic: resourceName(newListenerId()),
  bus: resourceName(newListenerId()),
  bucket: resourceName(newListenerId()),
};

/** Which of `names` a listing still shows (the assertions look at this file's resources only). */
const present = async (list: () => Promise<string[]>, names: readonly string[]): Promise<string[]> =>
  (await list()).filter((n) => names.includes(n)).sort();

beforeAll(async () => {
  aws = await startTestAws();
  dynamoDb = new DynamoDBClient(aws.clientConfig);
  kinesis = new KinesisClient(aws.clientConfig);
  sns = new SNSClient(aws.clientConfig);
  eventBridge = new EventBridgeClient(aws.clientConfig);
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
});

afterAll(async () => {
  for (const p of probes) await p[Symbol.asyncDispose]();
  // The look-alikes (nothing of eventprobe's removes them), best effort: a test may have failed first.
  const quietly = (task: Promise<unknown>) => task.catch(() => undefined);
  await quietly(dynamoDb.send(new DeleteTableCommand({ TableName: LOOK.table })));
  await quietly(kinesis.send(new DeleteStreamCommand({ StreamName: LOOK.stream })));
  const topic = (await sns.send(new ListTopicsCommand({}))).Topics?.find((t) =>
    t.TopicArn?.endsWith(`:${LOOK.topic}`),
  );
  if (topic?.TopicArn) await quietly(sns.send(new DeleteTopicCommand({ TopicArn: topic.TopicArn })));
  await quietly(eventBridge.send(new DeleteRuleCommand({ Name: 'app-rule', EventBusName: LOOK.bus })));
  await quietly(eventBridge.send(new DeleteEventBusCommand({ Name: LOOK.bus })));
  await quietly(s3.send(new DeleteObjectCommand({ Bucket: LOOK.bucket, Key: 'keep.json' })));
  await quietly(s3.send(new DeleteBucketCommand({ Bucket: LOOK.bucket })));
  dynamoDb.destroy();
  kinesis.destroy();
  sns.destroy();
  eventBridge.destroy();
  s3.destroy();
  await aws.close();
});

const tables = async (): Promise<string[]> =>
  (await dynamoDb.send(new ListTablesCommand({}))).TableNames?.filter((n) => n.startsWith('eventprobe-')) ??
  [];

describe('createTable', () => {
  it('creates an ACTIVE, tagged, usable table (stream, TTL) and cleanup() deletes it', async () => {
    const p = probe();
    const table = await p.createTable({
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'N' },
      stream: true,
      timeToLiveAttribute: 'expiresAt',
    });
    const plain = await p.createTable({
      partitionKey: { name: 'id', type: 'B' },
      stream: 'KEYS_ONLY',
      billing: { readCapacityUnits: 2, writeCapacityUnits: 3 },
    });
    expect(table.tableName).toMatch(/^eventprobe-l[0-9a-z]{15}$/);
    expect(plain.tableName).not.toBe(table.tableName);
    const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      TableArn: table.tableArn,
      LatestStreamArn: table.streamArn,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    const provisioned = await dynamoDb.send(new DescribeTableCommand({ TableName: plain.tableName }));
    expect(provisioned.Table?.ProvisionedThroughput).toMatchObject({
      ReadCapacityUnits: 2,
      WriteCapacityUnits: 3,
    });
    expect(provisioned.Table?.StreamSpecification?.StreamViewType).toBe('KEYS_ONLY');
    const ttl = await dynamoDb.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
    const tags = await dynamoDb.send(new ListTagsOfResourceCommand({ ResourceArn: table.tableArn }));
    expect(Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({
      suite,
      'eventprobe:managed': 'true',
      'eventprobe:run-id': p.runId,
      'eventprobe:listener-id': idOf(table.tableName),
    });
    await dynamoDb.send(
      new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: 'a' }, sk: { N: '1' } } }),
    );
    expect(await p.waitForItem({ tableName: table.tableName, key: { pk: 'a', sk: 1 } })).toEqual({
      pk: 'a',
      sk: 1,
    });

    const report = await p.cleanup();
    expect(
      report.removed
        .filter((r) => r.kind === 'table')
        .map((r) => r.resource)
        .sort(),
    ).toEqual([table.tableName, plain.tableName].sort());
    expect(await present(tables, [table.tableName, plain.tableName])).toEqual([]);
    expect(p.context.created.size).toBe(0);
  });

  it("sweep() deletes a crashed run's table and leaves an unmarked look-alike, reporting it", async () => {
    const left = await crashed((p) => p.createTable({ partitionKey: { name: 'pk', type: 'S' } }));
    const lookAlike = LOOK.table;
    await dynamoDb.send(
      new CreateTableCommand({
        TableName: lookAlike,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        Tags: [{ Key: 'suite', Value: suite }],
      }),
    );
    const report = await probe().sweep({ olderThan: 0 });
    expect(report.removed).toEqual([
      { kind: 'table', resource: left.tableName, listenerId: idOf(left.tableName) },
    ]);
    expect(report.skipped).toContainEqual({
      resource: lookAlike,
      reason: expect.stringContaining('not created by eventprobe'),
    });
    expect(await present(tables, [left.tableName, lookAlike])).toEqual([lookAlike]);
  });

  it("removeListeners({ ids }) deletes another run's table by id and refuses the look-alike", async () => {
    const left = await crashed((p) => p.createTable({ partitionKey: { name: 'pk', type: 'S' } }));
    const own = probe();
    const mine = await own.createTable({ partitionKey: { name: 'pk', type: 'N' } });
    const report = await own.removeListeners({ ids: [idOf(left.tableName), idOf(mine.tableName)] });
    expect(report.removed.map((r) => r.resource).sort()).toEqual([left.tableName, mine.tableName].sort());
    await expect(own.removeListeners({ ids: [idOf(LOOK.table)] })).rejects.toThrow(
      /does not carry the tag eventprobe:managed/,
    );
    expect(await present(tables, [left.tableName, mine.tableName, LOOK.table])).toEqual([LOOK.table]);
  });

  it('refuses bad options before creating anything', async () => {
    const p = probe();
    const before = await tables();
    const pk = { name: 'pk', type: 'S' } as const;
    const bad: unknown[] = [
      undefined,
      null,
      {},
      { partitionKey: 'pk' },
      { partitionKey: { name: '', type: 'S' } },
      { partitionKey: { name: 'pk', type: 'X' } },
      { partitionKey: pk, sortKey: { name: 'pk', type: 'N' } },
      { partitionKey: pk, sortKey: { name: 'sk' } },
      { partitionKey: pk, stream: 'ALL' },
      { partitionKey: pk, timeToLiveAttribute: '' },
      { partitionKey: pk, timeout: 0 },
      { partitionKey: pk, billing: 'PROVISIONED' },
      { partitionKey: pk, billing: null },
      { partitionKey: pk, billing: { readCapacityUnits: 0, writeCapacityUnits: 1 } },
      { partitionKey: pk, billing: { readCapacityUnits: 1 } },
    ];
    for (const options of bad) {
      await expect(p.createTable(options as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(p.context.created.size).toBe(0);
    expect(await tables()).toEqual(before);
  });
});

const streams = async (): Promise<string[]> =>
  (await kinesis.send(new ListStreamsCommand({}))).StreamNames?.filter((n) => n.startsWith('eventprobe-')) ??
  [];

const tagsOf = (tags: readonly { Key?: string | undefined; Value?: string | undefined }[] = []) =>
  Object.fromEntries(tags.map((t) => [t.Key, t.Value]));

describe('createStream', () => {
  it('creates ACTIVE, tagged, usable streams (provisioned, on demand) and cleanup() deletes them', async () => {
    const p = probe();
    const one = await p.createStream();
    const three = await p.createStream({ shardCount: 3 });
    const onDemand = await p.createStream({ onDemand: true });
    expect(new Set([one.streamName, three.streamName, onDemand.streamName]).size).toBe(3);
    const summary = async (name: string) =>
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
    expect(await summary(one.streamName)).toMatchObject({
      StreamARN: one.streamArn,
      StreamStatus: 'ACTIVE',
      OpenShardCount: 1,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
    expect((await summary(three.streamName))?.OpenShardCount).toBe(3);
    expect((await summary(onDemand.streamName))?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    const tags = await kinesis.send(new ListTagsForStreamCommand({ StreamName: one.streamName }));
    expect(tagsOf(tags.Tags)).toMatchObject({
      suite,
      'eventprobe:managed': 'true',
      'eventprobe:run-id': p.runId,
      'eventprobe:listener-id': idOf(one.streamName),
    });
    await using listener = await p.addKinesisListener({ streamName: three.streamName });
    await kinesis.send(
      new PutRecordCommand({ StreamName: three.streamName, PartitionKey: 'k', Data: Buffer.from('{"n":1}') }),
    );
    expect((await listener.waitForEvent(() => true, { timeout: 10_000 })).data).toEqual({ n: 1 });

    const report = await p.cleanup();
    expect(
      report.removed
        .filter((r) => r.kind === 'stream')
        .map((r) => r.resource)
        .sort(),
    ).toEqual([one.streamName, three.streamName, onDemand.streamName].sort());
    expect(await present(streams, [one.streamName, three.streamName, onDemand.streamName])).toEqual([]);
    expect(p.context.created.size).toBe(0);
  });

  it("sweep() deletes a crashed run's stream and leaves an unmarked look-alike", async () => {
    const left = await crashed((p) => p.createStream());
    const lookAlike = LOOK.stream;
    await kinesis.send(new CreateStreamCommand({ StreamName: lookAlike, ShardCount: 1, Tags: { suite } }));
    const report = await probe().sweep({ olderThan: 0 });
    expect(report.removed).toEqual([
      { kind: 'stream', resource: left.streamName, listenerId: idOf(left.streamName) },
    ]);
    expect(report.skipped).toContainEqual({
      resource: lookAlike,
      reason: expect.stringContaining('not created by eventprobe'),
    });
    expect(await present(streams, [left.streamName, lookAlike])).toEqual([lookAlike]);
  });

  it('refuses bad options before creating anything', async () => {
    const p = probe();
    const before = await streams();
    const bad: unknown[] = [
      null,
      'one',
      { shardCount: 0 },
      { shardCount: 1.5 },
      { shardCount: 501 },
      { onDemand: 'yes' },
      { onDemand: true, shardCount: 2 },
      { timeout: -1 },
    ];
    for (const options of bad) {
      await expect(p.createStream(options as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(p.context.created.size).toBe(0);
    expect(await streams()).toEqual(before);
  });
});

const topics = async (): Promise<string[]> =>
  ((await sns.send(new ListTopicsCommand({}))).Topics ?? [])
    .map((t) => t.TopicArn?.split(':')[5] ?? '')
    .filter((n) => n.startsWith('eventprobe-'));

describe('createTopic', () => {
  it('creates tagged, usable topics (standard, FIFO) and cleanup() deletes them after their listeners', async () => {
    const p = probe();
    const standard = await p.createTopic();
    const fifo = await p.createTopic({ fifo: true });
    expect(standard.topicName).toMatch(/^eventprobe-l[0-9a-z]{15}$/);
    expect(fifo.topicName).toMatch(/^eventprobe-l[0-9a-z]{15}\.fifo$/);
    expect(standard.topicArn.endsWith(`:${standard.topicName}`)).toBe(true);
    const attributes = await sns.send(new GetTopicAttributesCommand({ TopicArn: fifo.topicArn }));
    expect(attributes.Attributes).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    const tags = await sns.send(new ListTagsForResourceCommand({ ResourceArn: standard.topicArn }));
    expect(tagsOf(tags.Tags)).toMatchObject({
      suite,
      'eventprobe:managed': 'true',
      'eventprobe:run-id': p.runId,
      'eventprobe:listener-id': idOf(standard.topicName),
    });
    const listener = await p.addSnsListener({ topicArn: standard.topicArn });
    await sns.send(new PublishCommand({ TopicArn: standard.topicArn, Message: '{"n":2}' }));
    expect((await listener.waitForEvent(() => true, { timeout: 10_000 })).message).toEqual({ n: 2 });

    const report = await p.cleanup();
    const kinds = report.removed.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'topic')).toHaveLength(2);
    // The listener's subscription and queue went before the topic.
    expect(kinds.indexOf('subscription')).toBeLessThan(kinds.indexOf('topic'));
    expect(
      report.removed
        .filter((r) => r.kind === 'topic')
        .map((r) => r.resource)
        .sort(),
    ).toEqual([standard.topicArn, fifo.topicArn].sort());
    expect(await present(topics, [standard.topicName, fifo.topicName])).toEqual([]);
    const subscriptions = (await sns.send(new ListSubscriptionsCommand({}))).Subscriptions ?? [];
    expect(subscriptions.filter((s) => s.TopicArn === standard.topicArn)).toEqual([]);
  });

  it("sweep() deletes a crashed run's topics and leaves an unmarked look-alike", async () => {
    const left = await crashed((p) => p.createTopic());
    const leftFifo = await crashed((p) => p.createTopic({ fifo: true }));
    const lookAlike = LOOK.topic;
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: lookAlike, Tags: [{ Key: 'suite', Value: suite }] }),
    );
    const report = await probe().sweep({ olderThan: 0 });
    expect([...report.removed].sort((a, b) => a.resource.localeCompare(b.resource))).toEqual(
      [
        { kind: 'topic', resource: left.topicArn, listenerId: idOf(left.topicName) },
        {
          kind: 'topic',
          resource: leftFifo.topicArn,
          listenerId: idOf(leftFifo.topicName.replace('.fifo', '')),
        },
      ].sort((a, b) => a.resource.localeCompare(b.resource)),
    );
    expect(report.skipped).toContainEqual({
      resource: TopicArn,
      reason: expect.stringContaining('not created by eventprobe'),
    });
    expect(await present(topics, [left.topicName, leftFifo.topicName, lookAlike])).toEqual([lookAlike]);
  });

  it('refuses bad options before creating anything', async () => {
    const p = probe();
    const before = await topics();
    for (const options of [null, 1, { fifo: 'true' }]) {
      await expect(p.createTopic(options as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(p.context.created.size).toBe(0);
    expect(await topics()).toEqual(before);
  });
});

const buses = async (): Promise<string[]> =>
  ((await eventBridge.send(new ListEventBusesCommand({ NamePrefix: 'eventprobe-' }))).EventBuses ?? []).map(
    (b) => b.Name ?? '',
  );

describe('createEventBus', () => {
  it('creates a tagged, usable bus and cleanup() deletes it after the listener rules on it', async () => {
    const p = probe();
    const bus = await p.createEventBus();
    const other = await p.createEventBus({});
    expect(bus.eventBusName).toMatch(/^eventprobe-l[0-9a-z]{15}$/);
    expect(other.eventBusName).not.toBe(bus.eventBusName);
    const described = await eventBridge.send(new DescribeEventBusCommand({ Name: bus.eventBusName }));
    expect(described.Arn).toBe(bus.eventBusArn);
    const tags = await eventBridge.send(new ListEventBridgeTagsCommand({ ResourceARN: bus.eventBusArn }));
    expect(tagsOf(tags.Tags)).toMatchObject({
      suite,
      'eventprobe:managed': 'true',
      'eventprobe:run-id': p.runId,
      'eventprobe:listener-id': idOf(bus.eventBusName),
    });
    const listener = await p.addListener({
      eventBusName: bus.eventBusName,
      eventPattern: { source: ['fx'] },
    });
    await p.putEvents([{ source: 'fx', 'detail-type': 'T', detail: { n: 3 } }], {
      eventBusName: bus.eventBusName,
    });
    expect((await listener.waitForEvent(undefined, { timeout: 10_000 })).detail).toEqual({ n: 3 });
    // A rule the code under test put on the bus, with a target: it goes with the bus.
    const appTarget = `arn:aws:sqs:us-east-1:000000000000:app-${bus.eventBusName}`;
    await eventBridge.send(
      new PutRuleCommand({
        Name: 'app-rule',
        EventBusName: bus.eventBusName,
        EventPattern: '{"source":["fx"]}',
      }),
    );
    await eventBridge.send(
      new PutTargetsCommand({
        Rule: 'app-rule',
        EventBusName: bus.eventBusName,
        Targets: [{ Id: 'q', Arn: appTarget }],
      }),
    );

    const report = await p.cleanup();
    const kinds = report.removed.map((r) => r.kind);
    expect(kinds.indexOf('rule')).toBeLessThan(kinds.indexOf('event-bus'));
    expect(
      report.removed
        .filter((r) => r.kind === 'event-bus')
        .map((r) => r.resource)
        .sort(),
    ).toEqual([bus.eventBusName, other.eventBusName].sort());
    expect(await present(buses, [bus.eventBusName, other.eventBusName])).toEqual([]);
    expect(report.failed).toEqual([]);
    await expect(
      eventBridge.send(
        new ListRuleNamesByTargetCommand({ TargetArn: appTarget, EventBusName: bus.eventBusName }),
      ),
    ).rejects.toThrow(/does not exist/);
  });

  it("sweep() deletes a crashed run's bus (after its listener) and leaves an unmarked look-alike", async () => {
    const left = await crashed(async (p) => {
      const bus = await p.createEventBus();
      await p.addListener({ eventBusName: bus.eventBusName, eventPattern: { source: ['fx'] } });
      return bus;
    });
    const lookAlike = LOOK.bus;
    await eventBridge.send(
      new CreateEventBusCommand({ Name: lookAlike, Tags: [{ Key: 'suite', Value: suite }] }),
    );
    await eventBridge.send(
      new PutRuleCommand({ Name: 'app-rule', EventBusName: lookAlike, EventPattern: '{"source":["x"]}' }),
    );
    const report = await probe().sweep({ olderThan: 0 });
    const kinds = report.removed.map((r) => r.kind);
    expect(kinds.sort()).toEqual(['event-bus', 'queue', 'rule']);
    expect(report.removed.find((r) => r.kind === 'event-bus')).toEqual({
      kind: 'event-bus',
      resource: left.eventBusName,
      listenerId: idOf(left.eventBusName),
    });
    expect(report.skipped).toContainEqual({
      resource: lookAlike,
      reason: expect.stringContaining('not created by eventprobe'),
    });
    expect(await present(buses, [left.eventBusName, lookAlike])).toEqual([lookAlike]);
  });

  it('refuses bad options before creating anything', async () => {
    const p = probe();
    const before = await buses();
    for (const options of [null, 'bus']) {
      await expect(p.createEventBus(options as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(p.context.created.size).toBe(0);
    expect(await buses()).toEqual(before);
  });
});

const buckets = async (): Promise<string[]> =>
  ((await s3.send(new ListBucketsCommand({}))).Buckets ?? [])
    .map((b) => b.Name ?? '')
    .filter((n) => n.startsWith('eventprobe-'));

/** Objects and an open multipart upload, which removal must clear before S3 deletes the bucket. */
const fill = async (Bucket: string): Promise<void> => {
  for (const Key of ['a.json', 'b/c.json', 'd.json']) {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{}' }));
  }
  await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'big.bin' }));
};

describe('createBucket', () => {
  it('creates tagged, usable buckets (EventBridge notifications on request) and cleanup() empties and deletes them', async () => {
    const p = probe();
    const plain = await p.createBucket();
    const notifying = await p.createBucket({ eventBridge: true });
    expect(plain.bucket).toMatch(/^eventprobe-l[0-9a-z]{15}$/);
    expect(plain.arn).toBe(`arn:aws:s3:::${plain.bucket}`);
    const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: plain.bucket }));
    expect(tagsOf(tags.TagSet)).toMatchObject({
      suite,
      'eventprobe:managed': 'true',
      'eventprobe:run-id': p.runId,
      'eventprobe:listener-id': idOf(plain.bucket),
    });
    const config = (bucket: string) =>
      s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    expect((await config(plain.bucket)).EventBridgeConfiguration).toBeUndefined();
    expect((await config(notifying.bucket)).EventBridgeConfiguration).toEqual({});
    const listener = await p.addS3Listener({ bucket: notifying.bucket, events: ['created'] });
    await s3.send(new PutObjectCommand({ Bucket: notifying.bucket, Key: 'k.json', Body: '{"n":4}' }));
    expect((await listener.waitForEvent(undefined, { timeout: 10_000 })).detail.object.key).toBe('k.json');
    await fill(plain.bucket);
    await fill(notifying.bucket);

    const report = await p.cleanup();
    expect(
      report.removed
        .filter((r) => r.kind === 'bucket')
        .map((r) => r.resource)
        .sort(),
    ).toEqual([plain.bucket, notifying.bucket].sort());
    expect(await present(buckets, [plain.bucket, notifying.bucket])).toEqual([]);
    expect(p.context.created.size).toBe(0);
  });

  it("sweep() empties and deletes a crashed run's bucket and leaves an unmarked look-alike", async () => {
    const left = await crashed((p) => p.createBucket());
    await fill(left.bucket);
    const lookAlike = LOOK.bucket;
    await s3.send(new CreateBucketCommand({ Bucket: lookAlike }));
    await s3.send(new PutObjectCommand({ Bucket: lookAlike, Key: 'keep.json', Body: '{}' }));
    const report = await probe().sweep({ olderThan: 0 });
    expect(report.removed).toEqual([
      { kind: 'bucket', resource: left.bucket, listenerId: idOf(left.bucket) },
    ]);
    expect(report.skipped).toContainEqual({
      resource: lookAlike,
      reason: expect.stringContaining('not created by eventprobe'),
    });
    expect(await present(buckets, [left.bucket, lookAlike])).toEqual([lookAlike]);
  });

  it('refuses bad options before creating anything', async () => {
    const p = probe();
    const before = await buckets();
    for (const options of [null, true, { eventBridge: 'on' }]) {
      await expect(p.createBucket(options as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(p.context.created.size).toBe(0);
    expect(await buckets()).toEqual(before);
  });
});

describe('faults', () => {
  it.skipIf(emulatorOnly)(
    'every fixture is created and removed through throttling and 5xx answers (SDK retries off)',
    async () => {
      const local = aws.local!;
      const twice = (service: string, operation: string, error: string, status?: number) => ({
        service,
        operation,
        error,
        times: 2,
        ...(status ? { status } : {}),
      });
      local.faults.set({
        faults: [
          twice('dynamodb', 'CreateTable', 'ThrottlingException'),
          twice('dynamodb', 'DescribeTable', 'InternalServerError', 500),
          twice('dynamodb', 'DeleteTable', 'ThrottlingException'),
          twice('kinesis', 'CreateStream', 'LimitExceededException'),
          twice('kinesis', 'DescribeStreamSummary', 'InternalFailure'),
          twice('kinesis', 'DeleteStream', 'LimitExceededException'),
          twice('kinesis', 'ListTagsForStream', 'InternalFailure'),
          twice('sns', 'CreateTopic', 'Throttling'),
          twice('sns', 'DeleteTopic', 'InternalError'),
          twice('events', 'CreateEventBus', 'ThrottlingException'),
          twice('events', 'DeleteEventBus', 'InternalException', 500),
          twice('s3', 'CreateBucket', 'SlowDown', 503),
          twice('s3', 'PutBucketTagging', 'InternalError'),
          twice('s3', 'ListObjectVersions', 'SlowDown', 503),
          twice('s3', 'DeleteBucket', 'ServiceUnavailable', 503),
        ],
      });
      try {
        const p = createProbe({ ...aws.clientConfig, tags: { suite }, maxAttempts: 1 });
        const made = [
          (await p.createTable({ partitionKey: { name: 'pk', type: 'S' } })).tableName,
          (await p.createStream()).streamName,
          (await p.createTopic()).topicArn,
          (await p.createEventBus()).eventBusName,
          (await p.createBucket()).bucket,
        ];
        const report = await p.cleanup();
        expect(report.removed.map((r) => r.resource).sort()).toEqual([...made].sort());
        expect(p.context.created.size).toBe(0);
        await p[Symbol.asyncDispose]();
        // Each fault fired twice: every call above was answered with an error before it passed.
        expect(local.faults.injected.size).toBe(15);
        expect([...local.faults.injected.values()].every((n) => n === 2)).toBe(true);
      } finally {
        local.faults.clear();
      }
    },
  );

  it.skipIf(emulatorOnly)(
    'a bucket that cannot be tagged is deleted again, and the error thrown',
    async () => {
      const local = aws.local!;
      const before = await buckets();
      local.faults.set({
        faults: [
          { service: 's3', operation: 'PutBucketTagging', error: 'AccessDenied', status: 403, times: 1 },
        ],
      });
      try {
        const p = probe();
        await expect(p.createBucket()).rejects.toMatchObject({ name: 'AccessDenied' });
        expect(await buckets()).toEqual(before);
        expect((await p.cleanup()).failed).toEqual([]);
        expect(p.context.created.size).toBe(0);
      } finally {
        local.faults.clear();
      }
    },
  );
});
