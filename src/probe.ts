import {
  type ExecutionResult,
  type StartExecutionOptions,
  type StartedExecution,
  startExecution,
  type WaitForExecutionOptions,
  waitForExecution,
} from './checks/executions.js';
import {
  type ExpectNoFunctionErrorsOptions,
  expectNoFunctionErrors,
  type InvokeOptions,
  invoke,
  type LogEvent,
  type WaitForLogsOptions,
  waitForLogs,
} from './checks/functions.js';
import {
  type ExpectNoItemOptions,
  expectNoItem,
  type Item,
  type WaitForItemOptions,
  type WaitForItemsOptions,
  waitForItem,
  waitForItems,
} from './checks/items.js';
import { type S3Object, type WaitForObjectOptions, waitForObject } from './checks/objects.js';
import {
  type DeadLetterWatch,
  type DrainedResult,
  type ExpectQueueDrainedOptions,
  expectQueueDrained,
  type WatchDeadLettersOptions,
  watchDeadLetters,
} from './checks/queues.js';
import {
  type CleanupOptions,
  type CleanupReport,
  cleanupProbe,
  type RemoveListenersOptions,
  removeListeners as removeListenersOf,
  type SweepOptions,
  sweep as sweepOf,
} from './cleanup/index.js';
import { removeListenerResources } from './cleanup/remove.js';
import { getPhysicalIdFromStack, getStackOutputs, type StackLookupOptions } from './cloudformation/index.js';
import {
  type AwsConfigOptions,
  ClientSet,
  type Clock,
  type ClockOption,
  type ProbeClients,
  toClock,
} from './config.js';
import type { ListenerContext } from './context.js';
import { InvalidInputError, ProbeDisposedError } from './errors.js';
import { type GenerateMockEventOptions, generateMockEvent, type MockEvent } from './events/mock.js';
import { type MockOrPlainEvent, type PutEventsOptions, putEvents } from './events/put-events.js';
import { type CreateBucketOptions, type CreatedBucket, createBucket } from './fixtures/buckets.js';
import { type CreatedEventBus, type CreateEventBusOptions, createEventBus } from './fixtures/event-buses.js';
import { type CreatedQueue, type CreateQueueOptions, createQueue } from './fixtures/queues.js';
import { type CreatedStream, type CreateStreamOptions, createStream } from './fixtures/streams.js';
import { type CreatedTable, type CreateTableOptions, createTable } from './fixtures/tables.js';
import { type CreatedTopic, type CreateTopicOptions, createTopic } from './fixtures/topics.js';
import {
  type AddDynamoDbStreamListenerOptions,
  createDynamoDbStreamListener,
  type DynamoDbStreamListener,
} from './listeners/dynamodb-stream.js';
import { type AddListenerOptions, createEventBridgeListener } from './listeners/eventbridge.js';
import {
  type AddKinesisListenerOptions,
  createKinesisListener,
  type KinesisListener,
} from './listeners/kinesis.js';
import {
  type AddS3ListenerOptions,
  createS3Listener,
  type S3Event,
  type S3EventDetail,
} from './listeners/s3.js';
import { type AddSnsListenerOptions, createSnsListener, type SnsEvent } from './listeners/sns.js';
import type { EventBridgeEvent, Listener } from './listeners/types.js';
import type { ListenerResources } from './resources/listener-resources.js';
import { newRunId, validateRunId } from './resources/naming.js';
import { type Tags, validateUserTags } from './resources/tags.js';
import {
  type GetTraceTreeOptions,
  getTraceTree,
  type RetryGetTraceTreeOptions,
  retryGetTraceTreeUntil,
  type TraceAssertion,
} from './tracing/fetch.js';
import type { TraceTree } from './tracing/tree.js';

export type { ListenerContext, ProbeContext } from './context.js';

/** `probe.getStackOutputs(stack, names?, options?)`: typed by the names asked for (`['A', 'B']` → `Record<'A' | 'B', string>`). */
export interface StackOutputsFunction {
  <const K extends string>(
    stack: string,
    names: readonly K[],
    options?: StackLookupOptions,
  ): Promise<Record<K, string>>;
  (stack: string, names?: readonly string[], options?: StackLookupOptions): Promise<Record<string, string>>;
}

