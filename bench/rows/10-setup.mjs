// Listener setup: time and critical path (sequential round trips) with 50 ms injected per call.
// eventprobe: probe.addListener({ eventBusName, ruleName, targetId }).
// raw SDK: the same work as IATK does it, one call after another: DescribeRule, ListTargetsByRule,
// CreateQueue, GetQueueAttributes, SetQueueAttributes (policy), PutRule, PutTargets.
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { median, Recorder, rawClients, recordedProbe } from '../lib.mjs';

export const title = 'listener setup';
const RUNS = 5;
const LATENCY = 50;
const BUS = 'bench-setup';

export const run = async (env) => {
  const setup = rawClients(env);
  await setup.events.send(new CreateEventBusCommand({ Name: BUS }));
  const { QueueUrl: targetQueue } = await setup.sqs.send(
    new CreateQueueCommand({ QueueName: 'bench-orders-target' }),
  );
  await setup.events.send(
    new PutRuleCommand({
      Name: 'orders',
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: ['bench.orders'] }),
    }),
  );
  await setup.events.send(
    new PutTargetsCommand({
      Rule: 'orders',
      EventBusName: BUS,
      Targets: [
        {
          Id: 'Target0',
          Arn: `arn:aws:sqs:${env.region}:${env.accountId}:bench-orders-target`,
          InputPath: '$.detail',
        },
      ],
    }),
  );

  const probeRec = new Recorder();
  const probe = recordedProbe(env, probeRec, { tags: { bench: 'setup' } });
  const rawRec = new Recorder();
  const raw = rawClients(env, rawRec);
  const ep = { ms: [], rt: [] };
  const sdk = { ms: [], rt: [] };
  env.faults.set({ latencyMs: LATENCY });
  try {
    for (let i = 0; i < RUNS; i++) {
      probeRec.reset();
      let t0 = performance.now();
      const listener = await probe.addListener({
        eventBusName: BUS,
        ruleName: 'orders',
        targetId: 'Target0',
      });
      ep.ms.push(performance.now() - t0);
      ep.rt.push(probeRec.criticalPath());
      await listener.stop();

      rawRec.reset();
      t0 = performance.now();
      const name = `bench-raw-listener-${i}`;
      const rule = await raw.events.send(new DescribeRuleCommand({ Name: 'orders', EventBusName: BUS }));
      const targets = await raw.events.send(
        new ListTargetsByRuleCommand({ Rule: 'orders', EventBusName: BUS }),
      );
      const target = targets.Targets.find((t) => t.Id === 'Target0');
      const { QueueUrl } = await raw.sqs.send(
        new CreateQueueCommand({ QueueName: name, tags: { bench: 'setup' } }),
      );
      const attrs = await raw.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const queueArn = attrs.Attributes.QueueArn;
      const ruleArn = `arn:aws:events:${env.region}:${env.accountId}:rule/${BUS}/${name}`;
      await raw.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl,
          Attributes: {
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'events.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: queueArn,
                  Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
                },
              ],
            }),
          },
        }),
      );
      await raw.events.send(
        new PutRuleCommand({
          Name: name,
          EventBusName: BUS,
          EventPattern: rule.EventPattern,
          Tags: [{ Key: 'bench', Value: 'setup' }],
        }),
      );
      await raw.events.send(
        new PutTargetsCommand({
          Rule: name,
          EventBusName: BUS,
          Targets: [{ Id: 'queue', Arn: queueArn, InputPath: target.InputPath }],
        }),
      );
      sdk.ms.push(performance.now() - t0);
      sdk.rt.push(rawRec.criticalPath());
      await raw.events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: BUS, Ids: ['queue'] }));
      await raw.events.send(new DeleteRuleCommand({ Name: name, EventBusName: BUS }));
      await raw.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  } finally {
    env.faults.clear();
    await probe.close();
    raw.destroy();
    await setup.sqs.send(new DeleteQueueCommand({ QueueUrl: targetQueue }));
    setup.destroy();
  }
  const epMs = median(ep.ms);
  const rawMs = median(sdk.ms);
  const epRt = median(ep.rt);
  const rawRt = median(sdk.rt);
  return [
    {
      metric: `listener setup time (${LATENCY} ms/call, rule + targetId)`,
      eventprobe: epMs,
      raw: rawMs,
      unit: 'ms',
      ratio: epMs / rawMs,
      goal: '<= raw',
      pass: epMs <= rawMs,
    },
    {
      metric: 'listener setup critical path',
      eventprobe: epRt,
      raw: rawRt,
      unit: 'RT',
      ratio: epRt / rawRt,
      goal: '<= 4 RT (IATK: 7)',
      pass: epRt <= 4,
    },
  ];
};
