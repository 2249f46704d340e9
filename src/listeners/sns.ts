import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, type Message, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { ListenerContext } from '../context.js';
import { type EventProbeErrorOptions, InvalidInputError, ListenerSetupError } from '../errors.js';
import { newListenerId, resourceName } from '../resources/naming.js';
import { resourceTags, type Tags } from '../resources/tags.js';
import { runSetup, type SetupStep } from '../setup/engine.js';
import { errorName, sendOptions } from '../wait/index.js';
import { errorMessage } from './errors.js';
import { QueueListener } from './listener.js';
import { parseMessage, type ReceivedEvent } from './message.js';
import { listenerQueueAttributes, listenerUserTags } from './queue.js';
import { ResourceRecord } from './record.js';

/** Where a filter policy looks: message attributes (SNS's default) or the message body. */
export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/** A message attribute as SNS passes it on (binary values in base64). */
export interface SnsMessageAttribute {
  /** `String`, `Number`, `Binary`, `String.Array`, or a custom type such as `String.order`. */
  readonly type: string;
  readonly value: string;
}

/**
 * One SNS message as the listener's queue received it, with the SNS envelope unwrapped. The same
 * shape for enveloped and raw delivery, so a test does not depend on the subscription's setting.
 */
export interface SnsEvent<TMessage = unknown> {
  /** The message: parsed JSON when it is JSON, else the text itself. */
  readonly message: TMessage;
  /** The subject the publisher gave (enveloped delivery only; raw delivery drops it). */
  readonly subject?: string;
  /**
   * SNS's message id (the one Publish returned). With raw delivery SNS does not pass it on, so this
   * is the SQS message id instead.
   */
  readonly messageId: string;
  readonly topicArn: string;
  /** When SNS published it (raw delivery: when SQS got it), ISO 8601. */
  readonly timestamp: string;
  /** The message attributes the publisher set (`{}` when none). */
  readonly messageAttributes: Readonly<Record<string, SnsMessageAttribute>>;
  /** FIFO topics with enveloped delivery: SNS's sequence number. */
  readonly sequenceNumber?: string;
  /** True when the subscription delivers raw messages (no envelope). */
  readonly rawDelivery: boolean;
}

/** Options of `probe.addSnsListener`. */
export interface AddSnsListenerOptions {
  /** The topic to listen to (ARN). Required. */
  readonly topicArn: string;
  /**
   * A subscription of that topic whose FilterPolicy, FilterPolicyScope and RawMessageDelivery the
   * listener copies, so its queue receives what that subscriber receives. Not with `filterPolicy`,
   * `filterPolicyScope` or `raw`. Default: none (every message, enveloped).
   */
  readonly subscriptionArn?: string;
  /** A filter policy (JSON string or object) for the listener's subscription. Default: none (every message). */
  readonly filterPolicy?: string | Readonly<Record<string, unknown>>;
  /** What `filterPolicy` applies to. Default `MessageAttributes` (SNS's default). */
  readonly filterPolicyScope?: FilterPolicyScope;
  /** Subscribe with raw message delivery. Events look the same either way. Default `false`. */
  readonly raw?: boolean;
  /** Tags for the listener's queue, on top of the probe's tags. Default `{}`. */
  readonly tags?: Tags;
  /** Cancels the setup; what was created is removed and the signal's reason is thrown. */
  readonly signal?: AbortSignal;
}

/** The topic does not exist (or is not visible to these credentials) in its region. */
export class TopicNotFoundError extends InvalidInputError {
  constructor(
    readonly topicArn: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `SNS topic ${topicArn} does not exist (or these credentials cannot see it). Check topicArn (account and region are part of it). Nothing was created.`,
      'topicArn',
      options,
    );
  }
}

/** The subscription to copy does not exist. */
export class SubscriptionNotFoundError extends InvalidInputError {
  constructor(
    readonly subscriptionArn: string,
    readonly topicArn: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `SNS subscription ${subscriptionArn} of topic ${topicArn} does not exist. Check subscriptionArn (ListSubscriptionsByTopic lists the topic's subscriptions). Nothing was created.`,
      'subscriptionArn',
      options,
    );
  }
}

const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCOPES: readonly string[] = ['MessageAttributes', 'MessageBody'];

