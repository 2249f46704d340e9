import { describe, expect, it } from 'vitest';
import { bucketOps } from '../../src/cleanup/fixtures/bucket.js';
import { eventBusOps } from '../../src/cleanup/fixtures/event-bus.js';
import { discoverFixtures, removeFixture, removeFoundFixtures } from '../../src/cleanup/fixtures/index.js';
import { arnPart, isGone } from '../../src/cleanup/fixtures/ops.js';
import { streamOps } from '../../src/cleanup/fixtures/stream.js';
import { tableOps } from '../../src/cleanup/fixtures/table.js';
import { topicOps } from '../../src/cleanup/fixtures/topic.js';
import { sweep } from '../../src/cleanup/index.js';
import { DEFAULT_RETRY, type RemovalEnv } from '../../src/cleanup/remove.js';
import { ClientSet, type ProbeClients } from '../../src/config.js';
import type { ListenerContext } from '../../src/context.js';
import { CleanupError, InvalidInputError } from '../../src/errors.js';
import { createBucket, partitionOf } from '../../src/fixtures/buckets.js';
import { checkBoolean, checkOptions } from '../../src/fixtures/common.js';
import { createEventBus } from '../../src/fixtures/event-buses.js';
import { createStream } from '../../src/fixtures/streams.js';
import { createTable } from '../../src/fixtures/tables.js';
import type { ListenerResources } from '../../src/resources/listener-resources.js';
import { resourceTags } from '../../src/resources/tags.js';

/**
 * Fixture cleanup and creation against fake SDK clients: the answers AWS gives while a resource is
 * being created or deleted, refusals, failures, without a server.
 */
type Handler = (input: Record<string, unknown>) => unknown;
type Handlers = Record<string, Handler>;

const fake = (handlers: Handlers, log: string[]) => ({
  send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const op = command.constructor.name.replace(/Command$/, '');
    log.push(op);
    const handler = handlers[op];
    if (!handler) throw new Error(`unexpected call ${op}`);
    return handler(command.input);
  },
});

const awsError = (name: string, status = 400): Error =>
  Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode: status } });
