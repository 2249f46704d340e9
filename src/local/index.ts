import { DataDir } from './core/data-dir.js';
import { Emulator, type EmulatorOptions, type EmulatorSnapshot } from './core/emulator.js';
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

export { DataDirLockedError } from './core/data-dir.js';
export type { EmulatorSnapshot, PersistedState } from './core/emulator.js';
export { AwsError } from './core/errors.js';
export type { FaultOptions, FaultRule } from './core/faults.js';
export { FaultController } from './core/faults.js';
export {
  AWS_REALISM,
  type LatencyProfile,
  type MsRange,
  type Realism,
  RealismController,
  type RealismOptions,
} from './core/realism.js';
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
   * X-Ray's eventual consistency (e.g. a child visible before its parent). Wins over
   * `realism.xrayVisibilityMs`. Default: visible at once (or as `realism` says).
   */
  readonly xrayVisibility?: XRayVisibilityOptions;
  /** Also listen for the X-Ray daemon's UDP protocol (default 127.0.0.1:2000). Default off. */
  readonly xrayDaemon?: boolean | XRayDaemonOptions;
  /**
   * A directory to keep the whole state in: loaded on start, saved on close and on `save()` (or
   * `POST /_eventprobe/save`), so a suite can restart the emulator mid-scenario. One emulator per
   * directory: a second one fails with DataDirLockedError (a lock file holds the owner's pid).
   * Default: none (state lives in memory only).
   */
  readonly dataDir?: string;
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
  /** What every service holds (queues with counts, rules and targets, topics, streams, stacks, traces). */
  state(): EmulatorSnapshot;
  /** Forgets every resource of every service (faults and delays stay). */
  reset(): void;
  /** Writes the state to `dataDir` now. Throws when the emulator has no `dataDir`. */
  save(): void;
  /** Stops the server, aborts long polls, frees the port, saves to `dataDir`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the built-in local AWS emulator: one HTTP server that speaks the AWS wire protocols of
 * SQS, EventBridge, the Resource Groups Tagging API and the other services eventprobe uses.
 *
 * By default it answers at once. `realism: 'aws'` gives it AWS's timing ({@link AWS_REALISM}): new
 * rules match after a delay, the tagging API lags, standard queues duplicate and reorder, X-Ray
 * segments show late, calls take a log-normal time; pass `seed` to replay a run.
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
  else if (emulator.realism.xrayVisibilityMs[1] > 0) {
    // The realism profile's X-Ray ingestion lag: each segment on its own draw.
    const range = emulator.realism.xrayVisibilityMs;
    setXRayVisibility(emulator, { delay: () => emulator.realism.draw(range) });
  }
  const dataDir = options.dataDir === undefined ? undefined : DataDir.open(options.dataDir, emulator);
  const save = (): void => {
    if (!dataDir) throw new Error('this emulator was started without a dataDir: there is nowhere to save to');
    dataDir.save();
  };
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    server = await serve(emulator, {
      port,
      host: options.host ?? '127.0.0.1',
      ...(dataDir ? { save } : {}),
    });
  } catch (err) {
    dataDir?.release();
    throw err;
  }
  configureLambda(emulator, { ...options.lambda, endpoint: server.endpoint });
  let daemon: XRayDaemon | undefined;
  try {
    if (options.xrayDaemon) {
      daemon = await startXRayDaemon(emulator, options.xrayDaemon === true ? {} : options.xrayDaemon);
    }
  } catch (err) {
    await server.close();
    dataDir?.release();
    throw err;
  }
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= Promise.all([server.close(), daemon?.close()]).then(() => {
      if (!dataDir) return;
      try {
        dataDir.save();
      } finally {
        dataDir.release();
      }
    });
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
    state: () => emulator.snapshot(),
    reset: () => emulator.reset(),
    save,
    close,
    [Symbol.asyncDispose]: close,
  };
};

export { AssemblyError, type AssemblyStack, readAssembly } from './deploy/assembly.js';
export { LOCAL_CODE_BUCKET, localCode } from './deploy/code.js';
export {
  type DeployedStack,
  type DeployStackOptions,
  type DeployTarget,
  type DestroyStackOptions,
  deployStack,
  destroyStack,
  type ResourceFailure,
  StackDeployError,
  type StackEvent,
} from './deploy/deploy.js';
export { SAM_TRANSFORM, type SamOptions, samTransform } from './deploy/sam.js';
