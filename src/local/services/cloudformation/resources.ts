/**
 * Resource providers: how each supported resource type is created, updated and deleted by
 * calling the other emulated services' operations (so their semantics stay in one place).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { AwsError } from '../../core/errors.js';
import { DEFAULT_ATTRIBUTES } from '../sqs/model.js';
import { cdkMetadata } from './providers/cdk.js';
import { dynamodbTable } from './providers/dynamodb.js';
import { iamManagedPolicy, iamPolicy, iamRole } from './providers/iam.js';
import {
  arn,
  compact,
  type Deployed,
  generatedName,
  ignoreNotFound,
  isTrue,
  type ProviderContext,
  type ResourceProvider,
  str,
  tagList,
  tagMap,
} from './providers/kit.js';
import { lambdaProviders } from './providers/lambda.js';
import { logGroup } from './providers/logs.js';
import { s3Bucket, s3BucketPolicy } from './providers/s3.js';
import { stateMachineProvider } from './providers/stepfunctions.js';

export type { Deployed, ProviderContext, ResourceProvider } from './providers/kit.js';
export { generatedName } from './providers/kit.js';

// ---------------------------------------------------------------------------------------------
// SQS

const QUEUE_ATTRIBUTES = [
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoThroughputLimit',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'VisibilityTimeout',
];

const queueAttributes = (props: Record<string, unknown>, forCreate: boolean): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) {
    const value = str(props[name]);
    if (value !== undefined) out[name] = value;
  }
  if (forCreate && isTrue(props.FifoQueue)) out.FifoQueue = 'true';
  return out;
};

const queueDeployed = (ctx: ProviderContext, url: string): Deployed => {
  const name = url.slice(url.lastIndexOf('/') + 1);
  return {
    physicalId: url,
    ref: url,
    attributes: { Arn: arn(ctx, 'sqs', name), QueueName: name, QueueUrl: url },
  };
};

const sqsQueue: ResourceProvider = {
  service: 'sqs',
  nameProperty: 'QueueName',
  replaceOn: ['QueueName', 'FifoQueue'],
  async create(props, ctx) {
    const fifo = isTrue(props.FifoQueue);
    const name = str(props.QueueName) ?? generatedName(ctx.stackName, ctx.logicalId, 80, fifo ? '.fifo' : '');
    const attributes = queueAttributes(props, true);
    const out = await ctx.invoke(
      'sqs',
      'CreateQueue',
      compact({
        QueueName: name,
        Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
        tags: tagMap(tagList(props, ctx)),
      }),
    );
    return queueDeployed(ctx, String(out.QueueUrl));
  },
  async update(current, props, previous, ctx) {
    const attributes = queueAttributes(props, false);
    // Attributes that were removed go back to their defaults.
    // SQS's own defaults (a private copy here had drifted from them), and no redrive.
    const defaults: Record<string, string> = { ...DEFAULT_ATTRIBUTES, RedrivePolicy: '' };
    for (const [name, value] of Object.entries(queueAttributes(previous, false))) {
      if (attributes[name] === undefined && value !== undefined && defaults[name] !== undefined) {
        attributes[name] = defaults[name];
      }
    }
    if (Object.keys(attributes).length > 0) {
      await ctx.invoke('sqs', 'SetQueueAttributes', { QueueUrl: current.physicalId, Attributes: attributes });
    }
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(ctx.invoke('sqs', 'DeleteQueue', { QueueUrl: current.physicalId }));
  },
};

const queueUrls = (props: Record<string, unknown>): string[] =>
  Array.isArray(props.Queues) ? props.Queues.map(String) : [];

const sqsQueuePolicy: ResourceProvider = {
  service: 'sqs',
  replaceOn: [],
  async create(props, ctx) {
    const policy = str(props.PolicyDocument) ?? '';
    for (const url of queueUrls(props)) {
      await ctx.invoke('sqs', 'SetQueueAttributes', { QueueUrl: url, Attributes: { Policy: policy } });
    }
    const id = generatedName(ctx.stackName, ctx.logicalId, 128);
    return { physicalId: id, ref: id, attributes: { Id: id } };
  },
  async update(current, props, previous, ctx) {
    const now = new Set(queueUrls(props));
    for (const url of queueUrls(previous)) {
      if (!now.has(url)) {
        await ignoreNotFound(
          ctx.invoke('sqs', 'SetQueueAttributes', { QueueUrl: url, Attributes: { Policy: '' } }),
        );
      }
    }
    await sqsQueuePolicy.create(props, ctx);
    return current;
  },
  async delete(_current, props, ctx) {
    for (const url of queueUrls(props)) {
      await ignoreNotFound(
        ctx.invoke('sqs', 'SetQueueAttributes', { QueueUrl: url, Attributes: { Policy: '' } }),
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// SNS

const TOPIC_ATTRIBUTES = [
  'ArchivePolicy',
  'ContentBasedDeduplication',
  'DisplayName',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
];

const topicAttributes = (props: Record<string, unknown>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const name of TOPIC_ATTRIBUTES) {
    const value = str(props[name]);
    if (value !== undefined) out[name] = value;
  }
  return out;
};

type InlineSubscription = { Protocol: string; Endpoint: string };

const inlineSubscriptions = (props: Record<string, unknown>): InlineSubscription[] =>
  Array.isArray(props.Subscription)
    ? (props.Subscription as Record<string, unknown>[]).map((s) => ({
        Protocol: String(s.Protocol),
        Endpoint: String(s.Endpoint),
      }))
    : [];

const subKey = (s: InlineSubscription): string => `${s.Protocol}|${s.Endpoint}`;

const subscribeAll = async (ctx: ProviderContext, topicArn: string, subs: readonly InlineSubscription[]) => {
  for (const s of subs) {
    await ctx.invoke('sns', 'Subscribe', { TopicArn: topicArn, ...s, ReturnSubscriptionArn: true });
  }
};

const snsTopic: ResourceProvider = {
  service: 'sns',
  nameProperty: 'TopicName',
  replaceOn: ['TopicName', 'FifoTopic'],
  async create(props, ctx) {
    const fifo = isTrue(props.FifoTopic);
    const name =
      str(props.TopicName) ?? generatedName(ctx.stackName, ctx.logicalId, 256, fifo ? '.fifo' : '');
    const attributes = topicAttributes(props);
    if (fifo) attributes.FifoTopic = 'true';
    const tags = tagList(props, ctx);
    const out = await ctx.invoke(
      'sns',
      'CreateTopic',
      compact({
        Name: name,
        Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
        Tags: tags.length > 0 ? tags : undefined,
      }),
    );
    const topicArn = String(out.TopicArn);
    await subscribeAll(ctx, topicArn, inlineSubscriptions(props));
    return { physicalId: topicArn, ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
  },
  async update(current, props, previous, ctx) {
    const before = topicAttributes(previous);
    const after = topicAttributes(props);
    for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (before[name] !== after[name]) {
        await ctx.invoke('sns', 'SetTopicAttributes', {
          TopicArn: current.physicalId,
          AttributeName: name,
          AttributeValue: after[name] ?? '',
        });
      }
    }
    const had = new Set(inlineSubscriptions(previous).map(subKey));
    const wanted = inlineSubscriptions(props);
    const keep = new Set(wanted.map(subKey));
    await subscribeAll(
      ctx,
      current.physicalId,
      wanted.filter((s) => !had.has(subKey(s))),
    );
    if ([...had].some((k) => !keep.has(k))) {
      const listed = await ctx.invoke('sns', 'ListSubscriptionsByTopic', { TopicArn: current.physicalId });
      const subs = (listed.Subscriptions ?? []) as Record<string, string>[];
      for (const s of subs) {
        const key = `${s.Protocol}|${s.Endpoint}`;
        if (had.has(key) && !keep.has(key)) {
          await ignoreNotFound(ctx.invoke('sns', 'Unsubscribe', { SubscriptionArn: s.SubscriptionArn }));
        }
      }
    }
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(ctx.invoke('sns', 'DeleteTopic', { TopicArn: current.physicalId }));
  },
};

const SUBSCRIPTION_ATTRIBUTES = [
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'ReplayPolicy',
];

const subscriptionAttributes = (props: Record<string, unknown>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const name of SUBSCRIPTION_ATTRIBUTES) {
    const value = str(props[name]);
    if (value !== undefined) out[name] = value;
  }
  return out;
};

const snsSubscription: ResourceProvider = {
  service: 'sns',
  replaceOn: ['TopicArn', 'Protocol', 'Endpoint', 'Region'],
  async create(props, ctx) {
    const attributes = subscriptionAttributes(props);
    const out = await ctx.invoke(
      'sns',
      'Subscribe',
      compact({
        TopicArn: str(props.TopicArn),
        Protocol: str(props.Protocol),
        Endpoint: str(props.Endpoint),
        Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
        ReturnSubscriptionArn: true,
      }),
    );
    const subscriptionArn = String(out.SubscriptionArn);
    return { physicalId: subscriptionArn, ref: subscriptionArn, attributes: { Arn: subscriptionArn } };
  },
  async update(current, props, previous, ctx) {
    const before = subscriptionAttributes(previous);
    const after = subscriptionAttributes(props);
    for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (before[name] !== after[name]) {
        await ctx.invoke('sns', 'SetSubscriptionAttributes', {
          SubscriptionArn: current.physicalId,
          AttributeName: name,
          AttributeValue: after[name] ?? (name === 'RawMessageDelivery' ? 'false' : ''),
        });
      }
    }
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(ctx.invoke('sns', 'Unsubscribe', { SubscriptionArn: current.physicalId }));
  },
};

// ---------------------------------------------------------------------------------------------
// EventBridge

/** The bus name from a name or an event-bus ARN (`undefined` and `default` mean the default bus). */
const busName = (value: unknown): string => {
  const text = str(value) ?? 'default';
  const i = text.indexOf(':event-bus/');
  return i >= 0 ? text.slice(i + ':event-bus/'.length) : text;
};

