/**
 * The generic serialiser of service state for `dataDir`: JSON with tagged Maps, Sets, bigints,
 * Dates, byte arrays and undefined. Functions and promises (long-poll waiters, compiled matchers,
 * operations in flight) are not state and are skipped; a service whose state needs them rebuilt
 * declares a `load` hook (EventBridge recompiles its patterns).
 */

type Tagged =
  | { $map: [unknown, unknown][] }
  | { $set: unknown[] }
  | { $bigint: string }
  | { $date: number }
  | { $bytes: string }
  | { $undefined: true }
  | { $object: Record<string, unknown> };

const skipped = (value: unknown): boolean => typeof value === 'function' || value instanceof Promise;

/** A JSON-ready copy of `value`. */
export const toJsonState = (value: unknown): unknown => {
  if (value === undefined) return { $undefined: true } satisfies Tagged;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return { $bigint: value.toString() } satisfies Tagged;
  if (value instanceof Date) return { $date: value.getTime() } satisfies Tagged;
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') } satisfies Tagged;
  if (value instanceof Map) {
    return {
      $map: [...value].filter(([, v]) => !skipped(v)).map(([k, v]) => [toJsonState(k), toJsonState(v)]),
    } satisfies Tagged;
  }
  if (value instanceof Set)
    return { $set: [...value].filter((v) => !skipped(v)).map(toJsonState) } satisfies Tagged;
  if (Array.isArray(value)) return value.map(toJsonState);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!skipped(v)) out[k] = toJsonState(v);
    // A plain object whose own keys look like a tag is wrapped, so it reads back as itself.
    const keys = Object.keys(out);
    return keys.some((k) => k.startsWith('$')) ? ({ $object: out } satisfies Tagged) : out;
  }
  return undefined;
};

/** The value {@link toJsonState} wrote. */
export const fromJsonState = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(fromJsonState);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if ('$map' in v)
    return new Map((v.$map as [unknown, unknown][]).map(([k, x]) => [fromJsonState(k), fromJsonState(x)]));
  if ('$set' in v) return new Set((v.$set as unknown[]).map(fromJsonState));
  if ('$bigint' in v) return BigInt(v.$bigint as string);
  if ('$date' in v) return new Date(v.$date as number);
  if ('$bytes' in v) return Buffer.from(v.$bytes as string, 'base64');
  if ('$undefined' in v) return undefined;
  const source = '$object' in v ? (v.$object as Record<string, unknown>) : v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(source)) out[k] = fromJsonState(x);
  return out;
};