interface Validated {
  readonly topicArn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly subscriptionArn: string | undefined;
  readonly filterPolicy: string | undefined;
  readonly filterPolicyScope: FilterPolicyScope | undefined;
  readonly raw: boolean;
  readonly tags: Tags;
}

const checkFilterPolicy = (policy: unknown): string => {
  let parsed: unknown = policy;
  if (typeof policy === 'string') {
    try {
      parsed = JSON.parse(policy);
    } catch (error) {
      throw new InvalidInputError(
        `filterPolicy is not valid JSON: ${(error as Error).message}. Pass a JSON object string or an object.`,
        'filterPolicy',
      );
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError(
      `filterPolicy must be a JSON object (like {"type": ["order"]}); got ${JSON.stringify(policy)}.`,
      'filterPolicy',
    );
  }
  if (Object.keys(parsed).length === 0) {
    throw new InvalidInputError(
      'filterPolicy must not be empty: omit it to receive every message.',
      'filterPolicy',
    );
  }
  return typeof policy === 'string' ? policy : JSON.stringify(parsed);
};

const validate = (options: AddSnsListenerOptions, probeTags: Tags): Validated => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('addSnsListener needs an options object with topicArn.', 'options');
  }
  const { topicArn, subscriptionArn, filterPolicy, filterPolicyScope, raw } = options;
  const m = typeof topicArn === 'string' ? TOPIC_ARN.exec(topicArn) : null;
  if (!m || typeof topicArn !== 'string') {
    throw new InvalidInputError(
      `topicArn must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:orders; got ${JSON.stringify(topicArn)}.`,
      'topicArn',
    );
  }
  const [, partition = 'aws', region = '', account = ''] = m;
  if (subscriptionArn !== undefined) {
    const id = typeof subscriptionArn === 'string' ? subscriptionArn.slice(topicArn.length + 1) : '';
    if (
      typeof subscriptionArn !== 'string' ||
      !subscriptionArn.startsWith(`${topicArn}:`) ||
      !SUBSCRIPTION_ID.test(id)
    ) {
      throw new InvalidInputError(
        `subscriptionArn must be the ARN of a subscription of ${topicArn} (the topic ARN, ":", and the subscription id); got ${JSON.stringify(subscriptionArn)}.`,
        'subscriptionArn',
      );
    }
    const conflict = (['filterPolicy', 'filterPolicyScope', 'raw'] as const).find(
      (k) => options[k] !== undefined,
    );
    if (conflict) {
      throw new InvalidInputError(
        `Pass subscriptionArn (to copy its filter policy, scope and raw delivery) or ${conflict}, not both. Nothing was created.`,
        conflict,
      );
    }
  }
  if (filterPolicyScope !== undefined) {
    if (!SCOPES.includes(filterPolicyScope)) {
      throw new InvalidInputError(
        `filterPolicyScope must be "MessageAttributes" or "MessageBody"; got ${JSON.stringify(filterPolicyScope)}.`,
        'filterPolicyScope',
      );
    }
    if (filterPolicy === undefined) {
      throw new InvalidInputError('filterPolicyScope needs a filterPolicy.', 'filterPolicyScope');
    }
  }
  if (raw !== undefined && typeof raw !== 'boolean') {
    throw new InvalidInputError(`raw must be true or false; got ${JSON.stringify(raw)}.`, 'raw');
  }
  const policy = filterPolicy === undefined ? undefined : checkFilterPolicy(filterPolicy);
  const tags = listenerUserTags(probeTags, options.tags);
  return {
    topicArn,
    partition,
    region,
    account,
    subscriptionArn,
    filterPolicy: policy,
    filterPolicyScope,
    raw: raw ?? false,
    tags,
  };
};

const parseText = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const fromSqsAttribute = (a: MessageAttributeValue): SnsMessageAttribute => ({
  type: a.DataType as string,
  value: a.BinaryValue ? Buffer.from(a.BinaryValue).toString('base64') : (a.StringValue as string),
});

interface Envelope {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly Subject?: string;
  readonly SequenceNumber?: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

const asEnvelope = (parsed: unknown): Envelope | undefined => {
  const value = parsed as Partial<Envelope> | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    value.Type !== 'Notification' ||
    typeof value.MessageId !== 'string' ||
    typeof value.TopicArn !== 'string' ||
    typeof value.Message !== 'string'
  ) {
    return undefined;
  }
  return value as Envelope;
};