/** Options of {@link createProbe}: where AWS is, plus what marks this run's resources. */
export interface ProbeOptions extends AwsConfigOptions {
  /** Tags put on every resource the probe creates, and the default filter of `sweep()`. Default `{}`. */
  readonly tags?: Tags;
  /** This run's id (in every resource's tags). Default: a new time-ordered random id. */
  readonly runId?: string;
  /** Time source for creation tags and sweep's grace period. Default: the system clock. */
  /** Time source for creation tags and sweep's grace period: `{ now() }` or `() => number` (ms since the epoch, as the emulator takes it). Default: the system clock. */
  readonly clock?: ClockOption;
}

/**
 * A probe: owns the AWS clients, the run id, the user tags and the list of what it created.
 * Dispose it (`await using probe = createProbe()`) or call `cleanup()` to remove everything it made.
 */
export interface Probe extends AsyncDisposable {
  readonly runId: string;
  readonly tags: Tags;
  /** The AWS clients (built on first use from the options, or the ones you injected). */
  readonly clients: ProbeClients;
  /** @internal What the probe shares with its listeners and cleanup (eventprobe internals and its tests). */
  readonly context: ListenerContext;
  /**
   * Attaches a temporary listener to an event bus: a new rule with the copied (or given) pattern and
   * a new SQS queue as its only target, tagged for cleanup.
   *
   * IAM: events:DescribeEventBus, events:DescribeRule, events:ListTargetsByRule (with targetId),
   * events:PutRule, events:PutTargets, events:TagResource, sqs:CreateQueue, sqs:TagQueue,
   * sqs:SetQueueAttributes (only if the rule ARN differs from the computed one), events:PutEvents
   * (readiness), and for receiving sqs:ReceiveMessage, sqs:DeleteMessage; removal needs what
   * `removeListeners` needs.
   */
  addListener<TDetail = unknown, TEvent = EventBridgeEvent<TDetail>>(
    options: AddListenerOptions,
  ): Promise<Listener<TDetail, TEvent>>;
  /**
   * Subscribes a temporary, tagged SQS queue to an SNS topic. With `subscriptionArn` it copies that
   * subscription's filter policy, scope and raw delivery, so the queue sees what the real subscriber
   * sees. Events are the unwrapped SNS messages.
   *
   * IAM: sns:GetTopicAttributes, sns:Subscribe, sns:GetSubscriptionAttributes (with subscriptionArn), sqs:CreateQueue,
   * sqs:TagQueue; receiving needs sqs:ReceiveMessage and sqs:DeleteMessage; removal sns:Unsubscribe too.
   */
  addSnsListener<TMessage = unknown>(
    options: AddSnsListenerOptions,
  ): Promise<Listener<TMessage, SnsEvent<TMessage>>>;
  /**
   * Reads every shard of a Kinesis stream from `from` (default: now), following resharding and
   * respecting the read limits. Creates no AWS resource.
   *
   * IAM: kinesis:ListShards, kinesis:GetShardIterator, kinesis:GetRecords.
   */
  addKinesisListener<T = unknown>(options: AddKinesisListenerOptions): Promise<KinesisListener<T>>;
  /**
   * Reads every shard of a DynamoDB table's stream from `from` (default: now), following shard
   * rollover; events carry the unmarshalled keys and images. Creates no AWS resource.
   * @throws StreamNotEnabledError when the table has no stream, or one without the `images` asked for.
   * IAM: dynamodb:DescribeTable (with tableName), dynamodb:DescribeStream, dynamodb:GetShardIterator, dynamodb:GetRecords.
   */
  addDynamoDbStreamListener<T extends Item = Item>(
    options: AddDynamoDbStreamListenerOptions,
  ): Promise<DynamoDbStreamListener<T>>;
  /**
   * S3 object events (created/deleted by default) of a bucket that sends events to EventBridge: a
   * temporary rule on the default bus with a queue, tagged and removed like `addListener`'s. The
   * bucket's notification configuration is only read, never changed.
   * @throws S3EventBridgeNotEnabledError when the bucket does not send events to EventBridge.
   * IAM: s3:GetBucketNotification, plus what `addListener` needs (without DescribeRule/ListTargetsByRule).
   */
  addS3Listener(options: AddS3ListenerOptions): Promise<Listener<S3EventDetail, S3Event>>;
  /** Stops every listener and removes everything this probe created. Idempotent. */
  cleanup(options?: CleanupOptions): Promise<CleanupReport>;
  /** Removes leftovers of earlier runs (see SweepOptions for the filter and grace period). */
  sweep(options?: SweepOptions): Promise<CleanupReport>;
  /** Removes listeners by id or by tags (IATK's `remove_listeners`). */
  removeListeners(options: RemoveListenersOptions): Promise<CleanupReport>;
  /**
   * The outputs of a CloudFormation stack (name or ARN): all of them, or the named ones.
   * @throws StackOutputMissingError listing every missing name (and the outputs that exist), or when the stack does not exist.
   * IAM: cloudformation:DescribeStacks.
   */
  getStackOutputs: StackOutputsFunction;
  /** Alias of {@link Probe.getStackOutputs}. */
  stackOutputs: StackOutputsFunction;
  /**
   * The physical id of a stack resource by logical id (a queue's URL, a rule's `bus|rule` id, ...).
   * IAM: cloudformation:DescribeStackResource (and DescribeStackResources for the error's list of ids).
   */
  getPhysicalIdFromStack(logicalId: string, stack: string, options?: StackLookupOptions): Promise<string>;
  /**
   * The X-Ray trace tree of a tracing header or trace id, as X-Ray has it now: `complete` is false
   * (not an exception) while segments are still missing. IAM: xray:BatchGetTraces.
   */
  getTraceTree(headerOrTraceId: string, options?: GetTraceTreeOptions): Promise<TraceTree>;
  /**
   * Fetches the trace until it is found, complete, and `assertion` passes (returns true or does not
   * throw), sleeping between tries; returns the tree that passed. Its timeout error carries the last
   * tree and the last failure. IAM: xray:BatchGetTraces.
   */
  retryGetTraceTreeUntil(
    headerOrTraceId: string,
    assertion: TraceAssertion,
    options?: RetryGetTraceTreeOptions,
  ): Promise<TraceTree>;
  /**
   * A mock EventBridge event from a schema in the schema registry (OpenAPI 3 or JSON Schema Draft 4),
   * with overrides and contexts applied (IATK's `generate_mock_event`). IAM: schemas:DescribeSchema.
   */
  generateMockEvent(options: GenerateMockEventOptions): Promise<MockEvent>;
  /**
   * Puts full events (envelopes, e.g. mock events) on a bus, 10 per call, and returns their ids.
   * @throws PutEventsFailedError listing every entry EventBridge refused. IAM: events:PutEvents.
   */
  putEvents(events: readonly MockOrPlainEvent[], options?: PutEventsOptions): Promise<string[]>;
  /**
   * Starts a Step Functions execution with a new sampled tracing header (so its trace can be
   * fetched with `getTraceTree(traceHeader)`). IAM: states:StartExecution.
   */
  startExecution(options: StartExecutionOptions): Promise<StartedExecution>;
  /**
   * Waits for a Step Functions execution to end; returns its status, parsed input and output and
   * history. The execution is given by `executionArn`, or found by `stateMachineArn` and `match` on
   * its input (one the app started itself, e.g. from an EventBridge rule).
   * @throws ExecutionFailedError (failed state, error, cause, states entered) when it ends otherwise
   * than `status` (default SUCCEEDED); TimeoutError when still running at `timeout` (or none found).
   * IAM: states:DescribeExecution, states:GetExecutionHistory (and states:ListExecutions to find it).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the input is the app's own JSON; `match` may type it
  waitForExecution<Input = any>(options: WaitForExecutionOptions<Input>): Promise<ExecutionResult>;
  // ---- queue and compute checks ----
  /**
   * Watches a dead-letter queue (found from the source queue's RedrivePolicy, or given) from now on;
   * reading never consumes its messages for good. IAM: sqs:GetQueueUrl, sqs:GetQueueAttributes,
   * sqs:ReceiveMessage, sqs:ChangeMessageVisibility.
   */
  watchDeadLetters(options: WatchDeadLettersOptions): Promise<DeadLetterWatch>;
  /**
   * Waits until a queue's visible, in-flight and delayed counts are zero over a stable window.
   * @throws QueueNotDrainedError with the last counts. IAM: sqs:GetQueueAttributes (sqs:GetQueueUrl with queueName).
   */
  expectQueueDrained(options: ExpectQueueDrainedOptions): Promise<DrainedResult>;
  /**
   * Invokes a function and returns its decoded result.
   * @throws FunctionError (error type, message, stack, log tail). IAM: lambda:InvokeFunction.
   */
  invoke<T = unknown>(options: InvokeOptions): Promise<T>;
  /** Waits for log events of a function or log group (since the probe was created by default). IAM: logs:FilterLogEvents. */
  waitForLogs(options: WaitForLogsOptions): Promise<LogEvent[]>;
  /**
   * Fails when the function's log shows errors, timeouts or runtime failures (since the probe was
   * created by default). @throws FunctionLogErrorsError. IAM: logs:FilterLogEvents.
   */
  expectNoFunctionErrors(options: ExpectNoFunctionErrorsOptions): Promise<void>;
  /**
   * Creates a queue for this run (FIFO, with a dead-letter queue, on request), tagged and named like
   * every eventprobe resource; `cleanup()` and `sweep()` remove it.
   * IAM: sqs:CreateQueue, sqs:TagQueue, sqs:GetQueueAttributes (removal: sqs:ListQueueTags, sqs:DeleteQueue).
   */
  createQueue(options?: CreateQueueOptions): Promise<CreatedQueue>;
  /**
   * Creates a DynamoDB table for this run (on demand unless `billing`; a stream, time to live on request) and waits
   * until it is ACTIVE; `cleanup()` and `sweep()` delete it and wait until it is gone.
   * IAM: dynamodb:CreateTable, dynamodb:TagResource, dynamodb:DescribeTable (+ dynamodb:UpdateTimeToLive);
   * removal dynamodb:ListTagsOfResource, dynamodb:DeleteTable.
   */
  createTable(options: CreateTableOptions): Promise<CreatedTable>;
  /**
   * Creates a Kinesis data stream for this run (1 shard unless `shardCount` or `onDemand`) and waits
   * until it is ACTIVE; `cleanup()` and `sweep()` delete it and wait until it is gone.
   * IAM: kinesis:CreateStream, kinesis:AddTagsToStream, kinesis:DescribeStreamSummary;
   * removal kinesis:ListTagsForStream, kinesis:DeleteStream.
   */
  createStream(options?: CreateStreamOptions): Promise<CreatedStream>;
  /**
   * Creates an SNS topic for this run (FIFO with `fifo: true`); `cleanup()` and `sweep()` delete it.
   * IAM: sns:CreateTopic, sns:TagResource; removal sns:ListTagsForResource, sns:DeleteTopic.
   */
  createTopic(options?: CreateTopicOptions): Promise<CreatedTopic>;
  /**
   * Creates a custom EventBridge bus for this run; `cleanup()` and `sweep()` delete it after the
   * listeners' rules and any rule left on it. IAM: events:CreateEventBus, events:TagResource; removal
   * events:DescribeEventBus, events:ListTagsForResource, events:ListRules, events:ListTargetsByRule,
   * events:RemoveTargets, events:DeleteRule, events:DeleteEventBus.
   */
  createEventBus(options?: CreateEventBusOptions): Promise<CreatedEventBus>;
  /**
   * Creates an S3 bucket for this run (EventBridge notifications with `eventBridge: true`);
   * `cleanup()` and `sweep()` empty it (versions, multipart uploads) and delete it.
   * IAM: s3:CreateBucket, s3:PutBucketTagging (+ s3:PutBucketNotification); removal
   * s3:GetBucketTagging, s3:ListBucketVersions, s3:ListBucketMultipartUploads,
   * s3:AbortMultipartUpload, s3:DeleteObject, s3:DeleteObjectVersion, s3:DeleteBucket.
   */
  createBucket(options?: CreateBucketOptions): Promise<CreatedBucket>;
  // ---- state checks (DynamoDB, S3) ----
  /**
   * Waits until the item with `key` exists (strongly consistent reads) and passes `match`; returns it
   * unmarshalled. @throws ItemTimeoutError saying what was there. IAM: dynamodb:GetItem.
   */
  waitForItem<T extends Item = Item>(options: WaitForItemOptions<T>): Promise<T>;
  /**
   * Waits until `count` items under one partition key match (Query with paging; with `expect`, until
   * every expected id is there); returns them. @throws ItemTimeoutError with how many of N arrived,
   * the missing ids and the closest misses. IAM: dynamodb:Query (+ dynamodb:DescribeTable for `expect` without `idAttribute`).
   */
  waitForItems<T extends Item = Item>(options: WaitForItemsOptions<T>): Promise<T[]>;
  /** Waits the whole `within` window; fails with UnexpectedItemError once the item exists. IAM: dynamodb:GetItem. */
  expectNoItem<T extends Item = Item>(options: ExpectNoItemOptions<T>): Promise<void>;
  /**
   * Waits until the S3 object exists and passes `match`; returns its body, text(), json(), content
   * type, metadata, ETag and version id. @throws ObjectTimeoutError. IAM: s3:GetObject (+ s3:ListBucket for a 404 on a missing key).
   */
  waitForObject(options: WaitForObjectOptions): Promise<S3Object>;
  /**
   * Cleans up, then destroys the clients it built. Idempotent. Afterwards the probe refuses new work
   * (listeners, sweeps, lookups, traces) with a ProbeDisposedError; `cleanup()` still answers.
   */
  [Symbol.asyncDispose](): Promise<void>;
}

