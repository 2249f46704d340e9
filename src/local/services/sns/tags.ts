import { AwsError } from '../../core/errors.js';
import type { TaggingHooks } from '../../core/service.js';

import { type Ctx, checkArn, type Input, type SnsState, type Topic, tagsFromList } from './state.js';

// ---------------------------------------------------------------------------------------------
// Tags

export const MAX_TAGS = 50;

export const taggedTopic = (ctx: Ctx, arnInput: unknown): Topic => {
  const arn = checkArn(arnInput, 'ResourceArn');
  const topic = ctx.state.topics.get(arn);
  if (!topic) throw new AwsError('ResourceNotFound', 'Resource does not exist', 404);
  return topic;
};

export const tagResource = (input: Input, ctx: Ctx): unknown => {
  const topic = taggedTopic(ctx, input.ResourceArn);
  const tags = tagsFromList(input.Tags);
  const merged = { ...topic.tags, ...tags };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw new AwsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
  }
  topic.tags = merged;
  return {};
};

export const untagResource = (input: Input, ctx: Ctx): unknown => {
  const topic = taggedTopic(ctx, input.ResourceArn);
  const keys = Array.isArray(input.TagKeys) ? (input.TagKeys as unknown[]) : [];
  for (const k of keys) if (typeof k === 'string') delete topic.tags[k];
  return {};
};

export const listTagsForResource = (input: Input, ctx: Ctx): unknown => {
  const topic = taggedTopic(ctx, input.ResourceArn);
  return { Tags: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) };
};

export const tagging: TaggingHooks<SnsState> = {
  list: (state) =>
    [...state.topics.values()].map((t) => ({ arn: t.arn, resourceType: 'sns:topic', tags: { ...t.tags } })),
  tag: (state, arn, tags) => {
    const topic = state.topics.get(arn);
    if (!topic) return false;
    topic.tags = { ...topic.tags, ...tags };
    return true;
  },
  untag: (state, arn, keys) => {
    const topic = state.topics.get(arn);
    if (!topic) return false;
    for (const k of keys) delete topic.tags[k];
    return true;
  },
};
