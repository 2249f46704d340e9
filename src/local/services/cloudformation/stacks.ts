/**
 * Stack lifecycle: create, update, delete, with the status transitions, events, rollback and
 * exports CloudFormation has. Resources are deployed through the providers in resources.ts.
 */
import { randomUUID } from 'node:crypto';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { type Deployed, type ProviderContext, providers, type ResourceProvider } from './resources.js';
import {
  dependencyOrder,
  type EvalScope,
  evaluate,
  evaluateConditions,
  type ResolvedParameters,
  type Template,
  templateError,
} from './template.js';

export interface StackEvent {
  readonly EventId: string;
  readonly StackId: string;
  readonly StackName: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId: string | undefined;
  readonly ResourceType: string;
  readonly Timestamp: Date;
  readonly ResourceStatus: string;
  readonly ResourceStatusReason: string | undefined;
  readonly ResourceProperties: string | undefined;
}

export interface StackResource {
  readonly logicalId: string;
  type: string;
  status: string;
  reason: string | undefined;
  updated: Date;
  deployed: Deployed | undefined;
  props: Record<string, unknown>;
}

export interface StackOutput {
  readonly OutputKey: string;
  readonly OutputValue: string;
  readonly Description: string | undefined;
  readonly ExportName: string | undefined;
}

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface Stack {
  readonly id: string;
  readonly name: string;
  status: string;
  reason: string | undefined;
  readonly created: Date;
  updated: Date | undefined;
  deleted: Date | undefined;
  templateBody: string;
  template: Template;
  parameters: ResolvedParameters;
  conditions: Record<string, boolean>;
  outputs: StackOutput[];
  readonly resources: Map<string, StackResource>;
  readonly events: StackEvent[];
  tags: Tag[];
  capabilities: string[];
  notificationARNs: string[];
  disableRollback: boolean;
  onFailure: string;
  readonly timeoutInMinutes: number | undefined;
  roleArn: string | undefined;
  terminationProtection: boolean;
  /** Export names this stack imports. */
  imports: Set<string>;
  /** The operation in flight, if any (another one waits for it). */
  pending: Promise<void> | undefined;
}

/** One resource's line in a change set (DescribeChangeSet's `ResourceChange`). */
export interface ResourceChange {
  readonly Action: 'Add' | 'Modify' | 'Remove';
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId: string | undefined;
  readonly ResourceType: string;
  readonly Replacement: 'True' | 'False' | 'Conditional' | undefined;
  readonly Scope: string[];
  readonly Details: Record<string, unknown>[];
}

/** A change set: a proposed create or update of a stack, executed (or not) later. */
export interface ChangeSet {
  readonly id: string;
  readonly name: string;
  readonly stackId: string;
  readonly stackName: string;
  readonly type: 'CREATE' | 'UPDATE';
  readonly created: Date;
  readonly description: string | undefined;
  status: 'CREATE_COMPLETE' | 'FAILED';
  statusReason: string | undefined;
  executionStatus: 'AVAILABLE' | 'UNAVAILABLE' | 'EXECUTE_COMPLETE' | 'EXECUTE_FAILED' | 'OBSOLETE';
  readonly templateBody: string;
  readonly template: Template;
  readonly parameters: ResolvedParameters;
  readonly tags: Tag[] | undefined;
  readonly capabilities: string[] | undefined;
  readonly notificationARNs: string[] | undefined;
  readonly onStackFailure: 'ROLLBACK' | 'DO_NOTHING' | 'DELETE';
  readonly changes: ResourceChange[];
}

export interface CfnState {
  readonly accountId: string;
  readonly region: string;
  /** Every stack, deleted ones included (DescribeStacks by id still finds them). */
  readonly stacks: Stack[];
  readonly exports: Map<string, { readonly stackId: string; readonly value: string }>;
  /** Change sets of every stack (see changesets.ts). */
  readonly changeSets: ChangeSet[];
}

export const createCfnState = (scope: { accountId: string; region: string }): CfnState => ({
  accountId: scope.accountId,
  region: scope.region,
  stacks: [],
  exports: new Map(),
  changeSets: [],
});

