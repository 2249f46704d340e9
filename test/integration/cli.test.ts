import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli.js';
import { createProbe } from '../../src/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const capture = (env: Record<string, string | undefined> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env };
  return { io, out: () => out.join(''), err: () => err.join('') };
};

describe('eventprobe CLI', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(() => aws.close());

  it('prints usage for help, and fails on no or unknown command', async () => {
    const help = capture();
    expect((await runCli(['help'], help.io)).code).toBe(0);
    expect(help.out()).toContain('eventprobe <command>');
    const none = capture();
    expect((await runCli([], none.io)).code).toBe(1);
    expect(none.err()).toContain('Usage');
    const unknown = capture();
    expect((await runCli(['frobnicate'], unknown.io)).code).toBe(2);
    expect(unknown.err()).toContain('unknown command "frobnicate"');
  });

  it.skipIf(emulatorOnly)('local starts an emulator on a free port that SDK clients can use', async () => {
    const c = capture();
    const { code, server } = await runCli(['local', '--port', '0', '--account-id', '111122223333'], c.io);
    expect(code).toBe(0);
    expect(server).toBeDefined();
    try {
      expect(c.out()).toContain(`listening on ${server?.endpoint} (account 111122223333)`);
      const sqs = new SQSClient({
        endpoint: server?.endpoint as string,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      await sqs.send(new CreateQueueCommand({ QueueName: 'cli-check' }));
      const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
      expect(QueueUrls?.[0]).toMatch(/\/111122223333\/cli-check$/);
      sqs.destroy();
    } finally {
      await server?.close();
    }
  });

  it.skipIf(emulatorOnly)('local takes a fixed latency', async () => {
    const c = capture();
    const { server } = await runCli(['local', '--port', '0', '--latency', '5'], c.io);
    try {
      expect(server?.faults.get().latencyMs).toBe(5);
    } finally {
      await server?.close();
    }
  });

  it.skipIf(emulatorOnly)(
    'local --realism aws (or JSON options) and --seed set the AWS-timing profile',
    async () => {
      const aws = await runCli(['local', '--port', '0', '--realism', 'aws', '--seed', '5'], capture().io);
      const json = await runCli(
        ['local', '--port', '0', '--realism', '{"ruleDelayMs":[10,20],"sqsReorder":true}'],
        capture().io,
      );
      const off = await runCli(['local', '--port', '0', '--realism', 'off'], capture().io);
      try {
        expect(aws.server?.emulator.realism.ruleDelayMs).toEqual([200, 1_500]);
        expect(aws.server?.emulator.realism.latency).toBeDefined();
        expect(json.server?.emulator.realism.ruleDelayMs).toEqual([10, 20]);
        expect(json.server?.emulator.realism.sqsReorder).toBe(true);
        expect(json.server?.emulator.realism.latency).toBeUndefined();
        expect(off.server?.emulator.realism.sqsReorder).toBe(false);
      } finally {
        await Promise.all([aws.server?.close(), json.server?.close(), off.server?.close()]);
      }
      const bad = capture();
      expect((await runCli(['local', '--port', '0', '--realism', 'fast'], bad.io)).code).toBe(1);
      expect(bad.err()).toContain(
        '--realism must be "aws", "off" or a JSON object of realism options; got "fast"',
      );
      const range = capture();
      expect((await runCli(['local', '--port', '0', '--realism', '{"ruleDelayMs":-1}'], range.io)).code).toBe(
        1,
      );
      expect(range.err()).toContain('realism.ruleDelayMs must be a finite number of ms >= 0');
    },
  );

  it('local reports a bad option', async () => {
    const c = capture();
    expect((await runCli(['local', '--port', '99999'], c.io)).code).toBe(1);
    expect(c.err()).toMatch(/eventprobe local: port must be an integer/);
  });

  it('sweep runs against the endpoint and refuses a bad tag', async () => {
    const env = {};
    const c = capture(env);
    const result = await runCli(
      ['sweep', '--all', '--older-than', '1', '--endpoint', aws.endpoint as string, '--region', aws.region],
      c.io,
    );
    expect(c.err()).toBe('');
    expect(result.code).toBe(0);
    expect(c.out()).toMatch(/sweep: \d+ removed, \d+ left alone/);
    // A leftover of an earlier run (never cleaned up) is removed by a tag-filtered sweep.
    const earlier = createProbe({ ...aws.clientConfig, tags: { suite: 'cli' } });
    const leftover = await earlier.addListener({
      eventBusName: 'default',
      eventPattern: { source: ['cli.test'] },
    });
    const tagged = capture(env);
    const byTag = await runCli(
      [
        'sweep',
        '--tag',
        'suite=cli',
        '--older-than',
        '0',
        '--endpoint',
        aws.endpoint as string,
        '--region',
        aws.region,
      ],
      tagged.io,
    );
    expect(tagged.err()).toBe('');
    expect(byTag.code).toBe(0);
    expect(tagged.out()).toContain(`removed queue ${leftover.resources.queueUrl}`);
    expect(tagged.out()).toMatch(/sweep: 2 removed/);
    await earlier[Symbol.asyncDispose]();
    const bad = capture(env);
    expect((await runCli(['sweep', '--tag', 'novalue'], bad.io)).code).toBe(1);
    expect(bad.err()).toContain('--tag takes KEY=VALUE');
  });

  it.skipIf(emulatorOnly)('sweep prints the warnings of a degraded discovery', async () => {
    aws.local?.faults.set({
      faults: [
        { service: 'tagging', operation: 'GetResources', error: 'AccessDeniedException', status: 400 },
      ],
    });
    try {
      const c = capture({});
      const result = await runCli(
        ['sweep', '--all', '--endpoint', aws.endpoint as string, '--region', aws.region],
        c.io,
      );
      expect(result.code).toBe(0);
      expect(c.out()).toMatch(/warning: The Resource Groups Tagging API could not be used/);
    } finally {
      aws.local?.faults.clear();
    }
  });

  it('trace says clearly when X-Ray has no such trace', async () => {
    const c = capture();
    const result = await runCli(
      [
        'trace',
        '1-5759e988-bd862e3fe1be46a994272793',
        '--endpoint',
        aws.endpoint as string,
        '--region',
        aws.region,
      ],
      c.io,
    );
    expect(result.code).toBe(1);
    expect(c.err()).toMatch(/eventprobe trace: .*1-5759e988-bd862e3fe1be46a994272793/);
    const missing = capture();
    expect((await runCli(['trace', 'x', '--region'], missing.io)).code).toBe(1);
    expect(missing.err()).toContain('--region needs a value');
  });
});
