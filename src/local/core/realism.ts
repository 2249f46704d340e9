import { prng } from './faults.js';
import type { TaggedResource } from './tagged.js';

/** A duration in ms: a fixed number, or `[min, max]` for a value drawn uniformly in that range. */
export type MsRange = number | readonly [min: number, max: number];

/**
 * Per-call latency drawn from a log-normal distribution (most calls near the median, a long tail),
 * as AWS API latency is distributed.
 */
export interface LatencyProfile {
  /** Median latency of a call to a service not listed in `services`, in ms. Default 15. */
  readonly medianMs?: number;
  /** Median latency by service signing name (`sqs`, `events`, `tagging`, ...), in ms. */
  readonly services?: Readonly<Record<string, number>>;
  /** Spread: the standard deviation of ln(latency). 0 makes every call take the median. Default 0.5. */
  readonly sigma?: number;
  /** Longest latency drawn, in ms (the tail is cut here). Default 1 000. */
  readonly maxMs?: number;
}

/**
 * What the emulator does the way AWS does it, in time. Every field is optional and works alone;
 * `'aws'` is {@link AWS_REALISM}; spread it to change one field: `{ ...AWS_REALISM, sqsReorder: false }`.
 * Random values come from the emulator's `seed`, so a run can be replayed.
 */
export interface RealismOptions {
  /**
   * EventBridge: a new or changed rule (PutRule, PutTargets, RemoveTargets, EnableRule, DisableRule)
   * takes effect for matching only after this delay; until then the rule's previous configuration
   * applies (a new rule matches nothing). Default 0 (at once).
   */
  readonly ruleDelayMs?: MsRange;
  /**
   * Resource Groups Tagging API: GetResources (and GetTagKeys/GetTagValues) see a new resource, a tag
   * change or a deletion only this long after it happened; until then they answer with what was
   * true before (so a deleted resource is still listed). Default 0 (at once).
   */
  readonly taggingLagMs?: MsRange;
  /**
   * SQS: how long the name of a deleted queue stays taken (CreateQueue fails with
   * `QueueDeletedRecently`). Default 60 000, as on AWS, with or without a realism profile; 0 turns it off.
   */
  readonly queueDeletedRecentlyMs?: number;
  /** SQS standard queues: share of messages delivered twice (0..1). FIFO queues never. Default 0. */
  readonly sqsDuplicateRate?: number;
  /** SQS standard queues: receive messages in no particular order. FIFO queues keep order. Default false. */
  readonly sqsReorder?: boolean;
  /**
   * X-Ray: segments become visible to BatchGetTraces/GetTraceSummaries this long after
   * PutTraceSegments, each segment on its own (so a child may show before its parent). An explicit
   * `xrayVisibility` option wins. Default 0.
   */
  readonly xrayVisibilityMs?: MsRange;
  /** Per-call latency from a distribution; `false` for none. Adds to `latencyMs`. Default none. */
  readonly latency?: LatencyProfile | false;
}

/**
 * The profile `realism: 'aws'` selects: AWS's timing, with delays kept at the short end of what AWS
 * shows so that a suite stays quick while still exercising every behaviour.
 */
export const AWS_REALISM: Readonly<RealismOptions> = Object.freeze({
  ruleDelayMs: [200, 1_500] as const,
  taggingLagMs: [1_000, 4_000] as const,
  queueDeletedRecentlyMs: 60_000,
  sqsDuplicateRate: 0.02,
  sqsReorder: true,
  xrayVisibilityMs: [100, 1_500] as const,
  latency: Object.freeze({
    medianMs: 15,
    services: Object.freeze({
      sqs: 8,
      events: 15,
      sns: 15,
      kinesis: 12,
      xray: 20,
      schemas: 30,
      tagging: 50,
      cloudformation: 60,
    }),
    sigma: 0.5,
    maxMs: 1_000,
  }),
});

