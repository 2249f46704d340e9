import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';

/** The largest event EventBridge delivers (PutEvents entry limit), in bytes. */
export const MAX_EVENT_BYTES = 256 * 1024;

/**
 * What SQS said about a received message, kept next to the parsed event. (A Kinesis listener fills it
 * from the record: `messageId` is `shardId/sequenceNumber`, `body` the data as UTF-8, or base64 with
 * `decode: 'bytes'`, no attributes.)
 */
export interface RawMessage {
  readonly messageId: string;
  /** The body exactly as received. */
  readonly body: string;
  /** System attributes (SentTimestamp, ApproximateReceiveCount, AWSTraceHeader, ...). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Message attributes, when the sender set any (e.g. a raw SQS send). */
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  /** The X-Ray trace header EventBridge passed along (`AWSTraceHeader`), when there is one. */
  readonly traceHeader: string | undefined;
  /** How many times SQS delivered this message (1 unless a delete was lost). */
  readonly receiveCount: number;
}

/** One received event with its raw message. */
export interface ReceivedEvent<TEvent = unknown> {
  /** The event id used for de-duplication: the envelope's `id`, else the SQS MessageId. */
  readonly id: string;
  /**
   * The body: the parsed JSON (an EventBridge envelope, or whatever an input transformation made of
   * it), or the body text itself when it is not JSON (`format: 'text'`).
   */
  readonly event: TEvent;
  readonly format: 'json' | 'text';
  /** Body size in bytes (UTF-8). */
  readonly size: number;
  /** When the listener received it (probe clock, ms since epoch). */
  readonly receivedAt: number;
  readonly raw: RawMessage;
}

/** The envelope id of an EventBridge event, if `value` looks like one. */
const envelopeId = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && 'detail-type' in v && 'source' in v ? v.id : undefined;
};

/** Turns an SQS message into a received event. Never throws: bodies that are not JSON are kept as text. */
export const parseMessage = <TEvent>(message: Message, receivedAt: number): ReceivedEvent<TEvent> => {
  const body = message.Body ?? '';
  const messageId = message.MessageId ?? `no-id-${receivedAt}-${Math.random().toString(36).slice(2)}`;
  let event: unknown = body;
  let format: 'json' | 'text' = 'text';
  try {
    event = JSON.parse(body);
    format = 'json';
  } catch {
    // Not JSON (e.g. a constant Input string, or a raw send): keep the text.
  }
  const attributes: Record<string, string> = { ...(message.Attributes ?? {}) };
  const receiveCount = Number(attributes.ApproximateReceiveCount ?? '1');
  return {
    id: envelopeId(event) ?? messageId,
    event: event as TEvent,
    format,
    size: Buffer.byteLength(body, 'utf8'),
    receivedAt,
    raw: {
      messageId,
      body,
      attributes,
      messageAttributes: { ...(message.MessageAttributes ?? {}) },
      traceHeader: attributes.AWSTraceHeader,
      receiveCount: Number.isFinite(receiveCount) ? receiveCount : 1,
    },
  };
};
