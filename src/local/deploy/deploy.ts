/**
 * `deployStack` / `destroyStack`: deploy a CloudFormation or SAM template file, or every stack of a
 * CDK cloud assembly, to the emulator (or any CloudFormation endpoint) through change sets, as
 * `aws cloudformation deploy` does, reporting stack events as they arrive.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Capability,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { EventProbeError, InvalidInputError } from '../../errors.js';
import { parseDocumentBody } from '../services/cloudformation/template.js';
import { type AssemblyStack, readAssembly } from './assembly.js';
import { samTransform } from './sam.js';

export type { StackEvent } from '@aws-sdk/client-cloudformation';

/** Where the stacks go. */
export interface DeployTarget {
  /** The CloudFormation endpoint, e.g. the emulator's. Default: `AWS_ENDPOINT_URL`. Required one way or the other. */
  readonly endpoint?: string;
  /** Default: `AWS_REGION`, then `us-east-1`. */
  readonly region?: string;
  /** Default: dummy credentials (the emulator does not check them). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Called with each stack event, oldest first, as they arrive. Default: none. */
  readonly onEvent?: (event: StackEvent) => void;
  /** Milliseconds between polls of the stack's events while it changes. Default 250. */
  readonly pollIntervalMs?: number;
  /** Gives up on the wait (the stack operation goes on). Default: none. */
  readonly signal?: AbortSignal;
}

export interface DeployStackOptions extends DeployTarget {
  /**
   * A template file (JSON or YAML; SAM templates are expanded here, with `CodeUri` paths relative
   * to the file), or a template as an object (relative `CodeUri`s then resolve against `baseDir`).
   * Give this or `assembly`.
   */
  readonly template?: string | Record<string, unknown>;
  /** Directory relative `CodeUri` paths of a template object resolve against. Default: the working directory. */
  readonly baseDir?: string;
  /** A CDK cloud assembly directory (`cdk.out`): every stack is deployed, in dependency order. */
  readonly assembly?: string;
  /** The stack name. Required with `template`; with `assembly` it selects one stack. */
  readonly stackName?: string;
  /** Template parameters (with `assembly`, given to every stack that declares them). Default: none. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Stack tags. Default: none. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A deployed stack. */
export interface DeployedStack {
  readonly stackName: string;
  readonly stackId: string;
  /** `CREATE_COMPLETE` or `UPDATE_COMPLETE` (or the status it had when nothing changed). */
  readonly status: string;
  /** True when the template and parameters matched the deployed stack: nothing was done. */
  readonly noChanges: boolean;
  readonly outputs: Readonly<Record<string, string>>;
}

/** A failed resource of a stack operation. */
export interface ResourceFailure {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly reason: string;
}

/** A stack operation ended in failure (rolled back, or failed). */
export class StackDeployError extends EventProbeError {
  constructor(
    message: string,
    readonly stackName: string,
    /** The stack's final status, e.g. `ROLLBACK_COMPLETE`. */
    readonly status: string,
    /** What failed, first failure first. */
    readonly failures: readonly ResourceFailure[],
  ) {
    super(message);
  }
}

const EMPTY = "The submitted information didn't contain changes.";
const NO_UPDATES = 'No updates are to be performed.';
const CAPABILITIES: Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];
const TERMINAL = /(_COMPLETE|_FAILED)$/;

const clientFor = (target: DeployTarget): CloudFormationClient => {
  const endpoint = target.endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint === '') {
    throw new InvalidInputError(
      'endpoint is required: pass the emulator endpoint (e.g. startLocalAws().endpoint) or set AWS_ENDPOINT_URL.',
      'endpoint',
    );
  }
  return new CloudFormationClient({
    endpoint,
    region: target.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: target.credentials ?? { accessKeyId: 'eventprobe', secretAccessKey: 'eventprobe' },
  });
};

/** Reads a template file or object, expanding SAM with the file's directory as base. */
const loadTemplate = async (options: DeployStackOptions): Promise<Record<string, unknown>> => {
  const { template } = options;
  if (typeof template === 'string') {
    const file = resolve(template);
    let body: string;
    try {
      body = await readFile(file, 'utf8');
    } catch (err) {
      throw new InvalidInputError(`Cannot read the template ${file}: ${(err as Error).message}`, 'template', {
        cause: err,
      });
    }
    return samTransform(parseDocumentBody(body) as Record<string, unknown>, { baseDir: dirname(file) });
  }
  return samTransform(template as Record<string, unknown>, { baseDir: resolve(options.baseDir ?? '.') });
};

