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
      expect((await runCli(['local', '--port', '0', '--realism', 'fast'], bad.io)).code).toBe(2);
      expect(bad.err()).toContain(
        `--realism must be "aws", "off" or a JSON object of realism options, got 'fast'`,
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
    expect((await runCli(['local', '--port', '99999'], c.io)).code).toBe(2);
    expect(c.err()).toContain(
      "eventprobe local: --port must be an integer from 0 to 65535, got '99999'. Run `eventprobe local --help`",
    );
  });

  it.each([
    [['local', '--port', 'abc'], "--port must be an integer from 0 to 65535, got 'abc'."],
    [['local', '--latency=-5'], "--latency must be an integer >= 0 (milliseconds), got '-5'."],
    [['local', '--account-id', '12'], "--account-id must be 12 digits, got '12'."],
    [
      ['sweep', '--all', '--older-than', 'abc'],
      "--older-than must be an integer >= 0 (milliseconds), got 'abc'.",
    ],
    [['sweep', '--tag', 'novalue'], "--tag takes KEY=VALUE, got 'novalue'."],
    [['sweep'], 'sweep needs --tag KEY=VALUE'],
    [['sweep', '--frob'], "Unknown option '--frob'"],
    [['trace', 'x', '--max-depth', 'deep'], "--max-depth must be an integer from 1 to 100, got 'deep'."],
    [['trace', 'x', '--region'], "Option '--region <value>' argument missing"],
  ])('%j is refused with a flag-level message', async (argv, message) => {
    const c = capture({});
    expect((await runCli(argv, c.io)).code).toBe(2);
    expect(c.err()).toContain(message);
    expect(c.err()).toContain(`Run \`eventprobe ${argv[0]} --help\``);
  });

  it.each(['local', 'sweep', 'trace'])('%s --help prints the command’s options', async (command) => {
    const c = capture();
    expect((await runCli([command, '--help'], c.io)).code).toBe(0);
    expect(c.out()).toContain(`Usage: eventprobe ${command}`);
    const viaHelp = capture();
    expect((await runCli(['help', command], viaHelp.io)).code).toBe(0);
    expect(viaHelp.out()).toBe(c.out());
  });

  it('a refused connection is reported as a connection error, not as permissions', async () => {
    const c = capture({});
    const result = await runCli(
      ['sweep', '--all', '--endpoint', 'http://127.0.0.1:1', '--region', 'us-east-1'],
      c.io,
    );
    expect(result.code).toBe(1);
    expect(c.err()).toMatch(
      /^eventprobe sweep: Could not connect to http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/,
    );
    expect(c.err()).not.toContain('IAM');
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
  });

  it('sweep says why it left leftovers alone, and how to remove them', async () => {
    // A unique tag: on a shared endpoint other files' listeners are also found (and left alone).
    const suite = `cli-young-${Date.now().toString(36)}`;
    const earlier = createProbe({ ...aws.clientConfig, tags: { suite } });
    await earlier.addListener({ eventBusName: 'default', eventPattern: { source: ['cli.young'] } });
    const args = [
      'sweep',
      '--tag',
      `suite=${suite}`,
      '--endpoint',
      aws.endpoint as string,
      '--region',
      aws.region,
    ];
    const young = capture({});
    expect((await runCli(args, young.io)).code).toBe(0);
    expect(young.out()).toMatch(/sweep: 0 removed, \d+ left alone/);
    expect(young.out()).toContain('  2 within the grace period');
    expect(young.out()).toContain('--older-than 0');
    const given = capture({});
    expect((await runCli([...args, '--older-than', '86400000'], given.io)).code).toBe(0);
    expect(given.out()).toContain('hint: --older-than 0 also removes');
    const now = capture({});
    expect((await runCli([...args, '--older-than', '0'], now.io)).code).toBe(0);
    expect(now.out()).toContain('sweep: 2 removed');
    await earlier[Symbol.asyncDispose]();
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
    const flags = capture();
    const withFlags = await runCli(
      [
        'trace',
        '1-5759e988-bd862e3fe1be46a994272793',
        '--linked',
        '--segments-only',
        '--max-depth',
        '2',
        '--endpoint',
        aws.endpoint as string,
        '--region',
        aws.region,
      ],
      flags.io,
    );
    expect(withFlags.code).toBe(1);
    expect(flags.err()).toMatch(/eventprobe trace: .*1-5759e988-bd862e3fe1be46a994272793/);
  });
});
