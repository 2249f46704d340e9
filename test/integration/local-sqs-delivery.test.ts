import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emulator } from '../../src/local/core/emulator.js';
import { deliverToQueue } from '../../src/local/services/sqs/delivery.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const RULE = 'arn:aws:events:us-east-1:000000000000:rule/listener';
const origin = { principal: 'events.amazonaws.com', sourceArn: RULE };

describe.skipIf(emulatorOnly)('deliverToQueue (EventBridge/SNS → SQS)', () => {
  let aws: TestAws;
  let sqs: SQSClient;
  let emulator: Emulator;
  beforeAll(async () => {
    aws = await startTestAws();
    sqs = new SQSClient({ ...aws.clientConfig });
    emulator = aws.local?.emulator as Emulator;
  });
  afterAll(async () => {
    sqs.destroy();
    await aws.close();
  });

  const queue = async (name: string, policy?: unknown): Promise<{ url: string; arn: string }> => {
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        ...(policy ? { Attributes: { Policy: JSON.stringify(policy) } } : {}),
      }),
    );
    return { url: out.QueueUrl as string, arn: `arn:aws:sqs:us-east-1:000000000000:${name}` };
  };
  const allowRule = (arn: string, sourceArn = RULE) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arn,
        Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
      },
    ],
  });

  it('delivers when the policy allows the service for this source, and wakes a long poll', async () => {
    const arn = 'arn:aws:sqs:us-east-1:000000000000:delivered';
    const { url } = await queue('delivered', allowRule(arn));
    const pending = sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const sentAt = Date.now();
    const result = deliverToQueue(
      emulator,
      arn,
      {
        body: '{"detail":{}}',
        traceHeader: 'Root=1-abc;Sampled=1',
        messageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      },
      origin,
    );
    expect(result.ok).toBe(true);
    const got = await pending;
    // The 5 s poll returned on delivery, not when its wait ran out (a semantic margin, not a speed claim).
    expect(Date.now() - sentAt).toBeLessThan(4_000);
    const m = got.Messages?.[0];
    expect(m?.MessageId).toBe(result.ok ? result.messageId : undefined);
    expect(m?.Body).toBe('{"detail":{}}');
    expect(m?.Attributes?.AWSTraceHeader).toBe('Root=1-abc;Sampled=1');
    expect(m?.Attributes?.SenderId).toMatch(/^AIDA/);
    expect(m?.MessageAttributes?.k?.StringValue).toBe('v');
  });

  it('denies without a policy, for another source, and on an explicit deny', async () => {
    const { arn } = await queue('no-policy');
    expect(deliverToQueue(emulator, arn, { body: 'x' }, origin)).toMatchObject({
      ok: false,
      reason: 'AccessDenied',
    });
    const other = await queue(
      'other-rule',
      allowRule('arn:aws:sqs:us-east-1:000000000000:other-rule', `${RULE}-2`),
    );
    expect(deliverToQueue(emulator, other.arn, { body: 'x' }, origin)).toMatchObject({
      ok: false,
      reason: 'AccessDenied',
    });
    const denyArn = 'arn:aws:sqs:us-east-1:000000000000:denied';
    const policy: { Statement: Record<string, unknown>[] } = allowRule(denyArn);
    policy.Statement.push({
      ...policy.Statement[0],
      Effect: 'Deny',
      Principal: '*',
      Condition: undefined,
    });
    const denied = await queue('denied', policy);
    const result = deliverToQueue(emulator, denied.arn, { body: 'x' }, origin);
    expect(result).toMatchObject({ ok: false, reason: 'AccessDenied' });
    expect(result.ok ? '' : result.message).toContain('explicit deny');
    const wrongAccount = deliverToQueue(
      emulator,
      arn,
      { body: 'x' },
      { ...origin, sourceAccount: '999999999999' },
    );
    expect(wrongAccount.ok).toBe(false);
  });

  it('reports missing queues and invalid messages', async () => {
    expect(
      deliverToQueue(emulator, 'arn:aws:sqs:us-east-1:000000000000:missing', { body: 'x' }, origin),
    ).toMatchObject({ ok: false, reason: 'QueueDoesNotExist' });
    expect(deliverToQueue(emulator, 'not-an-arn', { body: 'x' }, origin)).toMatchObject({
      reason: 'QueueDoesNotExist',
    });
    expect(
      deliverToQueue(emulator, 'arn:aws:sqs:us-east-1:111111111111:q', { body: 'x' }, origin),
    ).toMatchObject({ reason: 'QueueDoesNotExist' });
    expect(
      deliverToQueue(new Emulator([]), 'arn:aws:sqs:us-east-1:000000000000:q', { body: 'x' }, origin),
    ).toMatchObject({ reason: 'QueueDoesNotExist' });
    const arn = 'arn:aws:sqs:us-east-1:000000000000:invalid-msg';
    await queue('invalid-msg', allowRule(arn));
    expect(deliverToQueue(emulator, arn, { body: 'bad\u0000' }, origin)).toMatchObject({
      ok: false,
      reason: 'InvalidMessage',
    });
  });

  it('delivers to FIFO queues with group and deduplication ids', async () => {
    const arn = 'arn:aws:sqs:us-east-1:000000000000:events.fifo';
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'events.fifo',
        Attributes: { FifoQueue: 'true', Policy: JSON.stringify(allowRule(arn)) },
      }),
    );
    const first = deliverToQueue(
      emulator,
      arn,
      { body: 'a', messageGroupId: 'g', messageDeduplicationId: 'd1' },
      origin,
    );
    const dup = deliverToQueue(
      emulator,
      arn,
      { body: 'a', messageGroupId: 'g', messageDeduplicationId: 'd1' },
      origin,
    );
    expect(first.ok && dup.ok && first.messageId === dup.messageId).toBe(true);
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: out.QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    expect(got.Messages?.length).toBe(1);
    expect(got.Messages?.[0]?.Attributes?.MessageGroupId).toBe('g');
  });
});
