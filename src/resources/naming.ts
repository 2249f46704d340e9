import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../errors.js';

/** Every resource name starts with this, so leftovers can be found by name as well as by tag. */
export const NAME_PREFIX = 'eventprobe-';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `length` random base-36 characters. */
export const randomId = (length: number): string => {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 36];
  return out;
};

/** A new run id: time-ordered and unique enough for parallel runs (`m3x9k2-a8f3d1`). */
export const newRunId = (now: number): string => `${now.toString(36)}-${randomId(6)}`;

/** A new listener id: 16 base-36 characters, starting with a letter (valid in every AWS name). */
export const newListenerId = (): string => `l${randomId(15)}`;

/** Checks a run id a user passes: it goes into tags, so letters, digits, `-`, `_`, `.`, at most 64. */
export const validateRunId = (runId: unknown): string => {
  if (typeof runId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(runId)) {
    throw new InvalidInputError(
      `runId must be 1 to 64 letters, digits, "-", "_" or "." (got ${JSON.stringify(runId)}).`,
      'runId',
    );
  }
  return runId;
};

/**
 * The name of a listener's queue, rule or subscription: `eventprobe-<listenerId>`. Fits every limit
 * that applies (SQS 80, EventBridge rules 64, SNS/Kinesis 256).
 */
export const resourceName = (listenerId: string): string => `${NAME_PREFIX}${listenerId}`;

/** The listener id in a resource name made by `resourceName`, if it is one. */
export const listenerIdFromName = (name: string): string | undefined => {
  if (!name.startsWith(NAME_PREFIX)) return undefined;
  const id = name.slice(NAME_PREFIX.length);
  return /^l[0-9a-z]{15}$/.test(id) ? id : undefined;
};

/**
 * The target id of a listener's queue on the listener's own rule. Fixed, so cleanup can remove the
 * target without listing the rule's targets first (it falls back to listing when it differs).
 */
export const LISTENER_TARGET_ID = 'eventprobe-queue';
