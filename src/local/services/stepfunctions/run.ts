/** One running execution: its record, task tokens, trace and scaled sleeps. */
import { randomBytes } from 'node:crypto';
import { debuglog } from 'node:util';
import type { Emulator } from '../../core/emulator.js';
import type { MachineDefinition } from './definition.js';
import { StatesError } from './paths.js';
import type { ResolvedResource } from './tasks.js';

const log = debuglog('eventprobe:stepfunctions');

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  readonly timestamp: number;
  readonly type: string;
  readonly id: number;
  readonly previousEventId: number;
  readonly [details: string]: unknown;
}

export interface StateMachine {
  readonly arn: string;
  readonly name: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  definition: string;
  parsed: MachineDefinition;
  roleArn: string;
  tracing: boolean;
  loggingConfiguration: Record<string, unknown>;
  readonly creationDate: number;
  revisionId: string;
  tags: Record<string, string>;
}

export interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly machineArn: string;
  readonly roleArn: string;
  readonly express: boolean;
  readonly input: string;
  readonly startDate: number;
  status: ExecutionStatus;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  stopDate: number | undefined;
  readonly history: HistoryEvent[];
  readonly traceHeader: string | undefined;
  readonly controller: AbortController;
  done: Promise<void>;
}

/** A `.waitForTaskToken` task waiting for SendTaskSuccess/Failure/Heartbeat. */
export interface TaskToken {
  readonly token: string;
  readonly promise: Promise<unknown>;
  succeed(output: unknown): void;
  fail(error: StatesError): void;
  heartbeat(): void;
}

/** Step Functions settings of one emulator. */
export interface StepFunctionsOptions {
  /**
   * Factor on Wait states and Retry intervals (1 waits as long as AWS). Default 1; tests pass
   * e.g. 0.001 to run retries and waits at once. Task timeouts are never scaled.
   */
  readonly delayScale?: number;
}

const settings = new WeakMap<Emulator, Required<StepFunctionsOptions>>();

export const configureStepFunctions = (emulator: Emulator, options: StepFunctionsOptions): void => {
  const scale = options.delayScale;
  if (scale !== undefined && (!Number.isFinite(scale) || scale < 0)) {
    throw new RangeError(`stepFunctions.delayScale must be a number >= 0, got ${scale}`);
  }
  settings.set(emulator, { delayScale: scale ?? 1 });
};

export const delayScale = (emulator: Emulator): number => settings.get(emulator)?.delayScale ?? 1;

/** Ids of the X-Ray trace an execution records, and its task subsegments. */
interface Trace {
  readonly root: string;
  /** The caller's (sub)segment from the header's Parent: the execution's segment hangs below it. */
  readonly parent: string | undefined;
  readonly segmentId: string;
  readonly subsegments: Record<string, unknown>[];
}

export class Run {
  readonly trace: Trace | undefined;

  constructor(
    readonly emulator: Emulator,
    readonly region: string,
    readonly machine: StateMachine,
    readonly execution: Execution,
    readonly tokens: Map<string, TaskToken>,
  ) {
    const root = /Root=([^;]+)/.exec(execution.traceHeader ?? '')?.[1];
    const sampled = /Sampled=1/.test(execution.traceHeader ?? '');
    const parent = /Parent=([0-9a-f]{16})/.exec(execution.traceHeader ?? '')?.[1];
    this.trace =
      root && (machine.tracing || sampled)
        ? { root, parent, segmentId: randomBytes(8).toString('hex'), subsegments: [] }
        : undefined;
  }

  newToken(onHeartbeat: () => void): TaskToken {
    const token = randomBytes(96).toString('base64');
    let succeed: (v: unknown) => void = () => undefined;
    let fail: (e: StatesError) => void = () => undefined;
    const promise = new Promise<unknown>((resolve, reject) => {
      succeed = resolve;
      fail = reject;
    });
    const entry: TaskToken = { token, promise, succeed, fail, heartbeat: onHeartbeat };
    this.tokens.set(token, entry);
    return entry;
  }

  dropToken(token: string): void {
    this.tokens.delete(token);
  }

  /** A subsegment for a task that calls a service, and the header to pass to it. */
  traceFor(
    name: string,
    resource: ResolvedResource,
  ): { header: string; end(err?: unknown): void } | undefined {
    if (!this.trace) return undefined;
    const id = randomBytes(8).toString('hex');
    const start = this.emulator.now() / 1000;
    const trace = this.trace;
    const fn = resource.kind === 'function' ? resource.resource.split(':')[6] : undefined;
    return {
      header: `Root=${trace.root};Parent=${id};Sampled=1`,
      end: (err?: unknown) => {
        trace.subsegments.push({
          id,
          name: fn ?? name,
          start_time: start,
          end_time: this.emulator.now() / 1000,
          namespace: 'aws',
          aws: { state: name, resource: resource.resource },
          ...(err instanceof StatesError
            ? {
                error: true,
                cause: { exceptions: [{ type: err.error, message: err.errorCause.slice(0, 256) }] },
              }
            : {}),
        });
      },
    };
  }

  /** Sends the execution's `AWS::StepFunctions::StateMachine` segment to the xray service. */
  recordTrace(): void {
    if (!this.trace || !this.emulator.service('xray')) return;
    const e = this.execution;
    const segment = {
      name: this.machine.name,
      id: this.trace.segmentId,
      trace_id: this.trace.root,
      ...(this.trace.parent ? { parent_id: this.trace.parent } : {}),
      start_time: e.startDate / 1000,
      end_time: (e.stopDate ?? this.emulator.now()) / 1000,
      origin: 'AWS::StepFunctions::StateMachine',
      aws: { execution_arn: e.arn, state_machine_arn: this.machine.arn },
      ...(e.status === 'SUCCEEDED' ? {} : { error: true }),
      subsegments: this.trace.subsegments,
    };
    this.emulator
      .invoke(
        'xray',
        'PutTraceSegments',
        { TraceSegmentDocuments: [JSON.stringify(segment)] },
        { region: this.region },
      )
      .catch((err: unknown) => log('could not record the execution segment: %O', err));
  }
}

/** Sleeps `ms` scaled by the emulator's delayScale; rejects with the signal's reason when aborted. */
export const sleepFor = async (run: Run, ms: number, signal: AbortSignal): Promise<void> => {
  const scaled = ms * delayScale(run.emulator);
  if (signal.aborted) throw signal.reason;
  if (scaled <= 0) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, scaled);
    signal.addEventListener('abort', onAbort, { once: true });
  });
};
