import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateStreamCommand,
  GetRecordsCommand as GetKinesisRecordsCommand,
  GetShardIteratorCommand as GetKinesisShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

/**
 * The canonical flow of the issue: records on a Kinesis stream, a processor (here the test, in
 * place of the Lambda) writing each batch to a DynamoDB table (partition key = batch id, sort key
 * = record id), and a consumer reading the table's stream until every record has arrived.
 */
describe('Kinesis -> processing -> DynamoDB (with Streams), all on the emulator', () => {
  let aws: TestAws;
  let kinesis: KinesisClient;
  let db: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let streams: DynamoDBStreamsClient;
  beforeAll(async () => {
    aws = await startTestAws();
    kinesis = new KinesisClient(aws.clientConfig);
    db = new DynamoDBClient(aws.clientConfig);
    doc = DynamoDBDocumentClient.from(db);
    streams = new DynamoDBStreamsClient(aws.clientConfig);
  });
  afterAll(async () => {
    for (const c of [kinesis, db, streams]) c?.destroy();
    await aws?.close();
  });

  it('delivers every record of a batch to the results table and its stream', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'input', ShardCount: 1 }));
    const created = await db.send(
      new CreateTableCommand({
        TableName: 'results',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'batchId', KeyType: 'HASH' },
          { AttributeName: 'recordId', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'batchId', AttributeType: 'S' },
          { AttributeName: 'recordId', AttributeType: 'S' },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    const records = Array.from({ length: 30 }, (_, i) => ({
      recordId: `r-${String(i).padStart(2, '0')}`,
      amount: i,
    }));
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'input',
        Records: records.map((r) => ({ PartitionKey: r.recordId, Data: Buffer.from(JSON.stringify(r)) })),
      }),
    );

    // The processor: read the Kinesis shard, write the batch in chunks of 25.
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: 'input' }));
    const { ShardIterator } = await kinesis.send(
      new GetKinesisShardIteratorCommand({
        StreamName: 'input',
        ShardId: Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const batch = await kinesis.send(new GetKinesisRecordsCommand({ ShardIterator }));
    const batchId = 'batch-1';
    const items = (batch.Records ?? []).map((r) => ({
      batchId,
      ...JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')),
    }));
    for (let i = 0; i < items.length; i += 25) {
      const out = await doc.send(
        new BatchWriteCommand({
          RequestItems: { results: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      expect(out.UnprocessedItems).toEqual({});
    }

    // The assertion side: the table holds the batch, and the table's stream carries every insert.
    const stored = await doc.send(
      new QueryCommand({
        TableName: 'results',
        KeyConditionExpression: 'batchId = :b',
        ExpressionAttributeValues: { ':b': batchId },
      }),
    );
    expect(stored.Items?.map((i) => i.recordId)).toEqual(records.map((r) => r.recordId));
    const StreamArn = created.TableDescription?.LatestStreamArn;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
    const shard = StreamDescription?.Shards?.[0]?.ShardId;
    const it = await streams.send(
      new GetShardIteratorCommand({ StreamArn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const seen = await streams.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    const images = (seen.Records ?? []).map((r) => unmarshall(r.dynamodb?.NewImage as never));
    expect(seen.Records?.every((r) => r.eventName === 'INSERT')).toBe(true);
    expect(images.map((i) => i.recordId).sort()).toEqual(records.map((r) => r.recordId));
    expect(images.find((i) => i.recordId === 'r-07')).toEqual({ batchId, recordId: 'r-07', amount: 7 });
  });
});
