import { AwsError } from './errors.js';

/** Make an operation fail with an AWS error, on a share of calls. */
export interface FaultRule {
  /** Signing name of the service (`sqs`, `events`, ...); any service when omitted. */
  readonly service?: string;
  /** Operation name (`ReceiveMessage`) or `*` for every operation. */
  readonly operation: string;
  /** AWS error code to answer with, e.g. `ThrottlingException`, `InternalError`. */
  readonly error: string;
  /** Message of the error. Default: a generic one naming the injected fault. */
  readonly message?: string;
  /** HTTP status. Default: 400 for throttling codes, 500 for anything else. */
  readonly status?: number;
  /** Share of matching calls that fail, 0..1. Default 1. */
  readonly rate?: number;
  /** Stop after this many injected failures. Default: unlimited. */
  readonly times?: number;
}

export interface FaultOptions {
  readonly faults?: readonly FaultRule[];
  /** Fixed latency added to every call, in ms. Default 0. */
  readonly latencyMs?: number;
  /** Extra latency per operation name (`sqs:ReceiveMessage` or `ReceiveMessage`), in ms. */
  readonly operationLatencyMs?: Readonly<Record<string, number>>;
  /** Seed for the fault dice, so a run is reproducible. Default: random. */
  readonly seed?: number;
}

const THROTTLE_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

/** Deterministic 32-bit PRNG (mulberry32), so seeded runs (faults, realism) can be replayed. */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

interface LiveRule extends FaultRule {
  injected: number;
}

/** The fault-and-latency layer around every operation. Settable at start and while running. */
export class FaultController {
  #rules: LiveRule[] = [];
  #latencyMs = 0;
  #operationLatency: Record<string, number> = {};
  #random: () => number;
  /** How many faults were injected, by `service:operation`. */
  readonly injected = new Map<string, number>();

  constructor(options: FaultOptions = {}) {
    this.#random = prng(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.set(options);
  }

  /** Replaces the fields given (faults, latency); leaves the others as they are. */
  set(options: FaultOptions): void {
    if (options.faults) {
      for (const rule of options.faults) validateRule(rule);
      this.#rules = options.faults.map((r) => ({ ...r, injected: 0 }));
    }
    if (options.latencyMs !== undefined) {
      if (!Number.isFinite(options.latencyMs) || options.latencyMs < 0) {
        throw new RangeError(`latencyMs must be a finite number >= 0, got ${options.latencyMs}`);
      }
      this.#latencyMs = options.latencyMs;
    }
    if (options.operationLatencyMs) this.#operationLatency = { ...options.operationLatencyMs };
    if (options.seed !== undefined) this.#random = prng(options.seed);
  }

  /** Removes every fault rule and all latency. */
  clear(): void {
    this.#rules = [];
    this.#latencyMs = 0;
    this.#operationLatency = {};
  }

  /** Current settings, e.g. for the control endpoint. */
  get(): FaultOptions {
    return {
      faults: this.#rules.map(({ injected: _, ...rule }) => rule),
      latencyMs: this.#latencyMs,
      operationLatencyMs: { ...this.#operationLatency },
    };
  }

  /** Latency to add before this call, in ms. */
  latencyFor(service: string, operation: string): number {
    return (
      this.#latencyMs +
      (this.#operationLatency[`${service}:${operation}`] ?? this.#operationLatency[operation] ?? 0)
    );
  }

  /** The error to answer this call with, if a rule fires. */
  faultFor(service: string, operation: string): AwsError | undefined {
    for (const rule of this.#rules) {
      if (rule.service !== undefined && rule.service !== service) continue;
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.times !== undefined && rule.injected >= rule.times) continue;
      if (this.#random() >= (rule.rate ?? 1)) continue;
      rule.injected++;
      const key = `${service}:${operation}`;
      this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
      const status = rule.status ?? (THROTTLE_CODES.has(rule.error) ? 400 : 500);
      return new AwsError(rule.error, rule.message ?? `Injected fault: ${rule.error} on ${key}`, status);
    }
    return undefined;
  }
}

const validateRule = (rule: FaultRule): void => {
  if (typeof rule.operation !== 'string' || rule.operation === '') {
    throw new TypeError('fault rule needs an operation name (or "*")');
  }
  if (typeof rule.error !== 'string' || rule.error === '') {
    throw new TypeError(`fault rule for ${rule.operation} needs an error code`);
  }
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) {
    throw new RangeError(`fault rule rate must be between 0 and 1, got ${rule.rate}`);
  }
};
