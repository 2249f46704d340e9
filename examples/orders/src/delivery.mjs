// The delivery function: for each delivery request on the queue, writes a delivery record to
// TABLE_NAME and publishes DeliveryScheduled. A request it cannot serve is reported as a batch item
// failure: SQS redelivers it, and after the queue's maxReceiveCount it moves to the dead-letter queue.
// SQS delivers at least once: the record is written only if absent, and a request already scheduled
// publishes nothing again (so DeliveryScheduled, which starts the fulfilment, is published once).
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

const db = new DynamoDBClient({});
const events = new EventBridgeClient({});

/** Postcodes no courier serves. */
const UNSERVED = /^0/;

const schedule = async (request) => {
  if (UNSERVED.test(request.postcode)) throw new Error(`no courier serves postcode ${request.postcode}`);
  const deliveryDate = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  try {
    await db.send(
      new PutItemCommand({
        TableName: process.env.TABLE_NAME,
        Item: {
          orderId: { S: request.orderId },
          customer: { S: request.customer },
          postcode: { S: request.postcode },
          total: { N: String(request.total) },
          deliveryDate: { S: deliveryDate },
          status: { S: 'SCHEDULED' },
        },
        ConditionExpression: 'attribute_not_exists(orderId)',
      }),
    );
  } catch (err) {
    if (err.name !== 'ConditionalCheckFailedException') throw err;
    console.log(`delivery for ${request.orderId} is already scheduled`);
    return;
  }
  const { FailedEntryCount } = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: process.env.EVENT_BUS_NAME,
          Source: 'delivery.service',
          DetailType: 'DeliveryScheduled',
          Detail: JSON.stringify({
            orderId: request.orderId,
            deliveryDate,
            postcode: request.postcode,
            total: request.total,
          }),
        },
      ],
    }),
  );
  if (FailedEntryCount) throw new Error(`DeliveryScheduled was not published for ${request.orderId}`);
};

export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      await schedule(JSON.parse(record.body));
      console.log(`scheduled delivery for message ${record.messageId}`);
    } catch (err) {
      console.log(`could not schedule message ${record.messageId}: ${err.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
