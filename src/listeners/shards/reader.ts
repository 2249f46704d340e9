/**
 * Reads every shard of a stream continuously until halted: Kinesis Data Streams and DynamoDB
 * Streams have the same shape (list shards, get a shard iterator, get records until the shard
 * closes, then its children), so a listener of either gives a {@link ShardSource} and gets this
 * loop unchanged.
 *
 * Per shard: GetRecords again at once while the shard is behind, else after `pollInterval`;
 * throttling and transient errors back off with full jitter (counted in `stats.throttled`); an
 * expired iterator is renewed after the last record read; other errors are reported (the reader
 * keeps going) and a shard that is gone ends. Children start once all their parents are drained.
 */
import {
  backoffDelay,
  errorName,
  isRetryable,
  type RetryPolicy,
  sleep as realSleep,
  retry,
} from '../../wait/index.js';
import { ShardGraph, type ShardInfo } from './graph.js';

/** Where a shard iterator starts. */
export type ShardPosition =
  | { readonly type: 'LATEST' }
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** One GetRecords answer, in the reader's terms. */
export interface RecordsPage<R> {
  readonly records: readonly R[];
  /** The next iterator; undefined once a closed shard is read to its end. */
  readonly next: string | undefined;
  /** True when more is waiting right now (read again without pausing). */
  readonly behind: boolean;
  /**
   * The shard's children, when the service reports them with the last page (Kinesis's ChildShards);
   * undefined when it does not (DynamoDB Streams): the reader then lists the shards again.
   */
  readonly children?: readonly { readonly shardId: string; readonly parents: readonly string[] }[];
}

/** The stream API the reader needs. Calls take the reader's abort signal. */
export interface ShardSource<R> {
  /** Every shard of the stream (all pages). */
  listShards(signal: AbortSignal | undefined): Promise<ShardInfo[]>;
  getIterator(shardId: string, position: ShardPosition, signal: AbortSignal): Promise<string>;
  getRecords(iterator: string, signal: AbortSignal): Promise<RecordsPage<R>>;
  /** A record's sequence number (to resume after it). */
  sequenceNumber(record: R): string;
}

/** Counters of a reader (read-only for everyone but the reader). */
export interface ShardReaderStats {
  /** GetRecords calls made so far. */
  readonly getRecordsCalls: number;
  /** GetRecords / GetShardIterator calls that were throttled (or failed transiently) and retried. */
  readonly throttled: number;
}

export interface ShardReaderOptions<R> {
  readonly source: ShardSource<R>;
  /** Where to start: the tip, the oldest record kept, or a time. */
  readonly from: 'latest' | 'trim-horizon' | Date;
  /** When the listener started: where an expired `latest` iterator resumes when nothing was read yet. */
  readonly startedAt: Date;
  /** Pause between reads of a shard that has nothing new, in ms. */
  readonly pollInterval: number;
  /** Least pause after a failure, in ms (backoff is added). */
  readonly minPause: number;
  /** Backoff of GetShardIterator retries and of pauses after failures. */
  readonly backoff: RetryPolicy;
  /** New records of a shard, in order. */
  readonly onRecords: (shardId: string, records: readonly R[]) => void;
  /** A failure worth telling the waits about (`what`: the operation). */
  readonly onError: (shardId: string, what: string, error: unknown) => void;
  /** How to pause (tests inject fakes). Default: a timer the reader's signal cancels. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const isGone = (error: unknown): boolean => errorName(error) === 'ResourceNotFoundException';
const isExpired = (error: unknown): boolean => errorName(error) === 'ExpiredIteratorException';

export class ShardReader<R> {
  readonly #options: ShardReaderOptions<R>;
  readonly #graph = new ShardGraph();
  readonly #reading = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #first: ShardPosition;
  readonly #child: ShardPosition;
  #getRecordsCalls = 0;
  #throttled = 0;
  /** A read-only view of the counters. */
  readonly stats: ShardReaderStats;

  constructor(options: ShardReaderOptions<R>) {
    this.#options = options;
    const counters = (): { getRecordsCalls: number; throttled: number } => ({
      getRecordsCalls: this.#getRecordsCalls,
      throttled: this.#throttled,
    });
    this.stats = Object.freeze({
      get getRecordsCalls() {
        return counters().getRecordsCalls;
      },
      get throttled() {
        return counters().throttled;
      },
    });
    this.#sleep = options.sleep ?? realSleep;
    const { from } = options;
    this.#first =
      from === 'latest'
        ? { type: 'LATEST' }
        : from === 'trim-horizon'
          ? { type: 'TRIM_HORIZON' }
          : { type: 'AT_TIMESTAMP', timestamp: from };
    this.#child = from instanceof Date ? this.#first : { type: 'TRIM_HORIZON' };
  }

