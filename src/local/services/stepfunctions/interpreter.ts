/**
 * The Amazon States Language interpreter: runs a definition's states, records the execution's
 * history in Step Functions' event shapes and order, applies Retry/Catch, timeouts and task tokens.
 */
import { evaluateRule } from './choice.js';
import type { Json, MachineDefinition } from './definition.js';
import { evaluateTemplate, isExpression, type JsonataScope } from './jsonata.js';
import { applyTemplate, evaluateDynamic, readPath, type Scope, StatesError, writePath } from './paths.js';
import { type Run, sleepFor, type TaskToken } from './run.js';
import { callFunction, callIntegration, resolveResource } from './tasks.js';

const DATA_LIMIT = 256 * 1024;

/** Where a branch of the run is: its last event, variables, query language, cancellation. */
interface Frame {
  readonly thread: { last: number };
  readonly vars: Record<string, unknown>;
  readonly language: string;
  readonly signal: AbortSignal;
  readonly mapItem?: { Index: number; Value: unknown };
}

const details = (type: string): string => {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
};

/** Adds one event to the history, chained to the frame's previous event. */
export const addEvent = (
  run: Run,
  frame: { thread: { last: number } },
  type: string,
  body?: Json,
): number => {
  const id = run.execution.history.length + 1;
  run.execution.history.push({
    timestamp: run.emulator.now() / 1000,
    type,
    id,
    previousEventId: frame.thread.last,
    ...(body ? { [details(type)]: body } : {}),
  });
  frame.thread.last = id;
  return id;
};

const json = (v: unknown): string => JSON.stringify(v ?? null);

