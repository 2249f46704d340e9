/**
 * Change sets: what a create or update of a stack would do (resources added, modified with or
 * without replacement, removed), computed against the deployed stack, and executed later. This
 * is what `aws cloudformation deploy` and `sam deploy` drive.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../../core/errors.js';
import { providers } from './resources.js';
import {
  activeOrder,
  type CfnState,
  type ChangeSet,
  type Environment,
  evalScope,
  type NewStack,
  type ResourceChange,
  reviewStack,
  runCreate,
  type Stack,
  sameJson,
  type Tag,
  updateStack,
} from './stacks.js';
import {
  type EvalScope,
  evaluate,
  evaluateConditions,
  type ResolvedParameters,
  type Template,
  templateError,
} from './template.js';

/** AWS's reason for a change set that would change nothing (the CLIs look for this text). */
export const EMPTY_CHANGE_SET_REASON =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

export const changeSetNotFound = (name: string): AwsError =>
  new AwsError('ChangeSetNotFoundException', `ChangeSet [${name}] does not exist`, 404, 'ChangeSetNotFound');

/** A change set by ARN, or by name within a stack. */
export const findChangeSet = (state: CfnState, name: string, stackName: string | undefined): ChangeSet => {
  let found: ChangeSet | undefined;
  if (name.startsWith('arn:')) found = state.changeSets.find((c) => c.id === name);
  else {
    if (stackName === undefined) {
      throw templateError('StackName must be specified if ChangeSetName is not specified as an ARN.');
    }
    found = state.changeSets.find(
      (c) => c.name === name && (c.stackName === stackName || c.stackId === stackName),
    );
  }
  if (!found) throw changeSetNotFound(name);
  return found;
};

/** A stand-in for the value of a resource that the change set would create or replace. */
const pendingValue = (logicalId: string, what: string): string => `{{pending:${logicalId}.${what}}}`;
const isPending = (value: unknown): boolean => JSON.stringify(value ?? null).includes('{{pending:');

/** Intrinsics see deployed resources, and placeholders for those about to be created or replaced. */
const proposedScope = (
  state: CfnState,
  stack: Stack,
  template: Template,
  parameters: ResolvedParameters,
  pending: ReadonlySet<string>,
): EvalScope => {
  const proposed: Stack = { ...stack, template, parameters };
  const base = evalScope(state, proposed, new Set());
  return {
    ...base,
    resource: (logicalId) =>
      pending.has(logicalId)
        ? { ref: pendingValue(logicalId, 'Ref'), attribute: (name) => pendingValue(logicalId, name) }
        : base.resource(logicalId),
  };
};

const propertyDetails = (
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  replaceOn: readonly string[],
): { details: Record<string, unknown>[]; replacement: 'True' | 'False' | 'Conditional' } => {
  const details: Record<string, unknown>[] = [];
  let replacement = 'False' as 'True' | 'False' | 'Conditional';
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (sameJson(before[name], after[name])) continue;
    const dynamic = isPending(after[name]);
    const recreates = replaceOn.includes(name);
    if (recreates && !dynamic) replacement = 'True';
    else if (recreates && replacement === 'False') replacement = 'Conditional';
    details.push({
      Target: {
        Attribute: 'Properties',
        Name: name,
        RequiresRecreation: recreates ? (dynamic ? 'Conditionally' : 'Always') : 'Never',
      },
      Evaluation: dynamic ? 'Dynamic' : 'Static',
      ChangeSource: dynamic ? 'ResourceReference' : 'DirectModification',
    });
  }
  return { details, replacement };
};

const added = (logicalId: string, type: string): ResourceChange => ({
  Action: 'Add',
  LogicalResourceId: logicalId,
  PhysicalResourceId: undefined,
  ResourceType: type,
  Replacement: undefined,
  Scope: [],
  Details: [],
});

