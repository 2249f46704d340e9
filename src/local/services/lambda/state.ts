import { randomUUID } from 'node:crypto';
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import type { FunctionCode } from '../../runtime/code.js';
import type { FunctionPool } from '../../runtime/pool.js';

/** A published version (or `$LATEST`): its configuration and code. */
export interface FunctionVersion {
  /** FunctionConfiguration as AWS returns it (minus the fields computed on read). */
  config: Record<string, unknown>;
  code: FunctionCode;
}

export interface Alias {
  Name: string;
  FunctionVersion: string;
  Description: string;
  RevisionId: string;
  RoutingConfig?: unknown;
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly [key: string]: unknown;
}

export interface LambdaFunction {
  readonly name: string;
  readonly arn: string;
  readonly versions: Map<string, FunctionVersion>;
  nextVersion: number;
  readonly aliases: Map<string, Alias>;
  readonly policy: PolicyStatement[];
  readonly tags: Record<string, string>;
  reservedConcurrency: number | undefined;
  /** Qualifier (`$LATEST`, version, alias) → FunctionEventInvokeConfig. */
  readonly invokeConfigs: Map<string, Record<string, unknown>>;
  /** Version → its instances. */
  readonly pools: Map<string, FunctionPool>;
  /** Set once the runtime mismatch note was logged. */
  runtimeNoted: boolean;
}

export interface LambdaState {
  readonly accountId: string;
  readonly region: string;
  readonly functions: Map<string, LambdaFunction>;
  /** Asynchronous invocations not yet finished (tests and close wait on them). */
  readonly inflight: Set<Promise<unknown>>;
  /** Set when the emulator closes: queued work stops. */
  closed: boolean;
}

export type Ctx = OpContext<LambdaState>;

export const createLambdaState = (scope: { accountId: string; region: string }): LambdaState => ({
  accountId: scope.accountId,
  region: scope.region,
  functions: new Map(),
  inflight: new Set(),
  closed: false,
});

export const notFound = (message: string): AwsError =>
  new AwsError('ResourceNotFoundException', message, 404);
export const invalidParam = (message: string): AwsError =>
  new AwsError('InvalidParameterValueException', message, 400);
export const conflict = (message: string): AwsError =>
  new AwsError('ResourceConflictException', message, 409);

const NAME_OR_ARN =
  /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:)?([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

/** Splits a FunctionName (name, partial or full ARN, optionally qualified) into name and qualifier. */
export const parseFunctionName = (value: unknown): { name: string; qualifier: string | undefined } => {
  if (typeof value !== 'string' || value === '') throw invalidParam('FunctionName is required.');
  const partial = PARTIAL_ARN.exec(value);
  if (partial) return { name: partial[2] as string, qualifier: partial[3] };
  const m = NAME_OR_ARN.exec(value);
  if (!m) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
      400,
    );
  }
  return { name: m[3] as string, qualifier: m[4] };
};

export const functionArn = (state: LambdaState, name: string): string =>
  `arn:aws:lambda:${state.region}:${state.accountId}:function:${name}`;

/** The function a FunctionName names; ResourceNotFoundException as AWS words it otherwise. */
export const getFunction = (
  ctx: Ctx,
  value: unknown,
): { fn: LambdaFunction; qualifier: string | undefined } => {
  const { name, qualifier } = parseFunctionName(value);
  const fn = ctx.state.functions.get(name);
  if (!fn) throw notFound(`Function not found: ${functionArn(ctx.state, name)}`);
  return { fn, qualifier };
};

/** Qualifier from the input (query Qualifier or the ARN's suffix; they must agree). */
export const qualifierOf = (
  input: Record<string, unknown>,
  fromName: string | undefined,
): string | undefined => {
  const q = typeof input.Qualifier === 'string' && input.Qualifier !== '' ? input.Qualifier : undefined;
  if (q !== undefined && fromName !== undefined && q !== fromName) {
    throw invalidParam(
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  return q ?? fromName;
};

/** The version a qualifier resolves to (an alias resolves to its version). */
export const resolveVersion = (
  fn: LambdaFunction,
  qualifier: string | undefined,
): { version: FunctionVersion; name: string } => {
  const q = qualifier ?? '$LATEST';
  const direct = fn.versions.get(q);
  if (direct) return { version: direct, name: q };
  const alias = fn.aliases.get(q);
  const viaAlias = alias ? fn.versions.get(alias.FunctionVersion) : undefined;
  if (alias && viaAlias) return { version: viaAlias, name: alias.FunctionVersion };
  throw notFound(`Function not found: ${fn.arn}:${q}`);
};

export const newRevision = (): string => randomUUID();

/** `2026-12-07T04:05:06.789+0000`, as Lambda writes LastModified. */
export const lastModified = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