const clientNames: readonly (keyof ProbeClients)[] = [
  'sqs',
  'eventBridge',
  'tagging',
  'xray',
  'cloudFormation',
  'sns',
  'kinesis',
  'schemas',
  'stepFunctions',
  'lambda',
  'logs',
  'dynamoDb',
  'dynamoDbStreams',
  's3',
];

/** A listener the probe tracks while it may still be receiving. */
interface LiveListener {
  readonly id: string;
  halt(): Promise<void>;
}

/** Validates createProbe's options (nothing is built before they all pass). */
const probeSettings = (options: ProbeOptions): { tags: Tags; runId: string | undefined; clock: Clock } => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('createProbe takes an options object (or nothing).', 'options');
  }
  const tags = validateUserTags(options.tags, 'tags');
  const runId = options.runId === undefined ? undefined : validateRunId(options.runId);
  return { tags, runId, clock: toClock(options.clock) };
};

/** The probe's clients as lazy getters (built on first use, refused once the probe is disposed). */
const lazyClients = (clientSet: ClientSet): ProbeClients =>
  Object.defineProperties(
    {},
    Object.fromEntries(
      clientNames.map((name) => [name, { enumerable: true, get: () => clientSet.get(name) }]),
    ),
  ) as ProbeClients;

/** The probe's lookups and helpers: each takes its client through `client` (which refuses once disposed). */
const lookups = (
  client: <K extends keyof ProbeClients>(operation: string, name: K) => ProbeClients[K],
): Pick<
  Probe,
  | 'getStackOutputs'
  | 'stackOutputs'
  | 'getPhysicalIdFromStack'
  | 'getTraceTree'
  | 'retryGetTraceTreeUntil'
  | 'generateMockEvent'
  | 'putEvents'
  | 'startExecution'
  | 'waitForExecution'
  | 'waitForItem'
  | 'waitForItems'
  | 'expectNoItem'
  | 'waitForObject'
