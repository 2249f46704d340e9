import { globalArn } from '../../core/arn.js';
import { str, stringList, strMap } from '../../core/coerce.js';
import type { OpContext, Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { cursorToken, readCursorToken } from '../../core/paging.js';
import { sqsError } from './errors.js';
import { type MessageAttributeValue, md5OfAttributes } from './md5.js';
import {
  counts,
  createSqsState,
  DEFAULT_ATTRIBUTES,
  enqueue,
  expire,
  MAX_BATCH_BYTES,
  nextVisibleIn,
  numberAttribute,
  parseReceiptHandle,
  type Queue,
  queueArn,
  type SqsMessage,
  type SqsState,
  take,
  validateMessageAttributes,
  wake,
} from './model.js';

type Ctx = OpContext<SqsState>;
type Input = Record<string, unknown>;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};
const FIFO_ONLY = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
const SETTABLE = new Set([
  ...Object.keys(RANGES),
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
  ...FIFO_ONLY,
]);
const READ_ONLY = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'AWSTraceHeader',
  'MessageGroupId',
  'MessageDeduplicationId',
  'SequenceNumber',
];

/** Query-protocol (and in-process) callers get the query wording of some messages. */
const isQueryRequest = (ctx: Ctx): boolean => ctx.protocol !== 'json';

const stringMap = (value: unknown): Record<string, string> => strMap(value, true);

/** An integer parameter in [min, max], or the fallback when absent. */
const intParam = (
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
  reason?: string,
): number => {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw sqsError.invalidParameter(name, value, reason ?? `Must be >= ${min} and <= ${max}, if provided.`);
  }
  return n;
};

export const queueUrl = (ctx: OpContext<unknown>, queue: Queue): string => {
  const base = ctx.endpoint ?? `http://sqs.${queue.region}.localhost`;
  return `${base}/${queue.accountId}/${queue.name}`;
};

const REGION_IN_HOST = [
  /^sqs\.([a-z0-9-]+)\.(?:amazonaws|localhost)/,
  /^([a-z]{2}(?:-gov)?-[a-z]+-\d)\.queue\./,
];

/** Finds the queue a QueueUrl names, whatever its host: by account and name, in the caller's region. */
export const resolveQueue = (ctx: Ctx, url: unknown): Queue => {
  if (url === undefined || url === null || url === '') throw sqsError.missingParameter('QueueUrl');
  const notFound = sqsError.queueDoesNotExist(isQueryRequest(ctx));
  if (typeof url !== 'string') throw notFound;
  let segments: string[];
  let host = '';
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    segments = parsed.pathname.split('/').filter((s) => s !== '');
  } catch {
    segments = url.split('/').filter((s) => s !== '');
  }
  for (const re of REGION_IN_HOST) {
    const m = re.exec(host);
    if (m && m[1] !== ctx.region) throw notFound;
  }
  const [account, name] = segments.length === 1 ? [ctx.accountId, segments[0]] : segments;
  if (segments.length > 2 || account !== ctx.accountId || name === undefined) throw notFound;
  const queue = ctx.state.queues.get(name);
  if (!queue) throw notFound;
  return queue;
};

