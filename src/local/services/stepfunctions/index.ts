/**
 * Step Functions (AWS JSON 1.0): state machines (STANDARD and EXPRESS), executions run by the
 * emulator's own ASL interpreter (JSONPath and JSONata), their history, task tokens and tags.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { paginate } from '../../core/paging.js';
import { defineService, type TaggingHooks } from '../../core/service.js';
import { parseDefinition } from './definition.js';
import { addEvent, rootFrame, runMachine } from './interpreter.js';
import { StatesError } from './paths.js';
import { type Execution, Run, type StateMachine, type TaskToken } from './run.js';

export { configureStepFunctions, type StepFunctionsOptions } from './run.js';

export interface StepFunctionsState {
  readonly accountId: string;
  readonly region: string;
  readonly machines: Map<string, StateMachine>;
  readonly executions: Map<string, Execution>;
  readonly tokens: Map<string, TaskToken>;
}

type Ctx = OpContext<StepFunctionsState>;
type Input = Record<string, unknown>;

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const PAGE = 100;

const fail = (code: string, message: string): AwsError => new AwsError(code, message, 400);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const seconds = (ms: number): number => ms / 1000;

const checkName = (name: unknown, what = 'Name'): string => {
  if (typeof name !== 'string' || !NAME.test(name))
    throw fail('InvalidName', `Invalid ${what}: '${String(name)}'`);
  return name;
};

const machineOf = (ctx: Ctx, arn: unknown): StateMachine => {
  if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:') || !arn.includes(':stateMachine:')) {
    throw fail('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  }
  const machine = ctx.state.machines.get(arn);
  if (!machine) throw fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  return machine;
};

const executionOf = (ctx: Ctx, arn: unknown): Execution => {
  if (typeof arn !== 'string' || !/^arn:aws:states:[^:]+:\d{12}:(execution|express):/.test(arn)) {
    throw fail('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  }
  if (arn.split(':')[5] === 'express') {
    throw fail('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: express'`);
  }
  const execution = ctx.state.executions.get(arn);
  if (!execution) throw fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  return execution;
};

const tagList = (tags: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const t of Array.isArray(tags) ? tags : []) {
    const { key, value } = t as { key?: unknown; value?: unknown };
    if (typeof key === 'string') out[key] = typeof value === 'string' ? value : '';
  }
  return out;
};

const tracingOf = (input: Input): boolean =>
  (input.tracingConfiguration as { enabled?: unknown } | undefined)?.enabled === true;

const describeMachine = (m: StateMachine): Input => ({
  stateMachineArn: m.arn,
  name: m.name,
  status: 'ACTIVE',
  definition: m.definition,
  roleArn: m.roleArn,
  type: m.type,
  creationDate: seconds(m.creationDate),
  loggingConfiguration: m.loggingConfiguration,
  tracingConfiguration: { enabled: m.tracing },
  revisionId: m.revisionId,
});

const createStateMachine = (input: Input, ctx: Ctx): Input => {
  const name = checkName(input.name);
  const type = input.type ?? 'STANDARD';
  if (type !== 'STANDARD' && type !== 'EXPRESS') {
    throw fail(
      'ValidationException',
      `1 validation error detected: Value '${String(type)}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
    );
  }
  if (typeof input.roleArn !== 'string' || !input.roleArn.startsWith('arn:')) {
    throw fail('InvalidArn', `Invalid Arn: 'Role ARN is malformed: ${String(input.roleArn)}'`);
  }
  const parsed = parseDefinition(input.definition);
  const arn = `arn:aws:states:${ctx.region}:${ctx.accountId}:stateMachine:${name}`;
  const existing = ctx.state.machines.get(arn);
  if (existing) {
    if (
      existing.definition === input.definition &&
      existing.roleArn === input.roleArn &&
      existing.type === type
    ) {
      return { stateMachineArn: arn, creationDate: seconds(existing.creationDate) };
    }
    throw fail('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
  }
  const machine: StateMachine = {
    arn,
    name,
    type,
    definition: input.definition as string,
    parsed,
    roleArn: input.roleArn,
    tracing: tracingOf(input),
    loggingConfiguration: (input.loggingConfiguration as Input | undefined) ?? {
      level: 'OFF',
      includeExecutionData: false,
    },
    creationDate: ctx.emulator.now(),
    revisionId: randomUUID(),
    tags: tagList(input.tags),
  };
  ctx.state.machines.set(arn, machine);
  return { stateMachineArn: arn, creationDate: seconds(machine.creationDate) };
};

const updateStateMachine = (input: Input, ctx: Ctx): Input => {
  const machine = machineOf(ctx, input.stateMachineArn);
  if (
    input.definition === undefined &&
    input.roleArn === undefined &&
    input.loggingConfiguration === undefined &&
    input.tracingConfiguration === undefined
  ) {
    throw fail(
      'MissingRequiredParameter',
      'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
    );
  }
  if (input.definition !== undefined) {
    machine.parsed = parseDefinition(input.definition);
    machine.definition = input.definition as string;
  }
  if (typeof input.roleArn === 'string') machine.roleArn = input.roleArn;
  if (input.loggingConfiguration !== undefined)
    machine.loggingConfiguration = input.loggingConfiguration as Input;
  if (input.tracingConfiguration !== undefined) machine.tracing = tracingOf(input);
  machine.revisionId = randomUUID();
  return { updateDate: seconds(ctx.emulator.now()), revisionId: machine.revisionId };
};

const deleteStateMachine = (input: Input, ctx: Ctx): Input => {
  const arn = str(input.stateMachineArn);
  if (arn && ctx.state.machines.has(arn)) ctx.state.machines.delete(arn);
  else machineOf(ctx, arn);
  return {};
};

const page = <T>(items: T[], input: Input): { items: T[]; nextToken?: string } => {
  const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? input.maxResults : PAGE;
  const { page: slice, nextToken } = paginate(items, input.nextToken, max, () =>
    fail('InvalidToken', `Invalid Token: '${String(input.nextToken)}'`),
  );
  return nextToken === undefined ? { items: slice } : { items: slice, nextToken };
};

const listStateMachines = (input: Input, ctx: Ctx): Input => {
  const all = [...ctx.state.machines.values()];
  const { items, nextToken } = page(all, input);
  return {
    stateMachines: items.map((m) => ({
      stateMachineArn: m.arn,
      name: m.name,
      type: m.type,
      creationDate: seconds(m.creationDate),
    })),
    ...(nextToken ? { nextToken } : {}),
  };
};

const parseInput = (text: unknown): string => {
  const raw = typeof text === 'string' ? text : '{}';
  try {
    JSON.parse(raw);
  } catch (err) {
    throw fail('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(err as Error).message}'`);
  }
  if (Buffer.byteLength(raw) > 256 * 1024) {
    throw fail(
      'InvalidExecutionInput',
      'Invalid State Machine Execution Input: the input exceeds 262144 bytes',
    );
  }
  return raw;
};

const newTraceHeader = (ctx: Ctx, given: unknown): string | undefined => {
  const header = str(given) ?? ctx.traceHeader;
  if (header && /Root=/.test(header)) return header;
  const now = Math.floor(ctx.emulator.now() / 1000).toString(16);
  return `Root=1-${now}-${randomBytes(12).toString('hex')};Sampled=1`;
};

const finish = (run: Run, status: Execution['status'], body: Record<string, unknown>): void => {
  const e = run.execution;
  if (e.status !== 'RUNNING') return;
  e.status = status;
  e.stopDate = run.emulator.now();
  const type = {
    SUCCEEDED: 'ExecutionSucceeded',
    FAILED: 'ExecutionFailed',
    TIMED_OUT: 'ExecutionTimedOut',
    ABORTED: 'ExecutionAborted',
    RUNNING: '',
  }[status];
  addEvent(run, { thread: { last: e.history.length } }, type, body);
  run.recordTrace();
};

/** Starts running an execution; `done` settles when it stops. */
const start = (ctx: Ctx, machine: StateMachine, input: Input, express: boolean): Execution => {
  const name = input.name === undefined ? randomUUID() : checkName(input.name, 'Name');
  const arn = express
    ? `arn:aws:states:${ctx.region}:${ctx.accountId}:express:${machine.name}:${name}:${randomUUID()}`
    : `arn:aws:states:${ctx.region}:${ctx.accountId}:execution:${machine.name}:${name}`;
  const raw = parseInput(input.input);
  if (ctx.state.executions.has(arn)) {
    throw fail('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
  }
  const tracing = machine.tracing || /Sampled=1/.test(str(input.traceHeader) ?? ctx.traceHeader ?? '');
  const execution: Execution = {
    arn,
    name,
    machineArn: machine.arn,
    roleArn: machine.roleArn,
    express,
    input: raw,
    startDate: ctx.emulator.now(),
    status: 'RUNNING',
    output: undefined,
    error: undefined,
    cause: undefined,
    stopDate: undefined,
    history: [],
    traceHeader: tracing ? newTraceHeader(ctx, input.traceHeader) : str(input.traceHeader),
    controller: new AbortController(),
    done: Promise.resolve(),
  };
  if (!express) ctx.state.executions.set(arn, execution);
  const run = new Run(ctx.emulator, ctx.region, machine, execution, ctx.state.tokens);
  execution.done = drive(run, machine, execution);
  return execution;
};

const drive = async (run: Run, machine: StateMachine, e: Execution): Promise<void> => {
  const signal = AbortSignal.any([e.controller.signal, run.emulator.closing]);
  const frame = rootFrame(machine.parsed.QueryLanguage ?? 'JSONPath', signal);
  addEvent(run, frame, 'ExecutionStarted', {
    input: e.input,
    inputDetails: { truncated: false },
    roleArn: e.roleArn,
    stateMachineAliasArn: undefined,
  });
  const def = machine.parsed;
  let timer: NodeJS.Timeout | undefined;
  if (typeof def.TimeoutSeconds === 'number') {
    timer = setTimeout(
      () => e.controller.abort(new StatesError('States.Timeout', 'The execution timed out.')),
      def.TimeoutSeconds * 1000,
    );
  }
  try {
    const output = await runMachine(run, def, JSON.parse(e.input), frame);
    e.output = JSON.stringify(output);
    finish(run, 'SUCCEEDED', { output: e.output, outputDetails: { truncated: false } });
  } catch (err) {
    const reason = e.controller.signal.aborted ? e.controller.signal.reason : err;
    if (reason instanceof StatesError && reason.error === 'States.Timeout' && e.controller.signal.aborted) {
      e.error = reason.error;
      e.cause = reason.errorCause;
      finish(run, 'TIMED_OUT', { error: e.error, cause: e.cause });
    } else if (e.controller.signal.aborted || run.emulator.closing.aborted) {
      finish(run, 'ABORTED', {});
    } else if (err instanceof StatesError) {
      e.error = err.error;
      e.cause = err.errorCause;
      finish(run, 'FAILED', { error: e.error, cause: e.cause });
    } else {
      e.error = 'States.Runtime';
      e.cause = (err as Error).message;
      finish(run, 'FAILED', { error: e.error, cause: e.cause });
    }
  } finally {
    clearTimeout(timer);
  }
};

const startExecution = (input: Input, ctx: Ctx): Input => {
  const machine = machineOf(ctx, input.stateMachineArn);
  const e = start(ctx, machine, input, machine.type === 'EXPRESS');
  return { executionArn: e.arn, startDate: seconds(e.startDate) };
};

const executionView = (e: Execution): Input => ({
  executionArn: e.arn,
  stateMachineArn: e.machineArn,
  name: e.name,
  status: e.status,
  startDate: seconds(e.startDate),
  ...(e.stopDate !== undefined ? { stopDate: seconds(e.stopDate) } : {}),
  input: e.input,
  inputDetails: { included: true },
  ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
  ...(e.error !== undefined ? { error: e.error } : {}),
  ...(e.cause !== undefined ? { cause: e.cause } : {}),
  ...(e.traceHeader ? { traceHeader: e.traceHeader } : {}),
});

const startSyncExecution = async (input: Input, ctx: Ctx): Promise<Input> => {
  const machine = machineOf(ctx, input.stateMachineArn);
  if (machine.type !== 'EXPRESS') {
    throw fail(
      'StateMachineTypeNotSupported',
      'This operation is not supported by this type of state machine',
    );
  }
  const e = start(ctx, machine, input, true);
  await e.done;
  const view = executionView(e);
  delete view.inputDetails;
  return {
    ...view,
    billingDetails: {
      billedMemoryUsedInMB: 64,
      billedDurationInMilliseconds: Math.max(100, (e.stopDate ?? 0) - e.startDate),
    },
  };
};

const describeExecution = (input: Input, ctx: Ctx): Input => {
  const e = executionOf(ctx, input.executionArn);
  return { ...executionView(e), redriveCount: 0, redriveStatus: 'NOT_REDRIVABLE' };
};

const stopExecution = (input: Input, ctx: Ctx): Input => {
  const e = executionOf(ctx, input.executionArn);
  if (e.status === 'RUNNING') {
    e.error = str(input.error);
    e.cause = str(input.cause);
    e.controller.abort(new Error('stopped'));
    const machine = ctx.state.machines.get(e.machineArn);
    if (machine) {
      const run = new Run(ctx.emulator, ctx.region, machine, e, ctx.state.tokens);
      finish(run, 'ABORTED', {
        ...(e.error ? { error: e.error } : {}),
        ...(e.cause ? { cause: e.cause } : {}),
      });
    } else e.status = 'ABORTED';
  }
  return { stopDate: seconds(e.stopDate ?? ctx.emulator.now()) };
};

const listExecutions = (input: Input, ctx: Ctx): Input => {
  const machine = machineOf(ctx, input.stateMachineArn);
  const filter = str(input.statusFilter);
  const all = [...ctx.state.executions.values()]
    .filter((e) => e.machineArn === machine.arn && (filter === undefined || e.status === filter))
    .reverse();
  const { items, nextToken } = page(all, input);
  return {
    executions: items.map((e) => ({
      executionArn: e.arn,
      stateMachineArn: e.machineArn,
      name: e.name,
      status: e.status,
      startDate: seconds(e.startDate),
      ...(e.stopDate !== undefined ? { stopDate: seconds(e.stopDate) } : {}),
    })),
    ...(nextToken ? { nextToken } : {}),
  };
};

const getExecutionHistory = (input: Input, ctx: Ctx): Input => {
  const e = executionOf(ctx, input.executionArn);
  const events = input.reverseOrder === true ? [...e.history].reverse() : e.history;
  const withData = input.includeExecutionData !== false;
  const shown = withData
    ? events
    : events.map((ev) => {
        const copy: Record<string, unknown> = { ...ev };
        for (const [k, v] of Object.entries(copy)) {
          if (k.endsWith('EventDetails') && typeof v === 'object' && v !== null) {
            const { input: _i, output: _o, ...rest } = v as Record<string, unknown>;
            copy[k] = rest;
          }
        }
        return copy;
      });
  const { items, nextToken } = page(shown, input);
  return { events: items, ...(nextToken ? { nextToken } : {}) };
};

const tokenOf = (ctx: Ctx, token: unknown): TaskToken => {
  if (typeof token !== 'string' || token.length === 0)
    throw fail('InvalidToken', `Invalid Token: '${String(token)}'`);
  const entry = ctx.state.tokens.get(token);
  if (!entry) throw fail('TaskDoesNotExist', 'Task Timed Out or does not exist');
  return entry;
};

const sendTaskSuccess = (input: Input, ctx: Ctx): Input => {
  const entry = tokenOf(ctx, input.taskToken);
  let output: unknown;
  try {
    output = JSON.parse(String(input.output));
  } catch (err) {
    throw fail('InvalidOutput', `Invalid Output: '${(err as Error).message}'`);
  }
  entry.succeed(output);
  return {};
};

const sendTaskFailure = (input: Input, ctx: Ctx): Input => {
  const entry = tokenOf(ctx, input.taskToken);
  entry.fail(new StatesError(str(input.error) ?? '', str(input.cause) ?? ''));
  return {};
};

const sendTaskHeartbeat = (input: Input, ctx: Ctx): Input => {
  tokenOf(ctx, input.taskToken).heartbeat();
  return {};
};

const taggable = (ctx: Ctx, arn: unknown): StateMachine => {
  const m = typeof arn === 'string' ? ctx.state.machines.get(arn) : undefined;
  if (!m) throw fail('ResourceNotFound', `Resource not found: '${String(arn)}'`);
  return m;
};

const tagResource = (input: Input, ctx: Ctx): Input => {
  const m = taggable(ctx, input.resourceArn);
  m.tags = { ...m.tags, ...tagList(input.tags) };
  return {};
};

const untagResource = (input: Input, ctx: Ctx): Input => {
  const m = taggable(ctx, input.resourceArn);
  for (const k of Array.isArray(input.tagKeys) ? input.tagKeys : []) delete m.tags[String(k)];
  return {};
};

const listTagsForResource = (input: Input, ctx: Ctx): Input => {
  const m = taggable(ctx, input.resourceArn);
  return { tags: Object.entries(m.tags).map(([key, value]) => ({ key, value })) };
};

const tagging: TaggingHooks<StepFunctionsState> = {
  list: (state) =>
    [...state.machines.values()].map((m) => ({
      arn: m.arn,
      resourceType: 'states:stateMachine',
      tags: { ...m.tags },
    })),
  tag: (state, arn, tags) => {
    const m = state.machines.get(arn);
    if (!m) return false;
    m.tags = { ...m.tags, ...tags };
    return true;
  },
  untag: (state, arn, keys) => {
    const m = state.machines.get(arn);
    if (!m) return false;
    for (const k of keys) delete m.tags[k];
    return true;
  },
};

export const stepfunctions = defineService<StepFunctionsState>({
  signingName: 'states',
  targetPrefix: 'AWSStepFunctions',
  jsonVersion: '1.0',
  createState: ({ accountId, region }) => ({
    accountId,
    region,
    machines: new Map(),
    executions: new Map(),
    tokens: new Map(),
  }),
  operations: {
    CreateStateMachine: createStateMachine,
    DescribeStateMachine: (input, ctx) => describeMachine(machineOf(ctx, input.stateMachineArn)),
    UpdateStateMachine: updateStateMachine,
    DeleteStateMachine: deleteStateMachine,
    ListStateMachines: listStateMachines,
    StartExecution: startExecution,
    StartSyncExecution: startSyncExecution,
    DescribeExecution: describeExecution,
    StopExecution: stopExecution,
    ListExecutions: listExecutions,
    GetExecutionHistory: getExecutionHistory,
    SendTaskSuccess: sendTaskSuccess,
    SendTaskFailure: sendTaskFailure,
    SendTaskHeartbeat: sendTaskHeartbeat,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
  },
  tagging,
  dispose: (state) => {
    for (const e of state.executions.values()) e.controller.abort(new Error('emulator closed'));
  },
});