/** The resource changes an update to `template` and `parameters` would make. */
export const computeChanges = (
  state: CfnState,
  stack: Stack,
  template: Template,
  parameters: ResolvedParameters,
  tags: readonly Tag[] | undefined,
): ResourceChange[] => {
  const changes: ResourceChange[] = [];
  const pending = new Set<string>();
  const scope = proposedScope(state, stack, template, parameters, pending);
  const conditions = evaluateConditions(template, scope);
  const active = activeOrder({ ...stack, template, conditions });
  const tagsChanged = tags !== undefined && !sameJson(tags, stack.tags);
  for (const id of active) {
    const type = (template.Resources[id] as { Type: string }).Type;
    const old = stack.resources.get(id);
    if (!old?.deployed) {
      pending.add(id);
      changes.push(added(id, type));
      continue;
    }
    const physicalId = old.deployed.physicalId;
    if (old.type !== type) {
      pending.add(id);
      changes.push({
        Action: 'Modify',
        LogicalResourceId: id,
        PhysicalResourceId: physicalId,
        ResourceType: type,
        Replacement: 'True',
        Scope: ['Properties'],
        Details: [],
      });
      continue;
    }
    const decl = template.Resources[id];
    const props = evaluate(decl?.Properties ?? {}, { ...scope, condition: (n) => conditions[n] === true });
    const replaceOn = Object.hasOwn(providers, type) ? (providers[type]?.replaceOn ?? []) : [];
    const { details, replacement } = propertyDetails(old.props, props as Record<string, unknown>, replaceOn);
    if (details.length === 0 && !tagsChanged) continue;
    if (replacement !== 'False') pending.add(id);
    changes.push({
      Action: 'Modify',
      LogicalResourceId: id,
      PhysicalResourceId: physicalId,
      ResourceType: type,
      Replacement: replacement,
      Scope: [...(details.length > 0 ? ['Properties'] : []), ...(tagsChanged ? ['Tags'] : [])],
      Details: details,
    });
  }
  const kept = new Set(active);
  for (const old of stack.resources.values()) {
    if (kept.has(old.logicalId) || !old.deployed) continue;
    changes.push({
      Action: 'Remove',
      LogicalResourceId: old.logicalId,
      PhysicalResourceId: old.deployed.physicalId,
      ResourceType: old.type,
      Replacement: undefined,
      Scope: [],
      Details: [],
    });
  }
  return changes;
};

export interface ChangeSetRequest {
  readonly name: string;
  readonly stackName: string;
  readonly type: 'CREATE' | 'UPDATE';
  readonly description: string | undefined;
  readonly templateBody: string;
  readonly template: Template;
  readonly parameters: ResolvedParameters;
  readonly tags: Tag[] | undefined;
  readonly capabilities: string[] | undefined;
  readonly notificationARNs: string[] | undefined;
  readonly onStackFailure: 'ROLLBACK' | 'DO_NOTHING' | 'DELETE';
  readonly roleArn: string | undefined;
}

/** Creates a change set (and, for CREATE, the stack in REVIEW_IN_PROGRESS). */
export const createChangeSet = (
  state: CfnState,
  stack: Stack | undefined,
  request: ChangeSetRequest,
  env: Environment,
): ChangeSet => {
  let target = stack;
  if (request.type === 'CREATE') {
    if (target && target.status !== 'REVIEW_IN_PROGRESS') {
      throw templateError(
        `Stack [${request.stackName}] already exists and cannot be created again with the changeSet [${request.name}].`,
      );
    }
    target ??= reviewStack(state, newStackOf(request), env);
  } else if (!target) {
    throw templateError(`Stack [${request.stackName}] does not exist`);
  } else if (target.status === 'REVIEW_IN_PROGRESS' || target.status.endsWith('_IN_PROGRESS')) {
    throw templateError(`Stack:${target.id} is in ${target.status} state and can not be updated.`);
  }
  const owner = target;
  // An executed change set is gone on AWS (execution removes the stack's change sets), so its name
  // is free again: the AWS CLI names its change sets by the second, and two deploys can share one.
  const executed = state.changeSets.findIndex(
    (c) =>
      c.stackId === owner.id &&
      c.name === request.name &&
      (c.executionStatus === 'EXECUTE_COMPLETE' || c.executionStatus === 'EXECUTE_FAILED'),
  );
  if (executed >= 0) state.changeSets.splice(executed, 1);
  if (state.changeSets.some((c) => c.stackId === owner.id && c.name === request.name)) {
    throw new AwsError('AlreadyExistsException', `ChangeSet [${request.name}] already exists`);
  }
  const changeSet: ChangeSet = {
    id: `arn:aws:cloudformation:${state.region}:${state.accountId}:changeSet/${request.name}/${randomUUID()}`,
    name: request.name,
    stackId: owner.id,
    stackName: owner.name,
    type: request.type,
    created: env.now(),
    description: request.description,
    status: 'CREATE_COMPLETE',
    statusReason: undefined,
    executionStatus: 'AVAILABLE',
    templateBody: request.templateBody,
    template: request.template,
    parameters: request.parameters,
    tags: request.tags,
    capabilities: request.capabilities,
    notificationARNs: request.notificationARNs,
    onStackFailure: request.onStackFailure,
    changes: [],
  };
  try {
    if (request.type === 'CREATE') {
      changeSet.changes.push(
        ...activeOrder({
          ...owner,
          template: request.template,
          conditions: evaluateConditions(
            request.template,
            evalScope(state, { ...owner, parameters: request.parameters }, new Set()),
          ),
        }).map((id) => added(id, (request.template.Resources[id] as { Type: string }).Type)),
      );
    } else {
      changeSet.changes.push(
        ...computeChanges(state, owner, request.template, request.parameters, request.tags),
      );
      const unchanged =
        changeSet.changes.length === 0 &&
        request.templateBody === owner.templateBody &&
        sameJson(request.parameters.raw, owner.parameters.raw) &&
        (request.tags === undefined || sameJson(request.tags, owner.tags));
      if (unchanged) fail(changeSet, EMPTY_CHANGE_SET_REASON);
    }
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    fail(changeSet, err.message);
  }
  state.changeSets.push(changeSet);
  return changeSet;
};

