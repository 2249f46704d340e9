import { InvalidInputError } from '../errors.js';
import {
  isManaged,
  MARKER_VALUE,
  TAG_CREATED_AT,
  TAG_MARKER,
  TAG_RUN_ID,
  type Tags,
} from '../resources/tags.js';

/**
 * Tags a resource must carry: each key with the value given, or with any of several values.
 * `{ suite: 'orders', branch: ['main', 'dev'] }`.
 */
export type TagFilters = Readonly<Record<string, string | readonly string[]>>;

/** Tag filters with every value as a list, validated. */
export type NormalizedFilters = ReadonlyMap<string, readonly string[]>;

/** Validates tag filters and turns every value into a list. */
export const normalizeFilters = (filters: unknown, option = 'tagFilters'): NormalizedFilters => {
  if (filters === null || typeof filters !== 'object' || Array.isArray(filters)) {
    throw new InvalidInputError(
      `${option} must be an object of tag keys to a value or a list of values, like { suite: 'orders' }.`,
      option,
    );
  }
  const out = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(filters)) {
    const values = typeof value === 'string' ? [value] : value;
    if (
      key === '' ||
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((v) => typeof v === 'string')
    ) {
      throw new InvalidInputError(
        `${option}[${JSON.stringify(key)}] must be a non-empty key with a string or a non-empty list of strings.`,
        `${option}.${key}`,
      );
    }
    out.set(key, [...values]);
  }
  return out;
};

/** Filters that match exactly the given tags. */
export const filtersOfTags = (tags: Tags): NormalizedFilters =>
  new Map(Object.entries(tags).map(([k, v]) => [k, [v]]));

/** True when the tags carry every filter key with one of its values. */
export const matchesFilters = (tags: Tags, filters: NormalizedFilters): boolean => {
  for (const [key, values] of filters) {
    const value = tags[key];
    if (value === undefined || !values.includes(value)) return false;
  }
  return true;
};

/** The filters in the Resource Groups Tagging API's form, the marker first. */
export const taggingFilters = (filters: NormalizedFilters): { Key: string; Values: string[] }[] => [
  { Key: TAG_MARKER, Values: [MARKER_VALUE] },
  ...[...filters]
    .filter(([key]) => key !== TAG_MARKER)
    .map(([Key, values]) => ({ Key, Values: [...values] })),
];

/** Default grace period of `sweep`: 1 hour. See {@link SweepDecisionInput.olderThanMs}. */
export const DEFAULT_GRACE_MS = 60 * 60 * 1000;

/** Validates the `olderThan` option (ms, finite, >= 0). */
export const graceMs = (olderThan: unknown): number => {
  if (olderThan === undefined) return DEFAULT_GRACE_MS;
  if (typeof olderThan !== 'number' || !Number.isFinite(olderThan) || olderThan < 0) {
    throw new InvalidInputError(
      `olderThan must be a finite number of milliseconds >= 0, got ${JSON.stringify(olderThan) ?? String(olderThan)}. ` +
        `The default (${DEFAULT_GRACE_MS} ms) keeps the listeners of runs still going.`,
      'olderThan',
    );
  }
  return olderThan;
};

export interface SweepDecisionInput {
  /** Tags read from the resource itself. */
  readonly tags: Tags;
  readonly filters: NormalizedFilters;
  /** The sweeping probe's run id: its own resources are `cleanup()`'s business. */
  readonly runId: string;
  /** Now, in ms since the epoch. */
  readonly now: number;
  /** Only resources created more than this long ago are swept. */
  readonly olderThanMs: number;
}

/**
 * Why a resource must not be swept, or undefined when it may be. The marker tag is checked first
 * and no filter can override it.
 */
export const sweepRefusal = (input: SweepDecisionInput): string | undefined => {
  const { tags } = input;
  if (!isManaged(tags)) return `no ${TAG_MARKER} tag: not created by eventprobe`;
  if (tags[TAG_RUN_ID] === input.runId) return 'created by this run (cleanup() removes it)';
  if (!matchesFilters(tags, input.filters)) return 'tags do not match the filter';
  const createdAt = Date.parse(tags[TAG_CREATED_AT] ?? '');
  if (Number.isNaN(createdAt)) {
    // Age unknown: only an explicit olderThan: 0 sweeps it.
    return input.olderThanMs === 0
      ? undefined
      : `no valid ${TAG_CREATED_AT} tag, age unknown (sweep with olderThan: 0 to remove it)`;
  }
  const age = input.now - createdAt;
  if (age < input.olderThanMs) {
    return `created ${Math.round(age / 1000)} s ago, within the grace period of ${Math.round(input.olderThanMs / 1000)} s (a run may still be using it)`;
  }
  return undefined;
};
