import type { Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { page } from './functions.js';
import {
  type Ctx,
  conflict,
  getFunction,
  invalidParam,
  isRecord,
  type LambdaFunction,
  type LambdaState,
  newRevision,
  notFound,
  parseFunctionName,
  qualifierOf,
  str,
} from './state.js';

type Op = Operation<LambdaState>;

// --- resource policy (stored, not enforced) -------------------------------------------------

const policyArn = (fn: LambdaFunction, qualifier: string | undefined): string =>
  qualifier === undefined ? fn.arn : `${fn.arn}:${qualifier}`;

const addPermission: Op = (input, ctx) => {
  const { fn, qualifier } = getFunction(ctx, input.FunctionName);
  const q = qualifierOf(input, qualifier);
  const sid = str(input.StatementId);
  const action = str(input.Action);
  const principal = str(input.Principal);
  if (!sid || !action || !principal) throw invalidParam('StatementId, Action and Principal are required.');
  if (fn.policy.some((s) => s.Sid === sid)) {
    throw conflict(
      `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
    );
  }
  const condition: Record<string, Record<string, string>> = {};
  if (typeof input.SourceArn === 'string') condition.ArnLike = { 'AWS:SourceArn': input.SourceArn };
  if (typeof input.SourceAccount === 'string')
    condition.StringEquals = { 'AWS:SourceAccount': input.SourceAccount };
  if (typeof input.PrincipalOrgID === 'string') {
    condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': input.PrincipalOrgID };
  }
  const statement = {
    Sid: sid,
    Effect: 'Allow',
    Principal: principal.includes('.amazonaws.com')
      ? { Service: principal }
      : principal === '*'
        ? '*'
        : { AWS: principal },
    Action: action,
    Resource: policyArn(fn, q),
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
  fn.policy.push(statement);
  return { Statement: JSON.stringify(statement) };
};

const removePermission: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const index = fn.policy.findIndex((s) => s.Sid === input.StatementId);
  if (index < 0) throw notFound('The resource you requested does not exist.');
  fn.policy.splice(index, 1);
  return {};
};

const getPolicy: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  if (fn.policy.length === 0) throw notFound('The resource you requested does not exist.');
  return {
    Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: fn.policy }),
    RevisionId: newRevision(),
  };
};

// --- tags ----------------------------------------------------------------------------------

const byArn = (ctx: Ctx, arn: unknown): LambdaFunction => {
  const { name } = parseFunctionName(arn);
  const fn = ctx.state.functions.get(name);
  if (!fn) throw notFound(`Function not found: ${String(arn)}`);
  return fn;
};

const tagResource: Op = (input, ctx) => {
  const fn = byArn(ctx, input.Resource);
  if (!isRecord(input.Tags)) throw invalidParam('Tags are required.');
  Object.assign(fn.tags, input.Tags);
  return {};
};

const untagResource: Op = (input, ctx) => {
  const fn = byArn(ctx, input.Resource);
  const keys = Array.isArray(input.tagKeys)
    ? input.tagKeys
    : input.tagKeys === undefined
      ? []
      : [input.tagKeys];
  for (const key of keys) delete fn.tags[String(key)];
  return {};
};

const listTags: Op = (input, ctx) => ({ Tags: { ...byArn(ctx, input.Resource).tags } });

// --- aliases -------------------------------------------------------------------------------

const aliasOut = (fn: LambdaFunction, name: string): Record<string, unknown> => {
  const alias = fn.aliases.get(name);
  if (!alias) throw notFound(`Cannot find alias arn: ${fn.arn}:${name}`);
  return { AliasArn: `${fn.arn}:${name}`, ...alias };
};

const checkVersion = (fn: LambdaFunction, version: unknown): string => {
  if (typeof version !== 'string' || !fn.versions.has(version)) {
    throw notFound(`Function not found: ${fn.arn}:${String(version)}`);
  }
  return version;
};

const createAlias: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const name = str(input.Name);
  if (!name || !/^(?!^[0-9]+$)[a-zA-Z0-9-_]+$/.test(name))
    throw invalidParam(`Alias name ${String(name)} is not valid.`);
  if (fn.aliases.has(name)) throw conflict(`Alias already exists: ${fn.arn}:${name}`);
  fn.aliases.set(name, {
    Name: name,
    FunctionVersion: checkVersion(fn, input.FunctionVersion),
    Description: str(input.Description) ?? '',
    RevisionId: newRevision(),
    ...(input.RoutingConfig !== undefined ? { RoutingConfig: input.RoutingConfig } : {}),
  });
  return aliasOut(fn, name);
};

const getAlias: Op = (input, ctx) => aliasOut(getFunction(ctx, input.FunctionName).fn, String(input.Name));

const updateAlias: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const alias = fn.aliases.get(String(input.Name));
  if (!alias) throw notFound(`Cannot find alias arn: ${fn.arn}:${String(input.Name)}`);
  if (input.FunctionVersion !== undefined) alias.FunctionVersion = checkVersion(fn, input.FunctionVersion);
  if (typeof input.Description === 'string') alias.Description = input.Description;
  if (input.RoutingConfig !== undefined) alias.RoutingConfig = input.RoutingConfig;
  alias.RevisionId = newRevision();
  return aliasOut(fn, alias.Name);
};

const deleteAlias: Op = (input, ctx) => {
  getFunction(ctx, input.FunctionName).fn.aliases.delete(String(input.Name));
  return {};
};

const listAliases: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const rows = [...fn.aliases.keys()]
    .map((n) => aliasOut(fn, n))
    .filter((a) => input.FunctionVersion === undefined || a.FunctionVersion === input.FunctionVersion);
  return page(rows, input, 'Aliases');
};

// --- concurrency ---------------------------------------------------------------------------

/** Unreserved concurrency AWS keeps for the account. */
const ACCOUNT_LIMIT = 1000;
const MIN_UNRESERVED = 100;

const putFunctionConcurrency: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const n = input.ReservedConcurrentExecutions;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(n)}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0`,
      400,
    );
  }
  const others = [...ctx.state.functions.values()]
    .filter((f) => f !== fn)
    .reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
  if (others + n > ACCOUNT_LIMIT - MIN_UNRESERVED) {
    throw invalidParam(
      `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
    );
  }
  fn.reservedConcurrency = n;
  return { ReservedConcurrentExecutions: n };
};

const getFunctionConcurrency: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  return fn.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: fn.reservedConcurrency };
};

const deleteFunctionConcurrency: Op = (input, ctx) => {
  getFunction(ctx, input.FunctionName).fn.reservedConcurrency = undefined;
  return {};
};

// --- asynchronous invocation configuration -------------------------------------------------

const invokeConfigKey = (
  fn: LambdaFunction,
  input: Record<string, unknown>,
  fromName: string | undefined,
): string => {
  const q = qualifierOf(input, fromName) ?? '$LATEST';
  if (!fn.versions.has(q) && !fn.aliases.has(q)) throw notFound(`Function not found: ${fn.arn}:${q}`);
  return q;
};

const DESTINATION = /^arn:aws[a-zA-Z-]*:(sqs|sns|lambda|events):/;

const validateDestinations = (config: unknown): void => {
  if (!isRecord(config)) return;
  for (const key of ['OnSuccess', 'OnFailure'] as const) {
    const dest = config[key];
    if (!isRecord(dest) || dest.Destination === undefined) continue;
    if (typeof dest.Destination !== 'string' || !DESTINATION.test(dest.Destination)) {
      throw invalidParam(`The provided destination config DestinationConfig.${key}.Destination is invalid.`);
    }
  }
};

const putEventInvokeConfig =
  (merge: boolean): Op =>
  (input, ctx) => {
    const { fn, qualifier } = getFunction(ctx, input.FunctionName);
    const key = invokeConfigKey(fn, input, qualifier);
    const retries = input.MaximumRetryAttempts;
    if (retries !== undefined && (typeof retries !== 'number' || retries < 0 || retries > 2)) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${String(retries)}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2`,
        400,
      );
    }
    const age = input.MaximumEventAgeInSeconds;
    if (age !== undefined && (typeof age !== 'number' || age < 60 || age > 21600)) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${String(age)}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 21600`,
        400,
      );
    }
    validateDestinations(input.DestinationConfig);
    const previous = merge ? (fn.invokeConfigs.get(key) ?? {}) : {};
    const config: Record<string, unknown> = {
      ...previous,
      FunctionArn: `${fn.arn}:${key}`,
      LastModified: ctx.emulator.now() / 1000,
    };
    for (const k of ['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig']) {
      if (input[k] !== undefined) config[k] = input[k];
    }
    config.DestinationConfig ??= { OnSuccess: {}, OnFailure: {} };
    fn.invokeConfigs.set(key, config);
    return config;
  };

const getEventInvokeConfig: Op = (input, ctx) => {
  const { fn, qualifier } = getFunction(ctx, input.FunctionName);
  const key = invokeConfigKey(fn, input, qualifier);
  const config = fn.invokeConfigs.get(key);
  if (!config) throw notFound(`The function ${fn.arn}:${key} doesn't have an EventInvokeConfig`);
  return config;
};

const deleteEventInvokeConfig: Op = (input, ctx) => {
  const { fn, qualifier } = getFunction(ctx, input.FunctionName);
  const key = invokeConfigKey(fn, input, qualifier);
  if (!fn.invokeConfigs.delete(key))
    throw notFound(`The function ${fn.arn}:${key} doesn't have an EventInvokeConfig`);
  return {};
};

const listEventInvokeConfigs: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  return page([...fn.invokeConfigs.values()], input, 'FunctionEventInvokeConfigs');
};

