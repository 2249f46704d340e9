import { randomUUID } from 'node:crypto';
import {
  FunctionInstance,
  type InvokeContext,
  type InvokeOutcome,
  type LogLine,
  type RuntimeErrorPayload,
} from './instance.js';

/** What a pool needs to know about one function version. */
export interface FunctionSpec {
  readonly functionName: string;
  /** `$LATEST` or a version number. */
  readonly version: string;
  /** Unqualified function ARN. */
  readonly arn: string;
  readonly handler: string;
  readonly taskRoot: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logGroupName: string;
  /** Environment for the handler: runtime variables (except the per-instance ones) and Variables. */
  readonly env: Readonly<Record<string, string>>;
}

/** A log event as CloudWatch Logs stores it. */
export interface LogEventOut {
  readonly timestamp: number;
  readonly message: string;
}

export interface PoolOptions {
  /** Instances at most (busy invocations beyond it wait for one to free up). */
  readonly maxInstances: number;
  /** Receives each invocation's log events, for the instance's stream. */
  readonly onLog: (streamName: string, events: readonly LogEventOut[]) => void;
  /** The emulator's clock. */
  readonly now: () => number;
}

export interface InvokeRequest {
  readonly event: unknown;
  readonly requestId?: string;
  /** The ARN the caller used (qualified when it named a version or alias). */
  readonly invokedArn?: string;
  readonly traceId?: string;
  readonly clientContext?: unknown;
}

export interface InvocationResult {
  readonly requestId: string;
  /** The JSON the function returned, or AWS's error payload when `error` is set. */
  readonly payload: string;
  /** Set when the function failed (`FunctionError: Unhandled`). */
  readonly error: RuntimeErrorPayload | undefined;
  readonly timedOut: boolean;
  /** Every log line of this invocation (START to REPORT), newline-terminated. */
  readonly log: string;
  readonly logStreamName: string;
  readonly durationMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

const streamDate = (ms: number): string => iso(ms).slice(0, 10).replaceAll('-', '/');

const formatLine = (line: LogLine, requestId: string): string =>
  line.level === undefined ? line.text : `${iso(line.time)}\t${requestId}\t${line.level}\t${line.text}`;

interface Slot {
  readonly instance: FunctionInstance;
  readonly streamName: string;
}

/**
 * The instances of one function version: warm ones reused, a new one when all are busy (up to
 * `maxInstances`; further invocations wait), the timeout enforced by ending the instance, and
 * each invocation's START/END/REPORT log written to its instance's stream.
 */
export class FunctionPool {
  readonly #spec: FunctionSpec;
  readonly #options: PoolOptions;
  readonly #idle: Slot[] = [];
  readonly #busy = new Set<Slot>();
  readonly #waiters: Array<() => void> = [];
  #retired = false;

  constructor(spec: FunctionSpec, options: PoolOptions) {
    this.#spec = spec;
    this.#options = options;
  }

  /** Invocations running now (for reserved-concurrency checks). */
  get inFlight(): number {
    return this.#busy.size + this.#waiters.length;
  }

  /** Instances alive (idle or busy). */
  get size(): number {
    return this.#idle.length + this.#busy.size;
  }