/** Validates attributes for CreateQueue / SetQueueAttributes; returns them normalised. */
const validateAttributes = (
  attributes: Record<string, string>,
  fifo: boolean,
  creating: boolean,
): Record<string, string> => {
  for (const [name, value] of Object.entries(attributes)) {
    if (!SETTABLE.has(name)) throw sqsError.invalidAttributeName(`Unknown Attribute ${name}.`);
    if (FIFO_ONLY.has(name) && !fifo) {
      if (name === 'DeduplicationScope' || name === 'FifoThroughputLimit') {
        throw sqsError.invalidAttributeName(
          `You can specify the ${name} only when FifoQueue is set to true.`,
        );
      }
      throw sqsError.invalidAttributeName(`Unknown Attribute ${name}.`);
    }
    const invalid = (reason?: string) =>
      sqsError.invalidAttributeValue(
        `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`,
      );
    const range = RANGES[name];
    if (range) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isInteger(n) || n < range[0] || n > range[1]) throw invalid();
      continue;
    }
    switch (name) {
      case 'FifoQueue':
        if (!creating) throw invalid('Modifying queue type is not supported.');
        if (value !== 'true') throw invalid();
        break;
      case 'ContentBasedDeduplication':
      case 'SqsManagedSseEnabled':
        if (value !== 'true' && value !== 'false') throw invalid();
        break;
      case 'DeduplicationScope':
        if (value !== 'queue' && value !== 'messageGroup') throw invalid();
        break;
      case 'FifoThroughputLimit':
        if (value !== 'perQueue' && value !== 'perMessageGroupId') throw invalid();
        break;
      case 'Policy':
      case 'RedrivePolicy':
      case 'RedriveAllowPolicy':
        if (value !== '') {
          try {
            const parsed = JSON.parse(value) as unknown;
            if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
          } catch {
            throw invalid('Invalid JSON.');
          }
        }
        if (name === 'RedrivePolicy' && value !== '') {
          const rp = JSON.parse(value) as Record<string, unknown>;
          const max = Number(rp.maxReceiveCount);
          if (typeof rp.deadLetterTargetArn !== 'string' || !Number.isInteger(max) || max < 1 || max > 1000) {
            throw invalid('Redrive policy needs deadLetterTargetArn and maxReceiveCount between 1 and 1000.');
          }
          // AWS stores (and reads back) maxReceiveCount as a number, whether it was sent as one or as a string.
          attributes[name] = JSON.stringify({
            deadLetterTargetArn: rp.deadLetterTargetArn,
            maxReceiveCount: max,
          });
        }
        break;
      default:
        break;
    }
  }
  if (attributes.KmsMasterKeyId && attributes.SqsManagedSseEnabled === 'true') {
    throw sqsError.invalidAttributeName(
      'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.',
    );
  }
  return attributes;
};

/** Applies validated attributes, keeping the SSE settings mutually exclusive as AWS does. */
const applyAttributes = (queue: Queue, attributes: Record<string, string>): void => {
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'FifoQueue') continue;
    if (
      value === '' &&
      (name === 'Policy' ||
        name === 'RedrivePolicy' ||
        name === 'RedriveAllowPolicy' ||
        name === 'KmsMasterKeyId')
    ) {
      delete queue.attributes[name];
      if (name === 'KmsMasterKeyId') delete queue.attributes.KmsDataKeyReusePeriodSeconds;
      continue;
    }
    queue.attributes[name] = value;
  }
  if (attributes.KmsMasterKeyId) {
    queue.attributes.SqsManagedSseEnabled = 'false';
    queue.attributes.KmsDataKeyReusePeriodSeconds ??= '300';
  } else if (attributes.SqsManagedSseEnabled === 'true') {
    delete queue.attributes.KmsMasterKeyId;
    delete queue.attributes.KmsDataKeyReusePeriodSeconds;
  }
  // AWS shows the data key reuse period only with a KMS key (setting it without one is accepted and dropped).
  if (!queue.attributes.KmsMasterKeyId) delete queue.attributes.KmsDataKeyReusePeriodSeconds;
};

/** AWS refuses a RedrivePolicy whose dead-letter queue does not exist (in this account and region). */
const checkDeadLetterTarget = (ctx: Ctx, attributes: Record<string, string>): void => {
  const policy = attributes.RedrivePolicy;
  if (!policy) return;
  const { deadLetterTargetArn } = JSON.parse(policy) as { deadLetterTargetArn: string };
  if (![...ctx.state.queues.values()].some((q) => q.arn === deadLetterTargetArn)) {
    throw sqsError.invalidParameter('RedrivePolicy', policy, 'Dead letter target does not exist.');
  }
};

const allAttributes = (queue: Queue, now: number): Record<string, string> => {
  const c = counts(queue, now);
  return {
    ...DEFAULT_ATTRIBUTES,
    ...(queue.fifo
      ? {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'false',
          DeduplicationScope: 'queue',
          FifoThroughputLimit: 'perQueue',
        }
      : {}),
    ...queue.attributes,
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(c.visible),
    ApproximateNumberOfMessagesNotVisible: String(c.notVisible),
    ApproximateNumberOfMessagesDelayed: String(c.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdTimestamp / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.lastModifiedTimestamp / 1000)),
  };
};

