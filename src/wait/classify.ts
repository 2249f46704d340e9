/**
 * The one classification of AWS errors in the library: which are throttling, which are worth
 * retrying, which mean "not found" or "access denied". No AWS client imports: it reads the shape
 * every SDK v3 error has (`name`, the query protocol's `Code`, `$metadata.httpStatusCode`, and the
 * SDK's own `$retryable` trait).
 *
 * The throttling codes are the SDK's own list (smithy's service-error-classification
 * `THROTTLING_ERROR_CODES`; a unit test keeps them equal), plus HTTP 429 and `$retryable.throttling`,
 * exactly as the SDK's `isThrottlingError` decides.
 */

interface SdkErrorShape {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: { readonly throttling?: boolean };
}

/** The SDK's throttling codes (smithy's `THROTTLING_ERROR_CODES`). */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Server-side errors that pass: AWS's transient codes (any 5xx counts too). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Codes that mean "the resource is already gone" (SQS JSON and query, EventBridge, SNS, Kinesis). */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NotFound',
  'NotFoundException',
]);

/** SQS's own codes for a queue that does not exist (JSON and query protocols). */
const QUEUE_GONE_CODES: ReadonlySet<string> = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);

/** Codes that mean the credentials may not do this. */
const ACCESS_DENIED_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedOperation',
]);

const shape = (error: unknown): SdkErrorShape | undefined =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape) : undefined;

/** The error's codes: its `name` and (query protocol) `Code`, when they are strings. */
const codesOf = (error: unknown): string[] => {
  const e = shape(error);
  return e ? [e.name, e.Code].filter((c): c is string => typeof c === 'string') : [];
};

const hasCode = (error: unknown, codes: ReadonlySet<string>): boolean =>
  codesOf(error).some((c) => codes.has(c));

const statusOf = (error: unknown): number | undefined => {
  const status = shape(error)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
};

/** The `name` of an SDK error (its AWS error code), if it has one. */
export const errorName = (error: unknown): string | undefined => (error as { name?: string } | null)?.name;

/** True when AWS throttled the call (the SDK's own rule: throttling code, HTTP 429, or `$retryable.throttling`). */
export const isThrottling = (error: unknown): boolean =>
  shape(error)?.$retryable?.throttling === true ||
  hasCode(error, THROTTLING_CODES) ||
  statusOf(error) === 429;

/** True for a transient server-side error: a transient code or any HTTP 5xx. */
export const isTransient = (error: unknown): boolean => {
  const status = statusOf(error);
  return hasCode(error, TRANSIENT_CODES) || (status !== undefined && status >= 500);
};

/** True when waiting and trying again may succeed: throttling or a transient server error. */
export const isRetryable = (error: unknown): boolean => isThrottling(error) || isTransient(error);

/** True when an SDK error says the resource does not exist (removal counts it as success). */
export const isNotFound = (error: unknown): boolean => hasCode(error, NOT_FOUND_CODES);

/** True when CloudFormation says a stack (or stack resource) does not exist: a ValidationError "... does not exist". */
export const isStackNotFound = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message);

/** True when SQS says the queue does not exist. */
export const isQueueGone = (error: unknown): boolean => hasCode(error, QUEUE_GONE_CODES);

/** True when the credentials may not do what was asked. */
export const isAccessDenied = (error: unknown): boolean =>
  hasCode(error, ACCESS_DENIED_CODES) || statusOf(error) === 403;

/** A short description of an error for messages: its code and message. */
export const describeError = (error: unknown): string => {
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
};
