import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import type { Operation } from '../../core/context.js';
import type { Emulator } from '../../core/emulator.js';
import { AwsError } from '../../core/errors.js';
import { FunctionPool, type InvocationResult, type LogEventOut } from '../../runtime/pool.js';
import { lambdaSettings } from '../../runtime/settings.js';
import { writeLogEvents } from '../logs/store.js';
import { invokeAsEventTarget } from './event-target.js';
import {
  getFunction,
  isRecord,
  type LambdaFunction,
  type LambdaState,
  qualifierOf,
  resolveVersion,
  str,
} from './state.js';

const log = debuglog('eventprobe:lambda');

type Op = Operation<LambdaState>;

const SYNC_LIMIT = 6 * 1024 * 1024;
const ASYNC_LIMIT = 256 * 1024;
const TAIL_BYTES = 4096;

export interface FunctionInvocation extends InvocationResult {
  readonly executedVersion: string;
}

export interface InvokeOptions {
  readonly requestId?: string;
  /** The caller's `X-Amzn-Trace-Id`. */
  readonly traceHeader?: string;
  readonly clientContext?: unknown;
}

const nodeMajor = process.versions.node.split('.')[0];

const poolFor = (
  emulator: Emulator,
  state: LambdaState,
  fn: LambdaFunction,
  versionName: string,
): FunctionPool => {
  const existing = fn.pools.get(versionName);
  if (existing) return existing;
  const { version } = resolveVersion(fn, versionName);
  const c = version.config;
  const runtime = String(c.Runtime);
  if (!/^nodejs\d+\.x$/.test(runtime)) {
    throw new AwsError(
      'InvalidRuntimeException',
      `The runtime parameter of ${runtime} is not supported by the eventprobe emulator, which runs Node.js functions (nodejs20.x, nodejs22.x, nodejs24.x) only.`,
      502,
    );
  }
  if (!fn.runtimeNoted && runtime !== `nodejs${nodeMajor}.x`) {
    fn.runtimeNoted = true;
    log(
      "function %s declares %s; it runs on the emulator's Node.js %s",
      fn.name,
      runtime,
      process.versions.node,
    );
  }
  const settings = lambdaSettings(emulator);
  const logGroup = String(
    (c.LoggingConfig as Record<string, unknown> | undefined)?.LogGroup ?? `/aws/lambda/${fn.name}`,
  );
  const variables = (
    isRecord(c.Environment) && isRecord(c.Environment.Variables) ? c.Environment.Variables : {}
  ) as Record<string, string>;
  const env: Record<string, string> = {
    ...(process.env.PATH !== undefined ? { PATH: process.env.PATH } : {}),
    LANG: 'en_US.UTF-8',
    AWS_REGION: state.region,
    AWS_DEFAULT_REGION: state.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: versionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroup,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    LAMBDA_TASK_ROOT: version.code.taskRoot,
    LAMBDA_RUNTIME_DIR: version.code.taskRoot,
    _HANDLER: String(c.Handler),
    AWS_ACCESS_KEY_ID: 'ASIAEVENTPROBELOCAL0',
    AWS_SECRET_ACCESS_KEY: 'eventprobe-local-secret-access-key',
    AWS_SESSION_TOKEN: 'eventprobe-local-session-token',
    ...(settings.endpoint !== undefined ? { AWS_ENDPOINT_URL: settings.endpoint } : {}),
    ...variables,
  };
  const pool = new FunctionPool(
    {
      functionName: fn.name,
      version: versionName,
      arn: fn.arn,
      handler: String(c.Handler),
      taskRoot: version.code.taskRoot,
      memoryMb: Number(c.MemorySize),
      timeoutSeconds: Number(c.Timeout),
      logGroupName: logGroup,
      env,
    },
    {
      maxInstances: settings.maxInstancesPerFunction,
      now: () => emulator.now(),
      onLog: (stream, events) => shipLogs(emulator, state.region, logGroup, stream, events),
    },
  );
  fn.pools.set(versionName, pool);
  return pool;
};

const shipLogs = (
  emulator: Emulator,
  region: string,
  group: string,
  stream: string,
  events: readonly LogEventOut[],
) => {
  if (!emulator.service('logs')) return;
  writeLogEvents(emulator.state('logs', region), group, stream, events);
};

/** Trace header fields (`Root`, `Parent`, `Sampled`). */
const parseTrace = (header: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const [k, v] = part.split('=');
    if (k && v !== undefined) out[k.trim()] = v.trim();
  }
  return out;
};

const newTraceRoot = (now: number): string =>
  `1-${Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0')}-${randomBytes(12).toString('hex')}`;

