import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';
import { runNames } from '../support/names.js';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x';

describe('local SQS over the query protocol (form-encoded, XML)', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(() => aws.close());
  /** Queue names of this run: runs against one endpoint (EVENTPROBE_TEST_ENDPOINT) never collide. */
  const { name: queueName } = runNames();
  const queueUrl = (base: string): string => `${aws.endpoint}/000000000000/${queueName(base)}`;

  const call = async (params: Record<string, string>): Promise<{ status: number; xml: string }> => {
    const res = await fetch(`${aws.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: AUTH },
      body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
    });
    return { status: res.status, xml: await res.text() };
  };
  const tag = (xml: string, name: string): string | undefined =>
    new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

  it('creates a queue with attributes and tags, and answers in the 2012-11-05 namespace', async () => {
    const res = await call({
      Action: 'CreateQueue',
      QueueName: queueName('query-q'),
      'Attribute.1.Name': 'VisibilityTimeout',
      'Attribute.1.Value': '40',
      'Tag.1.Key': 'team',
      'Tag.1.Value': 'blue',
    });
    expect(res.status).toBe(200);
    expect(res.xml).toContain('<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">');
    expect(tag(res.xml, 'QueueUrl')).toBe(queueUrl('query-q'));
    expect(res.xml).toMatch(/<ResponseMetadata><RequestId>[0-9a-f-]+<\/RequestId><\/ResponseMetadata>/);
    const url = queueUrl('query-q');
    const attrs = await call({
      Action: 'GetQueueAttributes',
      QueueUrl: url,
      'AttributeName.1': 'VisibilityTimeout',
      'AttributeName.2': 'QueueArn',
    });
    expect(attrs.xml).toContain('<Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute>');
    expect(attrs.xml).toContain(
      `<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:${queueName('query-q')}</Value></Attribute>`,
    );
    const tags = await call({ Action: 'ListQueueTags', QueueUrl: url });
    expect(tags.xml).toContain('<Tag><Key>team</Key><Value>blue</Value></Tag>');
    await call({ Action: 'TagQueue', QueueUrl: url, 'Tag.1.Key': 'env', 'Tag.1.Value': 'dev' });
    await call({ Action: 'UntagQueue', QueueUrl: url, 'TagKey.1': 'team' });
    expect((await call({ Action: 'ListQueueTags', QueueUrl: url })).xml).toContain(
      '<ListQueueTagsResult><Tag><Key>env</Key><Value>dev</Value></Tag></ListQueueTagsResult>',
    );
    await call({
      Action: 'SetQueueAttributes',
      QueueUrl: url,
      'Attribute.1.Name': 'DelaySeconds',
      'Attribute.1.Value': '0',
    });
    const url2 = await call({ Action: 'GetQueueUrl', QueueName: queueName('query-q') });
    expect(tag(url2.xml, 'QueueUrl')).toBe(url);
    const dlq = await call({ Action: 'ListDeadLetterSourceQueues', QueueUrl: url });
    expect(dlq.xml).toContain('<ListDeadLetterSourceQueuesResponse');
    expect(dlq.xml).not.toContain('<QueueUrl>');
    await call({
      Action: 'CreateQueue',
      QueueName: queueName('query-src'),
      'Attribute.1.Name': 'RedrivePolicy',
      'Attribute.1.Value': JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${queueName('query-q')}`,
        maxReceiveCount: 2,
      }),
    });
    const sources = await call({ Action: 'ListDeadLetterSourceQueues', QueueUrl: url });
    expect(tag(sources.xml, 'QueueUrl')).toBe(queueUrl('query-src'));
    const list = await call({ Action: 'ListQueues', QueueNamePrefix: queueName('query-'), MaxResults: '1' });
    expect(list.xml).toContain(`<ListQueuesResult><QueueUrl>${url}</QueueUrl>`);
  });

  it('sends, receives (with attributes) and deletes messages', async () => {
    const url = queueUrl('query-msgs');
    await call({ Action: 'CreateQueue', QueueName: queueName('query-msgs') });
    const sent = await call({
      Action: 'SendMessage',
      QueueUrl: url,
      MessageBody: 'msg & <stuff>',
      'MessageAttribute.1.Name': 'Foo',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'Bar',
      'MessageAttribute.2.Name': 'Bin',
      'MessageAttribute.2.Value.DataType': 'Binary',
      'MessageAttribute.2.Value.BinaryValue': Buffer.from([1, 2]).toString('base64'),
      'MessageSystemAttribute.1.Name': 'AWSTraceHeader',
      'MessageSystemAttribute.1.Value.DataType': 'String',
      'MessageSystemAttribute.1.Value.StringValue': 'Root=1-abc',
    });
    expect(sent.status).toBe(200);
    expect(tag(sent.xml, 'MD5OfMessageBody')).toMatch(/^[0-9a-f]{32}$/);
    expect(tag(sent.xml, 'MD5OfMessageSystemAttributes')).toMatch(/^[0-9a-f]{32}$/);
    const got = await call({
      Action: 'ReceiveMessage',
      QueueUrl: url,
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'All',
      'MessageSystemAttributeName.1': 'AWSTraceHeader',
      MaxNumberOfMessages: '5',
    });
    expect(got.xml).toContain('<Body>msg &amp; &lt;stuff&gt;</Body>');
    expect(got.xml).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(got.xml).toContain('<Attribute><Name>AWSTraceHeader</Name><Value>Root=1-abc</Value></Attribute>');
    expect(got.xml).toContain(
      '<MessageAttribute><Name>Foo</Name><Value><StringValue>Bar</StringValue><DataType>String</DataType></Value></MessageAttribute>',
    );
    expect(got.xml).toContain(
      '<MessageAttribute><Name>Bin</Name><Value><BinaryValue>AQI=</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>',
    );
    expect(tag(got.xml, 'MD5OfMessageAttributes')).toBe(tag(sent.xml, 'MD5OfMessageAttributes'));
    const handle = tag(got.xml, 'ReceiptHandle') as string;
    const changed = await call({
      Action: 'ChangeMessageVisibility',
      QueueUrl: url,
      ReceiptHandle: handle,
      VisibilityTimeout: '0',
    });
    expect(changed.xml).toContain('<ChangeMessageVisibilityResponse');
    const again = await call({ Action: 'ReceiveMessage', QueueUrl: url });
    const deleted = await call({
      Action: 'DeleteMessage',
      QueueUrl: url,
      ReceiptHandle: tag(again.xml, 'ReceiptHandle') as string,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.xml).not.toContain('<DeleteMessageResult>');
    const empty = await call({ Action: 'ReceiveMessage', QueueUrl: url });
    expect(empty.xml).toContain('<ReceiveMessageResponse');
    expect(empty.xml).not.toContain('<Message>');
  });

  it('handles batches with per-entry errors', async () => {
    const url = queueUrl('query-batch');
    await call({ Action: 'CreateQueue', QueueName: queueName('query-batch') });
    const sent = await call({
      Action: 'SendMessageBatch',
      QueueUrl: url,
      'SendMessageBatchRequestEntry.1.Id': 'a',
      'SendMessageBatchRequestEntry.1.MessageBody': 'one',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Name': 'k',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType': 'String',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue': 'v',
      'SendMessageBatchRequestEntry.2.Id': 'b',
      'SendMessageBatchRequestEntry.2.MessageBody': 'two',
      'SendMessageBatchRequestEntry.2.DelaySeconds': '1000',
    });
    expect(sent.xml).toMatch(
      /<SendMessageBatchResultEntry><Id>a<\/Id><MessageId>[^<]+<\/MessageId><MD5OfMessageBody>f97c5d29941bfb1b2fdab0874906ab82<\/MD5OfMessageBody><MD5OfMessageAttributes>/,
    );
    expect(sent.xml).toContain(
      '<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code>',
    );
    const got = await call({ Action: 'ReceiveMessage', QueueUrl: url });
    const handle = tag(got.xml, 'ReceiptHandle') as string;
    const changed = await call({
      Action: 'ChangeMessageVisibilityBatch',
      QueueUrl: url,
      'ChangeMessageVisibilityBatchRequestEntry.1.Id': 'x',
      'ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle': handle,
      'ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout': '30',
    });
    expect(changed.xml).toContain(
      '<ChangeMessageVisibilityBatchResultEntry><Id>x</Id></ChangeMessageVisibilityBatchResultEntry>',
    );
    const deleted = await call({
      Action: 'DeleteMessageBatch',
      QueueUrl: url,
      'DeleteMessageBatchRequestEntry.1.Id': 'x',
      'DeleteMessageBatchRequestEntry.1.ReceiptHandle': handle,
    });
    expect(deleted.xml).toContain(
      '<DeleteMessageBatchResultEntry><Id>x</Id></DeleteMessageBatchResultEntry>',
    );
    const tooMany: Record<string, string> = { Action: 'DeleteMessageBatch', QueueUrl: url };
    for (let i = 1; i <= 11; i++) {
      tooMany[`DeleteMessageBatchRequestEntry.${i}.Id`] = `e${i}`;
      tooMany[`DeleteMessageBatchRequestEntry.${i}.ReceiptHandle`] = 'h';
    }
    const err = await call(tooMany);
    expect(err.status).toBe(400);
    expect(tag(err.xml, 'Code')).toBe('AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
  });

  it('answers errors as XML with the legacy query codes', async () => {
    const missing = await call({
      Action: 'GetQueueAttributes',
      QueueUrl: queueUrl('nope'),
    });
    expect(missing.status).toBe(400);
    expect(missing.xml).toContain('<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">');
    expect(missing.xml).toContain('<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
    expect(tag(missing.xml, 'Message')).toBe('The specified queue does not exist for this wsdl version.');
    const exists = await call({
      Action: 'CreateQueue',
      QueueName: queueName('dup-q'),
      'Attribute.1.Name': 'DelaySeconds',
      'Attribute.1.Value': '1',
    });
    expect(exists.status).toBe(200);
    const clash = await call({
      Action: 'CreateQueue',
      QueueName: queueName('dup-q'),
      'Attribute.1.Name': 'DelaySeconds',
      'Attribute.1.Value': '2',
    });
    expect(tag(clash.xml, 'Code')).toBe('QueueAlreadyExists');
    const body = await call({ Action: 'SendMessage', QueueUrl: queueUrl('dup-q') });
    expect(tag(body.xml, 'Code')).toBe('MissingParameter');
    const purge1 = await call({ Action: 'PurgeQueue', QueueUrl: queueUrl('dup-q') });
    expect(purge1.status).toBe(200);
    const purge2 = await call({ Action: 'PurgeQueue', QueueUrl: queueUrl('dup-q') });
    expect(purge2.status).toBe(403);
    expect(tag(purge2.xml, 'Code')).toBe('AWS.SimpleQueueService.PurgeQueueInProgress');
    const del = await call({ Action: 'DeleteQueue', QueueUrl: queueUrl('dup-q') });
    expect(del.xml).toContain('<DeleteQueueResponse');
    const unknown = await call({ Action: 'Frobnicate' });
    expect(tag(unknown.xml, 'Code')).toBe('InvalidAction');
  });

  it('adds and removes permissions in the queue policy', async () => {
    const url = queueUrl('query-perm');
    await call({ Action: 'CreateQueue', QueueName: queueName('query-perm') });
    const add = await call({
      Action: 'AddPermission',
      QueueUrl: url,
      Label: 'p1',
      'AWSAccountId.1': '111111111111',
      'ActionName.1': 'SendMessage',
    });
    expect(add.status).toBe(200);
    const dup = await call({
      Action: 'AddPermission',
      QueueUrl: url,
      Label: 'p1',
      'AWSAccountId.1': '111111111111',
      'ActionName.1': 'SendMessage',
    });
    expect(tag(dup.xml, 'Message')).toBe('Value p1 for parameter Label is invalid. Reason: Already exists.');
    await call({
      Action: 'AddPermission',
      QueueUrl: url,
      Label: 'p2',
      'AWSAccountId.1': '222222222222',
      'ActionName.1': 'ReceiveMessage',
    });
    const policy = await call({ Action: 'GetQueueAttributes', QueueUrl: url, 'AttributeName.1': 'Policy' });
    expect(policy.xml).toContain('arn:aws:iam::111111111111:root');
    expect(policy.xml).toContain('SQS:ReceiveMessage');
    expect((await call({ Action: 'RemovePermission', QueueUrl: url, Label: 'p1' })).status).toBe(200);
    expect((await call({ Action: 'RemovePermission', QueueUrl: url, Label: 'p2' })).status).toBe(200);
    const none = await call({ Action: 'RemovePermission', QueueUrl: url, Label: 'p3' });
    expect(tag(none.xml, 'Message')).toBe(
      'Value p3 for parameter Label is invalid. Reason: can&apos;t find label.',
    );
    for (const params of [
      { Action: 'AddPermission', QueueUrl: url },
      { Action: 'AddPermission', QueueUrl: url, Label: 'x' },
      { Action: 'AddPermission', QueueUrl: url, Label: 'x', 'AWSAccountId.1': '1' },
      { Action: 'RemovePermission', QueueUrl: url },
    ]) {
      expect(tag((await call(params)).xml, 'Code')).toBe('MissingParameter');
    }
  });
});