const createQueue: Operation<SqsState> = (input, ctx) => {
  const name = str(input.QueueName);
  if (name === undefined || name === '') throw sqsError.missingParameter('QueueName');
  const attributes = stringMap(input.Attributes);
  const fifo = attributes.FifoQueue === 'true';
  if (attributes.FifoQueue === 'false') throw sqsError.invalidAttributeName('Unknown Attribute FifoQueue.');
  if (fifo && !FIFO_QUEUE_NAME.test(name)) {
    throw sqsError.invalidParameterValue(
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
    );
  }
  if (!fifo && !QUEUE_NAME.test(name)) {
    throw sqsError.invalidParameterValue(
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  }
  validateAttributes(attributes, fifo, true);
  checkDeadLetterTarget(ctx, attributes);
  const existing = ctx.state.queues.get(name);
  const now = ctx.emulator.now();
  const deletedAt = ctx.state.deletedAt.get(name);
  if (!existing && deletedAt !== undefined) {
    if (now - deletedAt < ctx.emulator.realism.queueDeletedRecentlyMs) throw sqsError.queueDeletedRecently();
    ctx.state.deletedAt.delete(name);
  }
  if (existing) {
    const current = allAttributes(existing, now);
    for (const [k, v] of Object.entries(attributes)) {
      if ((current[k] ?? '') !== v) throw sqsError.queueAlreadyExists(k);
    }
    return { QueueUrl: queueUrl(ctx, existing) };
  }
  const tags = stringMap(input.tags ?? input.Tags);
  const queue: Queue = {
    name,
    arn: queueArn(ctx.region, ctx.accountId, name),
    accountId: ctx.accountId,
    region: ctx.region,
    fifo,
    attributes: {},
    tags,
    createdTimestamp: now,
    lastModifiedTimestamp: now,
    messages: [],
    dedup: new Map(),
    lastPurge: undefined,
    sequence: 0n,
    waiters: new Set(),
  };
  applyAttributes(queue, attributes);
  ctx.state.queues.set(name, queue);
  return { QueueUrl: queueUrl(ctx, queue) };
};

const getQueueUrl: Operation<SqsState> = (input, ctx) => {
  const name = str(input.QueueName);
  if (name === undefined || name === '') throw sqsError.missingParameter('QueueName');
  const owner = str(input.QueueOwnerAWSAccountId);
  const queue = ctx.state.queues.get(name);
  if (!queue || (owner !== undefined && owner !== ctx.accountId))
    throw sqsError.queueDoesNotExist(isQueryRequest(ctx));
  return { QueueUrl: queueUrl(ctx, queue) };
};

const getQueueAttributes: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const names = stringList(input.AttributeNames);
  const all = allAttributes(queue, ctx.emulator.now());
  const known = new Set([...SETTABLE, ...READ_ONLY]);
  for (const n of names) {
    if (n !== 'All' && !known.has(n)) throw sqsError.invalidAttributeName(`Unknown Attribute ${n}.`);
  }
  const out: Record<string, string> = {};
  const wantAll = names.includes('All');
  for (const [k, v] of Object.entries(all)) if (wantAll || names.includes(k)) out[k] = v;
  return Object.keys(out).length > 0 ? { Attributes: out } : {};
};

const setQueueAttributes: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const attributes = validateAttributes(stringMap(input.Attributes), queue.fifo, false);
  checkDeadLetterTarget(ctx, attributes);
  applyAttributes(queue, attributes);
  queue.lastModifiedTimestamp = ctx.emulator.now();
  wake(queue);
  return {};
};

/**
 * One page of queue names, as ListQueues and ListDeadLetterSourceQueues page: sorted, after the
 * NextToken's name, at most MaxResults (1-1000, default 1000), with a NextToken only when
 * MaxResults was given and more remain (as SQS does).
 */
const queueNamePage = (names: readonly string[], input: Input): { page: string[]; nextToken?: string } => {
  const maxGiven = input.MaxResults !== undefined && input.MaxResults !== null;
  const max = intParam(
    'MaxResults',
    input.MaxResults,
    1,
    1000,
    1000,
    'MaxResults must be an integer between 1 and 1000.',
  );
  const token = str(input.NextToken);
  const cursor =
    token === undefined || token === ''
      ? {}
      : readCursorToken(token, () => sqsError.invalidParameterValue('Invalid NextToken value.'));
  const after = str(cursor.after) ?? '';
  const remaining = names.filter((n) => n > after).sort();
  const page = remaining.slice(0, max);
  return maxGiven && remaining.length > page.length
    ? { page, nextToken: cursorToken({ after: page[page.length - 1] }) }
    : { page };
};