> => ({
  getStackOutputs: (async (stack: string, names?: readonly string[], lookupOptions?: StackLookupOptions) =>
    getStackOutputs(
      client('getStackOutputs', 'cloudFormation'),
      stack,
      names,
      lookupOptions,
    )) as StackOutputsFunction,
  stackOutputs: (async (stack: string, names?: readonly string[], lookupOptions?: StackLookupOptions) =>
    getStackOutputs(
      client('stackOutputs', 'cloudFormation'),
      stack,
      names,
      lookupOptions,
    )) as StackOutputsFunction,
  getPhysicalIdFromStack: async (logicalId, stack, lookupOptions) =>
    getPhysicalIdFromStack(
      client('getPhysicalIdFromStack', 'cloudFormation'),
      logicalId,
      stack,
      lookupOptions,
    ),
  getTraceTree: async (header, traceOptions) =>
    getTraceTree(client('getTraceTree', 'xray'), header, traceOptions),
  retryGetTraceTreeUntil: async (header, assertion, traceOptions) =>
    retryGetTraceTreeUntil(client('retryGetTraceTreeUntil', 'xray'), header, assertion, traceOptions),
  generateMockEvent: async (mockOptions) =>
    generateMockEvent(client('generateMockEvent', 'schemas'), mockOptions),
  putEvents: async (events, putOptions) => putEvents(client('putEvents', 'eventBridge'), events, putOptions),
  startExecution: async (start) => startExecution(client('startExecution', 'stepFunctions'), start),
  waitForExecution: async (wait) => waitForExecution(client('waitForExecution', 'stepFunctions'), wait),
  ...stateChecks(client),
});

