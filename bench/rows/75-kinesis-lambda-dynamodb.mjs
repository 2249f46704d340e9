// Kinesis -> Lambda -> DynamoDB in the emulator: 10,000 records on a 4-shard stream, an event source
// mapping (batches of 100) feeding the SAM example's handler (test/fixtures/sam-kinesis-dynamodb),
// which writes each record to a table. Baseline in the same run: the same handler module imported
// into this process and called on the same batches (read from the same shards, in Lambda's Kinesis
// event shape; shards concurrently, batches in order per shard, as the mapping does), writing to
// another table of the same emulator. Goal: the pipeline at least half the in-process rate.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { clientConfig } from '../lib.mjs';

export const title = 'Kinesis -> Lambda -> DynamoDB pipeline';
export const timeoutSeconds = 300;

const CODE = fileURLToPath(new URL('../../test/fixtures/sam-kinesis-dynamodb/src', import.meta.url));
const RECORDS = 10_000;
const SHARDS = 4;
const BATCH = 100;
const STREAM = 'bench-kld';

const table = (db, name) =>
  db.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

const itemCount = (env, name) =>
  env.aws.emulator.state('dynamodb', env.region).tables.get(name)?.itemCount ?? 0;

/** Each shard's records in batches of BATCH, as Lambda's Kinesis events. */
const batchesOf = async (kinesis, env) => {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: STREAM }));
  const arn = `arn:aws:kinesis:${env.region}:${env.accountId}:stream/${STREAM}`;
  const perShard = [];
  for (const shard of Shards) {
    const records = [];
    let { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: STREAM,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    // Read in large pages (GetRecords allows 5 calls per second per shard), then cut into batches.
    while (ShardIterator) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      if (out.Records.length === 0) break;
      records.push(...out.Records);
      ShardIterator = out.NextShardIterator;
    }
    const batches = [];
    for (let i = 0; i < records.length; i += BATCH) {
      batches.push({
        Records: records.slice(i, i + BATCH).map((r) => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey,
            sequenceNumber: r.SequenceNumber,
            data: Buffer.from(r.Data).toString('base64'),
            approximateArrivalTimestamp: r.ApproximateArrivalTimestamp.getTime() / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shard.ShardId}:${r.SequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
          awsRegion: env.region,
          eventSourceARN: arn,
        })),
      });
    }
    perShard.push(batches);
  }
  return perShard;
};

/** The handler in this process on the same batches: shards concurrently, batches in order per shard. */
const inProcess = async (env, perShard) => {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: env.endpoint,
    AWS_REGION: env.region,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    TABLE_NAME: 'bench-kld-inproc',
  });
  try {
    const { handler } = await import(pathToFileURL(`${CODE}/index.mjs`).href);
    const started = performance.now();
    await Promise.all(
      perShard.map(async (batches) => {
        for (const batch of batches) await handler(batch, {});
      }),
    );
    return performance.now() - started;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
};

export const run = async (env) => {
  const config = clientConfig(env);
  const lambda = new LambdaClient(config);
  const kinesis = new KinesisClient(config);
  const db = new DynamoDBClient(config);
  try {
    await table(db, 'bench-kld');
    await table(db, 'bench-kld-inproc');
    await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: SHARDS }));
    for (let start = 0; start < RECORDS; start += 500) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: STREAM,
          Records: Array.from({ length: 500 }, (_, k) => ({
            PartitionKey: `customer-${(start + k) % 97}`,
            Data: Buffer.from(JSON.stringify({ orderId: `o-${start + k}`, total: (start + k) % 1000 })),
          })),
        }),
      );
    }
    const perShard = await batchesOf(kinesis, env);
    const batches = perShard.reduce((n, b) => n + b.length, 0);
    const inProcMs = await inProcess(env, perShard);
    if (itemCount(env, 'bench-kld-inproc') !== RECORDS) throw new Error('the in-process baseline lost items');

    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'bench-kld',
        Runtime: 'nodejs20.x',
        Role: 'arn:aws:iam::000000000000:role/bench',
        Handler: 'index.handler',
        Code: { S3Bucket: '__local__', S3Key: CODE },
        Environment: { Variables: { TABLE_NAME: 'bench-kld' } },
        // As the SAM template sets it (Lambda's default of 3 s ends busy instances mid-batch on a loaded machine).
        Timeout: 10,
        MemorySize: 256,
      }),
    );
    const started = performance.now();
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'bench-kld',
        EventSourceArn: `arn:aws:kinesis:${env.region}:${env.accountId}:stream/${STREAM}`,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: BATCH,
      }),
    );
    while (itemCount(env, 'bench-kld') < RECORDS) await new Promise((r) => setTimeout(r, 20));
    const pipeMs = performance.now() - started;
    // Invocations and timed-out ones (a timed-out batch is retried whole), from the REPORT lines.
    const reports = [
      ...(env.aws.emulator.state('logs', env.region).groups.get('/aws/lambda/bench-kld')?.streams.values() ??
        []),
    ]
      .flatMap((stream) => stream.events)
      .filter((e) => e.message.startsWith('REPORT'));
    const timeouts = reports.filter((e) => e.message.includes('Status: timeout')).length;
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID }));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'bench-kld' }));

    const pipeRate = (RECORDS / pipeMs) * 1000;
    const inProcRate = (RECORDS / inProcMs) * 1000;
    return [
      {
        metric: `Kinesis -> Lambda -> DynamoDB, ${RECORDS} records, ${SHARDS} shards, batches of ${BATCH}`,
        eventprobe: pipeRate,
        raw: inProcRate,
        unit: 'rec/s',
        ratio: pipeRate / inProcRate,
        goal: '>= 0.5x in process',
        pass: pipeRate / inProcRate >= 0.5,
        note: `raw = the same handler in process on the same ${batches} batches; ${pipeMs.toFixed(0)} vs ${inProcMs.toFixed(0)} ms; ${reports.length} invocations, ${timeouts} timed out`,
      },
    ];
  } finally {
    lambda.destroy();
    kinesis.destroy();
    db.destroy();
  }
};
