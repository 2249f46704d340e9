/**
 * An error in AWS's terms: the code the SDK maps to its typed exception, the HTTP status, and
 * (for services that also speak the query protocol) the legacy query error code.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  /** More members of the error's JSON body, e.g. DynamoDB's `Item` and `CancellationReasons`. */
  declare readonly fields?: Readonly<Record<string, unknown>>;
  constructor(
    /** The error shape name, e.g. `QueueDoesNotExist`, `ResourceNotFoundException`. */
    readonly code: string,
    message: string,
    /** HTTP status. 400 for client errors, 500/503 for server faults. */
    readonly status = 400,
    /** The query-protocol code, e.g. `AWS.SimpleQueueService.NonExistentQueue`. Defaults to `code`. */
    readonly queryCode: string = code,
  ) {
    super(message);
  }

  /** `Sender` for 4xx, `Receiver` for 5xx, as AWS reports the fault side. */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const validationError = (message: string, code = 'ValidationException'): AwsError =>
  new AwsError(code, message, 400);