const listQueues: Operation<SqsState> = (input, ctx) => {
  const prefix = str(input.QueueNamePrefix) ?? '';
  const named = [...ctx.state.queues.keys()].filter((n) => n.startsWith(prefix));
  const { page, nextToken } = queueNamePage(named, input);
  const out: Record<string, unknown> = {};
  if (page.length > 0) out.QueueUrls = page.map((n) => queueUrl(ctx, ctx.state.queues.get(n) as Queue));
  if (nextToken !== undefined) out.NextToken = nextToken;
  return out;
};

const listDeadLetterSourceQueues: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const sources = [...ctx.state.queues.values()]
    .filter((q) => {
      const policy = q.attributes.RedrivePolicy;
      return (
        policy !== undefined &&
        (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === queue.arn
      );
    })
    .map((q) => q.name);
  const { page, nextToken } = queueNamePage(sources, input);
  return {
    queueUrls: page.map((n) => queueUrl(ctx, ctx.state.queues.get(n) as Queue)),
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
};

const deleteQueue: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  ctx.state.queues.delete(queue.name);
  ctx.state.deletedAt.set(queue.name, ctx.emulator.now());
  queue.messages = [];
  wake(queue);
  return {};
};

const purgeQueue: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const now = ctx.emulator.now();
  if (queue.lastPurge !== undefined && now - queue.lastPurge < 60_000)
    throw sqsError.purgeInProgress(queue.name);
  queue.lastPurge = now;
  queue.messages = [];
  return {};
};

const traceHeaderOf = (input: Input, ctx: Ctx): string | undefined => {
  const system = input.MessageSystemAttributes as Record<string, { StringValue?: unknown }> | undefined;
  const fromSystem = system?.AWSTraceHeader?.StringValue;
  return typeof fromSystem === 'string' ? fromSystem : ctx.traceHeader;
};

const validateSystemAttributes = (raw: unknown): Record<string, MessageAttributeValue> => {
  const attrs = validateMessageAttributes(raw);
  for (const name of Object.keys(attrs)) {
    if (name !== 'AWSTraceHeader') {
      throw sqsError.invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    }
  }
  return attrs;
};

const sendOne = (queue: Queue, entry: Input, ctx: Ctx): Record<string, unknown> => {
  const system = validateSystemAttributes(entry.MessageSystemAttributes);
  const result = enqueue(
    queue,
    {
      body: entry.MessageBody,
      delaySeconds: entry.DelaySeconds,
      messageAttributes: entry.MessageAttributes,
      traceHeader: traceHeaderOf(entry, ctx),
      groupId: entry.MessageGroupId,
      deduplicationId: entry.MessageDeduplicationId,
      senderId: ctx.accountId,
    },
    ctx.emulator.now(),
    ctx.emulator.realism,
  );
  const md5System = md5OfAttributes(system);
  return { ...result, ...(md5System ? { MD5OfMessageSystemAttributes: md5System } : {}) };
};

const sendMessage: Operation<SqsState> = (input, ctx) =>
  sendOne(resolveQueue(ctx, input.QueueUrl), input, ctx);

/** Common checks of every *Batch operation; returns the entries. */
const batchEntries = (input: Input, entryName: string): Input[] => {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Input[]) : [];
  if (entries.length === 0) throw sqsError.emptyBatch(entryName);
  if (entries.length > 10) throw sqsError.tooManyEntries(entries.length);
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = str(entry.Id) ?? '';
    if (!BATCH_ID.test(id)) throw sqsError.invalidBatchEntryId();
    if (seen.has(id)) throw sqsError.idsNotDistinct(id);
    seen.add(id);
  }
  return entries;
};

const failed = (id: unknown, err: unknown): Record<string, unknown> => {
  const e = err instanceof AwsError ? err : new AwsError('InternalError', String(err), 500);
  return { Id: id, SenderFault: e.status < 500, Code: e.queryCode, Message: e.message };
};

