/**
 * Input coercion shared by every service: wire inputs are plain JSON (or strings from the query
 * protocol), and operations read them through these rather than trusting their types.
 */

/** The value when it is a string, else undefined. */
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Any scalar as text (query-protocol numbers and booleans arrive as strings; JSON ones do not). */
export const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** The strings of a list; anything else in it, or a non-list, is dropped. */
export const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** A string→string map: non-string values become `''` (or their text, with `stringify`). */
export const strMap = (value: unknown, stringify = false): Record<string, string> => {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (!stringify) out[k] = '';
    else if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
};

/** A number, from a JSON number or a numeric string; undefined when absent or not a number. */
export const num = (value: unknown): number | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
};

/** `true`/`"true"` (any case) → true; everything else false. */
export const bool = (value: unknown): boolean => value === true || String(value).toLowerCase() === 'true';

/** A plain object (not an array, not null), or undefined. */
export const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
