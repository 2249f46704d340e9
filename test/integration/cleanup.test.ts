import {
  CreateEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, ListSubscriptionsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient, UntagQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupProbe, removeListenerResources, removeListeners, sweep } from '../../src/cleanup/index.js';
import { ClientSet } from '../../src/config.js';
import { CleanupError, InvalidInputError } from '../../src/errors.js';
import type { ProbeContext } from '../../src/probe.js';
import type { ListenerResources } from '../../src/resources/listener-resources.js';
import { newListenerId, newRunId, resourceName } from '../../src/resources/naming.js';
import { TAG_MARKER, type Tags } from '../../src/resources/tags.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';
import { type LeftoverSpec, removeStagedDecoys, stageListener } from '../support/leftovers.js';

let aws: TestAws;
let sqs: SQSClient;
let events: EventBridgeClient;
let sns: SNSClient;
const contexts: ProbeContext[] = [];
const HOUR = 3_600_000;
/** A fresh tag per test, so tests never see each other's resources. */
let suiteTag = 0;
const uniqueTags = (): Tags => ({ suite: `cleanup-${process.pid}-${Date.now()}-${suiteTag++}` });

const probeContext = (tags: Tags, runId = newRunId(Date.now()), now = () => Date.now()): ProbeContext => {
  const ctx: ProbeContext = {
    clients: new ClientSet({ ...aws.clientConfig, maxAttempts: 3 }),
    runId,
    tags,
    clock: { now },
    created: new Map(),
  };
  contexts.push(ctx);
  return ctx;
};

const stage = (spec: Omit<LeftoverSpec, 'clientConfig'>): Promise<ListenerResources> =>
  stageListener({ clientConfig: aws.clientConfig, ...spec });

