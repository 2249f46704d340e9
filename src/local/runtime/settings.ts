import type { Emulator } from '../core/emulator.js';

/** How the emulator runs Lambda functions. */
export interface LambdaRuntimeOptions {
  /**
   * The endpoint handlers' SDK clients reach (AWS_ENDPOINT_URL in their environment). Set by
   * `startLocalAws` to its own endpoint.
   */
  readonly endpoint?: string;
  /** Instances per function version at most (beyond it invocations wait). Default 10. */
  readonly maxInstancesPerFunction?: number;
  /**
   * Factor on AWS's delays between retries of asynchronous invocations (1 and 2 minutes on AWS).
   * Default 0.01 (0.6 s, then 1.2 s); 1 waits as long as AWS.
   */
  readonly asyncRetryDelayScale?: number;
}

export interface LambdaSettings {
  readonly endpoint: string | undefined;
  readonly maxInstancesPerFunction: number;
  readonly asyncRetryDelayScale: number;
}

const settings = new WeakMap<Emulator, LambdaSettings>();

const DEFAULTS: LambdaSettings = {
  endpoint: undefined,
  maxInstancesPerFunction: 10,
  asyncRetryDelayScale: 0.01,
};

/** Changes how this emulator runs functions (applies to instances started afterwards). */
export const configureLambda = (emulator: Emulator, options: LambdaRuntimeOptions): void => {
  const max = options.maxInstancesPerFunction;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new RangeError(`lambda.maxInstancesPerFunction must be an integer >= 1, got ${max}`);
  }
  const scale = options.asyncRetryDelayScale;
  if (scale !== undefined && (!Number.isFinite(scale) || scale < 0)) {
    throw new RangeError(`lambda.asyncRetryDelayScale must be a number >= 0, got ${scale}`);
  }
  const current = lambdaSettings(emulator);
  settings.set(emulator, {
    endpoint: options.endpoint ?? current.endpoint,
    maxInstancesPerFunction: max ?? current.maxInstancesPerFunction,
    asyncRetryDelayScale: scale ?? current.asyncRetryDelayScale,
  });
};

export const lambdaSettings = (emulator: Emulator): LambdaSettings => settings.get(emulator) ?? DEFAULTS;
