/**
 * Lambda resource types, deployed through the emulator's Lambda service (its REST-JSON API's
 * operations, called with the SDK's input shapes): functions, event source mappings,
 * permissions, versions and aliases.
 */
import { strToU8, zipSync } from 'fflate';
import {
  arn,
  compact,
  type Deployed,
  generatedName,
  ignoreNotFound,
  type ProviderContext,
  type ResourceProvider,
  str,
  tagMapOf,
} from './kit.js';

/**
 * How code reaches the Lambda service. `Code.ZipFile` in a template is the handler's source text:
 * CloudFormation zips it as `index.js` (Node.js) or `index.py`; the zip goes to CreateFunction
 * base64-encoded, as on the wire. `S3Bucket`/`S3Key` pass through (the SAM transform and the CDK
 * reader point local code directories at `LOCAL_CODE_BUCKET`, see local/deploy/code.ts).
 */
export const LAMBDA_CODE = {
  inlineFileFor: (runtime: string | undefined): string =>
    runtime?.startsWith('python') ? 'index.py' : 'index.js',
  encodeZip: (zip: Uint8Array): string => Buffer.from(zip).toString('base64'),
} as const;

type Props = Record<string, unknown>;

const codeInput = (props: Props): Record<string, unknown> => {
  const code = (props.Code ?? {}) as Props;
  if (code.ZipFile !== undefined) {
    const file = LAMBDA_CODE.inlineFileFor(str(props.Runtime));
    return { ZipFile: LAMBDA_CODE.encodeZip(zipSync({ [file]: strToU8(String(code.ZipFile)) })) };
  }
  return compact({
    S3Bucket: str(code.S3Bucket),
    S3Key: str(code.S3Key),
    S3ObjectVersion: str(code.S3ObjectVersion),
    ImageUri: str(code.ImageUri),
  });
};

/** Function settings UpdateFunctionConfiguration takes, as CreateFunction takes them too. */
const CONFIG = [
  'Role',
  'Handler',
  'Description',
  'Timeout',
  'MemorySize',
  'Environment',
  'Runtime',
  'DeadLetterConfig',
  'KMSKeyArn',
  'TracingConfig',
  'Layers',
  'FileSystemConfigs',
  'ImageConfig',
  'EphemeralStorage',
  'SnapStart',
  'LoggingConfig',
  'VpcConfig',
] as const;

const configOf = (props: Props): Record<string, unknown> =>
  compact(Object.fromEntries(CONFIG.map((k) => [k, props[k]])));

