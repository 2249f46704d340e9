import type { Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { paginate } from '../../core/paging.js';
import {
  CodeError,
  codeFromDirectory,
  codeFromZip,
  type FunctionCode,
  LOCAL_CODE_BUCKET,
  releaseCode,
} from '../../runtime/code.js';
import {
  type Ctx,
  conflict,
  functionArn,
  getFunction,
  invalidParam,
  isRecord,
  type LambdaFunction,
  type LambdaState,
  lastModified,
  newRevision,
  notFound,
  qualifierOf,
  resolveVersion,
  str,
} from './state.js';

type Op = Operation<LambdaState>;

const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

const readBody = async (body: unknown): Promise<Uint8Array> => {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'base64');
  if (body && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  throw new Error('unreadable S3 object body');
};

/** Turns a Code (or UpdateFunctionCode input) into runnable code. */
export const materializeCode = async (code: Record<string, unknown>, ctx: Ctx): Promise<FunctionCode> => {
  try {
    if (typeof code.ZipFile === 'string') return codeFromZip(Buffer.from(code.ZipFile, 'base64'));
    if (code.S3Bucket === LOCAL_CODE_BUCKET) return codeFromDirectory(String(code.S3Key ?? ''));
    if (typeof code.S3Bucket === 'string' && typeof code.S3Key === 'string') {
      if (!ctx.emulator.service('s3')) {
        throw invalidParam(
          `Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: this emulator has no S3 service, so code cannot come from s3://${code.S3Bucket}/${code.S3Key}; use ZipFile or S3Bucket "${LOCAL_CODE_BUCKET}" with a local directory in S3Key.`,
        );
      }
      let object: unknown;
      try {
        object = await ctx.emulator.invoke(
          's3',
          'GetObject',
          {
            Bucket: code.S3Bucket,
            Key: code.S3Key,
            ...(code.S3ObjectVersion ? { VersionId: code.S3ObjectVersion } : {}),
          },
          { region: ctx.region },
        );
      } catch (err) {
        const e = err as AwsError;
        throw invalidParam(
          `Error occurred while GetObject. S3 Error Code: ${e.code ?? 'Error'}. S3 Error Message: ${e.message}`,
        );
      }
      return codeFromZip(await readBody(isRecord(object) ? object.Body : undefined));
    }
    if (code.ImageUri !== undefined) {
      throw invalidParam(
        'The eventprobe emulator runs zip-packaged Node.js functions only; container images are not supported.',
      );
    }
  } catch (err) {
    if (err instanceof CodeError) throw invalidParam(err.message);
    throw err;
  }
  throw invalidParam(
    'Please provide a source for function code: ZipFile, S3Bucket and S3Key, or S3Bucket "__local__" with a directory path in S3Key.',
  );
};

const intIn = (value: unknown, name: string, min: number, max: number, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(value)}' at '${name}' failed to satisfy constraint: Member must have value ${value !== undefined && Number(value) < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
      400,
    );
  }
  return value;
};

const CONFIG_KEYS = [
  'Runtime',
  'Role',
  'Handler',
  'Description',
  'Timeout',
  'MemorySize',
  'Environment',
  'TracingConfig',
  'DeadLetterConfig',
  'Layers',
  'KMSKeyArn',
  'VpcConfig',
  'EphemeralStorage',
  'LoggingConfig',
  'Architectures',
] as const;