/** What the lifecycle needs from the emulator. */
export interface Environment {
  now(): Date;
  hasService(signingName: string): boolean;
  invoke(
    service: string,
    operation: string,
    input: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

/** A live (not deleted) stack by name, or any stack by its id (ARN). */
export const findStack = (state: CfnState, nameOrId: string): Stack | undefined => {
  if (nameOrId.startsWith('arn:')) return state.stacks.find((s) => s.id === nameOrId);
  return state.stacks.find((s) => s.name === nameOrId && s.status !== 'DELETE_COMPLETE');
};

export const requireStack = (state: CfnState, nameOrId: string): Stack => {
  const stack = findStack(state, nameOrId);
  if (!stack) throw templateError(`Stack with id ${nameOrId} does not exist`);
  return stack;
};

const stackEvent = (stack: Stack, env: Environment, status: string, reason?: string): void => {
  stack.status = status;
  stack.reason = reason;
  stack.events.push({
    EventId: randomUUID(),
    StackId: stack.id,
    StackName: stack.name,
    LogicalResourceId: stack.name,
    PhysicalResourceId: stack.id,
    ResourceType: STACK_TYPE,
    Timestamp: env.now(),
    ResourceStatus: status,
    ResourceStatusReason: reason,
    ResourceProperties: undefined,
  });
};

const resourceEvent = (
  stack: Stack,
  env: Environment,
  resource: StackResource,
  status: string,
  reason?: string,
  physicalId = resource.deployed?.physicalId,
): void => {
  resource.status = status;
  resource.reason = reason;
  resource.updated = env.now();
  stack.events.push({
    EventId: `${resource.logicalId}-${randomUUID()}`,
    StackId: stack.id,
    StackName: stack.name,
    LogicalResourceId: resource.logicalId,
    PhysicalResourceId: physicalId ?? '',
    ResourceType: resource.type,
    Timestamp: resource.updated,
    ResourceStatus: status,
    ResourceStatusReason: reason,
    ResourceProperties: Object.keys(resource.props).length > 0 ? JSON.stringify(resource.props) : undefined,
  });
};

/** A resource (or the stack's outputs) failed; `logicalId` undefined means a stack-level failure. */
class DeployFailure extends Error {
  constructor(
    readonly logicalId: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

const reasonOf = (err: unknown): string => {
  if (err instanceof AwsError) {
    return err.code === 'ValidationError'
      ? err.message
      : `Resource handler returned message: "${err.message}" (HandlerErrorCode: ${err.code})`;
  }
  return (err as Error)?.message ?? String(err);
};

export const evalScope = (state: CfnState, stack: Stack, imports: Set<string>): EvalScope => ({
  region: state.region,
  accountId: state.accountId,
  stackName: stack.name,
  stackId: stack.id,
  parameters: stack.parameters.values,
  mappings: stack.template.Mappings,
  notificationARNs: stack.notificationARNs,
  condition: (name) => {
    if (!Object.hasOwn(stack.conditions, name)) {
      throw templateError(`Template format error: Unresolved condition dependency ${name}`);
    }
    return stack.conditions[name] as boolean;
  },
  resource: (logicalId) => {
    const deployed = stack.resources.get(logicalId)?.deployed;
    if (!deployed) return undefined;
    return { ref: deployed.ref, attribute: (name) => deployed.attributes[name] };
  },
  importValue: (name) => {
    const found = state.exports.get(name);
    if (!found) throw templateError(`No export named ${name} found.`);
    imports.add(name);
    return found.value;
  },
});

const providerContext = (
  state: CfnState,
  stack: Stack,
  logicalId: string,
  env: Environment,
): ProviderContext => ({
  region: state.region,
  accountId: state.accountId,
  stackName: stack.name,
  stackId: stack.id,
  logicalId,
  stackTags: stack.tags,
  invoke: env.invoke,
});

const SUPPORTED = () => Object.keys(providers).sort().join(', ');

const providerFor = (type: string, env: Environment): ResourceProvider => {
  const provider = Object.hasOwn(providers, type) ? providers[type] : undefined;
  if (!provider) {
    throw new DeployFailure(
      undefined,
      `Resource type ${type} is not supported by the eventprobe emulator. Supported types: ${SUPPORTED()}.`,
    );
  }
  if (provider.service !== undefined && !env.hasService(provider.service)) {
    throw new DeployFailure(
      undefined,
      `Resource type ${type} needs the emulator's ${provider.service} service, which this emulator does not serve.`,
    );
  }
  return provider;
};

/** Active resources in dependency order (conditions applied). */
export const activeOrder = (stack: Stack): string[] =>
  dependencyOrder(stack.template).filter((id) => {
    const condition = stack.template.Resources[id]?.Condition;
    return condition === undefined || stack.conditions[condition] === true;
  });

const evaluateProps = (state: CfnState, stack: Stack, logicalId: string, imports: Set<string>) => {
  const decl = stack.template.Resources[logicalId];
  return evaluate(decl?.Properties ?? {}, evalScope(state, stack, imports)) as Record<string, unknown>;
};

/** Creates one resource, recording its events. Throws DeployFailure with the resource's reason. */
const createResource = async (
  state: CfnState,
  stack: Stack,
  logicalId: string,
  env: Environment,
  imports: Set<string>,
): Promise<void> => {
  const type = (stack.template.Resources[logicalId] as { Type: string }).Type;
  const resource: StackResource = {
    logicalId,
    type,
    status: 'CREATE_IN_PROGRESS',
    reason: undefined,
    updated: env.now(),
    deployed: undefined,
    props: {},
  };
  stack.resources.set(logicalId, resource);
  try {
    const provider = providerFor(type, env);
    resource.props = evaluateProps(state, stack, logicalId, imports);
    resourceEvent(stack, env, resource, 'CREATE_IN_PROGRESS');
    resource.deployed = await provider.create(resource.props, providerContext(state, stack, logicalId, env));
    resourceEvent(stack, env, resource, 'CREATE_IN_PROGRESS', 'Resource creation Initiated');
    resourceEvent(stack, env, resource, 'CREATE_COMPLETE');
  } catch (err) {
    const reason = err instanceof DeployFailure ? err.message : reasonOf(err);
    resourceEvent(stack, env, resource, 'CREATE_FAILED', reason);
    throw new DeployFailure(logicalId, reason);
  }
};

const deleteResource = async (
  state: CfnState,
  stack: Stack,
  resource: StackResource,
  env: Environment,
  deployed = resource.deployed,
  props = resource.props,
): Promise<void> => {
  if (!deployed) {
    resourceEvent(stack, env, resource, 'DELETE_COMPLETE');
    return;
  }
  resourceEvent(stack, env, resource, 'DELETE_IN_PROGRESS', undefined, deployed.physicalId);
  try {
    const provider = providerFor(resource.type, env);
    await provider.delete(deployed, props, providerContext(state, stack, resource.logicalId, env));
  } catch (err) {
    const reason = err instanceof DeployFailure ? err.message : reasonOf(err);
    resourceEvent(stack, env, resource, 'DELETE_FAILED', reason, deployed.physicalId);
    throw new DeployFailure(resource.logicalId, reason);
  }
  resourceEvent(stack, env, resource, 'DELETE_COMPLETE', undefined, deployed.physicalId);
};

const computeOutputs = (state: CfnState, stack: Stack, imports: Set<string>): StackOutput[] => {
  const scope = evalScope(state, stack, imports);
  const outputs: StackOutput[] = [];
  for (const [key, decl] of Object.entries(stack.template.Outputs)) {
    if (decl.Condition !== undefined && !scope.condition(decl.Condition)) continue;
    const text = (value: unknown): string => {
      const v = evaluate(value, scope);
      if (Array.isArray(v)) return v.join(',');
      if (typeof v === 'object' && v !== null) return JSON.stringify(v);
      return String(v);
    };
    outputs.push({
      OutputKey: key,
      OutputValue: text(decl.Value),
      Description: decl.Description,
      ExportName: decl.Export ? text(decl.Export.Name) : undefined,
    });
  }
  return outputs;
};

/** Stacks (other than `stackId`) that import an export. */
const importersOf = (state: CfnState, exportName: string, stackId: string): string[] =>
  state.stacks
    .filter((s) => s.id !== stackId && s.status !== 'DELETE_COMPLETE' && s.imports.has(exportName))
    .map((s) => s.name);

/** Replaces the exports of a stack, refusing duplicates and changes to exports in use. */
const publishExports = (state: CfnState, stack: Stack, outputs: readonly StackOutput[]): void => {
  const next = new Map<string, string>();
  for (const o of outputs) {
    if (o.ExportName === undefined) continue;
    const owner = state.exports.get(o.ExportName);
    if ((owner && owner.stackId !== stack.id) || next.has(o.ExportName)) {
      const by = owner && owner.stackId !== stack.id ? owner.stackId : stack.id;
      throw new DeployFailure(
        undefined,
        `Export with name ${o.ExportName} is already exported by stack ${by}`,
      );
    }
    next.set(o.ExportName, o.OutputValue);
  }
  for (const [name, value] of state.exports) {
    if (value.stackId !== stack.id) continue;
    const users = importersOf(state, name, stack.id);
    if (users.length === 0) continue;
    if (!next.has(name)) {
      throw new DeployFailure(
        undefined,
        `Cannot delete export ${name} as it is in use by ${users.join(', ')}`,
      );
    }
    if (next.get(name) !== value.value) {
      throw new DeployFailure(
        undefined,
        `Cannot update export ${name} as it is in use by ${users.join(', ')}`,
      );
    }
  }
  for (const [name, value] of [...state.exports]) if (value.stackId === stack.id) state.exports.delete(name);
  for (const [name, value] of next) state.exports.set(name, { stackId: stack.id, value });
};

const failureReason = (err: unknown, verb: string, failed: readonly string[]): string => {
  if (failed.length > 0) return `The following resource(s) failed to ${verb}: [${failed.join(', ')}]. `;
  return err instanceof Error ? err.message : String(err);
};

/** Runs `work` after any operation already in flight on the stack. */
const serialize = (stack: Stack, work: () => Promise<void>): Promise<void> => {
  const run = (stack.pending ?? Promise.resolve()).then(work, work);
  const tracked: Promise<void> = run
    .catch(() => undefined)
    .finally(() => {
      if (stack.pending === tracked) stack.pending = undefined;
    });
  stack.pending = tracked;
  return run;
};

// ---------------------------------------------------------------------------------------------
// Create

export interface NewStack {
  readonly name: string;
  readonly templateBody: string;
  readonly template: Template;
  readonly parameters: ResolvedParameters;
  readonly tags: Tag[];
  readonly capabilities: string[];
  readonly notificationARNs: string[];
  readonly onFailure: 'ROLLBACK' | 'DO_NOTHING' | 'DELETE';
  readonly timeoutInMinutes: number | undefined;
  readonly roleArn: string | undefined;
  readonly terminationProtection: boolean;
}

const rollbackCreated = async (state: CfnState, stack: Stack, env: Environment): Promise<boolean> => {
  let ok = true;
  for (const resource of [...stack.resources.values()].reverse()) {
    if (resource.status === 'DELETE_COMPLETE') continue;
    try {
      await deleteResource(state, stack, resource, env);
    } catch {
      ok = false;
    }
  }
  return ok;
};

/** Registers a stack (not yet created: the caller records its first status). */
export const registerStack = (state: CfnState, input: NewStack, env: Environment): Stack => {
  const stack: Stack = {
    id: arn('cloudformation', state.region, state.accountId, `stack/${input.name}/${randomUUID()}`),
    name: input.name,
    status: 'CREATE_IN_PROGRESS',
    reason: undefined,
    created: env.now(),
    updated: undefined,
    deleted: undefined,
    templateBody: input.templateBody,
    template: input.template,
    parameters: input.parameters,
    conditions: {},
    outputs: [],
    resources: new Map(),
    events: [],
    tags: input.tags,
    capabilities: input.capabilities,
    notificationARNs: input.notificationARNs,
    disableRollback: input.onFailure === 'DO_NOTHING',
    onFailure: input.onFailure,
    timeoutInMinutes: input.timeoutInMinutes,
    roleArn: input.roleArn,
    terminationProtection: input.terminationProtection,
    imports: new Set(),
    pending: undefined,
  };
  state.stacks.push(stack);
  return stack;
};

/** A stack that a CREATE change set made: REVIEW_IN_PROGRESS, no resources until executed. */
export const reviewStack = (state: CfnState, input: NewStack, env: Environment): Stack => {
  const stack = registerStack(state, input, env);
  stackEvent(stack, env, 'REVIEW_IN_PROGRESS', 'User Initiated');
  return stack;
};

/** Creates the resources of a registered stack (resolves when it has settled). */
export const runCreate = (state: CfnState, stack: Stack, env: Environment): Promise<void> => {
  stackEvent(stack, env, 'CREATE_IN_PROGRESS', 'User Initiated');
  return serialize(stack, async () => {
    const imports = new Set<string>();
    try {
      stack.conditions = evaluateConditions(stack.template, evalScope(state, stack, imports));
      for (const id of activeOrder(stack)) await createResource(state, stack, id, env, imports);
      const outputs = computeOutputs(state, stack, imports);
      publishExports(state, stack, outputs);
      stack.outputs = outputs;
      stack.imports = imports;
      stackEvent(stack, env, 'CREATE_COMPLETE');
    } catch (err) {
      const failed = err instanceof DeployFailure && err.logicalId !== undefined ? [err.logicalId] : [];
      const reason = failureReason(err, 'create', failed);
      if (stack.onFailure === 'DO_NOTHING') {
        stackEvent(stack, env, 'CREATE_FAILED', reason);
        return;
      }
      stackEvent(
        stack,
        env,
        'ROLLBACK_IN_PROGRESS',
        `${reason}${failed.length > 0 ? 'Rollback requested by user.' : ''}`,
      );
      const ok = await rollbackCreated(state, stack, env);
      stackEvent(stack, env, ok ? 'ROLLBACK_COMPLETE' : 'ROLLBACK_FAILED', ok ? undefined : reason);
      if (ok && stack.onFailure === 'DELETE') {
        stackEvent(stack, env, 'DELETE_IN_PROGRESS', 'User Initiated');
        stack.deleted = env.now();
        stackEvent(stack, env, 'DELETE_COMPLETE');
      }
    }
  });
};

/** Registers the stack and runs its creation (resolves when it has settled). */
export const createStack = (
  state: CfnState,
  input: NewStack,
  env: Environment,
): { stack: Stack; done: Promise<void> } => {
  const stack = registerStack(state, input, env);
  return { stack, done: runCreate(state, stack, env) };
};

// ---------------------------------------------------------------------------------------------
// Update

export interface StackChange {
  readonly templateBody: string;
  readonly template: Template;
  readonly parameters: ResolvedParameters;
  readonly tags: Tag[] | undefined;
  readonly capabilities: string[] | undefined;
  readonly notificationARNs: string[] | undefined;
  readonly disableRollback: boolean;
}

/** The ARN a resource is tagged by (through the tagging API), when it has one. */
const resourceArn = (deployed: Deployed): string | undefined =>
  [deployed.attributes.Arn, deployed.attributes.TopicArn, deployed.physicalId].find(
    (v): v is string => typeof v === 'string' && v.startsWith('arn:'),
  );

/**
 * Stack tags changed: every resource of a service that has an ARN gets the new stack tags and
 * loses the removed ones (its own `Tags` win), through the Resource Groups Tagging API.
 */
const retagResources = async (
  stack: Stack,
  env: Environment,
  before: readonly Tag[],
  after: readonly Tag[],
): Promise<void> => {
  if (!env.hasService('tagging')) return;
  for (const resource of stack.resources.values()) {
    const provider = Object.hasOwn(providers, resource.type) ? providers[resource.type] : undefined;
    const arn = resource.deployed ? resourceArn(resource.deployed) : undefined;
    if (provider?.service === undefined || arn === undefined) continue;
    const ownTags = Array.isArray(resource.props.Tags) ? (resource.props.Tags as Tag[]) : [];
    const own = new Set(ownTags.map((t) => String(t.Key)));
    const set = Object.fromEntries(after.filter((t) => !own.has(t.Key)).map((t) => [t.Key, t.Value]));
    const removed = before.map((t) => t.Key).filter((k) => !own.has(k) && !after.some((t) => t.Key === k));
    if (Object.keys(set).length > 0) {
      await env.invoke('tagging', 'TagResources', { ResourceARNList: [arn], Tags: set });
    }
    if (removed.length > 0) {
      await env.invoke('tagging', 'UntagResources', { ResourceARNList: [arn], TagKeys: removed });
    }
  }
};

const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
]);

export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const replacementNeeded = (
  provider: ResourceProvider,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
) => provider.replaceOn.some((p) => !sameJson(before[p], after[p]));

export const updateStack = (
  state: CfnState,
  stack: Stack,
  change: StackChange,
  env: Environment,
): Promise<void> => {
  if (!UPDATABLE.has(stack.status)) {
    throw templateError(`Stack:${stack.id} is in ${stack.status} state and can not be updated.`);
  }
  if (
    change.templateBody === stack.templateBody &&
    sameJson(change.parameters.raw, stack.parameters.raw) &&
    (change.tags === undefined || sameJson(change.tags, stack.tags))
  ) {
    throw templateError('No updates are to be performed.');
  }
  const before = {
    templateBody: stack.templateBody,
    template: stack.template,
    parameters: stack.parameters,
    conditions: stack.conditions,
    tags: stack.tags,
  };
  const previous = new Map([...stack.resources].map(([id, r]) => [id, { ...r }]));
  stack.templateBody = change.templateBody;
  stack.template = change.template;
  stack.parameters = change.parameters;
  if (change.tags) stack.tags = change.tags;
  if (change.capabilities) stack.capabilities = change.capabilities;
  if (change.notificationARNs) stack.notificationARNs = change.notificationARNs;
  stack.updated = env.now();
  stackEvent(stack, env, 'UPDATE_IN_PROGRESS', 'User Initiated');

  return serialize(stack, async () => {
    const imports = new Set<string>();
    /** Resources changed in place: to restore with their previous properties. */
    const changed: string[] = [];
    /** Resources with a new physical resource: the old one is deleted on success. */
    const replaced: string[] = [];
    const created: string[] = [];
    try {
      stack.conditions = evaluateConditions(stack.template, evalScope(state, stack, imports));
      for (const id of activeOrder(stack)) {
        const old = previous.get(id);
        const decl = stack.template.Resources[id] as { Type: string };
        if (!old?.deployed || old.type !== decl.Type) {
          if (old?.deployed) replaced.push(id);
          else created.push(id);
          await createResource(state, stack, id, env, imports);
          continue;
        }
        const resource = stack.resources.get(id) as StackResource;
        let props: Record<string, unknown>;
        let provider: ResourceProvider;
        try {
          provider = providerFor(decl.Type, env);
          props = evaluateProps(state, stack, id, imports);
        } catch (err) {
          const reason = err instanceof DeployFailure ? err.message : reasonOf(err);
          resourceEvent(stack, env, resource, 'UPDATE_FAILED', reason);
          throw new DeployFailure(id, reason);
        }
        if (sameJson(props, old.props)) continue;
        resource.props = props;
        resourceEvent(stack, env, resource, 'UPDATE_IN_PROGRESS');
        try {
          if (replacementNeeded(provider, old.props, props)) {
            const nameProperty = provider.nameProperty;
            // A new custom name is a new resource beside the old one (deleted at cleanup), as on
            // AWS; only a replacement that keeps the same custom name cannot be done.
            if (
              nameProperty !== undefined &&
              props[nameProperty] !== undefined &&
              sameJson(props[nameProperty], old.props[nameProperty])
            ) {
              throw new DeployFailure(
                id,
                `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${String(props[nameProperty])} and update the stack again.`,
              );
            }
            replaced.push(id);
            resourceEvent(
              stack,
              env,
              resource,
              'UPDATE_IN_PROGRESS',
              'Requested update requires the creation of a new physical resource; hence creating one.',
            );
            resource.deployed = await provider.create(props, providerContext(state, stack, id, env));
          } else {
            changed.push(id);
            resource.deployed = await provider.update(
              old.deployed,
              props,
              old.props,
              providerContext(state, stack, id, env),
            );
          }
        } catch (err) {
          const reason = err instanceof DeployFailure ? err.message : reasonOf(err);
          resourceEvent(stack, env, resource, 'UPDATE_FAILED', reason);
          throw new DeployFailure(id, reason);
        }
        resourceEvent(stack, env, resource, 'UPDATE_COMPLETE');
      }
      if (!sameJson(before.tags, stack.tags)) await retagResources(stack, env, before.tags, stack.tags);
      const outputs = computeOutputs(state, stack, imports);
      publishExports(state, stack, outputs);
      stack.outputs = outputs;
      stack.imports = imports;
      stackEvent(stack, env, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      const active = new Set(activeOrder(stack));
      for (const old of [...previous.values()].reverse()) {
        if (replaced.includes(old.logicalId)) {
          await deleteResource(state, stack, { ...old }, env).catch(() => undefined);
        } else if (!active.has(old.logicalId)) {
          const resource = stack.resources.get(old.logicalId) as StackResource;
          if (resource.deployed) await deleteResource(state, stack, resource, env).catch(() => undefined);
          stack.resources.delete(old.logicalId);
        }
      }
      stackEvent(stack, env, 'UPDATE_COMPLETE');
    } catch (err) {
      const failed = err instanceof DeployFailure && err.logicalId !== undefined ? [err.logicalId] : [];
      const verb = failed.length > 0 && created.includes(failed[0] as string) ? 'create' : 'update';
      if (change.disableRollback) {
        // Keep what was done; the stack can be updated again.
        stackEvent(stack, env, 'UPDATE_FAILED', failureReason(err, verb, failed));
        return;
      }
      stackEvent(stack, env, 'UPDATE_ROLLBACK_IN_PROGRESS', failureReason(err, verb, failed));
      // Put back what changed, newest first, then remove what is new.
      for (const id of [...changed].reverse()) {
        const resource = stack.resources.get(id) as StackResource;
        const old = previous.get(id) as StackResource;
        resourceEvent(stack, env, resource, 'UPDATE_IN_PROGRESS');
        try {
          const provider = providerFor(old.type, env);
          await provider.update(
            old.deployed as Deployed,
            old.props,
            resource.props,
            providerContext(state, stack, id, env),
          );
          resource.props = old.props;
          resourceEvent(stack, env, resource, 'UPDATE_COMPLETE');
        } catch (rollbackErr) {
          resourceEvent(stack, env, resource, 'UPDATE_FAILED', reasonOf(rollbackErr));
        }
      }
      stack.templateBody = before.templateBody;
      stack.template = before.template;
      stack.parameters = before.parameters;
      stack.conditions = before.conditions;
      stack.tags = before.tags;
      stackEvent(stack, env, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
      for (const id of [...replaced, ...created].reverse()) {
        const resource = stack.resources.get(id) as StackResource;
        await deleteResource(state, stack, resource, env).catch(() => undefined);
        const old = previous.get(id);
        if (old) stack.resources.set(id, { ...old });
        else stack.resources.delete(id);
      }
      stackEvent(stack, env, 'UPDATE_ROLLBACK_COMPLETE');
    }
  });
};

// ---------------------------------------------------------------------------------------------
// Delete

export const deleteStack = async (
  state: CfnState,
  stack: Stack,
  retain: readonly string[],
  env: Environment,
): Promise<void> => {
  if (stack.terminationProtection) {
    throw templateError(`Stack [${stack.name}] cannot be deleted while TerminationProtection is enabled`);
  }
  await serialize(stack, async () => {
    if (stack.status === 'DELETE_COMPLETE') return;
    for (const [name, value] of state.exports) {
      if (value.stackId !== stack.id) continue;
      const users = importersOf(state, name, stack.id);
      if (users.length > 0) {
        stackEvent(stack, env, 'DELETE_IN_PROGRESS', 'User Initiated');
        stackEvent(
          stack,
          env,
          'DELETE_FAILED',
          `Export ${name} cannot be deleted as it is in use by ${users.join(', ')}`,
        );
        return;
      }
    }
    stackEvent(stack, env, 'DELETE_IN_PROGRESS', 'User Initiated');
    const failed: string[] = [];
    for (const resource of [...stack.resources.values()].reverse()) {
      if (resource.status === 'DELETE_COMPLETE' || resource.status === 'DELETE_SKIPPED') continue;
      const policy = stack.template.Resources[resource.logicalId]?.DeletionPolicy;
      if (retain.includes(resource.logicalId) || policy === 'Retain' || policy === 'RetainExceptOnCreate') {
        resourceEvent(stack, env, resource, 'DELETE_SKIPPED');
        continue;
      }
      try {
        await deleteResource(state, stack, resource, env);
      } catch {
        failed.push(resource.logicalId);
      }
    }
    if (failed.length > 0) {
      stackEvent(stack, env, 'DELETE_FAILED', failureReason(undefined, 'delete', failed));
      return;
    }
    for (const [name, value] of [...state.exports])
      if (value.stackId === stack.id) state.exports.delete(name);
    stack.imports = new Set();
    stack.deleted = env.now();
    stackEvent(stack, env, 'DELETE_COMPLETE');
  });
};