const eventBus: ResourceProvider = {
  service: 'events',
  nameProperty: 'Name',
  replaceOn: ['Name', 'EventSourceName'],
  async create(props, ctx) {
    const name = str(props.Name) ?? generatedName(ctx.stackName, ctx.logicalId, 256);
    const tags = tagList(props, ctx);
    const out = await ctx.invoke(
      'events',
      'CreateEventBus',
      compact({
        Name: name,
        EventSourceName: str(props.EventSourceName),
        Description: str(props.Description),
        KmsKeyIdentifier: str(props.KmsKeyIdentifier),
        DeadLetterConfig: props.DeadLetterConfig,
        Tags: tags.length > 0 ? tags : undefined,
      }),
    );
    const busArn = str(out.EventBusArn) ?? arn(ctx, 'events', `event-bus/${name}`);
    return { physicalId: name, ref: name, attributes: { Arn: busArn, Name: name } };
  },
  async update(current, props, previous, ctx) {
    const fields = ['Description', 'KmsKeyIdentifier', 'DeadLetterConfig'];
    if (fields.some((f) => str(props[f]) !== str(previous[f]))) {
      await ctx.invoke(
        'events',
        'UpdateEventBus',
        compact({
          Name: current.physicalId,
          Description: str(props.Description),
          KmsKeyIdentifier: str(props.KmsKeyIdentifier),
          DeadLetterConfig: props.DeadLetterConfig,
        }),
      );
    }
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(ctx.invoke('events', 'DeleteEventBus', { Name: current.physicalId }));
  },
};

