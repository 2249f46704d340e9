// The ship-order function of the fulfilment state machine: books the courier for a delivery and
// records the tracking number on the delivery record.
// - The depot for 2xxxx postcodes is at capacity on a first booking (CourierBusy): the state
//   machine's Retry books again.
// - The courier insures parcels up to 1 000: a dearer one is refused (CourierRejected), which the
//   state machine catches (release the stock, publish FulfilmentFailed).
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});

const INSURED_UP_TO = 1_000;

class CourierBusy extends Error {
  name = 'CourierBusy';
}

class CourierRejected extends Error {
  name = 'CourierRejected';
}

/** Counts this booking attempt on the delivery record; returns the count. */
const countAttempt = async (orderId) => {
  const { Attributes } = await db.send(
    new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { orderId: { S: orderId } },
      UpdateExpression: 'ADD bookingAttempts :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(Attributes.bookingAttempts.N);
};

export const handler = async (delivery) => {
  if (delivery.total > INSURED_UP_TO) {
    throw new CourierRejected(
      `parcel value ${delivery.total} for ${delivery.orderId} exceeds the courier's insurance limit of ${INSURED_UP_TO}`,
    );
  }
  const attempt = await countAttempt(delivery.orderId);
  if (/^2/.test(String(delivery.postcode)) && attempt === 1) {
    throw new CourierBusy(`the depot for ${delivery.postcode} is at capacity; try again`);
  }
  const trackingNumber = `PC-${delivery.orderId}`;
  await db.send(
    new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { orderId: { S: delivery.orderId } },
      UpdateExpression: 'SET fulfilment = :shipped, trackingNumber = :tracking',
      ExpressionAttributeValues: { ':shipped': { S: 'SHIPPED' }, ':tracking': { S: trackingNumber } },
    }),
  );
  console.log(`booked ${delivery.orderId} with ParcelCo (attempt ${attempt}): ${trackingNumber}`);
  return { courier: 'ParcelCo', trackingNumber };
};
