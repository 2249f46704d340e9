import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, expect, it } from 'vitest';
import { useProbe } from '../../src/vitest.js';
import { startTestAws } from '../support/aws.js';

const aws = await startTestAws();
afterAll(() => aws.close()); // registered first: runs after useProbe's cleanup
const probe = useProbe({ ...aws.clientConfig, sweep: false, artifacts: false });

it('useProbe hands out DynamoDB stream and S3 listeners tagged with the test and fitted to it', async () => {
  const db = new DynamoDBClient(aws.clientConfig);
  await db.send(
    new CreateTableCommand({
      TableName: 'fitted',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  await waitUntilTableExists({ client: db, minDelay: 1, maxWaitTime: 30 }, { TableName: 'fitted' });
  const s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'fitted' }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'fitted',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );
  const changes = await probe.addDynamoDbStreamListener({ tableName: 'fitted' });
  const objects = await probe.addS3Listener({ bucket: 'fitted' });
  await db.send(new PutItemCommand({ TableName: 'fitted', Item: { id: { S: 'a' } } }));
  await s3.send(new PutObjectCommand({ Bucket: 'fitted', Key: 'a', Body: 'a' }));
  expect((await changes.waitForEvent()).keys).toEqual({ id: 'a' });
  expect((await objects.waitForEvent()).detail.object.key).toBe('a');
  // A window longer than the test is refused at once (the listener is fitted to the test).
  await expect(changes.expectNoEvent(undefined, { within: 120_000 })).rejects.toThrow(
    /would outlive the test/,
  );
  db.destroy();
  s3.destroy();
}, 30_000);
