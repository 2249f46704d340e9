import { setTimeout as sleep } from 'node:timers/promises';
import type { PollerContext } from './source.js';

interface SqsMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  MD5OfBody: string;
  MD5OfMessageAttributes?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
}

const ARN = /^arn:aws[a-zA-Z-]*:sqs:([a-z0-9-]+):(\d{12}):(.+)$/;

/** The record Lambda hands the function for one SQS message, in AWS's shape. */
export const sqsRecord = (m: SqsMessage, queueArn: string, region: string): Record<string, unknown> => ({
  messageId: m.MessageId,
  receiptHandle: m.ReceiptHandle,
  body: m.Body,
  attributes: { ...m.Attributes },
  messageAttributes: Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
      k,
      {
        ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
        ...(v.BinaryValue !== undefined ? { binaryValue: v.BinaryValue } : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: v.DataType,
      },
    ]),
  ),
  md5OfBody: m.MD5OfBody,
  ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

/** What FilterCriteria see: the record with a JSON body parsed (as AWS filters on body fields). */
const filterView = (record: Record<string, unknown>): Record<string, unknown> => {
  try {
    const body = JSON.parse(String(record.body)) as unknown;
    if (body !== null && typeof body === 'object') return { ...record, body };
  } catch {
    // a plain-text body is matched as a string
  }
  return record;
};

/**
 * Which messages of a batch failed, from a ReportBatchItemFailures response; undefined means the
 * whole batch failed (an unreadable response, as AWS treats it).
 */
export const failedItems = (payload: string, ids: ReadonlySet<string>): Set<string> | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (parsed === null || parsed === undefined || typeof parsed !== 'object') return new Set();
  const list = (parsed as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return undefined;
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return undefined;
    failed.add(id);
  }
  return failed;
};

/**
 * Polls an SQS queue for a mapping: batches by BatchSize and MaximumBatchingWindowInSeconds,
 * drops (deletes) messages FilterCriteria reject, invokes the function, deletes what succeeded.
 * A failed batch (or failed items, with ReportBatchItemFailures) stays on the queue and comes
 * back after its visibility timeout; the queue's redrive policy moves it to its DLQ.
 */
export const pollQueue = async (ctx: PollerContext): Promise<void> => {
  const arn = String(ctx.mapping.config.EventSourceArn);
  const m = ARN.exec(arn) as RegExpExecArray;
  const queueUrl = `http://localhost/${m[2]}/${m[3]}`;
  const opts = { region: ctx.region, signal: ctx.signal };
  const call = (op: string, input: Record<string, unknown>) => ctx.emulator.invoke('sqs', op, input, opts);
  while (!ctx.signal.aborted) {
    const batchSize = Number(ctx.mapping.config.BatchSize);
    const windowMs = Number(ctx.mapping.config.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    const batch: SqsMessage[] = [];
    const started = Date.now();
    try {
      while (batch.length < batchSize && !ctx.signal.aborted) {
        const left = windowMs - (Date.now() - started);
        const wait = batch.length === 0 ? 20 : Math.max(0, Math.min(20, Math.ceil(left / 1000)));
        const out = (await call('ReceiveMessage', {
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, batchSize - batch.length),
          WaitTimeSeconds: batch.length > 0 && left <= 0 ? 0 : wait,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        })) as { Messages?: SqsMessage[] };
        const got = out.Messages ?? [];
        batch.push(...got);
        if (got.length === 0 && batch.length > 0) break;
        if (batch.length > 0 && Date.now() - started >= windowMs) break;
      }
    } catch (err) {
      if (ctx.signal.aborted) return;
      // The queue is gone or the call failed: try again a little later.
      ctx.result(`PROBLEM: ${(err as Error).message}`);
      await sleep(1000, undefined, { signal: ctx.signal }).catch(() => undefined);
      continue;
    }
    if (batch.length === 0) continue;
    await deliver(ctx, batch, arn, call);
  }
};

const deliver = async (
  ctx: PollerContext,
  batch: SqsMessage[],
  arn: string,
  call: (op: string, input: Record<string, unknown>) => Promise<unknown>,
): Promise<void> => {
  const records: Record<string, unknown>[] = [];
  const dropped: SqsMessage[] = [];
  for (const message of batch) {
    const record = sqsRecord(message, arn, ctx.region);
    if (ctx.matches(filterView(record))) records.push(record);
    else dropped.push(message);
  }
  let done: SqsMessage[] = dropped;
  if (records.length > 0) {
    // As on AWS, the batch's function invocation continues the trace its first traced message carries.
    const traceHeader = batch.find((msg) => msg.Attributes?.AWSTraceHeader)?.Attributes?.AWSTraceHeader;
    const result = await ctx.invoke({ Records: records }, traceHeader);
    if (!result) return; // throttled or function gone: the messages come back later
    if (!result.error) {
      const reportsItems = (ctx.mapping.config.FunctionResponseTypes as string[] | undefined)?.includes(
        'ReportBatchItemFailures',
      );
      const ids = new Set(records.map((r) => String(r.messageId)));
      const failed = reportsItems ? failedItems(result.payload, ids) : new Set<string>();
      if (failed !== undefined) {
        done = [...done, ...batch.filter((msg) => ids.has(msg.MessageId) && !failed.has(msg.MessageId))];
      }
      ctx.result('OK');
    } else {
      ctx.result('PROBLEM: Function call failed');
    }
  }
  for (let i = 0; i < done.length; i += 10) {
    const entries = done
      .slice(i, i + 10)
      .map((msg, j) => ({ Id: String(j), ReceiptHandle: msg.ReceiptHandle }));
    await call('DeleteMessageBatch', {
      QueueUrl: `http://localhost/${arn.split(':')[4]}/${arn.split(':')[5]}`,
      Entries: entries,
    }).catch(() => undefined);
  }
};
