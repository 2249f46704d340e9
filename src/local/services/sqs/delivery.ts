import type { Emulator } from '../../core/emulator.js';
import { AwsError } from '../../core/errors.js';
import { enqueue, type SqsState } from './model.js';
import { evaluatePolicy } from './policy.js';

export interface InboundMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string; // base64
}

/** A message another service (EventBridge, SNS) sends to a queue. */
export interface InboundMessage {
  readonly body: string;
  readonly messageAttributes?: Readonly<Record<string, InboundMessageAttribute>>;
  /** Becomes the AWSTraceHeader system attribute. */
  readonly traceHeader?: string;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

/** Who sends: checked against the queue's Policy like AWS does (Principal service, Action, aws:SourceArn/SourceAccount). */
export interface DeliveryOrigin {
  /** e.g. `events.amazonaws.com`, `sns.amazonaws.com`. */
  readonly principal: string;
  /** The rule or topic ARN (aws:SourceArn). */
  readonly sourceArn: string;
  /** aws:SourceAccount; defaults to the emulator's account. */
  readonly sourceAccount?: string;
}

export type DeliveryResult =
  | { readonly ok: true; readonly messageId: string }
  | {
      readonly ok: false;
      readonly reason: 'QueueDoesNotExist' | 'AccessDenied' | 'InvalidMessage';
      readonly message: string;
    };

const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/;

/** The SenderId SQS reports for messages a service principal sent (stable per principal). */
const serviceSenderId = (principal: string): string =>
  `AIDA${Buffer.from(principal).toString('hex').toUpperCase().slice(0, 17).padEnd(17, '0')}`;

/**
 * Enqueues a message from another service into the queue with this ARN (any region of the
 * emulator's account). The queue's Policy must allow the service principal to sqs:SendMessage
 * (conditions on aws:SourceArn / aws:SourceAccount honoured; an explicit Deny wins; no policy
 * means AccessDenied, as for any service principal on AWS). Wakes long polls on the queue.
 */
export const deliverToQueue = (
  emulator: Emulator,
  queueArn: string,
  message: InboundMessage,
  origin: DeliveryOrigin,
): DeliveryResult => {
  const m = QUEUE_ARN.exec(queueArn);
  const missing = {
    ok: false,
    reason: 'QueueDoesNotExist',
    message: `Queue ${queueArn} does not exist.`,
  } as const;
  if (!m || m[2] !== emulator.accountId || !emulator.service('sqs')) return missing;
  const state = emulator.state<SqsState>('sqs', m[1] as string);
  const queue = state.queues.get(m[3] as string);
  if (!queue) return missing;
  const decision = evaluatePolicy(queue.attributes.Policy, {
    principal: { service: origin.principal },
    action: 'sqs:SendMessage',
    resource: queue.arn,
    context: {
      'aws:sourcearn': origin.sourceArn,
      'aws:sourceaccount': origin.sourceAccount ?? emulator.accountId,
    },
  });
  if (decision !== 'allow') {
    return {
      ok: false,
      reason: 'AccessDenied',
      message: `${origin.principal} is not authorized to perform sqs:SendMessage on ${queue.arn} for source ${origin.sourceArn} (${decision === 'deny' ? 'explicit deny' : 'no statement allows it'} in the queue policy).`,
    };
  }
  try {
    const result = enqueue(
      queue,
      {
        body: message.body,
        messageAttributes: message.messageAttributes,
        traceHeader: message.traceHeader,
        groupId: message.messageGroupId,
        deduplicationId: message.messageDeduplicationId,
        senderId: serviceSenderId(origin.principal),
      },
      emulator.now(),
      emulator.realism,
    );
    return { ok: true, messageId: result.MessageId };
  } catch (err) {
    /* v8 ignore next -- enqueue only throws AwsErrors */
    if (!(err instanceof AwsError)) throw err;
    return { ok: false, reason: 'InvalidMessage', message: `${err.code}: ${err.message}` };
  }
};