const sendMessageBatch: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const entries = batchEntries(input, 'SendMessageBatchRequestEntry');
  let total = 0;
  for (const e of entries) {
    const body = str(e.MessageBody) ?? '';
    let attrs: Record<string, MessageAttributeValue> = {};
    try {
      attrs = validateMessageAttributes(e.MessageAttributes);
    } catch {
      // reported per entry below
    }
    total += Buffer.byteLength(body, 'utf8');
    for (const [n, a] of Object.entries(attrs)) {
      total +=
        n.length +
        a.DataType.length +
        (a.BinaryValue
          ? Buffer.from(a.BinaryValue, 'base64').length
          : Buffer.byteLength(a.StringValue ?? ''));
    }
  }
  if (total > MAX_BATCH_BYTES) throw sqsError.batchTooLong(total);
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...sendOne(queue, entry, ctx) });
    } catch (err) {
      Failed.push(failed(entry.Id, err));
    }
  }
  return { Successful, Failed };
};

const selectMessageAttributes = (
  attributes: Readonly<Record<string, MessageAttributeValue>>,
  names: readonly string[],
): Record<string, MessageAttributeValue> => {
  const out: Record<string, MessageAttributeValue> = {};
  const all = names.includes('All') || names.includes('.*');
  for (const [name, value] of Object.entries(attributes)) {
    const wanted = all || names.some((n) => (n.endsWith('*') ? name.startsWith(n.slice(0, -1)) : n === name));
    if (wanted) out[name] = value;
  }
  return out;
};

const systemAttributes = (m: SqsMessage, names: readonly string[]): Record<string, string> => {
  const all = names.includes('All');
  const values: Record<string, string | undefined> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentTimestamp),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp:
      m.firstReceiveTimestamp === undefined ? undefined : String(m.firstReceiveTimestamp),
    AWSTraceHeader: m.traceHeader,
    MessageGroupId: m.groupId,
    MessageDeduplicationId: m.deduplicationId,
    SequenceNumber: m.sequenceNumber,
  };
  const out: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTES) {
    const v = values[name];
    if (v !== undefined && (all || names.includes(name))) out[name] = v;
  }
  return out;
};

/** Moves messages received maxReceiveCount times to the dead-letter queue, as AWS does on receive. */
const redrive = (queue: Queue, ctx: Ctx, now: number): void => {
  const policy = queue.attributes.RedrivePolicy;
  if (!policy) return;
  const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as {
    deadLetterTargetArn: string;
    maxReceiveCount: number | string;
  };
  const dlq = [...ctx.state.queues.values()].find((q) => q.arn === deadLetterTargetArn);
  if (!dlq || dlq === queue) return;
  const max = Number(maxReceiveCount);
  const moving = queue.messages.filter((m) => m.visibleAt <= now && m.receiveCount >= max);
  if (moving.length === 0) return;
  queue.messages = queue.messages.filter((m) => !moving.includes(m));
  for (const m of moving) {
    m.visibleAt = now;
    dlq.messages.push(m);
  }
  wake(dlq);
};

/** Waits until the queue is woken, `ms` pass or the signal aborts; leaves no timer or listener behind. */
const waitOnQueue = (queue: Queue, ms: number, signal: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      queue.waiters.delete(done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    queue.waiters.add(done);
    signal.addEventListener('abort', done, { once: true });
  });