/** Records the AWS::Lambda and AWS::Lambda::Function segments of a traced invocation. */
const recordSegments = (
  emulator: Emulator,
  region: string,
  fn: LambdaFunction,
  trace: { root: string; parent: string | undefined; serviceId: string; functionId: string },
  result: InvocationResult,
  startMs: number,
): void => {
  if (!emulator.service('xray')) return;
  const end = emulator.now() / 1000;
  const start = startMs / 1000;
  const service = {
    name: fn.name,
    id: trace.serviceId,
    trace_id: trace.root,
    start_time: start,
    end_time: end,
    origin: 'AWS::Lambda',
    ...(trace.parent ? { parent_id: trace.parent } : {}),
    http: { response: { status: 200 } },
    aws: { request_id: result.requestId },
  };
  const fnSegment = {
    name: fn.name,
    id: trace.functionId,
    trace_id: trace.root,
    parent_id: trace.serviceId,
    start_time: start,
    end_time: end,
    origin: 'AWS::Lambda::Function',
    aws: { function_arn: fn.arn, resource_names: [fn.name], account_id: fn.arn.split(':')[4] },
    ...(result.error
      ? {
          error: true,
          cause: { exceptions: [{ type: result.error.errorType, message: result.error.errorMessage }] },
        }
      : {}),
    subsegments: [
      { id: randomBytes(8).toString('hex'), name: 'Invocation', start_time: start, end_time: end },
    ],
  };
  emulator
    .invoke(
      'xray',
      'PutTraceSegments',
      { TraceSegmentDocuments: [JSON.stringify(service), JSON.stringify(fnSegment)] },
      { region },
    )
    .catch((err: unknown) => log('could not record segments: %O', err));
};

/**
 * Runs one invocation of a function (the shared core of Invoke, asynchronous retries and event
 * source mappings). Throws TooManyRequestsException past the function's reserved concurrency.
 */
export const invokeFunction = async (
  emulator: Emulator,
  state: LambdaState,
  fn: LambdaFunction,
  qualifier: string | undefined,
  event: unknown,
  options: InvokeOptions = {},
): Promise<FunctionInvocation> => {
  const { name: versionName } = resolveVersion(fn, qualifier);
  const pool = poolFor(emulator, state, fn, versionName);
  if (fn.reservedConcurrency !== undefined && pool.inFlight >= fn.reservedConcurrency) {
    throw new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429);
  }
  const config = resolveVersion(fn, versionName).version.config;
  const incoming = parseTrace(options.traceHeader);
  const active = (config.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active';
  const traced = incoming.Sampled === '1' || (active && incoming.Sampled !== '0');
  const start = emulator.now();
  const trace = traced
    ? {
        root: incoming.Root ?? newTraceRoot(start),
        parent: incoming.Parent,
        serviceId: randomBytes(8).toString('hex'),
        functionId: randomBytes(8).toString('hex'),
      }
    : undefined;
  const result = await pool.invoke({
    event,
    ...(options.requestId !== undefined ? { requestId: options.requestId } : {}),
    invokedArn: qualifier === undefined ? fn.arn : `${fn.arn}:${qualifier}`,
    ...(trace ? { traceId: `Root=${trace.root};Parent=${trace.functionId};Sampled=1` } : {}),
    ...(options.clientContext !== undefined ? { clientContext: options.clientContext } : {}),
  });
  if (trace) recordSegments(emulator, state.region, fn, trace, result, start);
  return { ...result, executedVersion: versionName };
};

