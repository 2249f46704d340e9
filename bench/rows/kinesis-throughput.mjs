// Kinesis capture throughput: a backlog of records on a 4-shard stream read from the trim horizon
// until every record is in hand (decoded from JSON), 10 ms injected per call.
// eventprobe: a Kinesis listener (from: 'trim-horizon') and waitForEvents({ count }).
// raw SDK: ListShards, one TRIM_HORIZON iterator per shard, a GetRecords loop per shard, concurrently.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { createProbe } from '../../dist/index.js';
import { createKinesisListener } from '../../dist/listeners/kinesis.js';
import { clientConfig, median, sleep } from '../lib.mjs';

export const title = 'Kinesis capture throughput';
const SHARDS = 4;
const RECORDS = 20_000;
const RUNS = 5;
const PAYLOAD_BYTES = 500;
const LATENCY = 10;

const rawCapture = async (kinesis, StreamName, count) => {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
  const decoded = [];
  let done;
  const all = new Promise((resolve) => {
    done = resolve;
  });
  // Like the listener, it is done as soon as every record is in hand (a shard loop that is
  // pausing between empty reads does not hold the result back).
  const loops = Shards.map(async (shard) => {
    let { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (ShardIterator && decoded.length < count) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      for (const r of out.Records ?? []) decoded.push(JSON.parse(Buffer.from(r.Data).toString('utf8')));
      if (decoded.length >= count) done();
      ShardIterator = out.NextShardIterator;
      if (!(out.MillisBehindLatest > 0) && decoded.length < count) await sleep(200);
    }
  });
  return { all, loops: Promise.all(loops) };
};

export const run = async (env) => {
  const config = clientConfig(env);
  const kinesis = new KinesisClient(config);
  const probe = createProbe({ ...config });
  const ep = [];
  const sdk = [];
  try {
    // Run -1 is a warm-up, not measured: the raw client is already warm from creating and filling
    // the stream, while the probe's client and both GetRecords paths would otherwise start cold in
    // the first measured run (which eventprobe always went first in).
    for (let i = -1; i < RUNS; i++) {
      const record = (list, value) => {
        if (i >= 0) list.push(value);
      };
      const StreamName = i < 0 ? 'bench-kinesis-warmup' : `bench-kinesis-${i}`;
      await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: SHARDS }));
      const payload = 'x'.repeat(PAYLOAD_BYTES);
      for (let start = 0; start < RECORDS; start += 500) {
        await kinesis.send(
          new PutRecordsCommand({
            StreamName,
            Records: Array.from({ length: 500 }, (_, k) => ({
              PartitionKey: `key-${(start + k) % 97}`,
              Data: Buffer.from(JSON.stringify({ n: start + k, payload })),
            })),
          }),
        );
      }
      env.faults.set({ latencyMs: LATENCY });
      const options = { streamName: StreamName, from: 'trim-horizon' };
      // Alternate who goes first, so neither side always runs on a warmer process.
      const measureEp = async () => {
        const t0 = performance.now();
        const listener = await (probe.addKinesisListener
          ? probe.addKinesisListener(options)
          : createKinesisListener(probe.context, options));
        await listener.waitForEvents(undefined, { count: RECORDS, timeout: 120_000 });
        record(ep, RECORDS / ((performance.now() - t0) / 1000));
        await listener.stop();
      };
      const measureRaw = async () => {
        const t0 = performance.now();
        const { all, loops } = await rawCapture(kinesis, StreamName, RECORDS);
        await all;
        record(sdk, RECORDS / ((performance.now() - t0) / 1000));
        await loops;
      };
      if (i % 2 === 0 || i < 0) {
        await measureEp();
        await sleep(1_100); // the per-shard read budget (5 per second) recovers
        await measureRaw();
      } else {
        await measureRaw();
        await sleep(1_100);
        await measureEp();
      }
      env.faults.clear();
      await kinesis.send(new DeleteStreamCommand({ StreamName }));
    }
  } finally {
    env.faults.clear();
    await probe[Symbol.asyncDispose]();
    kinesis.destroy();
  }
  // Each run measures both sides back to back; the median of the per-run ratios is the least
  // sensitive to load from other processes.
  const ratio = median(ep.map((e, i) => e / sdk[i]));
  return [
    {
      metric: `Kinesis capture, ${RECORDS} records of ~${PAYLOAD_BYTES} B / ${SHARDS} shards (${LATENCY} ms/call)`,
      eventprobe: median(ep),
      raw: median(sdk),
      unit: 'rec/s',
      ratio,
      goal: 'ratio >= 0.90',
      pass: ratio >= 0.9,
    },
  ];
};
