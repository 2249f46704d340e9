import { randomUUID } from 'node:crypto';
import { globalArn } from '../../core/arn.js';
import { str, strMap } from '../../core/coerce.js';
import { AwsError } from '../../core/errors.js';
import { FilterPolicyError, parseFilterPolicy } from './filter-policy.js';

import {
  type Ctx,
  checkArn,
  checkBoolean,
  getTopic,
  type Input,
  invalid,
  PROTOCOLS,
  SUBSCRIPTION_ATTRIBUTES,
  type Subscription,
} from './state.js';
import { page, subscriptionsOf } from './topics.js';

// ---------------------------------------------------------------------------------------------
// Subscriptions

/** Validates and applies one subscription attribute; `prefix` is `Attributes Reason: ` on Subscribe. */
export const applySubscriptionAttribute = (
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

export const subscribe = (input: Input, ctx: Ctx): unknown => {
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

export const defaultSubscriptionAttribute = (name: string): string | undefined =>
  name === 'RawMessageDelivery' ? 'false' : name === 'FilterPolicyScope' ? 'MessageAttributes' : undefined;

export const getSubscription = (ctx: Ctx, arnInput: unknown): Subscription => {
  const arn = checkArn(arnInput, 'SubscriptionArn');
  const sub = ctx.state.subscriptions.get(arn);
  if (!sub) throw new AwsError('NotFound', 'Subscription does not exist', 404);
  return sub;
};

export const unsubscribe = (input: Input, ctx: Ctx): unknown => {
  const arn = checkArn(input.SubscriptionArn, 'SubscriptionArn');
  if (arn.split(':').length !== 7) throw invalid('SubscriptionId');
  ctx.state.subscriptions.delete(arn);
  return {};
};

export const subscriptionSummary = (s: Subscription) => ({
  SubscriptionArn: s.arn,
  Owner: s.owner,
  Protocol: s.protocol,
  Endpoint: s.endpoint,
  TopicArn: s.topicArn,
});

export const listSubscriptions = (input: Input, ctx: Ctx): unknown => {
  const { items, next } = page([...ctx.state.subscriptions.values()], input.NextToken);
  return { Subscriptions: items.map(subscriptionSummary), NextToken: next };
};

export const listSubscriptionsByTopic = (input: Input, ctx: Ctx): unknown => {
  const topic = getTopic(ctx, input.TopicArn);
  const { items, next } = page(subscriptionsOf(ctx.state, topic.arn), input.NextToken);
  return { Subscriptions: items.map(subscriptionSummary), NextToken: next };
};

export const getSubscriptionAttributes = (input: Input, ctx: Ctx): unknown => {
  const sub = getSubscription(ctx, input.SubscriptionArn);
  const attributes: Record<string, string> = {
    ...sub.attributes,
    Endpoint: sub.endpoint,
    Owner: sub.owner,
    Protocol: sub.protocol,
    SubscriptionArn: sub.arn,
    SubscriptionPrincipal: globalArn('iam', ctx.region, sub.owner, 'user/eventprobe'),
    TopicArn: sub.topicArn,
  };
  if (sub.attributes.FilterPolicy) attributes.FilterPolicyScope ??= 'MessageAttributes';
  else delete attributes.FilterPolicyScope;
  return { Attributes: attributes };
};

export const setSubscriptionAttributes = (input: Input, ctx: Ctx): unknown => {
  const sub = getSubscription(ctx, input.SubscriptionArn);
  applySubscriptionAttribute(sub, str(input.AttributeName) ?? '', str(input.AttributeValue) ?? '', '');
  return {};
};
