/**
 * SNS (query protocol): topics (standard and FIFO), SQS subscriptions with raw delivery and
 * filter policies, Publish/PublishBatch delivering to queues through the SQS delivery contract
 * (which honours the queue policy), and tags.
 */
import { defineService } from '../../core/service.js';
import { snsQuery } from './codec.js';

import { publish, publishBatch } from './publish.js';
import type { Ctx, Input, SnsState } from './state.js';
import {
  getSubscriptionAttributes,
  listSubscriptions,
  listSubscriptionsByTopic,
  setSubscriptionAttributes,
  subscribe,
  unsubscribe,
} from './subscriptions.js';
import { listTagsForResource, tagging, tagResource, untagResource } from './tags.js';
import {
  createTopic,
  deleteTopic,
  getTopicAttributes,
  listTopics,
  setTopicAttributes,
  subscriptionsOf,
} from './topics.js';

export const sns = defineService<SnsState>({
  signingName: 'sns',
  protocols: ['query'],
  query: snsQuery,
  createState: ({ accountId, region }) => ({
    accountId,
    region,
    topics: new Map(),
    subscriptions: new Map(),
    failedDeliveries: [],
  }),
  operations: {
    CreateTopic: createTopic,
    DeleteTopic: deleteTopic,
    ListTopics: listTopics,
    GetTopicAttributes: getTopicAttributes,
    SetTopicAttributes: setTopicAttributes,
    Subscribe: subscribe,
    Unsubscribe: unsubscribe,
    ListSubscriptions: listSubscriptions,
    ListSubscriptionsByTopic: listSubscriptionsByTopic,
    GetSubscriptionAttributes: getSubscriptionAttributes,
    SetSubscriptionAttributes: setSubscriptionAttributes,
    Publish: publish,
    PublishBatch: publishBatch,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
  } as Record<string, (input: Input, ctx: Ctx) => unknown>,
  tagging,
  snapshot: (state) => ({
    topics: [...state.topics.values()].map((topic) => ({
      arn: topic.arn,
      name: topic.name,
      fifo: topic.fifo,
      attributes: { ...topic.attributes },
      tags: { ...topic.tags },
      subscriptions: subscriptionsOf(state, topic.arn).map((sub) => ({
        arn: sub.arn,
        protocol: sub.protocol,
        endpoint: sub.endpoint,
        attributes: { ...sub.attributes },
      })),
    })),
    failedDeliveries: state.failedDeliveries.map((f) => ({ ...f })),
  }),
});
