import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  UntagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const S = (s: string) => ({ S: s });
const N = (n: string | number) => ({ N: String(n) });
const B = (...bytes: number[]) => ({ B: new Uint8Array(bytes) });

describe('local DynamoDB: value types, functions and control-plane edges', () => {
  let aws: TestAws;
  let db: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  beforeAll(async () => {
    aws = await startTestAws();
    db = new DynamoDBClient(aws.clientConfig);
    streams = new DynamoDBStreamsClient(aws.clientConfig);
    await db.send(
      new CreateTableCommand({
        TableName: 'bin',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'B' }],
      }),
    );
  });
  afterAll(async () => {
    db?.destroy();
    streams?.destroy();
    await aws?.close();
  });

  const fails = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'ok',
      (e: Error) => `${e.name}: ${e.message}`,
    );

  it('stores binary keys and evaluates functions on every value type', async () => {
    await db.send(
      new PutItemCommand({
        TableName: 'bin',
        Item: {
          id: B(1, 2, 3),
          bs: { BS: [new Uint8Array([9]), new Uint8Array([8])] },
          ns: { NS: ['1', '20.5'] },
          ss: { SS: ['a', 'b'] },
          l: { L: [S('x'), N(1)] },
          m: { M: { k: S('v') } },
          bin1: B(5, 6, 7),
          text: S('héllo'),
        },
      }),
    );
    const conditions: [string, Record<string, unknown>, string][] = [
      ['contains(bs, :v)', { ':v': B(9) }, 'ok'],
      ['contains(ns, :v)', { ':v': N('20.50') }, 'ok'],
      ['contains(ss, :v)', { ':v': S('b') }, 'ok'],
      ['contains(l, :v)', { ':v': N(1) }, 'ok'],
      ['contains(bin1, :v)', { ':v': B(6, 7) }, 'ok'],
      ['contains(m, :v)', { ':v': S('v') }, 'fail'],
      ['begins_with(bin1, :v)', { ':v': B(5, 6) }, 'ok'],
      ['begins_with(bin1, :v)', { ':v': B(6) }, 'fail'],
      ['begins_with(absent, :v)', { ':v': S('x') }, 'fail'],
      ['size(bs) = :two AND size(ns) = :two AND size(ss) = :two AND size(l) = :two', { ':two': N(2) }, 'ok'],
      [
        'size(m) = :one AND size(bin1) = :three AND size(#t) = :five',
        { ':one': N(1), ':three': N(3), ':five': N(5) },
        'ok',
      ],
      ['bin1 > :v AND bin1 < :w', { ':v': B(5), ':w': B(5, 7) }, 'ok'],
      ['ns = :v', { ':v': { NS: ['20.5', '1.0'] } }, 'ok'],
      ['ss = :v', { ':v': { SS: ['b', 'a'] } }, 'ok'],
      ['l = :v', { ':v': { L: [S('x'), N('1.0')] } }, 'ok'],
      ['m = :v', { ':v': { M: { k: S('v') } } }, 'ok'],
      ['m = :v', { ':v': { M: { k: S('w') } } }, 'fail'],
      ['m <> :v', { ':v': { M: { k: S('v'), x: S('y') } } }, 'ok'],
      ['attribute_type(l, :t) AND attribute_type(m, :u)', { ':t': S('L'), ':u': S('M') }, 'ok'],
      ['#t IN (:a, :b)', { ':a': S('x'), ':b': S('y') }, 'fail'],
    ];
    for (const [ConditionExpression, values, expected] of conditions) {
      const outcome = await db
        .send(
          new UpdateItemCommand({
            TableName: 'bin',
            Key: { id: B(1, 2, 3) },
            UpdateExpression: 'SET seen = :yes',
            ConditionExpression,
            ...(ConditionExpression.includes('#t') ? { ExpressionAttributeNames: { '#t': 'text' } } : {}),
            ExpressionAttributeValues: { ...values, ':yes': { BOOL: true } } as never,
          }),
        )
        .then(
          () => 'ok',
          (e: Error) => (e.name === 'ConditionalCheckFailedException' ? 'fail' : e.message),
        );
      expect([ConditionExpression, outcome]).toEqual([ConditionExpression, expected]);
    }
    const added = await db.send(
      new UpdateItemCommand({
        TableName: 'bin',
        Key: { id: B(1, 2, 3) },
        UpdateExpression: 'ADD bs :b, ns :n DELETE ss :s',
        ExpressionAttributeValues: {
          ':b': { BS: [new Uint8Array([7]), new Uint8Array([9])] },
          ':n': { NS: ['1', '3'] },
          ':s': { SS: ['a', 'b'] },
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(added.Attributes?.bs?.BS).toHaveLength(3);
    expect(added.Attributes?.ns).toEqual({ NS: ['1', '20.5', '3'] });
    expect(added.Attributes?.ss).toBeUndefined();
    const wrongSet = await fails(
      db.send(
        new UpdateItemCommand({
          TableName: 'bin',
          Key: { id: B(1, 2, 3) },
          UpdateExpression: 'ADD ns :s',
          ExpressionAttributeValues: { ':s': { SS: ['x'] } },
        }),
      ),
    );
    expect(wrongSet).toBe(
      'ValidationException: An operand in the update expression has an incorrect data type',
    );
    const emptyBinaryKey = await fails(db.send(new GetItemCommand({ TableName: 'bin', Key: { id: B() } })));
    expect(emptyBinaryKey).toContain('cannot contain an empty binary value. Key: id');
  });

  it('rejects malformed attribute values and out-of-range numbers', async () => {
    const put = (Item: Record<string, unknown>) =>
      fails(db.send(new PutItemCommand({ TableName: 'bin', Item: { id: B(1), ...Item } as never })));
    expect(await put({ x: { NULL: false } })).toBe(
      'ValidationException: One or more parameter values were invalid: Null attribute value types must have the value of true',
    );
    expect(await put({ x: {} })).toBe(
      'ValidationException: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
    expect(await put({ x: { NS: [] } })).toBe(
      'ValidationException: One or more parameter values were invalid: An number set  may not be empty',
    );
    expect(await put({ x: { BS: [] } })).toBe(
      'ValidationException: One or more parameter values were invalid: Binary sets should not be empty',
    );
    expect(await put({ x: { NS: ['1', '1.0'] } })).toBe(
      'ValidationException: Input collection contains duplicates',
    );
    expect(await put({ x: N('1e-131') })).toBe(
      'ValidationException: Number underflow. Attempting to store a number with magnitude smaller than supported range',
    );
    expect(await put({ x: N('9.9999e125') })).toBe('ok');
    expect(await put({ x: N('-0.000') })).toBe('ok');
    const { Item } = await db.send(new GetItemCommand({ TableName: 'bin', Key: { id: B(1) } }));
    expect(Item?.x).toEqual(N(0));
  });

  it('changes tables through UpdateTable and the tagging API, and guards deletion', async () => {
    const arn = `arn:aws:dynamodb:${aws.region}:000000000000:table/bin`;
    const tagging = new ResourceGroupsTaggingAPIClient(aws.clientConfig);
    try {
      await tagging.send(new TagResourcesCommand({ ResourceARNList: [arn], Tags: { team: 'x', drop: 'y' } }));
      await tagging.send(new UntagResourcesCommand({ ResourceARNList: [arn], TagKeys: ['drop'] }));
      const found = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['dynamodb:table'] }));
      expect(found.ResourceTagMappingList?.find((r) => r.ResourceARN === arn)?.Tags).toEqual([
        { Key: 'team', Value: 'x' },
      ]);
    } finally {
      tagging.destroy();
    }
    const noChange = await fails(db.send(new UpdateTableCommand({ TableName: 'bin' })));
    expect(noChange).toMatch(/^ValidationException: At least one of ProvisionedThroughput/);
    const noStream = await fails(
      db.send(new UpdateTableCommand({ TableName: 'bin', StreamSpecification: { StreamEnabled: false } })),
    );
    expect(noStream).toBe('ValidationException: Table already has no enabled stream: TableName: bin');
    const protectedTable = await db.send(
      new UpdateTableCommand({
        TableName: 'bin',
        DeletionProtectionEnabled: true,
        TableClass: 'STANDARD_INFREQUENT_ACCESS',
        SSESpecification: { Enabled: true },
      }),
    );
    expect(protectedTable.TableDescription?.DeletionProtectionEnabled).toBe(true);
    expect(protectedTable.TableDescription?.TableClassSummary?.TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect(await fails(db.send(new DeleteTableCommand({ TableName: 'bin' })))).toMatch(
      /protected against deletion/,
    );
    await db.send(new UpdateTableCommand({ TableName: 'bin', DeletionProtectionEnabled: false }));
    const missingIndex = await fails(
      db.send(
        new UpdateTableCommand({
          TableName: 'bin',
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'nope' } }],
        }),
      ),
    );
    expect(missingIndex).toBe(
      'ResourceNotFoundException: Requested resource not found: Requested index nope does not exist',
    );

    await db.send(
      new UpdateTimeToLiveCommand({
        TableName: 'bin',
        TimeToLiveSpecification: { AttributeName: 'exp', Enabled: true },
      }),
    );
    const wrongAttribute = await fails(
      db.send(
        new UpdateTimeToLiveCommand({
          TableName: 'bin',
          TimeToLiveSpecification: { AttributeName: 'other', Enabled: false },
        }),
      ),
    );
    expect(wrongAttribute).toMatch(/does not match the one currently set/);
    await db.send(
      new UpdateTimeToLiveCommand({
        TableName: 'bin',
        TimeToLiveSpecification: { AttributeName: 'exp', Enabled: false },
      }),
    );
    const offAgain = await fails(
      db.send(
        new UpdateTimeToLiveCommand({
          TableName: 'bin',
          TimeToLiveSpecification: { AttributeName: 'exp', Enabled: false },
        }),
      ),
    );
    expect(offAgain).toBe('ValidationException: TimeToLive is already disabled');
    await db.send(new DeleteTableCommand({ TableName: 'bin' }));
    expect(await fails(db.send(new DescribeTableCommand({ TableName: 'bin' })))).toMatch(
      /^ResourceNotFoundException/,
    );
  });

  it('queries hash-only tables and pages Scan by ExclusiveStartKey across partitions', async () => {
    await db.send(
      new CreateTableCommand({
        TableName: 'flat',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    for (let i = 0; i < 12; i++)
      await db.send(new PutItemCommand({ TableName: 'flat', Item: { id: N(i), v: N(i) } }));
    const one = await db.send(
      new QueryCommand({
        TableName: 'flat',
        KeyConditionExpression: 'id = :i',
        ExpressionAttributeValues: { ':i': N(3) },
      }),
    );
    expect(one.Items).toEqual([{ id: N(3), v: N(3) }]);
    const bad = await fails(
      db.send(
        new QueryCommand({
          TableName: 'flat',
          KeyConditionExpression: 'id = :i AND v > :v',
          ExpressionAttributeValues: { ':i': N(3), ':v': N(1) },
        }),
      ),
    );
    expect(bad).toBe('ValidationException: Query key condition not supported');
    const ids: string[] = [];
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({ TableName: 'flat', Limit: 5, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }),
      );
      ids.push(...(page.Items ?? []).map((i) => i.id?.N as string));
      ExclusiveStartKey = page.LastEvaluatedKey as never;
    } while (ExclusiveStartKey);
    expect(ids.sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 12 }, (_, i) => String(i)),
    );
    const badStart = await fails(
      db.send(new ScanCommand({ TableName: 'flat', ExclusiveStartKey: { nope: N(1) } })),
    );
    expect(badStart).toBe(
      'ValidationException: The provided starting key is invalid: The provided key element does not match the schema',
    );

    // Streams: paging through DescribeStream shards and invalid iterators.
    const { Streams } = await streams.send(new ListStreamsCommand({ TableName: 'flat' }));
    const StreamArn = Streams?.[0]?.StreamArn as string;
    const described = await streams.send(new DescribeStreamCommand({ StreamArn, Limit: 1 }));
    const shard = described.StreamDescription?.Shards?.[0]?.ShardId as string;
    const rest = await streams.send(new DescribeStreamCommand({ StreamArn, ExclusiveStartShardId: shard }));
    expect(rest.StreamDescription?.Shards).toEqual([]);
    expect(await fails(streams.send(new GetRecordsCommand({ ShardIterator: 'bm90LWFuLWl0ZXJhdG9y' })))).toBe(
      'ValidationException: Invalid ShardIterator',
    );
    expect(
      await fails(
        streams.send(
          new GetShardIteratorCommand({ StreamArn, ShardId: 'shardId-nope', ShardIteratorType: 'LATEST' }),
        ),
      ),
    ).toMatch(/^ResourceNotFoundException/);
    expect(
      await fails(
        streams.send(
          new GetShardIteratorCommand({
            StreamArn,
            ShardId: shard,
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            SequenceNumber: 'x',
          }),
        ),
      ),
    ).toBe('ValidationException: Invalid SequenceNumber for AT_SEQUENCE_NUMBER ShardIteratorType');
    expect(
      await fails(
        streams.send(
          new GetShardIteratorCommand({
            StreamArn,
            ShardId: shard,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: '9'.repeat(30),
          }),
        ),
      ),
    ).toMatch(/is not in the shard's sequence number range$/);
    expect(await fails(streams.send(new DescribeStreamCommand({ StreamArn: 'arn:aws:sqs:x' })))).toBe(
      'ValidationException: Invalid StreamArn',
    );
  });
});

