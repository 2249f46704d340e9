import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { containsValue, exactlyOne, runMatch } from '../../src/checks/match.js';
import {
  createProbe,
  InvalidInputError,
  ItemTimeoutError,
  ListenerSetupError,
  type ObjectTimeoutError,
  type ProbeClients,
} from '../../src/index.js';
import { describeShards, dynamoDbStreamSource } from '../../src/listeners/dynamodb-stream-source.js';
import { s3EventPattern } from '../../src/listeners/s3.js';
import { makeToHaveItem, makeToHaveObject } from '../../src/matchers.js';

type Handlers = Record<string, (input: Record<string, unknown>) => unknown>;
/** A fake SDK client: each command answered by the handler named after it (or an error it throws). */
const fake = (handlers: Handlers) => ({
  calls: [] as string[],
  async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
    const name = command.constructor.name.replace(/Command$/, '');
    this.calls.push(name);
    const handler = handlers[name];
    if (!handler) throw new Error(`unexpected ${name}`);
    return handler(command.input);
  },
  destroy() {},
});
const awsError = (name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
const probeWith = (clients: Partial<Record<keyof ProbeClients, unknown>>) =>
  createProbe({ region: 'us-east-1', clients: clients as Partial<ProbeClients> });

describe('match helpers', () => {
  it('exactlyOne returns the one option given, and names what was given otherwise', () => {
    expect(exactlyOne({ queueName: 'q', other: 1 }, ['queueUrl', 'queueName'], 'f')).toEqual([
      'queueName',
      'q',
    ]);
    expect(() => exactlyOne({}, ['queueUrl', 'queueName'], 'f')).toThrow(
      expect.objectContaining({
        message: 'f takes exactly one of queueUrl, queueName; got none.',
        option: 'queueUrl',
      }),
    );
    expect(() => exactlyOne({ queueUrl: 'u', queueName: 'q' }, ['queueUrl', 'queueName'], 'f')).toThrow(
      expect.objectContaining({
        message: 'f takes exactly one of queueUrl, queueName; got queueUrl and queueName.',
        option: 'queueName',
      }),
    );
    expect(() => exactlyOne({ queueName: ' ' }, ['queueUrl', 'queueName'], 'f')).toThrow(
      expect.objectContaining({ option: 'queueName' }),
    );
  });

  it('an object match needs an object; a function returning false fails', () => {
    expect(containsValue(1, { a: 1 })).toBe(false);
    expect(containsValue({ a: { b: [1] }, c: 2 }, { a: { b: [1] } })).toBe(true);
    expect(runMatch(() => false, 1)).toEqual({ ok: false });
    expect(runMatch(() => undefined, 1)).toEqual({ ok: true });
  });
});

describe('DynamoDB checks with a fake client', () => {
  it('refuses keys and partition values DynamoDB cannot store', async () => {
    const probe = probeWith({ dynamoDb: fake({}) });
    await expect(probe.waitForItem({ tableName: 'table', key: { pk: new Date() } })).rejects.toMatchObject({
      option: 'key',
    });
    await expect(
      probe.waitForItems({ tableName: 'table', partitionKey: { name: 'pk', value: new Date() } }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('reads an index eventually consistent by default, and finds the sort key of a local index', async () => {
    const queries: Record<string, unknown>[] = [];
    const db = fake({
      DescribeTable: () => ({
        Table: {
          LocalSecondaryIndexes: [
            { IndexName: 'by-date', KeySchema: [{ AttributeName: 'date', KeyType: 'RANGE' }] },
          ],
        },
      }),
      Query: (input) => {
        queries.push(input);
        return { Items: [marshall({ pk: 'a', date: '2024' })] };
      },
    });
    const probe = probeWith({ dynamoDb: db });
    const items = await probe.waitForItems({
      tableName: 'table',
      index: 'by-date',
      partitionKey: { pk: 'a' },
      expect: ['2024'],
    });
    expect(items).toEqual([{ pk: 'a', date: '2024' }]);
    expect(queries[0]?.ConsistentRead).toBe(false);
    await probe.waitForItems({ tableName: 'table', partitionKey: { pk: 'a' }, consistentRead: false });
    expect(queries[1]).toMatchObject({ ConsistentRead: false });
    await expect(
      probeWith({ dynamoDb: fake({ DescribeTable: () => ({}) }) }).waitForItems({
        tableName: 'table',
        index: 'nope',
        partitionKey: { pk: 'a' },
        expect: ['1'],
      }),
    ).rejects.toThrow(/index nope has no sort key/);
  });

  it('a Query page without Items counts as none; the timeout says so', async () => {
    const probe = probeWith({ dynamoDb: fake({ Query: () => ({}) }) });
    const error = (await probe
      .waitForItems({ tableName: 'table', partitionKey: { pk: 'a' }, timeout: 50 })
      .catch((e: unknown) => e)) as ItemTimeoutError;
    expect(error).toBeInstanceOf(ItemTimeoutError);
    expect(error.message).toContain('0 of 1 expected items arrived');
  });

  it('a match that throws a non-Error is reported as text', async () => {
    const probe = probeWith({ dynamoDb: fake({ GetItem: () => ({ Item: marshall({ pk: 'a' }) }) }) });
    const error = await probe
      .waitForItem({
        tableName: 'table',
        key: { pk: 'a' },
        match: () => {
          throw 'not yet';
        },
        timeout: 50,
      })
      .catch((e: unknown) => e);
    expect(String(error)).toContain('It did not match: not yet');
  });
});

describe('S3 checks with a fake client', () => {
  it('an object without a body, type or metadata; non-Error match failures; other errors rethrown', async () => {
    const probe = probeWith({ s3: fake({ GetObject: () => ({}) }) });
    const error = (await probe
      .waitForObject({
        bucket: 'bucket',
        key: 'k',
        match: (o) => {
          if (o.body.length === 0) throw 'empty';
        },
        timeout: 50,
      })
      .catch((e: unknown) => e)) as ObjectTimeoutError;
    expect(error.message).toContain('did not match (empty): no content type, 0 bytes');
    const empty = await probe.waitForObject({ bucket: 'bucket', key: 'k' });
    expect([empty.metadata, empty.text()]).toEqual([{}, '']);
    const denied = probeWith({
      s3: fake({
        GetObject: () => {
          throw awsError('AccessDenied');
        },
      }),
    });
    await expect(denied.waitForObject({ bucket: 'bucket', key: 'k' })).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});

describe('the DynamoDB Streams shard source', () => {
  it('pages DescribeStream and maps iterator positions (no AT_TIMESTAMP in DynamoDB: LATEST)', async () => {
    const iterators: Record<string, unknown>[] = [];
    const client = fake({
      DescribeStream: (input) =>
        input.ExclusiveStartShardId === undefined
          ? {
              StreamDescription: {
                Shards: [{ ShardId: 's1', SequenceNumberRange: { EndingSequenceNumber: '9' } }],
                LastEvaluatedShardId: 's1',
              },
            }
          : { StreamDescription: { Shards: [{ ShardId: 's2', ParentShardId: 's1' }] } },
      GetShardIterator: (input) => {
        iterators.push(input);
        return { ShardIterator: 'it' };
      },
      GetRecords: () => ({ Records: [{ dynamodb: { SequenceNumber: '1' } }], NextShardIterator: '' }),
    });
    expect(await describeShards(client as never, 'arn', new AbortController().signal)).toEqual([
      { shardId: 's1', parents: [], closed: true },
      { shardId: 's2', parents: ['s1'], closed: false },
    ]);
    const source = dynamoDbStreamSource(client as never, 'arn');
    const signal = new AbortController().signal;
    await source.getIterator('s1', { type: 'AT_TIMESTAMP', timestamp: new Date() }, signal);
    await source.getIterator('s1', { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '5' }, signal);
    expect(iterators.map((i) => [i.ShardIteratorType, i.SequenceNumber])).toEqual([
      ['LATEST', undefined],
      ['AFTER_SEQUENCE_NUMBER', '5'],
    ]);
    const page = await source.getRecords('it', signal);
    expect([page.next, page.behind, source.sequenceNumber(page.records[0] as never)]).toEqual([
      undefined,
      false,
      '1',
    ]);
    const emptyPage = await dynamoDbStreamSource(fake({ GetRecords: () => ({}) }) as never, 'arn').getRecords(
      'it',
      signal,
    );
    expect(emptyPage.records).toEqual([]);
  });
});

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/t1/stream/2024';
describe('addDynamoDbStreamListener with fake clients', () => {
  const table = (spec: Record<string, unknown>) => fake({ DescribeTable: () => ({ Table: spec }) });

  it('a stream that is not enabled, or a failed DescribeTable, is refused', async () => {
    const disabled = probeWith({
      dynamoDb: table({ StreamSpecification: { StreamEnabled: false }, LatestStreamArn: STREAM }),
      dynamoDbStreams: fake({}),
    });
    await expect(disabled.addDynamoDbStreamListener({ tableName: 'tab' })).rejects.toMatchObject({
      name: 'StreamNotEnabledError',
    });
    const failing = probeWith({
      dynamoDb: fake({
        DescribeTable: () => {
          throw awsError('AccessDeniedException');
        },
      }),
      dynamoDbStreams: fake({}),
    });
    await expect(failing.addDynamoDbStreamListener({ tableName: 'tab' })).rejects.toBeInstanceOf(
      ListenerSetupError,
    );
  });

  it('GetShardIterator failing is a setup error; GetRecords failing rejects the wait; aborts rethrow the reason', async () => {
    const enabled = table({
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      LatestStreamArn: STREAM,
    });
    const shards = { StreamDescription: { Shards: [{ ShardId: 's1' }] } };
    const noIterator = probeWith({
      dynamoDb: enabled,
      dynamoDbStreams: fake({
        DescribeStream: () => shards,
        GetShardIterator: () => {
          throw awsError('AccessDeniedException');
        },
      }),
    });
    await expect(noIterator.addDynamoDbStreamListener({ tableName: 'tab' })).rejects.toThrow(
      /Could not read the shards/,
    );
    const broken = probeWith({
      dynamoDb: enabled,
      dynamoDbStreams: fake({
        DescribeStream: () => shards,
        GetShardIterator: () => ({ ShardIterator: 'it' }),
        GetRecords: () => {
          throw awsError('AccessDeniedException');
        },
      }),
    });
    const listener = await broken.addDynamoDbStreamListener({ tableName: 'tab' });
    await expect(listener.waitForEvent(undefined, { timeout: 5_000 })).rejects.toThrow(
      /reading DynamoDB stream .* GetRecords failed/,
    );
    await broken.cleanup();
    const controller = new AbortController();
    const reason = new Error('stop');
    const aborting = probeWith({
      dynamoDb: fake({
        DescribeTable: () => {
          controller.abort(reason);
          throw reason;
        },
      }),
      dynamoDbStreams: fake({}),
    });
    await expect(
      aborting.addDynamoDbStreamListener({ tableName: 'tab', signal: controller.signal }),
    ).rejects.toBe(reason);
    const abortLater = new AbortController();
    const late = probeWith({
      dynamoDb: enabled,
      dynamoDbStreams: fake({
        DescribeStream: () => {
          abortLater.abort(reason);
          throw reason;
        },
      }),
    });
    await expect(
      late.addDynamoDbStreamListener({ tableName: 'tab', signal: abortLater.signal }),
    ).rejects.toBe(reason);
  });
});

describe('addS3Listener pattern and setup', () => {
  it('builds prefix, suffix and wildcard key filters (escaping * and \\) and keeps detail types', () => {
    expect(
      s3EventPattern({ bucket: 'bkt', suffix: '.png', events: ['Object Restore Completed', 'created'] }),
    ).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Restore Completed', 'Object Created'],
      detail: { bucket: { name: ['bkt'] }, object: { key: [{ suffix: '.png' }] } },
    });
    expect(s3EventPattern({ bucket: 'bkt', prefix: 'a*', suffix: '\\b' })).toMatchObject({
      detail: { object: { key: [{ wildcard: 'a\\**\\\\b' }] } },
    });
  });

  it('an abort while reading the bucket rethrows the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const probe = probeWith({
      s3: fake({
        GetBucketNotificationConfiguration: () => {
          controller.abort(reason);
          throw reason;
        },
      }),
    });
    await expect(probe.addS3Listener({ bucket: 'bkt', signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('toHaveItem / toHaveObject without a test budget (jest)', () => {
  const ctx = { isNot: false, equals: () => true };
  it('use the default timeout and pass through errors that are not timeouts', async () => {
    const seen: unknown[] = [];
    const probe = {
      waitForItem: async (o: unknown) => {
        seen.push(o);
        return { id: 'a' };
      },
      waitForObject: async () => {
        throw new Error('boom');
      },
    };
    const result = await makeToHaveItem().call(ctx, probe, { tableName: 'table', key: { id: 'a' } });
    expect(result.pass).toBe(true);
    expect(result.message()).toContain('{"id":"a"}');
    expect(seen).toEqual([{ tableName: 'table', key: { id: 'a' }, timeout: 10_000 }]);
    await expect(makeToHaveObject().call(ctx, probe, { bucket: 'bkt', key: 'k' })).rejects.toThrow('boom');
    const fitted = await makeToHaveItem(() => 50).call(ctx, probe, { tableName: 'table', key: { id: 'a' } });
    expect(fitted.pass).toBe(true);
    expect(seen.at(-1)).toMatchObject({ timeout: 50 });
  });
});
