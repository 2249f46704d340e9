import { debuglog } from 'node:util';
import type { Emulator } from '../../core/emulator.js';

const log = debuglog('eventprobe:lambda');

/** The region of a Lambda function ARN (`arn:aws:lambda:<region>:...`), or undefined. */
const FUNCTION_REGION = /^arn:aws[\w-]*:lambda:([a-z0-9-]+):/;

export interface EventTargetOptions {
  /** The `X-Amzn-Trace-Id` of the event delivered: a sampled trace continues in the function. */
  readonly traceHeader?: string | undefined;
  /**
   * Called with the reason when the function does not receive the event (not a function ARN, the
   * emulator does not serve Lambda, no such function, a payload over the asynchronous limit, an
   * injected fault). Default: a line under `NODE_DEBUG=eventprobe:lambda`.
   */
  readonly onDropped?: (reason: unknown) => void;
}

const reasonText = (reason: unknown): string => (reason instanceof Error ? reason.message : String(reason));

/**
 * How an AWS service hands an event to a Lambda function it targets (an SNS subscription, an
 * EventBridge rule target, an S3 notification, an asynchronous invocation's destination): an
 * asynchronous (`Event`) invoke in the function's own region. Lambda queues the event, retries it
 * on error and then sends it to the function's on-failure destination or dead-letter queue, as for
 * any asynchronous invoke. As on AWS, an event the function cannot receive is dropped, never an
 * error of the sender: the promise never rejects, and resolves to whether Lambda accepted it.
 */
export const invokeAsEventTarget = async (
  emulator: Emulator,
  functionArn: string,
  payload: string,
  options: EventTargetOptions = {},
): Promise<boolean> => {
  const dropped =
    options.onDropped ??
    ((reason: unknown) => log('event for %s dropped: %s', functionArn, reasonText(reason)));
  const region = FUNCTION_REGION.exec(functionArn)?.[1];
  if (region === undefined) {
    dropped(new Error(`${functionArn} is not a Lambda function ARN`));
    return false;
  }
  if (!emulator.service('lambda')) {
    dropped(new Error('this emulator does not serve Lambda'));
    return false;
  }
  try {
    await emulator.invoke(
      'lambda',
      'Invoke',
      { FunctionName: functionArn, InvocationType: 'Event', Payload: payload },
      { region, ...(options.traceHeader ? { traceHeader: options.traceHeader } : {}) },
    );
    return true;
  } catch (err) {
    dropped(err);
    return false;
  }
};