const checkSize = (value: unknown, what: string): void => {
  if (Buffer.byteLength(json(value)) > DATA_LIMIT) {
    throw new StatesError(
      'States.DataLimitExceeded',
      `The state/task '${what}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
  }
};

const contextObject = (run: Run, name: string, entered: number, frame: Frame, extra: Json = {}): Json => ({
  Execution: {
    Id: run.execution.arn,
    Input: JSON.parse(run.execution.input),
    Name: run.execution.name,
    RoleArn: run.execution.roleArn,
    StartTime: new Date(run.execution.startDate).toISOString(),
    RedriveCount: 0,
  },
  State: { EnteredTime: new Date(entered).toISOString(), Name: name, RetryCount: 0 },
  StateMachine: { Id: run.machine.arn, Name: run.machine.name },
  ...(frame.mapItem ? { Map: { Item: frame.mapItem } } : {}),
  ...extra,
});

/** How a state reads and writes data: the query language's hooks, built per state entry. */
interface Io {
  /** The effective input of the work (InputPath + Parameters, or Arguments). */
  args(template: unknown): Promise<unknown>;
  /** The state's output from its result (ResultSelector, ResultPath, OutputPath or Output). */
  output(result: unknown): Promise<unknown>;
  /** Variables assigned by `Assign` (evaluated against the result). */
  assign(assign: unknown, result: unknown): Promise<Json>;
  /** The output of a catcher from the error output. */
  caught(catcher: Json, errorOutput: Json): Promise<{ output: unknown; assigned: Json }>;
  readonly scope: Scope;
  readonly states: Json;
}

const jsonPathIo = (state: Json, input: unknown, ctx: Json, frame: Frame): Io => {
  const scope: Scope = { context: ctx, variables: frame.vars };
  const effective = (): unknown =>
    state.InputPath === null ? {} : readPath((state.InputPath as string | undefined) ?? '$', input, scope);
  return {
    scope,
    states: {},
    async args(template) {
      const base = effective();
      return template === undefined ? base : applyTemplate(template, base, scope);
    },
    async output(result) {
      const selected =
        state.ResultSelector !== undefined ? applyTemplate(state.ResultSelector, result, scope) : result;
      const placed =
        state.ResultPath === null
          ? input
          : writePath((state.ResultPath as string | undefined) ?? '$', input, selected);
      return state.OutputPath === null
        ? {}
        : readPath((state.OutputPath as string | undefined) ?? '$', placed, scope);
    },
    async assign(assign, result) {
      return assign === undefined ? {} : (applyTemplate(assign, result, scope) as Json);
    },
    async caught(catcher, errorOutput) {
      const output =
        catcher.ResultPath === null
          ? input
          : writePath((catcher.ResultPath as string | undefined) ?? '$', input, errorOutput);
      const assigned =
        catcher.Assign === undefined ? {} : (applyTemplate(catcher.Assign, errorOutput, scope) as Json);
      return { output, assigned };
    },
  };
};

const jsonataIo = (state: Json, input: unknown, ctx: Json, frame: Frame): Io => {
  const states: Json = { input, context: ctx };
  const scope: JsonataScope = { states, variables: frame.vars };
  return {
    scope: { context: ctx, variables: frame.vars },
    states,
    async args(template) {
      return template === undefined ? input : await evaluateTemplate(template, scope);
    },
    async output(result) {
      states.result = result;
      return state.Output === undefined ? result : await evaluateTemplate(state.Output, scope);
    },
    async assign(assign, result) {
      states.result = result;
      return assign === undefined ? {} : ((await evaluateTemplate(assign, scope)) as Json);
    },
    async caught(catcher, errorOutput) {
      states.errorOutput = errorOutput;
      const output =
        catcher.Output === undefined ? errorOutput : await evaluateTemplate(catcher.Output, scope);
      const assigned =
        catcher.Assign === undefined ? {} : ((await evaluateTemplate(catcher.Assign, scope)) as Json);
      return { output, assigned };
    },
  };
};

const errorMatches = (names: unknown, error: string): boolean => {
  if (error === 'States.Runtime' || !Array.isArray(names)) return false;
  return names.some(
    (n) =>
      n === error ||
      (n === 'States.ALL' && error !== 'States.DataLimitExceeded') ||
      (n === 'States.TaskFailed' && !['States.Timeout', 'States.DataLimitExceeded'].includes(error)),
  );
};

const retryDelayMs = (retrier: Json, count: number): number => {
  const interval = typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1;
  const rate = typeof retrier.BackoffRate === 'number' ? retrier.BackoffRate : 2;
  let delay = interval * rate ** count;
  if (typeof retrier.MaxDelaySeconds === 'number') delay = Math.min(delay, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') delay *= Math.random();
  return delay * 1000;
};

type Outcome = { output: unknown; next: string | undefined };

/** Runs a state machine (or a branch / iteration of one) from StartAt to a terminal state. */
export const runMachine = async (
  run: Run,
  def: MachineDefinition,
  input: unknown,
  frame: Frame,
): Promise<unknown> => {
  const language = def.QueryLanguage ?? frame.language;
  const branchFrame: Frame = { ...frame, language };
  let name: string | undefined = def.StartAt;
  let value = input;
  while (name !== undefined) {
    const state = def.States[name] as Json;
    const outcome: Outcome = await runState(run, name, state, value, branchFrame);
    value = outcome.output;
    name = outcome.next;
  }
  return value;
};

const enteredType = (type: string): string => `${type}StateEntered`;

const runState = async (
  run: Run,
  name: string,
  state: Json,
  input: unknown,
  parent: Frame,
): Promise<Outcome> => {
  if (parent.signal.aborted) throw parent.signal.reason;
  const language = typeof state.QueryLanguage === 'string' ? state.QueryLanguage : parent.language;
  const frame: Frame = { ...parent, language };
  const type = state.Type as string;
  const entered = run.emulator.now();
  addEvent(run, frame, enteredType(type), { name, input: json(input), inputDetails: { truncated: false } });
  const retriers = Array.isArray(state.Retry) ? (state.Retry as Json[]) : [];
  const counts = retriers.map(() => 0);
  for (let attempt = 0; ; attempt++) {
    const ctx = contextObject(run, name, entered, frame);
    (ctx.State as Json).RetryCount = attempt;
    const io =
      language === 'JSONata' ? jsonataIo(state, input, ctx, frame) : jsonPathIo(state, input, ctx, frame);
    try {
      const result = await runType(run, name, state, input, io, frame);
      if (result.terminalFail) throw result.terminalFail;
      const output = result.passThrough ? result.value : await io.output(result.value);
      const assigned = await io.assign(state.Assign, result.value);
      checkSize(output, name);
      Object.assign(frame.vars, assigned);
      if (type !== 'Fail') {
        addEvent(run, frame, `${type}StateExited`, {
          name,
          output: json(output),
          outputDetails: { truncated: false },
          ...(Object.keys(assigned).length > 0
            ? {
                assignedVariables: Object.fromEntries(Object.entries(assigned).map(([k, v]) => [k, json(v)])),
                assignedVariablesDetails: { truncated: false },
              }
            : {}),
        });
      }
      const next = result.next ?? (state.End === true ? undefined : (state.Next as string | undefined));
      return { output, next };
    } catch (err) {
      if (!(err instanceof StatesError) || frame.signal.aborted) throw err;
      const r = retriers.findIndex((retrier) => errorMatches(retrier.ErrorEquals, err.error));
      const retrier = retriers[r];
      const max = retrier && typeof retrier.MaxAttempts === 'number' ? retrier.MaxAttempts : 3;
      if (retrier && (counts[r] as number) < max) {
        const delay = retryDelayMs(retrier, counts[r] as number);
        counts[r] = (counts[r] as number) + 1;
        await sleepFor(run, delay, frame.signal);
        continue;
      }
      const catchers = Array.isArray(state.Catch) ? (state.Catch as Json[]) : [];
      const catcher = catchers.find((c) => errorMatches(c.ErrorEquals, err.error));
      if (!catcher) throw err;
      const { output, assigned } = await io.caught(catcher, { Error: err.error, Cause: err.errorCause });
      Object.assign(frame.vars, assigned);
      addEvent(run, frame, `${type}StateExited`, {
        name,
        output: json(output),
        outputDetails: { truncated: false },
      });
      return { output, next: catcher.Next as string };
    }
  }
};

interface TypeResult {
  readonly value: unknown;
  /** The value is the state's output already (Choice, Wait, Succeed pass their input through). */
  readonly passThrough?: boolean;
  readonly next?: string;
  readonly terminalFail?: StatesError;
}

const runType = async (
  run: Run,
  name: string,
  state: Json,
  input: unknown,
  io: Io,
  frame: Frame,
): Promise<TypeResult> => {
  switch (state.Type) {
    case 'Pass':
      return await runPass(state, input, io, frame);
    case 'Task':
      return { value: await runTask(run, name, state, io, frame) };
    case 'Choice':
      return await runChoice(state, input, io, frame);
    case 'Wait':
      return await runWait(run, state, input, io, frame);
    case 'Succeed':
      return frame.language === 'JSONata'
        ? { value: input }
        : { value: await io.output(await io.args(undefined)), passThrough: true };
    case 'Fail':
      return { value: input, terminalFail: await failError(state, input, io, frame) };
    case 'Parallel':
      return { value: await runParallel(run, state, io, frame) };
    default:
      return { value: await runMap(run, name, state, input, io, frame) };
  }
};

const runPass = async (state: Json, input: unknown, io: Io, frame: Frame): Promise<TypeResult> => {
  if (frame.language === 'JSONata') return { value: input };
  const args = await io.args(state.Parameters);
  return { value: state.Result !== undefined ? state.Result : args };
};

const runChoice = async (state: Json, input: unknown, io: Io, frame: Frame): Promise<TypeResult> => {
  const choices = state.Choices as Json[];
  if (frame.language === 'JSONata') {
    for (const choice of choices) {
      if ((await evaluateTemplate(choice.Condition, { states: io.states, variables: frame.vars })) === true) {
        const out =
          choice.Output === undefined
            ? input
            : await evaluateTemplate(choice.Output, { states: io.states, variables: frame.vars });
        const assigned =
          choice.Assign === undefined
            ? {}
            : ((await evaluateTemplate(choice.Assign, { states: io.states, variables: frame.vars })) as Json);
        Object.assign(frame.vars, assigned);
        return { value: out, passThrough: true, next: choice.Next as string };
      }
    }
  } else {
    const effective = await io.args(undefined);
    for (const choice of choices) {
      if (evaluateRule(choice, effective, io.scope)) {
        const assigned =
          choice.Assign === undefined ? {} : (applyTemplate(choice.Assign, effective, io.scope) as Json);
        Object.assign(frame.vars, assigned);
        return { value: await io.output(input), passThrough: true, next: choice.Next as string };
      }
    }
  }
  if (typeof state.Default !== 'string') {
    throw new StatesError(
      'States.NoChoiceMatched',
      `No Choice Rule matched and no Default in '${JSON.stringify(input)}'`,
    );
  }
  const value = frame.language === 'JSONata' ? input : await io.output(input);
  return { value, passThrough: true, next: state.Default };
};

const dynamic = async (value: unknown, path: unknown, io: Io, frame: Frame): Promise<unknown> => {
  if (isExpression(value)) return await evaluateTemplate(value, { states: io.states, variables: frame.vars });
  if (typeof path === 'string') return evaluateDynamic(path, await io.args(undefined), io.scope);
  return value;
};

const runWait = async (run: Run, state: Json, input: unknown, io: Io, frame: Frame): Promise<TypeResult> => {
  const seconds = await dynamic(state.Seconds, state.SecondsPath, io, frame);
  const timestamp = await dynamic(state.Timestamp, state.TimestampPath, io, frame);
  let ms = 0;
  if (seconds !== undefined) {
    if (typeof seconds !== 'number' || seconds < 0) {
      throw new StatesError(
        'States.Runtime',
        `The Seconds of the Wait state must be a number >= 0, got ${json(seconds)}`,
      );
    }
    ms = seconds * 1000;
  } else if (timestamp !== undefined) {
    const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(at)) {
      throw new StatesError(
        'States.Runtime',
        `The Timestamp of the Wait state must be an ISO-8601 date, got ${json(timestamp)}`,
      );
    }
    ms = Math.max(0, at - run.emulator.now());
  }
  await sleepFor(run, ms, frame.signal);
  if (frame.language === 'JSONata') return { value: input };
  return { value: await io.output(await io.args(undefined)), passThrough: true };
};

const failError = async (state: Json, input: unknown, io: Io, frame: Frame): Promise<StatesError> => {
  const error = await dynamic(state.Error, state.ErrorPath, io, frame);
  const cause = await dynamic(state.Cause, state.CausePath, io, frame);
  void input;
  return new StatesError(typeof error === 'string' ? error : '', typeof cause === 'string' ? cause : '');
};

// --- Task -----------------------------------------------------------------------------------------

const raceTimeouts = async <T>(
  run: Run,
  state: Json,
  io: Io,
  frame: Frame,
  work: (token: TaskToken | undefined) => Promise<T>,
  withToken: boolean,
): Promise<T> => {
  const timeoutS = (await dynamic(state.TimeoutSeconds, state.TimeoutSecondsPath, io, frame)) as
    | number
    | undefined;
  const heartbeatS = (await dynamic(state.HeartbeatSeconds, state.HeartbeatSecondsPath, io, frame)) as
    | number
    | undefined;
  let timer: NodeJS.Timeout | undefined;
  let beat: NodeJS.Timeout | undefined;
  let fail: (e: unknown) => void = () => undefined;
  const timedOut = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const timeoutError = (what: string) => new StatesError('States.Timeout', `${what}`);
  if (typeof timeoutS === 'number') {
    timer = setTimeout(() => fail(timeoutError('The task timed out.')), timeoutS * 1000);
  }
  const resetBeat = (): void => {
    if (typeof heartbeatS !== 'number') return;
    clearTimeout(beat);
    beat = setTimeout(
      () => fail(timeoutError('The task did not send a heartbeat in time.')),
      heartbeatS * 1000,
    );
  };
  const token = withToken ? run.newToken(resetBeat) : undefined;
  const onAbort = (): void => fail(frame.signal.reason);
  frame.signal.addEventListener('abort', onAbort, { once: true });
  resetBeat();
  try {
    return await Promise.race([work(token), timedOut]);
  } finally {
    frame.signal.removeEventListener('abort', onAbort);
    clearTimeout(timer);
    clearTimeout(beat);
    if (token) run.dropToken(token.token);
  }
};

const runTask = async (run: Run, name: string, state: Json, io: Io, frame: Frame): Promise<unknown> => {
  const resource = await dynamic(state.Resource, undefined, io, frame);
  const resolved = typeof resource === 'string' ? resolveResource(resource) : undefined;
  if (!resolved) throw new StatesError('States.Runtime', `Unsupported task resource: ${json(resource)}`);
  const isFunction = resolved.kind === 'function';
  const prefix = isFunction ? 'LambdaFunction' : 'Task';
  const base = isFunction ? {} : { resourceType: resolved.resourceType, resource: resolved.resource };
  const call = async (token: TaskToken | undefined): Promise<unknown> => {
    if (token) (io.scope.context as Json).Task = { Token: token.token };
    if (token) io.states.context = io.scope.context;
    const template = frame.language === 'JSONata' ? state.Arguments : state.Parameters;
    const args = await io.args(template);
    if (isFunction) {
      addEvent(run, frame, 'LambdaFunctionScheduled', {
        resource: resolved.resource,
        input: json(args),
        inputDetails: { truncated: false },
        ...(typeof state.TimeoutSeconds === 'number' ? { timeoutInSeconds: state.TimeoutSeconds } : {}),
      });
      addEvent(run, frame, 'LambdaFunctionStarted');
    } else {
      addEvent(run, frame, 'TaskScheduled', { ...base, region: run.region, parameters: json(args) });
      addEvent(run, frame, 'TaskStarted', base);
    }
    const traced = run.traceFor(name, resolved);
    const options = { region: run.region, traceHeader: traced?.header, signal: frame.signal };
    try {
      const result = isFunction
        ? await callFunction(run.emulator, resolved.resource, args, options)
        : await callIntegration(run.emulator, resolved, args, options);
      traced?.end();
      if (!token) return result;
      addEvent(run, frame, 'TaskSubmitted', {
        ...base,
        output: json(result),
        outputDetails: { truncated: false },
      });
      return await token.promise;
    } catch (err) {
      traced?.end(err);
      throw err;
    }
  };
  try {
    const result = await raceTimeouts(run, state, io, frame, call, resolved.waitForTaskToken);
    checkSize(result, name);
    addEvent(run, frame, `${prefix}Succeeded`, {
      ...base,
      output: json(result),
      outputDetails: { truncated: false },
    });
    return result;
  } catch (err) {
    if (err instanceof StatesError) {
      const timedOut = err.error === 'States.Timeout';
      addEvent(run, frame, `${prefix}${timedOut ? 'TimedOut' : 'Failed'}`, {
        ...base,
        error: err.error,
        cause: err.errorCause,
      });
    }
    throw err;
  }
};

// --- Parallel and Map -----------------------------------------------------------------------------

const branchFrame = (frame: Frame, signal: AbortSignal, mapItem?: Frame['mapItem']): Frame => ({
  thread: { last: frame.thread.last },
  vars: { ...frame.vars },
  language: frame.language,
  signal,
  ...(mapItem ? { mapItem } : {}),
});

const allOrAbort = async <T>(
  frame: Frame,
  jobs: ((signal: AbortSignal) => Promise<T>)[],
  limit: number,
): Promise<T[]> => {
  const controller = new AbortController();
  const signal = AbortSignal.any([frame.signal, controller.signal]);
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await (jobs[i] as (s: AbortSignal) => Promise<T>)(signal);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit || jobs.length, jobs.length)) }, worker);
  try {
    await Promise.all(workers);
  } catch (err) {
    controller.abort(err);
    throw err;
  }
  return results;
};

const runParallel = async (run: Run, state: Json, io: Io, frame: Frame): Promise<unknown> => {
  const template = frame.language === 'JSONata' ? state.Arguments : state.Parameters;
  const args = await io.args(template);
  addEvent(run, frame, 'ParallelStateStarted');
  const start = frame.thread.last;
  const branches = state.Branches as MachineDefinition[];
  try {
    const results = await allOrAbort(
      frame,
      branches.map(
        (b) => (signal: AbortSignal) =>
          runMachine(run, b, args, branchFrame({ ...frame, thread: { last: start } }, signal)),
      ),
      0,
    );
    addEvent(run, frame, 'ParallelStateSucceeded');
    return results;
  } catch (err) {
    if (err instanceof StatesError) addEvent(run, frame, 'ParallelStateFailed');
    throw err;
  }
};

const runMap = async (
  run: Run,
  name: string,
  state: Json,
  input: unknown,
  io: Io,
  frame: Frame,
): Promise<unknown> => {
  const effective = frame.language === 'JSONata' ? input : await io.args(undefined);
  const items =
    frame.language === 'JSONata'
      ? state.Items === undefined
        ? input
        : await evaluateTemplate(state.Items, { states: io.states, variables: frame.vars })
      : readPath((state.ItemsPath as string | undefined) ?? '$', effective, io.scope);
  if (!Array.isArray(items)) {
    throw new StatesError(
      'States.Runtime',
      `Map state '${name}' needs an array of items, got ${json(items)}`,
    );
  }
  const processor = (state.ItemProcessor ?? state.Iterator) as MachineDefinition;
  const selector = state.ItemSelector ?? state.Parameters;
  const limit = await dynamic(state.MaxConcurrency, state.MaxConcurrencyPath, io, frame);
  addEvent(run, frame, 'MapStateStarted', { length: items.length });
  const start = frame.thread.last;
  const job = (value: unknown, index: number) => async (signal: AbortSignal) => {
    const item = { Index: index, Value: value };
    const f = branchFrame({ ...frame, thread: { last: start } }, signal, item);
    addEvent(run, f, 'MapIterationStarted', { name, index });
    const ctx = { ...(io.scope.context as Json), Map: { Item: item } };
    let itemInput: unknown = value;
    if (selector !== undefined) {
      itemInput =
        frame.language === 'JSONata'
          ? await evaluateTemplate(selector, {
              states: { ...io.states, context: ctx },
              variables: frame.vars,
            })
          : applyTemplate(selector, effective, { context: ctx, variables: frame.vars });
    }
    try {
      const out = await runMachine(run, processor, itemInput, f);
      addEvent(run, f, 'MapIterationSucceeded', { name, index });
      return out;
    } catch (err) {
      const stopped = signal.aborted && !frame.signal.aborted;
      if (stopped) addEvent(run, f, 'MapIterationAborted', { name, index });
      else if (err instanceof StatesError) addEvent(run, f, 'MapIterationFailed', { name, index });
      throw err;
    }
  };
  try {
    const results = await allOrAbort(frame, items.map(job), typeof limit === 'number' ? limit : 0);
    addEvent(run, frame, 'MapStateSucceeded');
    return results;
  } catch (err) {
    if (err instanceof StatesError) addEvent(run, frame, 'MapStateFailed');
    throw err;
  }
};

/** A fresh frame for a whole execution. */
export const rootFrame = (language: string, signal: AbortSignal): Frame => ({
  thread: { last: 0 },
  vars: {},
  language,
  signal,
});