type Target = Record<string, unknown> & { Id: string };

const targetsOf = (props: Record<string, unknown>): Target[] =>
  Array.isArray(props.Targets)
    ? (props.Targets as Record<string, unknown>[]).map((t) => ({ ...t, Id: String(t.Id) }))
    : [];

const checkFailedEntries = (out: Record<string, unknown>, operation: string): void => {
  const failed = Number(out.FailedEntryCount ?? 0);
  if (failed > 0) {
    const entries = (out.FailedEntries ?? []) as Record<string, unknown>[];
    const detail = entries.map(
      (e) => `${String(e.TargetId)}: ${String(e.ErrorCode)} ${String(e.ErrorMessage)}`,
    );
    throw new AwsError('InvalidRequest', `${operation} failed for ${failed} target(s): ${detail.join('; ')}`);
  }
};

const putRule = async (name: string, props: Record<string, unknown>, ctx: ProviderContext) =>
  ctx.invoke(
    'events',
    'PutRule',
    compact({
      Name: name,
      EventBusName: props.EventBusName === undefined ? undefined : busName(props.EventBusName),
      EventPattern: str(props.EventPattern),
      ScheduleExpression: str(props.ScheduleExpression),
      State: str(props.State) ?? 'ENABLED',
      Description: str(props.Description),
      RoleArn: str(props.RoleArn),
      Tags: (() => {
        const tags = tagList(props, ctx);
        return tags.length > 0 ? tags : undefined;
      })(),
    }),
  );

