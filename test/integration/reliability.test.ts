import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EventBridgeClient,
  ListRulesCommand,
  ListTagsForResourceCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { ListQueuesCommand, ListQueueTagsCommand, SQSClient } from '@aws-sdk/client-sqs';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanupError } from '../../src/errors.js';
import { createProbe, type Probe } from '../../src/probe.js';
import type { ListenerResources } from '../../src/resources/listener-resources.js';
import { NAME_PREFIX, newRunId } from '../../src/resources/naming.js';
import { resourceTags, TAG_MARKER, TAG_RUN_ID, type Tags } from '../../src/resources/tags.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';
import { removeStagedDecoys, stageListener } from '../support/leftovers.js';

const HOUR = 3_600_000;
let aws: TestAws;
let sqs: SQSClient;
let events: EventBridgeClient;
const probes: Probe[] = [];
let n = 0;
const uniqueTags = (): Tags => ({ suite: `reliability-${process.pid}-${Date.now()}-${n++}` });

const probe = (tags: Tags, extra: { runId?: string; clockOffsetMs?: number } = {}): Probe => {
  const p = createProbe({
    ...aws.clientConfig,
    tags,
    ...(extra.runId ? { runId: extra.runId } : {}),
    ...(extra.clockOffsetMs ? { clock: { now: () => Date.now() + (extra.clockOffsetMs ?? 0) } } : {}),
  });
  probes.push(p);
  return p;
};

/** Every eventprobe-named queue and rule (on the default bus) with its tags, as the service reports them. */
const inventory = async (): Promise<{ resource: string; tags: Tags }[]> => {
  const out: { resource: string; tags: Tags }[] = [];
  const queues = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: NAME_PREFIX }));
  for (const url of queues.QueueUrls ?? []) {
    const { Tags } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
    out.push({ resource: url, tags: Tags ?? {} });
  }
  const rules = await events.send(new ListRulesCommand({ NamePrefix: NAME_PREFIX }));
  for (const rule of rules.Rules ?? []) {
    const { Tags } = await events.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn }));
    out.push({
      resource: rule.Arn as string,
      tags: Object.fromEntries((Tags ?? []).map((t) => [t.Key, t.Value])),
    });
  }
  return out;
};
const withTags = async (tags: Tags): Promise<string[]> =>
  (await inventory())
    .filter((r) => Object.entries(tags).every(([k, v]) => r.tags[k] === v))
    .map((r) => r.resource);

const putEvent = async (source: string, detail: object): Promise<void> => {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [{ Source: source, DetailType: 'Test', Detail: JSON.stringify(detail) }],
    }),
  );
  expect(out.FailedEntryCount).toBe(0);
};

/** PutEvents through the test's own client, retried by hand while faults are injected. */
const putEventRetrying = async (source: string, detail: object): Promise<void> => {
  for (let i = 0; ; i++) {
    try {
      return await putEvent(source, detail);
    } catch (error) {
      if (i >= 20) throw error;
    }
  }
};

beforeAll(async () => {
  aws = await startTestAws();
  sqs = new SQSClient(aws.clientConfig);
  events = new EventBridgeClient(aws.clientConfig);
});
afterAll(async () => {
  await removeStagedDecoys();
  for (const p of probes) await p[Symbol.asyncDispose]().catch(() => undefined);
  sqs?.destroy();
  events?.destroy();
  await aws?.close();
});

describe('parallel runs', () => {
  it("a live run's listeners survive another run's sweep and keep receiving", async () => {
    const tags = uniqueTags();
    const live = probe(tags);
    const listener = await live.addListener({
      eventBusName: 'default',
      eventPattern: { source: ['reliability.live'] },
    });
    const other = probe(tags);
    const report = await other.sweep();
    expect(report.removed).toEqual([]);
    expect(report.skipped.length).toBeGreaterThanOrEqual(2);
    await putEvent('reliability.live', { n: 1 });
    const event = await listener.waitForEvent((e) => (e.detail as { n: number }).n === 1, { timeout: 5_000 });
    expect(event.source).toBe('reliability.live');
    await listener.stop();
    expect(await withTags(tags)).toEqual([]);
  });
});

describe('decoys', () => {
  it('resources without the marker tag are never touched, whatever is asked', async () => {
    const tags = uniqueTags();
    const old = new Date(Date.now() - 5 * HOUR);
    const stage = (over: Parameters<typeof stageListener>[0]) => stageListener(over);
    const decoys: ListenerResources[] = await Promise.all([
      // Same name prefix and user tags, no eventprobe tags.
      stage({ clientConfig: aws.clientConfig, runId: 'decoy', marker: false, userTags: tags }),
      // No tags at all.
      stage({ clientConfig: aws.clientConfig, runId: 'decoy', marker: false }),
    ]);
    // Every system tag but a wrong marker value, and a marker key in another case.
    for (const marker of [{ [TAG_MARKER]: 'false' }, { [TAG_MARKER.toUpperCase()]: 'true' }]) {
      const t = {
        ...resourceTags({ listenerId: 'l000000000000000', runId: 'decoy', createdAt: old, userTags: tags }),
      };
      delete t[TAG_MARKER];
      decoys.push(
        await stage({
          clientConfig: aws.clientConfig,
          runId: 'decoy',
          marker: false,
          userTags: { ...t, ...marker },
        }),
      );
    }
    const sweeper = probe(tags, { clockOffsetMs: 10 * HOUR });
    await sweeper.sweep();
    // On a shared endpoint, `all` would also sweep other people's eventprobe leftovers.
    await sweeper.sweep(emulatorOnly ? { olderThan: 0 } : { all: true, olderThan: 0 });
    await sweeper.removeListeners({ tagFilters: tags });
    const byIds = await sweeper
      .removeListeners({ ids: decoys.map((d) => d.listenerId) })
      .catch((e: unknown) => e);
    expect(byIds).toBeInstanceOf(CleanupError);
    expect((byIds as CleanupError).failures).toHaveLength(8);
    for (const d of decoys) sweeper.context.created.set(d.listenerId, d);
    await expect(sweeper.cleanup()).rejects.toBeInstanceOf(CleanupError);
    sweeper.context.created.clear();
    const remaining = new Set((await inventory()).map((r) => r.resource));
    for (const d of decoys) {
      expect(remaining.has(d.queueUrl as string)).toBe(true);
      expect(remaining.has(d.ruleArn as string)).toBe(true);
    }
  });
});

