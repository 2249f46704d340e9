import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';
import { Worker } from 'node:worker_threads';
import { WORKER_SOURCE } from './worker-source.js';

const log = debuglog('eventprobe:lambda');

/** What the runtime reports about an error, as in AWS's error payload. */
export interface RuntimeErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** One line of function output (`level` undefined for raw stdout/stderr writes). */
export interface LogLine {
  readonly time: number;
  readonly level: string | undefined;
  readonly text: string;
}

export interface InstanceConfig {
  readonly taskRoot: string;
  readonly handler: string;
  readonly env: Readonly<Record<string, string>>;
  readonly memoryMb: number;
}

/** The context fields sent to the worker (it adds the functions). */
export interface InvokeContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly clientContext?: unknown;
  readonly identity?: unknown;
  /** Epoch ms when the invocation times out. */
  readonly deadline: number;
}

export type InvokeOutcome =
  | { readonly kind: 'ok'; readonly payload: string; readonly heapMb: number }
  | { readonly kind: 'error'; readonly error: RuntimeErrorPayload; readonly heapMb: number }
  /** The instance died (timeout, crash, out of memory): it must not be reused. */
  | { readonly kind: 'fatal'; readonly error: RuntimeErrorPayload; readonly timedOut: boolean };

/** Where `@aws-sdk/*` resolves from when the function's code has none: eventprobe's own modules. */
const SDK_PARENT = fileURLToPath(import.meta.url);

interface Pending {
  readonly id: string;
  readonly lines: LogLine[];
  readonly resolve: (outcome: InvokeOutcome) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One function instance: an isolated worker (own module cache, own `process.env`), loaded once
 * (the init phase) and invoked one event at a time. Ended on timeout or crash.
 */
export class FunctionInstance {
  readonly id = randomBytes(16).toString('hex');
  /** Milliseconds the init phase took (handler module loading), once ready. */
  initMs: number | undefined;
  /** Whether the next invocation is the instance's first (its REPORT carries Init Duration). */
  fresh = true;
  #worker: Worker;
  #ready: Promise<RuntimeErrorPayload | undefined>;
  #pending: Pending | undefined;
  #dead = false;
  #initLines: LogLine[] = [];

  constructor(config: InstanceConfig) {
    const heap = Math.max(64, Math.floor(config.memoryMb * 0.9));
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      env: { ...config.env },
      workerData: { taskRoot: config.taskRoot, handler: config.handler, sdkParent: SDK_PARENT },
      resourceLimits: { maxOldGenerationSizeMb: heap },
      stdout: true,
      stderr: true,
    });
    this.#worker.unref();
    this.#ready = new Promise((resolve) => {
      const onMessage = (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          this.initMs = msg.initMs;
          resolve(undefined);
        } else if (msg.type === 'init-error') {
          this.#dead = true;
          resolve(msg.error);
        } else {
          this.#onMessage(msg);
        }
      };
      this.#worker.on('message', onMessage);
      this.#worker.on('error', (err) => {
        log('instance %s error: %O', this.id, err);
        const error = { errorType: workerErrorType(err), errorMessage: err.message };
        resolve(error);
        this.#fail(error, false);
      });
      this.#worker.on('exit', (code) => {
        const error = {
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited with error: exit status ${code}`,
        };
        resolve(error);
        this.#fail(error, false);
      });
    });
  }

  /** Lines the init phase printed (before the first invocation). */
  takeInitLines(): LogLine[] {
    const lines = this.#initLines;
    this.#initLines = [];
    return lines;
  }

  /** Resolves with the init error, or undefined when the handler loaded. */
  ready(): Promise<RuntimeErrorPayload | undefined> {
    return this.#ready;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Runs one event; `timeoutMs` ends the instance when exceeded. */
  invoke(
    event: unknown,
    context: InvokeContext,
    traceId: string | undefined,
    timeoutMs: number,
  ): { outcome: Promise<InvokeOutcome>; lines: LogLine[] } {
    if (this.#pending) throw new Error('instance is busy');
    const lines: LogLine[] = [];
    const outcome = new Promise<InvokeOutcome>((resolve) => {
      if (this.#dead) {
        resolve({
          kind: 'fatal',
          timedOut: false,
          error: { errorType: 'Runtime.ExitError', errorMessage: 'instance is gone' },
        });
        return;
      }
      const pending: Pending = { id: context.awsRequestId, lines, resolve, timer: undefined };
      this.#pending = pending;
      pending.timer = setTimeout(() => {
        const seconds = (timeoutMs / 1000).toFixed(2);
        this.#fail(
          {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${seconds} seconds`,
          },
          true,
        );
      }, timeoutMs);
      this.#worker.postMessage({ type: 'invoke', id: context.awsRequestId, event, context, traceId });
    });
    return { outcome, lines };
  }

  #onMessage(msg: WorkerMessage): void {
    const pending = this.#pending;
    if (msg.type === 'log') {
      const line = { time: msg.time, level: msg.level, text: msg.text };
      if (pending && msg.id === pending.id) pending.lines.push(line);
      else if (!pending && this.fresh) this.#initLines.push(line);
      return;
    }
    if (msg.type !== 'result' && msg.type !== 'crash') return;
    if (!pending || msg.id !== pending.id) return;
    if (msg.type === 'result') {
      this.#settle(
        msg.error
          ? { kind: 'error', error: msg.error, heapMb: msg.heapMb }
          : { kind: 'ok', payload: msg.payload ?? 'null', heapMb: msg.heapMb },
      );
    } else {
      this.#fail(msg.error, false);
    }
  }

  #settle(outcome: InvokeOutcome): void {
    const pending = this.#pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending = undefined;
    this.fresh = false;
    pending.resolve(outcome);
  }

  #fail(error: RuntimeErrorPayload, timedOut: boolean): void {
    this.#settle({ kind: 'fatal', error, timedOut });
    this.terminate();
  }

  /** Ends the worker (idempotent). */
  terminate(): void {
    if (this.#dead && this.#worker.threadId === -1) return;
    this.#dead = true;
    this.#worker.terminate().catch(() => undefined);
  }
}

type WorkerMessage =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: RuntimeErrorPayload }
  | { type: 'log'; id: string | undefined; level: string | undefined; text: string; time: number }
  | { type: 'result'; id: string; payload?: string; error?: RuntimeErrorPayload; heapMb: number }
  | { type: 'crash'; id: string | undefined; error: RuntimeErrorPayload };

const workerErrorType = (err: Error & { code?: string }): string =>
  err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : (err.name ?? 'Error');