const functionDeployed = (ctx: ProviderContext, name: string): Deployed => ({
  physicalId: name,
  ref: name,
  attributes: { Arn: arn(ctx, 'lambda', `function:${name}`) },
});

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const lambdaFunction: ResourceProvider = {
  service: 'lambda',
  nameProperty: 'FunctionName',
  replaceOn: ['FunctionName', 'PackageType'],
  async create(props, ctx) {
    const name = str(props.FunctionName) ?? generatedName(ctx.stackName, ctx.logicalId, 64);
    await ctx.invoke(
      'lambda',
      'CreateFunction',
      compact({
        FunctionName: name,
        ...configOf(props),
        Code: codeInput(props),
        PackageType: str(props.PackageType),
        Architectures: props.Architectures,
        Tags: tagMapOf(props, ctx),
      }),
    );
    if (props.ReservedConcurrentExecutions !== undefined) {
      await ctx.invoke('lambda', 'PutFunctionConcurrency', {
        FunctionName: name,
        ReservedConcurrentExecutions: Number(props.ReservedConcurrentExecutions),
      });
    }
    return functionDeployed(ctx, name);
  },
  async update(current, props, previous, ctx) {
    const name = current.physicalId;
    if (!same(props.Code, previous.Code) || !same(props.Architectures, previous.Architectures)) {
      await ctx.invoke(
        'lambda',
        'UpdateFunctionCode',
        compact({ FunctionName: name, ...codeInput(props), Architectures: props.Architectures }),
      );
    }
    const before = configOf(previous);
    const after = configOf(props);
    if (!same(before, after)) {
      // Settings removed from the template go back to Lambda's defaults.
      const cleared: Record<string, unknown> = {};
      if (before.Environment !== undefined && after.Environment === undefined) {
        cleared.Environment = { Variables: {} };
      }
      if (before.Description !== undefined && after.Description === undefined) cleared.Description = '';
      if (before.Timeout !== undefined && after.Timeout === undefined) cleared.Timeout = 3;
      if (before.MemorySize !== undefined && after.MemorySize === undefined) cleared.MemorySize = 128;
      await ctx.invoke('lambda', 'UpdateFunctionConfiguration', {
        FunctionName: name,
        ...cleared,
        ...after,
      });
    }
    if (!same(props.ReservedConcurrentExecutions, previous.ReservedConcurrentExecutions)) {
      await (props.ReservedConcurrentExecutions === undefined
        ? ctx.invoke('lambda', 'DeleteFunctionConcurrency', { FunctionName: name })
        : ctx.invoke('lambda', 'PutFunctionConcurrency', {
            FunctionName: name,
            ReservedConcurrentExecutions: Number(props.ReservedConcurrentExecutions),
          }));
    }
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(ctx.invoke('lambda', 'DeleteFunction', { FunctionName: current.physicalId }));
  },
};

const MAPPING_SETTINGS = [
  'BatchSize',
  'BisectBatchOnFunctionError',
  'DestinationConfig',
  'Enabled',
  'FilterCriteria',
  'FunctionResponseTypes',
  'MaximumBatchingWindowInSeconds',
  'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts',
  'ParallelizationFactor',
  'ScalingConfig',
  'TumblingWindowInSeconds',
] as const;

const mappingSettings = (props: Props): Record<string, unknown> =>
  compact(Object.fromEntries(MAPPING_SETTINGS.map((k) => [k, props[k]])));

const eventSourceMapping: ResourceProvider = {
  service: 'lambda',
  replaceOn: ['EventSourceArn', 'StartingPosition', 'StartingPositionTimestamp', 'SelfManagedEventSource'],
  async create(props, ctx) {
    const out = await ctx.invoke(
      'lambda',
      'CreateEventSourceMapping',
      compact({
        FunctionName: str(props.FunctionName),
        EventSourceArn: str(props.EventSourceArn),
        StartingPosition: str(props.StartingPosition),
        StartingPositionTimestamp: props.StartingPositionTimestamp,
        ...mappingSettings(props),
        Tags: tagMapOf(props, ctx),
      }),
    );
    const uuid = String(out.UUID);
    return {
      physicalId: uuid,
      ref: uuid,
      attributes: {
        Id: uuid,
        EventSourceMappingArn:
          str(out.EventSourceMappingArn) ?? arn(ctx, 'lambda', `event-source-mapping:${uuid}`),
      },
    };
  },
  async update(current, props, previous, ctx) {
    const after = mappingSettings(props);
    const reset: Record<string, unknown> = {};
    if (previous.FilterCriteria !== undefined && after.FilterCriteria === undefined) {
      reset.FilterCriteria = { Filters: [] };
    }
    await ctx.invoke('lambda', 'UpdateEventSourceMapping', {
      UUID: current.physicalId,
      FunctionName: str(props.FunctionName),
      ...reset,
      ...after,
    });
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(ctx.invoke('lambda', 'DeleteEventSourceMapping', { UUID: current.physicalId }));
  },
};

/** Every property of a permission requires a new one (Lambda has no UpdatePermission). */
const PERMISSION_PROPERTIES = [
  'Action',
  'EventSourceToken',
  'FunctionName',
  'FunctionUrlAuthType',
  'Principal',
  'PrincipalOrgID',
  'SourceAccount',
  'SourceArn',
];