const queueExists = async (listenerId: string): Promise<boolean> => {
  try {
    await sqs.send(new GetQueueUrlCommand({ QueueName: resourceName(listenerId) }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'QueueDoesNotExist') return false;
    throw error;
  }
};
const ruleExists = async (listenerId: string, bus = 'default'): Promise<boolean> => {
  try {
    await events.send(new DescribeRuleCommand({ Name: resourceName(listenerId), EventBusName: bus }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  }
};
const exists = async (r: ListenerResources): Promise<{ queue: boolean; rule: boolean }> => ({
  queue: await queueExists(r.listenerId),
  rule: await ruleExists(r.listenerId, r.eventBusName),
});
const gone = { queue: false, rule: false };
const present = { queue: true, rule: true };

beforeAll(async () => {
  aws = await startTestAws();
  sqs = new SQSClient(aws.clientConfig);
  events = new EventBridgeClient(aws.clientConfig);
  sns = new SNSClient(aws.clientConfig);
});
afterAll(async () => {
  await removeStagedDecoys();
  for (const ctx of contexts) ctx.clients.destroy();
  sqs?.destroy();
  events?.destroy();
  sns?.destroy();
  await aws?.close();
});

describe('removeListenerResources', () => {
  it('removes targets, rule and queue, and a second call is a no-op success', async () => {
    const ctx = probeContext({});
    const r = await stage({ runId: ctx.runId });
    expect(await exists(r)).toEqual(present);
    await removeListenerResources(ctx.clients, r);
    expect(await exists(r)).toEqual(gone);
    await removeListenerResources(ctx.clients, r);
  });

  it('works from ARNs and names only (no queue URL, no rule ARN, no target id)', async () => {
    const ctx = probeContext({});
    const r = await stage({ runId: ctx.runId });
    const { queueUrl: _u, ruleArn: _a, targetId: _t, ...partial } = r;
    await removeListenerResources(ctx.clients, partial);
    expect(await exists(r)).toEqual(gone);
  });

  it('removes targets someone added besides its own before deleting the rule', async () => {
    const ctx = probeContext({});
    const r = await stage({ runId: ctx.runId });
    await events.send(
      new PutTargetsCommand({
        Rule: r.ruleName,
        Targets: [{ Id: 'someone-else', Arn: r.queueArn }],
      }),
    );
    await removeListenerResources(ctx.clients, r);
    expect(await exists(r)).toEqual(gone);
  });

  it('unsubscribes the SNS subscription of the queue', async () => {
    const ctx = probeContext({});
    const topic = await sns.send(new CreateTopicCommand({ Name: `cleanup-topic-${Date.now()}` }));
    const r = await stage({ runId: ctx.runId, topicArn: topic.TopicArn as string, rule: false });
    expect(r.subscriptionArn).toMatch(/^arn:/);
    await removeListenerResources(ctx.clients, r);
    const subs = await sns.send(new ListSubscriptionsCommand({}));
    expect(subs.Subscriptions?.some((s) => s.SubscriptionArn === r.subscriptionArn)).toBe(false);
    expect(await queueExists(r.listenerId)).toBe(false);
  });

  it('never deletes a queue or rule without the marker tag, and says so', async () => {
    const ctx = probeContext({});
    const r = await stage({ runId: ctx.runId, marker: false, userTags: { team: 'x' } });
    const error = await removeListenerResources(ctx.clients, r).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupError);
    const failures = (error as CleanupError).failures;
    expect(failures.map((f) => f.resource).sort()).toEqual([r.queueUrl, r.ruleArn].sort());
    expect((error as CleanupError).message).toMatch(/does not carry the tag eventprobe:managed=true/);
    expect(await exists(r)).toEqual(present);
  });

  it('leaves a marked resource whose marker was removed later', async () => {
    const ctx = probeContext({});
    const r = await stage({ runId: ctx.runId });
    await sqs.send(new UntagQueueCommand({ QueueUrl: r.queueUrl, TagKeys: [TAG_MARKER] }));
    await events.send(new UntagResourceCommand({ ResourceARN: r.ruleArn, TagKeys: [TAG_MARKER] }));
    await expect(removeListenerResources(ctx.clients, r)).rejects.toBeInstanceOf(CleanupError);
    expect(await exists(r)).toEqual(present);
  });

  it("rethrows the caller's abort reason", async () => {
    const ctx = probeContext({});
    const r = await stage({ runId: ctx.runId });
    const reason = new Error('stop now');
    await expect(removeListenerResources(ctx.clients, r, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    const controller = new AbortController();
    const pending = removeListenerResources(ctx.clients, r, { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await removeListenerResources(ctx.clients, r);
  });
});

describe('cleanupProbe', () => {
  it('removes everything the probe created and forgets it', async () => {
    const ctx = probeContext(uniqueTags());
    const staged = await Promise.all([1, 2, 3].map(() => stage({ runId: ctx.runId, userTags: ctx.tags })));
    for (const r of staged) ctx.created.set(r.listenerId, r);
    const report = await cleanupProbe(ctx, { concurrency: 2 });
    expect(ctx.created.size).toBe(0);
    expect(report.removed).toHaveLength(6);
    for (const r of staged) expect(await exists(r)).toEqual(gone);
    expect((await cleanupProbe(ctx)).removed).toEqual([]);
  });

  it('keeps what it could not remove and throws CleanupError', async () => {
    const ctx = probeContext(uniqueTags());
    const good = await stage({ runId: ctx.runId, userTags: ctx.tags });
    const decoy = await stage({ runId: ctx.runId, userTags: ctx.tags, marker: false });
    ctx.created.set(good.listenerId, good);
    ctx.created.set(decoy.listenerId, decoy);
    const error = (await cleanupProbe(ctx).catch((e: unknown) => e)) as CleanupError;
    expect(error).toBeInstanceOf(CleanupError);
    expect(error.failures).toHaveLength(2);
    expect([...ctx.created.keys()]).toEqual([decoy.listenerId]);
    expect(await exists(good)).toEqual(gone);
    expect(await exists(decoy)).toEqual(present);
  });

  it('validates concurrency', async () => {
    const ctx = probeContext({});
    await expect(cleanupProbe(ctx, { concurrency: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(cleanupProbe(ctx, { concurrency: 1.5 })).rejects.toThrow(/concurrency/);
  });
});

describe('sweep', () => {
  it('removes leftovers of earlier runs matching the tags, past the grace period, on any bus', async () => {
    const tags = uniqueTags();
    const ctx = probeContext(tags);
    const bus = `cleanup-bus-${Date.now()}`;
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const old = new Date(Date.now() - 2 * HOUR);
    const leftovers = await Promise.all([
      stage({ runId: 'crashed-run', createdAt: old, userTags: tags }),
      stage({ runId: 'crashed-run', createdAt: old, userTags: tags, eventBusName: bus }),
      stage({ runId: 'crashed-run', createdAt: old, userTags: tags, rule: false }),
      stage({ runId: 'crashed-run', createdAt: old, userTags: tags, queue: false }),
    ]);
    const keep = await Promise.all([
      // a parallel run still going: younger than the grace period
      stage({ runId: 'live-run', userTags: tags }),
      // this run's own
      stage({ runId: ctx.runId, createdAt: old, userTags: tags }),
      // another suite's
      stage({ runId: 'crashed-run', createdAt: old, userTags: { suite: 'another' } }),
      // a decoy: same prefix and tags, no marker
      stage({ runId: 'crashed-run', createdAt: old, userTags: tags, marker: false }),
    ]);
    const report = await sweep(ctx);
    for (const r of leftovers) expect(await exists(r)).toEqual(gone);
    for (const r of keep) expect(await exists(r)).toEqual(present);
    expect(report.failed).toEqual([]);
    expect(report.removed).toHaveLength(6);
    const reasons = report.skipped.map((s) => s.reason).join('\n');
    expect(reasons).toMatch(/grace period/);
    expect(reasons).toMatch(/this run/);
    expect(reasons).toMatch(/no eventprobe:managed tag/);
    expect(reasons).toMatch(/do not match/);
    await removeListeners(ctx, { ids: keep.slice(0, 3).map((r) => r.listenerId) });
  });

  it('honours olderThan, explicit tagFilters with several values, and all', async () => {
    const tags = uniqueTags();
    const ctx = probeContext({});
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const a = await stage({ runId: 'r1', createdAt: tenMinutesAgo, userTags: { ...tags, branch: 'a' } });
    const b = await stage({ runId: 'r1', createdAt: tenMinutesAgo, userTags: { ...tags, branch: 'b' } });
    // Within the default hour: kept.
    await sweep(ctx, { tagFilters: tags });
    expect(await exists(a)).toEqual(present);
    await sweep(ctx, { tagFilters: { ...tags, branch: ['a', 'c'] }, olderThan: 5 * 60_000 });
    expect(await exists(a)).toEqual(gone);
    expect(await exists(b)).toEqual(present);
    await expect(sweep(ctx)).rejects.toThrow(/sweep needs a tag filter/);
    await expect(sweep(ctx, { tagFilters: {} })).rejects.toBeInstanceOf(InvalidInputError);
    if (emulatorOnly) {
      // On a shared endpoint, `all` would also sweep other people's eventprobe leftovers.
      await sweep(ctx, { tagFilters: tags, olderThan: 0 });
    } else {
      const report = await sweep(ctx, { all: true, olderThan: 0 });
      expect(report.removed.length).toBeGreaterThanOrEqual(2);
    }
    expect(await exists(b)).toEqual(gone);
  });

  it('sweeps a leftover without a valid created-at only with olderThan: 0', async () => {
    const tags = uniqueTags();
    const ctx = probeContext(tags);
    const r = await stage({ runId: 'r2', createdAt: new Date(Date.now() - 2 * HOUR), userTags: tags });
    await sqs.send(new UntagQueueCommand({ QueueUrl: r.queueUrl, TagKeys: ['eventprobe:created-at'] }));
    await sweep(ctx);
    expect(await exists(r)).toEqual({ queue: true, rule: false });
    await sweep(ctx, { olderThan: 0 });
    expect(await exists(r)).toEqual(gone);
  });

  it('unsubscribes the SNS subscriptions of swept queues', async () => {
    const tags = uniqueTags();
    const ctx = probeContext(tags);
    const topic = await sns.send(new CreateTopicCommand({ Name: `sweep-topic-${Date.now()}` }));
    const r = await stage({
      runId: 'r3',
      createdAt: new Date(Date.now() - 2 * HOUR),
      userTags: tags,
      topicArn: topic.TopicArn as string,
      rule: false,
    });
    const report = await sweep(ctx);
    expect(report.removed.map((x) => x.kind).sort()).toEqual(['queue', 'subscription']);
    const subs = await sns.send(new ListSubscriptionsCommand({}));
    expect(subs.Subscriptions?.some((s) => s.SubscriptionArn === r.subscriptionArn)).toBe(false);
  });
});

describe('removeListeners', () => {
  it('by ids: duplicates ignored, unknown ids reported, own and foreign listeners removed', async () => {
    const tags = uniqueTags();
    const ctx = probeContext(tags);
    const own = await stage({ runId: ctx.runId, userTags: tags });
    ctx.created.set(own.listenerId, own);
    const foreign = await stage({ runId: 'other-run', userTags: { any: 'thing' } });
    const unknown = newListenerId();
    const report = await removeListeners(ctx, {
      ids: [own.listenerId, foreign.listenerId, foreign.listenerId, unknown, own.listenerId],
    });
    expect(report.notFound).toEqual([unknown]);
    expect(report.removed).toHaveLength(4);
    expect(ctx.created.size).toBe(0);
    expect(await exists(own)).toEqual(gone);
    expect(await exists(foreign)).toEqual(gone);
  });

  it('by ids: an empty list does nothing, only own ids skip discovery, bad ids are refused', async () => {
    const ctx = probeContext({});
    expect(await removeListeners(ctx, { ids: [] })).toEqual({
      removed: [],
      failed: [],
      skipped: [],
      notFound: [],
      warnings: [],
    });
    const own = await stage({ runId: ctx.runId });
    ctx.created.set(own.listenerId, own);
    expect((await removeListeners(ctx, { ids: [own.listenerId] })).removed).toHaveLength(2);
    await expect(removeListeners(ctx, { ids: ['not-an-id'] })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(removeListeners(ctx, { ids: 'x' as never })).rejects.toThrow(/ids must be an array/);
  });

  it('by ids: a resource named after the id without the marker is a failure and is left', async () => {
    const ctx = probeContext({});
    const decoy = await stage({ runId: 'x', marker: false });
    const error = (await removeListeners(ctx, { ids: [decoy.listenerId] }).catch(
      (e: unknown) => e,
    )) as CleanupError;
    expect(error).toBeInstanceOf(CleanupError);
    expect(error.failures).toHaveLength(2);
    expect(await exists(decoy)).toEqual(present);
  });

  it('by ids: more than 20 unknown ids still works (tagging API cross-check without id filter)', async () => {
    const ctx = probeContext({});
    const ids = Array.from({ length: 21 }, () => newListenerId());
    const report = await removeListeners(ctx, { ids });
    expect(report.notFound).toHaveLength(21);
  });

  it('by tags: every marked listener with all the tags, any run, any age; decoys untouched', async () => {
    const tags = uniqueTags();
    const ctx = probeContext({});
    const mine = await stage({ runId: ctx.runId, userTags: tags });
    ctx.created.set(mine.listenerId, mine);
    const other = await stage({ runId: 'other', userTags: { ...tags, extra: '1' } });
    const decoy = await stage({ runId: 'other', userTags: tags, marker: false });
    const unrelated = await stage({ runId: 'other', userTags: { suite: 'unrelated' } });
    const report = await removeListeners(ctx, { tagFilters: tags });
    expect(report.removed).toHaveLength(4);
    expect(ctx.created.size).toBe(0);
    expect(await exists(mine)).toEqual(gone);
    expect(await exists(other)).toEqual(gone);
    expect(await exists(decoy)).toEqual(present);
    expect(await exists(unrelated)).toEqual(present);
    await expect(removeListeners(ctx, { tagFilters: {} })).rejects.toThrow(/at least one tag/);
    await expect(removeListeners(ctx, { tagFilters: { a: [] } })).rejects.toBeInstanceOf(InvalidInputError);
    await removeListeners(ctx, { ids: [unrelated.listenerId] });
  });

  it('rules keep only their own targets after a failed run', async () => {
    // A listener whose rule lost its queue target (setup killed between PutRule and PutTargets).
    const tags = uniqueTags();
    const ctx = probeContext(tags);
    const r = await stage({
      runId: 'r4',
      createdAt: new Date(Date.now() - 2 * HOUR),
      userTags: tags,
      queue: false,
    });
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: r.ruleName }));
    expect(targets.Targets).toEqual([]);
    await sweep(ctx);
    expect(await ruleExists(r.listenerId)).toBe(false);
  });
});
