import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  IdempotentParameterMismatchException,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  TagResourceCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UntagResourceCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  QueryCommand as DocQueryCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const S = (s: string) => ({ S: s });
const N = (n: string | number) => ({ N: String(n) });

describe('local DynamoDB', () => {
  let aws: TestAws;
  let db: DynamoDBClient;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    aws = await startTestAws();
    db = new DynamoDBClient(aws.clientConfig);
    doc = DynamoDBDocumentClient.from(db);
  });
  afterAll(async () => {
    db?.destroy();
    await aws?.close();
  });

  const createTable = (TableName: string, extra: Partial<CreateTableCommandInput> = {}) =>
    db.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        ...extra,
      }),
    );

  const rejects = async (promise: Promise<unknown>): Promise<Error & { name: string }> => {
    try {
      await promise;
    } catch (err) {
      return err as Error & { name: string };
    }
    throw new Error('expected the call to fail');
  };

  describe('tables', () => {
    it('creates, describes (waiter), lists with paging, updates and deletes tables', async () => {
      const created = await createTable('orders', {
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'lsk', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byStatus',
            KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byLsk',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'lsk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['note'] },
          },
        ],
        Tags: [{ Key: 'team', Value: 'a' }],
        SSESpecification: { Enabled: true },
      });
      expect(created.TableDescription?.TableStatus).toBe('CREATING');
      await waitUntilTableExists({ client: db, maxWaitTime: 30 }, { TableName: 'orders' });
      const { Table } = await db.send(new DescribeTableCommand({ TableName: 'orders' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.TableArn).toBe(`arn:aws:dynamodb:${aws.region}:000000000000:table/orders`);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus])).toEqual([
        ['byStatus', 'ACTIVE'],
      ]);
      expect(Table?.LocalSecondaryIndexes?.[0]?.Projection).toEqual({
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: ['note'],
      });
      expect(Table?.SSEDescription?.Status).toBe('ENABLED');

      const dup = await rejects(createTable('orders'));
      expect(dup).toBeInstanceOf(ResourceInUseException);
      expect(dup.message).toBe('Table already exists: orders');

      for (const name of ['page-a', 'page-b', 'page-c']) await createTable(name);
      const first = await db.send(new ListTablesCommand({ Limit: 2 }));
      expect(first.TableNames).toEqual(['orders', 'page-a']);
      expect(first.LastEvaluatedTableName).toBe('page-a');
      const second = await db.send(new ListTablesCommand({ ExclusiveStartTableName: 'page-a', Limit: 2 }));
      expect(second.TableNames).toEqual(['page-b', 'page-c']);

      const updated = await db.send(
        new UpdateTableCommand({
          TableName: 'page-a',
          BillingMode: 'PROVISIONED',
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 3 },
          AttributeDefinitions: [{ AttributeName: 'g', AttributeType: 'S' }],
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: 'byG',
                KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
                Projection: { ProjectionType: 'ALL' },
                ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
              },
            },
          ],
        }),
      );
      expect(updated.TableDescription?.ProvisionedThroughput?.ReadCapacityUnits).toBe(5);
      expect(updated.TableDescription?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byG');
      const removed = await db.send(
        new UpdateTableCommand({
          TableName: 'page-a',
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byG' } }],
        }),
      );
      expect(removed.TableDescription?.GlobalSecondaryIndexes).toBeUndefined();

      const deleted = await db.send(new DeleteTableCommand({ TableName: 'page-c' }));
      expect(deleted.TableDescription?.TableStatus).toBe('DELETING');
      const gone = await rejects(db.send(new DescribeTableCommand({ TableName: 'page-c' })));
      expect(gone).toBeInstanceOf(ResourceNotFoundException);
      expect(gone.message).toBe('Requested resource not found: Table: page-c not found');
    });

    it('validates key schemas, attribute definitions and billing as AWS does', async () => {
      const undefinedKey = await rejects(
        createTable('bad1', { AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] }),
      );
      expect(undefinedKey.message).toBe(
        'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [sk], AttributeDefinitions: [pk]',
      );
      const extra = await rejects(
        createTable('bad2', {
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'N' },
            { AttributeName: 'x', AttributeType: 'S' },
          ],
        }),
      );
      expect(extra.message).toContain('Number of attributes in KeySchema does not exactly match');
      const noThroughput = await rejects(createTable('bad3', { BillingMode: 'PROVISIONED' }));
      expect(noThroughput.message).toContain(
        'ReadCapacityUnits and WriteCapacityUnits must both be specified',
      );
      const shortName = await rejects(createTable('ab'));
      expect(shortName.message).toBe(
        'TableName must be at least 3 characters long and at most 255 characters long',
      );
      const noView = await rejects(createTable('bad4', { StreamSpecification: { StreamEnabled: true } }));
      expect(noView.message).toContain('You must specify a StreamViewType when enabling a stream');
    });

    it('tags tables (and the tagging API sees them), and describes/updates time to live', async () => {
      await createTable('tagged', { Tags: [{ Key: 'a', Value: '1' }] });
      const arn = `arn:aws:dynamodb:${aws.region}:000000000000:table/tagged`;
      await db.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'b', Value: '2' }] }));
      await db.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['a'] }));
      const { Tags } = await db.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
      expect(Tags).toEqual([{ Key: 'b', Value: '2' }]);
      const tagging = new ResourceGroupsTaggingAPIClient(aws.clientConfig);
      const found = await tagging.send(
        new GetResourcesCommand({
          TagFilters: [{ Key: 'b', Values: ['2'] }],
          ResourceTypeFilters: ['dynamodb'],
        }),
      );
      tagging.destroy();
      expect(found.ResourceTagMappingList?.map((r) => r.ResourceARN)).toEqual([arn]);
      const missing = await rejects(
        db.send(new ListTagsOfResourceCommand({ ResourceArn: `${arn.slice(0, -6)}nothere` })),
      );
      expect(missing).toBeInstanceOf(ResourceNotFoundException);

      expect(
        (await db.send(new DescribeTimeToLiveCommand({ TableName: 'tagged' }))).TimeToLiveDescription,
      ).toEqual({
        TimeToLiveStatus: 'DISABLED',
      });
      await db.send(
        new UpdateTimeToLiveCommand({
          TableName: 'tagged',
          TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true },
        }),
      );
      expect(
        (await db.send(new DescribeTimeToLiveCommand({ TableName: 'tagged' }))).TimeToLiveDescription,
      ).toEqual({
        TimeToLiveStatus: 'ENABLED',
        AttributeName: 'expires',
      });
      const again = await rejects(
        db.send(
          new UpdateTimeToLiveCommand({
            TableName: 'tagged',
            TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true },
          }),
        ),
      );
      expect(again.message).toBe('TimeToLive is already enabled');
      // An item whose TTL has passed is deleted; one in the future stays.
      const past = Math.floor(Date.now() / 1000) - 10;
      await doc.send(new PutCommand({ TableName: 'tagged', Item: { pk: 'old', sk: 1, expires: past } }));
      await doc.send(
        new PutCommand({ TableName: 'tagged', Item: { pk: 'new', sk: 1, expires: past + 3600 } }),
      );
      // As on AWS, an expired item stays readable until the TTL process (here: at most a second later) deletes it.
      await vi.waitFor(
        async () => {
          const scan = await db.send(new ScanCommand({ TableName: 'tagged' }));
          expect(scan.Items?.map((i) => i.pk?.S)).toEqual(['new']);
        },
        { timeout: 10_000, interval: 200 },
      );
    });
  });

  describe('items and expressions', () => {
    beforeAll(async () => {
      await createTable('items');
    });

    it('puts and gets items through the document client, numbers exact to 38 digits', async () => {
      const big = '12345678901234567890123456789012345678';
      await db.send(
        new PutItemCommand({
          TableName: 'items',
          Item: {
            pk: S('a'),
            sk: N(1),
            big: N(big),
            small: N('0.000000000000000000000000000000000000001'),
            tidy: N('00012.5000'),
            set: { NS: ['1', '2.50'] },
            nested: { M: { list: { L: [S('x'), { BOOL: true }, { NULL: true }] } } },
          },
        }),
      );
      const { Item } = await db.send(
        new GetItemCommand({ TableName: 'items', Key: { pk: S('a'), sk: N(1) }, ConsistentRead: true }),
      );
      expect(Item?.big).toEqual(N(big));
      expect(Item?.tidy).toEqual(N('12.5'));
      expect(Item?.small).toEqual(N('0.000000000000000000000000000000000000001'));
      expect(Item?.set).toEqual({ NS: ['1', '2.5'] });
      const tooPrecise = await rejects(
        db.send(new PutItemCommand({ TableName: 'items', Item: { pk: S('a'), sk: N(2), n: N(`${big}9`) } })),
      );
      expect(tooPrecise.message).toBe('Attempting to store more than 38 significant digits in a Number');
      const notNumber = await rejects(
        db.send(new PutItemCommand({ TableName: 'items', Item: { pk: S('a'), sk: N(2), n: N('abc') } })),
      );
      expect(notNumber.message).toBe('The parameter cannot be converted to a numeric value: abc');

      await doc.send(
        new PutCommand({
          TableName: 'items',
          Item: { pk: 'doc', sk: 1, tags: new Set(['a', 'b']), m: { x: 1 } },
        }),
      );
      const got = await doc.send(new GetCommand({ TableName: 'items', Key: { pk: 'doc', sk: 1 } }));
      expect(got.Item).toEqual({ pk: 'doc', sk: 1, tags: new Set(['a', 'b']), m: { x: 1 } });
      const projected = await db.send(
        new GetItemCommand({
          TableName: 'items',
          Key: { pk: S('a'), sk: N(1) },
          ProjectionExpression: 'nested.#l[0], #t',
          ExpressionAttributeNames: { '#l': 'list', '#t': 'tidy' },
        }),
      );
      expect(projected.Item).toEqual({ nested: { M: { list: { L: [S('x')] } } }, tidy: N('12.5') });
    });

    it('reports key mistakes with AWS messages', async () => {
      const missing = await rejects(
        db.send(new PutItemCommand({ TableName: 'items', Item: { pk: S('a') } })),
      );
      expect(missing.message).toBe(
        'One or more parameter values were invalid: Missing the key sk in the item',
      );
      const wrongType = await rejects(
        db.send(new PutItemCommand({ TableName: 'items', Item: { pk: N(1), sk: N(1) } })),
      );
      expect(wrongType.message).toBe(
        'One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N',
      );
      const badKey = await rejects(db.send(new GetItemCommand({ TableName: 'items', Key: { pk: S('a') } })));
      expect(badKey.message).toBe('The provided key element does not match the schema');
      const noTable = await rejects(
        db.send(new GetItemCommand({ TableName: 'nothere', Key: { pk: S('a') } })),
      );
      expect(noTable).toBeInstanceOf(ResourceNotFoundException);
      expect(noTable.message).toBe('Requested resource not found');
      const tooBig = await rejects(
        db.send(
          new PutItemCommand({
            TableName: 'items',
            Item: { pk: S('big'), sk: N(1), x: S('x'.repeat(410 * 1024)) },
          }),
        ),
      );
      expect(tooBig.message).toBe('Item size has exceeded the maximum allowed size');
      const emptyKey = await rejects(
        db.send(new PutItemCommand({ TableName: 'items', Item: { pk: S(''), sk: N(1) } })),
      );
      expect(emptyKey.message).toContain('cannot contain an empty string value. Key: pk');
    });

    it('checks conditions and returns old values, also on failure', async () => {
      await db.send(
        new PutItemCommand({ TableName: 'items', Item: { pk: S('c'), sk: N(1), v: N(1), s: S('open') } }),
      );
      const failed = await rejects(
        db.send(
          new PutItemCommand({
            TableName: 'items',
            Item: { pk: S('c'), sk: N(1) },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      expect(failed).toBeInstanceOf(ConditionalCheckFailedException);
      expect(failed.message).toBe('The conditional request failed');
      expect((failed as ConditionalCheckFailedException).Item).toEqual({
        pk: S('c'),
        sk: N(1),
        v: N(1),
        s: S('open'),
      });

      const old = await db.send(
        new PutItemCommand({
          TableName: 'items',
          Item: { pk: S('c'), sk: N(1), v: N(2), s: S('open') },
          ConditionExpression:
            'v BETWEEN :lo AND :hi AND s IN (:a, :b) AND begins_with(s, :p) AND NOT contains(s, :z)',
          ExpressionAttributeValues: {
            ':lo': N(0),
            ':hi': N(5),
            ':a': S('open'),
            ':b': S('x'),
            ':p': S('op'),
            ':z': S('z'),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      expect(old.Attributes?.v).toEqual(N(1));
      const conditions: [string, Record<string, { S: string } | { N: string }>, boolean][] = [
        ['attribute_type(v, :t)', { ':t': S('N') }, true],
        ['attribute_type(v, :t)', { ':t': S('S') }, false],
        ['size(s) = :n', { ':n': N(4) }, true],
        ['size(absent) > :n', { ':n': N(0) }, false],
        ['v <> :n OR s = :s', { ':n': N(2), ':s': S('nope') }, false],
        ['(v >= :n) AND attribute_exists(s)', { ':n': N(2) }, true],
        ['v < :n', { ':n': S('2') }, false],
      ];
      for (const [ConditionExpression, values, ok] of conditions) {
        const outcome = await db
          .send(
            new DeleteItemCommand({
              TableName: 'items',
              Key: { pk: S('nope'), sk: N(0) },
              ConditionExpression: `${ConditionExpression} OR attribute_not_exists(pk)`,
              ExpressionAttributeValues: values,
            }),
          )
          .then(() => 'deleted');
        expect(outcome).toBe('deleted');
        const check = await db
          .send(
            new UpdateItemCommand({
              TableName: 'items',
              Key: { pk: S('c'), sk: N(1) },
              UpdateExpression: 'SET checked = :true',
              ConditionExpression,
              ExpressionAttributeValues: { ...values, ':true': { BOOL: true } },
            }),
          )
          .then(
            () => true,
            (e: Error) => (e instanceof ConditionalCheckFailedException ? false : Promise.reject(e)),
          );
        expect([ConditionExpression, check]).toEqual([ConditionExpression, ok]);
      }
      const removed = await db.send(
        new DeleteItemCommand({ TableName: 'items', Key: { pk: S('c'), sk: N(1) }, ReturnValues: 'ALL_OLD' }),
      );
      expect(removed.Attributes?.checked).toEqual({ BOOL: true });
    });

    it('updates with SET arithmetic, if_not_exists, list_append, REMOVE, ADD and DELETE', async () => {
      const key = { pk: S('u'), sk: N(1) };
      const created = await db.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: key,
          UpdateExpression:
            'SET #c = if_not_exists(#c, :zero) + :one, l = :l, m = :m ADD tags :tags, tot :big',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: {
            ':zero': N(0),
            ':one': N(1),
            ':l': { L: [N(1)] },
            ':m': { M: { a: { M: { b: N(1) } } } },
            ':tags': { SS: ['x', 'y'] },
            ':big': N('99999999999999999999999999999999999999'),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      expect(created.Attributes?.count).toEqual(N(1));
      const updated = await db.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: key,
          UpdateExpression:
            'SET #c = #c + :one, l = list_append(:front, l), m.a.b = m.a.b - :half REMOVE gone DELETE tags :x ADD tot :neg',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: {
            ':one': N(1),
            ':front': { L: [N(0)] },
            ':half': N('0.5'),
            ':x': { SS: ['x'] },
            ':neg': N('-99999999999999999999999999999999999998'),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      expect(updated.Attributes).toEqual({
        count: N(2),
        l: { L: [N(0), N(1)] },
        m: { M: { a: { M: { b: N('0.5') } } } },
        tags: { SS: ['y'] },
        tot: N(1),
      });
      const old = await db.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: key,
          UpdateExpression: 'REMOVE l[0], m.a DELETE tags :y',
          ExpressionAttributeValues: { ':y': { SS: ['y'] } },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      expect(old.Attributes).toEqual({
        l: { L: [N(0)] },
        m: { M: { a: { M: { b: N('0.5') } } } },
        tags: { SS: ['y'] },
      });
      await db.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: key,
          UpdateExpression: 'SET l[5] = :end',
          ExpressionAttributeValues: { ':end': S('end') },
        }),
      );
      const after = await doc.send(new GetCommand({ TableName: 'items', Key: { pk: 'u', sk: 1 } }));
      expect(after.Item).toEqual({ pk: 'u', sk: 1, count: 2, l: [1, 'end'], m: {}, tot: 1 });

      const docUpdate = await doc
        .send(
          new UpdateCommand({
            TableName: 'items',
            Key: { pk: 'u', sk: 1 },
            UpdateExpression: 'SET tot = tot * :two',
            ExpressionAttributeValues: { ':two': 2 },
          }),
        )
        .catch((e: Error) => e);
      expect((docUpdate as Error).message).toBe(
        'Invalid UpdateExpression: Syntax error; token: "*", near: "tot * :two"',
      );

      const errors: [string, Record<string, unknown>, string][] = [
        [
          'SET count = :v',
          { ':v': N(1) },
          'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: count',
        ],
        [
          'SET pk = :v',
          { ':v': S('x') },
          'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key',
        ],
        [
          'SET a = :v',
          { ':v': N(1), ':w': N(2) },
          'Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}',
        ],
        [
          'SET a = :nope',
          { ':v': N(1) },
          'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope',
        ],
        [
          'SET a = absent + :v',
          { ':v': N(1) },
          'The provided expression refers to an attribute that does not exist in the item',
        ],
        ['SET a = l + :v', { ':v': N(1) }, 'An operand in the update expression has an incorrect data type'],
        [
          'SET a = :v, a.b = :v',
          { ':v': N(1) },
          'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]',
        ],
        [
          'SET x.y.z = :v',
          { ':v': N(1) },
          'The document path provided in the update expression is invalid for update',
        ],
        [
          'ADD a :v',
          { ':v': S('s') },
          'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
        ],
        [
          'SET a = :v SET b = :v',
          { ':v': N(1) },
          'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
        ],
        ['SET a = size(l)', {}, 'Invalid UpdateExpression: Invalid function name; function: size'],
      ];
      for (const [UpdateExpression, values, message] of errors) {
        const err = await rejects(
          db.send(
            new UpdateItemCommand({
              TableName: 'items',
              Key: key,
              UpdateExpression,
              ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values as never } : {}),
            }),
          ),
        );
        expect([UpdateExpression, err.name, err.message]).toEqual([
          UpdateExpression,
          'ValidationException',
          message,
        ]);
      }
      const unusedName = await rejects(
        db.send(
          new GetItemCommand({
            TableName: 'items',
            Key: key,
            ProjectionExpression: 'a',
            ExpressionAttributeNames: { '#n': 'n' },
          }),
        ),
      );
      expect(unusedName.message).toBe(
        'Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}',
      );
      const namesWithout = await rejects(
        db.send(
          new GetItemCommand({ TableName: 'items', Key: key, ExpressionAttributeNames: { '#n': 'n' } }),
        ),
      );
      expect(namesWithout.message).toBe(
        'ExpressionAttributeNames can only be specified when using expressions',
      );
      const undefinedName = await rejects(
        db.send(new GetItemCommand({ TableName: 'items', Key: key, ProjectionExpression: '#x' })),
      );
      expect(undefinedName.message).toBe(
        'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #x',
      );
      const badFunction = await rejects(
        db.send(new DeleteItemCommand({ TableName: 'items', Key: key, ConditionExpression: 'exists(a)' })),
      );
      expect(badFunction.message).toBe(
        'Invalid ConditionExpression: Invalid function name; function: exists',
      );
      const badReturn = await rejects(
        db.send(new PutItemCommand({ TableName: 'items', Item: key, ReturnValues: 'ALL_NEW' })),
      );
      expect(badReturn.message).toBe('ReturnValues can only be ALL_OLD or NONE');
    });
  });

  describe('Query and Scan', () => {
    beforeAll(async () => {
      await createTable('events', {
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'kind', AttributeType: 'S' },
          { AttributeName: 'at', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byKind',
            KeySchema: [
              { AttributeName: 'kind', KeyType: 'HASH' },
              { AttributeName: 'at', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      });
      const puts = [];
      for (let b = 0; b < 4; b++) {
        for (let i = 0; i < 25; i++) {
          puts.push({
            PutRequest: {
              Item: {
                pk: S(`batch-${b}`),
                sk: N(i),
                kind: S(i % 2 === 0 ? 'even' : 'odd'),
                at: S(`t${String(100 - i).padStart(3, '0')}`),
                payload: S('x'.repeat(10)),
              },
            },
          });
        }
      }
      for (let i = 0; i < puts.length; i += 25) {
        const out = await db.send(
          new BatchWriteItemCommand({ RequestItems: { events: puts.slice(i, i + 25) } }),
        );
        expect(out.UnprocessedItems).toEqual({});
      }
    });

    it('queries a partition in order, both directions, with key conditions, filters and paging', async () => {
      const asc = await db.send(
        new QueryCommand({
          TableName: 'events',
          KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
          FilterExpression: 'kind = :k',
          ExpressionAttributeValues: { ':p': S('batch-1'), ':a': N(3), ':b': N(12), ':k': S('odd') },
        }),
      );
      expect(asc.Items?.map((i) => Number(i.sk?.N))).toEqual([3, 5, 7, 9, 11]);
      expect(asc.ScannedCount).toBe(10);
      expect(asc.LastEvaluatedKey).toBeUndefined();

      const pages: number[][] = [];
      let ExclusiveStartKey: Record<string, never> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: 'events',
            KeyConditionExpression: 'pk = :p AND sk < :b',
            ExpressionAttributeValues: { ':p': S('batch-2'), ':b': N(10) },
            ScanIndexForward: false,
            Limit: 4,
            ProjectionExpression: 'sk',
            ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
          }),
        );
        pages.push((page.Items ?? []).map((i) => Number(i.sk?.N)));
        ExclusiveStartKey = page.LastEvaluatedKey as never;
      } while (ExclusiveStartKey);
      expect(pages).toEqual([[9, 8, 7, 6], [5, 4, 3, 2], [1, 0], []].slice(0, pages.length));
      expect(pages.flat()).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);

      const count = await db.send(
        new QueryCommand({
          TableName: 'events',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('batch-0') },
          Select: 'COUNT',
        }),
      );
      expect([count.Count, count.Items]).toEqual([25, undefined]);

      const doc = await DynamoDBDocumentClient.from(db).send(
        new DocQueryCommand({
          TableName: 'events',
          IndexName: 'byKind',
          KeyConditionExpression: 'kind = :k AND begins_with(#at, :t)',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':k': 'even', ':t': 't09' },
        }),
      );
      // Index order: at ascending, then the table key; KEYS_ONLY projects the table and index keys.
      expect(doc.Items?.[0]).toEqual({ pk: 'batch-0', sk: 10, kind: 'even', at: 't090' });
      expect(doc.Items?.map((i) => `${i.at}/${i.pk}`).slice(0, 5)).toEqual([
        't090/batch-0',
        't090/batch-1',
        't090/batch-2',
        't090/batch-3',
        't092/batch-0',
      ]);
    });

    it('rejects key conditions AWS rejects', async () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['sk = :v', { ':v': N(1) }, 'Query condition missed key schema element: pk'],
        [
          'pk = :p OR sk = :v',
          { ':p': S('a'), ':v': N(1) },
          'Invalid operator used in KeyConditionExpression: OR',
        ],
        [
          'pk = :v',
          { ':v': N(1) },
          'One or more parameter values were invalid: Condition parameter type does not match schema type',
        ],
        [
          'pk = :p AND payload = :v',
          { ':p': S('a'), ':v': S('x') },
          'Query condition missed key schema element: sk',
        ],
      ];
      for (const [KeyConditionExpression, values, message] of cases) {
        const err = await rejects(
          db.send(
            new QueryCommand({
              TableName: 'events',
              KeyConditionExpression,
              ExpressionAttributeValues: values as never,
            }),
          ),
        );
        expect([KeyConditionExpression, err.message]).toEqual([KeyConditionExpression, message]);
      }
      const filterOnKey = await rejects(
        db.send(
          new QueryCommand({
            TableName: 'events',
            KeyConditionExpression: 'pk = :p',
            FilterExpression: 'sk > :v',
            ExpressionAttributeValues: { ':p': S('a'), ':v': N(1) },
          }),
        ),
      );
      expect(filterOnKey.message).toBe(
        'Filter Expression can only contain non-primary key attributes: Primary key attribute: sk',
      );
      const consistentGsi = await rejects(
        db.send(
          new QueryCommand({
            TableName: 'events',
            IndexName: 'byKind',
            ConsistentRead: true,
            KeyConditionExpression: 'kind = :k',
            ExpressionAttributeValues: { ':k': S('odd') },
          }),
        ),
      );
      expect(consistentGsi.message).toBe('Consistent reads are not supported on global secondary indexes');
    });

    it('scans with filters, segments and paging, covering every item exactly once', async () => {
      const seen: string[] = [];
      for (let Segment = 0; Segment < 3; Segment++) {
        let ExclusiveStartKey: Record<string, never> | undefined;
        do {
          const page = await db.send(
            new ScanCommand({
              TableName: 'events',
              Segment,
              TotalSegments: 3,
              Limit: 7,
              FilterExpression: 'sk >= :z',
              ExpressionAttributeValues: { ':z': N(0) },
              ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
            }),
          );
          for (const i of page.Items ?? []) seen.push(`${i.pk?.S}/${i.sk?.N}`);
          ExclusiveStartKey = page.LastEvaluatedKey as never;
        } while (ExclusiveStartKey);
      }
      expect(seen).toHaveLength(100);
      expect(new Set(seen).size).toBe(100);
      const filtered = await db.send(
        new ScanCommand({
          TableName: 'events',
          FilterExpression: 'sk = :n',
          ExpressionAttributeValues: { ':n': N(24) },
        }),
      );
      expect([filtered.Count, filtered.ScannedCount]).toEqual([4, 100]);
      const index = await db.send(
        new ScanCommand({ TableName: 'events', IndexName: 'byKind', Select: 'COUNT' }),
      );
      expect(index.Count).toBe(100);
      const badSegment = await rejects(
        db.send(new ScanCommand({ TableName: 'events', Segment: 3, TotalSegments: 3 })),
      );
      expect(badSegment.message).toBe(
        'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3',
      );
    });

    it('stops a page at 1 MB', async () => {
      await createTable('large');
      const blob = 'y'.repeat(300 * 1024);
      for (let i = 0; i < 5; i++) {
        await db.send(
          new PutItemCommand({ TableName: 'large', Item: { pk: S('p'), sk: N(i), blob: S(blob) } }),
        );
      }
      const first = await db.send(
        new QueryCommand({
          TableName: 'large',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('p') },
        }),
      );
      expect(first.Count).toBe(4);
      expect(first.LastEvaluatedKey).toEqual({ pk: S('p'), sk: N(3) });
      const rest = await db.send(
        new QueryCommand({
          TableName: 'large',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('p') },
          ExclusiveStartKey: first.LastEvaluatedKey,
        }),
      );
      expect([rest.Count, rest.LastEvaluatedKey]).toEqual([1, undefined]);
    });
  });

  describe('batches and transactions', () => {
    beforeAll(async () => {
      await createTable('accounts');
    });

    it('batch-writes and batch-gets within AWS limits', async () => {
      await db.send(
        new BatchWriteItemCommand({
          RequestItems: {
            accounts: [
              { PutRequest: { Item: { pk: S('a'), sk: N(1), v: N(1) } } },
              { PutRequest: { Item: { pk: S('b'), sk: N(1), v: N(2) } } },
              { PutRequest: { Item: { pk: S('limits'), sk: N(1), v: N(100) } } },
              { DeleteRequest: { Key: { pk: S('zz'), sk: N(1) } } },
            ],
          },
        }),
      );
      const got = await db.send(
        new BatchGetItemCommand({
          RequestItems: {
            accounts: {
              Keys: [
                { pk: S('a'), sk: N(1) },
                { pk: S('b'), sk: N(1) },
                { pk: S('none'), sk: N(1) },
              ],
              ProjectionExpression: 'v',
            },
          },
        }),
      );
      expect(got.Responses?.accounts?.map((i) => i.v?.N).sort()).toEqual(['1', '2']);
      expect(got.UnprocessedKeys).toEqual({});
      const tooMany = await rejects(
        db.send(
          new BatchWriteItemCommand({
            RequestItems: {
              accounts: Array.from({ length: 26 }, (_, i) => ({
                PutRequest: { Item: { pk: S('x'), sk: N(i) } },
              })),
            },
          }),
        ),
      );
      expect(tooMany.name).toBe('ValidationException');
      const tooManyKeys = await rejects(
        db.send(
          new BatchGetItemCommand({
            RequestItems: {
              accounts: { Keys: Array.from({ length: 101 }, (_, i) => ({ pk: S('x'), sk: N(i) })) },
            },
          }),
        ),
      );
      expect(tooManyKeys.message).toMatch(
        /at 'requestItems.accounts.member.keys' failed to satisfy constraint: Member must have length less than or equal to 100$/,
      );
      const dupes = await rejects(
        db.send(
          new BatchGetItemCommand({
            RequestItems: {
              accounts: {
                Keys: [
                  { pk: S('a'), sk: N(1) },
                  { pk: S('a'), sk: N(1) },
                ],
              },
            },
          }),
        ),
      );
      expect(dupes.message).toBe('Provided list of item keys contains duplicates');
    });

    it('commits transactions all or nothing, with cancellation reasons and idempotency tokens', async () => {
      const transfer = (amount: number, token?: string) =>
        db.send(
          new TransactWriteItemsCommand({
            ...(token ? { ClientRequestToken: token } : {}),
            TransactItems: [
              {
                Update: {
                  TableName: 'accounts',
                  Key: { pk: S('a'), sk: N(1) },
                  UpdateExpression: 'SET v = v - :n',
                  ConditionExpression: 'v >= :n',
                  ExpressionAttributeValues: { ':n': N(amount) },
                },
              },
              {
                Update: {
                  TableName: 'accounts',
                  Key: { pk: S('b'), sk: N(1) },
                  UpdateExpression: 'SET v = v + :n',
                  ExpressionAttributeValues: { ':n': N(amount) },
                },
              },
              { Put: { TableName: 'accounts', Item: { pk: S('log'), sk: N(amount), amount: N(amount) } } },
              {
                ConditionCheck: {
                  TableName: 'accounts',
                  Key: { pk: S('limits'), sk: N(1) },
                  ConditionExpression: 'attribute_exists(v)',
                },
              },
            ],
          }),
        );
      await transfer(1, 'token-1');
      await transfer(1, 'token-1'); // same token, same request: applied once
      const mismatch = await rejects(transfer(2, 'token-1'));
      expect(mismatch).toBeInstanceOf(IdempotentParameterMismatchException);
      const cancelled = await rejects(transfer(5));
      expect(cancelled).toBeInstanceOf(TransactionCanceledException);
      expect(cancelled.message).toBe(
        'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None, None]',
      );
      expect((cancelled as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
        'ConditionalCheckFailed',
        'None',
        'None',
        'None',
      ]);
      const read = await db.send(
        new TransactGetItemsCommand({
          TransactItems: [
            { Get: { TableName: 'accounts', Key: { pk: S('a'), sk: N(1) } } },
            { Get: { TableName: 'accounts', Key: { pk: S('b'), sk: N(1) }, ProjectionExpression: 'v' } },
            { Get: { TableName: 'accounts', Key: { pk: S('log'), sk: N(5) } } },
          ],
        }),
      );
      expect(read.Responses?.map((r) => r.Item?.v ?? r.Item)).toEqual([N(0), N(3), undefined]);
      const sameItem = await rejects(
        db.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: 'accounts', Item: { pk: S('a'), sk: N(1) } } },
              { Delete: { TableName: 'accounts', Key: { pk: S('a'), sk: N(1) } } },
            ],
          }),
        ),
      );
      expect(sameItem.message).toBe('Transaction request cannot include multiple operations on one item');
    });
  });
});
