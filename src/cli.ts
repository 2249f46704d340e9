import { type ParseArgsConfig, parseArgs } from 'node:util';

type ParsedResults<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

import { type AwsConfigOptions, ClientSet } from './config.js';
import { EndpointConnectionError, InvalidInputError } from './errors.js';
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

/** One `eventprobe <name>` command. Add a command by adding one of these to {@link COMMANDS}. */
export interface CliCommand {
  /** One line for the overview, after the command's synopsis. */
  readonly summary: string;
  /** `eventprobe <name> --help`: synopsis and every option. */
  readonly help: string;
  /** Runs the command with the arguments after its name (`--help` is handled before). */
  readonly run: (args: string[], io: CliIo) => Promise<CliResult>;
}

/** A flag the user got wrong: printed as `eventprobe <command>: <message>` with a pointer to `--help`. */
export class CliUsageError extends InvalidInputError {}

/** `--name` as a whole number in [min, max], with a message that names the flag and echoes the value. */
export const integerFlag = (flag: string, value: string, min: number, max: number, unit = ''): number => {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new CliUsageError(`--${flag} must be an integer ${range}${unit}, got '${value}'.`, `--${flag}`);
  }
  return n;
};

const AWS_OPTIONS_HELP = `  --endpoint URL      AWS-compatible endpoint (default: AWS_ENDPOINT_URL, else AWS)
  --region R          AWS region (default: AWS_REGION / profile)

AWS region, credentials and endpoint come from the usual AWS environment (AWS_REGION, AWS_PROFILE,
AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...). With an endpoint and no credentials, dummy ones are used.
`;

const AWS_PARSE_OPTIONS = { endpoint: { type: 'string' }, region: { type: 'string' } } as const;

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

/** node's parseArgs (strict), with its errors turned into usage errors. */
const parse = <T extends ParseArgsConfig>(config: T): ParsedResults<T> => {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new CliUsageError((error as Error).message, 'arguments', { cause: error });
  }
};

/** `--realism aws|off`, or a JSON object of RealismOptions (e.g. `'{"ruleDelayMs":[1000,3000]}'`). */
const realismOption = (value: string): Realism => {
  if (value === 'aws' || value === 'off') return value;
  try {
    return JSON.parse(value) as Realism;
  } catch {
    throw new CliUsageError(
      `--realism must be "aws", "off" or a JSON object of realism options, got '${value}'.`,
      '--realism',
    );
  }
};

const local: CliCommand = {
  summary: 'Start the local AWS emulator (default 127.0.0.1:4566). Stops on Ctrl-C.',
  help: `Usage: eventprobe local [--port N] [--host H] [--account-id ID] [--latency MS]
                       [--realism aws|off|JSON] [--seed N] [--data-dir DIR]

Starts the built-in AWS emulator (SQS, EventBridge, SNS, Kinesis, DynamoDB and its Streams, S3,
Lambda, CloudWatch Logs, Step Functions, CloudFormation, X-Ray, schemas, tagging) and prints its
endpoint. Stops on Ctrl-C.

Options:
  --port N            port, 0 picks a free one (default 4566)
  --host H            address to bind (default 127.0.0.1)
  --account-id ID     12-digit account id in every ARN (default 000000000000)
  --latency MS        delay added to every call, in ms (default 0)
  --realism aws       AWS's timing: rule propagation delay, tagging API lag, SQS duplicates and
                      reordering, X-Ray ingestion delay, realistic latency (or a JSON object of
                      realism options; default off)
  --seed N            seed for the emulator's random draws (faults, realism), for repeatable runs
  --data-dir DIR      keep the emulator's state in DIR: loaded on start, saved on stop

Then, in another shell:
  export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test   # any values work
`,
  run: async (args, io) => {
    const { values } = parse({
      args,
      strict: true,
      options: {
        port: { type: 'string', default: '4566' },
        host: { type: 'string', default: '127.0.0.1' },
        'account-id': { type: 'string' },
        latency: { type: 'string' },
        realism: { type: 'string' },
        seed: { type: 'string' },
        'data-dir': { type: 'string' },
      },
    });
    const port = integerFlag('port', values.port, 0, 65_535);
    const latencyMs =
      values.latency === undefined
        ? undefined
        : integerFlag('latency', values.latency, 0, Number.MAX_SAFE_INTEGER, ' (milliseconds)');
    const accountId = values['account-id'];
    if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
      throw new CliUsageError(`--account-id must be 12 digits, got '${accountId}'.`, '--account-id');
    }
    const { startLocalAws } = await import('./local/index.js');
    const server = await startLocalAws({
      port,
      host: values.host,
      ...(accountId === undefined ? {} : { accountId }),
      ...(latencyMs === undefined ? {} : { latencyMs }),
      ...(values.realism === undefined ? {} : { realism: realismOption(values.realism) }),
      ...(values.seed === undefined
        ? {}
        : { seed: integerFlag('seed', values.seed, 0, Number.MAX_SAFE_INTEGER) }),
      ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
    });
    io.stdout(
      `eventprobe local AWS emulator listening on ${server.endpoint} (account ${server.accountId})\n`,
    );
    io.stdout(
      `  export AWS_ENDPOINT_URL=${server.endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test\n`,
    );
    return { code: 0, server };
  },
};