/** The DynamoDB and S3 checks, each through `client` (which refuses once the probe is disposed). */
const stateChecks = (
  client: <K extends keyof ProbeClients>(operation: string, name: K) => ProbeClients[K],
): Pick<Probe, 'waitForItem' | 'waitForItems' | 'expectNoItem' | 'waitForObject'> => ({
  waitForItem: async (o) => waitForItem(client('waitForItem', 'dynamoDb'), o),
  waitForItems: async (o) => waitForItems(client('waitForItems', 'dynamoDb'), o),
  expectNoItem: async (o) => expectNoItem(client('expectNoItem', 'dynamoDb'), o),
  waitForObject: async (o) => waitForObject(client('waitForObject', 's3'), o),
});

/** The queue and compute checks; logs default to what was written since `startedAt` (the probe's creation). */
const checks = (
  client: <K extends keyof ProbeClients>(operation: string, name: K) => ProbeClients[K],
  startedAt: number,
): Pick<
  Probe,
  'watchDeadLetters' | 'expectQueueDrained' | 'invoke' | 'waitForLogs' | 'expectNoFunctionErrors'
> => ({
  watchDeadLetters: async (o) => watchDeadLetters(client('watchDeadLetters', 'sqs'), o),
  expectQueueDrained: async (o) => expectQueueDrained(client('expectQueueDrained', 'sqs'), o),
  invoke: async <T = unknown>(o: InvokeOptions) => invoke<T>(client('invoke', 'lambda'), o),
  waitForLogs: async (o) => waitForLogs(client('waitForLogs', 'logs'), o, startedAt),
  expectNoFunctionErrors: async (o) =>
    expectNoFunctionErrors(client('expectNoFunctionErrors', 'logs'), o, startedAt),
});

