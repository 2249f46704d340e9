/**
 * Queue checks: watch a dead-letter queue without consuming its messages, and wait until a queue is
 * drained (its approximate counts at zero over a stable window, since SQS's counts lag on AWS).
 */
import { debuglog } from 'node:util';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DeadLettersError, InvalidInputError, QueueNotDrainedError, TimeoutError } from '../errors.js';
import { positiveNumber } from '../validate.js';
import { createDeadline, retry, sendOptions, sleep, throwIfAborted } from '../wait/index.js';
import { exactlyOne, optionsObject, runMatch } from './match.js';

const debug = debuglog('eventprobe');

/** How long a peeked message stays hidden if resetting its visibility fails (s). */
const PEEK_VISIBILITY_SECONDS = 10;
/** Receives per scan at most (10 messages each). */
const MAX_PEEK_ROUNDS = 100;

/** Where a queue is: exactly one of `queueUrl` and `queueName`. */
export interface QueueRef {
  /** The queue's URL (e.g. from `probe.stackOutputs`). */
  readonly queueUrl?: string;
  /** The queue's name, looked up with GetQueueUrl in the probe's account and region. */
  readonly queueName?: string;
}

/** Validates a {@link QueueRef} (exactly one of url and name, non-empty). */
const queueRef = (options: QueueRef, fn: string, extra: readonly string[] = []): QueueRef => {
  exactlyOne(options, ['queueUrl', 'queueName', ...extra], fn);
  return options;
};

const resolveUrl = async (sqs: SQSClient, ref: QueueRef, signal?: AbortSignal): Promise<string> => {
  if (ref.queueUrl !== undefined) return ref.queueUrl;
  const command = new GetQueueUrlCommand({ QueueName: ref.queueName as string });
  const out = await retry(() => sqs.send(command, sendOptions(signal)), { signal });
  return out.QueueUrl as string;
};

/** A message found in a dead-letter queue. */
export interface DeadLetterMessage {
  readonly messageId: string;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  /** SQS's system attributes (ApproximateReceiveCount, SentTimestamp, ...). */
  readonly attributes: Readonly<Record<string, string>>;
  /** The message attributes, as SQS returns them. */
  readonly messageAttributes: Message['MessageAttributes'];
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const toDeadLetter = (m: Message): DeadLetterMessage => ({
  messageId: m.MessageId as string,
  body: m.Body ?? '',
  json: parseJson(m.Body ?? ''),
  attributes: { ...m.Attributes },
  messageAttributes: m.MessageAttributes,
});

/** Makes received messages visible again at once (best effort: they reappear after the short timeout anyway). */
const release = async (sqs: SQSClient, queueUrl: string, handles: readonly string[]): Promise<void> => {
  for (let i = 0; i < handles.length; i += 10) {
    const entries = handles.slice(i, i + 10).map((ReceiptHandle, j) => ({
      Id: String(j),
      ReceiptHandle,
      VisibilityTimeout: 0,
    }));
    try {
      await retry(() =>
        sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
      );
    } catch (error) {
      debug('could not reset the visibility of %d messages in %s: %o', entries.length, queueUrl, error);
    }
  }
};

/**
 * Reads every visible message of a queue without consuming it: receives with a short visibility
 * timeout, then sets each message's visibility back to 0 so others (the app's redrive) still see it.
 */
export const peekMessages = async (
  sqs: SQSClient,
  queueUrl: string,
  signal?: AbortSignal,
): Promise<DeadLetterMessage[]> => {
  const found = new Map<string, DeadLetterMessage>();
  const handles: string[] = [];
  try {
    for (let round = 0; round < MAX_PEEK_ROUNDS; round++) {
      const command = new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      });
      throwIfAborted(signal);
      // Not cancelled mid-flight: an abandoned receive would hide its messages without handles to reset.
      const out = await retry(() => sqs.send(command));
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        handles.push(m.ReceiptHandle as string);
        found.set(m.MessageId as string, toDeadLetter(m));
      }
    }
  } finally {
    await release(sqs, queueUrl, handles);
  }
  return [...found.values()];
};

export interface WatchDeadLettersOptions extends QueueRef {
  /** The dead-letter queue itself, instead of a source queue whose RedrivePolicy names it. */
  readonly deadLetterQueueUrl?: string;
  readonly signal?: AbortSignal;
}