  /**
   * Gets an iterator for every starting shard (before returning, so `latest` misses nothing that
   * comes next), then reads them in the background. Throws what GetShardIterator threw (or the
   * signal's reason): nothing is read then.
   */
  async start(shards: readonly ShardInfo[], signal: AbortSignal | undefined): Promise<void> {
    const start = this.#graph.start(shards, this.#first.type === 'LATEST');
    const firsts = await Promise.all(
      start.map((shardId) => this.#iterator(shardId, this.#first, signal ?? this.#reading.signal)),
    );
    start.forEach((shardId, i) => {
      this.#track(this.#read(shardId, firsts[i] as string, this.#first));
    });
  }

  /** Stops reading: in-flight calls are cancelled; resolves when every shard loop has ended. */
  async halt(): Promise<void> {
    this.#reading.abort();
    await Promise.allSettled([...this.#tasks]);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** GetShardIterator, retried on throttling with backoff. */
  #iterator(shardId: string, position: ShardPosition, signal: AbortSignal): Promise<string> {
    return retry(
      async () => {
        try {
          return await this.#options.source.getIterator(shardId, position, signal);
        } catch (error) {
          if (isRetryable(error)) this.#throttled++;
          throw error;
        }
      },
      { ...this.#options.backoff, signal },
    );
  }

  /** Pauses after `failures` failures; false when the reader stopped meanwhile. */
  #pause(ms: number): Promise<boolean> {
    return this.#sleep(ms, this.#reading.signal).then(
      () => true,
      () => false,
    );
  }

  #backoff(failures: number): number {
    return this.#options.minPause + backoffDelay(this.#options.backoff, failures + 1);
  }

  /**
   * An iterator for a shard, retried until it is there (each failure reported);
   * undefined when the reader stops or the shard (or stream) is gone.
   */
  async #open(shardId: string, position: ShardPosition): Promise<string | undefined> {
    const abort = this.#reading.signal;
    for (let failures = 1; ; failures++) {
      try {
        return await this.#iterator(shardId, position, abort);
      } catch (error) {
        if (abort.aborted) return undefined;
        this.#options.onError(shardId, 'GetShardIterator', error);
        if (isGone(error) || !(await this.#pause(this.#backoff(failures)))) return undefined;
      }
    }
  }

  /** Where to pick up after an expired iterator: after the last record read, else where the shard started. */
  #renewal(position: ShardPosition, last: string | undefined): ShardPosition {
    if (last !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
    return position.type === 'LATEST'
      ? { type: 'AT_TIMESTAMP', timestamp: this.#options.startedAt }
      : position;
  }

  /** Starts the shards whose parents are all drained. */
  #startReady(): void {
    for (const shardId of this.#graph.takeReady()) {
      this.#track(
        (async () => {
          const it = await this.#open(shardId, this.#child);
          if (it === undefined) this.#graph.drained(shardId);
          else await this.#read(shardId, it, this.#child);
        })(),
      );
    }
  }

  /** A closed shard is drained: record its children (listing the shards again if the page had none) and start what is ready. */
  async #closed(shardId: string, children: RecordsPage<R>['children']): Promise<void> {
    if (children !== undefined) this.#graph.addChildren(children);
    else {
      try {
        const shards = await this.#options.source.listShards(this.#reading.signal);
        this.#graph.addChildren(shards.filter((s) => s.parents.includes(shardId)));
      } catch (error) {
        if (!this.#reading.signal.aborted) this.#options.onError(shardId, 'listing child shards', error);
      }
    }
  }

  async #read(shardId: string, first: string, position: ShardPosition): Promise<void> {
    const abort = this.#reading.signal;
    this.#graph.reading(shardId);
    const state = { it: first, last: undefined as string | undefined, failures: 0 };
    for (;;) {
      const step = await this.#readOnce(shardId, position, state, abort);
      if (step === 'stop') return;
      if (step === 'drained') break;
    }
    this.#graph.drained(shardId);
    this.#startReady();
  }

  /** One GetRecords call and what follows it: 'next' to read on, 'drained' when the shard ended, 'stop' when halted. */
  async #readOnce(
    shardId: string,
    position: ShardPosition,
    state: { it: string; last: string | undefined; failures: number },
    abort: AbortSignal,
  ): Promise<'next' | 'drained' | 'stop'> {
    let page: RecordsPage<R>;
    try {
      this.#getRecordsCalls++;
      page = await this.#options.source.getRecords(state.it, abort);
    } catch (error) {
      return this.#readFailed(shardId, position, state, error, abort);
    }
    state.failures = 0;
    if (page.records.length > 0) {
      state.last = this.#options.source.sequenceNumber(page.records.at(-1) as R);
      this.#options.onRecords(shardId, page.records);
    }
    if (page.next === undefined) {
      await this.#closed(shardId, page.children);
      return 'drained';
    }
    state.it = page.next;
    if (page.behind) return 'next';
    return (await this.#pause(this.#options.pollInterval)) ? 'next' : 'stop';
  }

  async #readFailed(
    shardId: string,
    position: ShardPosition,
    state: { it: string; last: string | undefined; failures: number },
    error: unknown,
    abort: AbortSignal,
  ): Promise<'next' | 'drained' | 'stop'> {
    if (abort.aborted) return 'stop';
    state.failures++;
    if (isExpired(error)) {
      const renewed = await this.#open(shardId, this.#renewal(position, state.last));
      if (renewed === undefined) return 'drained';
      state.it = renewed;
      return 'next';
    }
    if (isRetryable(error)) this.#throttled++;
    else {
      this.#options.onError(shardId, 'GetRecords', error);
      if (isGone(error)) return 'drained';
    }
    return (await this.#pause(this.#backoff(state.failures))) ? 'next' : 'stop';
  }
}
