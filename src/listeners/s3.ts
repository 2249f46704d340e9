/**
 * S3 object events through S3's EventBridge notifications: a temporary rule on the default bus
 * (the EventBridge listener's setup, so it is tagged and removed like every listener) matching the
 * bucket, key prefix/suffix and event types. The bucket's notification configuration is only read.
 */
import { GetBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import type { ListenerContext } from '../context.js';
import { type EventProbeErrorOptions, InvalidInputError, ListenerSetupError } from '../errors.js';
import { type Tags, validateUserTags } from '../resources/tags.js';
import { errorName, retry, sendOptions } from '../wait/index.js';
import { errorMessage } from './errors.js';
import { createEventBridgeListener, type ReadinessOptions } from './eventbridge.js';
import type { QueueListener } from './listener.js';
import type { EventBridgeEvent } from './types.js';

/** The `detail` of an S3 event on EventBridge. */
export interface S3EventDetail {
  readonly version: string;
  readonly bucket: { readonly name: string };
  readonly object: {
    readonly key: string;
    readonly size?: number;
    readonly etag?: string;
    readonly 'version-id'?: string;
    readonly sequencer?: string;
  };
  readonly 'request-id'?: string;
  readonly requester?: string;
  readonly reason?: string;
  readonly 'deletion-type'?: string;
}

/** An S3 object event as EventBridge delivers it. */
export type S3Event = EventBridgeEvent<S3EventDetail>;

/** Short names of the S3 event types, or EventBridge's own detail types (e.g. `Object Restore Completed`). */
export type S3EventType = 'created' | 'deleted' | `Object ${string}`;

export interface AddS3ListenerOptions {
  /** The bucket. It must send events to EventBridge (see {@link S3EventBridgeNotEnabledError}). Required. */
  readonly bucket: string;
  /** Only keys starting with this. Default: every key. */
  readonly prefix?: string;
  /** Only keys ending with this. Default: every key. */
  readonly suffix?: string;
  /** Which events: `created` (Object Created), `deleted` (Object Deleted), or detail types. Default `['created', 'deleted']`. */
  readonly events?: readonly S3EventType[];
  /** Tags for the listener's rule and queue, on top of the probe's tags. Default `{}`. */
  readonly tags?: Tags;
  /** As for `addListener`: wait until the new rule delivers. Default as `addListener`. */
  readonly readiness?: ReadinessOptions | 'auto' | 'off';
  /** Cancels the setup; what was created is removed. */
  readonly signal?: AbortSignal;
}

/** The bucket does not send events to EventBridge. Nothing was created. */
export class S3EventBridgeNotEnabledError extends InvalidInputError {
  constructor(
    readonly bucket: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `Bucket ${bucket} does not send events to Amazon EventBridge, so the S3 listener would see nothing. ` +
        `Turn it on where the bucket is defined: CloudFormation/SAM NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } }, ` +
        `CDK new s3.Bucket(this, 'B', { eventBridgeEnabled: true }), or ` +
        `\`aws s3api put-bucket-notification-configuration --bucket ${bucket} --notification-configuration '{"EventBridgeConfiguration":{}}'\` ` +
        '(that call replaces the whole configuration: include the existing ones). eventprobe does not change it for you: ' +
        "the notification configuration is one document per bucket, owned by the app's deployment, and rewriting it would race with that deployment and could drop the app's own notifications.",
      'bucket',
      options,
    );
  }
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SHORT: Record<string, string> = { created: 'Object Created', deleted: 'Object Deleted' };

const escapeWildcard = (s: string): string => s.replace(/[\\*]/g, (c) => `\\${c}`);

const optionalKeyPart = (value: unknown, option: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
    throw new InvalidInputError(
      `${option} must be a non-empty string of at most 1024 characters, got ${JSON.stringify(value)}.`,
      option,
    );
  }
  return value;
};

/** The listener rule's pattern for the options (validated). */
export const s3EventPattern = (options: AddS3ListenerOptions): Record<string, unknown> => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('addS3Listener takes an options object with a bucket.', 'options');
  }
  if (typeof options.bucket !== 'string' || !BUCKET.test(options.bucket)) {
    throw new InvalidInputError(
      `bucket must be a bucket name (3-63 lower-case letters, digits, . -), got ${JSON.stringify(options.bucket)}.`,
      'bucket',
    );
  }
  validateUserTags(options.tags, 'tags');
  const prefix = optionalKeyPart(options.prefix, 'prefix');
  const suffix = optionalKeyPart(options.suffix, 'suffix');
  const events = options.events ?? ['created', 'deleted'];
  if (
    !Array.isArray(events) ||
    events.length === 0 ||
    !events.every((e) => typeof e === 'string' && (e in SHORT || /^Object [A-Z][A-Za-z ]+$/.test(e)))
  ) {
    throw new InvalidInputError(
      `events must be a non-empty list of 'created', 'deleted' or S3 detail types like 'Object Restore Completed', got ${JSON.stringify(events)}.`,
      'events',
    );
  }
  const key =
    prefix !== undefined && suffix !== undefined
      ? [{ wildcard: `${escapeWildcard(prefix)}*${escapeWildcard(suffix)}` }]
      : prefix !== undefined
        ? [{ prefix }]
        : suffix !== undefined
          ? [{ suffix }]
          : undefined;
  return {
    source: ['aws.s3'],
    'detail-type': [...new Set(events.map((e) => SHORT[e] ?? e))],
    detail: { bucket: { name: [options.bucket] }, ...(key ? { object: { key } } : {}) },
  };
};

/** Refuses a bucket that does not send events to EventBridge (only reads its configuration). */
const checkBucket = async (
  ctx: ListenerContext,
  bucket: string,
  signal: AbortSignal | undefined,
): Promise<void> => {
  const command = new GetBucketNotificationConfigurationCommand({ Bucket: bucket });
  let config: { EventBridgeConfiguration?: unknown };
  try {
    config = await retry(() => ctx.clients.get('s3').send(command, sendOptions(signal)), {
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (errorName(error) === 'NoSuchBucket') {
      throw new InvalidInputError(
        `Bucket ${bucket} does not exist (or these credentials cannot see it).`,
        'bucket',
        { cause: error },
      );
    }
    throw new ListenerSetupError(
      `Could not read the notification configuration of bucket ${bucket}: ${errorMessage(error)}. Nothing was created.`,
      [],
      { cause: error },
    );
  }
  if (config.EventBridgeConfiguration === undefined) throw new S3EventBridgeNotEnabledError(bucket);
};

/**
 * Creates an S3 listener: checks that the bucket sends events to EventBridge, then attaches an
 * EventBridge listener (new rule + queue, tagged) on the default bus with the S3 pattern.
 */
export const createS3Listener = async (
  ctx: ListenerContext,
  options: AddS3ListenerOptions,
): Promise<QueueListener<S3EventDetail, S3Event>> => {
  const eventPattern = s3EventPattern(options);
  options.signal?.throwIfAborted();
  await checkBucket(ctx, options.bucket, options.signal);
  return createEventBridgeListener<S3EventDetail, S3Event>(ctx, {
    eventBusName: 'default',
    eventPattern,
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
};
