// Capture throughput for 10,000 events (no injected latency).
// The same 10,000 events land in the listener's queue and in a raw queue (two rules, one pattern);
// then each side drains its queue: eventprobe with listener.waitForEvents(all, { count }), the raw
// SDK with a ReceiveMessage(10) + DeleteMessageBatch loop. Throughput = events / drain time.
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
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { mapLimit, median, queuePolicyFor, Recorder, rawClients, recordedProbe, sleep } from '../lib.mjs';

export const title = 'capture throughput';
export const timeoutSeconds = 150;
const EVENTS = 10_000;
const RUNS = 3;
const BUS = 'bench-throughput';
const PATTERN = { source: ['bench.throughput'] };

export const run = async (env) => {
  const raw = rawClients(env);
  await raw.events.send(new CreateEventBusCommand({ Name: BUS }));
  const queueName = 'bench-throughput-raw';
  const queueArn = `arn:aws:sqs:${env.region}:${env.accountId}:${queueName}`;
  const ruleArn = `arn:aws:events:${env.region}:${env.accountId}:rule/${BUS}/raw-throughput`;
  const { QueueUrl } = await raw.sqs.send(
    new CreateQueueCommand({ QueueName: queueName, Attributes: queuePolicyFor(queueArn, ruleArn) }),
  );
  await raw.events.send(
    new PutRuleCommand({ Name: 'raw-throughput', EventBusName: BUS, EventPattern: JSON.stringify(PATTERN) }),
  );
  await raw.events.send(
    new PutTargetsCommand({
      Rule: 'raw-throughput',
      EventBusName: BUS,
      Targets: [{ Id: 'q', Arn: queueArn }],
    }),
  );
  const probe = recordedProbe(env, new Recorder(), { tags: { bench: 'throughput' } });
  const depth = async (url) => {
    const out = await raw.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(out.Attributes.ApproximateNumberOfMessages);
  };
  const epRates = [];
  const rawRates = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const listener = await probe.addListener({ eventBusName: BUS, eventPattern: PATTERN });
      await mapLimit(Array.from({ length: EVENTS / 10 }), 8, (_, b) =>
        raw.events.send(
          new PutEventsCommand({
            Entries: Array.from({ length: 10 }, (_, k) => ({
              EventBusName: BUS,
              Source: 'bench.throughput',
              DetailType: 'Load',
              Detail: JSON.stringify({ run, n: b * 10 + k, payload: 'x'.repeat(200) }),
            })),
          }),
        ),
      );
      while ((await depth(QueueUrl)) < EVENTS || (await depth(listener.resources.queueUrl)) < EVENTS)
        await sleep(50);

      const drainRaw = async () => {
        const t0 = performance.now();
        let received = 0;
        while (received < EVENTS) {
          const out = await raw.sqs.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          const messages = out.Messages ?? [];
          for (const m of messages) JSON.parse(m.Body);
          received += messages.length;
          if (messages.length > 0) {
            await raw.sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl,
                Entries: messages.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle })),
              }),
            );
          }
        }
        rawRates.push(EVENTS / ((performance.now() - t0) / 1000));
      };
      const drainProbe = async () => {
        const t0 = performance.now();
        const got = await listener.waitForEvents(() => true, { count: EVENTS, timeout: 60_000 });
        if (got.length !== EVENTS) throw new Error(`eventprobe captured ${got.length} events, not ${EVENTS}`);
        epRates.push(EVENTS / ((performance.now() - t0) / 1000));
      };
      // Alternate who goes first, so neither always runs on a warmer process.
      if (run % 2 === 0) {
        await drainRaw();
        await drainProbe();
      } else {
        await drainProbe();
        await drainRaw();
      }
      await listener.stop();
    }
  } finally {
    await probe.close();
    await raw.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    raw.destroy();
  }
  const e = median(epRates);
  const r = median(rawRates);
  return [
    {
      metric: `capture throughput, ${EVENTS.toLocaleString('en')} events (median of ${RUNS})`,
      eventprobe: e,
      raw: r,
      unit: 'ev/s',
      ratio: e / r,
      goal: '>= 0.9x raw',
      pass: e / r >= 0.9,
    },
  ];
};
