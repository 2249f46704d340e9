// Stores every record of a Kinesis batch in the table named by TABLE_NAME (key: batch, id).
// A record that is not a valid ingest record fails the whole invocation: the event source mapping
// then bisects the batch, retries, and sends what still fails to the on-failure destination.
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});

const parse = (record) => {
  const text = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
  const data = JSON.parse(text);
  if (typeof data.batch !== 'string' || typeof data.id !== 'string' || typeof data.amount !== 'number') {
    throw new TypeError(`malformed record ${record.kinesis.sequenceNumber}: ${text}`);
  }
  return {
    batch: { S: data.batch },
    id: { S: data.id },
    customer: { S: String(data.customer) },
    amount: { N: String(data.amount) },
    sequenceNumber: { S: record.kinesis.sequenceNumber },
  };
};

const writeAll = async (items) => {
  let requests = items.map((Item) => ({ PutRequest: { Item } }));
  while (requests.length > 0) {
    const chunk = requests.slice(0, 25);
    requests = requests.slice(25);
    const { UnprocessedItems } = await db.send(
      new BatchWriteItemCommand({ RequestItems: { [process.env.TABLE_NAME]: chunk } }),
    );
    requests.push(...(UnprocessedItems?.[process.env.TABLE_NAME] ?? []));
  }
};

export const handler = async (event) => {
  console.log(`batch of ${event.Records.length} records`);
  await writeAll(event.Records.map(parse));
};