/** Validates and applies configuration fields onto a (new or existing) configuration. */
const applyConfig = (config: Record<string, unknown>, input: Record<string, unknown>, name: string): void => {
  if (input.Role !== undefined && (typeof input.Role !== 'string' || !ROLE.test(input.Role))) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(input.Role)}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`,
      400,
    );
  }
  config.Timeout = intIn(input.Timeout, 'timeout', 1, 900, (config.Timeout as number | undefined) ?? 3);
  config.MemorySize = intIn(
    input.MemorySize,
    'memorySize',
    128,
    10240,
    (config.MemorySize as number | undefined) ?? 128,
  );
  for (const key of CONFIG_KEYS) {
    if (key === 'Timeout' || key === 'MemorySize' || input[key] === undefined) continue;
    config[key] = input[key];
  }
  if (isRecord(input.Environment)) {
    const vars = input.Environment.Variables ?? {};
    if (!isRecord(vars)) throw invalidParam('Environment.Variables must be a map of strings.');
    for (const [k, v] of Object.entries(vars)) {
      if (typeof v !== 'string') throw invalidParam(`Environment variable ${k} must be a string.`);
      if (
        /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|REGION|DEFAULT_REGION|LAMBDA_.*|EXECUTION_ENV)$/.test(
          k,
        ) ||
        k === '_HANDLER' ||
        k === 'LAMBDA_TASK_ROOT' ||
        k === 'LAMBDA_RUNTIME_DIR'
      ) {
        throw invalidParam(
          `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${k}`,
        );
      }
    }
    config.Environment = { Variables: { ...vars } };
  }
  if (isRecord(input.TracingConfig))
    config.TracingConfig = { Mode: input.TracingConfig.Mode === 'Active' ? 'Active' : 'PassThrough' };
  const logging = isRecord(config.LoggingConfig) ? config.LoggingConfig : {};
  config.LoggingConfig = {
    LogFormat: 'Text',
    ...logging,
    LogGroup: str(logging.LogGroup) ?? `/aws/lambda/${name}`,
  };
};

/** The configuration as AWS returns it for a version. */
export const configOut = (fn: LambdaFunction, versionName: string): Record<string, unknown> => {
  const version = fn.versions.get(versionName);
  if (!version) throw notFound(`Function not found: ${fn.arn}:${versionName}`);
  const { RevisionSource: _source, ...config } = version.config;
  return {
    ...config,
    FunctionArn: versionName === '$LATEST' ? fn.arn : `${fn.arn}:${versionName}`,
    CodeSha256: version.code.sha256,
    CodeSize: version.code.size,
  };
};

const configFor = (fn: LambdaFunction, input: Record<string, unknown>, fromName: string | undefined) => {
  const q = qualifierOf(input, fromName);
  if (q !== undefined && fn.aliases.has(q)) {
    return configOut(fn, (fn.aliases.get(q) as { FunctionVersion: string }).FunctionVersion);
  }
  return configOut(fn, q ?? '$LATEST');
};

const createFunction: Op = async (input, ctx) => {
  const name = input.FunctionName;
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(name)}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`,
      400,
    );
  }
  if (ctx.state.functions.has(name)) throw conflict(`Function already exist: ${name}`);
  if (input.Role === undefined) throw invalidParam('Role is required.');
  if ((input.PackageType ?? 'Zip') !== 'Zip') {
    throw invalidParam(
      'The eventprobe emulator runs zip-packaged Node.js functions only; container images are not supported.',
    );
  }
  if (typeof input.Handler !== 'string' || typeof input.Runtime !== 'string') {
    throw invalidParam(
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    );
  }
  const config: Record<string, unknown> = {
    FunctionName: name,
    Description: '',
    Version: '$LATEST',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    TracingConfig: { Mode: 'PassThrough' },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
  };
  applyConfig(config, input, name);
  if (!isRecord(input.Code)) throw invalidParam('Code is required.');
  const code = await materializeCode(input.Code, ctx);
  if (ctx.state.functions.has(name)) {
    releaseCode(code);
    throw conflict(`Function already exist: ${name}`);
  }
  Object.assign(config, {
    LastModified: lastModified(ctx.emulator.now()),
    RevisionId: newRevision(),
    State: 'Active',
    LastUpdateStatus: 'Successful',
  });
  const fn: LambdaFunction = {
    name,
    arn: functionArn(ctx.state, name),
    versions: new Map([['$LATEST', { config, code }]]),
    nextVersion: 1,
    aliases: new Map(),
    policy: [],
    tags: isRecord(input.Tags) ? { ...(input.Tags as Record<string, string>) } : {},
    reservedConcurrency: undefined,
    invokeConfigs: new Map(),
    pools: new Map(),
    runtimeNoted: false,
  };
  ctx.state.functions.set(name, fn);
  if (input.Publish === true) publish(fn, ctx, '');
  // AWS answers CreateFunction while the function is still Pending; it is Active right after.
  return {
    ...configOut(fn, '$LATEST'),
    State: 'Pending',
    StateReason: 'The function is being created.',
    StateReasonCode: 'Creating',
  };
};

const getFunctionOp: Op = (input, ctx) => {
  const { fn, qualifier } = getFunction(ctx, input.FunctionName);
  const config = configFor(fn, input, qualifier);
  const version = resolveVersion(fn, qualifierOf(input, qualifier)).version;
  return {
    Configuration: config,
    Code: { RepositoryType: 'S3', Location: version.code.location },
    Tags: { ...fn.tags },
    ...(fn.reservedConcurrency !== undefined
      ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } }
      : {}),
  };
};

const getFunctionConfiguration: Op = (input, ctx) => {
  const { fn, qualifier } = getFunction(ctx, input.FunctionName);
  return configFor(fn, input, qualifier);
};

/** Ends the instances of `$LATEST` (after a code or configuration change). */
const retireLatest = (fn: LambdaFunction): void => {
  fn.pools.get('$LATEST')?.retire();
  fn.pools.delete('$LATEST');
};

const isShared = (fn: LambdaFunction, code: FunctionCode, except: string): boolean =>
  [...fn.versions.entries()].some(([k, v]) => k !== except && v.code === code);

const updateFunctionCode: Op = async (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const latest = fn.versions.get('$LATEST') as { config: Record<string, unknown>; code: FunctionCode };
  const code = await materializeCode(input, ctx);
  if (!isShared(fn, latest.code, '$LATEST')) releaseCode(latest.code);
  latest.code = code;
  Object.assign(latest.config, { LastModified: lastModified(ctx.emulator.now()), RevisionId: newRevision() });
  retireLatest(fn);
  if (input.Publish === true) publish(fn, ctx, '');
  return {
    ...configOut(fn, '$LATEST'),
    LastUpdateStatus: 'InProgress',
    LastUpdateStatusReason: 'The function is being created.',
    LastUpdateStatusReasonCode: 'Creating',
  };
};

