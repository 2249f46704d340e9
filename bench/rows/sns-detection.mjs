// SNS detection latency: from Publish to the message in hand, 50 ms injected per call.
// eventprobe: an SNS listener's waitForEvent(match) already waiting when the message is published.
// raw SDK: a ReceiveMessage long poll already waiting on a queue subscribed to the same topic.
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createProbe } from '../../dist/index.js';
import { createSnsListener } from '../../dist/listeners/sns.js';
import { clientConfig, median, sleep } from '../lib.mjs';

export const title = 'SNS detection latency';
const RUNS = 15;
const LATENCY = 50;

export const run = async (env) => {
  const config = clientConfig(env);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'bench-sns-detection' }));
  const queueName = 'bench-sns-detection-raw';
  const queueArn = `arn:aws:sqs:${env.region}:${env.accountId}:${queueName}`;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: queueName,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queueArn,
              Condition: { ArnEquals: { 'aws:SourceArn': TopicArn } },
            },
          ],
        }),
      },
    }),
  );
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
  const probe = createProbe({ ...config, tags: { bench: 'sns-detection' } });
  const options = { topicArn: TopicArn };
  // probe.addSnsListener once the probe has it; the listener module directly until then.
  const listener = await (probe.addSnsListener
    ? probe.addSnsListener(options)
    : createSnsListener(probe.context, options));
  const publish = (n) => sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ n }) }));
  const ep = [];
  const sdk = [];
  env.faults.set({ latencyMs: LATENCY });
  try {
    for (let i = 0; i < RUNS; i++) {
      // eventprobe: the wait is already polling when the message is published.
      const waiting = listener.waitForEvent((e) => e.message.n === i, { timeout: 10_000 });
      await sleep(120);
      let t0 = performance.now();
      await publish(i);
      await waiting;
      ep.push(performance.now() - t0);

      // raw: a long poll already waiting; loop until our message is in hand (it also gets the
      // messages published for eventprobe, as the listener gets the raw ones: same work).
      const receive = async () => {
        for (;;) {
          const out = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10, MaxNumberOfMessages: 10 }),
          );
          const messages = out.Messages ?? [];
          if (messages.length > 0) {
            await sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl,
                Entries: messages.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle })),
              }),
            );
          }
          if (messages.some((m) => JSON.parse(JSON.parse(m.Body).Message).n === 1000 + i)) return;
        }
      };
      const polling = receive();
      await sleep(120);
      t0 = performance.now();
      await publish(1000 + i);
      await polling;
      sdk.push(performance.now() - t0);
    }
  } finally {
    env.faults.clear();
    await listener.stop();
    await probe[Symbol.asyncDispose]();
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    sns.destroy();
    sqs.destroy();
  }
  const e = median(ep);
  const r = median(sdk);
  return [
    {
      metric: `SNS detection latency, Publish -> message (${LATENCY} ms/call)`,
      eventprobe: e,
      raw: r,
      unit: 'ms',
      ratio: e / r,
      goal: 'ratio <= 1.10',
      pass: e / r <= 1.1,
    },
  ];
};
