/**
 * The order flow, tested the way a user of eventprobe would: read the deployed stack's outputs,
 * attach listeners, drive the system, and assert on what it emits.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';
import { assertNoTraceErrors, assertTracePath, type Listener, renderTraceTree } from 'eventprobe';
import { useProbe } from 'eventprobe/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DeliveryRequest, InvalidOrderError, placeOrder, startDeliveryWorker } from './app.js';

const STACK = 'eventprobe-example-orders';
// beforeAll: sweep leftovers of earlier (crashed) runs of this suite; afterAll: remove everything
// this run created (also on Ctrl-C).
const probe = useProbe({ tags: { suite: 'example-orders' } });
const eventBridge = new EventBridgeClient({});
const sqs = new SQSClient({});
const xray = new XRayClient({});
const clients = { eventBridge, xray };

let outputs: Record<string, string>;
let worker: { stop(): Promise<void> };

beforeAll(async () => {
  outputs = await probe.getStackOutputs(STACK, ['EventBusName', 'RuleName', 'DeliveryQueueUrl']);
  worker = startDeliveryWorker({
    sqs,
    eventBridge,
    xray,
    queueUrl: outputs.DeliveryQueueUrl as string,
    eventBusName: outputs.EventBusName as string,
  });
});

afterAll(async () => {
  await worker?.stop();
  eventBridge.destroy();
  sqs.destroy();
  xray.destroy();
});

const newOrderId = () => `order-${Math.random().toString(36).slice(2, 10)}`;

describe(`order flow on ${inject('examplesTarget')}`, () => {
  it('routes OrderPlaced to the delivery worker with the rule input transformation', async () => {
    // With targetId, the listener's queue receives exactly what the worker's queue receives.
    await using requests = (await probe.addListener({
      eventBusName: outputs.EventBusName as string,
      ruleName: outputs.RuleName as string,
      targetId: 'Target0',
    })) as Listener<unknown, DeliveryRequest>;
    const orderId = newOrderId();
    await placeOrder(clients, outputs.EventBusName as string, {
      orderId,
      customer: 'ada',
      items: [
        { sku: 'kettle', quantity: 1, price: 40 },
        { sku: 'mug', quantity: 2, price: 8 },
      ],
    });
    const request = await requests.waitForEvent((r) => r.orderId === orderId, { timeout: 10_000 });
    expect(request).toEqual({ orderId, customer: 'ada', total: 56, kind: 'delivery-request' });
    // The same, as a matcher (a subset of the event; asymmetric matchers work):
    await expect(requests).toReceiveEvent({ orderId, total: expect.any(Number) });
  });

  it('schedules a delivery for every placed order', async () => {
    await using deliveries = await probe.addListener<{ orderId: string; deliveryDate: string }>({
      eventBusName: outputs.EventBusName as string,
      eventPattern: { source: ['delivery.worker'], 'detail-type': ['DeliveryScheduled'] },
    });
    const orderIds = [newOrderId(), newOrderId(), newOrderId()];
    for (const orderId of orderIds) {
      await placeOrder(clients, outputs.EventBusName as string, {
        orderId,
        customer: 'grace',
        items: [{ sku: 'book', quantity: 1, price: 12 }],
      });
    }
    const events = await deliveries.waitForEvents((e) => orderIds.includes(e.detail.orderId), {
      count: 3,
      timeout: 15_000,
    });
    expect(events.map((e) => e.detail.orderId).sort()).toEqual([...orderIds].sort());
    for (const event of events) {
      expect(event['detail-type']).toBe('DeliveryScheduled');
      expect(event.detail.deliveryDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('traces the flow from the order service to the delivery worker', async () => {
    const traceHeader = await placeOrder(clients, outputs.EventBusName as string, {
      orderId: newOrderId(),
      customer: 'barbara',
      items: [{ sku: 'lamp', quantity: 1, price: 30 }],
    });
    // X-Ray is eventually consistent: retry (with a sleep) until the tree is complete and passes.
    const tree = await probe.retryGetTraceTreeUntil(
      traceHeader,
      (t) => {
        assertTracePath(t, ['orders-service', 'delivery-worker'], { by: 'name' });
        assertNoTraceErrors(t);
      },
      { timeout: 20_000, interval: 500 },
    );
    expect(tree.complete).toBe(true);
    // The waterfall, as assertion failures print it:
    expect(renderTraceTree(tree)).toMatch(/orders-service[\s\S]*delivery-worker/);
  });

  it('publishes nothing for an invalid order', async () => {
    await using placed = await probe.addListener<{ orderId: string }>({
      eventBusName: outputs.EventBusName as string,
      ruleName: outputs.RuleName as string,
    });
    const orderId = newOrderId();
    await expect(
      placeOrder(clients, outputs.EventBusName as string, { orderId, customer: 'linus', items: [] }),
    ).rejects.toBeInstanceOf(InvalidOrderError);
    await placed.expectNoEvent((e) => e.detail.orderId === orderId, { within: 2_000 });
    // ...or, as a matcher: waits the whole window and fails naming the event if one arrives.
    await expect(placed).not.toReceiveEvent({ detail: { orderId } }, { timeout: 500 });
  });
});
