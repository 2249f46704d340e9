import type { Emulator } from '../../core/emulator.js';

/** What a visibility rule sees of a segment document. */
export interface SegmentFacts {
  readonly id: string;
  readonly traceId: string;
  readonly name: string;
  readonly origin: string | undefined;
  readonly parentId: string | undefined;
  /** True for subsegments sent on their own (`type: 'subsegment'`). */
  readonly subsegment: boolean;
}

/** A delay for the segments it matches; every given field must match. */
export interface XRayVisibilityRule {
  /** Segment name, exact or a RegExp. */
  readonly name?: string | RegExp;
  readonly origin?: string;
  /** Only segments with this parent id. */
  readonly parentId?: string;
  /** true: only segments with a parent; false: only root segments. */
  readonly hasParent?: boolean;
  readonly traceId?: string;
  /** Milliseconds between PutTraceSegments and the segment being visible. */
  readonly delayMs: number;
}

/**
 * How long segments take to become visible to BatchGetTraces and GetTraceSummaries, as X-Ray's
 * eventual consistency does. Changeable while the emulator runs (applies to segments sent after).
 */
export interface XRayVisibilityOptions {
  /** Delay for segments no rule matches, in ms. Default 0. */
  readonly delayMs?: number;
  /** Rules tried in order; the first that matches gives the delay. E.g. `[{ hasParent: false, delayMs: 500 }]` shows children before their root. */
  readonly rules?: readonly XRayVisibilityRule[];
  /** Full control: returns the delay in ms (wins over rules and delayMs when it returns a number). */
  readonly delay?: (segment: SegmentFacts) => number | undefined;
}

const settings = new WeakMap<Emulator, XRayVisibilityOptions>();

const checkDelay = (value: number, option: string): void => {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${option} must be a finite number of ms >= 0, got ${value}`);
  }
};

/** Sets (replaces) the X-Ray visibility delays of an emulator. `{}` makes segments visible at once. */
export const setXRayVisibility = (emulator: Emulator, options: XRayVisibilityOptions): void => {
  if (options.delayMs !== undefined) checkDelay(options.delayMs, 'delayMs');
  for (const [i, rule] of (options.rules ?? []).entries()) checkDelay(rule.delayMs, `rules[${i}].delayMs`);
  settings.set(emulator, options);
};

/** The current visibility settings of an emulator. */
export const getXRayVisibility = (emulator: Emulator): XRayVisibilityOptions => settings.get(emulator) ?? {};

const matches = (rule: XRayVisibilityRule, s: SegmentFacts): boolean =>
  (rule.name === undefined ||
    (typeof rule.name === 'string' ? rule.name === s.name : rule.name.test(s.name))) &&
  (rule.origin === undefined || rule.origin === s.origin) &&
  (rule.parentId === undefined || rule.parentId === s.parentId) &&
  (rule.hasParent === undefined || rule.hasParent === (s.parentId !== undefined)) &&
  (rule.traceId === undefined || rule.traceId === s.traceId);

/** The delay for one segment under the emulator's current settings. */
export const visibilityDelay = (emulator: Emulator, segment: SegmentFacts): number => {
  const options = settings.get(emulator);
  if (!options) return 0;
  const custom = options.delay?.(segment);
  if (typeof custom === 'number' && Number.isFinite(custom)) return Math.max(0, custom);
  for (const rule of options.rules ?? []) if (matches(rule, segment)) return rule.delayMs;
  return options.delayMs ?? 0;
};
