/**
 * Kinesis Data Streams (AWS JSON 1.1): provisioned and on-demand streams, records routed to
 * shards by the MD5 of the partition key (or an explicit hash key), shard iterators of every
 * type, GetRecords with expiry and per-shard read limits, resharding (split/merge), and tags.
 */
import { defineService } from '../../core/service.js';
import { getRecords, getShardIterator } from './iterators.js';
import { putRecord, putRecords } from './records.js';
import { changeRetention, mergeShards, splitShard, updateShardCount } from './resharding.js';
import { type Ctx, getStream, type Input, type KinesisState } from './state.js';
import {
  createStream,
  deleteStream,
  describeStream,
  describeStreamSummary,
  listShards,
  listStreams,
} from './streams.js';
import { addTags, listTagsForStream, removeTags, streamByResourceArn, tagging, tagList } from './tags.js';

export const kinesis = defineService<KinesisState>({
  signingName: 'kinesis',
  protocols: ['json'],
  targetPrefix: 'Kinesis_20131202',
  jsonVersion: '1.1',
  createState: ({ accountId, region }) => ({ accountId, region, streams: new Map() }),
  operations: {
    CreateStream: createStream,
    DeleteStream: deleteStream,
    DescribeStream: describeStream,
    DescribeStreamSummary: describeStreamSummary,
    ListStreams: listStreams,
    ListShards: listShards,
    PutRecord: putRecord,
    PutRecords: putRecords,
    GetShardIterator: getShardIterator,
    GetRecords: getRecords,
    SplitShard: splitShard,
    MergeShards: mergeShards,
    UpdateShardCount: updateShardCount,
    IncreaseStreamRetentionPeriod: (input: Input, ctx: Ctx) => changeRetention(input, ctx, true),
    DecreaseStreamRetentionPeriod: (input: Input, ctx: Ctx) => changeRetention(input, ctx, false),
    AddTagsToStream: (input: Input, ctx: Ctx) => {
      addTags(getStream(ctx, input), input.Tags);
      return {};
    },
    RemoveTagsFromStream: (input: Input, ctx: Ctx) => {
      removeTags(getStream(ctx, input), input.TagKeys);
      return {};
    },
    ListTagsForStream: listTagsForStream,
    TagResource: (input: Input, ctx: Ctx) => {
      addTags(streamByResourceArn(ctx, input), input.Tags);
      return {};
    },
    UntagResource: (input: Input, ctx: Ctx) => {
      removeTags(streamByResourceArn(ctx, input), input.TagKeys);
      return {};
    },
    ListTagsForResource: (input: Input, ctx: Ctx) => ({ Tags: tagList(streamByResourceArn(ctx, input)) }),
  } as Record<string, (input: Input, ctx: Ctx) => unknown>,
  tagging,
  snapshot: (state) => ({
    streams: [...state.streams.values()].map((stream) => ({
      name: stream.name,
      arn: stream.arn,
      mode: stream.mode,
      retentionHours: stream.retentionHours,
      tags: { ...stream.tags },
      shards: stream.shards.map((shard) => ({
        id: shard.id,
        open: shard.closedAt === undefined,
        parents: [...shard.parents],
        records: shard.records.length,
      })),
    })),
  }),
});
