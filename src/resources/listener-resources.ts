/**
 * What one listener created, as recorded by the probe and read back by cleanup. Every field that
 * names a resource is optional: a listener whose setup failed half-way records what it got to.
 */
export interface ListenerResources {
  readonly listenerId: string;
  readonly kind:
    | 'eventbridge'
    | 'sns'
    | 'kinesis'
    | 'queue'
    | 'dynamodb-stream'
    | 'table'
    | 'stream'
    | 'topic'
    | 'event-bus'
    | 'bucket';
  /** Region the resources live in. */
  readonly region: string;
  readonly queueUrl?: string;
  readonly queueArn?: string;
  /** EventBridge: the listener's own rule and the bus it is on. */
  readonly ruleName?: string;
  readonly ruleArn?: string;
  readonly eventBusName?: string;
  /** EventBridge: the target id on the listener's rule. */
  readonly targetId?: string;
  /** SNS: the subscription of the listener's queue. */
  readonly subscriptionArn?: string;
  /** Fixtures (`createTable`, `createStream`, `createTopic`, `createEventBus`, `createBucket`): what was made. */
  readonly tableName?: string;
  readonly tableArn?: string;
  readonly streamName?: string;
  readonly streamArn?: string;
  readonly topicArn?: string;
  /** `createEventBus`: the bus itself (unlike `eventBusName`, the bus a listener's rule is on). */
  readonly createdEventBusName?: string;
  readonly bucketName?: string;
}