/** "6 left alone: 5 within the grace period, 1 created by this run" and what to do about it. */
export const explainSkipped = (skipped: readonly { reason: string }[], olderThanGiven: boolean): string => {
  if (skipped.length === 0) return '';
  const counts = new Map<string, number>();
  for (const { reason } of skipped) {
    const kind = /within the grace period/.test(reason)
      ? 'within the grace period (a run may still be using them)'
      : /age unknown/.test(reason)
        ? 'of unknown age'
        : reason;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const lines = [...counts].map(([kind, n]) => `  ${n} ${kind}\n`);
  const young = skipped.some((s) => /grace period|age unknown/.test(s.reason));
  const hint =
    young && !olderThanGiven
      ? 'hint: the grace period is 1 h (--older-than 3600000); --older-than 0 also removes leftovers of runs you know are over.\n'
      : young
        ? 'hint: --older-than 0 also removes leftovers of runs you know are over.\n'
        : '';
  return `left alone:\n${lines.join('')}${hint}`;
};

const sweep: CliCommand = {
  summary: 'Remove leftovers of earlier runs (listeners eventprobe created and never removed).',
  help: `Usage: eventprobe sweep (--tag KEY=VALUE... | --all) [--older-than MS] [--endpoint URL] [--region R]

Removes eventprobe leftovers: queues, rules and subscriptions that carry eventprobe's marker tag,
every given tag, and were created by another run more than --older-than ms ago. Nothing without the
marker tag is ever deleted.

Options:
  --tag KEY=VALUE     only leftovers with this tag (repeatable; all must match), e.g. --tag suite=orders
  --all               every eventprobe leftover in the account and region (instead of --tag)
  --older-than MS     grace period in ms: younger leftovers may belong to a live run (default 3600000 = 1 h;
                      0 removes leftovers of runs you know are over)
${AWS_OPTIONS_HELP}`,
  run: async (args, io) => {
    const { values } = parse({
      args,
      strict: true,
      options: {
        tag: { type: 'string', multiple: true, default: [] },
        'older-than': { type: 'string' },
        all: { type: 'boolean', default: false },
        ...AWS_PARSE_OPTIONS,
      },
    });
    const tagFilters: Record<string, string> = {};
    for (const tag of values.tag) {
      const eq = tag.indexOf('=');
      if (eq <= 0) throw new CliUsageError(`--tag takes KEY=VALUE, got '${tag}'.`, '--tag');
      tagFilters[tag.slice(0, eq)] = tag.slice(eq + 1);
    }
    if (values.tag.length === 0 && !values.all) {
      throw new CliUsageError(
        'sweep needs --tag KEY=VALUE (e.g. --tag suite=orders, the tags your probes were created with) ' +
          'to remove only your leftovers, or --all to remove every eventprobe leftover in the account and region.',
        '--tag',
      );
    }
    const olderThan = values['older-than'];
    const olderThanMs =
      olderThan === undefined
        ? undefined
        : integerFlag('older-than', olderThan, 0, Number.MAX_SAFE_INTEGER, ' (milliseconds)');
    const probe = createProbe(awsOptions(values, io));
    try {
      const report = await probe.sweep({
        tagFilters,
        all: values.all,
        ...(olderThanMs === undefined ? {} : { olderThan: olderThanMs }),
      });
      io.stdout(
        [
          ...report.removed.map((r) => `removed ${r.kind} ${r.resource}\n`),
          ...report.warnings.map((w) => `warning: ${w}\n`),
          `sweep: ${report.removed.length} removed, ${report.skipped.length} left alone\n`,
          explainSkipped(report.skipped, olderThanMs !== undefined),
        ].join(''),
      );
      return { code: 0 };
    } finally {
      await probe[Symbol.asyncDispose]();
    }
  },
};

const trace: CliCommand = {
  summary: 'Fetch an X-Ray trace and print it as an indented waterfall.',
  help: `Usage: eventprobe trace <tracing header | trace id> [--linked] [--max-depth N] [--segments-only]
                        [--endpoint URL] [--region R]

Fetches an X-Ray trace (BatchGetTraces) and prints it as an indented waterfall. Exits 1 when the
trace is still incomplete (segments whose parents have not arrived).

Options:
  --linked            follow links to other traces (e.g. through SQS)
  --max-depth N       how many links deep to follow (implies --linked; default 5)
  --segments-only     leave subsegments out
${AWS_OPTIONS_HELP}`,
  run: async (args, io) => {
    const { values, positionals } = parse({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        linked: { type: 'boolean' },
        'max-depth': { type: 'string' },
        'segments-only': { type: 'boolean' },
        ...AWS_PARSE_OPTIONS,
      },
    });
    const rest = [...positionals];
    if (values.linked) rest.push('--linked');
    if (values['segments-only']) rest.push('--segments-only');
    if (values['max-depth'] !== undefined) {
      rest.push('--max-depth', String(integerFlag('max-depth', values['max-depth'], 1, 100)));
    }
    const clients = new ClientSet(awsOptions(values, io));
    try {
      return { code: await runTraceCommand(rest, { xray: clients.get('xray'), stdout: io.stdout }) };
    } finally {
      clients.destroy();
    }
  },
};

