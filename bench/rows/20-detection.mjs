// Detection latency: from PutEvents to the event in hand, 50 ms injected per call.
// eventprobe: listener.waitForEvent(match) already waiting when the event is put.
// raw SDK: a ReceiveMessage long poll already waiting on a queue the same rule pattern feeds.
import {
  CreateEventBusCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { median, queuePolicyFor, Recorder, rawClients, recordedProbe, sleep } from '../lib.mjs';

export const title = 'detection latency';
const RUNS = 15;
const LATENCY = 50;
const BUS = 'bench-detection';
const PATTERN = { source: ['bench.detect'] };

export const run = async (env) => {
  const raw = rawClients(env);
  await raw.events.send(new CreateEventBusCommand({ Name: BUS }));
  const queueName = 'bench-detection-raw';
  const queueArn = `arn:aws:sqs:${env.region}:${env.accountId}:${queueName}`;
  const ruleArn = `arn:aws:events:${env.region}:${env.accountId}:rule/${BUS}/raw-detect`;
  const { QueueUrl } = await raw.sqs.send(
    new CreateQueueCommand({ QueueName: queueName, Attributes: queuePolicyFor(queueArn, ruleArn) }),
  );
  await raw.events.send(
    new PutRuleCommand({ Name: 'raw-detect', EventBusName: BUS, EventPattern: JSON.stringify(PATTERN) }),
  );
  await raw.events.send(
    new PutTargetsCommand({ Rule: 'raw-detect', EventBusName: BUS, Targets: [{ Id: 'q', Arn: queueArn }] }),
  );
  const probe = recordedProbe(env, new Recorder(), { tags: { bench: 'detection' } });
  const listener = await probe.addListener({ eventBusName: BUS, eventPattern: PATTERN });
  const put = (n) =>
    raw.events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: BUS, Source: 'bench.detect', DetailType: 'Detect', Detail: JSON.stringify({ n }) },
        ],
      }),
    );
  const ep = [];
  const sdk = [];
  env.faults.set({ latencyMs: LATENCY });
  try {
    for (let i = 0; i < RUNS; i++) {
      // eventprobe: the wait is already polling when the event is put.
      const waiting = listener.waitForEvent((e) => e.detail.n === i, { timeout: 10_000 });
      await sleep(120);
      let t0 = performance.now();
      await put(i);
      await waiting;
      ep.push(performance.now() - t0);

      // raw: a long poll already waiting; loop until our event is in hand (it also gets the
      // events put for eventprobe, as the listener gets the raw ones: same work on both sides).
      const receive = async () => {
        for (;;) {
          const out = await raw.sqs.send(
            new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10, MaxNumberOfMessages: 10 }),
          );
          const messages = out.Messages ?? [];
          const found = messages.some((m) => JSON.parse(m.Body).detail.n === 1000 + i);
          // The event is in hand here; deleting it is bookkeeping (eventprobe deletes in the background).
          if (found) sdk.push(performance.now() - t0);
          if (messages.length > 0) {
            await raw.sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl,
                Entries: messages.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle })),
              }),
            );
          }
          if (found) return;
        }
      };
      const polling = receive();
      await sleep(120);
      t0 = performance.now();
      await put(1000 + i);
      await polling;
    }
  } finally {
    env.faults.clear();
    await listener.stop();
    await probe.close();
    await raw.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    raw.destroy();
  }
  const e = median(ep);
  const r = median(sdk);
  return [
    {
      metric: `detection latency, PutEvents -> event (${LATENCY} ms/call)`,
      eventprobe: e,
      raw: r,
      unit: 'ms',
      ratio: e / r,
      goal: 'ratio <= 1.10',
      pass: e / r <= 1.1,
    },
  ];
};
