import { parseArgs } from 'node:util';
import { type AwsConfigOptions, ClientSet } from './config.js';
import { EventProbeError, InvalidInputError } from './errors.js';
import type { LocalAws, Realism } from './local/index.js';
import { createProbe } from './probe.js';
import { runTraceCommand } from './tracing/cli.js';

/** Where the CLI writes, and what it reads from the environment. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What a CLI run ended with: an exit code, or (for `local`) a running emulator to stop later. */
export interface CliResult {
  readonly code: number;
  readonly server?: LocalAws;
}

export const USAGE = `Usage: eventprobe <command> [options]

Commands:
  local [--port N] [--host H] [--account-id ID] [--latency MS] [--realism aws|off|JSON] [--seed N]
        Start the local AWS emulator and print its endpoint (default 127.0.0.1:4566;
        --port 0 picks a free port). Stops on Ctrl-C. --data-dir DIR keeps the state in DIR
        (loaded on start, saved on stop).
        --realism aws gives it AWS's timing (rule delay, tagging lag, SQS duplicates, ...).
  sweep --tag KEY=VALUE... [--older-than MS] [--all] [--endpoint URL] [--region R]
        Remove eventprobe leftovers (marker-tagged listeners of earlier runs) that carry every
        given tag and are older than the grace period (default 1 h). --all sweeps every leftover.
  trace <tracing header | trace id> [--linked] [--max-depth N] [--segments-only] [--endpoint URL] [--region R]
        Fetch an X-Ray trace and print it as an indented waterfall.
  deploy <template-file | cdk.out> [--stack-name NAME] [--parameter KEY=VALUE]... [--endpoint URL]
        Deploy a CloudFormation/SAM template or a CDK cloud assembly (see eventprobe/local).
  destroy (--stack-name NAME | <cdk.out>) [--endpoint URL]
        Delete a deployed stack and wait until it is gone.
  help  Show this text.

AWS region, credentials and endpoint come from the usual AWS environment
(AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...) unless given as options.
`;

/** `--realism aws|off`, or a JSON object of RealismOptions (e.g. `'{"ruleDelayMs":[1000,3000]}'`). */
const realismOption = (value: string): Realism => {
  if (value === 'aws' || value === 'off') return value;
  try {
    return JSON.parse(value) as Realism;
  } catch {
    throw new InvalidInputError(
      `--realism must be "aws", "off" or a JSON object of realism options; got ${JSON.stringify(value)}.`,
      'realism',
    );
  }
};

const runLocal = async (args: string[], io: CliIo): Promise<CliResult> => {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '4566' },
      host: { type: 'string', default: '127.0.0.1' },
      'account-id': { type: 'string' },
      latency: { type: 'string' },
      'data-dir': { type: 'string' },
      realism: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const { startLocalAws } = await import('./local/index.js');
  const server = await startLocalAws({
    port: Number(values.port),
    host: values.host,
    ...(values['account-id'] === undefined ? {} : { accountId: values['account-id'] }),
    ...(values.latency === undefined ? {} : { latencyMs: Number(values.latency) }),
    ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
    ...(values.realism === undefined ? {} : { realism: realismOption(values.realism) }),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  });
  io.stdout(`eventprobe local AWS emulator listening on ${server.endpoint} (account ${server.accountId})\n`);
  io.stdout(`  export AWS_ENDPOINT_URL=${server.endpoint}\n`);
  return { code: 0, server };
};

/** Only the options that were given (the SDK resolves the rest from the environment). */
const awsOptions = (
  values: { endpoint?: string | undefined; region?: string | undefined },
  io: CliIo,
): AwsConfigOptions =>
  Object.fromEntries(
    Object.entries({ endpoint: values.endpoint, region: values.region, env: io.env }).filter(
      ([, value]) => value !== undefined,
    ),
  );

const runSweep = async (args: string[], io: CliIo): Promise<CliResult> => {
  const { values } = parseArgs({
    args,
    options: {
      tag: { type: 'string', multiple: true, default: [] },
      'older-than': { type: 'string' },
      all: { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      region: { type: 'string' },
    },
  });
  const tagFilters: Record<string, string> = {};
  for (const tag of values.tag) {
    const eq = tag.indexOf('=');
    if (eq <= 0) throw new EventProbeError(`--tag takes KEY=VALUE, got "${tag}".`);
    tagFilters[tag.slice(0, eq)] = tag.slice(eq + 1);
  }
  const probe = createProbe(awsOptions(values, io));
  try {
    const report = await probe.sweep({
      tagFilters,
      all: values.all,
      ...(values['older-than'] === undefined ? {} : { olderThan: Number(values['older-than']) }),
    });
    io.stdout(
      [
        ...report.removed.map((r) => `removed ${r.kind} ${r.resource}\n`),
        ...report.warnings.map((w) => `warning: ${w}\n`),
        `sweep: ${report.removed.length} removed, ${report.skipped.length} left alone\n`,
      ].join(''),
    );
    return { code: 0 };
  } finally {
    await probe[Symbol.asyncDispose]();
  }
};

const runTrace = async (args: string[], io: CliIo): Promise<CliResult> => {
  // --endpoint and --region are the CLI's; everything else goes to the trace command.
  const own: { endpoint?: string; region?: string } = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--endpoint' || arg === '--region') {
      const value = args[++i];
      if (value === undefined) throw new EventProbeError(`${arg} needs a value.`);
      own[arg === '--endpoint' ? 'endpoint' : 'region'] = value;
    } else rest.push(arg);
  }
  const clients = new ClientSet(awsOptions(own, io));
  try {
    return { code: await runTraceCommand(rest, { xray: clients.get('xray'), stdout: io.stdout }) };
  } finally {
    clients.destroy();
  }
};

/**
 * Runs the `eventprobe` command line. Returns the exit code, or for `local` the running emulator
 * (the caller stops it). Errors are printed to stderr, never thrown.
 */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<CliResult> => {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr(USAGE);
        return { code: 1 };
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return { code: 0 };
      case 'local':
        return await runLocal(rest, io);
      case 'sweep':
        return await runSweep(rest, io);
      case 'trace':
        return await runTrace(rest, io);
      case 'deploy':
        return { code: await (await import('./local/deploy/cli.js')).runDeploy(rest, io) };
      case 'destroy':
        return { code: await (await import('./local/deploy/cli.js')).runDestroy(rest, io) };
      default:
        io.stderr(`eventprobe: unknown command "${command}"\n\n${USAGE}`);
        return { code: 2 };
    }
  } catch (err) {
    io.stderr(`eventprobe ${command}: ${(err as Error).message}\n`);
    return { code: 1 };
  }
};
