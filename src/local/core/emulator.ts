import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpContext } from './context.js';
import { AwsError } from './errors.js';
import { FaultController, type FaultOptions } from './faults.js';
import type { AnyService, ServiceDefinition } from './service.js';

export interface EmulatorOptions extends FaultOptions {
  /** The account id in every ARN. Default `000000000000`. */
  readonly accountId?: string;
  /** Milliseconds since the epoch; lets tests move time: `() => number` or a probe-style `{ now() }`. Default `Date.now`. */
  readonly clock?: (() => number) | { now(): number };
}

export interface InvokeOptions {
  readonly region: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly requestId?: string;
}

/**
 * The emulator without HTTP: services, their per-account-and-region state, the clock, and the
 * fault layer. Services reach each other's state through it (e.g. EventBridge delivering to SQS).
 */
export class Emulator {
  readonly accountId: string;
  readonly faults: FaultController;
  readonly #services = new Map<string, ServiceDefinition<unknown>>();
  readonly #states = new Map<string, unknown>();
  readonly #clock: () => number;
  readonly #closing = new AbortController();

  constructor(services: readonly AnyService[], options: EmulatorOptions = {}) {
    this.accountId = options.accountId ?? '000000000000';
    if (!/^\d{12}$/.test(this.accountId)) {
      throw new TypeError(`accountId must be 12 digits, got "${this.accountId}"`);
    }
    const clock = options.clock ?? Date.now;
    this.#clock = typeof clock === 'function' ? clock : () => clock.now();
    this.faults = new FaultController(options);
    for (const service of services) {
      this.#services.set(service.signingName, service);
    }
  }

  /** Milliseconds since the epoch, by the emulator's clock. */
  now(): number {
    return this.#clock();
  }

  /** Aborted when the emulator closes. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  service(signingName: string): ServiceDefinition<unknown> | undefined {
    return this.#services.get(signingName);
  }

  get services(): readonly ServiceDefinition<unknown>[] {
    return [...this.#services.values()];
  }

  /** The services known, by JSON X-Amz-Target prefix. */
  serviceByTarget(prefix: string): ServiceDefinition<unknown> | undefined {
    for (const service of this.#services.values()) if (service.targetPrefix === prefix) return service;
    return undefined;
  }

  /** The state of a service in a region of this emulator's account (created on first use). */
  state<S>(signingName: string, region: string): S {
    const key = `${signingName}/${region}`;
    let state = this.#states.get(key);
    if (state === undefined) {
      const service = this.#services.get(signingName);
      if (!service) throw new Error(`service ${signingName} is not part of this emulator`);
      state = service.createState({ accountId: this.accountId, region });
      this.#states.set(key, state);
    }
    return state as S;
  }

  /** Every region that has state for a service. */
  regions(signingName: string): string[] {
    const prefix = `${signingName}/`;
    return [...this.#states.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Runs one operation through the fault and latency layer. */
  async invoke(
    signingName: string,
    operation: string,
    input: Record<string, unknown>,
    options: InvokeOptions,
  ): Promise<unknown> {
    const service = this.#services.get(signingName);
    if (!service) throw new AwsError('UnrecognizedClientException', `Unknown service: ${signingName}`, 400);
    const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
    if (!handler) {
      throw new AwsError(
        'UnknownOperationException',
        `The operation ${operation} is not supported by the eventprobe emulator for ${signingName}.`,
        400,
        'InvalidAction',
      );
    }
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closing.signal])
      : this.#closing.signal;
    const latency = this.faults.latencyFor(signingName, operation);
    if (latency > 0) await sleep(latency, undefined, { signal }).catch(() => undefined);
    const fault = this.faults.faultFor(signingName, operation);
    if (fault) throw fault;
    const headers = options.headers ?? {};
    const ctx: OpContext<unknown> = {
      state: this.state(signingName, options.region),
      accountId: this.accountId,
      region: options.region,
      service: signingName,
      operation,
      requestId: options.requestId ?? randomUUID(),
      signal,
      traceHeader: headers['x-amzn-trace-id'],
      headers,
      emulator: this,
    };
    return await handler(input, ctx);
  }

  /** Aborts pending long polls and releases every service's timers. */
  close(): void {
    this.#closing.abort(new Error('emulator closed'));
    for (const [key, state] of this.#states) {
      const service = this.#services.get(key.slice(0, key.indexOf('/')));
      service?.dispose?.(state);
    }
  }
}
