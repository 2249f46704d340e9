import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  type StreamViewType,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  ResourceNotFoundException,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbState } from '../../src/local/services/dynamodb/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const S = (s: string) => ({ S: s });
const N = (n: number) => ({ N: String(n) });
const HOUR = 60 * 60 * 1000;

describe.skipIf(emulatorOnly)('local DynamoDB Streams', () => {
  let aws: TestAws;
  let db: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let offset = 0;

  beforeAll(async () => {
    aws = await startTestAws({ clock: () => Date.now() + offset });
    db = new DynamoDBClient(aws.clientConfig);
    streams = new DynamoDBStreamsClient(aws.clientConfig);
  });
  afterAll(async () => {
    db?.destroy();
    streams?.destroy();
    await aws?.close();
  });

  const state = () => aws.local?.emulator.state<DynamoDbState>('dynamodb', aws.region) as DynamoDbState;

  const createTable = async (TableName: string, view: StreamViewType): Promise<string> => {
    const out = await db.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: view },
      }),
    );
    return out.TableDescription?.LatestStreamArn as string;
  };

  const shardsOf = async (StreamArn: string): Promise<Shard[]> =>
    (await streams.send(new DescribeStreamCommand({ StreamArn }))).StreamDescription?.Shards ?? [];

  /** Reads every shard from the trim horizon, parents before children, as a stream reader must. */
  const readAll = async (StreamArn: string): Promise<_Record[]> => {
    const shards = await shardsOf(StreamArn);
    const done = new Set<string>();
    const out: _Record[] = [];
    while (done.size < shards.length) {
      const ready = shards.filter(
        (s) =>
          !done.has(s.ShardId as string) &&
          (!s.ParentShardId ||
            done.has(s.ParentShardId) ||
            !shards.some((p) => p.ShardId === s.ParentShardId)),
      );
      for (const shard of ready) {
        let { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        while (ShardIterator) {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 2 }));
          out.push(...(page.Records ?? []));
          if ((page.Records ?? []).length === 0 && !shard.SequenceNumberRange?.EndingSequenceNumber) break;
          ShardIterator = page.NextShardIterator;
        }
        done.add(shard.ShardId as string);
      }
    }
    return out;
  };

  const writeScript = async (TableName: string) => {
    await db.send(new PutItemCommand({ TableName, Item: { id: S('a'), v: N(1) } }));
    await db.send(new PutItemCommand({ TableName, Item: { id: S('a'), v: N(1) } })); // no change: no record
    await db.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: S('a') },
        UpdateExpression: 'SET v = v + :one',
        ExpressionAttributeValues: { ':one': N(1) },
      }),
    );
    await db.send(new DeleteItemCommand({ TableName, Key: { id: S('a') } }));
    await db.send(new DeleteItemCommand({ TableName, Key: { id: S('a') } })); // nothing to delete: no record
  };

  it('records INSERT, MODIFY and REMOVE in the exact shape of each StreamViewType', async () => {
    const views: StreamViewType[] = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];
    const images: Record<string, [unknown, unknown][]> = {};
    for (const view of views) {
      const arn = await createTable(`view-${view.toLowerCase().replace(/_/g, '-')}`, view);
      await writeScript(`view-${view.toLowerCase().replace(/_/g, '-')}`);
      const records = await readAll(arn);
      expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
      for (const r of records) {
        expect(r).toMatchObject({ eventSource: 'aws:dynamodb', eventVersion: '1.1', awsRegion: aws.region });
        expect(r.eventID).toMatch(/^[0-9a-f]{32}$/);
        expect(r.dynamodb?.Keys).toEqual({ id: S('a') });
        expect(r.dynamodb?.StreamViewType).toBe(view);
        expect(r.dynamodb?.ApproximateCreationDateTime).toBeInstanceOf(Date);
        expect(r.dynamodb?.SizeBytes).toBeGreaterThan(0);
        expect(r.userIdentity).toBeUndefined();
      }
      const sequences = records.map((r) => BigInt(r.dynamodb?.SequenceNumber as string));
      expect([...sequences].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequences);
      images[view] = records.map((r) => [r.dynamodb?.OldImage, r.dynamodb?.NewImage]);
    }
    const v1 = { id: S('a'), v: N(1) };
    const v2 = { id: S('a'), v: N(2) };
    expect(images).toEqual({
      KEYS_ONLY: [
        [undefined, undefined],
        [undefined, undefined],
        [undefined, undefined],
      ],
      NEW_IMAGE: [
        [undefined, v1],
        [undefined, v2],
        [undefined, undefined],
      ],
      OLD_IMAGE: [
        [undefined, undefined],
        [v1, undefined],
        [v2, undefined],
      ],
      NEW_AND_OLD_IMAGES: [
        [undefined, v1],
        [v1, v2],
        [v2, undefined],
      ],
    });
    const listed = await streams.send(new ListStreamsCommand({ TableName: 'view-keys-only' }));
    expect(listed.Streams?.map((s) => s.TableName)).toEqual(['view-keys-only']);
    const paged = await streams.send(new ListStreamsCommand({ Limit: 3 }));
    expect(paged.Streams).toHaveLength(3);
    expect(paged.LastEvaluatedStreamArn).toBe(paged.Streams?.[2]?.StreamArn);
  });

  it('positions iterators at TRIM_HORIZON, LATEST, AT_ and AFTER_SEQUENCE_NUMBER', async () => {
    const StreamArn = await createTable('iterators', 'NEW_IMAGE');
    const doc = DynamoDBDocumentClient.from(db);
    for (const id of ['1', '2', '3'])
      await doc.send(new PutCommand({ TableName: 'iterators', Item: { id } }));
    const [shard] = await shardsOf(StreamArn);
    const ShardId = shard?.ShardId as string;
    const read = async (ShardIteratorType: string, SequenceNumber?: string) => {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn,
          ShardId,
          ShardIteratorType: ShardIteratorType as never,
          ...(SequenceNumber ? { SequenceNumber } : {}),
        }),
      );
      return streams.send(new GetRecordsCommand({ ShardIterator }));
    };
    const all = await read('TRIM_HORIZON');
    const ids = (page: { Records?: _Record[] | undefined }) =>
      (page.Records ?? []).map((r) => r.dynamodb?.Keys?.id?.S);
    expect(ids(all)).toEqual(['1', '2', '3']);
    const second = all.Records?.[1]?.dynamodb?.SequenceNumber as string;
    expect(ids(await read('AT_SEQUENCE_NUMBER', second))).toEqual(['2', '3']);
    expect(ids(await read('AFTER_SEQUENCE_NUMBER', second))).toEqual(['3']);
    const latest = await read('LATEST');
    expect(ids(latest)).toEqual([]);
    await doc.send(new PutCommand({ TableName: 'iterators', Item: { id: '4' } }));
    const next = await streams.send(new GetRecordsCommand({ ShardIterator: latest.NextShardIterator }));
    expect(ids(next)).toEqual(['4']);

    // Iterators expire after 15 minutes.
    offset += 16 * 60 * 1000;
    const expired = await streams
      .send(new GetRecordsCommand({ ShardIterator: next.NextShardIterator }))
      .catch((e: Error) => e);
    expect(expired).toBeInstanceOf(ExpiredIteratorException);
    const missing = await streams
      .send(new DescribeStreamCommand({ StreamArn: `${StreamArn}x` }))
      .catch((e: Error) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('rolls shards over to children that readers follow through ParentShardId', async () => {
    const StreamArn = await createTable('rollover', 'KEYS_ONLY');
    state().shardRecordLimit = 3;
    try {
      for (let i = 0; i < 10; i++) {
        await db.send(new PutItemCommand({ TableName: 'rollover', Item: { id: S(`item-${i}`) } }));
      }
    } finally {
      state().shardRecordLimit = 1000;
    }
    const shards = await shardsOf(StreamArn);
    expect(shards).toHaveLength(4);
    expect(shards[0]?.ParentShardId).toBeUndefined();
    for (let i = 1; i < shards.length; i++) expect(shards[i]?.ParentShardId).toBe(shards[i - 1]?.ShardId);
    expect(shards.map((s) => s.SequenceNumberRange?.EndingSequenceNumber !== undefined)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    // A closed, fully read shard ends its iterator chain.
    const closed = await streams.send(
      new GetShardIteratorCommand({
        StreamArn,
        ShardId: shards[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const firstPage = await streams.send(new GetRecordsCommand({ ShardIterator: closed.ShardIterator }));
    expect([firstPage.Records?.length, firstPage.NextShardIterator]).toEqual([3, undefined]);
    const records = await readAll(StreamArn);
    expect(records.map((r) => r.dynamodb?.Keys?.id?.S)).toEqual(
      Array.from({ length: 10 }, (_, i) => `item-${i}`),
    );

    // Shards also roll over with age (AWS: about every 4 hours).
    offset += 5 * HOUR;
    await db.send(new PutItemCommand({ TableName: 'rollover', Item: { id: S('late') } }));
    expect(await shardsOf(StreamArn)).toHaveLength(5);
  });

  it('marks TTL deletions with the service identity and trims records after 24 hours', async () => {
    const StreamArn = await createTable('ttl', 'NEW_AND_OLD_IMAGES');
    await db.send(
      new UpdateTimeToLiveCommand({
        TableName: 'ttl',
        TimeToLiveSpecification: { AttributeName: 'exp', Enabled: true },
      }),
    );
    const now = Math.floor((Date.now() + offset) / 1000);
    await db.send(new PutItemCommand({ TableName: 'ttl', Item: { id: S('soon'), exp: N(now + 60) } }));
    offset += 120_000;
    const records = await readAll(StreamArn);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'REMOVE']);
    expect(records[1]?.userIdentity).toEqual({ PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' });
    expect(records[1]?.dynamodb?.OldImage).toEqual({ id: S('soon'), exp: N(now + 60) });

    offset += 25 * HOUR;
    await db.send(new PutItemCommand({ TableName: 'ttl', Item: { id: S('fresh') } }));
    const kept = await readAll(StreamArn);
    expect(kept.map((r) => r.dynamodb?.Keys?.id?.S)).toEqual(['fresh']);
  });

  it('turns streams off and on (a new stream each time), and keeps a deleted table stream readable', async () => {
    const first = await createTable('toggle', 'KEYS_ONLY');
    await db.send(new PutItemCommand({ TableName: 'toggle', Item: { id: S('1') } }));
    const off = await db.send(
      new UpdateTableCommand({ TableName: 'toggle', StreamSpecification: { StreamEnabled: false } }),
    );
    expect(off.TableDescription?.StreamSpecification).toBeUndefined();
    expect(off.TableDescription?.LatestStreamArn).toBe(first);
    const described = await streams.send(new DescribeStreamCommand({ StreamArn: first }));
    expect(described.StreamDescription?.StreamStatus).toBe('DISABLED');
    expect(described.StreamDescription?.Shards?.[0]?.SequenceNumberRange?.EndingSequenceNumber).toBeDefined();
    await db.send(new PutItemCommand({ TableName: 'toggle', Item: { id: S('2') } }));
    offset += 1000;
    const on = await db.send(
      new UpdateTableCommand({
        TableName: 'toggle',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    const second = on.TableDescription?.LatestStreamArn as string;
    expect(second).not.toBe(first);
    await db.send(new PutItemCommand({ TableName: 'toggle', Item: { id: S('3') } }));
    expect((await readAll(first)).map((r) => r.dynamodb?.Keys?.id?.S)).toEqual(['1']);
    expect((await readAll(second)).map((r) => r.dynamodb?.NewImage?.id?.S)).toEqual(['3']);
    await db.send(new DeleteTableCommand({ TableName: 'toggle' }));
    const afterDelete = await streams.send(new DescribeStreamCommand({ StreamArn: second }));
    expect(afterDelete.StreamDescription?.StreamStatus).toBe('DISABLED');
    const again = await db
      .send(
        new UpdateTableCommand({
          TableName: 'view-keys-only',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
        }),
      )
      .catch((e: Error) => e);
    expect((again as Error).message).toBe('Table already has an enabled stream: TableName: view-keys-only');
  });

  it('serves the stream operations in-process through the dynamodb service too', async () => {
    const emulator = aws.local?.emulator;
    if (!emulator) return;
    const arn = await createTable('inproc', 'NEW_IMAGE');
    await emulator.invoke(
      'dynamodb',
      'PutItem',
      { TableName: 'inproc', Item: { id: S('x') } },
      { region: aws.region },
    );
    const d = (await emulator.invoke(
      'dynamodb',
      'DescribeStream',
      { StreamArn: arn },
      { region: aws.region },
    )) as {
      StreamDescription: { Shards: { ShardId: string }[] };
    };
    const it = (await emulator.invoke(
      'dynamodb',
      'GetShardIterator',
      { StreamArn: arn, ShardId: d.StreamDescription.Shards[0]?.ShardId, ShardIteratorType: 'TRIM_HORIZON' },
      { region: aws.region },
    )) as { ShardIterator: string };
    const out = (await emulator.invoke(
      'dynamodb',
      'GetRecords',
      { ShardIterator: it.ShardIterator },
      { region: aws.region },
    )) as {
      Records: { eventName: string }[];
    };
    expect(out.Records.map((r) => r.eventName)).toEqual(['INSERT']);
  });
});