/** Turns what SNS delivered to the queue (an envelope, or the message itself with raw delivery) into an {@link SnsEvent}. */
export const unwrapSnsMessage = (
  message: Message,
  topicArn: string,
  rawDelivery: boolean,
  /** The body already parsed (JSON, or the text itself), when the caller has it. */
  parsed: unknown = parseText(message.Body as string),
): SnsEvent => {
  const envelope = rawDelivery ? undefined : asEnvelope(parsed);
  if (envelope) {
    return {
      message: parseText(envelope.Message),
      ...(envelope.Subject === undefined ? {} : { subject: envelope.Subject }),
      messageId: envelope.MessageId,
      topicArn: envelope.TopicArn,
      timestamp: envelope.Timestamp,
      messageAttributes: Object.fromEntries(
        Object.entries(envelope.MessageAttributes ?? {}).map(([k, a]) => [
          k,
          { type: a.Type, value: a.Value },
        ]),
      ),
      ...(envelope.SequenceNumber === undefined ? {} : { sequenceNumber: envelope.SequenceNumber }),
      rawDelivery: false,
    };
  }
  return {
    message: parsed,
    messageId: message.MessageId as string,
    topicArn,
    // The receive loop asks for every system attribute, SentTimestamp included.
    timestamp: new Date(Number(message.Attributes?.SentTimestamp)).toISOString(),
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([k, a]) => [k, fromSqsAttribute(a)]),
    ),
    rawDelivery,
  };
};

/**
 * The SNS listener's parse hook: the event is the unwrapped {@link SnsEvent}, its id SNS's message id,
 * so the listener de-duplicates by SNS id (SNS, like SQS, delivers at least once: a redelivery is a
 * new SQS message with the same SNS id). `raw` stays the SQS message as delivered (the envelope).
 */
export const parseSnsMessage = <TMessage>(
  message: Message,
  receivedAt: number,
  topicArn: string,
  rawDelivery: boolean,
): ReceivedEvent<SnsEvent<TMessage>> => {
  const entry = parseMessage<unknown>(message, receivedAt);
  // parseMessage already parsed the body (JSON, or the text when it is not): unwrap that, once.
  const event = unwrapSnsMessage(message, topicArn, rawDelivery, entry.event) as SnsEvent<TMessage>;
  return { ...entry, id: event.messageId, event, format: 'json' };
};

/** How the copy delivers: the given settings, or the copied subscription's. */
interface Delivery {
  readonly filterPolicy: string | undefined;
  readonly filterPolicyScope: FilterPolicyScope | undefined;
  readonly raw: boolean;
}

/** Round 1 (reads only): the topic exists; the subscription to copy exists and belongs to it. */
const readDelivery = async (
  sns: SNSClient,
  v: Validated,
  signal: AbortSignal | undefined,
): Promise<Delivery> => {
  const sendOpts = sendOptions(signal);
  const [topicOut, subOut] = await Promise.allSettled([
    sns.send(new GetTopicAttributesCommand({ TopicArn: v.topicArn }), sendOpts),
    v.subscriptionArn === undefined
      ? undefined
      : sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: v.subscriptionArn }), sendOpts),
  ]);
  signal?.throwIfAborted();
  if (topicOut.status === 'rejected') {
    if (errorName(topicOut.reason) === 'NotFoundException') {
      throw new TopicNotFoundError(v.topicArn, { cause: topicOut.reason });
    }
    throw new ListenerSetupError(
      `Could not read SNS topic ${v.topicArn} (GetTopicAttributes): ${errorMessage(topicOut.reason)}. Nothing was created.`,
      [],
      { cause: topicOut.reason },
    );
  }
  if (v.subscriptionArn === undefined) {
    return { filterPolicy: v.filterPolicy, filterPolicyScope: v.filterPolicyScope, raw: v.raw };
  }
  const sub = subOut as PromiseSettledResult<{ Attributes?: Record<string, string> }>;
  if (sub.status === 'rejected') {
    if (errorName(sub.reason) === 'NotFoundException') {
      throw new SubscriptionNotFoundError(v.subscriptionArn, v.topicArn, { cause: sub.reason });
    }
    throw new ListenerSetupError(
      `Could not read SNS subscription ${v.subscriptionArn} (GetSubscriptionAttributes): ${errorMessage(sub.reason)}. Nothing was created.`,
      [],
      { cause: sub.reason },
    );
  }
  // The subscription ARN starts with its topic's ARN (checked up front), so it is this topic's.
  const attributes = sub.value.Attributes as Record<string, string>;
  const filterPolicy = attributes.FilterPolicy || undefined;
  return {
    filterPolicy,
    filterPolicyScope: filterPolicy
      ? (attributes.FilterPolicyScope as FilterPolicyScope | undefined)
      : undefined,
    raw: attributes.RawMessageDelivery === 'true',
  };
};

