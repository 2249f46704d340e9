/**
 * The order flow's fulfilment step, tested the way a user of eventprobe tests it: the app's own
 * EventBridge rule starts the state machine on DeliveryScheduled, so the suite finds the execution
 * by its input (the order id), asserts the states it went through, the Retry and the Catch, what the
 * functions stored and published, and the X-Ray trace from the orders function to the courier.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  assertExecutionPath,
  assertNoTraceErrors,
  assertTraceDuration,
  assertTracePath,
  ExecutionFailedError,
  type ExecutionResult,
  parseTraceHeader,
  withTracing,
} from 'eventprobe';
import { useProbe } from 'eventprobe/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordFunctionLogsOnFailure } from '../function-logs.js';

const STACK = 'eventprobe-example-orders';
const skipped = inject('examplesMissing').includes(STACK);
const lambda = new LambdaClient({});
// Every Invoke of the orders function starts a new sampled trace, continued by the whole flow.
const tracing = withTracing(lambda);
const probe = useProbe({ tags: { suite: 'example-orders-fulfilment' }, clients: { lambda } });

/** The execution's input: the DeliveryScheduled event's detail (the rule's InputPath). */
interface Delivery {
  readonly orderId: string;
  readonly deliveryDate: string;
  readonly postcode: string;
  readonly total: number;
}

type OutputName =
  | 'EventBusName'
  | 'OrdersFunctionName'
  | 'DeliveryFunctionName'
  | 'DeliveriesTableName'
  | 'FulfilmentStateMachineArn'
  | 'FulfilmentStateMachineName'
  | 'ReserveStockFunctionName'
  | 'ShipOrderFunctionName'
  | 'ReleaseStockFunctionName';
let out: Record<OutputName, string>;

beforeAll(async () => {
  if (skipped) return;
  out = await probe.getStackOutputs(STACK, [
    'EventBusName',
    'OrdersFunctionName',
    'DeliveryFunctionName',
    'DeliveriesTableName',
    'FulfilmentStateMachineArn',
    'FulfilmentStateMachineName',
    'ReserveStockFunctionName',
    'ShipOrderFunctionName',
    'ReleaseStockFunctionName',
  ]);
});

recordFunctionLogsOnFailure(() =>
  out
    ? [
        out.DeliveryFunctionName,
        out.ReserveStockFunctionName,
        out.ShipOrderFunctionName,
        out.ReleaseStockFunctionName,
      ]
    : [],
);

afterAll(() => {
  lambda.destroy();
});

const newOrderId = () => `order-${Math.random().toString(36).slice(2, 10)}`;

/** Places an order (as the app's API would) for `price`; returns its id and the trace header sent. */
const placeOrder = async (
  postcode: string,
  price: number,
): Promise<{ orderId: string; traceHeader: string }> => {
  const orderId = newOrderId();
  const result = await probe.invoke<{ accepted: boolean }>({
    functionName: out.OrdersFunctionName,
    payload: { orderId, customer: 'margaret', postcode, items: [{ sku: 'lamp', quantity: 1, price }] },
  });
  expect(result.accepted).toBe(true);
  return { orderId, traceHeader: tracing.lastTraceHeader as string };
};

/** The fulfilment execution the app's rule started for an order: found by its input, waited for to end. */
const fulfilmentOf = (
  orderId: string,
  status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED',
): Promise<ExecutionResult> =>
  probe.waitForExecution<Delivery>({
    stateMachineArn: out.FulfilmentStateMachineArn,
    match: { orderId },
    status,
    timeout: 30_000,
  });