describe.skipIf(emulatorOnly)('under 30% throttling', () => {
  it('creates, waits, cleans up and sweeps, and nothing leaks', async () => {
    const local = aws.local!;
    const tags = uniqueTags();
    const old = new Date(Date.now() - 2 * HOUR);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        stageListener({ clientConfig: aws.clientConfig, runId: 'crashed', createdAt: old, userTags: tags }),
      ),
    );
    local.faults.set({
      seed: 7,
      faults: [
        { service: 'sqs', operation: '*', error: 'RequestThrottled', rate: 0.3 },
        { service: 'events', operation: '*', error: 'ThrottlingException', rate: 0.3 },
        { service: 'tagging', operation: '*', error: 'ThrottlingException', rate: 0.3 },
        { service: 'sns', operation: '*', error: 'Throttling', rate: 0.3 },
      ],
    });
    try {
      // This run: the SDK's own retry carries setup; cleanup adds its backoff on top. At a 30% fault
      // rate 5 attempts lose one call in 400 (0.3^5), and setup makes dozens (more with readiness
      // under the AWS-timing profile, whose call order varies the seeded draws): 10 attempts do not.
      const p = createProbe({ ...aws.clientConfig, tags, maxAttempts: 10 });
      probes.push(p);
      const listeners = await Promise.all(
        Array.from({ length: 3 }, () =>
          p.addListener({ eventBusName: 'default', eventPattern: { source: ['reliability.throttled'] } }),
        ),
      );
      await putEventRetrying('reliability.throttled', { n: 7 });
      // 30 s: a receive lost in flight (client-side timeout under load) comes back after the
      // listener's 10 s visibility timeout.
      const event = await listeners[1]!.waitForEvent((e) => (e.detail as { n: number }).n === 7, {
        timeout: 30_000,
      });
      expect(event.source).toBe('reliability.throttled');
      // The next run's sweep, with SDK retries off: eventprobe's own backoff does all the retrying.
      const next = createProbe({ ...aws.clientConfig, tags, maxAttempts: 1 });
      probes.push(next);
      const swept = await next.sweep();
      expect(swept.failed).toEqual([]);
      expect(swept.removed).toHaveLength(40);
      const removed = await p.removeListeners({ ids: [listeners[0]!.id, listeners[0]!.id] });
      expect(removed.removed).toHaveLength(2);
      const cleaned = await p.cleanup();
      expect(cleaned.removed).toHaveLength(4);
      expect(local.faults.injected.size).toBeGreaterThan(0);
    } finally {
      local.faults.clear();
    }
    expect(await withTags(tags)).toEqual([]);
  });
});

describe.skipIf(emulatorOnly)('a run killed with SIGKILL during addListener', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = join(here, '..', '..');
  const libDir = join(root, 'node_modules', '.cache', `eventprobe-child-${process.pid}`);

  // The child runs the real library code. Node 20 cannot run TypeScript and tsx is not a
  // dependency, so the sources are transpiled (types erased, nothing bundled) into a folder under
  // node_modules, where the child resolves @aws-sdk the same way the package would.
  beforeAll(async () => {
    const src = join(root, 'src');
    const walk = async (dir: string): Promise<string[]> =>
      (await readdir(dir, { withFileTypes: true }))
        .flatMap((e) => (e.isDirectory() ? [] : [join(dir, e.name)]))
        .concat(
          ...(await Promise.all(
            (
              await readdir(dir, { withFileTypes: true })
            )
              .filter((e) => e.isDirectory() && join(dir, e.name) !== join(src, 'local'))
              .map((e) => walk(join(dir, e.name))),
          )),
        );
    for (const file of (await walk(src)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
      const out = join(libDir, relative(src, file)).replace(/\.ts$/, '.js');
      const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
      });
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, outputText);
    }
    await writeFile(join(libDir, 'package.json'), '{"type":"module"}');
  }, 60_000);
  afterAll(() => rm(libDir, { recursive: true, force: true }));

  it('leaves nothing after the next sweep', async () => {
    const local = aws.local!;
    const tags = uniqueTags();
    const runId = newRunId(Date.now());
    // Hold PutTargets: the queue and the rule exist, the target never gets attached.
    local.faults.set({ operationLatencyMs: { 'events:PutTargets': 20_000 } });
    const child = spawn(
      process.execPath,
      [
        join(here, '..', 'support', 'child-listener.mjs'),
        libDir,
        aws.endpoint as string,
        runId,
        JSON.stringify(tags),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    try {
      const deadline = Date.now() + 20_000;
      let created: string[] = [];
      while (created.length < 2) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`child did not get half-way: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
        created = await withTags({ [TAG_RUN_ID]: runId });
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
      local.faults.clear();
    }
    expect(await withTags({ [TAG_RUN_ID]: runId })).toHaveLength(2);
    // The next run, after the grace period: its sweep removes the half-made listener.
    const next = probe(tags, { clockOffsetMs: 2 * HOUR });
    const report = await next.sweep();
    expect(report.removed).toHaveLength(2);
    expect(await withTags({ [TAG_RUN_ID]: runId })).toEqual([]);
  });
});
