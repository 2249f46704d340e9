/**
 * `eventprobe deploy` and `eventprobe destroy`: deploy a template file (CloudFormation or SAM) or a
 * CDK cloud assembly to the endpoint in `AWS_ENDPOINT_URL` (or `--endpoint`), printing stack events
 * as they arrive. A failed stack exits non-zero with the failing resources and their reasons.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { InvalidInputError } from '../../errors.js';
import { type DeployTarget, deployStack, destroyStack, StackDeployError } from './deploy.js';

/** Where the commands write, and the environment they read. */
export interface DeployCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const pairs = (values: readonly string[], option: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidInputError(`--${option} takes KEY=VALUE, got "${value}".`, option);
    out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
};

const isAssembly = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isDirectory() && (await stat(join(path, 'manifest.json'))).isFile();
  } catch {
    return false;
  }
};

const printEvent =
  (io: DeployCliIo) =>
  (e: StackEvent): void => {
    const time = e.Timestamp instanceof Date ? e.Timestamp.toISOString().slice(11, 19) : '';
    const reason = e.ResourceStatusReason ? `  ${e.ResourceStatusReason}` : '';
    io.stdout(
      `${time}  ${e.StackName}  ${e.LogicalResourceId} (${e.ResourceType})  ${e.ResourceStatus}${reason}\n`,
    );
  };

const targetOf = (
  values: { endpoint?: string | undefined; region?: string | undefined },
  io: DeployCliIo,
) => {
  const env = io.env ?? process.env;
  const target: { endpoint?: string; region?: string; onEvent: (e: StackEvent) => void } = {
    onEvent: printEvent(io),
  };
  const endpoint = values.endpoint ?? env.AWS_ENDPOINT_URL;
  const region = values.region ?? env.AWS_REGION;
  if (endpoint !== undefined) target.endpoint = endpoint;
  if (region !== undefined) target.region = region;
  return target satisfies DeployTarget;
};

const COMMON = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'stack-name': { type: 'string' },
} as const;

/** `eventprobe deploy`. Returns the exit code. */
export const runDeploy = async (args: string[], io: DeployCliIo): Promise<number> => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON,
      parameter: { type: 'string', multiple: true, default: [] },
      tag: { type: 'string', multiple: true, default: [] },
    },
  });
  const [source, extra] = positionals;
  if (source === undefined || extra !== undefined) {
    throw new InvalidInputError('deploy takes one template file or cdk.out directory.', 'source');
  }
  const stackName = values['stack-name'];
  try {
    const stacks = await deployStack({
      ...targetOf(values, io),
      ...((await isAssembly(source)) ? { assembly: source } : { template: source }),
      ...(stackName === undefined ? {} : { stackName }),
      parameters: pairs(values.parameter, 'parameter'),
      ...(values.tag.length > 0 ? { tags: pairs(values.tag, 'tag') } : {}),
    });
    for (const s of stacks) {
      io.stdout(
        s.noChanges
          ? `No changes to deploy. Stack ${s.stackName} is up to date\n`
          : `Stack ${s.stackName}: ${s.status}\n`,
      );
      for (const [key, value] of Object.entries(s.outputs)) io.stdout(`  ${key} = ${value}\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof StackDeployError)) throw err;
    io.stderr(`eventprobe deploy: ${err.message}\n`);
    return 1;
  }
};

/** `eventprobe destroy`. Returns the exit code. */
export const runDestroy = async (args: string[], io: DeployCliIo): Promise<number> => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON });
  const [assembly, extra] = positionals;
  const stackName = values['stack-name'];
  if ((assembly === undefined) === (stackName === undefined) || extra !== undefined) {
    throw new InvalidInputError('destroy takes --stack-name NAME or one cdk.out directory.', 'stack-name');
  }
  try {
    await destroyStack({
      ...targetOf(values, io),
      ...(assembly === undefined ? {} : { assembly }),
      ...(stackName === undefined ? {} : { stackName }),
    });
    io.stdout(`Deleted ${stackName ?? `the stacks of ${assembly}`}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof StackDeployError)) throw err;
    io.stderr(`eventprobe destroy: ${err.message}\n`);
    return 1;
  }
};
