/**
 * The order-flow example app: an order service and a delivery worker. In production these would
 * be Lambda functions; here they run in-process against whatever endpoint the SDK is configured for.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { XRayClient } from '@aws-sdk/client-xray';
import { startSegment } from './tracing.js';

export interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly price: number }[];
}

/** What the rule's input transformer hands the delivery worker. */
export interface DeliveryRequest {
  readonly orderId: string;
  readonly customer: string;
  readonly total: number;
  readonly kind: 'delivery-request';
}

export class InvalidOrderError extends Error {
  override name = 'InvalidOrderError';
}

/**
 * Validates an order and publishes OrderPlaced, traced with X-Ray. Invalid orders publish nothing.
 * Returns the tracing header of the order's trace.
 */
export const placeOrder = async (
  clients: { readonly eventBridge: EventBridgeClient; readonly xray: XRayClient },
  eventBusName: string,
  order: Order,
): Promise<string> => {
  const segment = startSegment(clients.xray, 'orders-service', 'AWS::Lambda::Function');
  try {
    if (order.items.length === 0 || order.items.some((i) => i.quantity <= 0)) {
      throw new InvalidOrderError(`order ${order.orderId} has no items or a non-positive quantity`);
    }
    const total = order.items.reduce((sum, i) => sum + i.quantity * i.price, 0);
    const result = await clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName,
            Source: 'orders.service',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify({
              orderId: order.orderId,
              customer: order.customer,
              items: order.items,
              total,
            }),
            // EventBridge carries the header to its targets (SQS: the AWSTraceHeader attribute).
            TraceHeader: segment.header,
          },
        ],
      }),
    );
    if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
    await segment.end();
    return segment.header;
  } catch (err) {
    await segment.end(err);
    throw err;
  }
};

/** The delivery worker: consumes delivery requests and publishes DeliveryScheduled. */
export const startDeliveryWorker = (options: {
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  readonly xray: XRayClient;
  readonly queueUrl: string;
  readonly eventBusName: string;
}): { stop(): Promise<void> } => {
  const aborter = new AbortController();
  const loop = (async () => {
    while (!aborter.signal.aborted) {
      let messages: Message[] | undefined;
      try {
        ({ Messages: messages } = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            WaitTimeSeconds: 20,
            MaxNumberOfMessages: 10,
            MessageSystemAttributeNames: ['AWSTraceHeader'],
          }),
          { abortSignal: aborter.signal },
        ));
      } catch (err) {
        if (aborter.signal.aborted) return;
        throw err;
      }
      for (const message of messages ?? []) {
        const segment = startSegment(
          options.xray,
          'delivery-worker',
          'AWS::Lambda::Function',
          message.Attributes?.AWSTraceHeader,
        );
        const request = JSON.parse(message.Body ?? '{}') as DeliveryRequest;
        const deliveryDate = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
        await options.eventBridge.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: options.eventBusName,
                Source: 'delivery.worker',
                DetailType: 'DeliveryScheduled',
                Detail: JSON.stringify({
                  orderId: request.orderId,
                  customer: request.customer,
                  deliveryDate,
                }),
              },
            ],
          }),
        );
        await options.sqs.send(
          new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        await segment.end();
      }
    }
  })();
  return {
    stop: async () => {
      aborter.abort();
      await loop.catch(() => undefined);
    },
  };
};
