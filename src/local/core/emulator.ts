import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpContext } from './context.js';
import { AwsError } from './errors.js';
import { FaultController, type FaultOptions } from './faults.js';
import { fromJsonState, toJsonState } from './persist.js';
import { type Realism, RealismController } from './realism.js';
import type { AnyService, ProtocolName, ServiceDefinition } from './service.js';

export interface EmulatorOptions extends FaultOptions {
  /** The account id in every ARN. Default `000000000000`. */
  readonly accountId?: string;
  /** Milliseconds since the epoch; lets tests move time: `() => number` or a probe-style `{ now() }`. Default `Date.now`. */
  readonly clock?: (() => number) | { now(): number };
  /**
   * AWS's timing: `'aws'` turns on every behaviour of {@link AWS_REALISM} (rule propagation delay,
   * tagging API lag, SQS duplicates and reordering, X-Ray ingestion delay, log-normal latency);
   * an object turns on only its fields. Default `'off'` (everything at once), except that a deleted
   * queue's name stays taken for 60 s as on AWS (`{ queueDeletedRecentlyMs: 0 }` turns that off).
   */
  readonly realism?: Realism;
}

export interface InvokeOptions {
  readonly region: string;
  /** The wire protocol of the request (set by the server). */
  readonly protocol?: ProtocolName;
  /** The base URL the client used (set by the server; pass it on in nested calls). */
  readonly endpoint?: string;
  /** The caller's `X-Amzn-Trace-Id`. */
  readonly traceHeader?: string;
  /**
   * Request headers of an in-process caller that has no other way to say them: only
   * `x-amzn-trace-id` (for `traceHeader`) and `host`/`x-forwarded-proto` (for `endpoint`) are read;
   * operations never see headers.
   */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly requestId?: string;
}

/** What `GET /_eventprobe/state` answers. */
export interface EmulatorSnapshot {
  readonly accountId: string;
  /** The emulator's clock when the snapshot was taken. */
  readonly time: string;
  /** service → region → that service's own snapshot. */
  readonly services: Record<string, Record<string, unknown>>;
}

const PERSIST_FORMAT = 'eventprobe-state/1';

/** The saved state of an emulator (`dataDir/state.json`). */
export interface PersistedState {
  readonly format: string;
  readonly accountId: string;
  /** `service/region` → that state, as the service's `save` hook or the generic serialiser wrote it. */
  readonly states: Record<string, unknown>;
}

const splitKey = (key: string): [string, string] => {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
};

/** The base URL a client reached the emulator at, from its `host` and `x-forwarded-proto` headers. */
export const endpointOf = (headers: Readonly<Record<string, string>> | undefined): string | undefined =>
  headers?.host === undefined ? undefined : `${headers['x-forwarded-proto'] ?? 'http'}://${headers.host}`;

/**
 * The emulator without HTTP: services, their per-account-and-region state, the clock, and the
 * fault layer. Services reach each other's state through it (e.g. EventBridge delivering to SQS).
 */
export class Emulator {
  readonly accountId: string;
  readonly faults: FaultController;
  /** The AWS-timing settings and dice (see `realism`). */
  readonly realism: RealismController;
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
    this.realism = new RealismController(options.realism, options.seed);
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
    const latency = this.faults.latencyFor(signingName, operation) + this.realism.latencyFor(signingName);
    if (latency > 0) await sleep(latency, undefined, { signal }).catch(() => undefined);
    const fault = this.faults.faultFor(signingName, operation);
    if (fault) throw fault;
    const ctx: OpContext<unknown> = {
      state: this.state(signingName, options.region),
      accountId: this.accountId,
      region: options.region,
      service: signingName,
      operation,
      requestId: options.requestId ?? randomUUID(),
      signal,
      traceHeader: options.traceHeader ?? options.headers?.['x-amzn-trace-id'],
      protocol: options.protocol,
      endpoint: options.endpoint ?? endpointOf(options.headers),
      emulator: this,
    };
    try {
      return await handler(input, ctx);
    } finally {
      if (this.realism.tagsLag) this.#observeTags(signingName, options.region);
    }
  }

  /** Lets the lagging tagging view see what this call changed (the tagging API: every service). */
  #observeTags(signingName: string, region: string): void {
    for (const service of this.#services.values()) {
      if (!service.tagging || (signingName !== 'tagging' && service.signingName !== signingName)) continue;
      const key = `${service.signingName}/${region}`;
      this.realism.observeTags(
        key,
        service.tagging.list(this.state(service.signingName, region)),
        this.now(),
      );
    }
  }

  /**
   * A JSON-ready view of every service's resources, by service and region (each service's
   * `snapshot` hook; services without one are left out).
   */
  snapshot(): EmulatorSnapshot {
    const services: Record<string, Record<string, unknown>> = {};
    for (const [key, state] of this.#states) {
      const [name, region] = splitKey(key);
      const service = this.#services.get(name);
      if (!service?.snapshot) continue;
      services[name] ??= {};
      (services[name] as Record<string, unknown>)[region] = service.snapshot(state, this.now());
    }
    return { accountId: this.accountId, time: new Date(this.now()).toISOString(), services };
  }

  /** Forgets every resource of every service (pending long polls end as on close). */
  reset(): void {
    for (const [key, state] of this.#states) this.#services.get(splitKey(key)[0])?.dispose?.(state);
    this.#states.clear();
  }

  /** The whole state as JSON-ready data, for {@link load} (used by `dataDir`). */
  save(): PersistedState {
    const states: Record<string, unknown> = {};
    for (const [key, state] of this.#states) {
      const service = this.#services.get(splitKey(key)[0]);
      if (service) states[key] = service.save ? service.save(state) : toJsonState(state);
    }
    return { format: PERSIST_FORMAT, accountId: this.accountId, states };
  }

  /** Replaces the state with what {@link save} wrote (services not known here are skipped). */
  load(data: PersistedState): void {
    if (data?.format !== PERSIST_FORMAT)
      throw new Error(`not an eventprobe emulator state (format ${String(data?.format)})`);
    if (data.accountId !== this.accountId) {
      throw new Error(`the saved state is of account ${data.accountId}, this emulator is ${this.accountId}`);
    }
    this.reset();
    for (const [key, saved] of Object.entries(data.states)) {
      const [name, region] = splitKey(key);
      const service = this.#services.get(name);
      if (!service) continue;
      const scope = { accountId: this.accountId, region };
      this.#states.set(key, service.load ? service.load(scope, saved) : fromJsonState(saved));
    }
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