const fail =
  (name: string, status = 400): Handler =>
  () => {
    throw awsError(name, status);
  };

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ID = 'l000000000000001';
const NAME = `eventprobe-${ID}`;
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${NAME}`;
const TAGS = resourceTags({
  listenerId: ID,
  runId: 'old',
  createdAt: new Date(NOW - 7_200_000),
  userTags: {},
});
const TAG_LIST = Object.entries(TAGS).map(([Key, Value]) => ({ Key, Value }));

/** A sequence of answers, the last one repeated. */
const answers = (...steps: Handler[]): Handler => {
  let i = 0;
  return (input) => (steps[Math.min(i++, steps.length - 1)] as Handler)(input);
};

/** Every fixture kind's listing, empty unless a test says otherwise. */
const LISTINGS: Partial<Record<keyof ProbeClients, Handlers>> = {
  dynamoDb: { ListTables: () => ({}) },
  kinesis: { ListStreams: () => ({}) },
  sns: { ListTopics: () => ({}) },
  eventBridge: { ListEventBuses: () => ({}) },
  s3: { ListBuckets: () => ({}) },
};

const clientsOf = (
  services: Partial<Record<keyof ProbeClients, Handlers>>,
  log: string[],
  region = 'us-east-1',
): ClientSet =>
  new ClientSet({
    region,
    clients: Object.fromEntries(
      [...new Set([...Object.keys(LISTINGS), ...Object.keys(services)])].map((name) => [
        name,
        fake({ ...LISTINGS[name as keyof ProbeClients], ...services[name as keyof ProbeClients] }, log),
      ]),
    ) as never,
  });

const envOf = (clients: ClientSet, checks = 3): RemovalEnv => ({
  clients,
  signal: undefined,
  limits: { sqs: (t) => t(), eventBridge: (t) => t(), sns: (t) => t() },
  retry: { ...DEFAULT_RETRY, attempts: 1 },
  goneWait: { checks, delayMs: 1, maxDelayMs: 2 },
});

const table: ListenerResources = { listenerId: ID, kind: 'table', region: 'us-east-1', tableName: NAME };
const active = () => ({ Table: { TableName: NAME, TableArn: TABLE_ARN, TableStatus: 'ACTIVE' } });
const tagged = () => ({ Tags: TAG_LIST });

describe('removing a table', () => {
  it('waits while it is being created or deleted, then deletes it', async () => {
    const log: string[] = [];
    const clients = clientsOf(
      {
        dynamoDb: {
          ListTagsOfResource: tagged,
          DescribeTable: answers(
            active,
            active,
            active,
            () => ({ Table: { TableStatus: 'DELETING' } }),
            fail('ResourceNotFoundException'),
          ),
          DeleteTable: answers(fail('ResourceInUseException'), () => ({})),
        },
      },
      log,
    );
    const outcome = await removeFixture(envOf(clients, 10), table);
    expect(outcome).toEqual({
      removed: [{ kind: 'table', resource: NAME, listenerId: ID }],
      failures: [],
    });
    expect(log).toEqual([
      'DescribeTable',
      'ListTagsOfResource',
      'DescribeTable',
      'DeleteTable',
      'DescribeTable',
      'DeleteTable',
      'DescribeTable',
      'DescribeTable',
    ]);
  });

  it('says what is still there after the last check', async () => {
    const clients = clientsOf(
      {
        dynamoDb: {
          ListTagsOfResource: tagged,
          DescribeTable: answers(active, () => ({ Table: { TableStatus: 'DELETING' } })),
          DeleteTable: () => ({}),
        },
      },
      [],
    );
    const { failures } = await removeFixture(envOf(clients, 3), {
      listenerId: ID,
      kind: 'table',
      region: 'us-east-1',
      tableArn: TABLE_ARN,
    });
    expect(failures).toHaveLength(1);
    expect(String(failures[0]?.error)).toMatch(
      /DynamoDB table eventprobe-l0+1 was deleted but still existed after 3 checks/,
    );
  });

  it('refuses a table without the marker and reports other errors; an absent record does nothing', async () => {
    const unmarked = clientsOf({ dynamoDb: { DescribeTable: active, ListTagsOfResource: () => ({}) } }, []);
    const refused = await removeFixture(envOf(unmarked), table);
    expect(String(refused.failures[0]?.error)).toMatch(/does not carry the tag eventprobe:managed=true/);
    const denied = clientsOf({ dynamoDb: { DescribeTable: fail('AccessDeniedException') } }, []);
    expect((await removeFixture(envOf(denied), table)).failures[0]?.resource).toBe(NAME);
    const deleteDenied = clientsOf(
      {
        dynamoDb: {
          DescribeTable: active,
          ListTagsOfResource: tagged,
          DeleteTable: fail('AccessDeniedException'),
        },
      },
      [],
    );
    expect((await removeFixture(envOf(deleteDenied), table)).failures).toHaveLength(1);
    const gone = clientsOf({ dynamoDb: { DescribeTable: fail('ResourceNotFoundException') } }, []);
    expect((await removeFixture(envOf(gone), table)).removed).toHaveLength(1);
    const log: string[] = [];
    expect(
      await removeFixture(envOf(clientsOf({}, log)), { listenerId: ID, kind: 'table', region: 'us-east-1' }),
    ).toEqual({
      removed: [],
      failures: [],
    });
    expect(log).toEqual([]);
  });

  it('rethrows the caller abort', async () => {
    const controller = new AbortController();
    const clients = clientsOf(
      {
        dynamoDb: {
          DescribeTable: () => {
            controller.abort(new Error('stop'));
            throw awsError('InternalFailure', 500);
          },
        },
      },
      [],
    );
    await expect(removeFixture({ ...envOf(clients), signal: controller.signal }, table)).rejects.toThrow(
      'stop',
    );
  });
});

describe('discovering tables', () => {
  it('pages ListTables, keeps the prefix, adds tagged ARNs, and reports failed reads but not vanished tables', async () => {
    const other = 'eventprobe-l000000000000002';
    const vanished = 'eventprobe-l000000000000003';
    const clients = clientsOf(
      {
        dynamoDb: {
          ListTables: (input) =>
            input.ExclusiveStartTableName
              ? { TableNames: [vanished, 'orders'] }
              : { TableNames: [NAME], LastEvaluatedTableName: NAME },
          DescribeTable: (input) => {
            if (input.TableName === vanished) throw awsError('ResourceNotFoundException');
            if (input.TableName === other) throw awsError('AccessDeniedException');
            return { Table: { TableArn: `${TABLE_ARN.slice(0, -NAME.length)}${input.TableName}` } };
          },
          ListTagsOfResource: (input) =>
            input.NextToken ? { Tags: TAG_LIST.slice(1) } : { Tags: TAG_LIST.slice(0, 1), NextToken: 't' },
        },
      },
      [],
    );
    const arns = Promise.resolve([
      `arn:aws:dynamodb:us-east-1:123456789012:table/${other}`,
      'arn:aws:sqs:us-east-1:123456789012:eventprobe-x',
    ]);
    const found = await discoverFixtures(envOf(clients), arns);
    expect(found.found.map((f) => [f.key, f.tags])).toEqual([[NAME, TAGS]]);
    expect(found.failures.map((f) => f.resource)).toEqual([other]);
  });

  it('reports a failed listing (sweep throws with it); a denied listing is a warning', async () => {
    const log: string[] = [];
    const clients = clientsOf(
      {
        dynamoDb: { ListTables: fail('InternalServerError', 500) },
        kinesis: { ListStreams: fail('AccessDeniedException') },
        sqs: { ListQueues: () => ({}) },
        eventBridge: { ListEventBuses: () => ({ EventBuses: [] }) },
        tagging: { GetResources: () => ({}) },
      },
      log,
    );
    const found = await discoverFixtures(envOf(clients), Promise.resolve([]));
    expect(found.failures.map((f) => f.resource)).toEqual(['dynamodb:ListTables']);
    expect(found.warnings).toEqual([
      'kinesis:ListStreams was denied (AccessDeniedException: AccessDeniedException (fake)); leftover streams were found by the tagging API only.',
    ]);
    const ctx = { clients, runId: 'now', tags: {}, clock: { now: () => NOW }, created: new Map() };
    const error = await sweep(ctx, {
      all: true,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupError);
    expect((error as CleanupError).failures.map((f) => f.resource)).toEqual(['dynamodb:ListTables']);
    const denied = clientsOf(
      {
        dynamoDb: { ListTables: fail('AccessDeniedException') },
        sqs: { ListQueues: () => ({}) },
        eventBridge: { ListEventBuses: () => ({ EventBuses: [] }) },
        tagging: { GetResources: () => ({}) },
      },
      [],
    );
    const report = await sweep({ ...ctx, clients: denied }, { all: true });
    expect(report.warnings.some((w) => w.startsWith('dynamodb:ListTables was denied'))).toBe(true);
  });
});

describe('fixture helpers', () => {
  it('reads names from ARNs of the right service only', () => {
    expect(arnPart(TABLE_ARN, 'dynamodb', ':table/')).toBe(NAME);
    expect(arnPart(TABLE_ARN, 'kinesis', ':table/')).toBeUndefined();
    expect(arnPart('arn:aws:dynamodb:us-east-1:1:table/', 'dynamodb', ':table/')).toBeUndefined();
    expect(arnPart('arn:aws:dynamodb:us-east-1:1:global-table/x', 'dynamodb', ':table/')).toBeUndefined();
    expect(arnPart('table/x', 'dynamodb', ':table/')).toBeUndefined();
    expect(isGone(awsError('NoSuchBucket', 404))).toBe(true);
    expect(isGone(awsError('AccessDenied', 403))).toBe(false);
  });
});

describe('createTable', () => {
  it('waits until the table is ACTIVE and its stream exists', async () => {
    const log: string[] = [];
    const records: ListenerResources[] = [];
    const clients = clientsOf(
      {
        dynamoDb: {
          CreateTable: () => ({ TableDescription: { TableArn: TABLE_ARN, TableStatus: 'CREATING' } }),
          DescribeTable: answers(
            () => ({ Table: { TableStatus: 'CREATING' } }),
            () => ({ Table: { TableStatus: 'ACTIVE' } }),
            () => ({ Table: { TableStatus: 'ACTIVE', LatestStreamArn: `${TABLE_ARN}/stream/x` } }),
          ),
        },
      },
      log,
    );
    const ctx = {
      clients,
      runId: 'r',
      tags: {},
      clock: { now: () => NOW },
      created: new Map(),
      record: (r: ListenerResources) => records.push(r),
    } as unknown as ListenerContext;
    const made = await createTable(ctx, { partitionKey: { name: 'pk', type: 'S' }, stream: 'NEW_IMAGE' });
    expect(made.streamArn).toBe(`${TABLE_ARN}/stream/x`);
    expect(log).toEqual(['CreateTable', 'DescribeTable', 'DescribeTable', 'DescribeTable']);
    expect(records.map((r) => r.tableArn)).toEqual([undefined, TABLE_ARN]);
  });
});

describe('waiting until a fixture is usable', () => {
  it('tries a not-yet-visible table again and ends at once on any other error', async () => {
    const log: string[] = [];
    const records: ListenerResources[] = [];
    const clients = clientsOf(
      {
        dynamoDb: {
          CreateTable: () => ({ TableDescription: { TableArn: TABLE_ARN } }),
          DescribeTable: answers(
            fail('ResourceNotFoundException'),
            fail('ThrottlingException'),
            fail('AccessDeniedException'),
            active,
          ),
        },
      },
      log,
    );
    const ctx = ctxOf(clients, records);
    await expect(createTable(ctx, { partitionKey: { name: 'pk', type: 'S' } })).rejects.toThrow(
      /AccessDeniedException/,
    );
    expect(log).toEqual(['CreateTable', 'DescribeTable', 'DescribeTable', 'DescribeTable']);
    // Still recorded: cleanup removes it.
    expect(records.at(-1)?.tableArn).toBe(TABLE_ARN);
    const controller = new AbortController();
    const aborting = clientsOf(
      {
        dynamoDb: {
          CreateTable: () => ({ TableDescription: { TableArn: TABLE_ARN } }),
          DescribeTable: () => {
            controller.abort(new Error('caller stopped'));
            return { Table: { TableStatus: 'CREATING' } };
          },
        },
      },
      [],
    );
    await expect(
      createTable(ctxOf(aborting, []), {
        partitionKey: { name: 'pk', type: 'S' },
        signal: controller.signal,
      }),
    ).rejects.toThrow('caller stopped');
  });
});

describe('createTable after a failed attempt', () => {
  it('takes "in use" as its own table and reads its ARN from DescribeTable', async () => {
    const log: string[] = [];
    const records: ListenerResources[] = [];
    const clients = clientsOf(
      {
        dynamoDb: {
          CreateTable: answers(fail('InternalServerError', 500), fail('ResourceInUseException')),
          DescribeTable: active,
        },
      },
      log,
    );
    const made = await createTable(ctxOf(clients, records), {
      partitionKey: { name: 'pk', type: 'S' },
      billing: 'PAY_PER_REQUEST',
    });
    expect(made).toEqual({
      tableName: expect.stringMatching(/^eventprobe-/),
      tableArn: TABLE_ARN,
      streamArn: undefined,
    });
    expect(log).toEqual(['CreateTable', 'CreateTable', 'DescribeTable']);
    expect(records).toHaveLength(1);
    const denied = clientsOf({ dynamoDb: { CreateTable: fail('AccessDeniedException') } }, []);
    await expect(createTable(ctxOf(denied, []), { partitionKey: { name: 'pk', type: 'S' } })).rejects.toThrow(
      /AccessDeniedException/,
    );
  });
});

describe('removing found fixtures', () => {
  it('names each by its listener-id tag, else its name, else its key; a failure keeps it', async () => {
    const log: string[] = [];
    const clients = clientsOf(
      {
        dynamoDb: {
          DescribeTable: (input) => {
            if (input.TableName === 'odd') throw awsError('AccessDeniedException');
            throw awsError('ResourceNotFoundException');
          },
        },
      },
      log,
    );
    const report: Parameters<typeof removeFoundFixtures>[3] = { removed: [], failed: [] };
    const done = await removeFoundFixtures(
      envOf(clients),
      'us-east-1',
      [
        { ops: tableOps, key: NAME, name: NAME, tags: {} },
        { ops: tableOps, key: 'other', name: 'other', tags: { 'eventprobe:listener-id': 'lx' } },
        { ops: tableOps, key: 'odd', name: 'odd', tags: {} },
      ],
      report,
    );
    expect([...done].sort()).toEqual([ID, 'lx']);
    expect(report.removed.map((r) => [r.resource, r.listenerId])).toEqual([
      [NAME, ID],
      ['other', 'lx'],
    ]);
    expect(report.failed.map((f) => f.resource)).toEqual(['odd']);
    expect(log.every((op) => op === 'DescribeTable')).toBe(true);
  });
});

describe('fixture option checks', () => {
  it('takes an options object (or nothing when optional) and booleans only', () => {
    expect(() => checkOptions(undefined, 'f', [])).not.toThrow();
    expect(() => checkOptions({ a: 1 }, 'f', ['a', 'b'], true)).not.toThrow();
    expect(() => checkOptions(undefined, 'f', [], true)).toThrow(/f takes an options object, got undefined/);
    expect(() => checkOptions(null, 'f', [])).toThrow(/f takes an options object \(or nothing\), got null/);
    // A misspelt option is named, with the one it was likely meant to be.
    expect(() => checkOptions({ eventbridge: true }, 'createBucket', ['eventBridge', 'signal'])).toThrow(
      'createBucket has no option "eventbridge" (did you mean "eventBridge"?); its options are eventBridge, signal.',
    );
    expect(() => checkOptions({ shards: 2 }, 'createStream', ['shardCount'])).toThrow(
      'createStream has no option "shards"; its options are shardCount.',
    );
    expect(checkBoolean(undefined, 'x')).toBe(false);
    expect(checkBoolean(true, 'x')).toBe(true);
    expect(() => checkBoolean('yes', 'x')).toThrow(InvalidInputError);
  });
});

const STREAM_ARN = `arn:aws:kinesis:us-east-1:123456789012:stream/${NAME}`;
const streamRecord: ListenerResources = {
  listenerId: ID,
  kind: 'stream',
  region: 'us-east-1',
  streamArn: STREAM_ARN,
};
const summary = (status: string) => () => ({
  StreamDescriptionSummary: { StreamStatus: status, StreamARN: STREAM_ARN },
});
const pagedTags = (input: Record<string, unknown>) =>
  input.ExclusiveStartTagKey
    ? { Tags: TAG_LIST.slice(1), HasMoreTags: false }
    : { Tags: TAG_LIST.slice(0, 1), HasMoreTags: true };

const ctxOf = (clients: ClientSet, records: ListenerResources[]) =>
  ({
    clients,
    runId: 'r',
    tags: {},
    clock: { now: () => NOW },
    created: new Map(),
    record: (r: ListenerResources) => records.push(r),
  }) as unknown as ListenerContext;

describe('streams', () => {
  it('removal reads paged tags, waits while the stream is busy or deleting, deletes it once', async () => {
    const log: string[] = [];
    const clients = clientsOf(
      {
        kinesis: {
          ListTagsForStream: pagedTags,
          DescribeStreamSummary: answers(
            summary('CREATING'),
            summary('ACTIVE'),
            summary('DELETING'),
            fail('ResourceNotFoundException'),
          ),
          DeleteStream: answers(fail('ResourceInUseException'), (input) => {
            expect(input).toEqual({ StreamName: NAME, EnforceConsumerDeletion: true });
            return {};
          }),
        },
      },
      log,
    );
    expect(await removeFixture(envOf(clients, 10), streamRecord)).toEqual({
      removed: [{ kind: 'stream', resource: NAME, listenerId: ID }],
      failures: [],
    });
    expect(log).toEqual([
      'ListTagsForStream',
      'ListTagsForStream',
      'DescribeStreamSummary',
      'DeleteStream',
      'DescribeStreamSummary',
      'DeleteStream',
      'DescribeStreamSummary',
      'DescribeStreamSummary',
    ]);
  });

  it('removal reports a refused deletion; discovery pages ListStreams and adds tagged ARNs', async () => {
    const denied = clientsOf(
      {
        kinesis: {
          ListTagsForStream: () => ({ Tags: TAG_LIST }),
          DescribeStreamSummary: summary('ACTIVE'),
          DeleteStream: fail('AccessDeniedException'),
        },
      },
      [],
    );
    expect((await removeFixture(envOf(denied), streamRecord)).failures.map((f) => f.resource)).toEqual([
      NAME,
    ]);
    const other = 'eventprobe-l000000000000002';
    const clients = clientsOf(
      {
        dynamoDb: { ListTables: () => ({}) },
        kinesis: {
          ListStreams: (input) =>
            input.NextToken
              ? { StreamNames: ['orders'], HasMoreStreams: false }
              : { StreamNames: [NAME], HasMoreStreams: true, NextToken: 'n' },
          ListTagsForStream: () => ({ Tags: TAG_LIST }),
        },
      },
      [],
    );
    const found = await discoverFixtures(
      envOf(clients),
      Promise.resolve([`arn:aws:kinesis:us-east-1:123456789012:stream/${other}`]),
    );
    expect(found.found.map((f) => [f.ops.kind, f.key]).sort()).toEqual([
      ['stream', NAME],
      ['stream', other],
    ]);
    expect(streamOps.keyOf({ listenerId: ID, kind: 'stream', region: 'us-east-1' })).toBeUndefined();
  });

  it('createStream waits until ACTIVE and takes "in use" after a failed attempt as its own stream', async () => {
    const log: string[] = [];
    const records: ListenerResources[] = [];
    const clients = clientsOf(
      {
        kinesis: {
          CreateStream: answers(fail('InternalFailure', 500), (input) => {
            expect(input).toMatchObject({ StreamName: expect.stringMatching(/^eventprobe-/), ShardCount: 2 });
            throw awsError('ResourceInUseException');
          }),
          DescribeStreamSummary: answers(summary('CREATING'), summary('ACTIVE')),
        },
      },
      log,
    );
    const made = await createStream(ctxOf(clients, records), { shardCount: 2 });
    expect(made.streamArn).toBe(STREAM_ARN);
    expect(log).toEqual(['CreateStream', 'CreateStream', 'DescribeStreamSummary', 'DescribeStreamSummary']);
    expect(records.map((r) => r.streamArn)).toEqual([undefined, STREAM_ARN]);
    const refused = clientsOf({ kinesis: { CreateStream: fail('LimitExceededException') } }, []);
    await expect(
      createStream(ctxOf(refused, []), { onDemand: true, signal: AbortSignal.abort(new Error('stop')) }),
    ).rejects.toThrow();
    const denied = clientsOf({ kinesis: { CreateStream: fail('AccessDeniedException') } }, []);
    await expect(createStream(ctxOf(denied, []))).rejects.toThrow(/AccessDeniedException/);
  });
});

describe('topics', () => {
  const TOPIC = `arn:aws:sns:us-east-1:123456789012:${NAME}.fifo`;

  it('are keyed by ARN, named without .fifo; subscriptions and other services are not topics', () => {
    expect(topicOps.keyOfArn(TOPIC)).toBe(TOPIC);
    expect(topicOps.keyOfArn(`${TOPIC}:0a1b`)).toBeUndefined();
    expect(topicOps.keyOfArn('arn:aws:sqs:us-east-1:123456789012:q')).toBeUndefined();
    expect(topicOps.keyOfArn('arn:aws:sns:us-east-1:123456789012:')).toBeUndefined();
    expect(topicOps.nameOf(TOPIC)).toBe(NAME);
    expect(topicOps.nameOf('odd')).toBe('odd');
  });

  it('discovery pages ListTopics by prefix; removal reads tags, deletes, and takes "not found" as gone', async () => {
    const log: string[] = [];
    const clients = clientsOf(
      {
        sns: {
          ListTopics: (input) =>
            input.NextToken
              ? { Topics: [{ TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders' }, {}] }
              : { Topics: [{ TopicArn: TOPIC }], NextToken: 'n' },
          ListTagsForResource: () => ({ Tags: TAG_LIST }),
          DeleteTopic: () => ({}),
        },
      },
      log,
    );
    const found = await discoverFixtures(envOf(clients), Promise.resolve([]));
    expect(found.found.map((f) => [f.key, f.name, f.tags])).toEqual([[TOPIC, NAME, TAGS]]);
    const record: ListenerResources = { listenerId: ID, kind: 'topic', region: 'us-east-1', topicArn: TOPIC };
    expect((await removeFixture(envOf(clients), record)).removed).toEqual([
      { kind: 'topic', resource: TOPIC, listenerId: ID },
    ]);
    expect(log.filter((op) => !/^List(Topics|Tables|Streams|EventBuses|Buckets)$/.test(op))).toEqual([
      'ListTagsForResource',
      'ListTagsForResource',
      'DeleteTopic',
    ]);
    const gone = clientsOf({ sns: { ListTagsForResource: fail('ResourceNotFound', 404) } }, []);
    expect((await removeFixture(envOf(gone), record)).removed).toHaveLength(1);
    const unmarked = clientsOf({ sns: { ListTagsForResource: () => ({}) } }, []);
    expect((await removeFixture(envOf(unmarked), record)).failures).toHaveLength(1);
  });
});

describe('event buses', () => {
  const BUS_ARN = `arn:aws:events:us-east-1:123456789012:event-bus/${NAME}`;

  it('discovery pages ListEventBuses by prefix; removal reads tags by the ARN, deletes; not found is gone', async () => {
    const log: string[] = [];
    const clients = clientsOf(
      {
        eventBridge: {
          ListEventBuses: (input) => {
            expect(input.NamePrefix).toBe('eventprobe-');
            return input.NextToken ? { EventBuses: [{}] } : { EventBuses: [{ Name: NAME }], NextToken: 'n' };
          },
          DescribeEventBus: () => ({ Name: NAME, Arn: BUS_ARN }),
          ListTagsForResource: (input) => {
            expect(input.ResourceARN).toBe(BUS_ARN);
            return { Tags: TAG_LIST };
          },
          ListRules: (input) => {
            expect(input.EventBusName).toBe(NAME);
            return input.NextToken
              ? { Rules: [{ Name: 'bare' }, { Name: 'gone' }] }
              : { Rules: [], NextToken: 'n' };
          },
          ListTargetsByRule: (input) => {
            if (input.Rule === 'gone') throw awsError('ResourceNotFoundException');
            return input.Rule === 'app' ? { Targets: [{ Id: 'q' }, { Id: 'fn' }] } : {};
          },
          RemoveTargets: (input) => {
            expect(input).toMatchObject({ Rule: 'app', EventBusName: NAME, Ids: ['q', 'fn'], Force: true });
            return {};
          },
          DeleteRule: (input) => {
            expect(input).toMatchObject({ EventBusName: NAME, Force: true });
            return {};
          },
          DeleteEventBus: answers(() => ({}), fail('ResourceNotFoundException')),
        },
      },
      log,
    );
    const found = await discoverFixtures(envOf(clients), Promise.resolve([BUS_ARN]));
    expect(found.found.map((f) => [f.ops.kind, f.key, f.tags])).toEqual([['event-bus', NAME, TAGS]]);
    const record = eventBusOps.record(ID, 'us-east-1', NAME);
    for (let i = 0; i < 2; i++) {
      expect((await removeFixture(envOf(clients), record)).removed).toEqual([
        { kind: 'event-bus', resource: NAME, listenerId: ID },
      ]);
    }
    expect(log.filter((op) => op === 'DeleteEventBus')).toHaveLength(2);
    // Each removal empties the bus first: rules 'bare' (no targets) deleted, 'gone' skipped.
    expect(log.filter((op) => /Rule|Targets/.test(op))).toEqual(
      Array(2)
        .fill(['ListRules', 'ListRules', 'ListTargetsByRule', 'DeleteRule', 'ListTargetsByRule'])
        .flat(),
    );
    const withApp = clientsOf(
      {
        eventBridge: {
          DescribeEventBus: () => ({ Arn: BUS_ARN }),
          ListTagsForResource: () => ({ Tags: TAG_LIST }),
          ListRules: () => ({ Rules: [{ Name: 'app' }, {}] }),
          ListTargetsByRule: (input) =>
            input.Rule === 'app' ? { Targets: [{ Id: 'q' }, { Id: 'fn' }] } : { Targets: [{}] },
          RemoveTargets: (input) => {
            if (input.Rule !== 'app') throw awsError('AccessDeniedException');
            return {};
          },
          DeleteRule: () => ({}),
          DeleteEventBus: () => ({}),
        },
      },
      log,
    );
    // A refusal other than not-found on a rule is a failure: the bus stays, the report says why.
    const denied = await removeFixture(envOf(withApp), record);
    expect(denied.removed).toEqual([]);
    expect(denied.failures).toHaveLength(1);
    const untagged = clientsOf(
      { eventBridge: { DescribeEventBus: () => ({ Arn: BUS_ARN }), ListTagsForResource: () => ({}) } },
      [],
    );
    expect((await removeFixture(envOf(untagged), record)).failures).toHaveLength(1);
  });

  it('createEventBus takes "already exists" after a failed attempt as its own bus', async () => {
    const log: string[] = [];
    const records: ListenerResources[] = [];
    const clients = clientsOf(
      {
        eventBridge: {
          CreateEventBus: answers(fail('ThrottlingException'), fail('ResourceAlreadyExistsException')),
          DescribeEventBus: (input) => ({
            Name: input.Name,
            Arn: `arn:aws:events:us-east-1:1:event-bus/${input.Name}`,
          }),
        },
      },
      log,
    );
    const bus = await createEventBus(ctxOf(clients, records));
    expect(bus.eventBusArn).toBe(`arn:aws:events:us-east-1:1:event-bus/${bus.eventBusName}`);
    expect(log).toEqual(['CreateEventBus', 'CreateEventBus', 'DescribeEventBus']);
    expect(records.map((r) => r.createdEventBusName)).toEqual([bus.eventBusName]);
    const denied = clientsOf({ eventBridge: { CreateEventBus: fail('AccessDeniedException') } }, []);
    await expect(createEventBus(ctxOf(denied, []))).rejects.toThrow(/AccessDeniedException/);
  });
});

describe('buckets', () => {
  const bucketRecord = bucketOps.record(ID, 'us-east-1', NAME);
  const taggedBucket = () => ({ TagSet: TAG_LIST });

  it('removal aborts uploads, deletes every version and delete marker page by page, retries a bucket written to meanwhile', async () => {
    const log: string[] = [];
    const deleted: unknown[] = [];
    const clients = clientsOf(
      {
        s3: {
          GetBucketTagging: taggedBucket,
          ListMultipartUploads: (input) =>
            input.KeyMarker
              ? { Uploads: [{ Key: 'u2', UploadId: 'i2' }] }
              : {
                  Uploads: [{ Key: 'u1', UploadId: 'i1' }],
                  IsTruncated: true,
                  NextKeyMarker: 'u1',
                  NextUploadIdMarker: 'i1',
                },
          AbortMultipartUpload: (input) => {
            deleted.push(`upload ${input.Key} ${input.UploadId}`);
            return {};
          },
          ListObjectVersions: (input) =>
            input.KeyMarker
              ? { DeleteMarkers: [{ Key: 'b', VersionId: 'm1' }] }
              : {
                  Versions: [
                    { Key: 'a', VersionId: 'v1' },
                    { Key: 'a', VersionId: 'v2' },
                  ],
                  IsTruncated: true,
                  NextKeyMarker: 'a',
                  NextVersionIdMarker: 'v2',
                },
          DeleteObjects: (input) => {
            deleted.push((input.Delete as { Objects: unknown[] }).Objects);
            return {};
          },
          DeleteBucket: answers(fail('BucketNotEmpty', 409), () => ({})),
        },
      },
      log,
    );
    expect(await removeFixture(envOf(clients, 5), bucketRecord)).toEqual({
      removed: [{ kind: 'bucket', resource: NAME, listenerId: ID }],
      failures: [],
    });
    expect(deleted.slice(0, 4)).toEqual([
      'upload u1 i1',
      'upload u2 i2',
      [
        { Key: 'a', VersionId: 'v1' },
        { Key: 'a', VersionId: 'v2' },
      ],
      [{ Key: 'b', VersionId: 'm1' }],
    ]);
    expect(log.filter((op) => op === 'DeleteBucket')).toHaveLength(2);
    expect(log.filter((op) => op === 'ListObjectVersions')).toHaveLength(4);
  });

  it('falls back to ListObjectsV2 where versions are not served, and reports keys S3 would not delete', async () => {
    const deleted: unknown[] = [];
    const plain = (notImplemented: Handler) =>
      clientsOf(
        {
          s3: {
            GetBucketTagging: taggedBucket,
            ListMultipartUploads: () => ({}),
            ListObjectVersions: notImplemented,
            ListObjectsV2: (input) =>
              input.ContinuationToken
                ? { Contents: [{ Key: 'y' }] }
                : { Contents: [{ Key: 'x' }], IsTruncated: true, NextContinuationToken: 't' },
            DeleteObjects: (input) => {
              deleted.push((input.Delete as { Objects: unknown[] }).Objects);
              return {};
            },
            DeleteBucket: fail('NoSuchBucket', 404),
          },
        },
        [],
      );
    expect(
      (await removeFixture(envOf(plain(fail('NotImplemented', 501))), bucketRecord)).removed,
    ).toHaveLength(1);
    expect((await removeFixture(envOf(plain(fail('UnknownError', 501))), bucketRecord)).removed).toHaveLength(
      1,
    );
    expect(deleted).toEqual([[{ Key: 'x' }], [{ Key: 'y' }], [{ Key: 'x' }], [{ Key: 'y' }]]);
    const refusing = clientsOf(
      {
        s3: {
          GetBucketTagging: taggedBucket,
          ListMultipartUploads: () => ({}),
          ListObjectVersions: () => ({ Versions: [{ Key: 'a', VersionId: 'v1' }] }),
          DeleteObjects: () => ({ Errors: [{ Key: 'a', Code: 'AccessDenied', Message: 'Access Denied' }] }),
        },
      },
      [],
    );
    const { failures } = await removeFixture(envOf(refusing), bucketRecord);
    expect(String(failures[0]?.error)).toMatch(
      /S3 did not delete 1 object\(s\) of bucket .*, e\.g\. a \(AccessDenied: Access Denied\)/,
    );
    const denied = clientsOf(
      { s3: { GetBucketTagging: taggedBucket, ListMultipartUploads: fail('AccessDenied', 403) } },
      [],
    );
    expect((await removeFixture(envOf(denied), bucketRecord)).failures).toHaveLength(1);
    const emptyLog: string[] = [];
    const empty = (versions: Handler) =>
      clientsOf(
        {
          s3: {
            GetBucketTagging: taggedBucket,
            ListMultipartUploads: () => ({}),
            ListObjectVersions: versions,
            ListObjectsV2: () => ({}),
            DeleteBucket: () => ({}),
          },
        },
        emptyLog,
      );
    expect((await removeFixture(envOf(empty(() => ({}))), bucketRecord)).removed).toHaveLength(1);
    expect(
      (await removeFixture(envOf(empty(fail('NotImplemented', 501))), bucketRecord)).removed,
    ).toHaveLength(1);
    expect(emptyLog.includes('DeleteObjects')).toBe(false);
    const noTagSet = clientsOf({ s3: { GetBucketTagging: () => ({}) } }, []);
    expect(String((await removeFixture(envOf(noTagSet), bucketRecord)).failures[0]?.error)).toMatch(
      /does not carry the tag eventprobe:managed/,
    );
  });

  it("discovery lists this region by prefix and page; an untagged bucket is not eventprobe's; ARNs of objects are not buckets", async () => {
    const clients = clientsOf(
      {
        s3: {
          ListBuckets: (input) => {
            expect(input).toMatchObject({ Prefix: 'eventprobe-', BucketRegion: 'eu-west-1' });
            return input.ContinuationToken
              ? { Buckets: [{ Name: 'other' }, {}] }
              : { Buckets: [{ Name: NAME }], ContinuationToken: 'c' };
          },
          GetBucketTagging: (input) => {
            if (input.Bucket === 'eventprobe-l00000000000000k') throw awsError('NoSuchTagSet', 404);
            if (input.Bucket === 'eventprobe-l00000000000000d') throw awsError('AccessDenied', 403);
            return { TagSet: TAG_LIST };
          },
        },
      },
      [],
      'eu-west-1',
    );
    const found = await discoverFixtures(
      envOf(clients),
      Promise.resolve([
        'arn:aws:s3:::eventprobe-l00000000000000k',
        'arn:aws:s3:::eventprobe-l00000000000000d',
      ]),
    );
    expect(found.found.map((f) => [f.key, f.tags]).sort()).toEqual([
      [NAME, TAGS],
      ['eventprobe-l00000000000000k', {}],
    ]);
    expect(found.failures.map((f) => f.resource)).toEqual(['eventprobe-l00000000000000d']);
    expect(bucketOps.keyOfArn('arn:aws:s3:::b/key')).toBeUndefined();
    expect(bucketOps.keyOfArn('arn:aws:s3:::')).toBeUndefined();
    expect(bucketOps.keyOfArn('arn:aws:sns:us-east-1:1:b')).toBeUndefined();
  });

  it('createBucket: LocationConstraint outside us-east-1, "already owned" after a failed attempt, deleted again when it cannot be tagged', async () => {
    const log: string[] = [];
    const clients = clientsOf(
      {
        s3: {
          CreateBucket: answers(fail('InternalError', 500), (input) => {
            expect(input.CreateBucketConfiguration).toEqual({ LocationConstraint: 'cn-north-1' });
            throw awsError('BucketAlreadyOwnedByYou', 409);
          }),
          PutBucketTagging: () => ({}),
        },
      },
      log,
      'cn-north-1',
    );
    const made = await createBucket(ctxOf(clients, []));
    expect(made.arn).toBe(`arn:aws-cn:s3:::${made.bucket}`);
    expect(log).toEqual(['CreateBucket', 'CreateBucket', 'PutBucketTagging']);
    const untaggable = (deleteBucket: Handler) => {
      const calls: string[] = [];
      const c = clientsOf(
        {
          s3: {
            CreateBucket: () => ({}),
            PutBucketTagging: fail('AccessDenied', 403),
            DeleteBucket: deleteBucket,
          },
        },
        calls,
      );
      return { calls, run: () => createBucket(ctxOf(c, [])) };
    };
    const once = untaggable(() => ({}));
    await expect(once.run()).rejects.toThrow(/AccessDenied/);
    expect(once.calls).toEqual(['CreateBucket', 'PutBucketTagging', 'DeleteBucket']);
    await expect(untaggable(fail('AccessDenied', 403)).run()).rejects.toThrow(/AccessDenied \(fake\)/);
    const taken = clientsOf({ s3: { CreateBucket: fail('BucketAlreadyExists', 409) } }, []);
    await expect(createBucket(ctxOf(taken, []))).rejects.toThrow(/BucketAlreadyExists/);
    expect([partitionOf('us-gov-west-1'), partitionOf('eu-west-1')]).toEqual(['aws-us-gov', 'aws']);
  });
});
