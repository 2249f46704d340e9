/**
 * The order flow, tested the way a user of eventprobe tests their app: read the deployed stack's
 * outputs, attach listeners, invoke the orders function, and assert on what the system emits, what
 * it stores, and the X-Ray trace of the whole flow.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  assertNoTraceErrors,
  assertTraceDuration,
  assertTracePath,
  type Listener,
  renderTraceTree,
  withTracing,
} from 'eventprobe';
import { useProbe } from 'eventprobe/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordFunctionLogsOnFailure } from '../function-logs.js';

const STACK = 'eventprobe-example-orders';
const skipped = inject('examplesMissing').includes(STACK);
// beforeAll: sweep leftovers of earlier (crashed) runs of this suite; afterAll: remove everything
// this run created (also on Ctrl-C).
// The probe invokes the functions with this client: every Invoke carries a sampled X-Amzn-Trace-Id
// with a new root, so the trace id is known up front.
const lambda = new LambdaClient({});
const tracing = withTracing(lambda);
const probe = useProbe({ tags: { suite: 'example-orders' }, clients: { lambda } });

/** What the rule's input transformer hands the delivery queue. */
interface DeliveryRequest {
  readonly orderId: string;
  readonly customer: string;
  readonly postcode: string;
  readonly total: number;
  readonly kind: 'delivery-request';
}

interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly postcode: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly price: number }[];
}

type OutputName =
  | 'EventBusName'
  | 'RuleName'
  | 'OrdersFunctionName'
  | 'DeliveryFunctionName'
  | 'DeliveriesTableName'
  | 'DeadLetterQueueUrl';
let out: Record<OutputName, string>;
/** The delivery function's queue (the rule's target; its redrive policy names the dead-letter queue). */
let deliveryQueueUrl: string;

beforeAll(async () => {
  if (skipped) return;
  out = await probe.getStackOutputs(STACK, [
    'EventBusName',
    'RuleName',
    'OrdersFunctionName',
    'DeliveryFunctionName',
    'DeliveriesTableName',
    'DeadLetterQueueUrl',
  ]);
  deliveryQueueUrl = await probe.getPhysicalIdFromStack('DeliveryQueue', STACK);
});

recordFunctionLogsOnFailure(() => (out ? [out.OrdersFunctionName, out.DeliveryFunctionName] : []));

afterAll(() => {
  lambda.destroy();
});

const newOrderId = () => `order-${Math.random().toString(36).slice(2, 10)}`;
const order = (overrides: Partial<Order> = {}): Order => ({
  orderId: newOrderId(),
  customer: 'ada',
  postcode: '10115',
  items: [
    { sku: 'kettle', quantity: 1, price: 40 },
    { sku: 'mug', quantity: 2, price: 8 },
  ],
  ...overrides,
});

/**
 * Invokes the orders function (as the app's API would); returns its answer and the trace header sent.
 * A function error fails the test with the function's error, stack and log tail (FunctionError).
 */
const placeOrder = async (
  o: Order,
): Promise<{ result: { accepted: boolean; reason?: string }; traceHeader: string }> => {
  const result = await probe.invoke<{ accepted: boolean; reason?: string }>({
    functionName: out.OrdersFunctionName,
    payload: o,
  });
  return { result, traceHeader: tracing.lastTraceHeader as string };
};