const parsePayload = (payload: unknown): unknown => {
  const text = typeof payload === 'string' ? payload : '';
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AwsError(
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(err as Error).message}`,
      400,
    );
  }
};

const tail = (text: string): string => {
  const buf = Buffer.from(text, 'utf8');
  return buf.subarray(Math.max(0, buf.length - TAIL_BYTES)).toString('base64');
};

const invoke: Op = async (input, ctx) => {
  const { fn, qualifier } = getFunction(ctx, input.FunctionName);
  const q = qualifierOf(input, qualifier);
  resolveVersion(fn, q);
  const type = str(input.InvocationType) ?? 'RequestResponse';
  // Raw bytes over HTTP; a string from in-process callers (event sources, SNS, EventBridge, S3).
  const payload =
    typeof input.Payload === 'string'
      ? input.Payload
      : input.Payload instanceof Uint8Array
        ? Buffer.from(input.Payload).toString('utf8')
        : '';
  const size = Buffer.byteLength(payload);
  if (type === 'DryRun') return { StatusCode: 204, Payload: '' };
  if (type === 'Event') {
    if (size > ASYNC_LIMIT) {
      throw new AwsError(
        'RequestTooLargeException',
        `Request must be smaller than ${ASYNC_LIMIT} bytes for the InvokeAsync operation`,
        413,
      );
    }
    const event = parsePayload(payload);
    const requestId = ctx.requestId;
    enqueueAsync(ctx.emulator, ctx.state, fn, q, event, {
      requestId,
      ...(ctx.traceHeader ? { traceHeader: ctx.traceHeader } : {}),
    });
    return { StatusCode: 202, Payload: '' };
  }
  if (type !== 'RequestResponse') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      400,
    );
  }
  if (size > SYNC_LIMIT) {
    throw new AwsError(
      'RequestTooLargeException',
      `Request must be smaller than ${SYNC_LIMIT} bytes for the Invoke operation`,
      413,
    );
  }
  const event = parsePayload(payload);
  let clientContext: unknown;
  if (typeof input.ClientContext === 'string') {
    try {
      clientContext = JSON.parse(Buffer.from(input.ClientContext, 'base64').toString('utf8'));
    } catch {
      throw new AwsError(
        'InvalidRequestContentException',
        'Client context must be a valid Base64-encoded JSON object.',
        400,
      );
    }
  }
  const result = await invokeFunction(ctx.emulator, ctx.state, fn, q, event, {
    requestId: ctx.requestId,
    ...(ctx.traceHeader ? { traceHeader: ctx.traceHeader } : {}),
    ...(clientContext !== undefined ? { clientContext } : {}),
  });
  return {
    StatusCode: 200,
    ExecutedVersion: result.executedVersion,
    ...(result.error ? { FunctionError: 'Unhandled' } : {}),
    ...(input.LogType === 'Tail' ? { LogResult: tail(result.log) } : {}),
    Payload: result.payload,
  };
};

// --- asynchronous invocation ------------------------------------------------------------------

const RETRY_DELAYS_MS = [60_000, 120_000];

const invokeConfigFor = (fn: LambdaFunction, qualifier: string | undefined): Record<string, unknown> =>
  fn.invokeConfigs.get(qualifier ?? '$LATEST') ?? {};

/** Queues an asynchronous invocation: retried on error, then sent to a destination or DLQ. */
export const enqueueAsync = (
  emulator: Emulator,
  state: LambdaState,
  fn: LambdaFunction,
  qualifier: string | undefined,
  event: unknown,
  options: { requestId: string; traceHeader?: string },
): void => {
  const job = runAsync(emulator, state, fn, qualifier, event, options).catch((err: unknown) =>
    log('asynchronous invocation of %s failed: %O', fn.name, err),
  );
  state.inflight.add(job);
  job.finally(() => state.inflight.delete(job));
};

const runAsync = async (
  emulator: Emulator,
  state: LambdaState,
  fn: LambdaFunction,
  qualifier: string | undefined,
  event: unknown,
  options: { requestId: string; traceHeader?: string },
): Promise<void> => {
  await sleep(0);
  const config = invokeConfigFor(fn, qualifier);
  const maxRetries = typeof config.MaximumRetryAttempts === 'number' ? config.MaximumRetryAttempts : 2;
  const maxAgeMs =
    (typeof config.MaximumEventAgeInSeconds === 'number' ? config.MaximumEventAgeInSeconds : 21600) * 1000;
  const queuedAt = emulator.now();
  const scale = lambdaSettings(emulator).asyncRetryDelayScale;
  let attempts = 0;
  let last: FunctionInvocation | undefined;
  let condition = 'RetriesExhausted';
  for (;;) {
    if (state.closed || !state.functions.has(fn.name)) return;
    attempts++;
    try {
      last = await invokeFunction(emulator, state, fn, qualifier, event, options);
    } catch (err) {
      if (!(err instanceof AwsError) || err.code !== 'TooManyRequestsException') throw err;
      last = undefined; // throttled: retried like an error
    }
    if (last && !last.error) {
      await sendToDestination(
        emulator,
        fn,
        qualifier,
        'OnSuccess',
        record(fn, last, event, 'Success', attempts, emulator),
      );
      return;
    }
    if (attempts > maxRetries) break;
    const delay = (RETRY_DELAYS_MS[Math.min(attempts - 1, 1)] as number) * scale;
    if (emulator.now() - queuedAt + delay > maxAgeMs) {
      condition = 'EventAgeExceeded';
      break;
    }
    try {
      await sleep(delay, undefined, { signal: emulator.closing });
    } catch {
      return;
    }
  }
  const failure = record(fn, last, event, condition, attempts, emulator);
  const sent = await sendToDestination(emulator, fn, qualifier, 'OnFailure', failure);
  if (!sent) await sendToDeadLetter(emulator, fn, qualifier, event, last, options.requestId);
};

const record = (
  fn: LambdaFunction,
  result: FunctionInvocation | undefined,
  event: unknown,
  condition: string,
  attempts: number,
  emulator: Emulator,
): Record<string, unknown> => {
  let responsePayload: unknown = null;
  try {
    responsePayload = result ? JSON.parse(result.payload) : null;
  } catch {
    responsePayload = result?.payload ?? null;
  }
  return {
    version: '1.0',
    timestamp: new Date(emulator.now()).toISOString(),
    requestContext: {
      requestId: result?.requestId ?? randomUUID(),
      functionArn: `${fn.arn}:${result?.executedVersion ?? '$LATEST'}`,
      condition,
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: {
      statusCode: result ? 200 : 429,
      executedVersion: result?.executedVersion ?? '$LATEST',
      ...(result?.error ? { functionError: 'Unhandled' } : {}),
    },
    responsePayload,
  };
};

const arnParts = (
  arn: string,
): { service: string; region: string; account: string; resource: string } | undefined => {
  const m = /^arn:aws[a-zA-Z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):(.+)$/.exec(arn);
  return m
    ? { service: m[1] as string, region: m[2] as string, account: m[3] as string, resource: m[4] as string }
    : undefined;
};

/** Sends a message to an SQS queue, SNS topic, function or event bus named by ARN. */
export const sendToArn = async (
  emulator: Emulator,
  arn: string,
  body: string,
  attributes: Record<string, { DataType: string; StringValue: string }> = {},
  detailType = 'Lambda Function Invocation Result',
): Promise<void> => {
  const parts = arnParts(arn);
  if (!parts || !emulator.service(parts.service)) {
    log('destination %s is not served by this emulator', arn);
    return;
  }
  const region = { region: parts.region };
  const attrs = Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {};
  if (parts.service === 'sqs') {
    await emulator.invoke(
      'sqs',
      'SendMessage',
      { QueueUrl: `http://localhost/${parts.account}/${parts.resource}`, MessageBody: body, ...attrs },
      region,
    );
  } else if (parts.service === 'sns') {
    await emulator.invoke('sns', 'Publish', { TopicArn: arn, Message: body, ...attrs }, region);
  } else if (parts.service === 'lambda') {
    await invokeAsEventTarget(emulator, arn, body);
  } else if (parts.service === 'events') {
    await emulator.invoke(
      'events',
      'PutEvents',
      { Entries: [{ Source: 'lambda', DetailType: detailType, Detail: body, EventBusName: arn }] },
      region,
    );
  }
};

