/**
 * CloudFormation for the emulator (query protocol): stacks from JSON or YAML templates, deployed
 * through the other emulated services, with CloudFormation's statuses, events, rollback,
 * outputs and exports.
 */
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { paginate } from '../../core/paging.js';
import { fromJsonState } from '../../core/persist.js';
import { defineService } from '../../core/service.js';
import { samTransform } from '../../deploy/sam.js';
import {
  createChangeSet,
  describeChangeSet,
  dropChangeSets,
  executeChangeSet,
  findChangeSet,
  summarizeChangeSet,
} from './changesets.js';
import { cfnQuery } from './codec.js';
import { providers } from './resources.js';
import {
  type CfnState,
  createCfnState,
  createStack,
  deleteStack,
  type Environment,
  findStack,
  requireStack,
  type Stack,
  type StackResource,
  type Tag,
  updateStack,
} from './stacks.js';
import {
  checkRules,
  type GivenParameter,
  isNoEcho,
  parseDocumentBody,
  type ResolvedParameters,
  resolveParameters,
  type Template,
  templateError,
  templateFromDocument,
} from './template.js';

type Ctx = OpContext<CfnState>;
type Input = Record<string, unknown>;

const PAGE = 100;

/** Nested calls get the caller's endpoint, so URLs (a queue's) use the host the caller reached us on. */
const environment = (ctx: Ctx): Environment => {
  const options =
    ctx.endpoint === undefined ? { region: ctx.region } : { region: ctx.region, endpoint: ctx.endpoint };
  return {
    now: () => new Date(ctx.emulator.now()),
    hasService: (name) => ctx.emulator.service(name) !== undefined,
    invoke: async (service, operation, input) =>
      ((await ctx.emulator.invoke(service, operation, input, options)) ?? {}) as Record<string, unknown>,
  };
};

const optString = (input: Input, field: string): string | undefined => {
  const value = input[field];
  return value === undefined || value === null ? undefined : String(value);
};

