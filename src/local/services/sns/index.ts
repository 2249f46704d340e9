/**
 * SNS (query protocol): topics (standard and FIFO), SQS subscriptions with raw delivery and
 * filter policies, Publish/PublishBatch delivering to queues through the SQS delivery contract
 * (which honours the queue policy), and tags.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { defineService, type TaggingHooks } from '../../core/service.js';
import { deliverToQueue, type InboundMessageAttribute } from '../sqs/delivery.js';
import { snsCodec } from './codec.js';
import {
  type FilterMessageAttribute,
  FilterPolicyError,
  type FilterPolicyScope,
  matchesFilterPolicy,
  parseFilterPolicy,
} from './filter-policy.js';

interface Topic {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  readonly attributes: Record<string, string>;
  tags: Record<string, string>;
  sequence: bigint;
  /** FIFO deduplication: id → [message id, sequence number, expiry]. */
  readonly dedup: Map<string, { messageId: string; sequenceNumber: string; expires: number }>;
}

interface Subscription {
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

type Ctx = OpContext<SnsState>;
type Input = Record<string, unknown>;

const PAGE_SIZE = 100;
const MAX_MESSAGE_BYTES = 262_144;
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
/** Failed deliveries kept for inspection (oldest dropped first). */
const MAX_FAILED_DELIVERIES = 1000;
const PROTOCOLS = new Set([
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
const TOPIC_ATTRIBUTES = new Set([
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
const SUBSCRIPTION_ATTRIBUTES = new Set([
  'RawMessageDelivery',
  'FilterPolicy',
  'FilterPolicyScope',
  'RedrivePolicy',
  'DeliveryPolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);

const invalid = (message: string): AwsError =>
  new AwsError('InvalidParameter', `Invalid parameter: ${message}`);
const topicNotFound = (): AwsError => new AwsError('NotFound', 'Topic does not exist', 404);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') {
    for (const [k, val] of Object.entries(v)) out[k] = typeof val === 'string' ? val : '';
  }
  return out;
};

const checkArn = (arn: unknown, param: string): string => {
  if (typeof arn !== 'string' || arn === '')
    throw invalid(`${param} Reason: no value for required parameter`);
  const parts = arn.split(':');
  if (parts.length < 6)
    throw invalid(`${param} Reason: An ARN must have at least 6 elements, not ${parts.length}`);
  return arn;
};

const getTopic = (ctx: Ctx, arnInput: unknown, param = 'TopicArn'): Topic => {
  const arn = checkArn(arnInput, param);
  const region = arn.split(':')[3];
  if (region !== ctx.region) throw invalid(param);
  const topic = ctx.state.topics.get(arn);
  if (!topic) throw topicNotFound();
  return topic;
};

const tagsFromList = (v: unknown): Record<string, string> => {
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

const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

const defaultPolicy = (arn: string, accountId: string): string =>
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

const EFFECTIVE_DELIVERY_POLICY = JSON.stringify({
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

const checkBoolean = (name: string, value: string, prefix: string): void => {
  if (value !== 'true' && value !== 'false') {
    throw invalid(`${prefix}${name}: Invalid value [${value}]. Must be true or false.`);
  }
};

// ---------------------------------------------------------------------------------------------
// Topics

const createTopic = (input: Input, ctx: Ctx): unknown => {
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
  const arn = `arn:aws:sns:${ctx.region}:${ctx.accountId}:${name}`;
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

const deleteTopic = (input: Input, ctx: Ctx): unknown => {
  const arn = checkArn(input.TopicArn, 'TopicArn');
  if (ctx.state.topics.delete(arn)) {
    for (const [subArn, sub] of ctx.state.subscriptions) {
      if (sub.topicArn === arn) ctx.state.subscriptions.delete(subArn);
    }
  }
  return {};
};

const page = <T>(items: readonly T[], token: unknown): { items: T[]; next: string | undefined } => {
  const start =
    typeof token === 'string' && token !== '' ? Number(Buffer.from(token, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalid('NextToken');
  const end = start + PAGE_SIZE;
  return {
    items: items.slice(start, end),
    next: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
};

const listTopics = (input: Input, ctx: Ctx): unknown => {
  const arns = [...ctx.state.topics.keys()].sort();
  const { items, next } = page(arns, input.NextToken);
  return { Topics: items.map((TopicArn) => ({ TopicArn })), NextToken: next };
};

const subscriptionsOf = (state: SnsState, topicArn: string): Subscription[] =>
  [...state.subscriptions.values()].filter((s) => s.topicArn === topicArn);

const getTopicAttributes = (input: Input, ctx: Ctx): unknown => {
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

const setTopicAttributes = (input: Input, ctx: Ctx): unknown => {
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

// ---------------------------------------------------------------------------------------------
// Subscriptions

/** Validates and applies one subscription attribute; `prefix` is `Attributes Reason: ` on Subscribe. */
const applySubscriptionAttribute = (
  target: { attributes: Record<string, string>; policy: Record<string, unknown> | undefined },
  name: string,
  value: string,
  prefix: string,
): void => {
  if (!SUBSCRIPTION_ATTRIBUTES.has(name)) throw invalid('AttributeName');
  if (name === 'RawMessageDelivery') checkBoolean(name, value, prefix);
  if (name === 'FilterPolicyScope' && value !== 'MessageAttributes' && value !== 'MessageBody') {
    throw invalid(
      `FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
    );
  }
  if (name === 'RedrivePolicy' && value !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw invalid(`RedrivePolicy: failed to parse JSON. ${(err as Error).message}`);
    }
    const dlq = (parsed as Record<string, unknown> | null)?.deadLetterTargetArn;
    if (typeof dlq !== 'string' || dlq.split(':').length < 6) {
      throw invalid('RedrivePolicy: deadLetterTargetArn is an invalid arn');
    }
  }
  if (name === 'FilterPolicy') {
    if (value === '') {
      target.policy = undefined;
      delete target.attributes.FilterPolicy;
      return;
    }
    try {
      const { policy, nested } = parseFilterPolicy(value);
      if (nested && (target.attributes.FilterPolicyScope ?? 'MessageAttributes') === 'MessageAttributes') {
        throw invalid('Filter policy scope MessageAttributes does not support nested filter policy');
      }
      target.policy = policy;
    } catch (err) {
      if (err instanceof FilterPolicyError) throw invalid(`${prefix}FilterPolicy: ${err.message}`);
      throw err;
    }
  }
  if (name === 'FilterPolicyScope' && value === 'MessageAttributes' && target.attributes.FilterPolicy) {
    const { nested } = parseFilterPolicy(target.attributes.FilterPolicy);
    if (nested) throw invalid('Filter policy scope MessageAttributes does not support nested filter policy');
  }
  target.attributes[name] = value;
};

const subscribe = (input: Input, ctx: Ctx): unknown => {
  const topic = getTopic(ctx, input.TopicArn);
  const protocol = str(input.Protocol) ?? '';
  if (!PROTOCOLS.has(protocol))
    throw invalid(`Amazon SNS does not support this protocol string: ${protocol}`);
  const endpoint = str(input.Endpoint) ?? '';
  if (protocol === 'sqs') {
    if (!/^arn:[^:]+:sqs:[^:]+:\d{12}:.+$/.test(endpoint)) throw invalid('SQS endpoint ARN');
    if (endpoint.endsWith('.fifo') && !topic.fifo) {
      throw invalid(
        'Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
      );
    }
  }
  const requested = strMap(input.Attributes);
  const target = {
    attributes: {} as Record<string, string>,
    policy: undefined as Record<string, unknown> | undefined,
  };
  // Scope first, so the policy is validated against it.
  const ordered = Object.entries(requested).sort(([a], [b]) =>
    a === 'FilterPolicyScope' ? -1 : b === 'FilterPolicyScope' ? 1 : 0,
  );
  for (const [k, v] of ordered) applySubscriptionAttribute(target, k, v, 'Attributes Reason: ');

  for (const existing of ctx.state.subscriptions.values()) {
    if (existing.topicArn !== topic.arn || existing.protocol !== protocol || existing.endpoint !== endpoint)
      continue;
    for (const [k, v] of Object.entries(target.attributes)) {
      if ((existing.attributes[k] ?? defaultSubscriptionAttribute(k)) !== v) {
        throw invalid('Attributes Reason: Subscription already exists with different attributes');
      }
    }
    return { SubscriptionArn: existing.arn };
  }
  const arn = `${topic.arn}:${randomUUID()}`;
  const pending = protocol === 'http' || protocol === 'https' || protocol.startsWith('email');
  ctx.state.subscriptions.set(arn, {
    arn,
    topicArn: topic.arn,
    protocol,
    endpoint,
    owner: ctx.accountId,
    attributes: {
      RawMessageDelivery: 'false',
      ...target.attributes,
      ConfirmationWasAuthenticated: pending ? 'false' : 'true',
      PendingConfirmation: pending ? 'true' : 'false',
    },
    policy: target.policy,
  });
  const returnArn = input.ReturnSubscriptionArn === 'true' || input.ReturnSubscriptionArn === true;
  return { SubscriptionArn: pending && !returnArn ? 'pending confirmation' : arn };
};

const defaultSubscriptionAttribute = (name: string): string | undefined =>
  name === 'RawMessageDelivery' ? 'false' : name === 'FilterPolicyScope' ? 'MessageAttributes' : undefined;

const getSubscription = (ctx: Ctx, arnInput: unknown): Subscription => {
  const arn = checkArn(arnInput, 'SubscriptionArn');
  const sub = ctx.state.subscriptions.get(arn);
  if (!sub) throw new AwsError('NotFound', 'Subscription does not exist', 404);
  return sub;
};

const unsubscribe = (input: Input, ctx: Ctx): unknown => {
  const arn = checkArn(input.SubscriptionArn, 'SubscriptionArn');
  if (arn.split(':').length !== 7) throw invalid('SubscriptionId');
  ctx.state.subscriptions.delete(arn);
  return {};
};

const subscriptionSummary = (s: Subscription) => ({
  SubscriptionArn: s.arn,
  Owner: s.owner,
  Protocol: s.protocol,
  Endpoint: s.endpoint,
  TopicArn: s.topicArn,
});

const listSubscriptions = (input: Input, ctx: Ctx): unknown => {
  const { items, next } = page([...ctx.state.subscriptions.values()], input.NextToken);
  return { Subscriptions: items.map(subscriptionSummary), NextToken: next };
};

const listSubscriptionsByTopic = (input: Input, ctx: Ctx): unknown => {
  const topic = getTopic(ctx, input.TopicArn);
  const { items, next } = page(subscriptionsOf(ctx.state, topic.arn), input.NextToken);
  return { Subscriptions: items.map(subscriptionSummary), NextToken: next };
};

const getSubscriptionAttributes = (input: Input, ctx: Ctx): unknown => {
  const sub = getSubscription(ctx, input.SubscriptionArn);
  const attributes: Record<string, string> = {
    ...sub.attributes,
    Endpoint: sub.endpoint,
    Owner: sub.owner,
    Protocol: sub.protocol,
    SubscriptionArn: sub.arn,
    SubscriptionPrincipal: `arn:aws:iam::${sub.owner}:user/eventprobe`,
    TopicArn: sub.topicArn,
  };
  if (sub.attributes.FilterPolicy) attributes.FilterPolicyScope ??= 'MessageAttributes';
  else delete attributes.FilterPolicyScope;
  return { Attributes: attributes };
};

const setSubscriptionAttributes = (input: Input, ctx: Ctx): unknown => {
  const sub = getSubscription(ctx, input.SubscriptionArn);
  applySubscriptionAttribute(sub, str(input.AttributeName) ?? '', str(input.AttributeValue) ?? '', '');
  return {};
};

// ---------------------------------------------------------------------------------------------
// Publishing

interface Publication {
  readonly message: string;
  readonly subject: string | undefined;
  readonly structure: Record<string, string> | undefined;
  readonly attributes: Record<string, FilterMessageAttribute>;
  readonly groupId: string | undefined;
  readonly dedupId: string | undefined;
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;

const messageAttributes = (v: unknown, path: string): Record<string, FilterMessageAttribute> => {
  const out: Record<string, FilterMessageAttribute> = {};
  if (!v || typeof v !== 'object') return out;
  for (const [name, raw] of Object.entries(v as Record<string, Record<string, unknown>>)) {
    const bad = (message: string) => new AwsError('ParameterValueInvalid', message);
    if (Buffer.byteLength(name) >= 256)
      throw bad('Length of message attribute name must be less than 256 bytes.');
    const badChar = [...name].find((c) => !ATTRIBUTE_NAME.test(c));
    if (badChar !== undefined) {
      const code = (badChar.codePointAt(0) as number).toString(16).toUpperCase();
      throw bad(
        `Invalid non-alphanumeric character '#x${code}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
      );
    }
    if (name.startsWith('.'))
      throw bad("Invalid message attribute name starting with character '.' was found.");
    if (name.endsWith('.')) throw bad("Invalid message attribute name ending with character '.' was found.");
    if (name.includes('..')) throw bad("Message attribute name can not have successive '.' character.");
    const dataType = str(raw?.DataType);
    if (dataType === undefined) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value null at '${path}.${name}.member.dataType' failed to satisfy constraint: Member must not be null`,
      );
    }
    const base = dataType.split('.')[0] as string;
    const stringValue = str(raw.StringValue);
    const binaryValue = str(raw.BinaryValue);
    if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
      throw bad(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (base === 'Binary') {
      if (stringValue !== undefined && binaryValue === undefined) {
        throw bad(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      }
      if (!binaryValue) {
        throw bad(
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type 'Binary'.`,
        );
      }
      out[name] = { DataType: dataType, BinaryValue: binaryValue };
      continue;
    }
    if (binaryValue !== undefined && stringValue === undefined) {
      throw bad(`The message attribute '${name}' with type '${base}' must use field 'String'.`);
    }
    if (!stringValue) {
      throw bad(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`,
      );
    }
    if (base === 'Number' && !Number.isFinite(Number(stringValue))) {
      throw bad(`Could not cast message attribute '${name}' value to number.`);
    }
    out[name] = { DataType: dataType, StringValue: stringValue };
  }
  return out;
};

const readPublication = (entry: Input, topic: Topic | undefined, attributePath: string): Publication => {
  const message = str(entry.Message);
  if (message === undefined || message === '') throw invalid('Empty message');
  const subject = str(entry.Subject);
  if (subject !== undefined && (subject === '' || subject.length > 100 || /[\r\n]/.test(subject))) {
    throw invalid('Subject');
  }
  let structure: Record<string, string> | undefined;
  if (entry.MessageStructure === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw invalid('Message Structure - JSON message body failed to parse');
    }
    if (
      !parsed ||
      typeof parsed !== 'object' ||
      typeof (parsed as Record<string, unknown>).default !== 'string'
    ) {
      throw invalid('Message Structure - No default entry in JSON message body');
    }
    structure = parsed as Record<string, string>;
  } else if (entry.MessageStructure !== undefined) {
    throw invalid('MessageStructure');
  }
  const attributes = messageAttributes(entry.MessageAttributes, attributePath);
  const size =
    Buffer.byteLength(message) +
    Object.entries(attributes).reduce(
      (n, [k, a]) =>
        n +
        Buffer.byteLength(k) +
        a.DataType.length +
        Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? ''),
      0,
    );
  if (size > MAX_MESSAGE_BYTES) throw invalid('Message too long');
  const groupId = str(entry.MessageGroupId);
  const dedupId = str(entry.MessageDeduplicationId);
  if (topic?.fifo) {
    if (groupId === undefined) throw invalid('The MessageGroupId parameter is required for FIFO topics');
    if (dedupId === undefined && topic.attributes.ContentBasedDeduplication !== 'true') {
      throw invalid(
        'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
  } else if (topic && dedupId !== undefined) {
    throw invalid(
      'MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
    );
  }
  return { message, subject, structure, attributes, groupId, dedupId };
};

const snsEndpoint = (region: string): string => `https://sns.${region}.amazonaws.com`;

const envelope = (
  ctx: Ctx,
  topic: Topic,
  sub: Subscription,
  pub: Publication,
  body: string,
  messageId: string,
  sequenceNumber: string | undefined,
): string => {
  const out: Record<string, unknown> = { Type: 'Notification', MessageId: messageId };
  if (sequenceNumber !== undefined) out.SequenceNumber = sequenceNumber;
  out.TopicArn = topic.arn;
  if (pub.subject !== undefined) out.Subject = pub.subject;
  out.Message = body;
  out.Timestamp = new Date(ctx.emulator.now()).toISOString();
  out.SignatureVersion = topic.attributes.SignatureVersion ?? '1';
  out.Signature = randomBytes(256).toString('base64');
  out.SigningCertURL = `${snsEndpoint(ctx.region)}/SimpleNotificationService-eventprobe0000000000000000000000.pem`;
  out.UnsubscribeURL = `${snsEndpoint(ctx.region)}/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`;
  const attrs = Object.entries(pub.attributes);
  if (attrs.length > 0) {
    out.MessageAttributes = Object.fromEntries(
      attrs.map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue }]),
    );
  }
  return JSON.stringify(out);
};

const deliver = (
  ctx: Ctx,
  topic: Topic,
  pub: Publication,
  messageId: string,
  sequenceNumber?: string,
): void => {
  for (const sub of subscriptionsOf(ctx.state, topic.arn)) {
    if (
      (sub.protocol !== 'sqs' && sub.protocol !== 'lambda') ||
      sub.attributes.PendingConfirmation === 'true'
    )
      continue;
    if (sub.policy) {
      const scope = (sub.attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterPolicyScope;
      if (!matchesFilterPolicy(sub.policy, scope, { body: pub.message, attributes: pub.attributes }))
        continue;
    }
    if (sub.protocol === 'lambda') {
      const lambdaBody = pub.structure
        ? (pub.structure.lambda ?? (pub.structure.default as string))
        : pub.message;
      invokeSubscriber(ctx, sub, envelope(ctx, topic, sub, pub, lambdaBody, messageId, sequenceNumber));
      continue;
    }
    const body = pub.structure ? (pub.structure.sqs ?? (pub.structure.default as string)) : pub.message;
    const raw = sub.attributes.RawMessageDelivery === 'true';
    const toFifoQueue = topic.fifo && sub.endpoint.endsWith('.fifo');
    const attributes: Record<string, InboundMessageAttribute> = {};
    if (raw) for (const [k, a] of Object.entries(pub.attributes)) attributes[k] = a;
    const result = deliverToQueue(
      ctx.emulator,
      sub.endpoint,
      {
        body: raw ? body : envelope(ctx, topic, sub, pub, body, messageId, sequenceNumber),
        ...(raw && Object.keys(attributes).length > 0 ? { messageAttributes: attributes } : {}),
        ...(ctx.traceHeader ? { traceHeader: ctx.traceHeader } : {}),
        // FIFO parameters only for FIFO queues (a standard queue may subscribe to a FIFO topic).
        ...(toFifoQueue && pub.groupId !== undefined ? { messageGroupId: pub.groupId } : {}),
        ...(toFifoQueue ? { messageDeduplicationId: pub.dedupId ?? dedupHash(pub.message) } : {}),
      },
      { principal: 'sns.amazonaws.com', sourceArn: topic.arn, sourceAccount: ctx.accountId },
    );
    if (!result.ok) {
      if (ctx.state.failedDeliveries.length >= MAX_FAILED_DELIVERIES) ctx.state.failedDeliveries.shift();
      ctx.state.failedDeliveries.push({
        subscriptionArn: sub.arn,
        messageId,
        reason: result.reason,
        message: result.message,
      });
    }
  }
};

/** A `lambda` subscription: an asynchronous invoke with the SNS event Lambda receives. */
const invokeSubscriber = (ctx: Ctx, sub: Subscription, notification: string): void => {
  const region = /^arn:aws[\w-]*:lambda:([a-z0-9-]+):/.exec(sub.endpoint)?.[1];
  if (!region || !ctx.emulator.service('lambda')) return;
  const { SigningCertURL, UnsubscribeURL, ...rest } = JSON.parse(notification) as Record<string, unknown>;
  const event = {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: sub.arn,
        EventSource: 'aws:sns',
        Sns: {
          ...rest,
          SigningCertUrl: SigningCertURL,
          UnsubscribeUrl: UnsubscribeURL,
          MessageAttributes: rest.MessageAttributes ?? {},
        },
      },
    ],
  };
  const headers: Record<string, string> = ctx.traceHeader ? { 'x-amzn-trace-id': ctx.traceHeader } : {};
  ctx.emulator
    .invoke(
      'lambda',
      'Invoke',
      { FunctionName: sub.endpoint, InvocationType: 'Event', Payload: JSON.stringify(event) },
      { region, headers },
    )
    .catch(() => undefined);
};

const dedupHash = (message: string): string => createHash('sha256').update(message).digest('hex');

/** Publishes one validated message; returns its id (and sequence number on FIFO topics). */
const publishOne = (
  ctx: Ctx,
  topic: Topic,
  pub: Publication,
): { MessageId: string; SequenceNumber?: string } => {
  if (!topic.fifo) {
    const messageId = randomUUID();
    deliver(ctx, topic, pub, messageId);
    return { MessageId: messageId };
  }
  const now = ctx.emulator.now();
  for (const [id, entry] of topic.dedup) if (entry.expires <= now) topic.dedup.delete(id);
  const dedupId = pub.dedupId ?? dedupHash(pub.message);
  const seen = topic.dedup.get(dedupId);
  if (seen) return { MessageId: seen.messageId, SequenceNumber: seen.sequenceNumber };
  topic.sequence += 1n;
  const sequenceNumber = topic.sequence.toString();
  const messageId = randomUUID();
  topic.dedup.set(dedupId, { messageId, sequenceNumber, expires: now + DEDUP_WINDOW_MS });
  deliver(ctx, topic, pub, messageId, sequenceNumber);
  return { MessageId: messageId, SequenceNumber: sequenceNumber };
};

const publish = (input: Input, ctx: Ctx): unknown => {
  if (input.TopicArn === undefined && input.TargetArn === undefined) {
    if (typeof input.PhoneNumber === 'string') {
      const pub = readPublication(input, undefined, 'messageAttributes');
      void pub;
      return { MessageId: randomUUID() };
    }
    throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  }
  const param = input.TopicArn !== undefined ? 'TopicArn' : 'TargetArn';
  const arn = checkArn(input.TopicArn ?? input.TargetArn, param);
  const topic = ctx.state.topics.get(arn);
  if (!topic) {
    if (param === 'TargetArn')
      throw invalid('TargetArn Reason: No endpoint found for the target arn specified');
    if (arn.split(':')[3] !== ctx.region) throw invalid('TopicArn');
    throw topicNotFound();
  }
  return publishOne(ctx, topic, readPublication(input, topic, 'messageAttributes'));
};

const publishBatch = (input: Input, ctx: Ctx): unknown => {
  const topic = getTopic(ctx, input.TopicArn);
  const entries = Array.isArray(input.PublishBatchRequestEntries)
    ? (input.PublishBatchRequestEntries as Input[])
    : [];
  if (entries.length === 0) {
    throw new AwsError('EmptyBatchRequest', 'The batch request does not contain any entries.');
  }
  if (entries.length > 10) {
    throw new AwsError(
      'TooManyEntriesInBatchRequest',
      'The batch request contains more entries than permissible.',
    );
  }
  const ids = new Set<string>();
  let total = 0;
  for (const e of entries) {
    const id = str(e.Id) ?? '';
    if (ids.has(id)) {
      throw new AwsError(
        'BatchEntryIdsNotDistinct',
        'Two or more batch entries in the request have the same Id.',
      );
    }
    ids.add(id);
    total += Buffer.byteLength(str(e.Message) ?? '');
  }
  if (total > MAX_MESSAGE_BYTES) {
    throw new AwsError(
      'BatchRequestTooLong',
      'The length of all the messages put together is more than the limit.',
    );
  }
  // FIFO parameter errors fail the whole request, as on AWS.
  const publications = entries.map((e, i) => {
    try {
      return readPublication(e, topic, `publishBatchRequestEntries.${i + 1}.member.messageAttributes`);
    } catch (err) {
      if (
        err instanceof AwsError &&
        /MessageGroupId|ContentBasedDeduplication|validation error/.test(err.message)
      ) {
        throw err;
      }
      return err as AwsError;
    }
  });
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  publications.forEach((pub, i) => {
    const id = str(entries[i]?.Id) ?? '';
    if (pub instanceof Error) {
      Failed.push({ Id: id, Code: pub.code, Message: pub.message, SenderFault: true });
      return;
    }
    Successful.push({ Id: id, ...publishOne(ctx, topic, pub) });
  });
  return { Successful, Failed };
};

// ---------------------------------------------------------------------------------------------
// Tags

const MAX_TAGS = 50;

const taggedTopic = (ctx: Ctx, arnInput: unknown): Topic => {
  const arn = checkArn(arnInput, 'ResourceArn');
  const topic = ctx.state.topics.get(arn);
  if (!topic) throw new AwsError('ResourceNotFound', 'Resource does not exist', 404);
  return topic;
};

const tagResource = (input: Input, ctx: Ctx): unknown => {
  const topic = taggedTopic(ctx, input.ResourceArn);
  const tags = tagsFromList(input.Tags);
  const merged = { ...topic.tags, ...tags };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw new AwsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
  }
  topic.tags = merged;
  return {};
};

const untagResource = (input: Input, ctx: Ctx): unknown => {
  const topic = taggedTopic(ctx, input.ResourceArn);
  const keys = Array.isArray(input.TagKeys) ? (input.TagKeys as unknown[]) : [];
  for (const k of keys) if (typeof k === 'string') delete topic.tags[k];
  return {};
};

const listTagsForResource = (input: Input, ctx: Ctx): unknown => {
  const topic = taggedTopic(ctx, input.ResourceArn);
  return { Tags: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) };
};

const tagging: TaggingHooks<SnsState> = {
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

export const sns = defineService<SnsState>({
  signingName: 'sns',
  query: snsCodec,
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
});
