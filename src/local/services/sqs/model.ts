import { createHash, randomUUID } from 'node:crypto';
import { arn } from '../../core/arn.js';
import { sqsError } from './errors.js';
import { type MessageAttributeValue, md5Hex, md5OfAttributes } from './md5.js';

export const MAX_BATCH_BYTES = 1_048_576;
const DEDUP_WINDOW_MS = 5 * 60_000;

export interface SqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly md5OfMessageAttributes: string | undefined;
  readonly traceHeader: string | undefined;
  readonly sentTimestamp: number;
  readonly senderId: string;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  readonly sequenceNumber: string | undefined;
  /** When the message can next be received (delay or visibility timeout), ms since epoch. */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  /** The handle of the latest receive. */
  receiptHandle: string | undefined;
}

export interface Queue {
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  readonly fifo: boolean;
  /** Settable attributes, as strings (AWS's representation). */
  readonly attributes: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly createdTimestamp: number;
  lastModifiedTimestamp: number;
  /** In send order. */
  messages: SqsMessage[];
  /** Deduplication ids (FIFO) → expiry and the message id that answered first. */
  readonly dedup: Map<string, { expires: number; messageId: string; sequenceNumber: string | undefined }>;
  lastPurge: number | undefined;
  sequence: bigint;
  /** Long polls waiting on this queue: called when something may have become receivable. */
  readonly waiters: Set<() => void>;
}

export interface SqsState {
  readonly accountId: string;
  readonly region: string;
  readonly queues: Map<string, Queue>;
  /** When each deleted queue name was deleted (epoch ms): the name stays taken for a while, as on AWS. */
  readonly deletedAt: Map<string, number>;
}

export const createSqsState = (scope: { accountId: string; region: string }): SqsState => ({
  accountId: scope.accountId,
  region: scope.region,
  queues: new Map(),
  deletedAt: new Map(),
});

export const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
};

export const queueArn = (region: string, accountId: string, name: string): string =>
  arn('sqs', region, accountId, name);

export const numberAttribute = (queue: Queue, name: string): number =>
  Number(queue.attributes[name] ?? DEFAULT_ATTRIBUTES[name] ?? 0);

/** Wakes every long poll waiting on the queue (they re-check and wait again if nothing is there). */
export const wake = (queue: Queue): void => {
  for (const waiter of [...queue.waiters]) waiter();
};

/** Drops messages older than the retention period. */
export const expire = (queue: Queue, now: number): void => {
  const retentionMs = numberAttribute(queue, 'MessageRetentionPeriod') * 1000;
  if (queue.messages.some((m) => now >= m.sentTimestamp + retentionMs)) {
    queue.messages = queue.messages.filter((m) => now < m.sentTimestamp + retentionMs);
  }
  for (const [id, entry] of queue.dedup) if (entry.expires <= now) queue.dedup.delete(id);
};

export const counts = (
  queue: Queue,
  now: number,
): { visible: number; notVisible: number; delayed: number } => {
  expire(queue, now);
  let visible = 0;
  let notVisible = 0;
  let delayed = 0;
  for (const m of queue.messages) {
    if (m.visibleAt <= now) visible++;
    else if (m.receiveCount > 0) notVisible++;
    else delayed++;
  }
  return { visible, notVisible, delayed };
};

// Body characters AWS accepts: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is about control characters.
const INVALID_BODY_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export interface NewMessage {
  readonly body: unknown;
  readonly delaySeconds?: unknown;
  readonly messageAttributes?: unknown;
  readonly traceHeader?: string | undefined;
  readonly groupId?: unknown;
  readonly deduplicationId?: unknown;
  readonly senderId: string;
}

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_\-.]{1,256}$/;
const FIFO_ID = /^[\x21-\x7E]{1,128}$/;

export const validateMessageAttributes = (raw: unknown): Record<string, MessageAttributeValue> => {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object') throw sqsError.invalidParameterValue('MessageAttributes must be a map.');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > 10) {
    throw sqsError.invalidParameterValue(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
      throw sqsError.invalidParameterValue(`Message (user) attribute name '${name}' is invalid.`);
    }
    const v = (value ?? {}) as Record<string, unknown>;
    const dataType = typeof v.DataType === 'string' ? v.DataType : '';
    const base = dataType.split('.')[0];
    if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
      throw sqsError.invalidParameterValue(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    if (base === 'Binary') {
      if (typeof v.BinaryValue !== 'string' || v.BinaryValue === '') {
        throw sqsError.invalidParameterValue(
          `Message (user) attribute '${name}' must contain a non-empty value of type 'Binary'.`,
        );
      }
      out[name] = { DataType: dataType, BinaryValue: v.BinaryValue };
      continue;
    }
    if (typeof v.StringValue !== 'string' || v.StringValue === '') {
      throw sqsError.invalidParameterValue(
        `Message (user) attribute '${name}' must contain a non-empty value of type '${base}'.`,
      );
    }
    if (base === 'Number' && !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.StringValue.trim())) {
      throw sqsError.invalidParameterValue(
        `Can't convert value [${v.StringValue}] to Number for attribute '${name}'.`,
      );
    }
    if (INVALID_BODY_CHAR.test(v.StringValue)) {
      throw sqsError.invalidParameterValue(`Message (user) attribute '${name}' contains invalid characters.`);
    }
    out[name] = { DataType: dataType, StringValue: v.StringValue };
  }
  return out;
};

