export {
  assertNoTraceErrors,
  assertTraceDuration,
  assertTracePath,
  assertTraceServices,
  type DurationSla,
  type MatchByOptions,
  type PathOptions,
  TraceAssertionError,
  tracePaths,
} from './assert.js';
export { runTraceCommand, type TraceCommandIo } from './cli.js';
export {
  BATCH_GET_TRACES_LIMIT,
  fetchTraceSegments,
  type GetTraceTreeOptions,
  getTraceTree,
  type RetryGetTraceTreeOptions,
  retryGetTraceTreeUntil,
  type TraceAssertion,
  TraceAssertionTimeoutError,
  type XRayLike,
} from './fetch.js';
export {
  type HeaderSource,
  isSegmentId,
  isTraceId,
  makeTraceHeader,
  newSegmentId,
  newTraceId,
  parseTraceHeader,
  type TraceHeader,
  traceHeaderFromExecution,
  traceHeaderFromLambdaResponse,
  traceHeaderFromListenerEvent,
  traceHeaderFromSqsMessage,
  traceIdOf,
  tryParseTraceHeader,
} from './header.js';
export {
  TRACING_MIDDLEWARE_NAME,
  type TraceableClient,
  type TracingHandle,
  type WithTracingOptions,
  withTracing,
} from './middleware.js';
export { type RenderOptions, renderTraceTree } from './render.js';
export {
  allTrees,
  buildTraceTree,
  type SegmentInput,
  type TraceNode,
  type TraceTree,
  type XRayCause,
  type XRayEntityDocument,
  type XRayException,
  type XRayHttp,
  type XRayLink,
  type XRaySegmentDocument,
  type XRaySubsegmentDocument,
} from './tree.js';