const requireString = (input: Input, field: string): string => {
  const value = optString(input, field);
  if (value === undefined || value === '') {
    throw templateError(
      `1 validation error detected: Value null at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

const list = <T>(input: Input, field: string): T[] | undefined => {
  const value = input[field];
  if (value === undefined) return undefined;
  // An empty list arrives as `Field=` (an empty string) on the query protocol.
  if (value === '') return [];
  return (Array.isArray(value) ? value : [value]) as T[];
};

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;

const checkStackName = (name: string): void => {
  if (!STACK_NAME.test(name) || name.length > 128) {
    throw templateError(
      `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
  }
};

const templateBody = (input: Input): string => {
  if (input.TemplateURL !== undefined) {
    throw templateError(
      'TemplateURL is not supported by the eventprobe emulator; pass the template as TemplateBody.',
    );
  }
  const body = optString(input, 'TemplateBody');
  if (body === undefined) throw templateError('Either Template URL or Template Body must be specified.');
  return body;
};

/**
 * Parses a template, expanding the SAM transform. SAM's CodeUri paths are relative to the
 * emulator's working directory here; `deployStack` and `eventprobe deploy` resolve them against
 * the template's own directory first.
 */
const expandTemplate = (body: string): Template => {
  const doc = parseDocumentBody(body);
  const expanded =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? samTransform(doc as Record<string, unknown>, { baseDir: process.cwd() })
      : doc;
  return templateFromDocument(expanded);
};

/**
 * Parses a template and refuses, at once as CloudFormation does, resource types it does not know.
 * The emulator counts a type it cannot deploy as unrecognised (custom resources excepted: they
 * fail when created, with the reason).
 */
const prepareTemplate = (body: string): Template => {
  const template = expandTemplate(body);
  const unknown = [
    ...new Set(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .filter(
          (type) =>
            !Object.hasOwn(providers, type) &&
            !type.startsWith('Custom::') &&
            type !== 'AWS::CloudFormation::CustomResource',
        ),
    ),
  ];
  if (unknown.length > 0) {
    throw templateError(`Template format error: Unrecognized resource types: [${unknown.join(', ')}]`);
  }
  return template;
};

/** Refuses parameter values that break the template's Rules (CDK's bootstrap check among them). */
const checkTemplateRules = (
  ctx: Ctx,
  template: Template,
  parameters: ResolvedParameters,
  stackName: string,
): void =>
  checkRules(template, {
    region: ctx.region,
    accountId: ctx.state.accountId,
    stackName,
    stackId: '',
    parameters: parameters.values,
    mappings: template.Mappings,
  });

const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;

const onFailureOf = (value: string | undefined): 'ROLLBACK' | 'DO_NOTHING' | 'DELETE' => {
  const onFailure = value ?? 'ROLLBACK';
  if (onFailure !== 'ROLLBACK' && onFailure !== 'DO_NOTHING' && onFailure !== 'DELETE') {
    throw templateError(
      `1 validation error detected: Value '${onFailure}' at 'onStackFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]`,
    );
  }
  return onFailure;
};

const tagsOf = (input: Input): Tag[] | undefined =>
  list<Record<string, unknown>>(input, 'Tags')?.map((t) => ({
    Key: String(t.Key),
    Value: String(t.Value ?? ''),
  }));

const pageOf = <T>(items: readonly T[], token: unknown, size = PAGE): { page: T[]; NextToken?: string } => {
  const { page, nextToken } = paginate(items, token, size, () => templateError('Invalid NextToken'));
  return nextToken === undefined ? { page } : { page, NextToken: nextToken };
};

const describeStack = (stack: Stack) => {
  const parameters = Object.entries(stack.parameters.raw).map(([key, value]) => ({
    ParameterKey: key,
    ParameterValue: isNoEcho(stack.template.Parameters[key]) ? '****' : value,
  }));
  return {
    StackId: stack.id,
    StackName: stack.name,
    Description: stack.template.Description,
    Parameters: parameters.length > 0 ? parameters : undefined,
    CreationTime: stack.created,
    DeletionTime: stack.deleted,
    LastUpdatedTime: stack.updated,
    RollbackConfiguration: {},
    StackStatus: stack.status,
    StackStatusReason: stack.reason,
    DisableRollback: stack.disableRollback,
    NotificationARNs: stack.notificationARNs,
    TimeoutInMinutes: stack.timeoutInMinutes,
    Capabilities: stack.capabilities.length > 0 ? stack.capabilities : undefined,
    Outputs:
      stack.outputs.length > 0
        ? stack.outputs.map((o) => ({
            OutputKey: o.OutputKey,
            OutputValue: o.OutputValue,
            Description: o.Description,
            ExportName: o.ExportName,
          }))
        : undefined,
    RoleARN: stack.roleArn,
    Tags: stack.tags,
    EnableTerminationProtection: stack.terminationProtection,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  };
};

const resourceBase = (stack: Stack, r: StackResource) => ({
  StackName: stack.name,
  StackId: stack.id,
  LogicalResourceId: r.logicalId,
  PhysicalResourceId: r.deployed?.physicalId,
  ResourceType: r.type,
});

const driftInfo = { StackResourceDriftStatus: 'NOT_CHECKED' };

export const cloudformation = defineService<CfnState>({
  signingName: 'cloudformation',
  protocols: ['query'],
  query: cfnQuery,
  createState: createCfnState,
  snapshot: (state) => ({
    stacks: state.stacks.map((stack) => ({
      name: stack.name,
      id: stack.id,
      status: stack.status,
      reason: stack.reason,
      outputs: stack.outputs.map((o) => ({
        key: o.OutputKey,
        value: o.OutputValue,
        exportName: o.ExportName,
      })),
      resources: [...stack.resources.values()].map((r) => ({
        logicalId: r.logicalId,
        type: r.type,
        status: r.status,
        physicalId: r.deployed?.physicalId,
      })),
    })),
  }),
  /** An operation in flight is not state: a loaded stack has none. */
  load: (_scope, data) => {
    const state = fromJsonState(data) as CfnState;
    for (const stack of state.stacks) stack.pending = undefined;
    return state;
  },
  operations: {
    async CreateStack(input, ctx) {
      const name = requireString(input, 'StackName');
      checkStackName(name);
      const body = templateBody(input);
      if (findStack(ctx.state, name)) {
        throw new AwsError('AlreadyExistsException', `Stack [${name}] already exists`);
      }
      if (input.DisableRollback !== undefined && input.OnFailure !== undefined) {
        throw templateError('You cannot specify both DisableRollback and OnFailure.');
      }
      const onFailure =
        optString(input, 'OnFailure') ?? (input.DisableRollback === true ? 'DO_NOTHING' : 'ROLLBACK');
      if (onFailure !== 'ROLLBACK' && onFailure !== 'DO_NOTHING' && onFailure !== 'DELETE') {
        throw templateError(
          `1 validation error detected: Value '${onFailure}' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]`,
        );
      }
      const template = prepareTemplate(body);
      const parameters = resolveParameters(
        template.Parameters,
        list<GivenParameter>(input, 'Parameters') ?? [],
      );
      checkTemplateRules(ctx, template, parameters, name);
      const timeout = input.TimeoutInMinutes === undefined ? undefined : Number(input.TimeoutInMinutes);
      const { stack, done } = createStack(
        ctx.state,
        {
          name,
          templateBody: body,
          template,
          parameters,
          tags: tagsOf(input) ?? [],
          capabilities: list<string>(input, 'Capabilities') ?? [],
          notificationARNs: list<string>(input, 'NotificationARNs') ?? [],
          onFailure,
          timeoutInMinutes: timeout,
          roleArn: optString(input, 'RoleARN'),
          terminationProtection: input.EnableTerminationProtection === true,
        },
        environment(ctx),
      );
      await done;
      return { StackId: stack.id };
    },

    async UpdateStack(input, ctx) {
      const name = requireString(input, 'StackName');
      const stack = findStack(ctx.state, name);
      if (!stack) throw templateError(`Stack [${name}] does not exist`);
      const body = input.UsePreviousTemplate === true ? stack.templateBody : templateBody(input);
      const template = prepareTemplate(body);
      const parameters = resolveParameters(
        template.Parameters,
        list<GivenParameter>(input, 'Parameters') ?? [],
        stack.parameters.raw,
      );
      checkTemplateRules(ctx, template, parameters, stack.name);
      await updateStack(
        ctx.state,
        stack,
        {
          templateBody: body,
          template,
          parameters,
          tags: tagsOf(input),
          capabilities: list<string>(input, 'Capabilities'),
          notificationARNs: list<string>(input, 'NotificationARNs'),
          disableRollback: input.DisableRollback === true,
        },
        environment(ctx),
      );
      return { StackId: stack.id };
    },

    async DeleteStack(input, ctx) {
      const stack = findStack(ctx.state, requireString(input, 'StackName'));
      if (!stack) return undefined;
      await deleteStack(ctx.state, stack, list<string>(input, 'RetainResources') ?? [], environment(ctx));
      if (stack.status === 'DELETE_COMPLETE') dropChangeSets(ctx.state, stack.id);
      return undefined;
    },

    UpdateTerminationProtection(input, ctx) {
      const stack = requireStack(ctx.state, requireString(input, 'StackName'));
      stack.terminationProtection = input.EnableTerminationProtection === true;
      return { StackId: stack.id };
    },

    DescribeStacks(input, ctx) {
      const name = optString(input, 'StackName');
      const stacks =
        name === undefined
          ? ctx.state.stacks.filter((s) => s.status !== 'DELETE_COMPLETE')
          : [requireStack(ctx.state, name)];
      const { page, NextToken } = pageOf(stacks, input.NextToken);
      return { Stacks: page.map(describeStack), NextToken };
    },

    ListStacks(input, ctx) {
      const filter = list<string>(input, 'StackStatusFilter');
      const stacks = ctx.state.stacks.filter((s) => !filter || filter.includes(s.status));
      const { page, NextToken } = pageOf(stacks, input.NextToken);
      return {
        StackSummaries: page.map((s) => ({
          StackId: s.id,
          StackName: s.name,
          TemplateDescription: s.template.Description,
          CreationTime: s.created,
          LastUpdatedTime: s.updated,
          DeletionTime: s.deleted,
          StackStatus: s.status,
          StackStatusReason: s.reason,
          DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
        })),
        NextToken,
      };
    },

    DescribeStackResource(input, ctx) {
      const stack = requireStack(ctx.state, requireString(input, 'StackName'));
      const logicalId = requireString(input, 'LogicalResourceId');
      const r = stack.resources.get(logicalId);
      if (!r) throw templateError(`Resource ${logicalId} does not exist for stack ${stack.name}`);
      return {
        StackResourceDetail: {
          ...resourceBase(stack, r),
          LastUpdatedTimestamp: r.updated,
          ResourceStatus: r.status,
          ResourceStatusReason: r.reason,
          DriftInformation: driftInfo,
        },
      };
    },

    DescribeStackResources(input, ctx) {
      const name = optString(input, 'StackName');
      const physicalId = optString(input, 'PhysicalResourceId');
      let stack: Stack | undefined;
      if (name !== undefined) stack = requireStack(ctx.state, name);
      else if (physicalId !== undefined) {
        stack = ctx.state.stacks.find(
          (s) =>
            s.status !== 'DELETE_COMPLETE' &&
            [...s.resources.values()].some((r) => r.deployed?.physicalId === physicalId),
        );
        if (!stack) throw templateError(`Stack for ${physicalId} does not exist`);
      } else {
        throw templateError('Either StackName or PhysicalResourceId must be specified.');
      }
      const logicalId = optString(input, 'LogicalResourceId');
      const resources = [...stack.resources.values()].filter(
        (r) =>
          (logicalId === undefined || r.logicalId === logicalId) &&
          (name !== undefined || physicalId === undefined || r.deployed?.physicalId === physicalId),
      );
      const owner = stack;
      return {
        StackResources: resources.map((r) => ({
          ...resourceBase(owner, r),
          Timestamp: r.updated,
          ResourceStatus: r.status,
          ResourceStatusReason: r.reason,
          DriftInformation: driftInfo,
        })),
      };
    },

    ListStackResources(input, ctx) {
      const stack = requireStack(ctx.state, requireString(input, 'StackName'));
      const { page, NextToken } = pageOf([...stack.resources.values()], input.NextToken);
      return {
        StackResourceSummaries: page.map((r) => ({
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.deployed?.physicalId,
          ResourceType: r.type,
          LastUpdatedTimestamp: r.updated,
          ResourceStatus: r.status,
          ResourceStatusReason: r.reason,
          DriftInformation: driftInfo,
        })),
        NextToken,
      };
    },

    DescribeStackEvents(input, ctx) {
      const stack = requireStack(ctx.state, requireString(input, 'StackName'));
      const { page, NextToken } = pageOf([...stack.events].reverse(), input.NextToken);
      return { StackEvents: page, NextToken };
    },

    ListExports(input, ctx) {
      const exports = [...ctx.state.exports].map(([Name, e]) => ({
        ExportingStackId: e.stackId,
        Name,
        Value: e.value,
      }));
      const { page, NextToken } = pageOf(exports, input.NextToken);
      return { Exports: page, NextToken };
    },

    ListImports(input, ctx) {
      const name = requireString(input, 'ExportName');
      if (!ctx.state.exports.has(name)) {
        throw templateError(`Export '${name}' does not exist.`);
      }
      const importers = ctx.state.stacks
        .filter((s) => s.status !== 'DELETE_COMPLETE' && s.imports.has(name))
        .map((s) => s.name);
      return { Imports: importers };
    },

    GetTemplate(input, ctx) {
      const stack = requireStack(ctx.state, requireString(input, 'StackName'));
      return { TemplateBody: stack.templateBody, StagesAvailable: ['Original', 'Processed'] };
    },

    CreateChangeSet(input, ctx) {
      const stackName = requireString(input, 'StackName');
      const name = requireString(input, 'ChangeSetName');
      if (!CHANGE_SET_NAME.test(name) || name.length > 128) {
        throw templateError(
          `1 validation error detected: Value '${name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
        );
      }
      const type = optString(input, 'ChangeSetType') ?? 'UPDATE';
      if (type === 'IMPORT') {
        throw templateError(
          'ChangeSetType IMPORT is not supported by the eventprobe emulator: create the resources in the stack instead of importing them.',
        );
      }
      if (type !== 'CREATE' && type !== 'UPDATE') {
        throw templateError(
          `1 validation error detected: Value '${type}' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [IMPORT, UPDATE, CREATE]`,
        );
      }
      if (type === 'CREATE') checkStackName(stackName);
      const stack = findStack(ctx.state, stackName);
      const body =
        input.UsePreviousTemplate === true && stack && type === 'UPDATE'
          ? stack.templateBody
          : templateBody(input);
      const template = prepareTemplate(body);
      const previous = stack && type === 'UPDATE' ? stack.parameters.raw : {};
      const parameters = resolveParameters(
        template.Parameters,
        list<GivenParameter>(input, 'Parameters') ?? [],
        previous,
      );
      checkTemplateRules(ctx, template, parameters, stackName);
      const changeSet = createChangeSet(
        ctx.state,
        stack,
        {
          name,
          stackName,
          type,
          description: optString(input, 'Description'),
          templateBody: body,
          template,
          parameters,
          tags: tagsOf(input),
          capabilities: list<string>(input, 'Capabilities'),
          notificationARNs: list<string>(input, 'NotificationARNs'),
          onStackFailure: onFailureOf(optString(input, 'OnStackFailure')),
          roleArn: optString(input, 'RoleARN'),
        },
        environment(ctx),
      );
      return { Id: changeSet.id, StackId: changeSet.stackId };
    },

    DescribeChangeSet(input, ctx) {
      const changeSet = findChangeSet(
        ctx.state,
        requireString(input, 'ChangeSetName'),
        optString(input, 'StackName'),
      );
      return describeChangeSet(changeSet);
    },

    async ExecuteChangeSet(input, ctx) {
      const changeSet = findChangeSet(
        ctx.state,
        requireString(input, 'ChangeSetName'),
        optString(input, 'StackName'),
      );
      const stack = requireStack(ctx.state, changeSet.stackId);
      const disableRollback =
        input.DisableRollback === undefined
          ? undefined
          : input.DisableRollback === true || input.DisableRollback === 'true';
      await executeChangeSet(ctx.state, changeSet, stack, disableRollback, environment(ctx));
      return {};
    },

    DeleteChangeSet(input, ctx) {
      const changeSet = findChangeSet(
        ctx.state,
        requireString(input, 'ChangeSetName'),
        optString(input, 'StackName'),
      );
      ctx.state.changeSets.splice(ctx.state.changeSets.indexOf(changeSet), 1);
      return {};
    },

    ListChangeSets(input, ctx) {
      const stack = requireStack(ctx.state, requireString(input, 'StackName'));
      const own = ctx.state.changeSets.filter((c) => c.stackId === stack.id);
      const { page, NextToken } = pageOf(own, input.NextToken);
      return { Summaries: page.map(summarizeChangeSet), NextToken };
    },

    GetTemplateSummary(input, ctx) {
      const stackName = optString(input, 'StackName');
      const body =
        stackName !== undefined ? requireStack(ctx.state, stackName).templateBody : templateBody(input);
      const template = prepareTemplate(body);
      const parameters = Object.entries(template.Parameters).map(([key, decl]) => ({
        ParameterKey: key,
        DefaultValue: decl.Default === undefined ? undefined : String(decl.Default),
        ParameterType: decl.Type,
        NoEcho: isNoEcho(decl),
        Description: decl.Description,
        ParameterConstraints: decl.AllowedValues ? { AllowedValues: decl.AllowedValues.map(String) } : {},
      }));
      const types = [...new Set(Object.values(template.Resources).map((r) => r.Type))];
      return {
        Parameters: parameters,
        Description: template.Description,
        ResourceTypes: types,
        Version: '2010-09-09',
        ResourceIdentifierSummaries: [],
      };
    },

    ValidateTemplate(input) {
      const template = expandTemplate(templateBody(input));
      const parameters = Object.entries(template.Parameters).map(([key, decl]) => ({
        ParameterKey: key,
        DefaultValue: decl.Default === undefined ? undefined : String(decl.Default),
        NoEcho: isNoEcho(decl),
        Description: decl.Description,
      }));
      return {
        Parameters: parameters.length > 0 ? parameters : undefined,
        Description: template.Description,
      };
    },
  },
});