const sendToDestination = async (
  emulator: Emulator,
  fn: LambdaFunction,
  qualifier: string | undefined,
  kind: 'OnSuccess' | 'OnFailure',
  body: Record<string, unknown>,
): Promise<boolean> => {
  const destinations = invokeConfigFor(fn, qualifier).DestinationConfig;
  const dest =
    isRecord(destinations) && isRecord(destinations[kind]) ? destinations[kind].Destination : undefined;
  if (typeof dest !== 'string') return false;
  const type = `Lambda Function Invocation Result - ${kind === 'OnSuccess' ? 'Success' : 'Failure'}`;
  await sendToArn(emulator, dest, JSON.stringify(body), {}, type).catch((err: unknown) =>
    log('could not deliver to destination %s: %O', dest, err),
  );
  return true;
};

const sendToDeadLetter = async (
  emulator: Emulator,
  fn: LambdaFunction,
  qualifier: string | undefined,
  event: unknown,
  result: FunctionInvocation | undefined,
  requestId: string,
): Promise<void> => {
  const config = resolveVersion(fn, qualifier).version.config;
  const target = isRecord(config.DeadLetterConfig) ? config.DeadLetterConfig.TargetArn : undefined;
  if (typeof target !== 'string' || target === '') return;
  let errorMessage = 'Function throttled';
  try {
    errorMessage = result
      ? String((JSON.parse(result.payload) as { errorMessage?: unknown }).errorMessage)
      : errorMessage;
  } catch {
    errorMessage = result?.payload ?? errorMessage;
  }
  await sendToArn(emulator, target, JSON.stringify(event), {
    RequestID: { DataType: 'String', StringValue: result?.requestId ?? requestId },
    ErrorCode: { DataType: 'Number', StringValue: '200' },
    ErrorMessage: { DataType: 'String', StringValue: errorMessage },
  }).catch((err: unknown) => log('could not deliver to dead-letter target %s: %O', target, err));
};

export const invokeOperations: Record<string, Op> = {
  Invoke: invoke,
};
