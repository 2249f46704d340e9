import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbe,
  type DynamoDbStreamEvent,
  InvalidInputError,
  ListenerSetupError,
  type Probe,
  StreamNotEnabledError,
} from '../../src/index.js';
import { LOCAL_CODE_BUCKET } from '../../src/local/index.js';
import type { DynamoDbState } from '../../src/local/services/dynamodb/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

type Ev = DynamoDbStreamEvent<{ id: string; status: string; n?: number }>;
let aws: TestAws;
let db: DynamoDBClient;
let probe: Probe;

const createTable = async (name: string, view?: string): Promise<void> => {
  await db.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      ...(view ? { StreamSpecification: { StreamEnabled: true, StreamViewType: view as 'KEYS_ONLY' } } : {}),
    }),
  );
  await waitUntilTableExists({ client: db, minDelay: 1, maxWaitTime: 30 }, { TableName: name });
};
const put = (table: string, item: Record<string, unknown>) =>
  db.send(new PutItemCommand({ TableName: table, Item: marshall(item) }));

beforeAll(async () => {
  aws = await startTestAws();
  db = new DynamoDBClient(aws.clientConfig);
  probe = createProbe(aws.clientConfig);
  await createTable('orders', 'NEW_AND_OLD_IMAGES');
  await createTable('keys-only', 'KEYS_ONLY');
  await createTable('no-stream');
});
afterAll(async () => {
  await probe?.[Symbol.asyncDispose]();
  db?.destroy();
  await aws?.close();
});