const fail = (changeSet: ChangeSet, reason: string): void => {
  changeSet.status = 'FAILED';
  changeSet.statusReason = reason;
  changeSet.executionStatus = 'UNAVAILABLE';
};

const newStackOf = (request: ChangeSetRequest): NewStack => ({
  name: request.stackName,
  templateBody: request.templateBody,
  template: request.template,
  parameters: request.parameters,
  tags: request.tags ?? [],
  capabilities: request.capabilities ?? [],
  notificationARNs: request.notificationARNs ?? [],
  onFailure: request.onStackFailure,
  timeoutInMinutes: undefined,
  roleArn: request.roleArn,
  terminationProtection: false,
});

/** Runs a change set: creates or updates its stack, then drops the stack's other change sets. */
export const executeChangeSet = async (
  state: CfnState,
  changeSet: ChangeSet,
  stack: Stack,
  disableRollback: boolean | undefined,
  env: Environment,
): Promise<void> => {
  if (changeSet.status !== 'CREATE_COMPLETE' || changeSet.executionStatus !== 'AVAILABLE') {
    const what =
      changeSet.status === 'CREATE_COMPLETE'
        ? `execution status of [${changeSet.executionStatus}]`
        : `status of [${changeSet.status}]`;
    throw new AwsError(
      'InvalidChangeSetStatusException',
      `ChangeSet [${changeSet.id}] cannot be executed in its current ${what}`,
      400,
      'InvalidChangeSetStatus',
    );
  }
  for (let i = state.changeSets.length - 1; i >= 0; i -= 1) {
    const other = state.changeSets[i] as ChangeSet;
    if (other.stackId === stack.id && other !== changeSet) state.changeSets.splice(i, 1);
  }
  let ok: boolean;
  if (changeSet.type === 'CREATE') {
    stack.templateBody = changeSet.templateBody;
    stack.template = changeSet.template;
    stack.parameters = changeSet.parameters;
    if (disableRollback !== undefined) {
      stack.onFailure = disableRollback ? 'DO_NOTHING' : changeSet.onStackFailure;
      stack.disableRollback = disableRollback;
    }
    await runCreate(state, stack, env);
    ok = stack.status === 'CREATE_COMPLETE';
  } else {
    await updateStack(
      state,
      stack,
      {
        templateBody: changeSet.templateBody,
        template: changeSet.template,
        parameters: changeSet.parameters,
        tags: changeSet.tags,
        capabilities: changeSet.capabilities,
        notificationARNs: changeSet.notificationARNs,
        disableRollback: disableRollback === true,
      },
      env,
    );
    ok = stack.status === 'UPDATE_COMPLETE';
  }
  changeSet.executionStatus = ok ? 'EXECUTE_COMPLETE' : 'EXECUTE_FAILED';
};

/** Removes the change sets of a stack (when the stack is deleted). */
export const dropChangeSets = (state: CfnState, stackId: string): void => {
  for (let i = state.changeSets.length - 1; i >= 0; i -= 1) {
    if ((state.changeSets[i] as ChangeSet).stackId === stackId) state.changeSets.splice(i, 1);
  }
};

/** DescribeChangeSet's view of a change set. */
export const describeChangeSet = (changeSet: ChangeSet) => {
  const parameters = Object.entries(changeSet.parameters.raw).map(([key, value]) => ({
    ParameterKey: key,
    ParameterValue: value,
  }));
  return {
    ChangeSetName: changeSet.name,
    ChangeSetId: changeSet.id,
    StackId: changeSet.stackId,
    StackName: changeSet.stackName,
    Description: changeSet.description,
    Parameters: parameters.length > 0 ? parameters : undefined,
    CreationTime: changeSet.created,
    ExecutionStatus: changeSet.executionStatus,
    Status: changeSet.status,
    StatusReason: changeSet.statusReason,
    NotificationARNs: changeSet.notificationARNs,
    RollbackConfiguration: {},
    Capabilities:
      changeSet.capabilities && changeSet.capabilities.length > 0 ? changeSet.capabilities : undefined,
    Tags: changeSet.tags && changeSet.tags.length > 0 ? changeSet.tags : undefined,
    Changes: changeSet.changes.map((c) => ({ Type: 'Resource', ResourceChange: c })),
    IncludeNestedStacks: false,
    OnStackFailure: changeSet.onStackFailure,
  };
};

/** ListChangeSets' summary of a change set. */
export const summarizeChangeSet = (changeSet: ChangeSet) => ({
  StackId: changeSet.stackId,
  StackName: changeSet.stackName,
  ChangeSetId: changeSet.id,
  ChangeSetName: changeSet.name,
  ExecutionStatus: changeSet.executionStatus,
  Status: changeSet.status,
  StatusReason: changeSet.statusReason,
  CreationTime: changeSet.created,
  Description: changeSet.description,
  IncludeNestedStacks: false,
});