const describe = async (cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> => {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (err) {
    if ((err as Error).message?.includes('does not exist')) return undefined;
    throw err;
  }
};

/** Reports new events until the stack settles; returns the events of this operation. */
const follow = async (
  cfn: CloudFormationClient,
  stackId: string,
  since: ReadonlySet<string>,
  target: DeployTarget,
  running: Promise<unknown>,
): Promise<{ stack: Stack | undefined; events: StackEvent[] }> => {
  const seen = new Set(since);
  const events: StackEvent[] = [];
  let outcome: { readonly error: unknown } | undefined;
  running.then(
    () => {
      outcome = { error: undefined };
    },
    (error: unknown) => {
      outcome = { error: error ?? new Error('the stack operation failed') };
    },
  );
  for (;;) {
    // The emulator answers when the operation has settled; AWS answers at once: poll either way.
    const settled = outcome;
    const page = (await cfn.send(new DescribeStackEventsCommand({ StackName: stackId }))).StackEvents ?? [];
    for (const event of [...page].reverse()) {
      if (event.EventId === undefined || seen.has(event.EventId)) continue;
      seen.add(event.EventId);
      events.push(event);
      target.onEvent?.(event);
    }
    if (settled !== undefined) {
      if (settled.error !== undefined) throw settled.error;
      const stack = await describe(cfn, stackId);
      if (stack === undefined || TERMINAL.test(stack.StackStatus ?? '')) return { stack, events };
    }
    await sleep(target.pollIntervalMs ?? 250, undefined, target.signal ? { signal: target.signal } : {});
  }
};

const eventIds = async (cfn: CloudFormationClient, stackId: string): Promise<Set<string>> => {
  const page = (await cfn.send(new DescribeStackEventsCommand({ StackName: stackId }))).StackEvents ?? [];
  return new Set(page.map((e) => e.EventId as string));
};

const failuresOf = (events: readonly StackEvent[], stackName: string): ResourceFailure[] =>
  events
    .filter((e) => e.ResourceStatus?.endsWith('_FAILED') && e.LogicalResourceId !== stackName)
    .map((e) => ({
      logicalId: e.LogicalResourceId ?? '',
      resourceType: e.ResourceType ?? '',
      status: e.ResourceStatus ?? '',
      reason: e.ResourceStatusReason ?? '',
    }));

const failed = (stack: Stack | undefined, stackName: string, events: StackEvent[]): StackDeployError => {
  const failures = failuresOf(events, stackName);
  const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
  const detail =
    failures.length > 0
      ? failures.map((f) => `${f.logicalId} (${f.resourceType}) ${f.status}: ${f.reason}`).join('; ')
      : (stack?.StackStatusReason ?? 'no reason given');
  return new StackDeployError(
    `Stack ${stackName} ended in ${status}. ${detail}`,
    stackName,
    status,
    failures,
  );
};

const outputsOf = (stack: Stack | undefined): Record<string, string> =>
  Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));

/** Deletes a stack and waits until it is gone. */
const removeStack = async (
  cfn: CloudFormationClient,
  stackName: string,
  stackId: string,
  target: DeployTarget,
): Promise<void> => {
  const since = await eventIds(cfn, stackId);
  const running = cfn.send(new DeleteStackCommand({ StackName: stackId }));
  const result = await follow(cfn, stackId, since, target, running);
  if (result.stack?.StackStatus !== 'DELETE_COMPLETE') throw failed(result.stack, stackName, result.events);
};

