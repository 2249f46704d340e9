import { arn as buildArn } from '../../core/arn.js';
import { str, strMap } from '../../core/coerce.js';
import { paginate } from '../../core/paging.js';

import {
  type Ctx,
  checkArn,
  checkBoolean,
  defaultPolicy,
  EFFECTIVE_DELIVERY_POLICY,
  getTopic,
  type Input,
  invalid,
  PAGE_SIZE,
  type SnsState,
  type Subscription,
  sameMap,
  TOPIC_ATTRIBUTES,
  tagsFromList,
} from './state.js';

// ---------------------------------------------------------------------------------------------
// Topics

export const createTopic = (input: Input, ctx: Ctx): unknown => {
  const name = str(input.Name) ?? '';
  const attributes = strMap(input.Attributes);
  const fifo = attributes.FifoTopic === 'true';
  for (const key of Object.keys(attributes)) {
    if (
      !TOPIC_ATTRIBUTES.has(key) &&
      !key.endsWith('FeedbackRoleArn') &&
      !key.endsWith('FeedbackSampleRate')
    ) {
      throw invalid(`Attributes Reason: Unknown attribute ${key}`);
    }
  }
  if (fifo) {
    if (!/^[A-Za-z0-9_-]{1,251}\.fifo$/.test(name)) {
      throw invalid(
        'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    }
  } else if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
    throw invalid('Topic Name');
  }
  if (attributes.ContentBasedDeduplication !== undefined) {
    checkBoolean('ContentBasedDeduplication', attributes.ContentBasedDeduplication, 'Attributes Reason: ');
    if (!fifo) throw invalid('Attributes Reason: ContentBasedDeduplication can only be set for FIFO topics');
  }
  const tags = tagsFromList(input.Tags);
  const arn = buildArn('sns', ctx.region, ctx.accountId, name);
  const existing = ctx.state.topics.get(arn);
  if (existing) {
    if (Object.keys(tags).length > 0 && !sameMap(tags, existing.tags)) {
      throw invalid('Tags Reason: Topic already exists with different tags');
    }
    for (const [k, v] of Object.entries(attributes)) {
      if (existing.attributes[k] !== v && !(k === 'FifoTopic' && existing.fifo === (v === 'true'))) {
        throw invalid('Attributes Reason: Topic already exists with different attributes');
      }
    }
    return { TopicArn: arn };
  }
  const { FifoTopic: _, ...rest } = attributes;
  const stored: Record<string, string> = { DisplayName: '', ...rest };
  if (fifo) stored.ContentBasedDeduplication ??= 'false';
  stored.Policy ??= defaultPolicy(arn, ctx.accountId);
  ctx.state.topics.set(arn, {
    arn,
    name,
    fifo,
    attributes: stored,
    tags,
    sequence: 10_000_000_000_000_000_000n,
    dedup: new Map(),
  });
  return { TopicArn: arn };
};

export const deleteTopic = (input: Input, ctx: Ctx): unknown => {
  const arn = checkArn(input.TopicArn, 'TopicArn');
  if (ctx.state.topics.delete(arn)) {
    for (const [subArn, sub] of ctx.state.subscriptions) {
      if (sub.topicArn === arn) ctx.state.subscriptions.delete(subArn);
    }
  }
  return {};
};

export const page = <T>(items: readonly T[], token: unknown): { items: T[]; next: string | undefined } => {
  const { page: slice, nextToken } = paginate(items, token, PAGE_SIZE, () => invalid('NextToken'));
  return { items: slice, next: nextToken };
};

export const listTopics = (input: Input, ctx: Ctx): unknown => {
  const arns = [...ctx.state.topics.keys()].sort();
  const { items, next } = page(arns, input.NextToken);
  return { Topics: items.map((TopicArn) => ({ TopicArn })), NextToken: next };
};

export const subscriptionsOf = (state: SnsState, topicArn: string): Subscription[] =>
  [...state.subscriptions.values()].filter((s) => s.topicArn === topicArn);

export const getTopicAttributes = (input: Input, ctx: Ctx): unknown => {
  const topic = getTopic(ctx, input.TopicArn);
  const subs = subscriptionsOf(ctx.state, topic.arn);
  const attributes: Record<string, string> = {
    ...topic.attributes,
    EffectiveDeliveryPolicy: EFFECTIVE_DELIVERY_POLICY,
    Owner: ctx.accountId,
    SubscriptionsConfirmed: String(subs.filter((s) => s.attributes.PendingConfirmation === 'false').length),
    SubscriptionsDeleted: '0',
    SubscriptionsPending: String(subs.filter((s) => s.attributes.PendingConfirmation === 'true').length),
    TopicArn: topic.arn,
  };
  if (topic.fifo) attributes.FifoTopic = 'true';
  return { Attributes: attributes };
};

export const setTopicAttributes = (input: Input, ctx: Ctx): unknown => {
  const topic = getTopic(ctx, input.TopicArn);
  const name = str(input.AttributeName) ?? '';
  const value = str(input.AttributeValue) ?? '';
  if (name === 'FifoTopic' || (!TOPIC_ATTRIBUTES.has(name) && !/Feedback(RoleArn|SampleRate)$/.test(name))) {
    throw invalid('AttributeName');
  }
  if (name === 'ContentBasedDeduplication') {
    checkBoolean(name, value, '');
    if (!topic.fifo) throw invalid('ContentBasedDeduplication can only be set for FIFO topics');
  }
  if (name === 'Policy' && value === '') topic.attributes.Policy = defaultPolicy(topic.arn, ctx.accountId);
  else topic.attributes[name] = value;
  return {};
};
