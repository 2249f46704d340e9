import { InvalidInputError } from '../errors.js';
import { MAX_USER_TAGS, type Tags, validateUserTags } from '../resources/tags.js';

/** Listener queues keep messages for 1 hour: long enough for any test, short for leftovers. */
const QUEUE_RETENTION_SECONDS = 3600;

/** The service that delivers to a listener queue. */
export type DeliveringService = 'events.amazonaws.com' | 'sns.amazonaws.com';

/**
 * The user tags of a listener's resources: the probe's tags with the listener's own on top, within
 * what AWS allows next to eventprobe's system tags.
 */
export const listenerUserTags = (probeTags: Tags, own: unknown): Tags => {
  const tags = { ...probeTags, ...validateUserTags(own, 'tags') };
  if (Object.keys(tags).length > MAX_USER_TAGS) {
    throw new InvalidInputError(
      `The probe's and the listener's tags add up to ${Object.keys(tags).length}; at most ${MAX_USER_TAGS} are allowed. Remove some.`,
      'tags',
    );
  }
  return tags;
};

/** A listener queue's policy: only `service` may send, only sqs:SendMessage, only from `sourceArn`. */
export const listenerQueuePolicy = (
  service: DeliveringService,
  queueArn: string,
  sourceArn: string,
): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'eventprobe-listener',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
      },
    ],
  });

/** The attributes of a new listener queue: its policy, server-side encryption, short retention. */
export const listenerQueueAttributes = (
  service: DeliveringService,
  queueArn: string,
  sourceArn: string,
): Record<string, string> => ({
  Policy: listenerQueuePolicy(service, queueArn, sourceArn),
  SqsManagedSseEnabled: 'true',
  MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
});
