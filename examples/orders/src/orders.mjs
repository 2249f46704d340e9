// The orders function: validates an order, prices it, and publishes OrderPlaced to EVENT_BUS_NAME.
// An invalid order is refused (accepted: false) and publishes nothing.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

const events = new EventBridgeClient({});

const problem = (order) => {
  if (typeof order?.orderId !== 'string' || order.orderId === '') return 'orderId is required';
  if (typeof order.customer !== 'string' || order.customer === '') return 'customer is required';
  if (!/^\d{5}$/.test(String(order.postcode))) return 'postcode must be 5 digits';
  if (!Array.isArray(order.items) || order.items.length === 0) return 'an order needs at least one item';
  for (const item of order.items) {
    if (!(item.quantity > 0) || !(item.price >= 0))
      return `item ${item.sku}: quantity and price must be positive`;
  }
  return undefined;
};

export const handler = async (order) => {
  const reason = problem(order);
  if (reason) {
    console.log(`refused order ${order?.orderId}: ${reason}`);
    return { accepted: false, reason };
  }
  const total = order.items.reduce((sum, item) => sum + item.quantity * item.price, 0);
  const { FailedEntryCount, Entries } = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: process.env.EVENT_BUS_NAME,
          Source: 'orders.service',
          DetailType: 'OrderPlaced',
          Detail: JSON.stringify({
            orderId: order.orderId,
            customer: order.customer,
            postcode: order.postcode,
            total,
          }),
        },
      ],
    }),
  );
  if (FailedEntryCount) throw new Error(`OrderPlaced was not published: ${Entries?.[0]?.ErrorMessage}`);
  console.log(`placed order ${order.orderId} (total ${total})`);
  return { accepted: true, orderId: order.orderId, total, eventId: Entries?.[0]?.EventId };
};
