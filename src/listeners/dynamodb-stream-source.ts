/** DynamoDB Streams as a {@link ShardSource} for the shared shard reader. */
import {
  DescribeStreamCommand,
  type DescribeStreamCommandOutput,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { sendOptions } from '../wait/index.js';
import type { ShardInfo } from './shards/graph.js';
import type { ShardPosition, ShardSource } from './shards/reader.js';

/** Records a GetRecords call returns at most (DynamoDB Streams' limit): a full page means more may be waiting. */
const GET_RECORDS_PAGE = 1_000;

/**
 * DynamoDB Streams has no AT_TIMESTAMP iterator: the shard reader asks for one only to renew an
 * expired `latest` iterator of a shard it has read nothing from (15 minutes of silence), and LATEST
 * is the nearest DynamoDB has.
 */
const iteratorInput = (position: ShardPosition) =>
  position.type === 'AFTER_SEQUENCE_NUMBER'
    ? { ShardIteratorType: position.type, SequenceNumber: position.sequenceNumber }
    : { ShardIteratorType: position.type === 'AT_TIMESTAMP' ? 'LATEST' : position.type };

/** Every shard of the stream (DescribeStream, all pages), with its parent. */
export const describeShards = async (
  client: DynamoDBStreamsClient,
  streamArn: string,
  signal: AbortSignal | undefined,
): Promise<ShardInfo[]> => {
  const shards: ShardInfo[] = [];
  let start: string | undefined;
  do {
    const page: DescribeStreamCommandOutput = await client.send(
      new DescribeStreamCommand({
        StreamArn: streamArn,
        ...(start === undefined ? {} : { ExclusiveStartShardId: start }),
      }),
      sendOptions(signal),
    );
    for (const s of page.StreamDescription?.Shards ?? []) {
      shards.push({
        shardId: s.ShardId as string,
        parents: s.ParentShardId === undefined ? [] : [s.ParentShardId],
        closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
      });
    }
    start = page.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
};

/** Reads a DynamoDB stream through `client`: DescribeStream (all pages), GetShardIterator, GetRecords. */
export const dynamoDbStreamSource = (
  client: DynamoDBStreamsClient,
  streamArn: string,
): ShardSource<StreamRecord> => ({
  listShards: (signal) => describeShards(client, streamArn, signal),
  getIterator: async (shardId, position, signal) => {
    const out = await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(iteratorInput(position) as { ShardIteratorType: 'LATEST' }),
      }),
      { abortSignal: signal },
    );
    return out.ShardIterator as string;
  },
  getRecords: async (iterator, signal) => {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }), {
      abortSignal: signal,
    });
    const records = out.Records ?? [];
    // No ChildShards in DynamoDB Streams: the reader lists the shards again when one closes.
    return { records, next: out.NextShardIterator || undefined, behind: records.length >= GET_RECORDS_PAGE };
  },
  sequenceNumber: (record) => record.dynamodb?.SequenceNumber as string,
});