describe('local DynamoDB: index projections and legacy parameters', () => {
  let aws: TestAws;
  let db: DynamoDBClient;
  beforeAll(async () => {
    aws = await startTestAws();
    db = new DynamoDBClient(aws.clientConfig);
    await db.send(
      new CreateTableCommand({
        TableName: 'proj',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'l', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byL',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'l', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
    await db.send(
      new PutItemCommand({
        TableName: 'proj',
        Item: { pk: S('a'), sk: S('1'), l: S('x'), g: S('y'), extra: S('e') },
      }),
    );
  });
  afterAll(async () => {
    db?.destroy();
    await aws?.close();
  });

  it('answers index queries with the projection, and ALL_ATTRIBUTES from a local index', async () => {
    const query = (
      IndexName: string,
      KeyConditionExpression: string,
      values: Record<string, { S: string }>,
      Select?: 'ALL_ATTRIBUTES',
    ) =>
      db.send(
        new QueryCommand({
          TableName: 'proj',
          IndexName,
          KeyConditionExpression,
          ExpressionAttributeValues: values,
          ...(Select ? { Select } : {}),
        }),
      );
    const projected = await query('byL', 'pk = :p', { ':p': S('a') });
    expect(projected.Items).toEqual([{ pk: S('a'), sk: S('1'), l: S('x') }]);
    const full = await query('byL', 'pk = :p', { ':p': S('a') }, 'ALL_ATTRIBUTES');
    expect(full.Items?.[0]?.extra).toEqual(S('e'));
    const scanFull = await db.send(
      new ScanCommand({ TableName: 'proj', IndexName: 'byL', Select: 'ALL_ATTRIBUTES' }),
    );
    expect(scanFull.Items?.[0]?.extra).toEqual(S('e'));
    const gsi = await query('byG', 'g = :g', { ':g': S('y') }, 'ALL_ATTRIBUTES').then(
      () => 'ok',
      (e: Error) => e.message,
    );
    expect(gsi).toBe(
      'One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index byG because its projection type is not ALL',
    );
  });

  it('reports consumed capacity and checks placeholder names', async () => {
    const put = await db.send(
      new PutItemCommand({
        TableName: 'proj',
        Item: { pk: S('c'), sk: S('1') },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(put.ConsumedCapacity).toEqual({ TableName: 'proj', CapacityUnits: 1 });
    const got = await db.send(
      new GetItemCommand({
        TableName: 'proj',
        Key: { pk: S('c'), sk: S('1') },
        ReturnConsumedCapacity: 'INDEXES',
        ConsistentRead: true,
      }),
    );
    expect(got.ConsumedCapacity).toEqual({
      TableName: 'proj',
      CapacityUnits: 1,
      Table: { CapacityUnits: 1 },
    });
    const scanned = await db.send(new ScanCommand({ TableName: 'proj', ReturnConsumedCapacity: 'TOTAL' }));
    expect(scanned.ConsumedCapacity).toEqual({ TableName: 'proj', CapacityUnits: 0.5 });
    const badValue = await db
      .send(
        new GetItemCommand({
          TableName: 'proj',
          Key: { pk: S('c'), sk: S('1') },
          ProjectionExpression: 'pk',
          ExpressionAttributeNames: { n: 'x' },
        }),
      )
      .then(
        () => 'ok',
        (e: Error) => e.message,
      );
    expect(badValue).toBe('ExpressionAttributeNames contains invalid key: Syntax error; key: "n"');
  });

  it('names the expression to use instead of a legacy parameter', async () => {
    const legacy = await db
      .send(
        new GetItemCommand({
          TableName: 'proj',
          Key: { pk: S('a'), sk: S('1') },
          AttributesToGet: ['extra'],
        }),
      )
      .then(
        () => 'ok',
        (e: Error) => e.message,
      );
    expect(legacy).toBe(
      'AttributesToGet is a legacy parameter that the eventprobe emulator does not support; use ProjectionExpression instead.',
    );
    const keyConditions = await db
      .send(
        new QueryCommand({
          TableName: 'proj',
          KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [S('a')] } },
        }),
      )
      .then(
        () => 'ok',
        (e: Error) => e.message,
      );
    expect(keyConditions).toMatch(/^KeyConditions is a legacy parameter/);
  });
});
