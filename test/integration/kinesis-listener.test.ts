import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsResultEntry,
  type Shard,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventProbeError } from '../../src/errors.js';
import {
  createProbe,
  EventTimeoutError,
  InvalidInputError,
  ListenerSetupError,
  ListenerStoppedError,
  type Probe,
  UnexpectedEventError,
} from '../../src/index.js';
import {
  type AddKinesisListenerOptions,
  createKinesisListener,
  expectOrderedByKey,
  expectPartitionKeys,
  type KinesisListener,
  type KinesisRecordEvent,
  PartitionKeyMismatchError,
  RecordOrderError,
  StreamNotFoundError,
} from '../../src/listeners/kinesis.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

interface Item {
  readonly key: string;
  readonly n: number;
}

let aws: TestAws;
let probe: Probe;
/** A probe whose clients do not retry, so injected faults reach the listener. */
let bare: Probe;
let kinesis: KinesisClient;
const suffix = Date.now().toString(36);
let streams = 0;

const add = <T = Item>(options: AddKinesisListenerOptions, on: Probe = probe) =>
  createKinesisListener<T>(on.context, options);

const newStream = async (shards = 2): Promise<string> => {
  const name = `s${++streams}-${suffix}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  return name;
};

const put = async (stream: string, items: readonly Item[]): Promise<PutRecordsResultEntry[]> => {
  const out = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: items.map((i) => ({ PartitionKey: i.key, Data: Buffer.from(JSON.stringify(i)) })),
    }),
  );
  expect(out.FailedRecordCount ?? 0).toBe(0);
  return out.Records ?? [];
};

const items = (keys: readonly string[], perKey: number, from = 0): Item[] =>
  Array.from({ length: perKey }, (_, n) => keys.map((key) => ({ key, n: from + n }))).flat();

const openShards = async (stream: string): Promise<Shard[]> =>
  ((await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).filter(
    (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
  );

/** Per key, the `n` values in arrival order must be 0, 1, 2, ... (nothing lost, nothing reordered). */
const expectComplete = (
  events: readonly KinesisRecordEvent<Item>[],
  keys: readonly string[],
  perKey: number,
) => {
  for (const key of keys) {
    expect(events.filter((e) => e.data.key === key).map((e) => e.data.n)).toEqual(
      Array.from({ length: perKey }, (_, i) => i),
    );
  }
};

const KEYS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

beforeAll(async () => {
  aws = await startTestAws();
  kinesis = new KinesisClient(aws.clientConfig);
  probe = createProbe({ ...aws.clientConfig });
  bare = createProbe({ ...aws.clientConfig, maxAttempts: 1 });
});

afterEach(() => {
  aws.local?.faults.set({ faults: [], operationLatencyMs: {} });
});

afterAll(async () => {
  kinesis?.destroy();
  await probe?.[Symbol.asyncDispose]();
  await bare?.[Symbol.asyncDispose]();
  await aws?.close();
});

describe('capture', () => {
  it('captures records put to every shard, with partition keys, shard ids and sequence numbers', async () => {
    const stream = await newStream(4);
    await using listener = await add({ streamName: stream });
    expect(listener.resources).toEqual({ listenerId: listener.id, kind: 'kinesis', region: aws.region });
    expect(probe.context.created.has(listener.id)).toBe(false);
    const batch = items(KEYS, 5);
    const results = await put(stream, batch);
    const events = await listener.waitForEvents(undefined, { count: batch.length, timeout: 5_000 });
    expect(new Set(results.map((r) => r.ShardId)).size).toBeGreaterThan(1);
    for (const [i, r] of results.entries()) {
      const event = events.find((e) => e.sequenceNumber === r.SequenceNumber);
      expect(event).toMatchObject({ shardId: r.ShardId, partitionKey: batch[i]?.key, data: batch[i] });
      expect(event?.approximateArrivalTimestamp).toBeInstanceOf(Date);
    }
    expect(listener.partitionKeys().sort()).toEqual([...KEYS].sort());
    expectPartitionKeys(listener, KEYS);
    expectPartitionKeys(events, ['alpha'], { exact: false });
    expectOrderedByKey(listener);
    expectOrderedByKey(events, (e) => e.data.key);
    expectComplete(events, KEYS, 5);
    expect(listener.received[0]?.event).toBe(listener.events[0]);
    expect(listener.stats.getRecordsCalls).toBeGreaterThan(0);
  });

  it("'now' sees only records put after it returned, none missed", async () => {
    const stream = await newStream(2);
    await put(stream, [{ key: 'old', n: 0 }]);
    await using listener = await add({ streamName: stream, from: 'now' });
    await put(stream, [{ key: 'new', n: 0 }]);
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.key).toBe('new');
    await listener.expectNoEvent((e) => e.data.key === 'old', { within: 400 });
  });

  it("'trim-horizon' reads everything the stream holds", async () => {
    const stream = await newStream(2);
    await put(stream, items(['a', 'b', 'c'], 3));
    await using listener = await add({ streamArn: await arnOf(stream), from: 'trim-horizon' });
    await put(stream, items(['a', 'b', 'c'], 2, 3));
    const events = await listener.waitForEvents(undefined, { count: 15, timeout: 5_000 });
    expectComplete(events, ['a', 'b', 'c'], 5);
    expect(listener.stream).toContain('arn:aws:kinesis:');
  });

  it('a Date start reads records that arrived at or after it', async () => {
    const stream = await newStream(2);
    await put(stream, [{ key: 'before', n: 0 }]);
    await new Promise((r) => setTimeout(r, 30));
    const at = new Date();
    await new Promise((r) => setTimeout(r, 30));
    await put(stream, [{ key: 'after', n: 0 }]);
    await using listener = await add({ streamName: stream, from: at });
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.key).toBe('after');
    await listener.expectNoEvent((e) => e.data.key === 'before', { within: 400 });
  });
});

const arnOf = async (stream: string): Promise<string> =>
  (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary
    ?.StreamARN as string;

describe('resharding', () => {
  it('follows splits and merges while reading: nothing lost, per-key order kept', async () => {
    const stream = await newStream(2);
    await using listener = await add({ streamName: stream });
    const keys = KEYS.slice(0, 6);
    await put(stream, items(keys, 4));
    const [first] = await openShards(stream);
    const range = first?.HashKeyRange as { StartingHashKey: string; EndingHashKey: string };
    const middle = (BigInt(range.StartingHashKey) + BigInt(range.EndingHashKey)) / 2n;
    await kinesis.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: first?.ShardId,
        NewStartingHashKey: middle.toString(),
      }),
    );
    await put(stream, items(keys, 4, 4));
    // Merge two adjacent open shards (sorted by hash range).
    const open = (await openShards(stream)).sort((a, b) =>
      BigInt(a.HashKeyRange?.StartingHashKey as string) < BigInt(b.HashKeyRange?.StartingHashKey as string)
        ? -1
        : 1,
    );
    await kinesis.send(
      new MergeShardsCommand({
        StreamName: stream,
        ShardToMerge: open[0]?.ShardId,
        AdjacentShardToMerge: open[1]?.ShardId,
      }),
    );
    await put(stream, items(keys, 4, 8));
    const events = await listener.waitForEvents(undefined, { count: keys.length * 12, timeout: 10_000 });
    expectComplete(events, keys, 12);
    expectOrderedByKey(listener);
    expect(new Set(events.map((e) => e.shardId)).size).toBeGreaterThan(2);
    await listener.expectNoEvent(undefined, { within: 300 }).catch((e: unknown) => {
      expect(e).toBeInstanceOf(UnexpectedEventError);
    });
    expect(listener.events).toHaveLength(keys.length * 12);
  });

  it('reads a resharded stream from the trim horizon: parents first, then children', async () => {
    const stream = await newStream(1);
    await put(stream, items(['k1', 'k2', 'k3'], 3));
    const [only] = await openShards(stream);
    await kinesis.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: only?.ShardId,
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await put(stream, items(['k1', 'k2', 'k3'], 3, 3));
    const children = await openShards(stream);
    await kinesis.send(
      new MergeShardsCommand({
        StreamName: stream,
        ShardToMerge: children[0]?.ShardId,
        AdjacentShardToMerge: children[1]?.ShardId,
      }),
    );
    await put(stream, items(['k1', 'k2', 'k3'], 3, 6));
    await using listener = await add({ streamName: stream, from: 'trim-horizon' });
    const events = await listener.waitForEvents(undefined, { count: 27, timeout: 10_000 });
    expectComplete(events, ['k1', 'k2', 'k3'], 9);
    expect(new Set(events.map((e) => e.shardId)).size).toBe(4);
  });
});

describe('throttling and failures', () => {
  it.skipIf(emulatorOnly)('backs off on throttled GetRecords: nothing lost', async () => {
    const stream = await newStream(3);
    await using listener = await add({ streamName: stream }, bare);
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetRecords',
          error: 'ProvisionedThroughputExceededException',
          rate: 0.3,
        },
      ],
      seed: 7,
    });
    for (let round = 0; round < 4; round++) await put(stream, items(KEYS, 3, round * 3));
    const events = await listener.waitForEvents(undefined, { count: KEYS.length * 12, timeout: 15_000 });
    expectComplete(events, KEYS, 12);
    expect(listener.stats.throttled).toBeGreaterThan(0);
  });

  it.skipIf(emulatorOnly)('retries throttled GetShardIterator calls at setup', async () => {
    const stream = await newStream(2);
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetShardIterator',
          error: 'ProvisionedThroughputExceededException',
          times: 2,
        },
      ],
    });
    await using listener = await add({ streamName: stream }, bare);
    expect(listener.stats.throttled).toBe(2);
    await put(stream, [{ key: 'x', n: 0 }]);
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.key).toBe('x');
  });

  it.skipIf(emulatorOnly)('renews expired iterators where it left off', async () => {
    const stream = await newStream(1);
    await using listener = await add({ streamName: stream }, bare);
    // Before anything was read ('now' resumes at the listener's start time)...
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetRecords',
          error: 'ExpiredIteratorException',
          status: 400,
          times: 1,
        },
      ],
    });
    await put(stream, [{ key: 'a', n: 0 }]);
    await listener.waitForEvent(undefined, { timeout: 5_000 });
    // ...and after (it resumes after the last record read).
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetRecords',
          error: 'ExpiredIteratorException',
          status: 400,
          times: 1,
        },
      ],
    });
    await put(stream, [{ key: 'a', n: 1 }]);
    await put(stream, [{ key: 'a', n: 2 }]);
    const events = await listener.waitForEvents(undefined, { count: 3, timeout: 5_000 });
    expectComplete(events, ['a'], 3);
    await listener.expectNoEvent(undefined, { within: 300 }).catch(() => undefined);
    expect(listener.events).toHaveLength(3);
  });

  it.skipIf(emulatorOnly)('renews expired trim-horizon iterators from where the shard started', async () => {
    const stream = await newStream(1);
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetRecords',
          error: 'ExpiredIteratorException',
          status: 400,
          times: 1,
        },
      ],
    });
    await put(stream, [{ key: 'a', n: 0 }]);
    await using listener = await add({ streamName: stream, from: 'trim-horizon' }, bare);
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.n).toBe(0);
  });

  it.skipIf(emulatorOnly)('reports other errors to the waits, and keeps reading', async () => {
    const stream = await newStream(1);
    await using listener = await add({ streamName: stream }, bare);
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetRecords',
          error: 'AccessDeniedException',
          status: 400,
          times: 1,
        },
      ],
    });
    const error = await listener.waitForEvent(undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventProbeError);
    expect((error as Error).message).toMatch(/GetRecords failed/);
    // The error names the stream and the shard (not a queue).
    expect((error as Error).message).toContain(
      `Listener ${listener.id}: reading Kinesis stream ${stream} (shardId-`,
    );
    expect((error as Error).message).not.toContain('queue');
    await put(stream, [{ key: 'later', n: 0 }]);
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.key).toBe('later');
  });

  it.skipIf(emulatorOnly)('reports a failed iterator renewal and tries again', async () => {
    const stream = await newStream(1);
    await using listener = await add({ streamName: stream }, bare);
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetRecords',
          error: 'ExpiredIteratorException',
          status: 400,
          times: 1,
        },
        {
          service: 'kinesis',
          operation: 'GetShardIterator',
          error: 'AccessDeniedException',
          status: 400,
          times: 1,
        },
      ],
    });
    const error = await listener.waitForEvent(undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/GetShardIterator failed/);
    await put(stream, [{ key: 'after', n: 0 }]);
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.key).toBe('after');
  });

  it('reports a deleted stream, and stops reading it', async () => {
    const stream = await newStream(1);
    await using listener = await add({ streamName: stream }, bare);
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
    const error = await listener.waitForEvent(undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/ResourceNotFound|not found/);
    const calls = listener.stats.getRecordsCalls;
    await new Promise((r) => setTimeout(r, 500));
    expect(listener.stats.getRecordsCalls).toBe(calls);
  });

  it.skipIf(emulatorOnly)(
    'gives up a shard whose iterator cannot be renewed because it is gone',
    async () => {
      const stream = await newStream(1);
      await using listener = await add({ streamName: stream }, bare);
      aws.local?.faults.set({
        faults: [
          {
            service: 'kinesis',
            operation: 'GetRecords',
            error: 'ExpiredIteratorException',
            status: 400,
            times: 1,
          },
          {
            service: 'kinesis',
            operation: 'GetShardIterator',
            error: 'ResourceNotFoundException',
            status: 400,
            times: 1,
          },
        ],
      });
      const error = await listener.waitForEvent(undefined, { timeout: 5_000 }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/GetShardIterator failed/);
      const calls = listener.stats.getRecordsCalls;
      await new Promise((r) => setTimeout(r, 500));
      expect(listener.stats.getRecordsCalls).toBe(calls);
    },
  );

  it.skipIf(emulatorOnly)('stop() cancels an in-flight GetRecords', async () => {
    const stream = await newStream(1);
    const listener = await add({ streamName: stream });
    aws.local?.faults.set({ operationLatencyMs: { 'kinesis:GetRecords': 2_000 } });
    await new Promise((r) => setTimeout(r, 400));
    const calls = listener.stats.getRecordsCalls;
    // Order, not a time bound: stop() resolves before the slow GetRecords would have answered.
    const slowCallDone = new Promise((r) => setTimeout(r, 1_600, 'slow call answered'));
    expect(await Promise.race([listener.stop().then(() => 'stopped'), slowCallDone])).toBe('stopped');
    expect(listener.stats.getRecordsCalls).toBe(calls);
  });

  it.skipIf(emulatorOnly)('child shards: a failed GetShardIterator is reported and retried', async () => {
    const stream = await newStream(1);
    await using listener = await add({ streamName: stream }, bare);
    const [only] = await openShards(stream);
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetShardIterator',
          error: 'AccessDeniedException',
          status: 400,
          times: 1,
        },
      ],
    });
    await kinesis.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: only?.ShardId, NewStartingHashKey: '1000' }),
    );
    const error = await listener.waitForEvent(undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/GetShardIterator failed/);
    await put(stream, items(['p', 'q', 'r'], 2));
    const events = await listener.waitForEvents(undefined, { count: 6, timeout: 5_000 });
    expectComplete(events, ['p', 'q', 'r'], 2);
  });

  it('a wait that times out leaves the receive loop to finish its poll', async () => {
    const stream = await newStream(1);
    await using listener = await add({ streamName: stream });
    await expect(listener.waitForEvent(undefined, { timeout: 100 })).rejects.toThrow(EventTimeoutError);
    await new Promise((r) => setTimeout(r, 1_100));
    await put(stream, [{ key: 'late', n: 0 }]);
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.key).toBe('late');
  });

  it.skipIf(emulatorOnly)(
    'stop() while backing off, or while renewing an iterator, ends at once',
    async () => {
      const stream = await newStream(1);
      const failing = await add({ streamName: stream }, bare);
      aws.local?.faults.set({
        faults: [
          { service: 'kinesis', operation: 'GetRecords', error: 'AccessDeniedException', status: 400 },
        ],
      });
      await expect(failing.waitForEvent(undefined, { timeout: 5_000 })).rejects.toThrow(/GetRecords failed/);
      await failing.stop();
      const renewing = await add({ streamName: stream }, bare);
      aws.local?.faults.set({
        faults: [
          { service: 'kinesis', operation: 'GetRecords', error: 'ExpiredIteratorException', status: 400 },
        ],
        operationLatencyMs: { 'kinesis:GetShardIterator': 1_000 },
      });
      await new Promise((r) => setTimeout(r, 500));
      const calls = renewing.stats.getRecordsCalls;
      // Order, not a time bound: stop() resolves before the slow GetShardIterator would have answered.
      const slowCallDone = new Promise((r) => setTimeout(r, 500, 'slow call answered'));
      expect(await Promise.race([renewing.stop().then(() => 'stopped'), slowCallDone])).toBe('stopped');
      expect(renewing.stats.getRecordsCalls).toBe(calls);
    },
  );

  it.skipIf(emulatorOnly)('child shards that are gone are not retried', async () => {
    const stream = await newStream(1);
    await using listener = await add({ streamName: stream }, bare);
    const [only] = await openShards(stream);
    aws.local?.faults.set({
      faults: [
        {
          service: 'kinesis',
          operation: 'GetShardIterator',
          error: 'ResourceNotFoundException',
          status: 400,
          times: 2,
        },
      ],
    });
    await kinesis.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: only?.ShardId, NewStartingHashKey: '1000' }),
    );
    const errors = await listener
      .waitForEvents(undefined, { count: 1, timeout: 5_000 })
      .catch((e: unknown) => e);
    expect((errors as Error).message).toMatch(/GetShardIterator failed/);
    await new Promise((r) => setTimeout(r, 400));
    const calls = listener.stats.getRecordsCalls;
    await new Promise((r) => setTimeout(r, 400));
    expect(listener.stats.getRecordsCalls).toBe(calls);
  });
});

describe('decoding', () => {
  /** A one-shard stream holding a JSON record and a text record, read from the trim horizon. */
  const read = async <T>(decode?: AddKinesisListenerOptions['decode']) => {
    const stream = await newStream(1);
    for (const data of ['{"a":1}', 'hello']) {
      await kinesis.send(
        new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: Buffer.from(data) }),
      );
    }
    return add<T>({ streamName: stream, from: 'trim-horizon', ...(decode ? { decode } : {}) });
  };

  it('decodes JSON when it parses, else text (default)', async () => {
    await using auto = await read<unknown>();
    expect((await auto.waitForEvents(undefined, { count: 2, timeout: 5_000 })).map((e) => e.data)).toEqual([
      { a: 1 },
      'hello',
    ]);
  });

  it('decodes text and bytes', async () => {
    await using text = await read<string>('text');
    expect((await text.waitForEvents(undefined, { count: 2, timeout: 5_000 })).map((e) => e.data)).toEqual([
      '{"a":1}',
      'hello',
    ]);
    await using bytes = await read<Uint8Array>('bytes');
    const [b] = await bytes.waitForEvents(undefined, { count: 2, timeout: 5_000 });
    expect(b?.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(b?.data as Uint8Array).toString()).toBe('{"a":1}');
  });

  it("decode: 'json' reports a record that is not JSON, and keeps it as text", async () => {
    await using json = await read<unknown>('json');
    const error = await json.waitForEvents(undefined, { count: 2, timeout: 5_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/as JSON/);
    expect((await json.waitForEvents(undefined, { count: 2, timeout: 5_000 })).map((e) => e.data)).toEqual([
      { a: 1 },
      'hello',
    ]);
  });
});

describe('listener contract', () => {
  let stream: string;
  let listener: KinesisListener<Item>;
  beforeAll(async () => {
    stream = await newStream(2);
    listener = await add({ streamName: stream });
    await put(stream, items(['a', 'b'], 3));
  });

  it('pollEvents, collect and waits work on decoded records', async () => {
    await listener.waitForEvents(undefined, { count: 6, timeout: 5_000 });
    const polled = await listener.pollEvents({ waitTimeSeconds: 5, maxEvents: 4 });
    expect(polled).toHaveLength(4);
    expect(await listener.pollEvents({ waitTimeSeconds: 1 })).toHaveLength(2);
    expect(polled[0]?.approximateArrivalTimestamp).toBeInstanceOf(Date);
    const collected = await listener.collect({ duration: 200, match: (e) => e.data.key === 'a' });
    expect(collected.map((e) => e.data.n)).toEqual([0, 1, 2]);
    expect(await listener.collect({ duration: 50 })).toHaveLength(6);
    const found = await listener.waitForEvent((e, received) => {
      expect(received.event).toBe(e);
      return e.data.n === 2 && e.data.key === 'b';
    });
    expect(found.partitionKey).toBe('b');
  });

  it('expectNoEvent names the decoded record', async () => {
    const error = await listener
      .expectNoEvent((e) => e.data.key === 'b', { within: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedEventError);
    expect((error as UnexpectedEventError).event).toMatchObject({
      partitionKey: 'b',
      shardId: expect.any(String),
    });
    const invalid = await listener.expectNoEvent(undefined, { within: -1 }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidInputError);
  });

  it('timeouts show readable records and validate the match function', async () => {
    const error = await listener
      .waitForEvent((e) => e.data.key === 'zulu', { timeout: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventTimeoutError);
    expect((error as Error).message).toContain('"partitionKey"');
    expect((error as EventTimeoutError).misses[0]?.event).toMatchObject({ partitionKey: expect.any(String) });
    const asserted = await listener
      .waitForEvent(
        (e) => {
          if (e.data.key !== 'zulu') throw new Error(`not zulu: ${e.data.key}`);
        },
        { timeout: 100 },
      )
      .catch((e: unknown) => e);
    expect((asserted as Error).message).toContain('rejected: not zulu');
    expect((asserted as Error).cause).toBeInstanceOf(Error);
    const many = (await listener
      .waitForEvents(undefined, { count: 100, timeout: 100 })
      .catch((e: unknown) => e)) as EventTimeoutError;
    expect(many).toBeInstanceOf(EventTimeoutError);
    expect(many.matched).toHaveLength(6);
    expect(many.matched[0]).toMatchObject({ shardId: expect.any(String) });
    const notFn = await listener
      .waitForEvent('nope' as unknown as undefined, { timeout: 100 })
      .catch((e: unknown) => e);
    expect(notFn).toBeInstanceOf(InvalidInputError);
  });

  it('stop() ends reading, rejects waits, and is idempotent', async () => {
    const pending = listener
      .waitForEvent((e) => e.data.key === 'never', { timeout: 5_000 })
      .catch((e: unknown) => e);
    await listener.stop();
    await listener.stop();
    expect(listener.stopped).toBe(true);
    expect(await pending).toBeInstanceOf(ListenerStoppedError);
    const calls = listener.stats.getRecordsCalls;
    await new Promise((r) => setTimeout(r, 300));
    expect(listener.stats.getRecordsCalls).toBe(calls);
  });
});

describe('assertions', () => {
  const event = (
    partitionKey: string,
    shardId: string,
    sequenceNumber: string,
  ): KinesisRecordEvent<string> => ({
    data: `${partitionKey}-${sequenceNumber}`,
    partitionKey,
    sequenceNumber,
    shardId,
    approximateArrivalTimestamp: new Date(0),
  });

  it('expectPartitionKeys names missing and unexpected keys', () => {
    const events = [event('a', 's0', '1'), event('b', 's0', '2')];
    const error = (() => {
      try {
        expectPartitionKeys(events, ['a', 'c']);
      } catch (e) {
        return e as PartitionKeyMismatchError;
      }
    })();
    expect(error).toBeInstanceOf(PartitionKeyMismatchError);
    expect(error).toMatchObject({
      missing: ['c'],
      unexpected: ['b'],
      actual: ['a', 'b'],
      expected: ['a', 'c'],
    });
    expect(error?.message).toContain('missing: "c"; unexpected: "b"');
    expect(() => expectPartitionKeys(events, ['c'], { exact: false })).toThrow(/at least.*missing: "c"/);
    expect(() => expectPartitionKeys([], ['c'])).toThrow(/Received keys: none/);
    expect(() => expectPartitionKeys(events, ['a'])).toThrow(/unexpected: "b"\./);
    expect(() => expectPartitionKeys(events, 'a' as unknown as string[])).toThrow(InvalidInputError);
    expect(() => expectPartitionKeys(events, [1] as unknown as string[])).toThrow(InvalidInputError);
  });

  it('expectOrderedByKey finds records of one key out of order on a shard', () => {
    const ok = [event('a', 's0', '1'), event('a', 's1', '1'), event('a', 's1', '5'), event('b', 's0', '3')];
    expect(() => expectOrderedByKey(ok)).not.toThrow();
    const bad = [event('a', 's0', '20'), event('b', 's0', '3'), event('a', 's0', '10')];
    let error: RecordOrderError | undefined;
    try {
      expectOrderedByKey(bad);
    } catch (e) {
      error = e as RecordOrderError;
    }
    expect(error).toBeInstanceOf(RecordOrderError);
    expect(error).toMatchObject({ key: 'a', earlier: bad[0], later: bad[2] });
    expect(error?.message).toContain('sequence number 10 came after 20');
    expect(() => expectOrderedByKey(ok, 'x' as unknown as () => string)).toThrow(InvalidInputError);
  });
});

describe('setup', () => {
  const cases: [string, unknown, string][] = [
    ['no options', undefined, 'options'],
    ['neither name nor ARN', {}, 'streamName'],
    [
      'both name and ARN',
      { streamName: 'a', streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/a' },
      'streamName',
    ],
    ['bad name', { streamName: 'a b' }, 'streamName'],
    ['name not a string', { streamName: 5 }, 'streamName'],
    ['bad ARN', { streamArn: 'arn:aws:sqs:us-east-1:123456789012:q' }, 'streamArn'],
    ['bad from', { streamName: 'a', from: 'yesterday' }, 'from'],
    ['invalid Date', { streamName: 'a', from: new Date(Number.NaN) }, 'from'],
    ['bad decode', { streamName: 'a', decode: 'xml' }, 'decode'],
    ['bad pollInterval', { streamName: 'a', pollInterval: -1 }, 'pollInterval'],
    ['pollInterval too short', { streamName: 'a', pollInterval: 50 }, 'pollInterval'],
  ];
  it.each(cases)('%s → InvalidInputError', async (_name, options, option) => {
    const error = await add(options as AddKinesisListenerOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).option).toBe(option);
  });

  it('throws StreamNotFoundError for a stream that does not exist', async () => {
    const error = await add({ streamName: `missing-${suffix}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamNotFoundError);
    expect((error as Error).message).toContain(`missing-${suffix}`);
  });

  it.skipIf(emulatorOnly)(
    'wraps ListShards and GetShardIterator failures in ListenerSetupError',
    async () => {
      const stream = await newStream(1);
      aws.local?.faults.set({
        faults: [
          { service: 'kinesis', operation: 'ListShards', error: 'AccessDeniedException', status: 400 },
        ],
      });
      const list = await add({ streamName: stream }, bare).catch((e: unknown) => e);
      expect(list).toBeInstanceOf(ListenerSetupError);
      expect((list as Error).message).toContain('ListShards');
      aws.local?.faults.set({
        faults: [
          { service: 'kinesis', operation: 'GetShardIterator', error: 'AccessDeniedException', status: 400 },
        ],
      });
      const iterators = await add({ streamName: stream }, bare).catch((e: unknown) => e);
      expect(iterators).toBeInstanceOf(ListenerSetupError);
      expect((iterators as Error).message).toContain('GetShardIterator');
    },
  );

  it.skipIf(emulatorOnly)('rethrows the caller abort', async () => {
    const stream = await newStream(1);
    const reason = new Error('caller gave up');
    expect(
      await add({ streamName: stream, signal: AbortSignal.abort(reason) }).catch((e: unknown) => e),
    ).toBe(reason);
    aws.local?.faults.set({ operationLatencyMs: { 'kinesis:ListShards': 300 } });
    const c1 = new AbortController();
    setTimeout(() => c1.abort(reason), 100);
    expect(await add({ streamName: stream, signal: c1.signal }).catch((e: unknown) => e)).toBe(reason);
    aws.local?.faults.set({
      operationLatencyMs: { 'kinesis:ListShards': 0, 'kinesis:GetShardIterator': 300 },
    });
    const c2 = new AbortController();
    setTimeout(() => c2.abort(reason), 100);
    expect(await add({ streamName: stream, signal: c2.signal }).catch((e: unknown) => e)).toBe(reason);
  });

  it('lists shards page by page', async () => {
    const stream = await newStream(3);
    const send = kinesis.send.bind(kinesis);
    let pages = 0;
    const paging = createProbe({
      ...aws.clientConfig,
      clients: {
        kinesis: Object.assign(Object.create(kinesis) as KinesisClient, {
          send: async (command: ListShardsCommand, options?: object) => {
            if (command instanceof ListShardsCommand) {
              pages++;
              return send(new ListShardsCommand({ ...command.input, MaxResults: 1 }), options);
            }
            return send(command, options);
          },
        }),
      },
    });
    await using listener = await add({ streamName: stream }, paging);
    expect(pages).toBe(3);
    await put(stream, [{ key: 'x', n: 0 }]);
    expect((await listener.waitForEvent(undefined, { timeout: 5_000 })).data.key).toBe('x');
  });
});
