import type { Target } from '@aws-sdk/client-eventbridge';
import { validateEventPattern } from '../events/pattern.js';

/** Source of the events automatic readiness puts: only the listener's own rule matches them. */
export const READINESS_SOURCE = 'eventprobe.readiness';

/** EventBridge's limit on a rule's EventPattern, in characters. */
const MAX_PATTERN_LENGTH = 4096;

/** A field path the readiness event can set: `$.detail.a.b` → `['a', 'b']`. */
const DETAIL_PATH = /^\$\.detail((?:\.[A-Za-z0-9_-]+)+)$/;
/** Paths that show the whole event, the whole detail or the detail-type (which carry the marker anyway). */
const MARKED_PATHS = new Set(['$', '$.detail', '$.detail-type']);

/** What automatic readiness changes: the listener rule's pattern, and the event it puts. */
export interface AutoReadiness {
  /** `{"$or": [copied pattern, marker]}`: the rule matches what it should, and the readiness event. */
  readonly eventPattern: string;
  readonly event: {
    readonly source: string;
    readonly detailType: string;
    readonly detail: Record<string, unknown>;
  };
}

/**
 * Automatic readiness (`readiness: 'auto'`): the listener's rule also matches a marker event (source
 * `eventprobe.readiness`, detail-type the token) that no other rule matches, so eventprobe can put
 * it without the system under test seeing it. The copied target transformation must let the token
 * through: the event sets the token at every `$.detail...` path the transformation reads. Undefined
 * when it cannot (a constant Input, a transformation showing none of those fields) or when the
 * combined pattern would be refused: the listener is then returned without readiness, as before.
 */
export const autoReadiness = (
  eventPattern: string,
  token: string,
  target: Pick<Target, 'Input' | 'InputPath' | 'InputTransformer'>,
): AutoReadiness | undefined => {
  if (target.Input !== undefined) return undefined;
  const detail: Record<string, unknown> = { 'eventprobe-readiness': token };
  const transformer = target.InputTransformer;
  const paths = transformer
    ? Object.entries(transformer.InputPathsMap ?? {})
        .filter(([name]) => (transformer.InputTemplate ?? '').includes(`<${name}>`))
        .map(([, path]) => path)
    : target.InputPath === undefined
      ? ['$']
      : [target.InputPath];
  let visible = transformer?.InputTemplate?.includes('<aws.events.event') === true;
  for (const path of paths) {
    if (MARKED_PATHS.has(path)) visible = true;
    const keys = DETAIL_PATH.exec(path)?.[1]?.slice(1).split('.');
    if (keys && setPath(detail, keys, token)) visible = true;
  }
  if (!visible) return undefined;
  const marker = { source: [READINESS_SOURCE], 'detail-type': [token] };
  const combined = JSON.stringify({ $or: [JSON.parse(eventPattern), marker] });
  if (combined.length > MAX_PATTERN_LENGTH) return undefined;
  try {
    validateEventPattern(combined);
  } catch {
    return undefined;
  }
  return { eventPattern: combined, event: { source: READINESS_SOURCE, detailType: token, detail } };
};

/** Sets `value` at `keys` in `object`; false when another value already sits on that path. */
const setPath = (object: Record<string, unknown>, keys: readonly string[], value: string): boolean => {
  let at = object;
  for (const [i, key] of keys.entries()) {
    if (i === keys.length - 1) {
      if (Object.hasOwn(at, key)) return at[key] === value;
      at[key] = value;
      return true;
    }
    const next = at[key] ?? {};
    if (typeof next !== 'object' || next === null) return false;
    at[key] = next;
    at = next as Record<string, unknown>;
  }
  /* v8 ignore next -- DETAIL_PATH always yields at least one key */
  return false;
};
