import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  InvalidArgumentException,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type Shard,
  type ShardFilter,
  SplitShardCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateShardCountCommand,
  ValidationException,
  waitUntilStreamExists,
  waitUntilStreamNotExists,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';
import { runNames } from '../support/names.js';

/** The CommonJS http2 module the SDK's handler calls (so a spy sees its connections). */
const http2 = createRequire(import.meta.url)('node:http2') as typeof import('node:http2');

/** AWS's routing, computed independently: MD5 digest → unsigned 128-bit big-endian → containing range. */
const md5Key = (partitionKey: string): bigint => {
  const digest = createHash('md5').update(Buffer.from(partitionKey, 'utf8')).digest();
  return (digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8);
};
const shardForKey = (shards: readonly Shard[], key: bigint): string | undefined =>
  shards.find(
    (s) =>
      s.SequenceNumberRange?.EndingSequenceNumber === undefined &&
      BigInt(s.HashKeyRange?.StartingHashKey ?? '-1') <= key &&
      key <= BigInt(s.HashKeyRange?.EndingHashKey ?? '-1'),
  )?.ShardId;

const text = (data: Uint8Array | undefined): string => Buffer.from(data ?? new Uint8Array()).toString('utf8');

describe('local Kinesis', () => {
  /** Stream names of this run: runs against one endpoint (EVENTPROBE_TEST_ENDPOINT) never collide. */
  const { prefix, name: streamName } = runNames();
  let aws: TestAws;
  let kinesis: KinesisClient;
  /** Emulator clock offset: tests move time forward to stay under read limits or to expire iterators. */
  let offset = 0;
  /** When set, the emulator clock stands still at this real time (plus the offset). */
  let frozenAt: number | undefined;
  const tick = (ms = 1000) => {
    offset += ms;
  };

  beforeAll(async () => {
    aws = await startTestAws({ clock: () => (frozenAt ?? Date.now()) + offset });
    kinesis = new KinesisClient(aws.clientConfig);
  });
  afterAll(async () => {
    kinesis?.destroy();
    await aws?.close();
  });
  beforeEach(() => tick(1000));

  const shardsOf = async (StreamName: string): Promise<Shard[]> =>
    (await kinesis.send(new ListShardsCommand({ StreamName }))).Shards ?? [];

  const readAll = async (
    StreamName: string,
    ShardId: string,
    from: 'TRIM_HORIZON' | 'LATEST' = 'TRIM_HORIZON',
  ) => {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: from }),
    );
    tick();
    return kinesis.send(new GetRecordsCommand({ ShardIterator }));
  };

  it('speaks HTTP/2 cleartext, which the SDK Kinesis client uses by default', async () => {
    const connect = vi.spyOn(http2, 'connect');
    const fresh = new KinesisClient(aws.clientConfig);
    try {
      const out = await fresh.send(new ListStreamsCommand({}));
      expect(out.StreamNames?.filter((n) => n.startsWith(prefix))).toEqual([]);
      expect(connect).toHaveBeenCalled();
    } finally {
      fresh.destroy();
      connect.mockRestore();
    }
  });

  it('creates provisioned streams (waiter), describes, summarises and lists them', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName('orders'), ShardCount: 3 }));
    const waited = await waitUntilStreamExists(
      { client: kinesis, maxWaitTime: 30 },
      { StreamName: streamName('orders') },
    );
    expect(waited.state).toBe('SUCCESS');
    const { StreamDescription: d } = await kinesis.send(
      new DescribeStreamCommand({ StreamName: streamName('orders') }),
    );
    expect(d).toMatchObject({
      StreamName: streamName('orders'),
      StreamARN: `arn:aws:kinesis:${aws.region}:000000000000:stream/${streamName('orders')}`,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 24,
      HasMoreShards: false,
    });
    expect(d?.StreamCreationTimestamp).toBeInstanceOf(Date);
    expect(d?.Shards?.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    // Even split of the 128-bit key space, as AWS does.
    expect(d?.Shards?.map((s) => [s.HashKeyRange?.StartingHashKey, s.HashKeyRange?.EndingHashKey])).toEqual([
      ['0', '113427455640312821154458202477256070484'],
      ['113427455640312821154458202477256070485', '226854911280625642308916404954512140969'],
      ['226854911280625642308916404954512140970', '340282366920938463463374607431768211455'],
    ]);
    const page = await kinesis.send(
      new DescribeStreamCommand({ StreamName: streamName('orders'), Limit: 2 }),
    );
    expect(page.StreamDescription?.HasMoreShards).toBe(true);
    const rest = await kinesis.send(
      new DescribeStreamCommand({
        StreamName: streamName('orders'),
        ExclusiveStartShardId: 'shardId-000000000001',
      }),
    );
    expect(rest.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);

    const summary = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamARN: d?.StreamARN as string }),
    );
    expect(summary.StreamDescriptionSummary).toMatchObject({
      StreamName: streamName('orders'),
      OpenShardCount: 3,
    });

    await expect(
      kinesis.send(new CreateStreamCommand({ StreamName: streamName('orders'), ShardCount: 1 })),
    ).rejects.toThrow(ResourceInUseException);
    await expect(kinesis.send(new DescribeStreamCommand({ StreamName: streamName('nope') }))).rejects.toThrow(
      `Stream ${streamName('nope')} under account 000000000000 not found.`,
    );
    await expect(
      kinesis.send(new DescribeStreamCommand({ StreamName: streamName('nope') })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('creates on-demand streams with four shards, also when no shard count is given', async () => {
    await kinesis.send(
      new CreateStreamCommand({
        StreamName: streamName('od'),
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      }),
    );
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName('od2') }));
    for (const base of ['od', 'od2']) {
      const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName(base) }));
      expect(s.StreamDescriptionSummary).toMatchObject({
        OpenShardCount: 4,
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      });
    }
    await expect(
      kinesis.send(
        new CreateStreamCommand({
          StreamName: streamName('bad'),
          ShardCount: 2,
          StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(
        new CreateStreamCommand({
          StreamName: streamName('bad'),
          StreamModeDetails: { StreamMode: 'PROVISIONED' },
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(new CreateStreamCommand({ StreamName: 'bad name', ShardCount: 1 })),
    ).rejects.toThrow(ValidationException);
    await expect(
      kinesis.send(new CreateStreamCommand({ StreamName: streamName('bad'), ShardCount: 0 })),
    ).rejects.toThrow(ValidationException);
    // This run's streams sort together right after its prefix (other runs may share the endpoint).
    const listed = await kinesis.send(new ListStreamsCommand({ Limit: 2, ExclusiveStartStreamName: prefix }));
    expect(listed.StreamNames).toEqual([streamName('od'), streamName('od2')]);
    expect(listed.HasMoreStreams).toBe(true);
    const next = await kinesis.send(new ListStreamsCommand({ NextToken: listed.NextToken as string }));
    expect(next.StreamNames).toContain(streamName('orders'));
    expect(next.StreamSummaries?.[0]).toMatchObject({ StreamStatus: 'ACTIVE' });
    const after = await kinesis.send(new ListStreamsCommand({ ExclusiveStartStreamName: streamName('od2') }));
    expect(after.StreamNames?.filter((n) => n.startsWith(prefix))).toEqual([streamName('orders')]);
  });

  it('routes records by the MD5 of the partition key, as AWS does', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName('routing'), ShardCount: 5 }));
    const shards = await shardsOf(streamName('routing'));
    const keys = Array.from({ length: 60 }, (_, i) => `customer-${i}-ÄÖ`);
    const single = await kinesis.send(
      new PutRecordCommand({
        StreamName: streamName('routing'),
        PartitionKey: keys[0] as string,
        Data: Buffer.from('one'),
      }),
    );
    expect(single.ShardId).toBe(shardForKey(shards, md5Key(keys[0] as string)));
    expect(single.SequenceNumber).toMatch(/^\d{56}$/);
    const batch = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName('routing'),
        Records: keys.map((k, i) => ({ PartitionKey: k, Data: Buffer.from(`record ${i}`) })),
      }),
    );
    expect(batch.FailedRecordCount).toBe(0);
    const used = new Set<string>();
    batch.Records?.forEach((r, i) => {
      expect(r.ShardId).toBe(shardForKey(shards, md5Key(keys[i] as string)));
      used.add(r.ShardId as string);
    });
    expect(used.size).toBe(5);
    // Sequence numbers increase within each shard.
    const perShard = new Map<string, bigint>();
    for (const r of batch.Records ?? []) {
      const seq = BigInt(r.SequenceNumber as string);
      expect(seq > (perShard.get(r.ShardId as string) ?? 0n)).toBe(true);
      perShard.set(r.ShardId as string, seq);
    }
    // Records come back with their data, partition key and arrival time.
    const target = batch.Records?.[3]?.ShardId as string;
    const got = await readAll(streamName('routing'), target);
    const expected = keys.filter((k) => shardForKey(shards, md5Key(k)) === target);
    expect(got.Records?.map((r) => r.PartitionKey)).toEqual(expected);
    expect(got.Records?.[0]?.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
    expect(text(got.Records?.find((r) => r.PartitionKey === keys[3])?.Data)).toBe('record 3');
  });

  it('routes by an explicit hash key and validates it', async () => {
    const shards = await shardsOf(streamName('routing'));
    for (const shard of shards) {
      for (const key of [shard.HashKeyRange?.StartingHashKey, shard.HashKeyRange?.EndingHashKey]) {
        const put = await kinesis.send(
          new PutRecordCommand({
            StreamName: streamName('routing'),
            PartitionKey: 'ignored-for-routing',
            ExplicitHashKey: key as string,
            Data: Buffer.from('x'),
          }),
        );
        expect(put.ShardId).toBe(shard.ShardId);
      }
    }
    await expect(
      kinesis.send(
        new PutRecordCommand({
          StreamName: streamName('routing'),
          PartitionKey: 'k',
          ExplicitHashKey: (1n << 128n).toString(),
          Data: Buffer.from('x'),
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(
        new PutRecordCommand({ StreamName: streamName('routing'), PartitionKey: '', Data: Buffer.from('x') }),
      ),
    ).rejects.toThrow(ValidationException);
    await expect(
      kinesis.send(
        new PutRecordsCommand({
          StreamName: streamName('routing'),
          Records: Array.from({ length: 501 }, () => ({ PartitionKey: 'k', Data: Buffer.from('x') })),
        }),
      ),
    ).rejects.toThrow(ValidationException);
    await expect(
      kinesis.send(
        new PutRecordCommand({
          StreamName: streamName('routing'),
          PartitionKey: 'k',
          Data: Buffer.alloc(1024 * 1024 + 1),
        }),
      ),
    ).rejects.toThrow(ValidationException);
  });

  // Moves the emulator's clock (AT_TIMESTAMP, the read limit of 5 GetRecords a second a shard).
  it.skipIf(emulatorOnly)('serves every iterator type', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName('iter'), ShardCount: 1 }));
    const ShardId = 'shardId-000000000000';
    const seqs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await kinesis.send(
        new PutRecordCommand({
          StreamName: streamName('iter'),
          PartitionKey: 'p',
          Data: Buffer.from(`m${i}`),
        }),
      );
      seqs.push(r.SequenceNumber as string);
    }
    tick(2000);
    const middle = Date.now() + offset;
    tick(1000);
    await kinesis.send(
      new PutRecordCommand({ StreamName: streamName('iter'), PartitionKey: 'p', Data: Buffer.from('m5') }),
    );

    const read = async (input: Partial<ConstructorParameters<typeof GetShardIteratorCommand>[0]>) => {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
          ...input,
        }),
      );
      tick();
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      return out.Records?.map((r) => text(r.Data));
    };
    expect(await read({ ShardIteratorType: 'TRIM_HORIZON' })).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(await read({ ShardIteratorType: 'LATEST' })).toEqual([]);
    expect(await read({ ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: seqs[2] })).toEqual([
      'm2',
      'm3',
      'm4',
      'm5',
    ]);
    expect(
      await read({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: seqs[2] }),
    ).toEqual(['m3', 'm4', 'm5']);
    expect(await read({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(middle) })).toEqual(['m5']);
    expect(
      await read({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(Date.now() + offset + 60_000) }),
    ).toEqual([]);

    // LATEST then a new record: only the new one.
    const { ShardIterator: latest } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName('iter'), ShardId, ShardIteratorType: 'LATEST' }),
    );
    await kinesis.send(
      new PutRecordCommand({ StreamName: streamName('iter'), PartitionKey: 'p', Data: Buffer.from('m6') }),
    );
    tick();
    const fresh = await kinesis.send(new GetRecordsCommand({ ShardIterator: latest }));
    expect(fresh.Records?.map((r) => text(r.Data))).toEqual(['m6']);

    await expect(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId,
          ShardIteratorType: 'AT_TIMESTAMP',
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('routing'),
          ShardId: 'shardId-000000000001',
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: seqs[0],
        }),
      ),
    ).rejects.toThrow(
      /It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001/,
    );
    await expect(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: 'abc',
        }),
      ),
    ).rejects.toThrow(ValidationException);
    await expect(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId,
          ShardIteratorType: 'NOPE' as 'LATEST',
        }),
      ),
    ).rejects.toThrow(ValidationException);
    await expect(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId: 'shardId-000000000009',
          ShardIteratorType: 'LATEST',
        }),
      ),
    ).rejects.toThrow(ResourceNotFoundException);
    await expect(kinesis.send(new GetRecordsCommand({ ShardIterator: 'garbage' }))).rejects.toThrow(
      InvalidArgumentException,
    );
  });

  // Moves the emulator's clock (AT_TIMESTAMP, the read limit of 5 GetRecords a second a shard).
  it.skipIf(emulatorOnly)(
    'pages GetRecords to the end of an open shard, with MillisBehindLatest',
    async () => {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let iterator = ShardIterator;
      const seen: string[] = [];
      let last: GetRecordsCommandOutput | undefined;
      for (let i = 0; i < 10 && iterator; i++) {
        tick();
        last = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 2 }));
        seen.push(...(last.Records ?? []).map((r) => text(r.Data)));
        if (seen.length < 7) expect(last.MillisBehindLatest).toBeGreaterThan(0);
        if ((last.Records ?? []).length === 0) break;
        iterator = last.NextShardIterator;
      }
      expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
      expect(last?.MillisBehindLatest).toBe(0);
      expect(last?.NextShardIterator).toBeTruthy();
      await expect(
        kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_001 })),
      ).rejects.toThrow(ValidationException);
    },
  );

  it.skipIf(emulatorOnly)('expires iterators after five minutes', async () => {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName('iter'),
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'LATEST',
      }),
    );
    tick(5 * 60 * 1000 + 1);
    const err = await kinesis.send(new GetRecordsCommand({ ShardIterator })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpiredIteratorException);
    expect((err as Error).message).toMatch(/tolerated delay of 300000 milliseconds/);
  });

  it.skipIf(emulatorOnly)(
    'answers the 6th GetRecords on a shard within a second with ProvisionedThroughputExceededException',
    async () => {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName('iter'),
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'LATEST',
        }),
      );
      let iterator = ShardIterator;
      // No SDK retries: the throttling error must surface on the 6th call.
      const once = new KinesisClient({ ...aws.clientConfig, maxAttempts: 1 });
      frozenAt = Date.now(); // the six calls below land in the same millisecond of emulator time
      const results: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        try {
          const out = await once.send(new GetRecordsCommand({ ShardIterator: iterator }));
          iterator = out.NextShardIterator;
          results.push('ok');
        } catch (err) {
          results.push(err);
        }
      }
      expect(results.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(results[5]).toBeInstanceOf(ProvisionedThroughputExceededException);
      expect((results[5] as Error).message).toContain(
        `Rate exceeded for Shard - 000000000000 - ${streamName('iter')} - shardId-000000000000`,
      );
      // A second later the shard reads again.
      tick();
      frozenAt = undefined;
      await expect(once.send(new GetRecordsCommand({ ShardIterator: iterator }))).resolves.toBeDefined();
      once.destroy();
    },
  );

  it('splits and merges shards while a reader follows parents into children', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName('reshard'), ShardCount: 2 }));
    const [s0, s1] = await shardsOf(streamName('reshard'));
    // A reader on shard 0 before the split.
    const { ShardIterator: parentIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName('reshard'),
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const start0 = BigInt(s0?.HashKeyRange?.StartingHashKey as string);
    const end0 = BigInt(s0?.HashKeyRange?.EndingHashKey as string);
    const mid = (start0 + end0) / 2n;
    await kinesis.send(
      new PutRecordCommand({
        StreamName: streamName('reshard'),
        PartitionKey: 'a',
        ExplicitHashKey: '1',
        Data: Buffer.from('before'),
      }),
    );
    await kinesis.send(
      new SplitShardCommand({
        StreamName: streamName('reshard'),
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: mid.toString(),
      }),
    );
    await kinesis.send(
      new PutRecordCommand({
        StreamName: streamName('reshard'),
        PartitionKey: 'a',
        ExplicitHashKey: '1',
        Data: Buffer.from('low'),
      }),
    );
    await kinesis.send(
      new PutRecordCommand({
        StreamName: streamName('reshard'),
        PartitionKey: 'a',
        ExplicitHashKey: mid.toString(),
        Data: Buffer.from('high'),
      }),
    );
    const shards = await shardsOf(streamName('reshard'));
    expect(shards.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
      'shardId-000000000003',
    ]);
    const parent = shards[0] as Shard;
    expect(parent.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d+$/);
    expect(shards[2]).toMatchObject({
      ParentShardId: 'shardId-000000000000',
      HashKeyRange: { StartingHashKey: start0.toString(), EndingHashKey: (mid - 1n).toString() },
    });
    expect(shards[3]).toMatchObject({
      ParentShardId: 'shardId-000000000000',
      HashKeyRange: { StartingHashKey: mid.toString(), EndingHashKey: end0.toString() },
    });
    expect(BigInt(shards[2]?.SequenceNumberRange?.StartingSequenceNumber as string)).toBeGreaterThan(
      BigInt(parent.SequenceNumberRange?.EndingSequenceNumber as string),
    );

    // The parent reads to its end: its records, then child shards and no next iterator.
    tick();
    const fromParent = await kinesis.send(new GetRecordsCommand({ ShardIterator: parentIterator }));
    expect(fromParent.Records?.map((r) => text(r.Data))).toEqual(['before']);
    expect(fromParent.NextShardIterator).toBeUndefined();
    expect(fromParent.ChildShards?.map((c) => [c.ShardId, c.ParentShards])).toEqual([
      ['shardId-000000000002', ['shardId-000000000000']],
      ['shardId-000000000003', ['shardId-000000000000']],
    ]);
    expect(text((await readAll(streamName('reshard'), 'shardId-000000000002')).Records?.[0]?.Data)).toBe(
      'low',
    );
    expect(text((await readAll(streamName('reshard'), 'shardId-000000000003')).Records?.[0]?.Data)).toBe(
      'high',
    );
    // LATEST on a closed shard: already at the end.
    const closedLatest = await readAll(streamName('reshard'), 'shardId-000000000000', 'LATEST');
    expect(closedLatest.NextShardIterator).toBeUndefined();

    // Split of a closed shard, or at a key outside the shard, is refused.
    await expect(
      kinesis.send(
        new SplitShardCommand({
          StreamName: streamName('reshard'),
          ShardToSplit: 'shardId-000000000000',
          NewStartingHashKey: '5',
        }),
      ),
    ).rejects.toThrow(ResourceInUseException);
    await expect(
      kinesis.send(
        new SplitShardCommand({
          StreamName: streamName('reshard'),
          ShardToSplit: 'shardId-000000000002',
          NewStartingHashKey: end0.toString(),
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(
        new SplitShardCommand({
          StreamName: streamName('reshard'),
          ShardToSplit: 'shardId-000000000002',
          NewStartingHashKey: 'x',
        }),
      ),
    ).rejects.toThrow(ValidationException);

    // Merge the two children back; then merge the result with the old shard 1.
    await expect(
      kinesis.send(
        new MergeShardsCommand({
          StreamName: streamName('reshard'),
          ShardToMerge: 'shardId-000000000002',
          AdjacentShardToMerge: 'shardId-000000000001',
        }),
      ),
    ).rejects.toThrow(/not an adjacent pair of shards/);
    await kinesis.send(
      new MergeShardsCommand({
        StreamName: streamName('reshard'),
        ShardToMerge: 'shardId-000000000002',
        AdjacentShardToMerge: 'shardId-000000000003',
      }),
    );
    const merged = (await shardsOf(streamName('reshard')))[4];
    expect(merged).toMatchObject({
      ShardId: 'shardId-000000000004',
      ParentShardId: 'shardId-000000000002',
      AdjacentParentShardId: 'shardId-000000000003',
      HashKeyRange: { StartingHashKey: start0.toString(), EndingHashKey: end0.toString() },
    });
    const childEnd = await readAll(streamName('reshard'), 'shardId-000000000003');
    expect(childEnd.ChildShards).toEqual([
      {
        ShardId: 'shardId-000000000004',
        ParentShards: ['shardId-000000000002', 'shardId-000000000003'],
        HashKeyRange: { StartingHashKey: start0.toString(), EndingHashKey: end0.toString() },
      },
    ]);
    await kinesis.send(
      new PutRecordCommand({
        StreamName: streamName('reshard'),
        PartitionKey: 'a',
        ExplicitHashKey: '1',
        Data: Buffer.from('after'),
      }),
    );
    expect(text((await readAll(streamName('reshard'), 'shardId-000000000004')).Records?.[0]?.Data)).toBe(
      'after',
    );
    expect(s1?.ShardId).toBe('shardId-000000000001');

    // Shard filters.
    const ids = async (ShardFilter: ShardFilter) =>
      (
        (await kinesis.send(new ListShardsCommand({ StreamName: streamName('reshard'), ShardFilter })))
          .Shards ?? []
      ).map((s) => s.ShardId);
    expect(await ids({ Type: 'AT_LATEST' })).toEqual(['shardId-000000000001', 'shardId-000000000004']);
    expect(await ids({ Type: 'AT_TRIM_HORIZON' })).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(await ids({ Type: 'FROM_TRIM_HORIZON' })).toHaveLength(5);
    expect(await ids({ Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000002' })).toEqual([
      'shardId-000000000003',
      'shardId-000000000004',
    ]);
    const future = new Date(Date.now() + offset + 1000);
    expect(await ids({ Type: 'AT_TIMESTAMP', Timestamp: future })).toEqual([
      'shardId-000000000001',
      'shardId-000000000004',
    ]);
    expect(await ids({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(0) })).toHaveLength(5);
    expect(await ids({ Type: 'AT_TIMESTAMP', Timestamp: new Date(0) })).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
    ]);
    await expect(ids({ Type: 'AFTER_SHARD_ID' })).rejects.toThrow(InvalidArgumentException);
    await expect(ids({ Type: 'AT_TIMESTAMP' })).rejects.toThrow(InvalidArgumentException);
    await expect(ids({ Type: 'NOPE' as 'AT_LATEST' })).rejects.toThrow(ValidationException);

    // Paging.
    const first = await kinesis.send(
      new ListShardsCommand({ StreamName: streamName('reshard'), MaxResults: 2 }),
    );
    expect(first.Shards).toHaveLength(2);
    const second = await kinesis.send(
      new ListShardsCommand({ NextToken: first.NextToken as string, MaxResults: 2 }),
    );
    expect(second.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002', 'shardId-000000000003']);
    const third = await kinesis.send(
      new ListShardsCommand({ NextToken: second.NextToken as string, MaxResults: 2 }),
    );
    expect(third.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000004']);
    expect(third.NextToken).toBeUndefined();
    await expect(
      kinesis.send(
        new ListShardsCommand({ StreamName: streamName('reshard'), NextToken: first.NextToken as string }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    const excl = await kinesis.send(
      new ListShardsCommand({
        StreamName: streamName('reshard'),
        ExclusiveStartShardId: 'shardId-000000000003',
      }),
    );
    expect(excl.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000004']);
  });

  it('rescales with UpdateShardCount and changes retention', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName('scale'), ShardCount: 2 }));
    const out = await kinesis.send(
      new UpdateShardCountCommand({
        StreamName: streamName('scale'),
        TargetShardCount: 4,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    expect(out).toMatchObject({ CurrentShardCount: 2, TargetShardCount: 4 });
    const open = await kinesis.send(
      new ListShardsCommand({ StreamName: streamName('scale'), ShardFilter: { Type: 'AT_LATEST' } }),
    );
    expect(open.Shards?.map((s) => s.ParentShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000001',
    ]);
    // Scaling down: each new shard continues every old shard it overlaps.
    await kinesis.send(
      new UpdateShardCountCommand({
        StreamName: streamName('scale'),
        TargetShardCount: 1,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    const end = await readAll(streamName('scale'), 'shardId-000000000005');
    expect(end.ChildShards?.map((c) => [c.ShardId, c.ParentShards?.length])).toEqual([
      ['shardId-000000000006', 4],
    ]);
    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: streamName('scale'), RetentionPeriodHours: 48 }),
    );
    await expect(
      kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({
          StreamName: streamName('scale'),
          RetentionPeriodHours: 24,
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await kinesis.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamName: streamName('scale'), RetentionPeriodHours: 24 }),
    );
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName('scale') }));
    expect(d.StreamDescriptionSummary?.RetentionPeriodHours).toBe(24);
  });

  it('tags streams (stream and resource APIs) and deletes them', async () => {
    await kinesis.send(
      new CreateStreamCommand({ StreamName: streamName('tagged'), ShardCount: 1, Tags: { team: 'a' } }),
    );
    const arn = `arn:aws:kinesis:${aws.region}:000000000000:stream/${streamName('tagged')}`;
    await kinesis.send(
      new AddTagsToStreamCommand({ StreamName: streamName('tagged'), Tags: { foo: 'bar', zed: '1' } }),
    );
    const page = await kinesis.send(
      new ListTagsForStreamCommand({ StreamName: streamName('tagged'), Limit: 2 }),
    );
    expect(page.Tags).toEqual([
      { Key: 'foo', Value: 'bar' },
      { Key: 'team', Value: 'a' },
    ]);
    expect(page.HasMoreTags).toBe(true);
    const rest = await kinesis.send(
      new ListTagsForStreamCommand({ StreamName: streamName('tagged'), ExclusiveStartTagKey: 'team' }),
    );
    expect(rest.Tags).toEqual([{ Key: 'zed', Value: '1' }]);
    await kinesis.send(
      new RemoveTagsFromStreamCommand({ StreamName: streamName('tagged'), TagKeys: ['zed'] }),
    );
    await kinesis.send(new TagResourceCommand({ ResourceARN: arn, Tags: { extra: 'x' } }));
    await kinesis.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
    const all = await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    expect(all.Tags).toEqual([
      { Key: 'foo', Value: 'bar' },
      { Key: 'extra', Value: 'x' },
    ]);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await expect(
      kinesis.send(new AddTagsToStreamCommand({ StreamName: streamName('tagged'), Tags: many })),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(
        new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:nope' }),
      ),
    ).rejects.toThrow(InvalidArgumentException);

    await kinesis.send(new DeleteStreamCommand({ StreamARN: arn }));
    const gone = await waitUntilStreamNotExists(
      { client: kinesis, maxWaitTime: 30 },
      { StreamName: streamName('tagged') },
    );
    expect(gone.state).toBe('SUCCESS');
    await expect(kinesis.send(new DeleteStreamCommand({ StreamName: streamName('tagged') }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    await expect(
      kinesis.send(
        new DescribeStreamCommand({ StreamName: streamName('other'), StreamARN: arn.replace('tagged', 'x') }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
    await expect(
      kinesis.send(
        new DescribeStreamCommand({ StreamARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/x' }),
      ),
    ).rejects.toThrow(ResourceNotFoundException);
  });

  it.skipIf(emulatorOnly)('exposes streams to the tagging hooks', () => {
    const service = aws.local?.emulator.service('kinesis');
    const state = aws.local?.emulator.state('kinesis', aws.region);
    const hooks = service?.tagging;
    const listed = hooks?.list(state);
    const orders = listed?.find((r) => r.arn.endsWith(`stream/${streamName('orders')}`));
    expect(orders).toMatchObject({ resourceType: 'kinesis:stream', tags: {} });
    expect(hooks?.tag(state, orders?.arn as string, { a: '1' })).toBe(true);
    expect(hooks?.untag(state, orders?.arn as string, ['a'])).toBe(true);
    expect(hooks?.tag(state, 'arn:aws:kinesis:x:000000000000:stream/none', {})).toBe(false);
    expect(hooks?.untag(state, 'arn:aws:kinesis:x:000000000000:stream/none', [])).toBe(false);
  });
});
