// Cleanup of 200 leftover listeners (queue + rule + target each), 50 ms injected per call.
// eventprobe: probe.sweep() (discovery by name and tags, marker check, bounded concurrency).
// raw SDK: list by name prefix, read the tags, then RemoveTargets -> DeleteRule and DeleteQueue for
// every match, all at once (no bound, no marker check, no retry): the fastest unsafe script.
import {
  DeleteRuleCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteQueueCommand, ListQueuesCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs';
import { median, Recorder, rawClients, recordedProbe, stageLeftovers } from '../lib.mjs';

export const title = 'cleanup of leftovers';
export const timeoutSeconds = 120;
const COUNT = 200;
const RUNS = 3;
const LATENCY = 50;

const rawSweep = async (raw, tag) => {
  const rules = [];
  let token;
  do {
    const page = await raw.events.send(
      new ListRulesCommand({ NamePrefix: 'eventprobe-', Limit: 100, NextToken: token }),
    );
    rules.push(...page.Rules);
    token = page.NextToken;
  } while (token);
  const { QueueUrls = [] } = await raw.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'eventprobe-' }));
  await Promise.all([
    ...rules.map(async (rule) => {
      const { Tags = [] } = await raw.events.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn }));
      if (!Tags.some((t) => t.Key === 'bench' && t.Value === tag)) return;
      await raw.events.send(new RemoveTargetsCommand({ Rule: rule.Name, Ids: ['eventprobe-queue'] }));
      await raw.events.send(new DeleteRuleCommand({ Name: rule.Name }));
    }),
    ...QueueUrls.map(async (QueueUrl) => {
      const { Tags = {} } = await raw.sqs.send(new ListQueueTagsCommand({ QueueUrl }));
      if (Tags.bench !== tag) return;
      await raw.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }),
  ]);
};

export const run = async (env) => {
  const createdAt = new Date(Date.now() - 2 * 3_600_000);
  const ep = [];
  const sdk = [];
  let removed = 0;
  let rt = 0;
  const raw = rawClients(env);
  try {
    for (let i = 0; i < RUNS; i++) {
      const epTag = `cleanup-ep-${i}`;
      await stageLeftovers(env, { count: COUNT, tags: { bench: epTag }, runId: 'crashed', createdAt });
      const recorder = new Recorder();
      const probe = recordedProbe(env, recorder, { tags: { bench: epTag } });
      env.faults.set({ latencyMs: LATENCY });
      let t0 = performance.now();
      const report = await probe.sweep();
      ep.push(performance.now() - t0);
      env.faults.clear();
      removed = report.removed.length;
      rt = recorder.criticalPath();
      await probe.close();

      const rawTag = `cleanup-raw-${i}`;
      await stageLeftovers(env, { count: COUNT, tags: { bench: rawTag }, runId: 'crashed', createdAt });
      env.faults.set({ latencyMs: LATENCY });
      t0 = performance.now();
      await rawSweep(raw, rawTag);
      sdk.push(performance.now() - t0);
      env.faults.clear();
    }
  } finally {
    env.faults.clear();
    raw.destroy();
  }
  if (removed !== 2 * COUNT) throw new Error(`sweep removed ${removed} resources, expected ${2 * COUNT}`);
  const e = median(ep);
  const r = median(sdk);
  return [
    {
      metric: `sweep of ${COUNT} leftover listeners (${LATENCY} ms/call, ${rt} RT deep)`,
      eventprobe: e,
      raw: r,
      unit: 'ms',
      ratio: e / r,
      goal: '< 3000 ms',
      pass: e < 3000,
    },
  ];
};
