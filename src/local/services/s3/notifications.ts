import { randomBytes } from 'node:crypto';
import { debuglog } from 'node:util';
import type { Operation } from '../../core/context.js';
import type { Emulator } from '../../core/emulator.js';
import { invokeAsEventTarget } from '../lambda/event-target.js';
import { deliverToQueue } from '../sqs/delivery.js';
import {
  type Bucket,
  bucketArn,
  type FilterRule,
  getBucket,
  invalidArgument,
  type NotificationConfig,
  type NotificationTarget,
  nextSequencer,
  type S3Ctx,
  type S3Result,
  type S3State,
  str,
} from './state.js';

const log = debuglog('eventprobe:s3');

type Op = Operation<S3State>;

/** The event types S3 accepts in a notification configuration. */
const EVENT_TYPES = new Set([
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:Replication:*',
  's3:ReducedRedundancyLostObject',
]);

const KINDS = [
  { kind: 'queue', list: 'QueueConfigurations', arn: 'QueueArn' },
  { kind: 'topic', list: 'TopicConfigurations', arn: 'TopicArn' },
  { kind: 'lambda', list: 'LambdaFunctionConfigurations', arn: 'LambdaFunctionArn' },
] as const;

const readRules = (filter: unknown): FilterRule[] => {
  const rules = (filter as { Key?: { FilterRules?: unknown } } | undefined)?.Key?.FilterRules;
  if (!Array.isArray(rules)) return [];
  const seen = new Set<string>();
  return rules.map((r: { Name?: unknown; Value?: unknown }) => {
    const name = String(r.Name ?? '').toLowerCase();
    if (name !== 'prefix' && name !== 'suffix') {
      throw invalidArgument(
        'filter rule name must be either prefix or suffix',
        'FilterRule.Name',
        String(r.Name),
      );
    }
    if (seen.has(name)) {
      throw invalidArgument('Cannot specify more than one prefix rule in a filter.', 'FilterRule.Name', name);
    }
    seen.add(name);
    return { Name: name, Value: String(r.Value ?? '') };
  });
};

/** Validates a NotificationConfiguration (SDK shape) into the stored form. */
export const readNotificationConfig = (config: Record<string, unknown>): NotificationConfig => {
  const targets: NotificationTarget[] = [];
  for (const { kind, list, arn } of KINDS) {
    const entries = Array.isArray(config[list]) ? (config[list] as Record<string, unknown>[]) : [];
    for (const entry of entries) {
      const target = str(entry[arn]);
      const events = Array.isArray(entry.Events) ? entry.Events.map(String) : [];
      if (target === undefined || !/^arn:aws[\w-]*:(sqs|sns|lambda):/.test(target)) {
        throw invalidArgument('The ARN is not well formed', arn, String(target));
      }
      if (events.length === 0) throw invalidArgument('At least one event must be specified', 'Event', '');
      for (const e of events) {
        if (!EVENT_TYPES.has(e))
          throw invalidArgument('The event is not supported for notifications', 'Event', e);
      }
      targets.push({
        kind,
        id: str(entry.Id) ?? randomBytes(16).toString('hex'),
        arn: target,
        events,
        rules: readRules(entry.Filter),
      });
    }
  }
  return {
    targets,
    eventBridge: config.EventBridgeConfiguration !== undefined && config.EventBridgeConfiguration !== null,
  };
};

const isoMillis = (ms: number): string => new Date(ms).toISOString();

const regionOf = (arn: string): string => arn.split(':')[3] ?? 'us-east-1';

/** Sends a message body to an SQS queue as s3.amazonaws.com (the queue policy must allow it). */
const toQueue = (emulator: Emulator, bucket: Bucket, arn: string, body: string) =>
  deliverToQueue(
    emulator,
    arn,
    { body },
    { principal: 's3.amazonaws.com', sourceArn: bucketArn(bucket.name) },
  );

const toTopic = (emulator: Emulator, arn: string, message: string) =>
  emulator.invoke(
    'sns',
    'Publish',
    { TopicArn: arn, Message: message, Subject: 'Amazon S3 Notification' },
    { region: regionOf(arn) },
  );

const testEvent = (ctx: S3Ctx, bucket: Bucket): string =>
  JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: isoMillis(ctx.emulator.now()),
    Bucket: bucket.name,
    RequestId: ctx.requestId,
    HostId: randomBytes(24).toString('base64'),
  });

export const putBucketNotificationConfiguration: Op = async (input, ctx): Promise<S3Result> => {
  const bucket = getBucket(ctx, input);
  const raw = input.NotificationConfiguration;
  if (raw === null || typeof raw !== 'object') throw invalidArgument('NotificationConfiguration is required');
  const config = readNotificationConfig(raw as Record<string, unknown>);
  // S3 validates every destination by sending it a test event; a queue whose policy does not let
  // s3.amazonaws.com send, or a topic that does not exist, fails the whole configuration.
  const failed: string[] = [];
  const known = new Set(bucket.notification.targets.map((t) => t.arn));
  for (const target of config.targets) {
    if (target.kind === 'queue') {
      if (known.has(target.arn)) continue;
      const result = toQueue(ctx.emulator, bucket, target.arn, testEvent(ctx, bucket));
      if (!result.ok) failed.push(target.arn);
    } else if (target.kind === 'topic') {
      try {
        if (!known.has(target.arn)) await toTopic(ctx.emulator, target.arn, testEvent(ctx, bucket));
      } catch {
        failed.push(target.arn);
      }
    }
  }
  if (failed.length > 0) {
    throw invalidArgument(
      'Unable to validate the following destination configurations',
      failed[0] as string,
      'Permissions on the destination queue do not allow S3 to publish notifications from this bucket',
    );
  }
  bucket.notification = config;
  return {};
};

