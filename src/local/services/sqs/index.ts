import { defineService } from '../../core/service.js';
import { counts, wake } from './model.js';
import { createSqsState, operations } from './operations.js';
import { sqsQuery } from './query.js';

export type { DeliveryOrigin, DeliveryResult, InboundMessage, InboundMessageAttribute } from './delivery.js';
export { deliverToQueue } from './delivery.js';
export type { SqsState } from './model.js';

/** Amazon SQS: AWS JSON 1.0 (SDK v3, query-compatible errors) and the query/XML protocol. */
export const sqs = defineService({
  signingName: 'sqs',
  targetPrefix: 'AmazonSQS',
  jsonVersion: '1.0',
  protocols: ['json', 'query'],
  query: sqsQuery,
  createState: createSqsState,
  operations,
  tagging: {
    list: (state) =>
      [...state.queues.values()].map((q) => ({ arn: q.arn, resourceType: 'sqs', tags: { ...q.tags } })),
    tag: (state, arn, tags) => {
      const queue = [...state.queues.values()].find((q) => q.arn === arn);
      if (!queue) return false;
      Object.assign(queue.tags, tags);
      return true;
    },
    untag: (state, arn, keys) => {
      const queue = [...state.queues.values()].find((q) => q.arn === arn);
      if (!queue) return false;
      for (const key of keys) delete queue.tags[key];
      return true;
    },
  },
  snapshot: (state, now) => ({
    queues: [...state.queues.values()].map((q) => {
      const { visible, notVisible, delayed } = counts(q, now);
      return {
        name: q.name,
        arn: q.arn,
        fifo: q.fifo,
        messages: visible,
        inFlight: notVisible,
        delayed,
        attributes: { ...q.attributes },
        tags: { ...q.tags },
      };
    }),
  }),
  dispose: (state) => {
    for (const queue of state.queues.values()) wake(queue);
  },
});