describe.skipIf(skipped)(
  `order flow on ${inject('examplesTarget')}${skipped ? ` (skipped: ${STACK} is not deployed)` : ''}`,
  () => {
    it('routes OrderPlaced to the delivery queue with the rule target’s input transformation', async () => {
      // With targetId, the listener's queue receives exactly what the delivery queue receives.
      await using requests = (await probe.addListener({
        eventBusName: out.EventBusName,
        ruleName: out.RuleName,
        targetId: 'DeliveryQueue',
      })) as Listener<unknown, DeliveryRequest>;
      const placed = order();
      const { result } = await placeOrder(placed);
      expect(result).toMatchObject({ accepted: true, total: 56 });
      const request = await requests.waitForEvent((r) => r.orderId === placed.orderId, { timeout: 10_000 });
      expect(request).toEqual({
        orderId: placed.orderId,
        customer: 'ada',
        postcode: '10115',
        total: 56,
        kind: 'delivery-request',
      });
      // The same, as a matcher (a subset of the event; asymmetric matchers work):
      await expect(requests).toReceiveEvent({ orderId: placed.orderId, total: expect.any(Number) });
    });

    it('schedules a delivery: a record in the table and DeliveryScheduled on the bus', async () => {
      // Only this test's invocations count for expectNoFunctionErrors (the poison test fails on purpose).
      const since = Date.now();
      await using scheduled = await probe.addListener<{ orderId: string; deliveryDate: string }>({
        eventBusName: out.EventBusName,
        eventPattern: { source: ['delivery.service'], 'detail-type': ['DeliveryScheduled'] },
      });
      const orders = [order(), order({ customer: 'grace' }), order({ customer: 'linus' })];
      for (const o of orders) await placeOrder(o);
      const events = await scheduled.waitForEvents(
        (e) => orders.some((o) => o.orderId === e.detail.orderId),
        { count: orders.length, timeout: 15_000 },
      );
      expect(events.map((e) => e.detail.orderId).sort()).toEqual(orders.map((o) => o.orderId).sort());
      for (const o of orders) {
        const event = events.find((e) => e.detail.orderId === o.orderId);
        // Strongly consistent reads until the record exists and matches; returned unmarshalled.
        const record = await probe.waitForItem({
          tableName: out.DeliveriesTableName,
          key: { orderId: o.orderId },
          match: { customer: o.customer, total: 56, status: 'SCHEDULED' },
          timeout: 10_000,
        });
        expect(record).toMatchObject({ deliveryDate: event?.detail.deliveryDate });
      }
      // The same, as a matcher (it polls too; a failure says what the table holds):
      const [first] = orders as [Order];
      await expect(probe).toHaveItem({
        tableName: out.DeliveriesTableName,
        key: { orderId: first.orderId },
        match: { status: 'SCHEDULED' },
      });
      // Neither function logged an error, a timeout or a runtime failure during this test.
      await probe.expectNoFunctionErrors({ functionName: out.OrdersFunctionName, since });
      await probe.expectNoFunctionErrors({ functionName: out.DeliveryFunctionName, since });
    });

    it('traces the flow: orders function -> EventBridge -> SQS -> delivery function, within its SLA', async () => {
      const { traceHeader } = await placeOrder(order({ customer: 'barbara' }));
      // X-Ray is eventually consistent: retry (with a sleep) until the tree is complete and passes.
      const tree = await probe.retryGetTraceTreeUntil(
        traceHeader,
        (t) => {
          // Each traced invocation records the Lambda service's segment and the function's; the
          // delivery function's invocation continues the trace the SQS message carried
          // (AWSTraceHeader, set by EventBridge from the orders function's PutEvents call).
          assertTracePath(
            t,
            ['AWS::Lambda', 'AWS::Lambda::Function', 'AWS::Lambda', 'AWS::Lambda::Function'],
            {
              by: 'origin',
              match: 'prefix',
            },
          );
          assertTracePath(
            t,
            [
              out.OrdersFunctionName,
              out.OrdersFunctionName,
              out.DeliveryFunctionName,
              out.DeliveryFunctionName,
            ],
            { by: 'name', match: 'prefix' },
          );
          assertNoTraceErrors(t);
          // The SLA: an order is scheduled for delivery within 15 s of being placed.
          assertTraceDuration(t, { totalMs: 15_000 });
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(tree.complete).toBe(true);
      // The waterfall, as assertion failures print it:
      expect(renderTraceTree(tree)).toMatch(/OrdersFunction[\s\S]*DeliveryFunction/);
    });

    it('a poison order (an unserved postcode) ends in the dead-letter queue, after its retries', async () => {
      // The dead-letter queue is found from the delivery queue's redrive policy; messages already
      // there (earlier runs) do not count, and reading does not consume them.
      const deadLetters = await probe.watchDeadLetters({ queueUrl: deliveryQueueUrl });
      expect(deadLetters.deadLetterQueueUrl).toBe(out.DeadLetterQueueUrl);
      const poison = order({ postcode: '01234' });
      const { result } = await placeOrder(poison);
      expect(result.accepted).toBe(true);
      const [dead] = await deadLetters.waitForMessages({
        match: (m) => (m.json as { orderId?: string } | undefined)?.orderId === poison.orderId,
        timeout: 30_000,
        interval: 200,
      });
      expect(dead?.json).toMatchObject({ orderId: poison.orderId, postcode: '01234' });
      // No delivery record for it, and none appears afterwards (strongly consistent reads).
      await probe.expectNoItem({
        tableName: out.DeliveriesTableName,
        key: { orderId: poison.orderId },
        within: 1_000,
      });
    });

    it('an invalid order is refused and publishes nothing', async () => {
      await using placed = await probe.addListener<{ orderId: string }>({
        eventBusName: out.EventBusName,
        ruleName: out.RuleName,
      });
      const invalid = order({ items: [] });
      const { result } = await placeOrder(invalid);
      expect(result).toEqual({ accepted: false, reason: 'an order needs at least one item' });
      await placed.expectNoEvent((e) => e.detail.orderId === invalid.orderId, { within: 2_000 });
      // ...or, as a matcher: waits the whole window and fails naming the event if one arrives.
      await expect(placed).not.toReceiveEvent({ detail: { orderId: invalid.orderId } }, { timeout: 500 });
    });
  },
);
