import { randomUUID } from 'node:crypto';
import { debuglog } from 'node:util';
import { type CompiledEventPattern, compileEventPattern } from '../../../events/pattern.js';
import type { Operation } from '../../core/context.js';
import type { Emulator } from '../../core/emulator.js';
import { AwsError } from '../../core/errors.js';
import { page } from './functions.js';
import { invokeFunction } from './invoke.js';
import type { EventSourceMapping, PollerContext } from './source.js';
import { pollQueue } from './sqs-source.js';
import {
  type Ctx,
  invalidParam,
  isRecord,
  type LambdaFunction,
  type LambdaState,
  notFound,
  parseFunctionName,
} from './state.js';
import { pollStream } from './stream-source.js';

const log = debuglog('eventprobe:lambda');

type Op = Operation<LambdaState>;

const SOURCE_ARN = /^arn:aws[a-zA-Z-]*:(sqs|kinesis|dynamodb):([a-z0-9-]+):(\d{12}):(.+)$/;

const DEFAULT_BATCH: Record<EventSourceMapping['kind'], number> = { sqs: 10, kinesis: 100, dynamodb: 100 };
const MAX_BATCH: Record<EventSourceMapping['kind'], number> = { sqs: 10000, kinesis: 10000, dynamodb: 10000 };

const mappingOut = (m: EventSourceMapping): Record<string, unknown> => ({ ...m.config });

export const mappingsOf = (state: LambdaState): Map<string, EventSourceMapping> => {
  const holder = state as LambdaState & { mappings?: Map<string, EventSourceMapping> };
  holder.mappings ??= new Map();
  return holder.mappings;
};

const resolveTarget = (ctx: Ctx, value: unknown): { fn: LambdaFunction; arn: string } => {
  const { name, qualifier } = parseFunctionName(value);
  const fn = ctx.state.functions.get(name);
  if (!fn)
    throw notFound(`Function not found: arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`);
  return { fn, arn: qualifier === undefined ? fn.arn : `${fn.arn}:${qualifier}` };
};

const compileFilters = (criteria: unknown): CompiledEventPattern[] => {
  if (criteria === undefined) return [];
  const filters = isRecord(criteria) && Array.isArray(criteria.Filters) ? criteria.Filters : undefined;
  if (!filters) throw invalidParam('FilterCriteria must hold a Filters list.');
  return filters.map((f: unknown) => {
    const pattern = isRecord(f) ? f.Pattern : undefined;
    if (typeof pattern !== 'string') throw invalidParam('Each filter needs a Pattern (a JSON string).');
    try {
      return compileEventPattern(pattern);
    } catch (err) {
      throw invalidParam(`Invalid filter pattern definition. ${(err as Error).message}`);
    }
  });
};

const checkInt = (v: unknown, name: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(v)}' at '${name}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
      400,
    );
  }
  return v;
};