/** Every command, by name. Adding one is one line here (and its module). */
const deploy: CliCommand = {
  summary: 'Deploy a CloudFormation/SAM template or a CDK cloud assembly (cdk.out) to an endpoint.',
  help: `Usage: eventprobe deploy <template-file | cdk.out> [--stack-name NAME] [--parameter KEY=VALUE]...
                        [--endpoint URL]

Deploys through change sets against AWS_ENDPOINT_URL (or --endpoint), printing stack events as they
arrive; exits 1 naming each failing resource and its reason. SAM templates are expanded on the way.
`,
  run: async (args, io) => ({ code: await (await import('./local/deploy/cli.js')).runDeploy(args, io) }),
};

const destroy: CliCommand = {
  summary: 'Delete a deployed stack (or every stack of a cdk.out) and wait until it is gone.',
  help: `Usage: eventprobe destroy (--stack-name NAME | <cdk.out>) [--endpoint URL]
`,
  run: async (args, io) => ({ code: await (await import('./local/deploy/cli.js')).runDestroy(args, io) }),
};

export const COMMANDS: Record<string, CliCommand> = { local, sweep, trace, deploy, destroy };

/** The overview: every command with its summary. */
export const usage = (): string => `Usage: eventprobe <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(8)}${command.summary}\n`)
  .join('')}  help    Show this text. \`eventprobe <command> --help\` shows a command's options.

Region, credentials and endpoint come from the usual AWS environment (AWS_REGION, AWS_PROFILE,
AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...) unless given as options.
`;

/** The connection error behind an error, if there is one (also inside a CleanupError's failures). */
const connectionErrorIn = (error: unknown, depth = 0): EndpointConnectionError | undefined => {
  if (error instanceof EndpointConnectionError) return error;
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const failures = (error as { failures?: readonly { error: unknown }[] }).failures ?? [];
  for (const candidate of [(error as { cause?: unknown }).cause, ...failures.map((f) => f.error)]) {
    const found = connectionErrorIn(candidate, depth + 1);
    if (found) return found;
  }
  return undefined;
};

const describeError = (command: string, error: unknown): string => {
  const connection = connectionErrorIn(error);
  if (connection) return `eventprobe ${command}: ${connection.message}\n`;
  const message = (error as Error).message;
  const help = error instanceof CliUsageError ? ` Run \`eventprobe ${command} --help\` for the options.` : '';
  return `eventprobe ${command}: ${message}${help}\n`;
};

/**
 * Runs the `eventprobe` command line. Returns the exit code, or for `local` the running emulator
 * (the caller stops it). Errors are printed to stderr, never thrown. Exit codes: 0 ok, 1 failed,
 * 2 unknown command or bad flags.
 */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<CliResult> => {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage());
    return { code: 1 };
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    io.stdout(topic ? topic.help : usage());
    return { code: 0 };
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`eventprobe: unknown command "${name}"\n\n${usage()}`);
    return { code: 2 };
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return { code: 0 };
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr(describeError(name, error));
    return { code: error instanceof CliUsageError ? 2 : 1 };
  }
};
