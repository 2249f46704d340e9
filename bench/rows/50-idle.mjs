// API calls per minute while waiting with nothing arriving (runs in the background, 60 s window).
// eventprobe: listener.expectNoEvent(any, { within: 60 s }) on a quiet bus; every SQS/EventBridge
// call the probe's clients make in the window is counted. raw SDK: a ReceiveMessage loop with
// 20 s long polls (the most a poll may wait) for the same window.
import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Recorder, rawClients, recordedProbe } from '../lib.mjs';

export const title = 'API calls while idle';
export const background = true;
export const timeoutSeconds = 100;
const WINDOW_MS = 60_000;
const BUS = 'bench-idle';

export const run = async (env) => {
  const rawRec = new Recorder();
  const raw = rawClients(env, rawRec);
  await raw.events.send(new CreateEventBusCommand({ Name: BUS }));
  const { QueueUrl } = await raw.sqs.send(new CreateQueueCommand({ QueueName: 'bench-idle-raw' }));
  const recorder = new Recorder();
  const probe = recordedProbe(env, recorder, { tags: { bench: 'idle' } });
  const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['bench.never'] } });
  recorder.reset();
  rawRec.reset();
  let epMs = 0;
  let rawMs = 0;
  let epCalls = 0;
  let rawCalls = 0;
  try {
    const waitProbe = async () => {
      const t0 = performance.now();
      await listener.expectNoEvent(undefined, { within: WINDOW_MS });
      epMs = performance.now() - t0;
    };
    const waitRaw = async () => {
      const t0 = performance.now();
      // Whole seconds left (a poll cannot wait less than 1 s); stop when under one second is left.
      while (WINDOW_MS - (performance.now() - t0) >= 1000) {
        const left = Math.floor((WINDOW_MS - (performance.now() - t0)) / 1000);
        await raw.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: Math.min(20, left) }));
      }
      rawMs = performance.now() - t0;
    };
    await Promise.all([waitProbe(), waitRaw()]);
    // Calls made during the window only (stop() comes after it).
    epCalls = recorder.count();
    rawCalls = rawRec.count();
  } finally {
    await listener.stop();
    await probe.close();
    await raw.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    raw.destroy();
  }
  const e = epCalls / (epMs / 60_000);
  const r = rawCalls / (rawMs / 60_000);
  return [
    {
      metric: `API calls per minute while waiting, nothing arriving (${WINDOW_MS / 1000} s)`,
      eventprobe: e,
      raw: r,
      unit: 'calls/min',
      ratio: e / r,
      goal: '<= 4 calls/min',
      pass: e <= 4,
    },
  ];
};
