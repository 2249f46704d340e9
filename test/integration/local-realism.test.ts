import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  QueueDeletedRecently,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { BatchGetTracesCommand, PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterEach, describe, expect, it } from 'vitest';
import { AWS_REALISM, RealismController, type RealismOptions } from '../../src/local/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';
import { allowSendFrom } from '../support/policy.js';

const uid = () => Math.random().toString(36).slice(2, 10);

/** An emulator on a clock the test moves by hand, with the given realism. */
const started: TestAws[] = [];
const start = async (realism: RealismOptions | 'aws' | 'off', seed = 7) => {
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const aws = await startTestAws({ realism, seed, clock: () => clock.now });
  started.push(aws);
  const config = { ...aws.clientConfig, maxAttempts: 1 };
  return {
    aws,
    clock,
    sqs: new SQSClient(config),
    events: new EventBridgeClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
    xray: new XRayClient(config),
  };
};

afterEach(async () => {
  await Promise.all(started.splice(0).map((a) => a.close()));
});

const queueArnOf = async (sqs: SQSClient, url: string): Promise<string> =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes
    ?.QueueArn as string;

const receiveAll = async (sqs: SQSClient, url: string): Promise<string[]> => {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  return (out.Messages ?? []).map((m) => m.Body as string);
};

describe.skipIf(emulatorOnly)('realism: AWS timing on demand', () => {
  it('a new rule matches only after its delay; a removed target keeps receiving until the change propagates', async () => {
    const { sqs, events, clock } = await start({ ruleDelayMs: 2_000 });
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: `r-${uid()}` }))).QueueUrl as string;
    const arn = await queueArnOf(sqs, url);
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: 'r', EventPattern: JSON.stringify({ source: ['s'] }) }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          Policy: allowSendFrom({ service: 'events.amazonaws.com', queueArn: arn, sourceArn: RuleArn }),
        },
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'r', Targets: [{ Id: 'q', Arn: arn }] }));
    const put = (n: string) =>
      events.send(
        new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: JSON.stringify({ n }) }] }),
      );
    await put('early');
    clock.now += 1_999;
    await put('still-early');
    expect(await receiveAll(sqs, url)).toEqual([]);
    clock.now += 1;
    await put('live');
    const bodies = await receiveAll(sqs, url);
    expect(bodies.map((b) => JSON.parse(b).detail.n)).toEqual(['live']);
    await events.send(new RemoveTargetsCommand({ Rule: 'r', Ids: ['q'] }));
    await put('after-remove');
    clock.now += 2_000;
    await put('removed');
    const later = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect((later.Messages ?? []).map((m) => JSON.parse(m.Body as string).detail.n)).toEqual([
      'after-remove',
    ]);
  });

  it('the tagging API sees new tags and deletions only after its lag', async () => {
    const { sqs, tagging, clock } = await start({ taggingLagMs: 5_000 });
    const run = uid();
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: `t-${run}`, tags: { run } })))
      .QueueUrl as string;
    const listed = async (): Promise<string[]> =>
      (
        (await tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'run', Values: [run] }] })))
          .ResourceTagMappingList ?? []
      ).map((r) => r.Tags?.map((t) => `${t.Key}=${t.Value}`).join(',') ?? '');
    expect(await listed()).toEqual([]);
    clock.now += 5_000;
    expect(await listed()).toEqual([`run=${run}`]);
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'a' } }));
    clock.now += 4_999;
    expect(await listed()).toEqual([`run=${run}`]);
    clock.now += 1;
    expect(await listed()).toEqual([`run=${run},team=a`]);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    expect(await listed()).toEqual([`run=${run},team=a`]);
    clock.now += 5_000;
    expect(await listed()).toEqual([]);
  });

  it('a deleted queue name stays taken for 60 s (by default, without realism too)', async () => {
    const { sqs, clock } = await start('off');
    const name = `d-${uid()}`;
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    clock.now += 59_999;
    const error = await sqs.send(new CreateQueueCommand({ QueueName: name })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueDeletedRecently);
    expect((error as Error).message).toBe(
      'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
    );
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    clock.now += 1;
    await expect(sqs.send(new CreateQueueCommand({ QueueName: name }))).resolves.toHaveProperty('QueueUrl');
  });

  it('queueDeletedRecentlyMs: 0 frees a name at once', async () => {
    const { sqs } = await start({ queueDeletedRecentlyMs: 0 });
    const name = `f-${uid()}`;
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await expect(sqs.send(new CreateQueueCommand({ QueueName: name }))).resolves.toHaveProperty('QueueUrl');
  });

  it('standard queues deliver duplicates (each with its own receipt handle) and reorder; FIFO does neither', async () => {
    const { sqs } = await start({ sqsDuplicateRate: 1, sqsReorder: true }, 42);
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: `s-${uid()}` }))).QueueUrl as string;
    const sent = ['0', '1', '2', '3', '4'];
    for (const body of sent) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const messages = out.Messages ?? [];
    const bodies = messages.map((m) => m.Body as string);
    expect([...bodies].sort()).toEqual(['0', '0', '1', '1', '2', '2', '3', '3', '4', '4']);
    expect(bodies).not.toEqual([...bodies].sort());
    expect(new Set(messages.map((m) => m.ReceiptHandle)).size).toBe(10);
    // Deleting one copy leaves the other: both handles delete their own entry.
    for (const m of messages)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attrs.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });

    const fifo = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `s-${uid()}.fifo`,
          Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
        }),
      )
    ).QueueUrl as string;
    for (const body of sent)
      await sqs.send(new SendMessageCommand({ QueueUrl: fifo, MessageBody: body, MessageGroupId: 'g' }));
    expect(await receiveAll(sqs, fifo)).toEqual(sent);
  });

  it('X-Ray segments become visible after the profile delay', async () => {
    const { xray, clock } = await start({ xrayVisibilityMs: 1_000 });
    const traceId = `1-${Math.floor(clock.now / 1000).toString(16)}-${'a'.repeat(24)}`;
    const t = clock.now / 1000;
    await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [
          JSON.stringify({
            id: '1'.repeat(16),
            trace_id: traceId,
            name: 'a',
            start_time: t,
            end_time: t + 1,
          }),
        ],
      }),
    );
    const count = async () =>
      (await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }))).Traces?.length ?? 0;
    expect(await count()).toBe(0);
    clock.now += 1_000;
    expect(await count()).toBe(1);
  });

  it("'aws' is the documented profile; a seed makes its dice repeat", async () => {
    const { aws } = await start('aws', 1);
    const realism = aws.local?.emulator.realism as RealismController;
    expect(realism.ruleDelayMs).toEqual(AWS_REALISM.ruleDelayMs);
    expect(realism.sqsReorder).toBe(true);
    const a = new RealismController('aws', 99);
    const b = new RealismController('aws', 99);
    const draws = (r: RealismController) => [
      r.ruleDelay(),
      r.latencyFor('sqs'),
      r.latencyFor('cloudformation'),
      r.duplicate(),
    ];
    expect(draws(a)).toEqual(draws(b));
  });
});

