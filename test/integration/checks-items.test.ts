/**
 * The DynamoDB checks through the probe, proven twice: against the built-in emulator and against
 * dynalite (a DynamoDB implementation nobody here wrote), with the same scenarios.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbe,
  InvalidInputError,
  ItemTimeoutError,
  type Probe,
  UnexpectedItemError,
} from '../../src/index.js';
import '../../src/vitest.js';
import { startTestAws, type TestAws } from '../support/aws.js';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

interface Backend {
  readonly endpoint: string;
  close(): Promise<void>;
}

const backends: Record<string, () => Promise<Backend>> = {
  emulator: async () => {
    const aws: TestAws = await startTestAws();
    return { endpoint: aws.endpoint as string, close: () => aws.close() };
  },
  dynalite: async () => {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
};

const TABLE = 'checks-items';
const config = (endpoint: string) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

describe.each(Object.keys(backends))('DynamoDB checks against %s', (name) => {
  let backend: Backend;
  let db: DynamoDBClient;
  let probe: Probe;
  const put = (item: Record<string, unknown>) =>
    db.send(new PutItemCommand({ TableName: TABLE, Item: marshall(item) }));

  beforeAll(async () => {
    backend = await (backends[name] as () => Promise<Backend>)();
    db = new DynamoDBClient(config(backend.endpoint));
    await db.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'by-status',
            KeySchema: [
              { AttributeName: 'status', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    await waitUntilTableExists({ client: db, minDelay: 1, maxWaitTime: 30 }, { TableName: TABLE });
    probe = createProbe(config(backend.endpoint));
  });

  afterAll(async () => {
    await probe?.[Symbol.asyncDispose]();
    db?.destroy();
    await backend?.close();
  });

  it('waitForItem returns the item (unmarshalled) once it exists and matches', async () => {
    await put({ pk: 'order#1', sk: 'a', status: 'NEW', total: 12.5, tags: ['x'] });
    const waiting = probe.waitForItem({
      tableName: TABLE,
      key: { pk: 'order#1', sk: 'a' },
      match: { status: 'PAID' },
      timeout: 10_000,
    });
    setTimeout(() => void put({ pk: 'order#1', sk: 'a', status: 'PAID', total: 12.5, tags: ['x'] }), 150);
    const item = await waiting;
    expect(item).toEqual({ pk: 'order#1', sk: 'a', status: 'PAID', total: 12.5, tags: ['x'] });
  });

  it('waitForItem takes assertion-style matches and says what was there on timeout', async () => {
    await put({ pk: 'order#2', sk: 'a', status: 'NEW' });
    const error = await probe
      .waitForItem<{ status: string }>({
        tableName: TABLE,
        key: { pk: 'order#2', sk: 'a' },
        match: (item) => {
          expect(item.status).toBe('PAID');
        },
        timeout: 300,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemTimeoutError);
    const e = error as ItemTimeoutError;
    expect(e.message).toContain('existed but did not match');
    expect(e.message).toContain('"status":"NEW"');
    expect(e.seen).toEqual({ pk: 'order#2', sk: 'a', status: 'NEW' });

    const absent = (await probe
      .waitForItem({ tableName: TABLE, key: { pk: 'nope', sk: 'a' }, timeout: 200 })
      .catch((x: unknown) => x)) as ItemTimeoutError;
    expect(absent).toBeInstanceOf(ItemTimeoutError);
    expect(absent.message).toContain('did not exist');
    expect(absent.seen).toBeUndefined();
  });

  it('waitForItems: every record of a batch, across Query pages, in one call', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => String(i).padStart(2, '0'));
    const pad = 'p'.repeat(40_000); // ~40 KB items: 1 MB Query pages hold about 25
    for (const id of ids.slice(0, 20)) await put({ pk: 'batch-1', sk: id, status: 'DONE', pad });
    const waiting = probe.waitForItems({
      tableName: TABLE,
      partitionKey: { name: 'pk', value: 'batch-1' },
      expect: ids,
      timeout: 10_000,
    });
    setTimeout(async () => {
      for (const id of ids.slice(20)) await put({ pk: 'batch-1', sk: id, status: 'DONE', pad });
    }, 100);
    const items = await waiting;
    expect(items.map((i) => i.sk)).toEqual(ids);
  });

  it('waitForItems times out saying how many of N arrived, which ids are missing and the closest misses', async () => {
    for (const id of ['1', '2', '4']) await put({ pk: 'batch-2', sk: id, status: 'DONE' });
    await put({ pk: 'batch-2', sk: '3', status: 'FAILED' });
    const error = (await probe
      .waitForItems({
        tableName: TABLE,
        partitionKey: { pk: 'batch-2' },
        match: { status: 'DONE' },
        expect: ['1', '2', '3', '4', '5'],
        timeout: 300,
      })
      .catch((e: unknown) => e)) as ItemTimeoutError;
    expect(error).toBeInstanceOf(ItemTimeoutError);
    expect(error.message).toContain('3 of 5 expected items arrived');
    expect(error.message).toContain('Missing sk: 3, 5.');
    expect(error.message).toContain('"status":"FAILED"');
    expect([error.matched, error.expected, error.missing]).toEqual([3, 5, ['3', '5']]);
  });

  it('waitForItems counts matches on an index, with a count instead of ids', async () => {
    for (const id of ['1', '2']) await put({ pk: 'batch-3', sk: id, status: 'SHIPPED' });
    const items = await probe.waitForItems({
      tableName: TABLE,
      index: 'by-status',
      partitionKey: { status: 'SHIPPED' },
      count: 2,
      timeout: 10_000,
    });
    expect(items.map((i) => i.pk)).toEqual(['batch-3', 'batch-3']);
    const idsOnIndex = await probe.waitForItems({
      tableName: TABLE,
      index: 'by-status',
      partitionKey: { status: 'SHIPPED' },
      expect: ['2'],
      timeout: 10_000,
    });
    expect(idsOnIndex.length).toBe(2);
  });

  it('expectNoItem waits the window and fails when the item appears', async () => {
    await expect(
      probe.expectNoItem({ tableName: TABLE, key: { pk: 'ghost', sk: 'a' }, within: 200 }),
    ).resolves.toBeUndefined();
    await put({ pk: 'ghost', sk: 'b', status: 'NEW' });
    await expect(
      probe.expectNoItem({
        tableName: TABLE,
        key: { pk: 'ghost', sk: 'b' },
        match: { status: 'PAID' },
        within: 200,
      }),
    ).resolves.toBeUndefined();
    const error = (await probe
      .expectNoItem({ tableName: TABLE, key: { pk: 'ghost', sk: 'b' }, within: 5_000 })
      .catch((e: unknown) => e)) as UnexpectedItemError;
    expect(error).toBeInstanceOf(UnexpectedItemError);
    expect(error.found).toEqual({ pk: 'ghost', sk: 'b', status: 'NEW' });
    await db.send(new DeleteItemCommand({ TableName: TABLE, Key: marshall({ pk: 'ghost', sk: 'b' }) }));
  });

  it('toHaveItem / .not.toHaveItem with failure messages that show what was there', async () => {
    await put({ pk: 'matcher', sk: 'a', status: 'NEW' });
    await expect(probe).toHaveItem({
      tableName: TABLE,
      key: { pk: 'matcher', sk: 'a' },
      match: { status: 'NEW' },
    });
    await expect(probe).not.toHaveItem({ tableName: TABLE, key: { pk: 'matcher', sk: 'zz' }, timeout: 200 });
    const failed = await expect(probe)
      .toHaveItem({
        tableName: TABLE,
        key: { pk: 'matcher', sk: 'a' },
        match: { status: 'PAID' },
        timeout: 200,
      })
      .catch((e: unknown) => e);
    expect(String(failed)).toContain('existed but did not match: {"pk":"matcher","sk":"a","status":"NEW"}');
    const notFailed = await expect(probe)
      .not.toHaveItem({ tableName: TABLE, key: { pk: 'matcher', sk: 'a' }, timeout: 200 })
      .catch((e: unknown) => e);
    expect(String(notFailed)).toContain('but found the item {"pk":"matcher","sk":"a","status":"NEW"}');
    await expect(expect({}).toHaveItem({ tableName: TABLE, key: { pk: 'x' } })).rejects.toThrow(
      /needs a probe/,
    );
    await expect(
      expect(probe).toHaveItem({ tableName: 'missing-table', key: { pk: 'x' }, timeout: 200 }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a table without a sort key needs idAttribute for expect', async () => {
    const error = await probe
      .waitForItems({
        tableName: TABLE,
        index: 'by-status',
        partitionKey: { status: 'X' },
        expect: ['1'],
        timeout: 100,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemTimeoutError);
    await db.send(
      new CreateTableCommand({
        TableName: 'checks-hash-only',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    await waitUntilTableExists(
      { client: db, minDelay: 1, maxWaitTime: 30 },
      { TableName: 'checks-hash-only' },
    );
    await expect(
      probe.waitForItems({
        tableName: 'checks-hash-only',
        partitionKey: { id: '1' },
        expect: ['1'],
        timeout: 100,
      }),
    ).rejects.toThrow(/has no sort key: pass idAttribute/);
    await db.send(
      new PutItemCommand({ TableName: 'checks-hash-only', Item: marshall({ id: '1', ref: 'r1' }) }),
    );
    const [item] = await probe.waitForItems({
      tableName: 'checks-hash-only',
      partitionKey: { id: '1' },
      expect: ['r1'],
      idAttribute: 'ref',
      timeout: 5_000,
    });
    expect(item).toEqual({ id: '1', ref: 'r1' });
  });
});

describe('DynamoDB checks refuse bad input before reading anything', () => {
  const probe = createProbe({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  afterAll(() => probe[Symbol.asyncDispose]());
  const bad: [string, () => Promise<unknown>, string][] = [
    ['options', () => probe.waitForItem(null as never), 'options'],
    ['tableName', () => probe.waitForItem({ tableName: 'a', key: { pk: 'x' } }), 'tableName'],
    ['key', () => probe.waitForItem({ tableName: TABLE, key: {} }), 'key'],
    ['key value', () => probe.waitForItem({ tableName: TABLE, key: { pk: () => 1 } as never }), 'key'],
    ['match', () => probe.waitForItem({ tableName: TABLE, key: { pk: 'x' }, match: 3 as never }), 'match'],
    ['timeout', () => probe.waitForItem({ tableName: TABLE, key: { pk: 'x' }, timeout: -1 }), 'timeout'],
    ['within', () => probe.expectNoItem({ tableName: TABLE, key: { pk: 'x' }, within: 0 }), 'within'],
    [
      'interval',
      () => probe.expectNoItem({ tableName: TABLE, key: { pk: 'x' }, within: 5, interval: 0 }),
      'interval',
    ],
    ['partitionKey', () => probe.waitForItems({ tableName: TABLE, partitionKey: {} }), 'partitionKey'],
    [
      'partitionKey.value',
      () => probe.waitForItems({ tableName: TABLE, partitionKey: { name: 'pk', value: () => 1 } as never }),
      'partitionKey.value',
    ],
    ['count', () => probe.waitForItems({ tableName: TABLE, partitionKey: { pk: 'a' }, count: 0 }), 'count'],
    [
      'expect',
      () => probe.waitForItems({ tableName: TABLE, partitionKey: { pk: 'a' }, expect: [] }),
      'expect',
    ],
    ['index', () => probe.waitForItems({ tableName: TABLE, partitionKey: { pk: 'a' }, index: '' }), 'index'],
    [
      'idAttribute',
      () => probe.waitForItems({ tableName: TABLE, partitionKey: { pk: 'a' }, idAttribute: '' }),
      'idAttribute',
    ],
  ];
  it.each(bad)('%s', async (_, call, option) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).option).toBe(option);
  });
});