const getAccountSettings: Op = (_input, ctx) => ({
  AccountLimit: {
    TotalCodeSize: 80530636800,
    CodeSizeUnzipped: 262144000,
    CodeSizeZipped: 52428800,
    ConcurrentExecutions: ACCOUNT_LIMIT,
    UnreservedConcurrentExecutions:
      ACCOUNT_LIMIT - [...ctx.state.functions.values()].reduce((s, f) => s + (f.reservedConcurrency ?? 0), 0),
  },
  AccountUsage: { TotalCodeSize: 0, FunctionCount: ctx.state.functions.size },
});

export const adminOperations: Record<string, Op> = {
  AddPermission: addPermission,
  RemovePermission: removePermission,
  GetPolicy: getPolicy,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTags: listTags,
  CreateAlias: createAlias,
  GetAlias: getAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
  PutFunctionConcurrency: putFunctionConcurrency,
  GetFunctionConcurrency: getFunctionConcurrency,
  DeleteFunctionConcurrency: deleteFunctionConcurrency,
  PutFunctionEventInvokeConfig: putEventInvokeConfig(false),
  UpdateFunctionEventInvokeConfig: putEventInvokeConfig(true),
  GetFunctionEventInvokeConfig: getEventInvokeConfig,
  DeleteFunctionEventInvokeConfig: deleteEventInvokeConfig,
  ListFunctionEventInvokeConfigs: listEventInvokeConfigs,
  GetAccountSettings: getAccountSettings,
};
