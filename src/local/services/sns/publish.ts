import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { str } from '../../core/coerce.js';
import { AwsError } from '../../core/errors.js';
import { invokeAsEventTarget } from '../lambda/event-target.js';
import { deliverToQueue, type InboundMessageAttribute } from '../sqs/delivery.js';
import { type FilterMessageAttribute, type FilterPolicyScope, matchesFilterPolicy } from './filter-policy.js';

import {
  type Ctx,
  checkArn,
  DEDUP_WINDOW_MS,
  getTopic,
  type Input,
  invalid,
  MAX_FAILED_DELIVERIES,
  MAX_MESSAGE_BYTES,
  type Subscription,
  type Topic,
  topicNotFound,
} from './state.js';
import { subscriptionsOf } from './topics.js';

// ---------------------------------------------------------------------------------------------
// Publishing

export interface Publication {
  readonly message: string;
  readonly subject: string | undefined;
  readonly structure: Record<string, string> | undefined;
  readonly attributes: Record<string, FilterMessageAttribute>;
  readonly groupId: string | undefined;
  readonly dedupId: string | undefined;
}

export const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;

export const messageAttributes = (v: unknown, path: string): Record<string, FilterMessageAttribute> => {
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

export const readPublication = (
  entry: Input,
  topic: Topic | undefined,
  attributePath: string,
): Publication => {
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

export const snsEndpoint = (region: string): string => `https://sns.${region}.amazonaws.com`;

export const envelope = (
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

export const deliver = (
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
  void invokeAsEventTarget(ctx.emulator, sub.endpoint, JSON.stringify(event), {
    traceHeader: ctx.traceHeader,
  });
};

export const dedupHash = (message: string): string => createHash('sha256').update(message).digest('hex');

/** Publishes one validated message; returns its id (and sequence number on FIFO topics). */
export const publishOne = (
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

export const publish = (input: Input, ctx: Ctx): unknown => {
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

export const publishBatch = (input: Input, ctx: Ctx): unknown => {
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