/** The `realism` option: a named profile (`'aws'`; `'off'`, the default) or the fields to turn on. */
export type Realism = 'aws' | 'off' | RealismOptions;

const checkMs = (value: unknown, option: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`realism.${option} must be a finite number of ms >= 0, got ${String(value)}`);
  }
  return value;
};

const checkRange = (value: MsRange | undefined, option: string): readonly [number, number] => {
  if (value === undefined) return [0, 0];
  if (typeof value === 'number') return [checkMs(value, option), value];
  if (!Array.isArray(value) || value.length !== 2) {
    throw new RangeError(
      `realism.${option} must be a number of ms or [min, max], got ${JSON.stringify(value)}`,
    );
  }
  const [min, max] = value as readonly [number, number];
  checkMs(min, `${option}[0]`);
  checkMs(max, `${option}[1]`);
  if (min > max)
    throw new RangeError(`realism.${option} must be [min, max] with min <= max, got [${min}, ${max}]`);
  return [min, max];
};

interface ResolvedLatency {
  readonly medianMs: number;
  readonly services: Readonly<Record<string, number>>;
  readonly sigma: number;
  readonly maxMs: number;
}

const resolveLatency = (latency: LatencyProfile | false | undefined): ResolvedLatency | undefined => {
  if (latency === undefined || latency === false) return undefined;
  if (typeof latency !== 'object' || latency === null) {
    throw new TypeError('realism.latency must be an object ({ medianMs, services, sigma, maxMs }) or false');
  }
  const services: Record<string, number> = {};
  for (const [name, ms] of Object.entries(latency.services ?? {})) {
    services[name] = checkMs(ms, `latency.services.${name}`);
  }
  return {
    medianMs: checkMs(latency.medianMs ?? 15, 'latency.medianMs'),
    services,
    sigma: checkMs(latency.sigma ?? 0.5, 'latency.sigma'),
    maxMs: checkMs(latency.maxMs ?? 1_000, 'latency.maxMs'),
  };
};

const resolveOptions = (realism: Realism | undefined): RealismOptions => {
  if (realism === undefined || realism === 'off') return {};
  if (realism === 'aws') return AWS_REALISM;
  if (typeof realism !== 'object' || realism === null || Array.isArray(realism)) {
    throw new TypeError(
      `realism must be 'aws', 'off' or an object of RealismOptions, got ${JSON.stringify(realism)}`,
    );
  }
  return realism;
};

interface TagVersion {
  /** When this version becomes what the tagging API sees (epoch ms, emulator clock). */
  readonly at: number;
  /** undefined: the resource is gone. */
  readonly resource: TaggedResource | undefined;
  readonly key: string;
}