/** Deploys one template through a change set; resolves when the stack has settled. */
const deployOne = async (
  cfn: CloudFormationClient,
  stackName: string,
  template: Record<string, unknown>,
  parameters: Readonly<Record<string, string>>,
  options: DeployStackOptions,
): Promise<DeployedStack> => {
  let existing = await describe(cfn, stackName);
  if (existing?.StackStatus === 'ROLLBACK_COMPLETE' && existing.StackId !== undefined) {
    // A stack whose creation rolled back cannot be updated: delete it and create it again, as
    // `sam deploy` does.
    await removeStack(cfn, stackName, existing.StackId, options);
    existing = undefined;
  }
  const type = existing && existing.StackStatus !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
  const declared = Object.keys((template.Parameters ?? {}) as Record<string, unknown>);
  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: `eventprobe-deploy-${Date.now()}`,
      ChangeSetType: type,
      TemplateBody: JSON.stringify(template),
      Capabilities: CAPABILITIES,
      // As `aws cloudformation deploy`: parameters not given keep the stack's previous values.
      Parameters: declared.flatMap((ParameterKey): Parameter[] => {
        const ParameterValue = parameters[ParameterKey];
        if (ParameterValue !== undefined) return [{ ParameterKey, ParameterValue }];
        const previous = existing?.Parameters?.some((p) => p.ParameterKey === ParameterKey);
        return type === 'UPDATE' && previous ? [{ ParameterKey, UsePreviousValue: true }] : [];
      }),
      // Without tags the stack keeps the ones it has (an empty list would remove them).
      ...(options.tags === undefined
        ? {}
        : { Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) }),
    }),
  );
  const stackId = created.StackId as string;
  let changeSet = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
  while (changeSet.Status === 'CREATE_PENDING' || changeSet.Status === 'CREATE_IN_PROGRESS') {
    await sleep(options.pollIntervalMs ?? 250, undefined, options.signal ? { signal: options.signal } : {});
    changeSet = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
  }
  if (changeSet.Status === 'FAILED') {
    const reason = changeSet.StatusReason ?? '';
    if (existing && (reason.includes(EMPTY) || reason.includes(NO_UPDATES))) {
      const stack = await describe(cfn, stackId);
      return {
        stackName,
        stackId,
        status: stack?.StackStatus ?? '',
        noChanges: true,
        outputs: outputsOf(stack),
      };
    }
    throw new StackDeployError(
      `Change set for stack ${stackName} failed: ${reason}`,
      stackName,
      'FAILED',
      [],
    );
  }
  const since = await eventIds(cfn, stackId);
  const running = cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id }));
  const { stack, events } = await follow(cfn, stackId, since, options, running);
  const status = stack?.StackStatus ?? '';
  if (status !== 'CREATE_COMPLETE' && status !== 'UPDATE_COMPLETE') throw failed(stack, stackName, events);
  return { stackName, stackId, status, noChanges: false, outputs: outputsOf(stack) };
};

const assemblyStacks = async (options: {
  assembly?: string;
  stackName?: string;
}): Promise<AssemblyStack[]> => {
  const stacks = await readAssembly(options.assembly as string);
  if (options.stackName === undefined) return stacks;
  const chosen = stacks.filter(
    (s) => s.stackName === options.stackName || s.artifactId === options.stackName,
  );
  if (chosen.length === 0) {
    throw new InvalidInputError(
      `The assembly has no stack ${options.stackName}; it has ${stacks.map((s) => s.stackName).join(', ')}.`,
      'stackName',
    );
  }
  return chosen;
};

/**
 * Deploys a CloudFormation or SAM template, or a CDK cloud assembly, and waits until every stack
 * has settled. A second deploy of the same template changes nothing (`noChanges: true`). Throws
 * `StackDeployError` naming the resources that failed and why.
 *
 * @example
 * const aws = await startLocalAws();
 * const [stack] = await deployStack({ endpoint: aws.endpoint, template: 'template.yaml', stackName: 'orders' });
 */
export const deployStack = async (options: DeployStackOptions): Promise<DeployedStack[]> => {
  if ((options.template === undefined) === (options.assembly === undefined)) {
    throw new InvalidInputError('Give exactly one of template and assembly.', 'template');
  }
  const parameters = options.parameters ?? {};
  const cfn = clientFor(options);
  try {
    if (options.template !== undefined) {
      if (options.stackName === undefined || options.stackName === '') {
        throw new InvalidInputError('stackName is required to deploy a template.', 'stackName');
      }
      return [await deployOne(cfn, options.stackName, await loadTemplate(options), parameters, options)];
    }
    const deployed: DeployedStack[] = [];
    for (const stack of await assemblyStacks(options)) {
      deployed.push(await deployOne(cfn, stack.stackName, stack.template, parameters, options));
    }
    return deployed;
  } finally {
    cfn.destroy();
  }
};

export interface DestroyStackOptions extends DeployTarget {
  /** The stack to delete. Give this or `assembly`. */
  readonly stackName?: string;
  /** A CDK cloud assembly: its stacks are deleted, dependents first. */
  readonly assembly?: string;
}

/** Deletes a stack (or an assembly's stacks) and waits until it is gone. Deleting what is gone is success. */
export const destroyStack = async (options: DestroyStackOptions): Promise<void> => {
  const names =
    options.assembly !== undefined
      ? (await assemblyStacks(options)).map((s) => s.stackName).reverse()
      : [options.stackName ?? ''];
  if (names.some((n) => n === '')) {
    throw new InvalidInputError('stackName (or assembly) is required to destroy a stack.', 'stackName');
  }
  const cfn = clientFor(options);
  try {
    for (const name of names) {
      const stack = await describe(cfn, name);
      if (stack?.StackId) await removeStack(cfn, name, stack.StackId, options);
    }
  } finally {
    cfn.destroy();
  }
};