/** What the probe gives its listeners: its record of what they created, removal, and the stop hook. */
const listenerContext = (
  clients: ClientSet,
  run: { runId: string; tags: Tags; clock: Clock },
  live: Map<string, LiveListener>,
): ListenerContext => {
  const created = new Map<string, ListenerResources>();
  return {
    clients,
    ...run,
    created,
    record: (resources) => created.set(resources.listenerId, resources),
    removeResources: (resources) => removeListenerResources(clients, resources),
    forget: (id) => created.delete(id),
    listenerStopped: (id) => live.delete(id),
  };
};

/**
 * Creates a probe. Region, credentials and endpoint come from the options or the usual AWS
 * environment (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, profiles).
 *
 * @throws InvalidInputError for a bad region, endpoint, timeout, tag or run id (nothing is created).
 */
export const createProbe = (options: ProbeOptions = {}): Probe => {
  const { tags, runId, clock } = probeSettings(options);
  const clientSet = new ClientSet(options);
  /** Listeners that may still be receiving: halted before cleanup removes their resources. */
  const live = new Map<string, LiveListener>();
  const ctx = listenerContext(clientSet, { runId: runId ?? newRunId(clock.now()), tags, clock }, live);
  let disposing: Promise<void> | undefined;
  /** Refuses work once the probe is disposed (its clients are gone, and nothing would remove new resources). */
  const open = (operation: string): void => {
    if (disposing) throw new ProbeDisposedError(operation);
  };
  const track = <L extends LiveListener>(listener: L): L => {
    live.set(listener.id, listener);
    return listener;
  };
  // Stops receiving on every live listener, so nothing polls a queue that is about to go.
  const haltAll = async (ids?: readonly string[]): Promise<void> => {
    const halting = [...live.values()].filter((l) => ids === undefined || ids.includes(l.id));
    for (const l of halting) live.delete(l.id);
    await Promise.all(halting.map((l) => l.halt()));
  };
  const cleanup = async (cleanupOptions?: CleanupOptions): Promise<CleanupReport> => {
    await haltAll();
    return cleanupProbe(ctx, cleanupOptions);
  };
  const client = <K extends keyof ProbeClients>(operation: string, name: K): ProbeClients[K] => {
    open(operation);
    return clientSet.get(name);
  };

  const probe: Probe = {
    runId: ctx.runId,
    tags,
    clients: lazyClients(clientSet),
    context: ctx,
    addListener: async <TDetail = unknown, TEvent = EventBridgeEvent<TDetail>>(
      listenerOptions: AddListenerOptions,
    ): Promise<Listener<TDetail, TEvent>> => {
      open('addListener');
      return track(await createEventBridgeListener<TDetail, TEvent>(ctx, listenerOptions));
    },
    addSnsListener: async <TMessage = unknown>(snsOptions: AddSnsListenerOptions) => {
      open('addSnsListener');
      return track(await createSnsListener<TMessage>(ctx, snsOptions));
    },
    addKinesisListener: async <T = unknown>(kinesisOptions: AddKinesisListenerOptions) => {
      open('addKinesisListener');
      return track(await createKinesisListener<T>(ctx, kinesisOptions));
    },
    addDynamoDbStreamListener: async <T extends Item = Item>(o: AddDynamoDbStreamListenerOptions) => {
      open('addDynamoDbStreamListener');
      return track(await createDynamoDbStreamListener<T>(ctx, o));
    },
    addS3Listener: async (o) => {
      open('addS3Listener');
      return track(await createS3Listener(ctx, o));
    },
    cleanup,
    sweep: async (sweepOptions) => {
      open('sweep');
      return sweepOf(ctx, sweepOptions);
    },
    removeListeners: async (removeOptions) => {
      open('removeListeners');
      // Listeners removed by tag notice on their next receive (their queue is gone).
      if (Array.isArray(removeOptions?.ids)) await haltAll(removeOptions.ids);
      return removeListenersOf(ctx, removeOptions);
    },
    ...lookups(client),
    ...checks(client, clock.now()),
    createQueue: async (queueOptions) => {
      open('createQueue');
      return createQueue(ctx, queueOptions);
    },
    createTable: async (tableOptions) => {
      open('createTable');
      return createTable(ctx, tableOptions);
    },
    createStream: async (streamOptions) => {
      open('createStream');
      return createStream(ctx, streamOptions);
    },
    createTopic: async (topicOptions) => {
      open('createTopic');
      return createTopic(ctx, topicOptions);
    },
    createEventBus: async (busOptions) => {
      open('createEventBus');
      return createEventBus(ctx, busOptions);
    },
    createBucket: async (bucketOptions) => {
      open('createBucket');
      return createBucket(ctx, bucketOptions);
    },
    [Symbol.asyncDispose]: () => {
      disposing ??= cleanup().then(
        () => clientSet.close(),
        (error: unknown) => {
          clientSet.close();
          throw error;
        },
      );
      return disposing;
    },
  };
  return probe;
};

// ---- IATK-named wrappers ------------------------------------------------------------------------

/** IATK's `remove_listeners`: removes listeners by id or by tags, through `probe`. */
export const removeListeners = (probe: Probe, options: RemoveListenersOptions): Promise<CleanupReport> =>
  probe.removeListeners(options);