/** Bytes a message counts against MaximumMessageSize: body plus attribute names, types and values. */
export const messageSize = (
  body: string,
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): number => {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType, 'utf8');
    size +=
      a.BinaryValue !== undefined
        ? Buffer.from(a.BinaryValue, 'base64').length
        : Buffer.byteLength(a.StringValue ?? '', 'utf8');
  }
  return size;
};

export interface SendResult {
  readonly MessageId: string;
  readonly MD5OfMessageBody: string;
  readonly MD5OfMessageAttributes?: string;
  readonly SequenceNumber?: string;
}

/** Validates and enqueues one message; wakes long polls. Throws AwsErrors as SendMessage would. */
export const enqueue = (queue: Queue, input: NewMessage, now: number, dice?: DeliveryDice): SendResult => {
  const { body } = input;
  if (body === undefined || body === null || body === '') throw sqsError.missingParameter('MessageBody');
  if (typeof body !== 'string') throw sqsError.invalidParameterValue('MessageBody must be a string.');
  const match = INVALID_BODY_CHAR.exec(body);
  if (match) {
    const code = match[0].codePointAt(0)?.toString(16).toUpperCase() ?? '';
    throw sqsError.invalidMessageContents(
      `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
  const attributes = validateMessageAttributes(input.messageAttributes);
  const max = numberAttribute(queue, 'MaximumMessageSize');
  if (messageSize(body, attributes) > max) {
    throw sqsError.invalidParameterValue(
      `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`,
    );
  }
  let delay = numberAttribute(queue, 'DelaySeconds');
  if (input.delaySeconds !== undefined && input.delaySeconds !== null) {
    const d = Number(input.delaySeconds);
    if (queue.fifo)
      throw sqsError.invalidParameter(
        'DelaySeconds',
        input.delaySeconds,
        'The request include parameter that is not valid for this queue type.',
      );
    if (!Number.isInteger(d) || d < 0 || d > 900) {
      throw sqsError.invalidParameter(
        'DelaySeconds',
        input.delaySeconds,
        'Must be >= 0 and <= 900, if provided.',
      );
    }
    delay = d;
  }
  const groupId = input.groupId ?? undefined;
  const dedupId = input.deduplicationId ?? undefined;
  if (groupId !== undefined && (typeof groupId !== 'string' || !FIFO_ID.test(groupId))) {
    throw sqsError.invalidParameter(
      'MessageGroupId',
      groupId,
      'MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
    );
  }
  if (dedupId !== undefined && (typeof dedupId !== 'string' || !FIFO_ID.test(dedupId))) {
    throw sqsError.invalidParameter(
      'MessageDeduplicationId',
      dedupId,
      'MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
    );
  }
  let dedupKey: string | undefined;
  let sequenceNumber: string | undefined;
  if (queue.fifo) {
    if (groupId === undefined) throw sqsError.missingParameter('MessageGroupId');
    dedupKey = dedupId as string | undefined;
    if (dedupKey === undefined) {
      if (queue.attributes.ContentBasedDeduplication !== 'true') {
        throw sqsError.invalidParameterValue(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      dedupKey = createHash('sha256').update(body).digest('hex');
    }
    const scopeKey =
      queue.attributes.DeduplicationScope === 'messageGroup' ? `${groupId}\u0000${dedupKey}` : dedupKey;
    expire(queue, now);
    const seen = queue.dedup.get(scopeKey);
    if (seen) {
      return {
        MessageId: seen.messageId,
        MD5OfMessageBody: md5Hex(body),
        ...(md5OfAttributes(attributes)
          ? { MD5OfMessageAttributes: md5OfAttributes(attributes) as string }
          : {}),
        ...(seen.sequenceNumber ? { SequenceNumber: seen.sequenceNumber } : {}),
      };
    }
    queue.sequence += 1n;
    sequenceNumber = (18_000_000_000_000_000_000n + queue.sequence).toString();
    const messageId = randomUUID();
    queue.dedup.set(scopeKey, { expires: now + DEDUP_WINDOW_MS, messageId, sequenceNumber });
    return push(queue, {
      body,
      attributes,
      delay,
      now,
      input,
      groupId: groupId as string,
      dedupId: dedupKey,
      sequenceNumber,
      messageId,
    });
  }
  const result = push(queue, {
    body,
    attributes,
    delay,
    now,
    input,
    groupId: groupId as string | undefined,
    dedupId: undefined,
    sequenceNumber: undefined,
    messageId: randomUUID(),
  });
  // At-least-once: a standard queue may keep a second copy, delivered on its own.
  const sent = queue.messages.at(-1);
  if (sent && dice?.duplicate()) queue.messages.push({ ...sent });
  return result;
};

const push = (
  queue: Queue,
  p: {
    body: string;
    attributes: Record<string, MessageAttributeValue>;
    delay: number;
    now: number;
    input: NewMessage;
    groupId: string | undefined;
    dedupId: string | undefined;
    sequenceNumber: string | undefined;
    messageId: string;
  },
): SendResult => {
  const md5OfMessageAttributes = md5OfAttributes(p.attributes);
  const message: SqsMessage = {
    messageId: p.messageId,
    body: p.body,
    md5OfBody: md5Hex(p.body),
    messageAttributes: p.attributes,
    md5OfMessageAttributes,
    traceHeader: p.input.traceHeader,
    sentTimestamp: p.now,
    senderId: p.input.senderId,
    groupId: p.groupId,
    deduplicationId: p.dedupId,
    sequenceNumber: p.sequenceNumber,
    visibleAt: p.now + p.delay * 1000,
    receiveCount: 0,
    firstReceiveTimestamp: undefined,
    receiptHandle: undefined,
  };
  queue.messages.push(message);
  wake(queue);
  return {
    MessageId: message.messageId,
    MD5OfMessageBody: message.md5OfBody,
    ...(md5OfMessageAttributes ? { MD5OfMessageAttributes: md5OfMessageAttributes } : {}),
    ...(p.sequenceNumber ? { SequenceNumber: p.sequenceNumber } : {}),
  };
};

/** Takes up to `max` receivable messages, making them invisible for `visibilityTimeout` seconds. */
/** What a queue needs of the emulator's AWS timing (`realism`): duplicates and reordering. */
export interface DeliveryDice {
  /** True for a message a standard queue delivers twice. */
  duplicate(): boolean;
  /** Standard queues receive in no particular order. */
  readonly sqsReorder: boolean;
  shuffle<T>(items: readonly T[]): T[];
}

export const take = (
  queue: Queue,
  max: number,
  visibilityTimeout: number,
  now: number,
  dice?: DeliveryDice,
): SqsMessage[] => {
  expire(queue, now);
  const out: SqsMessage[] = [];
  const blockedGroups = new Set<string>();
  if (queue.fifo) {
    for (const m of queue.messages)
      if (m.visibleAt > now && m.receiveCount > 0 && m.groupId) blockedGroups.add(m.groupId);
  }
  // Standard queues keep no order on AWS (best effort); FIFO queues always do.
  const candidates = dice?.sqsReorder && !queue.fifo ? dice.shuffle(queue.messages) : queue.messages;
  for (const m of candidates) {
    if (out.length >= max) break;
    if (queue.fifo && m.groupId !== undefined) {
      if (blockedGroups.has(m.groupId)) continue;
      if (m.visibleAt > now) {
        blockedGroups.add(m.groupId);
        continue;
      }
    } else if (m.visibleAt > now) continue;
    m.receiveCount += 1;
    m.firstReceiveTimestamp ??= now;
    m.visibleAt = now + visibilityTimeout * 1000;
    m.receiptHandle = makeReceiptHandle(queue.arn, m.messageId, m.receiveCount);
    out.push(m);
  }
  return out;
};

/** Milliseconds until the next message becomes receivable (for long polls), or undefined. */
export const nextVisibleIn = (queue: Queue, now: number): number | undefined => {
  let next: number | undefined;
  for (const m of queue.messages)
    if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
  return next === undefined ? undefined : next - now;
};

const HANDLE_PREFIX = 'eprh1';

export const makeReceiptHandle = (arn: string, messageId: string, receiveCount: number): string =>
  Buffer.from(`${HANDLE_PREFIX} ${arn} ${messageId} ${receiveCount} ${randomUUID()}`, 'utf8').toString(
    'base64',
  );

export interface ParsedHandle {
  readonly arn: string;
  readonly messageId: string;
  readonly receiveCount: number;
}

export const parseReceiptHandle = (handle: unknown): ParsedHandle | undefined => {
  if (typeof handle !== 'string' || handle === '') return undefined;
  const parts = Buffer.from(handle, 'base64').toString('utf8').split(' ');
  if (parts.length !== 5 || parts[0] !== HANDLE_PREFIX) return undefined;
  return { arn: parts[1] as string, messageId: parts[2] as string, receiveCount: Number(parts[3]) };
};