const receiveMessage: Operation<SqsState> = async (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const max = intParam(
    'MaxNumberOfMessages',
    input.MaxNumberOfMessages,
    1,
    10,
    1,
    'Must be between 1 and 10, if provided.',
  );
  const wait = intParam(
    'WaitTimeSeconds',
    input.WaitTimeSeconds,
    0,
    20,
    numberAttribute(queue, 'ReceiveMessageWaitTimeSeconds'),
  );
  const visibilityGiven = input.VisibilityTimeout !== undefined && input.VisibilityTimeout !== null;
  const visibility = intParam('VisibilityTimeout', input.VisibilityTimeout, 0, 43_200, 0);
  const systemNames = [...stringList(input.AttributeNames), ...stringList(input.MessageSystemAttributeNames)];
  const attributeNames = stringList(input.MessageAttributeNames);
  const deadline = Date.now() + wait * 1000;
  let messages: SqsMessage[] = [];
  for (;;) {
    if (ctx.state.queues.get(queue.name) !== queue) break;
    const now = ctx.emulator.now();
    redrive(queue, ctx, now);
    messages = take(
      queue,
      max,
      visibilityGiven ? visibility : numberAttribute(queue, 'VisibilityTimeout'),
      now,
      ctx.emulator.realism,
    );
    const remaining = deadline - Date.now();
    if (messages.length > 0 || remaining <= 0 || ctx.signal.aborted) break;
    const next = nextVisibleIn(queue, now);
    await waitOnQueue(queue, next === undefined ? remaining : Math.min(remaining, next), ctx.signal);
  }
  if (messages.length === 0) return {};
  return {
    Messages: messages.map((m) => {
      const attrs = selectMessageAttributes(m.messageAttributes, attributeNames);
      const system = systemAttributes(m, systemNames);
      const md5 = md5OfAttributes(attrs);
      return {
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5OfBody,
        Body: m.body,
        ...(Object.keys(system).length > 0 ? { Attributes: system } : {}),
        ...(md5 ? { MD5OfMessageAttributes: md5, MessageAttributes: attrs } : {}),
      };
    }),
  };
};

/** The message a receipt handle names (undefined when already deleted); throws for malformed handles. */
const messageFor = (
  queue: Queue,
  handle: unknown,
): { message: SqsMessage | undefined; receiveCount: number } => {
  if (handle === undefined || handle === null || handle === '')
    throw sqsError.missingParameter('ReceiptHandle');
  const parsed = parseReceiptHandle(handle);
  if (!parsed || parsed.arn !== queue.arn) throw sqsError.receiptHandleIsInvalid(String(handle));
  return {
    // The entry this handle was issued for (a duplicate shares its message id), else by message id.
    message:
      queue.messages.find((m) => m.receiptHandle === handle) ??
      queue.messages.find((m) => m.messageId === parsed.messageId),
    receiveCount: parsed.receiveCount,
  };
};

const expiredHandle = (handle: unknown): AwsError =>
  sqsError.invalidParameter('ReceiptHandle', handle, 'The receipt handle has expired.');

const deleteOne = (queue: Queue, handle: unknown, now: number): void => {
  const { message, receiveCount } = messageFor(queue, handle);
  if (!message) return;
  if (queue.fifo && (message.receiveCount !== receiveCount || message.visibleAt <= now))
    throw expiredHandle(handle);
  queue.messages = queue.messages.filter((m) => m !== message);
};

const deleteMessage: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  expire(queue, ctx.emulator.now());
  deleteOne(queue, input.ReceiptHandle, ctx.emulator.now());
  return {};
};

/** Runs `apply` on each entry of a batch request; an entry that throws is reported as Failed. */
const eachEntry = (
  entries: ReturnType<typeof batchEntries>,
  apply: (entry: ReturnType<typeof batchEntries>[number]) => void,
): { Successful: Record<string, unknown>[]; Failed: Record<string, unknown>[] } => {
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  for (const entry of entries) {
    try {
      apply(entry);
      Successful.push({ Id: entry.Id });
    } catch (err) {
      Failed.push(failed(entry.Id, err));
    }
  }
  return { Successful, Failed };
};

const deleteMessageBatch: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  return eachEntry(batchEntries(input, 'DeleteMessageBatchRequestEntry'), (entry) =>
    deleteOne(queue, entry.ReceiptHandle, ctx.emulator.now()),
  );
};

const changeOne = (queue: Queue, handle: unknown, timeout: unknown, now: number): void => {
  const seconds = intParam(
    'VisibilityTimeout',
    timeout,
    0,
    43_200,
    Number.NaN,
    'Must be between 0 and 43200, if provided.',
  );
  if (Number.isNaN(seconds)) throw sqsError.missingParameter('VisibilityTimeout');
  const { message, receiveCount } = messageFor(queue, handle);
  if (!message) {
    throw sqsError.invalidParameter(
      'ReceiptHandle',
      handle,
      'Message does not exist or is not available for visibility timeout change.',
    );
  }
  if (message.receiveCount !== receiveCount) throw expiredHandle(handle);
  if (queue.fifo && message.visibleAt <= now) throw sqsError.messageNotInflight();
  message.visibleAt = now + seconds * 1000;
  if (seconds === 0) wake(queue);
};

