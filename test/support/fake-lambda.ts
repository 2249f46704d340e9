/**
 * Test-only stand-ins for the Lambda and CloudWatch Logs services (the real ones are built on
 * another branch): small state machines with the operations CloudFormation's providers call, and
 * the errors Lambda gives for what does not exist. Registered beside the real services in an
 * Emulator served on port 0.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../../src/local/core/errors.js';
import { defineService } from '../../src/local/core/service.js';

export interface FakeFunction {
  config: Record<string, unknown>;
  code: Record<string, unknown>;
  tags: Record<string, string>;
  versions: string[];
  concurrency: number | undefined;
  policy: Map<string, Record<string, unknown>>;
}

export interface FakeLambdaState {
  readonly functions: Map<string, FakeFunction>;
  readonly mappings: Map<string, Record<string, unknown>>;
  readonly aliases: Map<string, Record<string, unknown>>;
}

const notFound = (what: string) =>
  new AwsError('ResourceNotFoundException', `Function not found: ${what}`, 404);

const nameOf = (value: unknown): string => {
  const text = String(value);
  const m = /function:([^:]+)/.exec(text);
  return m ? (m[1] as string) : text;
};

const fn = (state: FakeLambdaState, name: unknown): FakeFunction => {
  const found = state.functions.get(nameOf(name));
  if (!found) throw notFound(String(name));
  return found;
};

const arnOf = (region: string, name: string) => `arn:aws:lambda:${region}:000000000000:function:${name}`;

export const fakeLambda = defineService<FakeLambdaState>({
  signingName: 'lambda',
  createState: () => ({ functions: new Map(), mappings: new Map(), aliases: new Map() }),
  operations: {
    CreateFunction(input, ctx) {
      const { FunctionName, Code, Tags, ...config } = input;
      const name = String(FunctionName);
      if (ctx.state.functions.has(name)) {
        throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409);
      }
      ctx.state.functions.set(name, {
        config,
        code: Code as Record<string, unknown>,
        tags: (Tags ?? {}) as Record<string, string>,
        versions: [],
        concurrency: undefined,
        policy: new Map(),
      });
      return { FunctionName: name, FunctionArn: arnOf(ctx.region, name) };
    },
    UpdateFunctionCode(input, ctx) {
      const { FunctionName, ...code } = input;
      fn(ctx.state, FunctionName).code = code;
      return {};
    },
    UpdateFunctionConfiguration(input, ctx) {
      const { FunctionName, ...config } = input;
      const f = fn(ctx.state, FunctionName);
      f.config = { ...f.config, ...config };
      return {};
    },
    PutFunctionConcurrency(input, ctx) {
      fn(ctx.state, input.FunctionName).concurrency = Number(input.ReservedConcurrentExecutions);
      return {};
    },
    DeleteFunctionConcurrency(input, ctx) {
      fn(ctx.state, input.FunctionName).concurrency = undefined;
      return {};
    },
    DeleteFunction(input, ctx) {
      const f = fn(ctx.state, input.FunctionName);
      if (input.Qualifier !== undefined) f.versions = f.versions.filter((v) => v !== input.Qualifier);
      else ctx.state.functions.delete(nameOf(input.FunctionName));
      return {};
    },
    AddPermission(input, ctx) {
      fn(ctx.state, input.FunctionName).policy.set(String(input.StatementId), input);
      return { Statement: '{}' };
    },
    RemovePermission(input, ctx) {
      const f = fn(ctx.state, input.FunctionName);
      if (!f.policy.delete(String(input.StatementId))) throw notFound(String(input.StatementId));
      return {};
    },
    PublishVersion(input, ctx) {
      const f = fn(ctx.state, input.FunctionName);
      const version = String(f.versions.length + 1);
      f.versions.push(version);
      return { Version: version, FunctionArn: `${arnOf(ctx.region, nameOf(input.FunctionName))}:${version}` };
    },
    CreateAlias(input, ctx) {
      fn(ctx.state, input.FunctionName);
      const key = `${nameOf(input.FunctionName)}:${String(input.Name)}`;
      ctx.state.aliases.set(key, input);
      return { AliasArn: `${arnOf(ctx.region, nameOf(input.FunctionName))}:${String(input.Name)}` };
    },
    UpdateAlias(input, ctx) {
      ctx.state.aliases.set(`${nameOf(input.FunctionName)}:${String(input.Name)}`, input);
      return {};
    },
    DeleteAlias(input, ctx) {
      ctx.state.aliases.delete(`${nameOf(input.FunctionName)}:${String(input.Name)}`);
      return {};
    },
    CreateEventSourceMapping(input, ctx) {
      fn(ctx.state, input.FunctionName);
      const uuid = randomUUID();
      ctx.state.mappings.set(uuid, { ...input, UUID: uuid });
      return { UUID: uuid };
    },
    UpdateEventSourceMapping(input, ctx) {
      const m = ctx.state.mappings.get(String(input.UUID));
      if (!m) throw notFound(String(input.UUID));
      ctx.state.mappings.set(String(input.UUID), { ...m, ...input });
      return {};
    },
    DeleteEventSourceMapping(input, ctx) {
      if (!ctx.state.mappings.delete(String(input.UUID))) throw notFound(String(input.UUID));
      return {};
    },
  },
});

export interface FakeLogsState {
  readonly groups: Map<string, { retention: number | undefined; tags: Record<string, string> }>;
}

export const fakeLogs = defineService<FakeLogsState>({
  signingName: 'logs',
  createState: () => ({ groups: new Map() }),
  operations: {
    CreateLogGroup(input, ctx) {
      ctx.state.groups.set(String(input.logGroupName), {
        retention: undefined,
        tags: (input.tags ?? {}) as Record<string, string>,
      });
      return {};
    },
    PutRetentionPolicy(input, ctx) {
      const g = ctx.state.groups.get(String(input.logGroupName));
      if (g) g.retention = Number(input.retentionInDays);
      return {};
    },
    DeleteRetentionPolicy(input, ctx) {
      const g = ctx.state.groups.get(String(input.logGroupName));
      if (g) g.retention = undefined;
      return {};
    },
    DeleteLogGroup(input, ctx) {
      if (!ctx.state.groups.delete(String(input.logGroupName))) {
        throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
      }
      return {};
    },
  },
});
