import { describe, expect, it } from 'vitest';
import { parseSnsMessage, type SnsEvent, unwrapSnsMessage } from '../../src/listeners/sns.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';
const body = (e: SnsEvent): SnsEvent => e;

describe('unwrapSnsMessage', () => {
  it('unwraps an envelope: SNS id as the entry id, FIFO sequence number, attributes; raw keeps the envelope', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'sns-1',
      SequenceNumber: '10000000000000000001',
      TopicArn: `${TOPIC}.fifo`,
      Subject: 'hello',
      Message: '{"a":[1,2]}',
      Timestamp: '2026-01-01T00:00:00.000Z',
      MessageAttributes: { kind: { Type: 'String', Value: 'x' } },
    };
    const entry = parseSnsMessage(
      { MessageId: 'sqs-1', ReceiptHandle: 'rh', Body: JSON.stringify(envelope) },
      1_000,
      TOPIC,
      false,
    );
    expect(entry.id).toBe('sns-1');
    expect(entry.format).toBe('json');
    expect(entry.receivedAt).toBe(1_000);
    expect(entry.raw.messageId).toBe('sqs-1');
    expect(JSON.parse(entry.raw.body)).toEqual(envelope);
    const out = unwrapSnsMessage(
      {
        MessageId: 'sqs-1',
        ReceiptHandle: 'rh',
        Body: JSON.stringify({
          Type: 'Notification',
          MessageId: 'sns-1',
          SequenceNumber: '10000000000000000001',
          TopicArn: `${TOPIC}.fifo`,
          Subject: 'hello',
          Message: '{"a":[1,2]}',
          Timestamp: '2026-01-01T00:00:00.000Z',
          MessageAttributes: { kind: { Type: 'String', Value: 'x' } },
        }),
      },
      TOPIC,
      false,
    );
    expect(entry.event).toEqual(out);
    expect(body(out)).toEqual({
      message: { a: [1, 2] },
      subject: 'hello',
      messageId: 'sns-1',
      topicArn: `${TOPIC}.fifo`,
      timestamp: '2026-01-01T00:00:00.000Z',
      messageAttributes: { kind: { type: 'String', value: 'x' } },
      sequenceNumber: '10000000000000000001',
      rawDelivery: false,
    });
  });

  it('treats raw deliveries (and bodies that are not envelopes) as the message itself', () => {
    const raw = parseSnsMessage(
      {
        MessageId: 'sqs-2',
        Body: 'plain',
        Attributes: { SentTimestamp: '1767225600000' },
        MessageAttributes: {
          bin: { DataType: 'Binary', BinaryValue: new Uint8Array([255]) },
          num: { DataType: 'Number', StringValue: '7' },
        },
      },
      0,
      TOPIC,
      true,
    );
    expect(raw.id).toBe('sqs-2');
    expect(raw.raw.body).toBe('plain');
    expect(body(raw.event)).toEqual({
      message: 'plain',
      messageId: 'sqs-2',
      topicArn: TOPIC,
      timestamp: '2026-01-01T00:00:00.000Z',
      messageAttributes: { bin: { type: 'Binary', value: '/w==' }, num: { type: 'Number', value: '7' } },
      rawDelivery: true,
    });
    // An envelope-looking body under raw delivery stays as it is.
    const envelope = JSON.stringify({ Type: 'Notification', MessageId: 'x', TopicArn: TOPIC, Message: 'm' });
    expect(
      body(
        unwrapSnsMessage(
          { MessageId: 'sqs-3', Body: envelope, Attributes: { SentTimestamp: '0' } },
          TOPIC,
          true,
        ),
      ).message,
    ).toEqual(JSON.parse(envelope));
    // Under enveloped delivery, a body that is not an envelope is kept as the message.
    for (const odd of ['null', '{"Type":"Notification"}', '[1]']) {
      const out = unwrapSnsMessage(
        { MessageId: 'sqs-4', Body: odd, Attributes: { SentTimestamp: '0' } },
        TOPIC,
        false,
      );
      expect(body(out)).toMatchObject({ message: JSON.parse(odd), messageId: 'sqs-4', rawDelivery: false });
    }
  });
});