const changeMessageVisibility: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  changeOne(queue, input.ReceiptHandle, input.VisibilityTimeout, ctx.emulator.now());
  return {};
};

const changeMessageVisibilityBatch: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  return eachEntry(batchEntries(input, 'ChangeMessageVisibilityBatchRequestEntry'), (entry) =>
    changeOne(queue, entry.ReceiptHandle, entry.VisibilityTimeout, ctx.emulator.now()),
  );
};

const MAX_TAGS = 50;

const tagQueue: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const tags = stringMap(input.Tags);
  if (Object.keys(tags).length === 0) throw sqsError.missingParameter('Tags');
  if (Object.keys({ ...queue.tags, ...tags }).length > MAX_TAGS) throw sqsError.tooManyTags();
  Object.assign(queue.tags, tags);
  return {};
};

const untagQueue: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const keys = stringList(input.TagKeys);
  if (keys.length === 0) throw sqsError.missingParameter('TagKeys');
  for (const key of keys) delete queue.tags[key];
  return {};
};

const listQueueTags: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  return Object.keys(queue.tags).length > 0 ? { Tags: { ...queue.tags } } : {};
};

/** Adds a statement with Sid = Label to the queue policy (the legacy permission API). */
const oneOrList = (items: string[]): string | string[] => (items.length === 1 ? (items[0] as string) : items);

const addPermission: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const label = str(input.Label);
  if (!label) throw sqsError.missingParameter('Label');
  const accounts = stringList(input.AWSAccountIds);
  const actions = stringList(input.Actions);
  if (accounts.length === 0) throw sqsError.missingParameter('AWSAccountIds');
  if (actions.length === 0) throw sqsError.missingParameter('Actions');
  const policy = queue.attributes.Policy
    ? (JSON.parse(queue.attributes.Policy) as { Statement?: unknown })
    : { Version: '2008-10-17', Id: `${queue.arn}/SQSDefaultPolicy`, Statement: [] };
  const statements = (
    Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : []
  ) as Record<string, unknown>[];
  if (statements.some((s) => s.Sid === label))
    throw sqsError.invalidParameter('Label', label, 'Already exists.');
  statements.push({
    Sid: label,
    Effect: 'Allow',
    // As AWS writes it: a single principal or action as a string, several as a list.
    Principal: { AWS: oneOrList(accounts.map((a) => globalArn('iam', ctx.region, a, 'root'))) },
    Action: oneOrList(actions.map((a) => `SQS:${a}`)),
    Resource: queue.arn,
  });
  queue.attributes.Policy = JSON.stringify({ ...policy, Statement: statements });
  return {};
};

const removePermission: Operation<SqsState> = (input, ctx) => {
  const queue = resolveQueue(ctx, input.QueueUrl);
  const label = str(input.Label);
  if (!label) throw sqsError.missingParameter('Label');
  const policy = queue.attributes.Policy
    ? (JSON.parse(queue.attributes.Policy) as { Statement?: unknown })
    : {};
  const statements = (
    Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : []
  ) as Record<string, unknown>[];
  const kept = statements.filter((s) => s.Sid !== label);
  if (kept.length === statements.length) throw sqsError.invalidParameter('Label', label, "can't find label.");
  if (kept.length === 0) delete queue.attributes.Policy;
  else queue.attributes.Policy = JSON.stringify({ ...policy, Statement: kept });
  return {};
};

export const operations: Readonly<Record<string, Operation<SqsState>>> = {
  AddPermission: addPermission,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
  CreateQueue: createQueue,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  DeleteQueue: deleteQueue,
  GetQueueAttributes: getQueueAttributes,
  GetQueueUrl: getQueueUrl,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  ListQueueTags: listQueueTags,
  ListQueues: listQueues,
  PurgeQueue: purgeQueue,
  ReceiveMessage: receiveMessage,
  RemovePermission: removePermission,
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  SetQueueAttributes: setQueueAttributes,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
};

export { createSqsState };
