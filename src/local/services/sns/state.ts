import { str } from '../../core/coerce.js';
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';

export interface Topic {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  readonly attributes: Record<string, string>;
  tags: Record<string, string>;
  sequence: bigint;
  /** FIFO deduplication: id → [message id, sequence number, expiry]. */
  readonly dedup: Map<string, { messageId: string; sequenceNumber: string; expires: number }>;
}

export interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly owner: string;
  readonly attributes: Record<string, string>;
  policy: Record<string, unknown> | undefined;
}

/** A delivery that did not reach its queue (kept for inspection; AWS would retry or use a DLQ). */
export interface FailedDelivery {
  readonly subscriptionArn: string;
  readonly messageId: string;
  readonly reason: string;
  readonly message: string;
}

export interface SnsState {
  readonly accountId: string;
  readonly region: string;
  readonly topics: Map<string, Topic>;
  readonly subscriptions: Map<string, Subscription>;
  readonly failedDeliveries: FailedDelivery[];
}

export type Ctx = OpContext<SnsState>;
export type Input = Record<string, unknown>;

export const PAGE_SIZE = 100;
export const MAX_MESSAGE_BYTES = 262_144;
export const DEDUP_WINDOW_MS = 5 * 60 * 1000;
/** Failed deliveries kept for inspection (oldest dropped first). */
export const MAX_FAILED_DELIVERIES = 1000;
export const PROTOCOLS = new Set([
  'sqs',
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'application',
  'lambda',
  'firehose',
]);
export const TOPIC_ATTRIBUTES = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'ContentBasedDeduplication',
  'FifoTopic',
  'ArchivePolicy',
  'DataProtectionPolicy',
  'FifoThroughputScope',
]);
export const SUBSCRIPTION_ATTRIBUTES = new Set([
  'RawMessageDelivery',
  'FilterPolicy',
  'FilterPolicyScope',
  'RedrivePolicy',
  'DeliveryPolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);

export const invalid = (message: string): AwsError =>
  new AwsError('InvalidParameter', `Invalid parameter: ${message}`);
export const topicNotFound = (): AwsError => new AwsError('NotFound', 'Topic does not exist', 404);

export const checkArn = (arn: unknown, param: string): string => {
  if (typeof arn !== 'string' || arn === '')
    throw invalid(`${param} Reason: no value for required parameter`);
  const parts = arn.split(':');
  if (parts.length < 6)
    throw invalid(`${param} Reason: An ARN must have at least 6 elements, not ${parts.length}`);
  return arn;
};

export const getTopic = (ctx: Ctx, arnInput: unknown, param = 'TopicArn'): Topic => {
  const arn = checkArn(arnInput, param);
  const region = arn.split(':')[3];
  if (region !== ctx.region) throw invalid(param);
  const topic = ctx.state.topics.get(arn);
  if (!topic) throw topicNotFound();
  return topic;
};

export const tagsFromList = (v: unknown): Record<string, string> => {
  const tags: Record<string, string> = {};
  if (!Array.isArray(v)) return tags;
  for (const t of v as Record<string, unknown>[]) {
    const key = str(t.Key);
    if (key === undefined) continue;
    if (Object.hasOwn(tags, key)) throw invalid('Duplicated keys are not allowed.');
    tags[key] = str(t.Value) ?? '';
  }
  return tags;
};

export const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export const defaultPolicy = (arn: string, accountId: string): string =>
  JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: arn,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  });

export const EFFECTIVE_DELIVERY_POLICY = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: 'linear',
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
  },
});

export const checkBoolean = (name: string, value: string, prefix: string): void => {
  if (value !== 'true' && value !== 'false') {
    throw invalid(`${prefix}${name}: Invalid value [${value}]. Must be true or false.`);
  }
};