const ruleParts = (physicalId: string): { bus: string; name: string } => {
  const bar = physicalId.indexOf('|');
  return bar < 0
    ? { bus: 'default', name: physicalId }
    : { bus: physicalId.slice(0, bar), name: physicalId.slice(bar + 1) };
};

const eventsRule: ResourceProvider = {
  service: 'events',
  nameProperty: 'Name',
  replaceOn: ['Name', 'EventBusName'],
  async create(props, ctx) {
    const name = str(props.Name) ?? generatedName(ctx.stackName, ctx.logicalId, 64);
    const bus = busName(props.EventBusName);
    const out = await putRule(name, props, ctx);
    const targets = targetsOf(props);
    const physicalId = bus === 'default' ? name : `${bus}|${name}`;
    if (targets.length > 0) {
      try {
        checkFailedEntries(
          await ctx.invoke('events', 'PutTargets', { Rule: name, EventBusName: bus, Targets: targets }),
          'PutTargets',
        );
      } catch (err) {
        await ignoreNotFound(
          ctx.invoke('events', 'DeleteRule', { Name: name, EventBusName: bus, Force: true }),
        );
        throw err;
      }
    }
    const ruleArn =
      str(out.RuleArn) ?? arn(ctx, 'events', bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`);
    return { physicalId, ref: physicalId, attributes: { Arn: ruleArn } };
  },
  async update(current, props, previous, ctx) {
    const { bus, name } = ruleParts(current.physicalId);
    await putRule(name, props, ctx);
    const wanted = targetsOf(props);
    const ids = new Set(wanted.map((t) => t.Id));
    const removed = targetsOf(previous)
      .map((t) => t.Id)
      .filter((id) => !ids.has(id));
    if (removed.length > 0) {
      checkFailedEntries(
        await ctx.invoke('events', 'RemoveTargets', { Rule: name, EventBusName: bus, Ids: removed }),
        'RemoveTargets',
      );
    }
    if (wanted.length > 0) {
      checkFailedEntries(
        await ctx.invoke('events', 'PutTargets', { Rule: name, EventBusName: bus, Targets: wanted }),
        'PutTargets',
      );
    }
    return current;
  },
  async delete(current, props, ctx) {
    const { bus, name } = ruleParts(current.physicalId);
    const ids = targetsOf(props).map((t) => t.Id);
    if (ids.length > 0) {
      await ignoreNotFound(
        ctx.invoke('events', 'RemoveTargets', { Rule: name, EventBusName: bus, Ids: ids }),
      );
    }
    await ignoreNotFound(ctx.invoke('events', 'DeleteRule', { Name: name, EventBusName: bus }));
  },
};

// ---------------------------------------------------------------------------------------------
// Kinesis

const streamMode = (props: Record<string, unknown>): string | undefined => {
  const details = props.StreamModeDetails as Record<string, unknown> | undefined;
  return str(details?.StreamMode);
};

const waitActive = async (ctx: ProviderContext, name: string): Promise<void> => {
  for (let i = 0; i < 600; i += 1) {
    const out = await ctx.invoke('kinesis', 'DescribeStreamSummary', { StreamName: name });
    const status = (out.StreamDescriptionSummary as Record<string, unknown> | undefined)?.StreamStatus;
    if (status === undefined || status === 'ACTIVE') return;
    await sleep(50);
  }
  throw new AwsError('NotStabilized', `Kinesis stream ${name} did not become ACTIVE within 30 seconds`);
};

const retention = async (ctx: ProviderContext, name: string, from: number, to: number) => {
  if (to > from) {
    await ctx.invoke('kinesis', 'IncreaseStreamRetentionPeriod', {
      StreamName: name,
      RetentionPeriodHours: to,
    });
  } else if (to < from) {
    await ctx.invoke('kinesis', 'DecreaseStreamRetentionPeriod', {
      StreamName: name,
      RetentionPeriodHours: to,
    });
  }
};

const kinesisStream: ResourceProvider = {
  service: 'kinesis',
  nameProperty: 'Name',
  replaceOn: ['Name'],
  async create(props, ctx) {
    const name = str(props.Name) ?? generatedName(ctx.stackName, ctx.logicalId, 128);
    const mode = streamMode(props);
    await ctx.invoke(
      'kinesis',
      'CreateStream',
      compact({
        StreamName: name,
        ShardCount: mode === 'ON_DEMAND' ? undefined : Number(props.ShardCount ?? 1),
        StreamModeDetails: mode === undefined ? undefined : { StreamMode: mode },
      }),
    );
    await waitActive(ctx, name);
    await retention(ctx, name, 24, Number(props.RetentionPeriodHours ?? 24));
    const tags = tagMap(tagList(props, ctx));
    if (tags) await ctx.invoke('kinesis', 'AddTagsToStream', { StreamName: name, Tags: tags });
    return { physicalId: name, ref: name, attributes: { Arn: arn(ctx, 'kinesis', `stream/${name}`) } };
  },
  async update(current, props, previous, ctx) {
    const name = current.physicalId;
    const shards = Number(props.ShardCount ?? 1);
    if (streamMode(props) !== 'ON_DEMAND' && shards !== Number(previous.ShardCount ?? 1)) {
      await ctx.invoke('kinesis', 'UpdateShardCount', {
        StreamName: name,
        TargetShardCount: shards,
        ScalingType: 'UNIFORM_SCALING',
      });
      await waitActive(ctx, name);
    }
    await retention(
      ctx,
      name,
      Number(previous.RetentionPeriodHours ?? 24),
      Number(props.RetentionPeriodHours ?? 24),
    );
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(
      ctx.invoke('kinesis', 'DeleteStream', {
        StreamName: current.physicalId,
        EnforceConsumerDeletion: true,
      }),
    );
  },
};

// ---------------------------------------------------------------------------------------------
// CloudFormation's own placeholder

const waitConditionHandle: ResourceProvider = {
  replaceOn: [],
  async create(_props, ctx) {
    const url = `https://cloudformation-waitcondition-${ctx.region}.s3.amazonaws.com/${encodeURIComponent(
      `${ctx.stackId}/${ctx.logicalId}`,
    )}`;
    return { physicalId: url, ref: url, attributes: {} };
  },
  async update(current) {
    return current;
  },
  async delete() {},
};

/** Every resource type the emulator deploys. */
export const providers: Readonly<Record<string, ResourceProvider>> = {
  'AWS::CDK::Metadata': cdkMetadata,
  'AWS::CloudFormation::WaitConditionHandle': waitConditionHandle,
  'AWS::DynamoDB::Table': dynamodbTable,
  'AWS::Events::EventBus': eventBus,
  'AWS::Events::Rule': eventsRule,
  'AWS::IAM::ManagedPolicy': iamManagedPolicy,
  'AWS::IAM::Policy': iamPolicy,
  'AWS::IAM::Role': iamRole,
  'AWS::Kinesis::Stream': kinesisStream,
  'AWS::S3::Bucket': s3Bucket,
  'AWS::S3::BucketPolicy': s3BucketPolicy,
  'AWS::Lambda::Alias': lambdaProviders.alias,
  'AWS::Lambda::EventSourceMapping': lambdaProviders.eventSourceMapping,
  'AWS::Lambda::Function': lambdaProviders.function,
  'AWS::Lambda::Permission': lambdaProviders.permission,
  'AWS::Lambda::Version': lambdaProviders.version,
  'AWS::Logs::LogGroup': logGroup,
  'AWS::SNS::Subscription': snsSubscription,
  'AWS::SNS::Topic': snsTopic,
  'AWS::SQS::Queue': sqsQueue,
  'AWS::SQS::QueuePolicy': sqsQueuePolicy,
  'AWS::StepFunctions::StateMachine': stateMachineProvider,
};