describe('addDynamoDbStreamListener', () => {
  it('sees INSERT, MODIFY and REMOVE with unmarshalled keys and images, kept for several waits', async () => {
    await put('orders', { id: 'before', status: 'OLD' });
    await using listener = await probe.addDynamoDbStreamListener<{ id: string; status: string; n?: number }>({
      tableName: 'orders',
      images: 'both',
    });
    await put('orders', { id: 'o1', status: 'NEW', n: 1 });
    await db.send(
      new UpdateItemCommand({
        TableName: 'orders',
        Key: marshall({ id: 'o1' }),
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: marshall({ ':s': 'PAID' }),
      }),
    );
    await db.send(new DeleteItemCommand({ TableName: 'orders', Key: marshall({ id: 'o1' }) }));
    const events = await listener.waitForEvents((e) => e.keys.id === 'o1', { count: 3, timeout: 15_000 });
    expect(events.map((e) => e.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = events as unknown as [Ev, Ev, Ev];
    expect([insert.keys, insert.newImage, insert.oldImage]).toEqual([
      { id: 'o1' },
      { id: 'o1', status: 'NEW', n: 1 },
      undefined,
    ]);
    expect([modify.oldImage?.status, modify.newImage?.status]).toEqual(['NEW', 'PAID']);
    expect([remove.oldImage?.status, remove.newImage]).toEqual(['PAID', undefined]);
    expect(insert.sequenceNumber).toBe(insert.raw.dynamodb?.SequenceNumber);
    expect(insert.approximateCreationDateTime).toBeInstanceOf(Date);
    // Kept: a second look sees the same events; nothing from before the listener started.
    const again = await listener.waitForEvent((e) => e.eventName === 'REMOVE', { timeout: 1_000 });
    expect(again).toBe(remove);
    expect(listener.events.some((e) => e.keys.id === 'before')).toBe(false);
    await listener.expectNoEvent((e) => e.keys.id === 'before', { within: 300 });
  });

  it('reads the stream by ARN from the trim horizon', async () => {
    const arn = (await probe.addDynamoDbStreamListener({ tableName: 'orders' })).streamArn;
    await using listener = await probe.addDynamoDbStreamListener({ streamArn: arn, from: 'trim-horizon' });
    const first = await listener.waitForEvent((e) => e.keys.id === 'before', { timeout: 15_000 });
    expect(first.eventName).toBe('INSERT');
  });

  it.skipIf(emulatorOnly)(
    'follows shard rollover: every record in order, across closed shards and their children',
    async () => {
      await createTable('rolling', 'NEW_IMAGE');
      await using listener = await probe.addDynamoDbStreamListener({ tableName: 'rolling', images: 'new' });
      const state = aws.local?.emulator.state<DynamoDbState>('dynamodb', aws.region) as DynamoDbState;
      state.shardRecordLimit = 3;
      try {
        for (let i = 0; i < 10; i++) await put('rolling', { id: `item-${i}`, i });
      } finally {
        state.shardRecordLimit = 1000;
      }
      const events = await listener.waitForEvents(undefined, { count: 10, timeout: 20_000 });
      expect(events.map((e) => e.newImage?.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(new Set(events.map((e) => e.shardId)).size).toBe(4);
      expect(listener.events).toHaveLength(10);
    },
  );

  it.skipIf(emulatorOnly)(
    'sees what a Lambda function wrote: the item changes on the stream, the object on the S3 listener',
    async () => {
      const s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: 'written' }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'written',
          NotificationConfiguration: { EventBridgeConfiguration: {} },
        }),
      );
      const lambda = new LambdaClient(aws.clientConfig);
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'writer',
          Runtime: 'nodejs20.x',
          Role: 'arn:aws:iam::000000000000:role/writer',
          Handler: 'writer.handler',
          // Loading the SDK and two writes: more than Lambda's default 3 s on a busy CI machine.
          Timeout: 30,
          Code: {
            S3Bucket: LOCAL_CODE_BUCKET,
            S3Key: fileURLToPath(new URL('../fixtures/lambda/state', import.meta.url)),
          },
        }),
      );
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: 'writer' });
      await using changes = await probe.addDynamoDbStreamListener({ tableName: 'orders', images: 'both' });
      await using objects = await probe.addS3Listener({ bucket: 'written', prefix: 'out/' });
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: 'writer',
          Payload: new TextEncoder().encode(
            JSON.stringify({ id: 'by-lambda', table: 'orders', bucket: 'written' }),
          ),
        }),
      );
      expect(out.FunctionError).toBeUndefined();
      const events = await changes.waitForEvents((e) => e.keys.id === 'by-lambda', {
        count: 3,
        timeout: 15_000,
      });
      expect(events.map((e) => [e.eventName, e.newImage?.status, e.oldImage?.status])).toEqual([
        ['INSERT', 'NEW', undefined],
        ['MODIFY', 'DONE', 'NEW'],
        ['REMOVE', undefined, 'DONE'],
      ]);
      const created = await objects.waitForEvent(undefined, { timeout: 15_000 });
      expect([created['detail-type'], created.detail.object.key]).toEqual([
        'Object Created',
        'out/by-lambda.json',
      ]);
      const object = await probe.waitForObject({ bucket: 'written', key: 'out/by-lambda.json' });
      expect(object.json()).toMatchObject({ id: 'by-lambda' });
      lambda.destroy();
      s3.destroy();
    },
  );

  it('a table without a stream, or without the images asked for, is a StreamNotEnabledError saying how to enable it', async () => {
    const none = (await probe
      .addDynamoDbStreamListener({ tableName: 'no-stream' })
      .catch((e: unknown) => e)) as StreamNotEnabledError;
    expect(none).toBeInstanceOf(StreamNotEnabledError);
    expect(none.message).toContain('Table no-stream has no stream enabled');
    expect(none.message).toContain('StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES');
    const keysOnly = (await probe
      .addDynamoDbStreamListener({ tableName: 'keys-only', images: 'new' })
      .catch((e: unknown) => e)) as StreamNotEnabledError;
    expect(keysOnly).toBeInstanceOf(StreamNotEnabledError);
    expect(keysOnly.streamViewType).toBe('KEYS_ONLY');
    expect(keysOnly.message).toContain('view type NEW_IMAGE or NEW_AND_OLD_IMAGES');
    const arn = (await probe.addDynamoDbStreamListener({ tableName: 'keys-only' })).streamArn;
    await expect(probe.addDynamoDbStreamListener({ streamArn: arn, images: 'both' })).rejects.toBeInstanceOf(
      StreamNotEnabledError,
    );
    await expect(probe.addDynamoDbStreamListener({ streamArn: arn, images: 'old' })).rejects.toThrow(
      /OLD_IMAGE or NEW_AND_OLD_IMAGES/,
    );
  });

  it('a missing table or stream is an InvalidInputError; an unreachable one a setup error', async () => {
    await expect(probe.addDynamoDbStreamListener({ tableName: 'missing-table' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      option: 'tableName',
    });
    await expect(
      probe.addDynamoDbStreamListener({
        streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/nope/stream/2024-01-01T00:00:00.000',
      }),
    ).rejects.toMatchObject({ name: 'InvalidInputError', option: 'streamArn' });
    const offline = createProbe({ ...aws.clientConfig, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    await expect(offline.addDynamoDbStreamListener({ tableName: 'orders' })).rejects.toBeInstanceOf(
      ListenerSetupError,
    );
    await offline[Symbol.asyncDispose]();
  });

  it.each([
    ['options', null, 'options'],
    ['neither', {}, 'tableName'],
    ['both', { tableName: 'orders', streamArn: 'x' }, 'tableName'],
    ['tableName', { tableName: 'a' }, 'tableName'],
    ['streamArn', { streamArn: 'arn:aws:kinesis:us-east-1:1:stream/x' }, 'streamArn'],
    ['from', { tableName: 'orders', from: new Date() }, 'from'],
    ['images', { tableName: 'orders', images: 'all' }, 'images'],
    ['pollInterval', { tableName: 'orders', pollInterval: 50 }, 'pollInterval'],
    ['pollInterval type', { tableName: 'orders', pollInterval: 'x' }, 'pollInterval'],
  ])('refuses a bad %s', async (_, options, option) => {
    const error = await probe.addDynamoDbStreamListener(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).option).toBe(option);
  });
});