const filterXml = (rules: readonly FilterRule[]) =>
  rules.length === 0
    ? undefined
    : { S3Key: { FilterRule: rules.map((r) => ({ Name: r.Name, Value: r.Value })) } };

export const getBucketNotificationConfiguration: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const of = (kind: NotificationTarget['kind'], arnElement: string) =>
    bucket.notification.targets
      .filter((t) => t.kind === kind)
      .map((t) => ({ Id: t.id, [arnElement]: t.arn, Event: [...t.events], Filter: filterXml(t.rules) }));
  return {
    Xml: {
      root: 'NotificationConfiguration',
      value: {
        TopicConfiguration: of('topic', 'Topic'),
        QueueConfiguration: of('queue', 'Queue'),
        CloudFunctionConfiguration: of('lambda', 'CloudFunction'),
        EventBridgeConfiguration: bucket.notification.eventBridge ? {} : undefined,
      },
    },
  };
};

/** Does a configured event type (`s3:ObjectCreated:*`) cover an event (`ObjectCreated:Put`)? */
const covers = (pattern: string, eventName: string): boolean => {
  const p = pattern.replace(/^s3:/, '');
  return p.endsWith(':*') ? eventName.startsWith(p.slice(0, -1)) : p === eventName;
};

const matchesRules = (rules: readonly FilterRule[], key: string): boolean =>
  rules.every((r) => (r.Name === 'prefix' ? key.startsWith(r.Value) : key.endsWith(r.Value)));

/** S3 encodes keys in event records like an HTML form: space as `+`, `/` kept, the rest percent-encoded. */
const formEncode = (key: string): string =>
  encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface EventObject {
  readonly key: string;
  readonly body?: Buffer;
  readonly etag?: string;
}

const eventBridgeDetailType = (eventName: string): string | undefined => {
  if (eventName.startsWith('ObjectCreated:')) return 'Object Created';
  if (eventName.startsWith('ObjectRemoved:')) return 'Object Deleted';
  if (eventName === 'ObjectTagging:Put') return 'Object Tags Added';
  if (eventName === 'ObjectTagging:Delete') return 'Object Tags Deleted';
  return undefined;
};

const fail = (what: string) => (err: unknown) => log('%s failed: %s', what, (err as Error)?.message ?? err);

/**
 * Delivers an object event to the bucket's matching destinations (SQS, SNS, Lambda) in the S3
 * event record shape, and to EventBridge's default bus when the bucket has EventBridge on.
 * Delivery happens after the operation's response is computed, as S3's is asynchronous.
 */
export const notifyObjectEvent = (
  ctx: S3Ctx,
  bucket: Bucket,
  eventName: string,
  reason: string,
  object: EventObject,
): void => {
  const { targets, eventBridge } = bucket.notification;
  if (targets.length === 0 && !eventBridge) return;
  const sequencer = nextSequencer(bucket);
  const now = ctx.emulator.now();
  const created = eventName.startsWith('ObjectCreated') || eventName.startsWith('ObjectTagging');
  const size = object.body?.length;
  const etag = object.etag?.replaceAll('"', '');
  const record = (configurationId: string) => ({
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: bucket.region,
    eventTime: isoMillis(now),
    eventName,
    userIdentity: { principalId: `AWS:${ctx.accountId}` },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': ctx.requestId, 'x-amz-id-2': randomBytes(24).toString('base64') },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: {
        name: bucket.name,
        ownerIdentity: { principalId: ctx.accountId },
        arn: bucketArn(bucket.name),
      },
      object: {
        key: formEncode(object.key),
        ...(created && size !== undefined ? { size, eTag: etag } : {}),
        sequencer,
      },
    },
  });
  const { emulator } = ctx;
  setImmediate(() => {
    if (emulator.closing.aborted) return;
    for (const target of targets) {
      if (!target.events.some((e) => covers(e, eventName)) || !matchesRules(target.rules, object.key))
        continue;
      const body = JSON.stringify({ Records: [record(target.id)] });
      if (target.kind === 'queue') {
        const result = toQueue(emulator, bucket, target.arn, body);
        if (!result.ok) log('S3 event to %s dropped: %s', target.arn, result.message);
      } else if (target.kind === 'topic') {
        toTopic(emulator, target.arn, body).catch(fail(`S3 event to ${target.arn}`));
      } else {
        // Lambda destinations: an asynchronous invoke (queued, retried and sent on to the
        // function's on-failure destination as Lambda does); a missing function drops the event.
        void invokeAsEventTarget(emulator, target.arn, body, {
          onDropped: fail(`S3 event to ${target.arn}`),
        });
      }
    }
    const detailType = eventBridgeDetailType(eventName);
    if (eventBridge && detailType) {
      const detail = {
        version: '0',
        bucket: { name: bucket.name },
        object: { key: object.key, ...(created && size !== undefined ? { size, etag } : {}), sequencer },
        'request-id': ctx.requestId,
        requester: ctx.accountId,
        'source-ip-address': '127.0.0.1',
        reason,
        ...(eventName.startsWith('ObjectRemoved') ? { 'deletion-type': 'Permanently Deleted' } : {}),
      };
      emulator
        .invoke(
          'events',
          'PutEvents',
          {
            Entries: [
              {
                Source: 'aws.s3',
                DetailType: detailType,
                Detail: JSON.stringify(detail),
                Resources: [bucketArn(bucket.name)],
                EventBusName: 'default',
              },
            ],
          },
          { region: bucket.region },
        )
        .catch(fail('S3 event to EventBridge'));
    }
  });
};
