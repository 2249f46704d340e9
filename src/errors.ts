/**
 * The EventProbeError family. Every error eventprobe throws is one of these, with a message that
 * says what went wrong, where, and what to do next, the underlying error as `cause`, and readonly
 * context fields a test can inspect.
 */

export interface EventProbeErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error eventprobe throws. */
export class EventProbeError extends Error {
  /** The name of the class thrown (`TimeoutError`, `ListenerSetupError`, ...), set by this base for all. */
  override name: string;
  constructor(message: string, options: EventProbeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** An argument or option was wrong. Nothing was created. */
export class InvalidInputError extends EventProbeError {
  constructor(
    message: string,
    /** The option or argument at fault, e.g. `timeout`, `tags.team`. */
    readonly option: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** An EventBridge event pattern was rejected (the same reason AWS gives). */
export class InvalidEventPatternError extends InvalidInputError {
  constructor(
    /** AWS's reason, e.g. `"int" must be an object or an array`. */
    readonly reason: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(`Event pattern is not valid. Reason: ${reason}`, 'eventPattern', options);
  }
}

/** A wait ran out of time. The work it waited for was cancelled. */
export class TimeoutError extends EventProbeError {
  constructor(
    message: string,
    /** How long was waited, in ms. */
    readonly timeoutMs: number,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** Creating a listener failed. What was created has been removed, except `leftovers`. */
export class ListenerSetupError extends EventProbeError {
  constructor(
    message: string,
    /** ARNs/URLs that could not be removed while undoing (empty when undo was complete). */
    readonly leftovers: readonly string[] = [],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The probe was disposed: it creates nothing more and its clients are gone. */
export class ProbeDisposedError extends EventProbeError {
  constructor(
    /** What was asked of the disposed probe. */
    readonly operation: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `${operation} was called on a disposed probe: after dispose (or \`await using\` leaving its scope) a probe creates nothing and its AWS clients are destroyed. Create a new probe with createProbe().`,
      options,
    );
  }
}

/** Removing resources failed for some of them. */
export class CleanupError extends EventProbeError {
  constructor(
    message: string,
    /** Each resource that could not be removed, with the reason. */
    readonly failures: readonly { readonly resource: string; readonly error: unknown }[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** X-Ray has no trace for this id (yet). */
export class TraceNotFoundError extends EventProbeError {
  constructor(
    message: string,
    readonly traceId: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A trace is still missing segments (X-Ray is still ingesting, or a parent was never sent). */
export class TraceIncompleteError extends EventProbeError {
  constructor(
    message: string,
    readonly traceId: string,
    /** Ids of parents that segments point at but that have not arrived. */
    readonly missing: readonly string[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A CloudFormation stack lacks outputs (or a resource) that were asked for. */
export class StackOutputMissingError extends EventProbeError {
  constructor(
    message: string,
    readonly stackName: string,
    readonly missing: readonly string[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A schema from the schema registry uses a form eventprobe cannot build mock events from. */
export class SchemaUnsupportedError extends EventProbeError {
  constructor(
    message: string,
    readonly schemaName: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** Where to reach AWS could not be worked out: no region, or no credentials. Nothing was sent. */
export class AwsConfigError extends InvalidInputError {}

/** An endpoint did not answer a request within `requestTimeoutMs` on any of `maxAttempts` attempts. */
export class RequestTimeoutError extends EventProbeError {
  constructor(
    message: string,
    /** The endpoint that did not answer (a URL, or `AWS <service>` when the SDK picks it). */
    readonly endpoint: string,
    /** The per-request timeout that ran out, in ms. */
    readonly requestTimeoutMs: number,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** An endpoint could not be reached at all (connection refused, host unknown, network down). */
export class EndpointConnectionError extends EventProbeError {
  constructor(
    message: string,
    /** The endpoint that could not be reached. */
    readonly endpoint: string,
    /** The network error code, e.g. `ECONNREFUSED`, `ENOTFOUND`. */
    readonly code: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * A task that failed during an execution: one attempt that a Retry repeated, that a Catch handled,
 * or that ended the execution.
 */
export interface TaskFailure {
  /** The Task state whose attempt failed (undefined when the history does not lead back to one). */
  readonly state: string | undefined;
  /** The history event: `TaskFailed`, `TaskTimedOut`, `LambdaFunctionFailed`, `ActivityFailed`, ... */
  readonly type: string;
  /** The error name, e.g. the function's error type (`CourierRejected`) or `States.Timeout`. */
  readonly error: string | undefined;
  /** The cause: for a Lambda function, its error as JSON (errorMessage, errorType, stackTrace). */
  readonly cause: string | undefined;
}

/**
 * A Step Functions execution ended with another status than expected (usually: it failed, timed
 * out or was aborted when it should have succeeded). The message names the failed state, its error
 * and cause, and the states entered.
 */
export class ExecutionFailedError extends EventProbeError {
  constructor(
    message: string,
    readonly executionArn: string,
    /** The status it ended with: FAILED, TIMED_OUT, ABORTED (or SUCCEEDED when another was expected). */
    readonly status: string,
    /** The state that failed (the last state entered), when the history names one. */
    readonly failedState: string | undefined,
    readonly error: string | undefined,
    readonly errorCause: string | undefined,
    /** Names of the states entered, in order. */
    readonly path: readonly string[],
    /** The failed task attempts, in order (retried, caught or final): which task failed, and why. */
    readonly failures: readonly TaskFailure[] = [],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The states an execution entered are not the ones expected. */
export class ExecutionPathError extends EventProbeError {
  constructor(
    message: string,
    readonly expected: readonly string[],
    readonly actual: readonly string[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

// ---- compute and queue checks -------------------------------------------------------------------

/** A Lambda function returned an error (`probe.invoke`): its own error type, message, stack and log tail. */
export class FunctionError extends EventProbeError {
  constructor(
    message: string,
    readonly functionName: string,
    /** The function's error type, e.g. `Error`, `Runtime.ImportModuleError`, `Sandbox.Timedout`. */
    readonly errorType: string,
    readonly errorMessage: string,
    /** The function's stack, one frame a line (empty when the runtime sent none). */
    readonly stackTrace: readonly string[],
    /** The end of the invocation's log (at most 4 KB, decoded), or '' when Lambda sent none. */
    readonly logTail: string,
    /** The invocation's request id, when Lambda returned one. */
    readonly requestId: string | undefined,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** Messages arrived in a dead-letter queue that was expected to stay empty. They are still there. */
export class DeadLettersError extends EventProbeError {
  constructor(
    message: string,
    readonly deadLetterQueueUrl: string,
    /** The messages that arrived since the watch started (bodies, ids, attributes). */
    readonly messages: readonly {
      readonly messageId: string;
      readonly body: string;
      readonly json: unknown;
      readonly attributes: Readonly<Record<string, string>>;
    }[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A failure a function's log shows. */
export interface FunctionLogFailure {
  /** `error`: the handler threw or rejected; `timeout`: `Task timed out`; `runtime`: the runtime failed (Runtime.*, exits). */
  readonly kind: 'error' | 'timeout' | 'runtime';
  readonly requestId: string | undefined;
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace: readonly string[];
  readonly timestamp: number;
  readonly logStreamName: string;
}

/** A function's log shows errors or timeouts that were expected not to happen. */
export class FunctionLogErrorsError extends EventProbeError {
  constructor(
    message: string,
    readonly logGroupName: string,
    /** Each failure found, with its kind, request id, error type and message. */
    readonly errors: readonly FunctionLogFailure[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A queue's counts did not reach zero and stay there for the stable window in time. */
export class QueueNotDrainedError extends TimeoutError {
  constructor(
    message: string,
    timeoutMs: number,
    readonly queueUrl: string,
    /** The last counts read. */
    readonly counts: { readonly visible: number; readonly inFlight: number; readonly delayed: number },
    options: EventProbeErrorOptions = {},
  ) {
    super(message, timeoutMs, options);
  }
}

/**
 * A DynamoDB check ran out of time: the item never appeared, or never passed the match, or fewer
 * items than expected arrived. The message and fields say what was there.
 */
export class ItemTimeoutError extends TimeoutError {
  constructor(
    message: string,
    timeoutMs: number,
    readonly tableName: string,
    /** What was there at the end: the item (waitForItem, undefined when absent) or the items under the partition key (waitForItems). */
    readonly seen: unknown,
    /** How many items matched (waitForItems; 0 or 1 for waitForItem). */
    readonly matched: number,
    /** How many were expected. */
    readonly expected: number,
    /** The expected ids (`expect`) that never arrived (or never matched). */
    readonly missing: readonly string[],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, timeoutMs, options);
  }
}

/** An item (or object) appeared that a check said must not be there. */
export class UnexpectedItemError extends EventProbeError {
  constructor(
    message: string,
    /** The table or bucket. */
    readonly where: string,
    /** The item (or object's metadata) that was found. */
    readonly found: unknown,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** An S3 object never appeared (or never passed the match) in time. */
export class ObjectTimeoutError extends TimeoutError {
  constructor(
    message: string,
    timeoutMs: number,
    readonly bucket: string,
    readonly key: string,
    /** True when the object existed at the end (but did not pass the match). */
    readonly existed: boolean,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, timeoutMs, options);
  }
}