describe.skipIf(skipped)(
  `order fulfilment (Step Functions) on ${inject('examplesTarget')}${skipped ? ` (skipped: ${STACK} is not deployed)` : ''}`,
  () => {
    it('DeliveryScheduled starts the fulfilment: stock reserved, courier booked, in that order', async () => {
      const { orderId } = await placeOrder('10115', 40);
      const execution = await fulfilmentOf(orderId);
      // The states it entered, exactly and in order (the matcher and the function say the same).
      expect(execution).toHaveExecutionPath(['ReserveStock', 'StockReserved?', 'ShipOrder', 'Shipped']);
      assertExecutionPath(execution.history, ['ReserveStock', 'ShipOrder'], { exact: false });
      // Its input is what the rule's InputPath handed it; its output, what the tasks added.
      expect(execution.input).toEqual({
        orderId,
        deliveryDate: expect.any(String),
        postcode: '10115',
        total: 40,
      });
      expect(execution.output).toMatchObject({
        orderId,
        stock: { status: 'RESERVED', warehouse: 'berlin' },
        shipment: { courier: 'ParcelCo', trackingNumber: `PC-${orderId}` },
      });
      expect(execution.failures).toEqual([]);
      // What the functions stored on the delivery record.
      await expect(probe).toHaveItem({
        tableName: out.DeliveriesTableName,
        key: { orderId },
        match: {
          status: 'SCHEDULED',
          stock: 'RESERVED',
          fulfilment: 'SHIPPED',
          trackingNumber: `PC-${orderId}`,
        },
      });
    });

    it('a busy depot: the ShipOrder state’s Retry books the courier again, and the order ships', async () => {
      const { orderId } = await placeOrder('20095', 40);
      const execution = await fulfilmentOf(orderId);
      // A retried state is entered once; its history shows the failed attempt before the success.
      expect(execution).toHaveExecutionPath(['ReserveStock', 'StockReserved?', 'ShipOrder', 'Shipped']);
      expect(execution.failures).toEqual([
        {
          state: 'ShipOrder',
          type: 'TaskFailed',
          error: 'CourierBusy',
          cause: expect.stringContaining('the depot for 20095 is at capacity'),
        },
      ]);
      expect(execution.history.filter((e) => e.type === 'TaskSucceeded')).toHaveLength(2);
      await expect(probe).toHaveItem({
        tableName: out.DeliveriesTableName,
        key: { orderId },
        match: { fulfilment: 'SHIPPED', bookingAttempts: 2 },
      });
    });

    it('a parcel the courier refuses takes the Catch path: stock released, FulfilmentFailed published', async () => {
      await using failures = await probe.addListener<{ orderId: string; error: string }>({
        eventBusName: out.EventBusName,
        eventPattern: { source: ['fulfilment.service'], 'detail-type': ['FulfilmentFailed'] },
      });
      const { orderId } = await placeOrder('10115', 1_500);
      // Waiting for success fails with the failed state, its error and cause, and the path.
      const err = await fulfilmentOf(orderId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExecutionFailedError);
      expect(err).toMatchObject({
        status: 'FAILED',
        failedState: 'FulfilmentFailed',
        error: 'FulfilmentFailed',
      });
      expect((err as ExecutionFailedError).path).toEqual([
        'ReserveStock',
        'StockReserved?',
        'ShipOrder',
        'ReleaseStock',
        'NotifyFailure',
        'FulfilmentFailed',
      ]);
      // The Fail state's cause is the caught error's (its CausePath): the function's own message.
      expect((err as ExecutionFailedError).errorCause).toContain(
        "exceeds the courier's insurance limit of 1000",
      );
      // The task that failed on the way (its state, the function's error type, its message):
      const rejected = {
        state: 'ShipOrder',
        type: 'TaskFailed',
        error: 'CourierRejected',
        cause: expect.stringContaining("exceeds the courier's insurance limit of 1000"),
      };
      expect((err as ExecutionFailedError).failures).toEqual([rejected]);
      expect((err as ExecutionFailedError).message).toContain('Failed tasks: ShipOrder (CourierRejected).');
      // Asked for, the failed end is the result; a refused parcel is not retried.
      const failed = await fulfilmentOf(orderId, 'FAILED');
      expect(failed).toHaveExecutionPath(['ShipOrder', 'ReleaseStock', 'NotifyFailure'], { exact: false });
      expect(failed).not.toHaveExecutionPath(['Shipped'], { exact: false });
      expect(failed).toMatchObject({ status: 'FAILED', error: 'FulfilmentFailed', failures: [rejected] });
      // The compensation ran, and the failure was published for the rest of the business.
      const event = await failures.waitForEvent((e) => e.detail.orderId === orderId, { timeout: 15_000 });
      expect(event.detail).toEqual({ orderId, error: 'CourierRejected' });
      await expect(probe).toHaveItem({
        tableName: out.DeliveriesTableName,
        key: { orderId },
        match: { stock: 'RELEASED', fulfilment: 'FAILED' },
      });
    });

    it('traces Step Functions -> Lambda, continuing the order’s trace from the orders function', async () => {
      const { orderId, traceHeader } = await placeOrder('10115', 25);
      const execution = await fulfilmentOf(orderId);
      // EventBridge passed the delivery function's trace on to the execution: one trace, end to end.
      expect(parseTraceHeader(execution.traceHeader as string).root).toBe(parseTraceHeader(traceHeader).root);
      const fn = (name: string) => [name, name];
      const tree = await probe.retryGetTraceTreeUntil(
        execution.traceHeader as string,
        (t) => {
          // The state machine's segment, then each Lambda function it invoked (the Lambda service's
          // segment and the function's), below the delivery function that published DeliveryScheduled.
          const upstream = ['AWS::Lambda', 'AWS::Lambda::Function', 'AWS::Lambda', 'AWS::Lambda::Function'];
          const fulfilment = ['AWS::StepFunctions::StateMachine', 'AWS::Lambda', 'AWS::Lambda::Function'];
          assertTracePath(t, [...upstream, ...fulfilment]);
          assertTracePath(t, fulfilment, { match: 'contains' });
          const names = [
            ...fn(out.OrdersFunctionName),
            ...fn(out.DeliveryFunctionName),
            out.FulfilmentStateMachineName,
          ];
          assertTracePath(t, [...names, ...fn(out.ReserveStockFunctionName)], { by: 'name' });
          assertTracePath(t, [...names, ...fn(out.ShipOrderFunctionName)], { by: 'name' });
          assertNoTraceErrors(t);
          // The app's SLA: an order is with the courier within 30 s of being placed.
          assertTraceDuration(t, { totalMs: 30_000 });
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(tree.complete).toBe(true);
      expect(tree.roots).toHaveLength(1);
      const machine = tree.segments.filter((s) => s.origin === 'AWS::StepFunctions::StateMachine');
      expect(machine.map((s) => s.name)).toEqual([out.FulfilmentStateMachineName]);
      expect(machine[0]?.childSegments.map((s) => s.name)).toEqual([
        out.ReserveStockFunctionName,
        out.ShipOrderFunctionName,
      ]);
    });
  },
);
