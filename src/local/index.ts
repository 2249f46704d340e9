import { Emulator, type EmulatorOptions } from './core/emulator.js';
import type { FaultController } from './core/faults.js';
import { configureLambda, type LambdaRuntimeOptions } from './runtime/settings.js';
import { serve } from './server.js';
import { allServices } from './services/index.js';
import { configureStepFunctions, type StepFunctionsOptions } from './services/stepfunctions/index.js';
import {
  setXRayVisibility,
  startXRayDaemon,
  type XRayDaemon,
  type XRayDaemonOptions,
  type XRayVisibilityOptions,
} from './services/xray/index.js';

export { AwsError } from './core/errors.js';
export type { FaultOptions, FaultRule } from './core/faults.js';
export { FaultController } from './core/faults.js';
export { LOCAL_CODE_BUCKET } from './runtime/code.js';
export { configureLambda, type LambdaRuntimeOptions } from './runtime/settings.js';
export { configureStepFunctions, type StepFunctionsOptions } from './services/stepfunctions/index.js';
export {
  getXRayVisibility,
  setXRayVisibility,
  startXRayDaemon,
  type XRayDaemon,
  type XRayDaemonOptions,
  type XRayVisibilityOptions,
  type XRayVisibilityRule,
} from './services/xray/index.js';

export interface LocalAwsOptions extends EmulatorOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Interface to bind. Default `127.0.0.1` (never exposed beyond this machine unless asked). */
  readonly host?: string;
  /**
   * Delays before X-Ray segments become visible to BatchGetTraces/GetTraceSummaries, to reproduce
   * X-Ray's eventual consistency (e.g. a child visible before its parent). Default: visible at once.
   */
  readonly xrayVisibility?: XRayVisibilityOptions;
  /** Also listen for the X-Ray daemon's UDP protocol (default 127.0.0.1:2000). Default off. */
  readonly xrayDaemon?: boolean | XRayDaemonOptions;
  /** How Lambda functions run (instances per function, async retry delays). */
  readonly lambda?: Omit<LambdaRuntimeOptions, 'endpoint'>;
  /** How Step Functions runs executions (e.g. `delayScale` for Wait states and Retry intervals). */
  readonly stepFunctions?: StepFunctionsOptions;
}

/** A running emulator. Close it (or `await using` it) when done. */
export interface LocalAws extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: give it to SDK clients as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly host: string;
  readonly accountId: string;
  /** Fault and latency injection, changeable while running. */
  readonly faults: FaultController;
  /** The in-process emulator (state access for tests of the emulator itself). */
  readonly emulator: Emulator;
  /** The X-Ray daemon listener, when `xrayDaemon` was set. */
  readonly xrayDaemon: XRayDaemon | undefined;
  /** Changes X-Ray visibility delays while running (applies to segments sent afterwards). */
  setXRayVisibility(options: XRayVisibilityOptions): void;
  /** Stops the server, aborts long polls, frees the port. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the built-in local AWS emulator: one HTTP server that speaks the AWS wire protocols of
 * SQS, EventBridge, the Resource Groups Tagging API and the other services eventprobe uses.
 *
 * @example
 * const aws = await startLocalAws();
 * const sqs = new SQSClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
 */
export const startLocalAws = async (options: LocalAwsOptions = {}): Promise<LocalAws> => {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const emulator = new Emulator(allServices, options);
  if (options.stepFunctions) configureStepFunctions(emulator, options.stepFunctions);
  if (options.xrayVisibility) setXRayVisibility(emulator, options.xrayVisibility);
  const server = await serve(emulator, { port, host: options.host ?? '127.0.0.1' });
  configureLambda(emulator, { ...options.lambda, endpoint: server.endpoint });
  let daemon: XRayDaemon | undefined;
  try {
    if (options.xrayDaemon) {
      daemon = await startXRayDaemon(emulator, options.xrayDaemon === true ? {} : options.xrayDaemon);
    }
  } catch (err) {
    await server.close();
    throw err;
  }
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= Promise.all([server.close(), daemon?.close()]).then(() => undefined);
    return closed;
  };
  return {
    endpoint: server.endpoint,
    port: server.port,
    host: server.host,
    accountId: emulator.accountId,
    faults: emulator.faults,
    emulator,
    xrayDaemon: daemon,
    setXRayVisibility: (visibility) => setXRayVisibility(emulator, visibility),
    close,
    [Symbol.asyncDispose]: close,
  };
};
