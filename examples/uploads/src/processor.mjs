// Records an uploaded file's metadata in TABLE_NAME, once per object version (EventBridge delivers
// at least once: a conditional put turns a duplicate delivery into a no-op), and publishes
// FileProcessed on the default bus for the first delivery only.
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

const db = new DynamoDBClient({});
const events = new EventBridgeClient({});

export const handler = async (event) => {
  const { bucket, object } = event.detail;
  try {
    await db.send(
      new PutItemCommand({
        TableName: process.env.TABLE_NAME,
        Item: {
          objectKey: { S: object.key },
          bucket: { S: bucket.name },
          size: { N: String(object.size) },
          etag: { S: object.etag },
          sequencer: { S: object.sequencer },
          notificationId: { S: event.id },
          processedAt: { S: new Date().toISOString() },
        },
        ConditionExpression: 'attribute_not_exists(objectKey) OR sequencer < :sequencer',
        ExpressionAttributeValues: { ':sequencer': { S: object.sequencer } },
      }),
    );
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      console.log(`already recorded ${object.key} (${object.sequencer}): notification ${event.id} ignored`);
      return { recorded: false };
    }
    throw err;
  }
  const { FailedEntryCount } = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'uploads.processor',
          DetailType: 'FileProcessed',
          Detail: JSON.stringify({
            bucket: bucket.name,
            key: object.key,
            size: object.size,
            etag: object.etag,
          }),
        },
      ],
    }),
  );
  if (FailedEntryCount) throw new Error(`FileProcessed was not published for ${object.key}`);
  console.log(`recorded ${object.key} (${object.size} bytes)`);
  return { recorded: true };
};
