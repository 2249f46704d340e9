/** Error codes that mean "the resource is already gone": removal counts them as success. */
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NotFound',
  'NotFoundException',
]);

/** Error codes AWS uses for throttling (SQS, EventBridge, SNS, the tagging API). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

const codesOf = (error: unknown): string[] => {
  if (typeof error !== 'object' || error === null) return [];
  const { name, Code } = error as SdkErrorShape;
  return [name, Code].filter((c): c is string => typeof c === 'string');
};

/** True when an SDK error says the resource does not exist. */
export const isNotFound = (error: unknown): boolean => codesOf(error).some((c) => NOT_FOUND.has(c));

/** True for throttling and server-side (5xx) errors: worth retrying after a pause. */
export const isRetryable = (error: unknown): boolean => {
  if (codesOf(error).some((c) => THROTTLING.has(c))) return true;
  const status = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
};

/** A short description of an error for messages: its code and message. */
export const describeError = (error: unknown): string => {
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
};
