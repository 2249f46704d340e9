import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ListenerResources } from '../../src/resources/listener-resources.js';
import { LISTENER_TARGET_ID, newListenerId, resourceName } from '../../src/resources/naming.js';
import { resourceTags, type Tags } from '../../src/resources/tags.js';

/**
 * Creates the resources of an EventBridge listener with raw SDK calls, tagged exactly as eventprobe
 * tags them (or not at all, for decoys): a queue, and a rule on `eventBusName` with the queue as
 * target `LISTENER_TARGET_ID`. Used to stage leftovers of "earlier runs" and decoys.
 */
export interface LeftoverSpec {
  readonly clientConfig: object;
  readonly runId: string;
  /** Default: now. */
  readonly createdAt?: Date;
  readonly userTags?: Tags;
  /** False for a decoy: same names, same user tags, no eventprobe system tags. Default true. */
  readonly marker?: boolean;
  readonly eventBusName?: string;
  /** Create the rule (default true); false mirrors a setup killed after the queue. */
  readonly rule?: boolean;
  /** Create the queue (default true). */
  readonly queue?: boolean;
  /** Subscribe the queue to this SNS topic. */
  readonly topicArn?: string;
  readonly listenerId?: string;
}

/** Decoys staged so far (eventprobe never removes them: the suite does, see {@link removeStagedDecoys}). */
const stagedDecoys: { clientConfig: object; resources: ListenerResources }[] = [];

/**
 * Removes every decoy this test file staged, with raw SDK calls (not-found is fine), so a suite run
 * against a long-running endpoint (`EVENTPROBE_TEST_ENDPOINT`) leaves nothing behind for the next run.
 */
export const removeStagedDecoys = async (): Promise<void> => {
  const ignore = () => undefined;
  for (const { clientConfig, resources: r } of stagedDecoys.splice(0)) {
    const sqs = new SQSClient(clientConfig);
    const events = new EventBridgeClient(clientConfig);
    const sns = new SNSClient(clientConfig);
    try {
      if (r.subscriptionArn)
        await sns.send(new UnsubscribeCommand({ SubscriptionArn: r.subscriptionArn })).catch(ignore);
      if (r.ruleName) {
        const rule = { Rule: r.ruleName, EventBusName: r.eventBusName };
        await events.send(new RemoveTargetsCommand({ ...rule, Ids: [LISTENER_TARGET_ID] })).catch(ignore);
        await events
          .send(new DeleteRuleCommand({ Name: r.ruleName, EventBusName: r.eventBusName }))
          .catch(ignore);
      }
      if (r.queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: r.queueUrl })).catch(ignore);
    } finally {
      sqs.destroy();
      events.destroy();
      sns.destroy();
    }
  }
};

export const stageListener = async (spec: LeftoverSpec): Promise<ListenerResources> => {
  const staged = await stageListenerResources(spec);
  if (spec.marker === false) stagedDecoys.push({ clientConfig: spec.clientConfig, resources: staged });
  return staged;
};

const stageListenerResources = async (spec: LeftoverSpec): Promise<ListenerResources> => {
  const listenerId = spec.listenerId ?? newListenerId();
  const name = resourceName(listenerId);
  const tags =
    spec.marker === false
      ? { ...spec.userTags }
      : resourceTags({
          listenerId,
          runId: spec.runId,
          createdAt: spec.createdAt ?? new Date(),
          userTags: spec.userTags ?? {},
        });
  const sqs = new SQSClient(spec.clientConfig);
  const events = new EventBridgeClient(spec.clientConfig);
  const sns = new SNSClient(spec.clientConfig);
  const region = await sqs.config.region();
  const bus = spec.eventBusName ?? 'default';
  try {
    let queueUrl: string | undefined;
    let queueArn: string | undefined;
    if (spec.queue !== false) {
      queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: name, tags }))).QueueUrl as string;
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      queueArn = attrs.Attributes?.QueueArn as string;
    }
    let ruleArn: string | undefined;
    if (spec.rule !== false) {
      ruleArn = (
        await events.send(
          new PutRuleCommand({
            Name: name,
            EventBusName: bus,
            EventPattern: JSON.stringify({ source: ['eventprobe.test'] }),
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        )
      ).RuleArn as string;
      if (queueArn) {
        await events.send(
          new PutTargetsCommand({
            Rule: name,
            EventBusName: bus,
            Targets: [{ Id: LISTENER_TARGET_ID, Arn: queueArn }],
          }),
        );
      }
    }
    let subscriptionArn: string | undefined;
    if (spec.topicArn && queueArn) {
      subscriptionArn = (
        await sns.send(
          new SubscribeCommand({
            TopicArn: spec.topicArn,
            Protocol: 'sqs',
            Endpoint: queueArn,
            ReturnSubscriptionArn: true,
          }),
        )
      ).SubscriptionArn as string;
    }
    return {
      listenerId,
      kind: 'eventbridge',
      region,
      ...(queueUrl ? { queueUrl } : {}),
      ...(queueArn ? { queueArn } : {}),
      ...(ruleArn ? { ruleArn, ruleName: name, eventBusName: bus, targetId: LISTENER_TARGET_ID } : {}),
      ...(subscriptionArn ? { subscriptionArn } : {}),
    };
  } finally {
    sqs.destroy();
    events.destroy();
    sns.destroy();
  }
};
