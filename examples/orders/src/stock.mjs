// The stock functions of the fulfilment state machine. reserve: reserves the order's stock at the
// warehouse that serves its postcode, once per order (a conditional write on the delivery record,
// so a repeated DeliveryScheduled reserves nothing twice). release: the compensation when the
// courier cannot take the parcel.
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});

/** The warehouse that serves a postcode (by its first digit). */
const warehouseFor = (postcode) => (/^[1-4]/.test(postcode) ? 'berlin' : 'munich');

export const reserve = async (delivery) => {
  const warehouse = warehouseFor(String(delivery.postcode));
  try {
    await db.send(
      new UpdateItemCommand({
        TableName: process.env.TABLE_NAME,
        Key: { orderId: { S: delivery.orderId } },
        UpdateExpression: 'SET stock = :reserved, warehouse = :warehouse',
        ConditionExpression: 'attribute_exists(orderId) AND attribute_not_exists(stock)',
        ExpressionAttributeValues: { ':reserved': { S: 'RESERVED' }, ':warehouse': { S: warehouse } },
      }),
    );
  } catch (err) {
    if (err.name !== 'ConditionalCheckFailedException') throw err;
    console.log(`stock for ${delivery.orderId} is already reserved`);
    return { status: 'ALREADY_RESERVED', warehouse };
  }
  console.log(`reserved stock for ${delivery.orderId} at ${warehouse}`);
  return { status: 'RESERVED', warehouse };
};

export const release = async (delivery) => {
  await db.send(
    new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { orderId: { S: delivery.orderId } },
      UpdateExpression: 'SET stock = :released, fulfilment = :failed',
      ExpressionAttributeValues: { ':released': { S: 'RELEASED' }, ':failed': { S: 'FAILED' } },
    }),
  );
  console.log(`released the stock of ${delivery.orderId}: ${delivery.failure?.Error}`);
  return { released: true };
};