describe('RealismController', () => {
  it('draws per-call latency log-normally around each service median, capped', () => {
    const r = new RealismController(
      { latency: { medianMs: 10, services: { tagging: 80 }, sigma: 0.5, maxMs: 200 } },
      3,
    );
    const median = (service: string) => {
      const xs = Array.from({ length: 2_001 }, () => r.latencyFor(service)).sort((x, y) => x - y);
      return {
        mid: xs[1_000] as number,
        max: xs[2_000] as number,
        spread: (xs[1_800] as number) / (xs[200] as number),
      };
    };
    const sqs = median('sqs');
    const tagging = median('tagging');
    expect(sqs.mid).toBeGreaterThan(8);
    expect(sqs.mid).toBeLessThan(12);
    expect(tagging.mid).toBeGreaterThan(64);
    expect(tagging.mid).toBeLessThan(96);
    expect(tagging.max).toBeLessThanOrEqual(200);
    expect(sqs.spread).toBeGreaterThan(2);
    expect(new RealismController({ latency: { sigma: 0 } }, 1).latencyFor('x')).toBe(15);
    expect(new RealismController({ latency: { services: { sqs: 0 } } }, 1).latencyFor('sqs')).toBe(0);
    expect(new RealismController({ latency: false }, 1).latencyFor('sqs')).toBe(0);
    expect(new RealismController(undefined, undefined).latencyFor('sqs')).toBe(0);
  });

  it.each([
    [{ ruleDelayMs: -1 }, 'realism.ruleDelayMs must be a finite number of ms >= 0, got -1'],
    [{ ruleDelayMs: [3, 1] }, 'realism.ruleDelayMs must be [min, max] with min <= max, got [3, 1]'],
    [{ taggingLagMs: [1] }, 'realism.taggingLagMs must be a number of ms or [min, max], got [1]'],
    [
      { xrayVisibilityMs: [0, Number.NaN] },
      'realism.xrayVisibilityMs[1] must be a finite number of ms >= 0, got NaN',
    ],
    [
      { queueDeletedRecentlyMs: Number.POSITIVE_INFINITY },
      'realism.queueDeletedRecentlyMs must be a finite number',
    ],
    [{ sqsDuplicateRate: 2 }, 'realism.sqsDuplicateRate must be between 0 and 1, got 2'],
    [{ latency: 5 }, 'realism.latency must be an object'],
    [{ latency: { services: { sqs: -2 } } }, 'realism.latency.services.sqs must be a finite number'],
    ['fast', `realism must be 'aws', 'off' or an object of RealismOptions, got "fast"`],
  ])('refuses %j with a message naming the option', (realism, message) => {
    expect(() => new RealismController(realism as never, 1)).toThrow(message);
  });
});