  async invoke(request: InvokeRequest): Promise<InvocationResult> {
    const requestId = request.requestId ?? randomUUID();
    const slot = await this.#acquire();
    try {
      return await this.#run(slot, request, requestId);
    } finally {
      this.#busy.delete(slot);
      if (slot.instance.dead || this.#retired) slot.instance.terminate();
      else this.#idle.push(slot);
      this.#waiters.shift()?.();
    }
  }

  async #acquire(): Promise<Slot> {
    for (;;) {
      const slot = this.#idle.pop() ?? (this.size < this.#options.maxInstances ? this.#start() : undefined);
      if (slot) {
        this.#busy.add(slot);
        return slot;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #start(): Slot {
    const streamName = `${streamDate(this.#options.now())}/[${this.#spec.version}]${randomUUID().replaceAll('-', '')}`;
    const instance = new FunctionInstance({
      taskRoot: this.#spec.taskRoot,
      handler: this.#spec.handler,
      memoryMb: this.#spec.memoryMb,
      env: { ...this.#spec.env, AWS_LAMBDA_LOG_STREAM_NAME: streamName },
    });
    return { instance, streamName };
  }

  async #run(slot: Slot, request: InvokeRequest, requestId: string): Promise<InvocationResult> {
    const spec = this.#spec;
    const { instance, streamName } = slot;
    const now = this.#options.now;
    const timeoutMs = spec.timeoutSeconds * 1000;
    const start = now();
    const cold = instance.fresh;
    const out: string[] = [];
    const events: LogEventOut[] = [];
    const push = (message: string, timestamp = now()) => {
      out.push(message);
      events.push({ timestamp, message });
    };
    let outcome: InvokeOutcome;
    let lines: LogLine[] = [];
    const initError = cold
      ? await withTimeout(instance.ready(), timeoutMs, () => instance.terminate())
      : undefined;
    if (cold) for (const line of instance.takeInitLines()) push(formatLine(line, requestId), line.time);
    push(`START RequestId: ${requestId} Version: ${spec.version}`, start);
    if (initError) {
      outcome = { kind: 'fatal', error: initError, timedOut: false };
      instance.terminate();
    } else {
      const context: InvokeContext = {
        awsRequestId: requestId,
        functionName: spec.functionName,
        functionVersion: spec.version,
        invokedFunctionArn: request.invokedArn ?? spec.arn,
        memoryLimitInMB: String(spec.memoryMb),
        logGroupName: spec.logGroupName,
        logStreamName: streamName,
        deadline: Date.now() + timeoutMs,
        ...(request.clientContext !== undefined ? { clientContext: request.clientContext } : {}),
      };
      const running = instance.invoke(request.event, context, request.traceId, timeoutMs);
      lines = running.lines;
      outcome = await running.outcome;
    }
    for (const line of lines) push(formatLine(line, requestId), line.time);
    const end = now();
    const duration = Math.max(end - start, 0);
    const timedOut = outcome.kind === 'fatal' && outcome.timedOut;
    const error = outcome.kind === 'ok' ? undefined : outcome.error;
    if (timedOut) {
      push(`${iso(end)} ${requestId} Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`);
    } else if (error) {
      const body = JSON.stringify({
        errorType: error.errorType,
        errorMessage: error.errorMessage,
        stack: error.trace ?? [],
      });
      push(`${iso(end)}\t${requestId}\tERROR\tInvoke Error \t${body}`);
    }
    push(`END RequestId: ${requestId}`);
    const used = outcome.kind === 'fatal' ? spec.memoryMb : Math.min(spec.memoryMb, outcome.heapMb + 40);
    const init =
      cold && instance.initMs !== undefined ? `\tInit Duration: ${instance.initMs.toFixed(2)} ms` : '';
    push(
      `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(duration))} ms\tMemory Size: ${spec.memoryMb} MB\tMax Memory Used: ${used} MB${init}\t${timedOut ? 'Status: timeout' : ''}`,
    );
    this.#options.onLog(streamName, events);
    return {
      requestId,
      payload: error ? JSON.stringify(error) : outcome.kind === 'ok' ? outcome.payload : 'null',
      error,
      timedOut,
      log: out.map((l) => `${l}\n`).join(''),
      logStreamName: streamName,
      durationMs: duration,
    };
  }

  /** Ends idle instances now and busy ones when they finish (after a code or config change). */
  retire(): void {
    this.#retired = true;
    for (const slot of this.#idle.splice(0)) slot.instance.terminate();
  }

  /** Ends every instance at once. */
  close(): void {
    this.retire();
    for (const slot of this.#busy) slot.instance.terminate();
  }
}

const withTimeout = async <T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => void,
): Promise<T | RuntimeErrorPayload> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RuntimeErrorPayload>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve({
        errorType: 'Runtime.InitTimeout',
        errorMessage: `Init phase did not finish within ${(ms / 1000).toFixed(2)} seconds`,
      });
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};