/** The setup steps: CreateQueue → Subscribe (the subscription needs the queue to exist). */
const snsSteps = (
  ctx: ListenerContext,
  v: Validated,
  delivery: Delivery,
  record: ResourceRecord,
): SetupStep[] => {
  const { listenerId: id, queueArn } = record.current;
  const name = resourceName(id);
  const tags = resourceTags({
    listenerId: id,
    runId: ctx.runId,
    createdAt: new Date(ctx.clock.now()),
    userTags: v.tags,
  });
  return [
    {
      name: 'CreateQueue',
      run: async (signal) => {
        const out = await ctx.clients.get('sqs').send(
          new CreateQueueCommand({
            QueueName: name,
            Attributes: listenerQueueAttributes('sns.amazonaws.com', queueArn as string, v.topicArn),
            tags,
          }),
          sendOptions(signal),
        );
        record.update({ queueUrl: out.QueueUrl as string });
      },
      undo: record.undo('queueUrl', 'queueArn'),
    },
    {
      name: 'Subscribe',
      after: ['CreateQueue'],
      run: async (signal) => {
        const subscribed = await ctx.clients.get('sns').send(
          new SubscribeCommand({
            TopicArn: v.topicArn,
            Protocol: 'sqs',
            Endpoint: queueArn,
            ReturnSubscriptionArn: true,
            Attributes: {
              ...(delivery.filterPolicy === undefined ? {} : { FilterPolicy: delivery.filterPolicy }),
              ...(delivery.filterPolicyScope === undefined
                ? {}
                : { FilterPolicyScope: delivery.filterPolicyScope }),
              ...(delivery.raw ? { RawMessageDelivery: 'true' } : {}),
            },
          }),
          sendOptions(signal),
        );
        // SQS subscriptions are confirmed at once, and ReturnSubscriptionArn makes SNS return the ARN.
        record.update({ subscriptionArn: subscribed.SubscriptionArn as string });
      },
      undo: record.undo('subscriptionArn'),
    },
  ];
};

/**
 * Creates an SNS listener: a new tagged SQS queue subscribed to the topic (with the copied or given
 * filter policy, scope and raw delivery). Events are the unwrapped SNS messages. It receives what is
 * published after `addSnsListener` returns.
 */
export const createSnsListener = async <TMessage = unknown>(
  ctx: ListenerContext,
  options: AddSnsListenerOptions,
): Promise<QueueListener<TMessage, SnsEvent<TMessage>>> => {
  const v = validate(options, ctx.tags);
  const { signal } = options;
  signal?.throwIfAborted();
  const delivery = await readDelivery(ctx.clients.get('sns'), v, signal);
  const id = newListenerId();
  const queueArn = `arn:${v.partition}:sqs:${v.region}:${v.account}:${resourceName(id)}`;
  const record = new ResourceRecord(ctx, { listenerId: id, kind: 'sns', region: v.region, queueArn });
  await runSetup({
    what: `SNS listener ${id} on topic ${v.topicArn}`,
    steps: snsSteps(ctx, v, delivery, record),
    signal,
    undone: () => record.forget(),
  });
  const resources = record.current;
  return new QueueListener<TMessage, SnsEvent<TMessage>>({
    id,
    resources,
    sqs: ctx.clients.get('sqs'),
    queueUrl: resources.queueUrl as string,
    clock: ctx.clock,
    parse: (message, receivedAt) => parseSnsMessage<TMessage>(message, receivedAt, v.topicArn, delivery.raw),
    remove: () => record.remove(),
    onStop: () => ctx.listenerStopped(id),
  });
};
