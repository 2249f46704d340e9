// The public surface of `eventprobe`: named exports only.

export {
  type AssertExecutionPathOptions,
  assertExecutionPath,
  type ExecutionResult,
  type ExecutionStatus,
  getExecutionHistory,
  type StartExecutionOptions,
  type StartedExecution,
  startExecution,
  statesEntered,
  type TaskFailure,
  taskFailures,
  type WaitForExecutionOptions,
  waitForExecution,
} from './checks/executions.js';
export { failureOf, failuresIn, parseLogEvent } from './checks/function-logs.js';
// ---- queue and compute checks ----
export {
  type ExpectNoFunctionErrorsOptions,
  expectNoFunctionErrors,
  FAILURE_FILTER,
  type FunctionLogFailure,
  type InvokeOptions,
  invoke,
  type LogEvent,
  type LogGroupRef,
  type WaitForLogsOptions,
  waitForLogs,
} from './checks/functions.js';
export {
  type ExpectNoItemOptions,
  expectNoItem,
  type Item,
  type WaitForItemOptions,
  type WaitForItemsOptions,
  waitForItem,
  waitForItems,
} from './checks/items.js';
export type { ValueMatch } from './checks/match.js';
export { type S3Object, type WaitForObjectOptions, waitForObject } from './checks/objects.js';
export {
  type DeadLetterMessage,
  type DeadLetterWatch,
  type DrainedResult,
  DrainWindow,
  type ExpectNoDeadLettersOptions,
  type ExpectQueueDrainedOptions,
  expectQueueDrained,
  peekMessages,
  type QueueCounts,
  type QueueRef,
  type WaitForDeadLettersOptions,
  type WatchDeadLettersOptions,
  watchDeadLetters,
} from './checks/queues.js';
export type {
  CleanupOptions,
  CleanupReport,
  RemovalFailure,
  RemovedResource,
  RemoveListenersOptions,
  SkippedResource,
  SweepOptions,
  TagFilters,
} from './cleanup/index.js';
export { DEFAULT_GRACE_MS } from './cleanup/index.js';
export {
  type CloudFormationLike,
  type GetStackOutputs,
  getPhysicalIdFromStack,
  getStackOutputs,
  parseRuleId,
  type RuleReference,
  resolveRuleReference,
  ruleIdOf,
  type StackLookupOptions,
} from './cloudformation/index.js';
export type { AwsConfigOptions, Clock, ClockOption, CredentialsOption, ProbeClients } from './config.js';
export {
  AwsConfigError,
  CleanupError,
  DeadLettersError,
  EndpointConnectionError,
  EventProbeError,
  type EventProbeErrorOptions,
  ExecutionFailedError,
  ExecutionPathError,
  FunctionError,
  FunctionLogErrorsError,
  InvalidEventPatternError,
  InvalidInputError,
  ItemTimeoutError,
  ListenerSetupError,
  ObjectTimeoutError,
  ProbeDisposedError,
  QueueNotDrainedError,
  RequestTimeoutError,
  SchemaUnsupportedError,
  StackOutputMissingError,
  TimeoutError,
  TraceIncompleteError,
  TraceNotFoundError,
  UnexpectedItemError,
} from './errors.js';
export {
  type DeepPartial,
  type GenerateMockEventOptions,
  generateMockEvent,
  type Json,
  type MockEvent,
  type MockEventContext,
  type MockEventOptions,
  mockEventFromSchema,
  type SchemasClientLike,
  type SchemaType,
} from './events/mock.js';
export { compileEventPattern, testEventPattern, validateEventPattern } from './events/pattern.js';
export {
  type EnvelopeEvent,
  type EventBridgeClientLike,
  type FailedEvent,
  type MockOrPlainEvent,
  PUT_EVENTS_BATCH,
  PutEventsFailedError,
  type PutEventsOptions,
  putEvents,
} from './events/put-events.js';
export type { CreateBucketOptions, CreatedBucket } from './fixtures/buckets.js';
export type { CreatedEventBus, CreateEventBusOptions } from './fixtures/event-buses.js';
export type { CreatedQueue, CreateQueueOptions } from './fixtures/queues.js';
export type { CreatedStream, CreateStreamOptions } from './fixtures/streams.js';
export type {
  CreatedTable,
  CreateTableOptions,
  KeyAttribute,
  TableCapacity,
  TableStreamView,
} from './fixtures/tables.js';
export type { CreatedTopic, CreateTopicOptions } from './fixtures/topics.js';
export {
  type AddDynamoDbStreamListenerOptions,
  type DynamoDbStreamEvent,
  DynamoDbStreamListener,
  type StreamImages,
  StreamNotEnabledError,
} from './listeners/dynamodb-stream.js';
export {
  EventBusNotFoundError,
  EventTimeoutError,
  ListenerStoppedError,
  type Miss,
  RuleNotCopyableError,
  RuleNotFoundError,
  TargetNotFoundError,
  UnexpectedEventError,
} from './listeners/errors.js';
export type { AddListenerOptions, ReadinessEvent, ReadinessOptions } from './listeners/eventbridge.js';
export { pollEvents, waitUntilEventMatched } from './listeners/iatk.js';
export {
  type AddKinesisListenerOptions,
  expectOrderedByKey,
  expectPartitionKeys,
  type KinesisDecode,
  KinesisListener,
  type KinesisRecordEvent,
  type KinesisStartPosition,
  PartitionKeyMismatchError,
  RecordOrderError,
  StreamNotFoundError,
} from './listeners/kinesis.js';
export type { RawMessage, ReceivedEvent } from './listeners/message.js';
export {
  type AddS3ListenerOptions,
  type S3Event,
  S3EventBridgeNotEnabledError,
  type S3EventDetail,
  type S3EventType,
} from './listeners/s3.js';
export {
  type AddSnsListenerOptions,
  type FilterPolicyScope,
  type SnsEvent,
  type SnsMessageAttribute,
  SubscriptionNotFoundError,
  TopicNotFoundError,
} from './listeners/sns.js';
export type {
  CollectOptions,
  EventBridgeEvent,
  ExpectNoEventOptions,
  Listener,
  MatchFunction,
  PollEventsOptions,
  WaitForEventsOptions,
  WaitOptions,
} from './listeners/types.js';
export {
  createProbe,
  type Probe,
  type ProbeContext,
  type ProbeOptions,
  removeListeners,
  type StackOutputsFunction,
} from './probe.js';
export type { ListenerResources } from './resources/listener-resources.js';
export type { Tags } from './resources/tags.js';
export {
  allTrees,
  assertNoTraceErrors,
  assertTraceDuration,
  assertTracePath,
  assertTraceServices,
  BATCH_GET_TRACES_LIMIT,
  buildTraceTree,
  type DurationSla,
  fetchTraceSegments,
  type GetTraceTreeOptions,
  getTraceTree,
  type HeaderSource,
  isSegmentId,
  isTraceId,
  type MatchByOptions,
  makeTraceHeader,
  newSegmentId,
  newTraceId,
  type PathOptions,
  parseTraceHeader,
  type RenderOptions,
  type RetryGetTraceTreeOptions,
  renderTraceTree,
  retryGetTraceTreeUntil,
  type SegmentInput,
  TRACING_MIDDLEWARE_NAME,
  type TraceAssertion,
  TraceAssertionError,
  TraceAssertionTimeoutError,
  type TraceableClient,
  type TraceHeader,
  type TraceNode,
  type TraceTree,
  type TracingHandle,
  traceHeaderFromExecution,
  traceHeaderFromLambdaResponse,
  traceHeaderFromListenerEvent,
  traceHeaderFromSqsMessage,
  traceIdOf,
  tracePaths,
  tryParseTraceHeader,
  type WithTracingOptions,
  withTracing,
  type XRayCause,
  type XRayEntityDocument,
  type XRayException,
  type XRayHttp,
  type XRayLike,
  type XRayLink,
  type XRaySegmentDocument,
  type XRaySubsegmentDocument,
} from './tracing/index.js';
export { sleep, type WaitForOptions, waitFor } from './wait/index.js';
