import { InvalidInputError } from '../errors.js';

/** Every resource eventprobe creates carries these tags. The marker is what makes a resource deletable. */
export const TAG_MARKER = 'eventprobe:managed';
export const TAG_LISTENER_ID = 'eventprobe:listener-id';
export const TAG_RUN_ID = 'eventprobe:run-id';
export const TAG_CREATED_AT = 'eventprobe:created-at';
/** The marker tag's value. */
export const MARKER_VALUE = 'true';

/** Tag key prefixes a user may not use (eventprobe's own, and AWS's reserved one). */
const RESERVED_PREFIXES = ['eventprobe:', 'aws:'];
/** AWS's limit of tags per resource (SQS, EventBridge, SNS, Kinesis). */
export const MAX_TAGS = 50;
const SYSTEM_TAG_COUNT = 4;
/** How many tags a user may add to eventprobe's own. */
export const MAX_USER_TAGS = MAX_TAGS - SYSTEM_TAG_COUNT;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
// Allowed by every service eventprobe tags: letters, digits, spaces and _ . : / = + - @
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export type Tags = Readonly<Record<string, string>>;

/**
 * Checks user tags against AWS's rules and eventprobe's reserved keys, so a bad tag fails before
 * anything is created. `option` names the option in the error (e.g. `tags`).
 */
export const validateUserTags = (tags: unknown, option = 'tags'): Tags => {
  if (tags === undefined) return {};
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    throw new InvalidInputError(`${option} must be an object of string keys to string values.`, option);
  }
  const entries = Object.entries(tags);
  if (entries.length > MAX_USER_TAGS) {
    throw new InvalidInputError(
      `${option} has ${entries.length} tags; at most ${MAX_USER_TAGS} are allowed (AWS allows ${MAX_TAGS} per resource and eventprobe uses ${SYSTEM_TAG_COUNT}). Remove ${entries.length - MAX_USER_TAGS}.`,
      option,
    );
  }
  for (const [key, value] of entries) {
    const where = `${option}[${JSON.stringify(key)}]`;
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new InvalidInputError(
        `Tag key ${JSON.stringify(key)} must be 1 to ${MAX_KEY_LENGTH} characters long.`,
        where,
      );
    }
    const reserved = RESERVED_PREFIXES.find((p) => key.toLowerCase().startsWith(p));
    if (reserved) {
      throw new InvalidInputError(
        `Tag key ${JSON.stringify(key)} uses the reserved prefix "${reserved}". Choose a key without it.`,
        where,
      );
    }
    if (typeof value !== 'string') {
      throw new InvalidInputError(
        `Tag ${JSON.stringify(key)} must have a string value, got ${typeof value}.`,
        where,
      );
    }
    if (value.length > MAX_VALUE_LENGTH) {
      throw new InvalidInputError(
        `Tag ${JSON.stringify(key)} has a value of ${value.length} characters; at most ${MAX_VALUE_LENGTH} are allowed.`,
        where,
      );
    }
    if (!TAG_CHARS.test(key) || !TAG_CHARS.test(value)) {
      throw new InvalidInputError(
        `Tag ${JSON.stringify(key)} has characters AWS does not allow in tags. Use letters, digits, spaces and _ . : / = + - @.`,
        where,
      );
    }
  }
  return { ...(tags as Tags) };
};

/** The full tag set of a resource: eventprobe's system tags plus the user's (validated before). */
export const resourceTags = (input: {
  readonly listenerId: string;
  readonly runId: string;
  readonly createdAt: Date;
  readonly userTags: Tags;
}): Record<string, string> => ({
  ...input.userTags,
  [TAG_MARKER]: MARKER_VALUE,
  [TAG_LISTENER_ID]: input.listenerId,
  [TAG_RUN_ID]: input.runId,
  [TAG_CREATED_AT]: input.createdAt.toISOString(),
});

/** True when the tags say eventprobe created the resource. The only test before anything is deleted. */
export const isManaged = (tags: Tags | undefined): boolean => tags?.[TAG_MARKER] === MARKER_VALUE;
