/**
 * DynamoDB (AWS JSON 1.0): tables with keys, indexes, streams, tags and TTL; items with
 * expressions; Query, Scan, batches and transactions. Its change streams are served by the
 * `dynamodb-streams` service, which reads this service's state.
 */
import type { Operation } from '../../core/context.js';
import { defineService, type TaggingHooks } from '../../core/service.js';
import { streamOperations } from '../dynamodb-streams/index.js';
import { batchOperations } from './batch.js';
import { itemOperations } from './items.js';
import { createState, type DynamoDbState } from './model.js';
import { queryOperations } from './query.js';
import { tableOperations } from './tables.js';

export type { DynamoDbState } from './model.js';

const tableOf = (state: DynamoDbState, arn: string) => {
  const m = /^arn:aws[^:]*:dynamodb:([^:]+):(\d{12}):table\/([^/]+)$/.exec(arn);
  if (!m || m[1] !== state.region || m[2] !== state.accountId) return undefined;
  return state.tables.get(m[3] as string);
};

const tagging: TaggingHooks<DynamoDbState> = {
  list: (state) =>
    [...state.tables.values()].map((t) => ({
      arn: t.arn,
      resourceType: 'dynamodb:table',
      tags: { ...t.tags },
    })),
  tag: (state, arn, tags) => {
    const table = tableOf(state, arn);
    if (!table) return false;
    Object.assign(table.tags, tags);
    return true;
  },
  untag: (state, arn, keys) => {
    const table = tableOf(state, arn);
    if (!table) return false;
    for (const k of keys) delete table.tags[k];
    return true;
  },
};

export const dynamodb = defineService<DynamoDbState>({
  signingName: 'dynamodb',
  targetPrefix: 'DynamoDB_20120810',
  jsonVersion: '1.0',
  createState,
  operations: {
    ...tableOperations,
    ...itemOperations,
    ...queryOperations,
    ...batchOperations,
    ...(streamOperations as Record<string, Operation<DynamoDbState>>),
  },
  tagging,
});
