import {
  DescribeStackResourceCommand,
  type DescribeStackResourceCommandOutput,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  ListStackResourcesCommand,
  type ListStackResourcesCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { EventProbeError, InvalidInputError, StackOutputMissingError } from '../errors.js';
import { isStackNotFound, sendOptions } from '../wait/index.js';

/** What the lookups need of a CloudFormationClient (a CloudFormationClient fits). */
export interface CloudFormationLike {
  send(
    command: DescribeStacksCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<Pick<DescribeStacksCommandOutput, 'Stacks'>>;
  send(
    command: DescribeStackResourceCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<Pick<DescribeStackResourceCommandOutput, 'StackResourceDetail'>>;
  send(
    command: ListStackResourcesCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<Pick<ListStackResourcesCommandOutput, 'StackResourceSummaries' | 'NextToken'>>;
}

/** Options of the stack lookups. */
export interface StackLookupOptions {
  /** Cancels the CloudFormation calls; the caller's reason is rethrown. Default: none. */
  readonly signal?: AbortSignal;
}

const checkStack = (stack: string): void => {
  if (typeof stack !== 'string' || stack.trim() === '') {
    throw new InvalidInputError(
      `stack must be a stack name or stack ARN, got ${JSON.stringify(stack)}`,
      'stack',
    );
  }
};

const stackNotFound = (stack: string, cause: unknown, missing: readonly string[]): StackOutputMissingError =>
  new StackOutputMissingError(
    `Stack "${stack}" was not found. Check the stack name (or ARN), and that the client's region and credentials (account) are the ones the stack was deployed to.`,
    stack,
    missing,
    { cause },
  );

/** Runs a call, rethrowing the caller's abort reason and wrapping anything else AWS threw. */
const call = async <T>(options: StackLookupOptions, what: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (err instanceof EventProbeError) throw err;
    throw new EventProbeError(`${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
};

const list = (names: readonly string[]): string => (names.length === 0 ? '(none)' : names.join(', '));

const readStackOutputs = async (
  cfn: CloudFormationLike,
  stack: string,
  names?: readonly string[],
  options: StackLookupOptions = {},
): Promise<Record<string, string>> => {
  checkStack(stack);
  if (names !== undefined) {
    if (!Array.isArray(names)) throw new InvalidInputError('names must be an array of output keys', 'names');
    names.forEach((name, i) => {
      if (typeof name !== 'string' || name === '') {
        throw new InvalidInputError(
          `names[${i}] must be a non-empty output key, got ${JSON.stringify(name)}`,
          `names[${i}]`,
        );
      }
    });
  }
  const wanted = names ?? [];
  const out = await call(options, `DescribeStacks of "${stack}"`, async () => {
    try {
      return await cfn.send(new DescribeStacksCommand({ StackName: stack }), sendOptions(options.signal));
    } catch (err) {
      if (isStackNotFound(err)) throw stackNotFound(stack, err, wanted);
      throw err;
    }
  });
  const found = out.Stacks?.[0];
  if (!found || found.StackStatus === 'DELETE_COMPLETE') {
    throw found
      ? new StackOutputMissingError(
          `Stack "${stack}" was deleted (DELETE_COMPLETE), so it has no outputs. Deploy it again, or check the stack name or ARN.`,
          stack,
          wanted,
        )
      : stackNotFound(stack, undefined, wanted);
  }
  const all: Record<string, string> = {};
  for (const o of found.Outputs ?? []) {
    if (o.OutputKey !== undefined) all[o.OutputKey] = o.OutputValue ?? '';
  }
  if (names === undefined) return all;
  const missing = [...new Set(names.filter((n) => !Object.hasOwn(all, n)))];
  if (missing.length > 0) {
    const status = found.StackStatus ?? 'unknown';
    throw new StackOutputMissingError(
      `Stack "${found.StackName ?? stack}" (${status}) has no output${missing.length > 1 ? 's' : ''} named ${list(missing)}. ` +
        `Its outputs are: ${list(Object.keys(all))}. Check the names against the template's Outputs section, and that the stack is the deployed version.`,
      stack,
      missing,
    );
  }
  return Object.fromEntries(names.map((n) => [n, all[n] as string]));
};

/** {@link getStackOutputs}: typed by the names asked for (`['A', 'B']` → `Record<'A' | 'B', string>`). */
export interface GetStackOutputs {
  <const K extends string>(
    cfn: CloudFormationLike,
    stack: string,
    names: readonly K[],
    options?: StackLookupOptions,
  ): Promise<Record<K, string>>;
  (
    cfn: CloudFormationLike,
    stack: string,
    names?: readonly string[],
    options?: StackLookupOptions,
  ): Promise<Record<string, string>>;
}

/**
 * Reads the outputs of a CloudFormation stack (DescribeStacks).
 *
 * @param cfn The CloudFormation client (region and credentials of the stack's account).
 * @param stack The stack name or stack ARN (an ARN also finds a deleted stack, reported as missing).
 * @param names The output keys wanted. Default: every output of the stack.
 * @param options `signal` cancels the call.
 * @returns Output key → value, with exactly the keys asked for (or every output).
 * @throws InvalidInputError when `stack` or `names` is not valid (nothing was called).
 * @throws StackOutputMissingError when the stack does not exist or was deleted (`missing` lists
 *   the names asked for), or when some names are not outputs of the stack (`missing` lists every
 *   one of them; the message also lists the outputs that do exist).
 * @throws EventProbeError when CloudFormation fails otherwise (the SDK error is the `cause`).
 */
export const getStackOutputs: GetStackOutputs = readStackOutputs;

/** Every logical id of a stack (ListStackResources, all pages). */
const logicalIdsOf = async (cfn: CloudFormationLike, stack: string, options: StackLookupOptions) => {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(
      new ListStackResourcesCommand({ StackName: stack, ...(token ? { NextToken: token } : {}) }),
      sendOptions(options.signal),
    );
    for (const r of page.StackResourceSummaries ?? []) if (r.LogicalResourceId) ids.push(r.LogicalResourceId);
    token = page.NextToken;
  } while (token);
  return ids;
};

/**
 * The physical id of a stack's resource (DescribeStackResource): a queue's URL, a topic's ARN,
 * a rule's name or `bus|rule` (see {@link parseRuleId}), a bus's name, a stream's name.
 *
 * @param cfn The CloudFormation client (region and credentials of the stack's account).
 * @param logicalId The resource's logical id in the template.
 * @param stack The stack name or stack ARN.
 * @param options `signal` cancels the calls.
 * @throws InvalidInputError when `logicalId` or `stack` is empty (nothing was called).
 * @throws StackOutputMissingError when the stack does not exist, when it has no such resource
 *   (the message lists the logical ids it has), or when the resource has no physical id (it
 *   failed or is not created yet; the message gives its status).
 * @throws EventProbeError when CloudFormation fails otherwise (the SDK error is the `cause`).
 */
export const getPhysicalIdFromStack = async (
  cfn: CloudFormationLike,
  logicalId: string,
  stack: string,
  options: StackLookupOptions = {},
): Promise<string> => {
  if (typeof logicalId !== 'string' || logicalId.trim() === '') {
    throw new InvalidInputError(
      `logicalId must be a resource's logical id, got ${JSON.stringify(logicalId)}`,
      'logicalId',
    );
  }
  checkStack(stack);
  const out = await call(options, `DescribeStackResource of "${logicalId}" in "${stack}"`, async () => {
    try {
      return await cfn.send(
        new DescribeStackResourceCommand({ StackName: stack, LogicalResourceId: logicalId }),
        sendOptions(options.signal),
      );
    } catch (err) {
      if (!isStackNotFound(err)) throw err;
      if (/^Stack .*does not exist/.test((err as Error).message))
        throw stackNotFound(stack, err, [logicalId]);
      const ids = await logicalIdsOf(cfn, stack, options);
      throw new StackOutputMissingError(
        `Stack "${stack}" has no resource with logical id "${logicalId}". Its logical ids are: ${list(ids)}.`,
        stack,
        [logicalId],
        { cause: err },
      );
    }
  });
  const detail = out.StackResourceDetail;
  if (!detail?.PhysicalResourceId) {
    throw new StackOutputMissingError(
      `Resource "${logicalId}" of stack "${stack}" has no physical id (status ${detail?.ResourceStatus ?? 'unknown'}${
        detail?.ResourceStatusReason ? `: ${detail.ResourceStatusReason}` : ''
      }). Check that the stack deployed successfully.`,
      stack,
      [logicalId],
    );
  }
  return detail.PhysicalResourceId;
};