const updateFunctionConfiguration: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const latest = fn.versions.get('$LATEST') as { config: Record<string, unknown> };
  if (input.RevisionId !== undefined && input.RevisionId !== latest.config.RevisionId) {
    throw new AwsError(
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      412,
    );
  }
  applyConfig(latest.config, input, fn.name);
  Object.assign(latest.config, { LastModified: lastModified(ctx.emulator.now()), RevisionId: newRevision() });
  retireLatest(fn);
  return { ...configOut(fn, '$LATEST'), LastUpdateStatus: 'InProgress' };
};

/** Closes a function's instances and removes its unzipped code. */
export const disposeFunction = (fn: LambdaFunction): void => {
  for (const pool of fn.pools.values()) pool.close();
  fn.pools.clear();
  const codes = new Set([...fn.versions.values()].map((v) => v.code));
  for (const code of codes) releaseCode(code);
};

const deleteFunction: Op = (input, ctx) => {
  const { fn, qualifier } = getFunction(ctx, input.FunctionName);
  const q = qualifierOf(input, qualifier);
  if (q !== undefined && q !== '$LATEST') {
    if (!fn.versions.has(q)) throw notFound(`Function not found: ${fn.arn}:${q}`);
    fn.pools.get(q)?.close();
    fn.pools.delete(q);
    const removed = fn.versions.get(q);
    fn.versions.delete(q);
    if (removed && !isShared(fn, removed.code, q)) releaseCode(removed.code);
    return {};
  }
  if (q === '$LATEST') throw invalidParam('$LATEST version cannot be deleted without deleting the function.');
  ctx.state.functions.delete(fn.name);
  disposeFunction(fn);
  return {};
};

const listFunctions: Op = (input, ctx) => {
  const all = [...ctx.state.functions.values()].sort((a, b) => a.name.localeCompare(b.name));
  const rows =
    input.FunctionVersion === 'ALL'
      ? all.flatMap((fn) => [...fn.versions.keys()].map((v) => configOut(fn, v)))
      : all.map((fn) => configOut(fn, '$LATEST'));
  return page(rows, input, 'Functions');
};

/** Marker/MaxItems paging. */
export const page = (
  rows: unknown[],
  input: Record<string, unknown>,
  key: string,
): Record<string, unknown> => {
  const max = input.MaxItems === undefined ? 50 : Number(input.MaxItems);
  if (!Number.isInteger(max) || max < 1 || max > 10000)
    throw invalidParam('MaxItems must be between 1 and 10000.');
  const { page: slice, nextToken } = paginate(rows, input.Marker, max, () => invalidParam('Invalid Marker.'));
  return { [key]: slice, ...(nextToken !== undefined ? { NextMarker: nextToken } : {}) };
};

/** Snapshots `$LATEST` as a new numbered version (or returns the last one when nothing changed). */
const publish = (fn: LambdaFunction, ctx: Ctx, description: string): string => {
  const latest = fn.versions.get('$LATEST') as { config: Record<string, unknown>; code: FunctionCode };
  const last = fn.nextVersion > 1 ? fn.versions.get(String(fn.nextVersion - 1)) : undefined;
  if (last && last.code === latest.code && last.config.RevisionSource === latest.config.RevisionId) {
    return String(fn.nextVersion - 1);
  }
  const number = String(fn.nextVersion++);
  fn.versions.set(number, {
    code: latest.code,
    config: {
      ...structuredClone(latest.config),
      Version: number,
      Description: description || latest.config.Description,
      RevisionId: newRevision(),
      RevisionSource: latest.config.RevisionId,
      LastModified: lastModified(ctx.emulator.now()),
    },
  });
  return number;
};

const publishVersion: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  const latest = fn.versions.get('$LATEST') as { code: FunctionCode };
  if (input.CodeSha256 !== undefined && input.CodeSha256 !== latest.code.sha256) {
    throw invalidParam(
      `CodeSHA256 (${String(input.CodeSha256)}) is different from current CodeSHA256 in $LATEST (${latest.code.sha256}). Please try again.`,
    );
  }
  return configOut(fn, publish(fn, ctx, str(input.Description) ?? ''));
};

const listVersionsByFunction: Op = (input, ctx) => {
  const { fn } = getFunction(ctx, input.FunctionName);
  return page(
    [...fn.versions.keys()].map((v) => configOut(fn, v)),
    input,
    'Versions',
  );
};

export const functionOperations: Record<string, Op> = {
  CreateFunction: createFunction,
  GetFunction: getFunctionOp,
  GetFunctionConfiguration: getFunctionConfiguration,
  UpdateFunctionCode: updateFunctionCode,
  UpdateFunctionConfiguration: updateFunctionConfiguration,
  DeleteFunction: deleteFunction,
  ListFunctions: listFunctions,
  PublishVersion: publishVersion,
  ListVersionsByFunction: listVersionsByFunction,
};