const permission: ResourceProvider = {
  service: 'lambda',
  replaceOn: PERMISSION_PROPERTIES,
  async create(props, ctx) {
    const statementId = generatedName(ctx.stackName, ctx.logicalId, 100);
    await ctx.invoke(
      'lambda',
      'AddPermission',
      compact({
        FunctionName: str(props.FunctionName),
        StatementId: statementId,
        Action: str(props.Action),
        Principal: str(props.Principal),
        SourceArn: str(props.SourceArn),
        SourceAccount: str(props.SourceAccount),
        EventSourceToken: str(props.EventSourceToken),
        PrincipalOrgID: str(props.PrincipalOrgID),
        FunctionUrlAuthType: str(props.FunctionUrlAuthType),
      }),
    );
    return { physicalId: statementId, ref: statementId, attributes: {} };
  },
  async update(current) {
    return current;
  },
  async delete(current, props, ctx) {
    await ignoreNotFound(
      ctx.invoke('lambda', 'RemovePermission', {
        FunctionName: str(props.FunctionName),
        StatementId: current.physicalId,
      }),
    );
  },
};

/** The function name from a name, a full ARN or a partial ARN (for building qualified ARNs). */
const functionNameOf = (value: unknown): string => {
  const text = str(value) ?? '';
  const match = /function:([^:]+)/.exec(text);
  return match ? (match[1] as string) : text;
};

const version: ResourceProvider = {
  service: 'lambda',
  replaceOn: ['FunctionName', 'Description', 'CodeSha256', 'ProvisionedConcurrencyConfig', 'RuntimePolicy'],
  async create(props, ctx) {
    const out = await ctx.invoke(
      'lambda',
      'PublishVersion',
      compact({
        FunctionName: str(props.FunctionName),
        Description: str(props.Description),
        CodeSha256: str(props.CodeSha256),
      }),
    );
    const number = String(out.Version);
    const functionArn =
      str(out.FunctionArn) ?? arn(ctx, 'lambda', `function:${functionNameOf(props.FunctionName)}:${number}`);
    return {
      physicalId: functionArn,
      ref: functionArn,
      attributes: { Version: number, FunctionArn: functionArn },
    };
  },
  async update(current) {
    return current;
  },
  async delete(current, props, ctx) {
    await ignoreNotFound(
      ctx.invoke('lambda', 'DeleteFunction', {
        FunctionName: functionNameOf(props.FunctionName),
        Qualifier: String(current.attributes.Version),
      }),
    );
  },
};

const aliasInput = (props: Props) =>
  compact({
    FunctionName: str(props.FunctionName),
    Name: str(props.Name),
    FunctionVersion: str(props.FunctionVersion),
    Description: str(props.Description),
    RoutingConfig: props.RoutingConfig,
  });

const alias: ResourceProvider = {
  service: 'lambda',
  nameProperty: 'Name',
  replaceOn: ['FunctionName', 'Name'],
  async create(props, ctx) {
    const out = await ctx.invoke('lambda', 'CreateAlias', aliasInput(props));
    const aliasArn =
      str(out.AliasArn) ??
      arn(ctx, 'lambda', `function:${functionNameOf(props.FunctionName)}:${str(props.Name) ?? ''}`);
    return { physicalId: aliasArn, ref: aliasArn, attributes: { AliasArn: aliasArn } };
  },
  async update(current, props, _previous, ctx) {
    await ctx.invoke('lambda', 'UpdateAlias', aliasInput(props));
    return current;
  },
  async delete(_current, props, ctx) {
    await ignoreNotFound(
      ctx.invoke('lambda', 'DeleteAlias', { FunctionName: str(props.FunctionName), Name: str(props.Name) }),
    );
  },
};

/** The Lambda types, by CloudFormation type name. */
export const lambdaProviders = {
  function: lambdaFunction,
  eventSourceMapping,
  permission,
  version,
  alias,
} as const;
