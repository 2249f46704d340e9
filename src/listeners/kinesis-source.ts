/** Kinesis Data Streams as a {@link ShardSource} for the shared shard reader. */
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandOutput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { sendOptions } from '../wait/index.js';
import type { ShardInfo } from './shards/graph.js';
import type { ShardPosition, ShardSource } from './shards/reader.js';

/** Records a GetRecords call returns at most (its default Limit): a full page means more may be waiting. */
const GET_RECORDS_PAGE = 10_000;

/** The stream, by name or by ARN, as every Kinesis call takes it. */
export type KinesisStreamRef = { readonly StreamName: string } | { readonly StreamARN: string };

const shardInfo = (s: Shard): ShardInfo => ({
  shardId: s.ShardId as string,
  parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
  closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
});

const iteratorInput = (
  position: ShardPosition,
): Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'Timestamp' | 'StartingSequenceNumber'> => {
  switch (position.type) {
    case 'AT_TIMESTAMP':
      return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: position.timestamp };
    case 'AFTER_SEQUENCE_NUMBER':
      return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
    default:
      return { ShardIteratorType: position.type };
  }
};

/** Reads a Kinesis stream through `kinesis`: ListShards (all pages), GetShardIterator, GetRecords. */
export const kinesisSource = (kinesis: KinesisClient, stream: KinesisStreamRef): ShardSource<_Record> => ({
  listShards: async (signal) => {
    const shards: ShardInfo[] = [];
    let token: string | undefined;
    do {
      const page: ListShardsCommandOutput = await kinesis.send(
        new ListShardsCommand(token === undefined ? { ...stream } : { NextToken: token }),
        sendOptions(signal),
      );
      shards.push(...(page.Shards as Shard[]).map(shardInfo));
      token = page.NextToken;
    } while (token);
    return shards;
  },
  getIterator: async (shardId, position, signal) => {
    const out = await kinesis.send(
      new GetShardIteratorCommand({ ...stream, ShardId: shardId, ...iteratorInput(position) }),
      { abortSignal: signal },
    );
    return out.ShardIterator as string;
  },
  getRecords: async (iterator, signal) => {
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }), {
      abortSignal: signal,
    });
    const records = out.Records ?? [];
    return {
      records,
      next: out.NextShardIterator || undefined,
      behind: (out.MillisBehindLatest as number) > 0 || records.length >= GET_RECORDS_PAGE,
      children: (out.ChildShards ?? []).map((c) => ({
        shardId: c.ShardId as string,
        parents: c.ParentShards as string[],
      })),
    };
  },
  sequenceNumber: (record) => record.SequenceNumber as string,
});