export interface WaitForDeadLettersOptions {
  /** How many new messages (that pass `match`) to wait for. Default 1. */
  readonly count?: number;
  /** Which messages count: return true, or return nothing / throw (assertion style). Default: all. */
  readonly match?: (message: DeadLetterMessage) => unknown;
  /** How long to wait, in ms. Required. */
  readonly timeout: number;
  /** Pause between scans, in ms. Default 500. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

export interface ExpectNoDeadLettersOptions {
  /** How long the queue must stay free of new messages, in ms (the whole window is waited). Default 0: one scan now. */
  readonly within?: number;
  /** Pause between scans, in ms. Default 500. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

/** A watch over a dead-letter queue, from the moment it started. */
export interface DeadLetterWatch {
  readonly deadLetterQueueUrl: string;
  /** The source queue's URL, when the watch was started from one. */
  readonly sourceQueueUrl: string | undefined;
  /** Ids of the messages that were already in the queue when the watch started (they never count). */
  readonly baseline: ReadonlySet<string>;
  /** The messages that arrived since the watch started (one scan now, plus those seen earlier). */
  messages(options?: { readonly signal?: AbortSignal }): Promise<DeadLetterMessage[]>;
  /** Waits until `count` new messages (that pass `match`) arrived; returns them. */
  waitForMessages(options: WaitForDeadLettersOptions): Promise<DeadLetterMessage[]>;
  /** @throws DeadLettersError with the messages that arrived (they stay in the queue). */
  expectNone(options?: ExpectNoDeadLettersOptions): Promise<void>;
}

/** The dead-letter queue's URL named by a source queue's RedrivePolicy. */
const deadLetterUrlOf = async (sqs: SQSClient, sourceUrl: string, signal?: AbortSignal): Promise<string> => {
  const command = new GetQueueAttributesCommand({ QueueUrl: sourceUrl, AttributeNames: ['RedrivePolicy'] });
  const out = await retry(() => sqs.send(command, sendOptions(signal)), { signal });
  const policy = parseJson(out.Attributes?.RedrivePolicy ?? '') as
    | { deadLetterTargetArn?: unknown }
    | undefined;
  const arn = policy?.deadLetterTargetArn;
  const parts = typeof arn === 'string' ? arn.split(':') : [];
  if (parts.length !== 6) {
    throw new InvalidInputError(
      `Queue ${sourceUrl} has no redrive policy, so it has no dead-letter queue to watch. Give the queue a RedrivePolicy (deadLetterTargetArn, maxReceiveCount), or pass deadLetterQueueUrl.`,
      'queueUrl',
    );
  }
  const command2 = new GetQueueUrlCommand({
    QueueName: parts[5] as string,
    QueueOwnerAWSAccountId: parts[4] as string,
  });
  const got = await retry(() => sqs.send(command2, sendOptions(signal)), { signal });
  return got.QueueUrl as string;
};

/**
 * Starts watching a dead-letter queue: found from the source queue's RedrivePolicy (or given), with
 * the messages already in it recorded as the baseline. Reading never consumes a message for good.
 *
 * IAM: sqs:GetQueueUrl (with queueName or to resolve the DLQ), sqs:GetQueueAttributes (source queue),
 * sqs:ReceiveMessage and sqs:ChangeMessageVisibility on the dead-letter queue.
 */
export const watchDeadLetters = async (
  sqs: SQSClient,
  options: WatchDeadLettersOptions,
): Promise<DeadLetterWatch> => {
  optionsObject(options, 'watchDeadLetters');
  queueRef(options, 'watchDeadLetters', ['deadLetterQueueUrl']);
  const { signal } = options;
  const sourceQueueUrl =
    options.deadLetterQueueUrl === undefined ? await resolveUrl(sqs, options, signal) : undefined;
  const deadLetterQueueUrl =
    sourceQueueUrl === undefined
      ? (options.deadLetterQueueUrl as string)
      : await deadLetterUrlOf(sqs, sourceQueueUrl, signal);
  const baseline = new Set((await peekMessages(sqs, deadLetterQueueUrl, signal)).map((m) => m.messageId));
  const arrived = new Map<string, DeadLetterMessage>();
  const scan = async (scanSignal?: AbortSignal): Promise<DeadLetterMessage[]> => {
    for (const m of await peekMessages(sqs, deadLetterQueueUrl, scanSignal)) {
      if (!baseline.has(m.messageId)) arrived.set(m.messageId, m);
    }
    return [...arrived.values()];
  };
  const describe = (ms: readonly DeadLetterMessage[]): string =>
    ms
      .slice(0, 5)
      .map((m) => `${m.messageId}: ${m.body.length > 200 ? `${m.body.slice(0, 200)}...` : m.body}`)
      .join('; ');
  return {
    deadLetterQueueUrl,
    sourceQueueUrl,
    baseline,
    messages: async (o) => scan(o?.signal),
    waitForMessages: async (o) => {
      optionsObject(o, 'waitForMessages');
      const count = positiveNumber('count', o.count ?? 1, true, null);
      const interval = positiveNumber('interval', o.interval ?? 500);
      const deadline = createDeadline(o.timeout, o.signal);
      let seen: DeadLetterMessage[] = [];
      try {
        for (;;) {
          seen = await scan(deadline.signal);
          const matched = seen.filter((m) => runMatch(o.match, m).ok);
          if (matched.length >= count) return matched;
          await sleep(Math.min(interval, deadline.remaining()), deadline.signal);
        }
      } catch (error) {
        if (!deadline.timedOut) throw error;
        const matched = seen.filter((m) => runMatch(o.match, m).ok).length;
        throw new TimeoutError(
          `${matched} of ${count} dead-letter messages arrived in ${deadLetterQueueUrl} within ${o.timeout} ms (${seen.length} new in all${seen.length ? `: ${describe(seen)}` : ''}).`,
          o.timeout,
          { cause: error },
        );
      } finally {
        deadline.dispose();
      }
    },
    expectNone: async (o = {}) => {
      optionsObject(o, 'expectNone');
      const within = o.within ?? 0;
      if (within !== 0) positiveNumber('within', within);
      const interval = positiveNumber('interval', o.interval ?? 500);
      const endsAt = performance.now() + within;
      for (;;) {
        const seen = await scan(o.signal);
        if (seen.length > 0) {
          throw new DeadLettersError(
            `${seen.length} message(s) arrived in dead-letter queue ${deadLetterQueueUrl}${sourceQueueUrl ? ` (of ${sourceQueueUrl})` : ''} since the watch started: ${describe(seen)}. They are still in the queue.`,
            deadLetterQueueUrl,
            seen,
          );
        }
        const left = endsAt - performance.now();
        if (left <= 0) return;
        await sleep(Math.min(interval, left), o.signal);
      }
    },
  };
};

// ---- drained --------------------------------------------------------------------------------------

/** A queue's approximate counts. */
export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/**
 * The stable-window rule of `expectQueueDrained`: drained once every read for `stableFor` ms was zero.
 * A non-zero read starts the window again. Pure (time is passed in), so it is tested with fakes.
 */
export class DrainWindow {
  #zeroSince: number | undefined;
  constructor(readonly stableFor: number) {}
  /** Records a read at `now` (ms); true once the counts have been zero for the whole window. */
  observe(counts: QueueCounts, now: number): boolean {
    if (counts.visible + counts.inFlight + counts.delayed > 0) {
      this.#zeroSince = undefined;
      return false;
    }
    this.#zeroSince ??= now;
    return now - this.#zeroSince >= this.stableFor;
  }
}

export interface ExpectQueueDrainedOptions extends QueueRef {
  /** How long the queue has to drain, in ms. Required. */
  readonly within: number;
  /** How long the counts must stay at zero, in ms (SQS's counts are approximate and lag). Default 2 000; less than `within`. */
  readonly stableFor?: number;
  /** Pause between reads, in ms. Default 250. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

export interface DrainedResult {
  readonly queueUrl: string;
  /** How many times the counts were read. */
  readonly reads: number;
}

const readCounts = async (sqs: SQSClient, queueUrl: string, signal: AbortSignal): Promise<QueueCounts> => {
  const command = new GetQueueAttributesCommand({
    QueueUrl: queueUrl,
    AttributeNames: [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ],
  });
  const out = await retry(() => sqs.send(command, { abortSignal: signal }), { signal });
  const n = (name: QueueAttributeName): number => Number(out.Attributes?.[name] ?? 0);
  return {
    visible: n('ApproximateNumberOfMessages'),
    inFlight: n('ApproximateNumberOfMessagesNotVisible'),
    delayed: n('ApproximateNumberOfMessagesDelayed'),
  };
};

/**
 * Waits until a queue's visible, in-flight and delayed counts are zero and stay zero for `stableFor`.
 *
 * IAM: sqs:GetQueueAttributes (and sqs:GetQueueUrl with queueName).
 * @throws QueueNotDrainedError with the last counts when the window is not reached `within` ms.
 */
export const expectQueueDrained = async (
  sqs: SQSClient,
  options: ExpectQueueDrainedOptions,
  /** How to pause between reads (tests inject one on fake timers). */
  pause: (ms: number, signal: AbortSignal) => Promise<void> = sleep,
): Promise<DrainedResult> => {
  optionsObject(options, 'expectQueueDrained');
  queueRef(options, 'expectQueueDrained');
  const within = positiveNumber('within', options.within);
  const stableFor = positiveNumber('stableFor', options.stableFor ?? Math.min(2_000, within / 2));
  if (stableFor >= within) {
    throw new InvalidInputError(
      `stableFor (${stableFor} ms) must be shorter than within (${within} ms), or the queue can never be proven drained.`,
      'stableFor',
    );
  }
  const interval = positiveNumber('interval', options.interval ?? 250);
  const deadline = createDeadline(within, options.signal, 'within');
  const window = new DrainWindow(stableFor);
  let counts: QueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
  let reads = 0;
  let queueUrl = options.queueUrl ?? (options.queueName as string);
  try {
    queueUrl = await resolveUrl(sqs, options, deadline.signal);
    for (;;) {
      counts = await readCounts(sqs, queueUrl, deadline.signal);
      reads++;
      if (window.observe(counts, performance.now())) return { queueUrl, reads };
      await pause(Math.min(interval, deadline.remaining()), deadline.signal);
    }
  } catch (error) {
    if (!deadline.timedOut) throw error;
    throw new QueueNotDrainedError(
      `Queue ${queueUrl} was not drained within ${within} ms (zero for ${stableFor} ms): last read ${counts.visible} visible, ${counts.inFlight} in flight, ${counts.delayed} delayed (${reads} reads). Is its consumer running and succeeding?`,
      within,
      queueUrl,
      counts,
      { cause: error },
    );
  } finally {
    deadline.dispose();
  }
};
