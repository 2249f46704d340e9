import { AwsError } from '../../core/errors.js';

/**
 * SQS errors as AWS reports them: the JSON error shape (what `__type` carries and the SDK maps to its
 * typed exception) and the legacy query code (sent in `x-amzn-query-error` and in query XML).
 */
export const sqsError = {
  queueDoesNotExist: (query = false): AwsError =>
    new AwsError(
      'QueueDoesNotExist',
      query
        ? 'The specified queue does not exist for this wsdl version.'
        : 'The specified queue does not exist.',
      400,
      'AWS.SimpleQueueService.NonExistentQueue',
    ),
  invalidParameterValue: (message: string): AwsError =>
    new AwsError('InvalidParameterValueException', message, 400, 'InvalidParameterValue'),
  invalidParameter: (name: string, value: unknown, reason: string): AwsError =>
    new AwsError(
      'InvalidParameterValueException',
      `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`,
      400,
      'InvalidParameterValue',
    ),
  missingParameter: (name: string): AwsError =>
    new AwsError(
      'MissingRequiredParameterException',
      `The request must contain the parameter ${name}.`,
      400,
      'MissingParameter',
    ),
  queueAlreadyExists: (attribute: string): AwsError =>
    new AwsError(
      'QueueNameExists',
      `A queue already exists with the same name and a different value for attribute ${attribute}`,
      400,
      'QueueAlreadyExists',
    ),
  invalidAttributeName: (message: string): AwsError =>
    new AwsError('InvalidAttributeName', message, 400, 'InvalidAttributeName'),
  invalidAttributeValue: (message: string): AwsError =>
    new AwsError('InvalidAttributeValue', message, 400, 'InvalidAttributeValue'),
  emptyBatch: (entryName: string): AwsError =>
    new AwsError(
      'EmptyBatchRequest',
      `There should be at least one ${entryName} in the request.`,
      400,
      'AWS.SimpleQueueService.EmptyBatchRequest',
    ),
  tooManyEntries: (count: number): AwsError =>
    new AwsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${count}.`,
      400,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    ),
  idsNotDistinct: (id: string): AwsError =>
    new AwsError(
      'BatchEntryIdsNotDistinct',
      `Id ${id} repeated.`,
      400,
      'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    ),
  invalidBatchEntryId: (): AwsError =>
    new AwsError(
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      400,
      'AWS.SimpleQueueService.InvalidBatchEntryId',
    ),
  batchTooLong: (size: number): AwsError =>
    new AwsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than 1048576 bytes. You have sent ${size} bytes.`,
      400,
      'AWS.SimpleQueueService.BatchRequestTooLong',
    ),
  receiptHandleIsInvalid: (handle: string): AwsError =>
    new AwsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
      404,
      'ReceiptHandleIsInvalid',
    ),
  messageNotInflight: (): AwsError =>
    new AwsError(
      'MessageNotInflight',
      'The message referred to is not in flight.',
      400,
      'AWS.SimpleQueueService.MessageNotInflight',
    ),
  queueDeletedRecently: (): AwsError =>
    new AwsError(
      'QueueDeletedRecently',
      'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
      400,
      'AWS.SimpleQueueService.QueueDeletedRecently',
    ),
  purgeInProgress: (name: string): AwsError =>
    new AwsError(
      'PurgeQueueInProgress',
      `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`,
      403,
      'AWS.SimpleQueueService.PurgeQueueInProgress',
    ),
  invalidMessageContents: (message: string): AwsError =>
    new AwsError('InvalidMessageContents', message, 400, 'InvalidMessageContents'),
  tooManyTags: (): AwsError =>
    new AwsError(
      'InvalidParameterValueException',
      'Too many tags added for queue.',
      400,
      'InvalidParameterValue',
    ),
};
