import { str } from '../../core/coerce.js';
import type { TaggingHooks } from '../../core/service.js';
import {
  type Ctx,
  getStream,
  type Input,
  intInRange,
  invalidArgument,
  type KinesisState,
  type Stream,
} from './state.js';

// ---------------------------------------------------------------------------------------------
// Tags

export const MAX_TAGS = 50;

export const addTags = (stream: Stream, tags: unknown): void => {
  const merged = { ...stream.tags, ...((tags as Record<string, string> | undefined) ?? {}) };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw invalidArgument(
      `Failed to add tags to stream ${stream.name}. A stream cannot have more than ${MAX_TAGS} tags.`,
    );
  }
  stream.tags = merged;
};

export const removeTags = (stream: Stream, keys: unknown): void => {
  for (const k of Array.isArray(keys) ? keys : []) if (typeof k === 'string') delete stream.tags[k];
};

export const tagList = (stream: Stream) =>
  Object.entries(stream.tags).map(([Key, Value]) => ({ Key, Value }));

export const streamByResourceArn = (ctx: Ctx, input: Input): Stream =>
  getStream(ctx, { StreamARN: input.ResourceARN });

export const listTagsForStream = (input: Input, ctx: Ctx): unknown => {
  const stream = getStream(ctx, input);
  const limit = intInRange(input.Limit, 'limit', 1, 50) ?? 50;
  const after = str(input.ExclusiveStartTagKey);
  const tags = tagList(stream)
    .sort((a, b) => (a.Key < b.Key ? -1 : 1))
    .filter((t) => after === undefined || t.Key > after);
  return { Tags: tags.slice(0, limit), HasMoreTags: tags.length > limit };
};

export const tagging: TaggingHooks<KinesisState> = {
  list: (state) =>
    [...state.streams.values()].map((s) => ({
      arn: s.arn,
      resourceType: 'kinesis:stream',
      tags: { ...s.tags },
    })),
  tag: (state, arn, tags) => {
    const stream = [...state.streams.values()].find((s) => s.arn === arn);
    if (!stream) return false;
    stream.tags = { ...stream.tags, ...tags };
    return true;
  },
  untag: (state, arn, keys) => {
    const stream = [...state.streams.values()].find((s) => s.arn === arn);
    if (!stream) return false;
    removeTags(stream, keys);
    return true;
  },
};
