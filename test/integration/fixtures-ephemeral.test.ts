/**
 * Ephemeral fixtures (createTable, ...) against the emulator with unmodified SDK clients: created,
 * tagged, usable; cleanup() leaves nothing; sweep() removes a crashed run's and never an unmarked
 * look-alike; bad options create nothing.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, InvalidInputError, type Probe } from '../../src/index.js';
import { listenerIdFromName } from '../../src/resources/naming.js';
import { startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let dynamoDb: DynamoDBClient;
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

beforeAll(async () => {
  aws = await startTestAws();
  dynamoDb = new DynamoDBClient(aws.clientConfig);
});

afterAll(async () => {
  for (const p of probes) await p[Symbol.asyncDispose]();
  dynamoDb.destroy();
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
    expect(await tables()).toEqual([]);
    expect(p.context.created.size).toBe(0);
  });

  it("sweep() deletes a crashed run's table and leaves an unmarked look-alike, reporting it", async () => {
    const left = await crashed((p) => p.createTable({ partitionKey: { name: 'pk', type: 'S' } }));
    const lookAlike = 'eventprobe-l00000000000000t';
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
    expect(await tables()).toEqual([lookAlike]);
  });

  it("removeListeners({ ids }) deletes another run's table by id and refuses the look-alike", async () => {
    const left = await crashed((p) => p.createTable({ partitionKey: { name: 'pk', type: 'S' } }));
    const own = probe();
    const mine = await own.createTable({ partitionKey: { name: 'pk', type: 'N' } });
    const report = await own.removeListeners({ ids: [idOf(left.tableName), idOf(mine.tableName)] });
    expect(report.removed.map((r) => r.resource).sort()).toEqual([left.tableName, mine.tableName].sort());
    await expect(own.removeListeners({ ids: [idOf('eventprobe-l00000000000000t')] })).rejects.toThrow(
      /does not carry the tag eventprobe:managed/,
    );
    expect(await tables()).toEqual(['eventprobe-l00000000000000t']);
  });

  it('refuses bad options before creating anything', async () => {
    const p = probe();
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
    expect(await tables()).toEqual(['eventprobe-l00000000000000t']);
  });
});