/** Applies the settable fields of Create/UpdateEventSourceMapping onto a mapping. */
const applySettings = (m: EventSourceMapping, input: Record<string, unknown>): void => {
  const c = m.config;
  const batch = checkInt(input.BatchSize, 'batchSize', 1, MAX_BATCH[m.kind]);
  if (batch !== undefined) c.BatchSize = batch;
  const window = checkInt(input.MaximumBatchingWindowInSeconds, 'maximumBatchingWindowInSeconds', 0, 300);
  if (window !== undefined) c.MaximumBatchingWindowInSeconds = window;
  if (m.kind === 'sqs' && Number(c.BatchSize) > 10 && Number(c.MaximumBatchingWindowInSeconds ?? 0) === 0) {
    throw invalidParam(
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
  }
  if (input.FilterCriteria !== undefined) {
    m.filters = compileFilters(input.FilterCriteria);
    c.FilterCriteria = input.FilterCriteria;
  }
  if (Array.isArray(input.FunctionResponseTypes)) {
    for (const t of input.FunctionResponseTypes) {
      if (t !== 'ReportBatchItemFailures')
        throw invalidParam(`Unsupported FunctionResponseType: ${String(t)}`);
    }
    c.FunctionResponseTypes = [...input.FunctionResponseTypes];
  }
  if (m.kind !== 'sqs') {
    const retries = checkInt(input.MaximumRetryAttempts, 'maximumRetryAttempts', -1, 10000);
    if (retries !== undefined) c.MaximumRetryAttempts = retries;
    const age = checkInt(input.MaximumRecordAgeInSeconds, 'maximumRecordAgeInSeconds', -1, 604800);
    if (age !== undefined) {
      if (age !== -1 && age < 60)
        throw invalidParam('MaximumRecordAgeInSeconds must be -1 or between 60 and 604800.');
      c.MaximumRecordAgeInSeconds = age;
    }
    if (typeof input.BisectBatchOnFunctionError === 'boolean')
      c.BisectBatchOnFunctionError = input.BisectBatchOnFunctionError;
    const parallel = checkInt(input.ParallelizationFactor, 'parallelizationFactor', 1, 10);
    if (parallel !== undefined) c.ParallelizationFactor = parallel;
    if (isRecord(input.DestinationConfig)) c.DestinationConfig = input.DestinationConfig;
  }
  if (isRecord(input.ScalingConfig)) c.ScalingConfig = input.ScalingConfig;
};

const createMapping: Op = (input, ctx) => {
  const source = typeof input.EventSourceArn === 'string' ? SOURCE_ARN.exec(input.EventSourceArn) : null;
  if (!source) {
    throw invalidParam(
      'Unrecognized event source, must be one of: SQS queue, Kinesis stream or DynamoDB stream ARN.',
    );
  }
  const kind = source[1] as EventSourceMapping['kind'];
  if (kind === 'dynamodb' && !/^table\/[^/]+\/stream\//.test(source[4] as string)) {
    throw invalidParam(
      'Unrecognized event source, must be a DynamoDB stream ARN (table/<name>/stream/<label>).',
    );
  }
  const { arn } = resolveTarget(ctx, input.FunctionName);
  if (
    kind !== 'sqs' &&
    !['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(String(input.StartingPosition))
  ) {
    throw invalidParam(
      '1 validation error detected: StartingPosition must be one of TRIM_HORIZON, LATEST, AT_TIMESTAMP for a stream event source.',
    );
  }
  const duplicate = [...mappingsOf(ctx.state).values()].find(
    (m) => m.config.EventSourceArn === input.EventSourceArn && m.config.FunctionArn === arn,
  );
  if (duplicate) {
    throw new AwsError(
      'ResourceConflictException',
      `An event source mapping with ${kind === 'sqs' ? 'SQS' : 'event source'} arn (" ${String(input.EventSourceArn)} ") and function (" ${arn.split(':')[6]} ") already exists. Please update or delete the existing mapping with UUID ${duplicate.uuid}`,
      409,
    );
  }
  const uuid = randomUUID();
  const mapping: EventSourceMapping = {
    uuid,
    kind,
    stop: undefined,
    filters: [],
    config: {
      UUID: uuid,
      EventSourceArn: input.EventSourceArn,
      EventSourceMappingArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${uuid}`,
      FunctionArn: arn,
      BatchSize: DEFAULT_BATCH[kind],
      MaximumBatchingWindowInSeconds: 0,
      LastModified: ctx.emulator.now() / 1000,
      LastProcessingResult: kind === 'sqs' ? undefined : 'No records processed',
      State: 'Creating',
      StateTransitionReason: 'USER_INITIATED',
      FunctionResponseTypes: [],
      ...(kind === 'sqs'
        ? {}
        : {
            StartingPosition: input.StartingPosition,
            ...(input.StartingPositionTimestamp !== undefined
              ? { StartingPositionTimestamp: input.StartingPositionTimestamp }
              : {}),
            MaximumRetryAttempts: -1,
            MaximumRecordAgeInSeconds: -1,
            BisectBatchOnFunctionError: false,
            ParallelizationFactor: 1,
            DestinationConfig: { OnFailure: {} },
            TumblingWindowInSeconds: 0,
          }),
    },
  };
  if (mapping.config.LastProcessingResult === undefined) delete mapping.config.LastProcessingResult;
  applySettings(mapping, input);
  mappingsOf(ctx.state).set(uuid, mapping);
  const out = mappingOut(mapping);
  setEnabled(ctx.emulator, ctx.state, mapping, input.Enabled !== false);
  return out;
};

/** Starts or stops a mapping's poller. */
const setEnabled = (
  emulator: Emulator,
  state: LambdaState,
  m: EventSourceMapping,
  enabled: boolean,
): void => {
  if (!enabled) {
    m.stop?.abort();
    m.stop = undefined;
    m.config.State = 'Disabled';
    return;
  }
  m.config.State = 'Enabled';
  if (m.stop) return;
  const stop = new AbortController();
  m.stop = stop;
  const signal = AbortSignal.any([stop.signal, emulator.closing]);
  const region = (SOURCE_ARN.exec(String(m.config.EventSourceArn)) as RegExpExecArray)[2] as string;
  const ctx: PollerContext = {
    emulator,
    state,
    mapping: m,
    region,
    signal,
    invoke: async (event, traceHeader) => {
      const { name, qualifier } = parseFunctionName(m.config.FunctionArn);
      const fn = state.functions.get(name);
      if (!fn) return undefined;
      try {
        // The source passes its batch's trace on (SQS: the first traced message's AWSTraceHeader).
        const header = traceHeader ?? batchTraceHeader(event);
        return await invokeFunction(
          emulator,
          state,
          fn,
          qualifier,
          event,
          header ? { traceHeader: header } : {},
        );
      } catch (err) {
        if (err instanceof AwsError && err.code === 'TooManyRequestsException') return undefined;
        throw err;
      }
    },
    matches: (record) => m.filters.length === 0 || m.filters.some((f) => f(record)),
    result: (text) => {
      m.config.LastProcessingResult = text;
    },
  };
  const run = m.kind === 'sqs' ? pollQueue(ctx) : pollStream(ctx);
  run.catch((err: unknown) => {
    if (!signal.aborted) log('event source mapping %s stopped: %O', m.uuid, err);
  });
};

/**
 * The trace an SQS batch's invocation continues: its first message's AWSTraceHeader (the header of
 * the call that sent it), as Lambda does for traced functions. Stream batches start their own.
 */
export const batchTraceHeader = (event: unknown): string | undefined => {
  const records = (event as { Records?: { attributes?: { AWSTraceHeader?: unknown } }[] }).Records ?? [];
  const header = records.find((r) => typeof r.attributes?.AWSTraceHeader === 'string');
  return header?.attributes?.AWSTraceHeader as string | undefined;
};

const getMapping = (ctx: Ctx, uuid: unknown): EventSourceMapping => {
  const m = mappingsOf(ctx.state).get(String(uuid));
  if (!m)
    throw notFound(
      `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${ctx.requestId})`,
    );
  return m;
};

const getMappingOp: Op = (input, ctx) => mappingOut(getMapping(ctx, input.UUID));

const updateMapping: Op = (input, ctx) => {
  const m = getMapping(ctx, input.UUID);
  applySettings(m, input);
  if (input.FunctionName !== undefined) m.config.FunctionArn = resolveTarget(ctx, input.FunctionName).arn;
  m.config.LastModified = ctx.emulator.now() / 1000;
  if (typeof input.Enabled === 'boolean') setEnabled(ctx.emulator, ctx.state, m, input.Enabled);
  return mappingOut(m);
};

const deleteMapping: Op = (input, ctx) => {
  const m = getMapping(ctx, input.UUID);
  setEnabled(ctx.emulator, ctx.state, m, false);
  mappingsOf(ctx.state).delete(m.uuid);
  return { ...mappingOut(m), State: 'Deleting' };
};

const listMappings: Op = (input, ctx) => {
  let rows = [...mappingsOf(ctx.state).values()];
  if (typeof input.EventSourceArn === 'string')
    rows = rows.filter((m) => m.config.EventSourceArn === input.EventSourceArn);
  if (typeof input.FunctionName === 'string') {
    const { name } = parseFunctionName(input.FunctionName);
    rows = rows.filter((m) => parseFunctionName(m.config.FunctionArn).name === name);
  }
  return page(rows.map(mappingOut), input, 'EventSourceMappings');
};

/** Stops every poller (emulator close). */
export const stopMappings = (state: LambdaState): void => {
  for (const m of mappingsOf(state).values()) m.stop?.abort();
};

export const mappingOperations: Record<string, Op> = {
  CreateEventSourceMapping: createMapping,
  GetEventSourceMapping: getMappingOp,
  UpdateEventSourceMapping: updateMapping,
  DeleteEventSourceMapping: deleteMapping,
  ListEventSourceMappings: listMappings,
};
