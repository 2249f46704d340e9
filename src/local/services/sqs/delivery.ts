// CONTRACT STUB — the SQS helper replaces the body with the real implementation; keep the signature.
import type { Emulator } from '../../core/emulator.js';

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

/** Enqueues a message from another service into the queue with this ARN (any region of the emulator's account). */
export const deliverToQueue = (
  emulator: Emulator,
  queueArn: string,
  message: InboundMessage,
  origin: DeliveryOrigin,
): DeliveryResult => {
  void emulator;
  void message;
  void origin;
  return { ok: false, reason: 'QueueDoesNotExist', message: `not implemented yet: ${queueArn}` };
};