const tagKey = (r: TaggedResource): string =>
  JSON.stringify([r.resourceType, Object.entries(r.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);

/**
 * The AWS-timing behaviour of one emulator: settings, the seeded dice, and the lagging view the
 * tagging API reads. Services ask it; it knows no HTTP and no service state.
 */
export class RealismController {
  readonly ruleDelayMs: readonly [number, number];
  readonly taggingLagMs: readonly [number, number];
  readonly queueDeletedRecentlyMs: number;
  readonly sqsDuplicateRate: number;
  readonly sqsReorder: boolean;
  readonly xrayVisibilityMs: readonly [number, number];
  readonly latency: ResolvedLatency | undefined;
  readonly #random: () => number;
  /** `service/region` → ARN → versions in time order (only while a tagging lag is set). */
  readonly #tagViews = new Map<string, Map<string, TagVersion[]>>();

  constructor(realism: Realism | undefined, seed: number | undefined) {
    const o = resolveOptions(realism);
    this.ruleDelayMs = checkRange(o.ruleDelayMs, 'ruleDelayMs');
    this.taggingLagMs = checkRange(o.taggingLagMs, 'taggingLagMs');
    this.queueDeletedRecentlyMs = checkMs(o.queueDeletedRecentlyMs ?? 60_000, 'queueDeletedRecentlyMs');
    const rate = o.sqsDuplicateRate ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`realism.sqsDuplicateRate must be between 0 and 1, got ${String(rate)}`);
    }
    this.sqsDuplicateRate = rate;
    this.sqsReorder = o.sqsReorder === true;
    this.xrayVisibilityMs = checkRange(o.xrayVisibilityMs, 'xrayVisibilityMs');
    this.latency = resolveLatency(o.latency);
    // Its own stream, apart from the fault dice, so turning realism on does not change which calls fail.
    this.#random = prng(((seed ?? Math.floor(Math.random() * 2 ** 32)) ^ 0x5eed_a115) >>> 0);
  }

  /** A value in the range (its min when min === max, without using the dice). */
  draw([min, max]: readonly [number, number]): number {
    return min === max ? min : min + this.#random() * (max - min);
  }

  /** Delay before a rule change takes effect, in ms. */
  ruleDelay(): number {
    return this.draw(this.ruleDelayMs);
  }

  /** Latency for one call to a service, in ms (0 without a latency profile). */
  latencyFor(service: string): number {
    const l = this.latency;
    if (!l) return 0;
    const median = l.services[service] ?? l.medianMs;
    if (median === 0) return 0;
    // Box-Muller: a standard normal from two uniforms; exp(mu + sigma * z) is log-normal with median e^mu.
    const u = 1 - this.#random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.#random());
    return Math.min(l.maxMs, median * Math.exp(l.sigma * z));
  }

  /** True for a message a standard queue should deliver twice. */
  duplicate(): boolean {
    return this.sqsDuplicateRate > 0 && this.#random() < this.sqsDuplicateRate;
  }

  /** The items in a random order (Fisher-Yates with the seeded dice); a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** True when the tagging API lags behind the services. */
  get tagsLag(): boolean {
    return this.taggingLagMs[1] > 0;
  }

  /**
   * Records what a service's resources and tags are now (called after each of its calls while a
   * tagging lag is set), so each change becomes visible to the tagging API one lag later.
   */
  observeTags(key: string, current: readonly TaggedResource[], now: number): void {
    if (!this.tagsLag) return;
    let view = this.#tagViews.get(key);
    if (!view) {
      view = new Map();
      this.#tagViews.set(key, view);
    }
    const seen = new Set<string>();
    for (const resource of current) {
      seen.add(resource.arn);
      const key = tagKey(resource);
      const versions = view.get(resource.arn) ?? [];
      const last = versions.at(-1);
      if (last?.key === key) continue;
      versions.push({ at: this.#visibleAt(versions, now), resource, key });
      view.set(resource.arn, versions);
    }
    for (const [arn, versions] of view) {
      const last = versions.at(-1);
      if (seen.has(arn) || last === undefined || last.resource === undefined) continue;
      versions.push({ at: this.#visibleAt(versions, now), resource: undefined, key: '' });
    }
  }

  /** Later versions never show before earlier ones. */
  #visibleAt(versions: readonly TagVersion[], now: number): number {
    return Math.max(now + this.draw(this.taggingLagMs), versions.at(-1)?.at ?? 0);
  }

  /** What the tagging API sees of a service's resources now (after `observeTags`). */
  taggedView(key: string, now: number): TaggedResource[] {
    const view = this.#tagViews.get(key);
    if (!view) return [];
    const out: TaggedResource[] = [];
    for (const [arn, versions] of view) {
      let visible = -1;
      for (let i = 0; i < versions.length; i++) if ((versions[i] as TagVersion).at <= now) visible = i;
      if (visible < 0) continue;
      versions.splice(0, visible);
      const current = versions[0] as TagVersion;
      if (current.resource) out.push(current.resource);
      else if (versions.length === 1) view.delete(arn);
    }
    return out;
  }
}
