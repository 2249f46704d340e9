import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandOutput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { ListenerContext } from '../context.js';
import {
  EventProbeError,
  type EventProbeErrorOptions,
  InvalidInputError,
  ListenerSetupError,
} from '../errors.js';
import type { ListenerResources } from '../resources/listener-resources.js';
import { newListenerId } from '../resources/naming.js';
import { positiveNumber } from '../validate.js';
import { backoffDelay, errorName, isRetryable, retry, sleep } from '../wait/index.js';
import { errorMessage, preview } from './errors.js';
import { BufferedListener } from './listener.js';
import type { ReceivedEvent } from './message.js';

/** Where a Kinesis listener starts reading each shard. */
export type KinesisStartPosition = 'now' | 'trim-horizon' | Date;

/**
 * How record data is decoded: `json` (must be JSON), `text` (UTF-8), `bytes` (a Uint8Array), or
 * `auto` (JSON when it parses, else text).
 */
export type KinesisDecode = 'auto' | 'json' | 'text' | 'bytes';

/** One Kinesis record as the listener read it. */
export interface KinesisRecordEvent<T = unknown> {
  /** The record's data, decoded as the listener's `decode` option says. */
  readonly data: T;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly shardId: string;
  readonly approximateArrivalTimestamp: Date;
}

/** Options of `probe.addKinesisListener`. Give `streamName` or `streamArn`. */
export interface AddKinesisListenerOptions {
  /** The stream's name (in the probe's region). */
  readonly streamName?: string;
  /** The stream's ARN (instead of streamName). */
  readonly streamArn?: string;
  /**
   * Where to start: `now` (only records put after `addKinesisListener` returns), `trim-horizon`
   * (every record the stream still holds), or a Date (records that arrived at or after it).
   * Default `now`.
   */
  readonly from?: KinesisStartPosition;
  /** How record data is decoded (see {@link KinesisDecode}). Default `auto`. */
  readonly decode?: KinesisDecode;
  /**
   * Pause between GetRecords calls on a shard that has nothing new, in ms (at least 200: a shard
   * allows 5 reads per second, shared with every other consumer). Default 200.
   */
  readonly pollInterval?: number;
  /** Cancels the setup (the listener itself is stopped with `stop()`). */
  readonly signal?: AbortSignal;
}

/** The stream does not exist in the region the probe uses (or these credentials cannot see it). */
export class StreamNotFoundError extends InvalidInputError {
  override name = 'StreamNotFoundError';
  constructor(
    readonly stream: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `Kinesis stream ${stream} does not exist (or these credentials cannot see it). Check streamName / streamArn and the region.`,
      'streamName',
      options,
    );
  }
}

/** `expectPartitionKeys` found other partition keys than expected. */
export class PartitionKeyMismatchError extends EventProbeError {
  override name = 'PartitionKeyMismatchError';
  constructor(
    message: string,
    /** The keys expected. */
    readonly expected: readonly string[],
    /** The distinct keys received, in order of first arrival. */
    readonly actual: readonly string[],
    /** Expected but not received. */
    readonly missing: readonly string[],
    /** Received but not expected (only checked with `exact`). */
    readonly unexpected: readonly string[],
  ) {
    super(message);
  }
}

/** `expectOrderedByKey` found two records of one key out of order. */
export class RecordOrderError extends EventProbeError {
  override name = 'RecordOrderError';
  constructor(
    message: string,
    readonly key: string,
    /** The record received first. */
    readonly earlier: KinesisRecordEvent,
    /** The record received after it, although it was put before it. */
    readonly later: KinesisRecordEvent,
  ) {
    super(message);
  }
}

const MIN_POLL_INTERVAL_MS = 200;
/** Records a GetRecords call returns at most (its default Limit): a full page means more may be waiting. */
const GET_RECORDS_PAGE = 10_000;
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):\d{12}:stream\/[a-zA-Z0-9_.-]{1,128}$/;
const DECODES: readonly string[] = ['auto', 'json', 'text', 'bytes'];

interface Validated {
  readonly stream: { readonly StreamName: string } | { readonly StreamARN: string };
  readonly label: string;
  readonly arnRegion: string | undefined;
  readonly from: KinesisStartPosition;
  readonly decode: KinesisDecode;
  readonly pollInterval: number;
}

const validate = (options: AddKinesisListenerOptions): Validated => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError(
      'addKinesisListener needs an options object with streamName or streamArn.',
      'options',
    );
  }
  const {
    streamName,
    streamArn,
    from = 'now',
    decode = 'auto',
    pollInterval = MIN_POLL_INTERVAL_MS,
  } = options;
  if ((streamName === undefined) === (streamArn === undefined)) {
    throw new InvalidInputError(
      streamName === undefined ? 'Pass streamName or streamArn.' : 'Pass streamName or streamArn, not both.',
      'streamName',
    );
  }
  if (streamName !== undefined && (typeof streamName !== 'string' || !STREAM_NAME.test(streamName))) {
    throw new InvalidInputError(
      `streamName must be 1 to 128 letters, digits, "_", "." or "-"; got ${JSON.stringify(streamName)}.`,
      'streamName',
    );
  }
  const arnMatch = typeof streamArn === 'string' ? STREAM_ARN.exec(streamArn) : null;
  if (streamArn !== undefined && !arnMatch) {
    throw new InvalidInputError(
      `streamArn must be a Kinesis stream ARN like arn:aws:kinesis:us-east-1:123456789012:stream/orders; got ${JSON.stringify(streamArn)}.`,
      'streamArn',
    );
  }
  if (
    from !== 'now' &&
    from !== 'trim-horizon' &&
    !(from instanceof Date && Number.isFinite(from.getTime()))
  ) {
    throw new InvalidInputError(
      `from must be "now", "trim-horizon" or a valid Date; got "${String(from)}".`,
      'from',
    );
  }
  if (!DECODES.includes(decode)) {
    throw new InvalidInputError(
      `decode must be "auto", "json", "text" or "bytes"; got ${JSON.stringify(decode)}.`,
      'decode',
    );
  }
  positiveNumber('pollInterval', pollInterval);
  if (pollInterval < MIN_POLL_INTERVAL_MS) {
    throw new InvalidInputError(
      `pollInterval must be at least ${MIN_POLL_INTERVAL_MS} ms (a shard allows 5 reads per second); got ${pollInterval}.`,
      'pollInterval',
    );
  }
  return {
    stream: streamName === undefined ? { StreamARN: streamArn as string } : { StreamName: streamName },
    label: (streamName ?? streamArn) as string,
    arnRegion: arnMatch?.[1],
    from,
    decode,
    pollInterval,
  };
};

/** The UTF-8 text of record data (read in place: no copy of the bytes). */
const utf8 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/** Attributes of a record's `raw` message: Kinesis records have none (shared, frozen). */
const NO_ATTRIBUTES: Readonly<Record<string, never>> = Object.freeze({});

const keyOf = (shardId: string, sequenceNumber: string): string => `${shardId}/${sequenceNumber}`;

type Source<T> = KinesisListener<T> | readonly KinesisRecordEvent<T>[];
const eventsOf = <T>(source: Source<T>): readonly KinesisRecordEvent<T>[] =>
  source instanceof KinesisListener ? source.events : source;

/**
 * Reads every shard of a stream into a listener. Shards are read concurrently and continuously (not
 * only while something waits); a closed shard's children are read once all of their parents are
 * drained, so per-key order holds across resharding.
 */
export class KinesisListener<T = unknown> extends BufferedListener<T, KinesisRecordEvent<T>> {
  /** The stream, as given (name or ARN). */
  readonly stream: string;
  /** GetRecords calls made so far (for tests and benchmarks). */
  getRecordsCalls = 0;
  /** GetRecords / GetShardIterator calls that were throttled and retried. */
  throttled = 0;
  readonly #halt: () => Promise<void>;

  /** @internal Use `probe.addKinesisListener` (or `createKinesisListener`). */
  constructor(init: {
    id: string;
    resources: ListenerResources;
    stream: string;
    halt: () => Promise<void>;
    onStop?: () => void;
  }) {
    super(init);
    this.stream = init.stream;
    this.#halt = init.halt;
  }

  /** The distinct partition keys received so far, in order of first arrival. */
  partitionKeys(): string[] {
    return [...new Set(this.events.map((e) => e.partitionKey))];
  }

  /** Stops reading the shards (in-flight calls are cancelled). */
  protected override haltSource(): Promise<void> {
    return this.#halt();
  }
}

/**
 * Asserts which partition keys the records carry. Default: exactly the expected set (each one at
 * least once, nothing else); with `exact: false`, at least the expected ones.
 *
 * @throws PartitionKeyMismatchError naming the missing and unexpected keys.
 */
export const expectPartitionKeys = <T>(
  source: Source<T>,
  expected: readonly string[],
  options: { readonly exact?: boolean } = {},
): void => {
  if (!Array.isArray(expected) || expected.some((k) => typeof k !== 'string')) {
    throw new InvalidInputError('expected must be an array of partition keys (strings).', 'expected');
  }
  const events = eventsOf(source);
  const actual = [...new Set(events.map((e) => e.partitionKey))];
  const want = new Set(expected);
  const missing = [...want].filter((k) => !actual.includes(k));
  const unexpected = options.exact === false ? [] : actual.filter((k) => !want.has(k));
  if (missing.length === 0 && unexpected.length === 0) return;
  const list = (keys: readonly string[]): string => keys.map((k) => JSON.stringify(k)).join(', ');
  throw new PartitionKeyMismatchError(
    `Expected partition keys ${list([...want])}${options.exact === false ? ' (at least)' : ''} in ${events.length} record(s), ` +
      [
        missing.length > 0 ? `missing: ${list(missing)}` : '',
        unexpected.length > 0 ? `unexpected: ${list(unexpected)}` : '',
      ]
        .filter(Boolean)
        .join('; ') +
      `. Received keys: ${actual.length > 0 ? list(actual) : 'none'}. Wait for the records first (waitForEvents).`,
    [...want],
    actual,
    missing,
    unexpected,
  );
};

/**
 * Asserts that, for each key (the partition key by default), the records are in the order they
 * were put: within a shard, sequence numbers increase. (Records of one key can only move to another
 * shard by resharding; the listener reads child shards after their parents, so that order holds.)
 *
 * @throws RecordOrderError naming the key and the two records.
 */
export const expectOrderedByKey = <T>(
  source: Source<T>,
  keyFn: (event: KinesisRecordEvent<T>) => string = (e) => e.partitionKey,
): void => {
  if (typeof keyFn !== 'function') {
    throw new InvalidInputError('keyFn must be a function (event) => key.', 'keyFn');
  }
  const last = new Map<string, KinesisRecordEvent<T>>();
  for (const event of eventsOf(source)) {
    const key = keyFn(event);
    const before = last.get(key);
    if (
      before &&
      before.shardId === event.shardId &&
      BigInt(before.sequenceNumber) > BigInt(event.sequenceNumber)
    ) {
      throw new RecordOrderError(
        `Records of key ${JSON.stringify(key)} are out of order on ${event.shardId}: sequence number ${event.sequenceNumber} came after ${before.sequenceNumber}.\n` +
          `  earlier: ${preview(before.data)}\n  later:   ${preview(event.data)}`,
        key,
        before as KinesisRecordEvent,
        event as KinesisRecordEvent,
      );
    }
    last.set(key, event);
  }
};

type ShardState = 'pending' | 'reading' | 'drained';
type IteratorType = Pick<
  GetShardIteratorCommandInput,
  'ShardIteratorType' | 'Timestamp' | 'StartingSequenceNumber'
>;

/** Every shard of the stream (ListShards, all pages). */
const listShards = async (
  kinesis: KinesisClient,
  stream: Validated['stream'],
  signal: AbortSignal | undefined,
): Promise<Shard[]> => {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page: ListShardsCommandOutput = await kinesis.send(
      new ListShardsCommand(token === undefined ? { ...stream } : { NextToken: token }),
      signal ? { abortSignal: signal } : {},
    );
    shards.push(...(page.Shards as Shard[]));
    token = page.NextToken;
  } while (token);
  return shards;
};

/**
 * Creates a Kinesis listener. It creates no AWS resource: it lists the shards, gets an iterator for
 * each shard where it starts (before returning, so `from: 'now'` misses nothing put afterwards), and
 * reads them concurrently in the background until stopped.
 *
 * Reading: GetRecords again at once while a shard is behind (MillisBehindLatest > 0, or a full
 * page), else after `pollInterval`; throttling backs off with jitter; an expired iterator is renewed
 * after the last record read. Errors that are not transient reject the waits in progress (or, when
 * nothing waits, the next wait), naming the stream and the shard.
 */
export const createKinesisListener = async <T = unknown>(
  ctx: ListenerContext,
  options: AddKinesisListenerOptions,
): Promise<KinesisListener<T>> => {
  const v = validate(options);
  const { signal } = options;
  signal?.throwIfAborted();
  const kinesis = ctx.clients.get('kinesis');
  const startedAt = new Date(ctx.clock.now());
  const region = v.arnRegion ?? (await ctx.clients.region());

  let shards: Shard[];
  try {
    shards = await listShards(kinesis, v.stream, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (errorName(error) === 'ResourceNotFoundException')
      throw new StreamNotFoundError(v.label, { cause: error });
    throw new ListenerSetupError(
      `Could not list the shards of Kinesis stream ${v.label} (ListShards): ${errorMessage(error)}. Nothing was created.`,
      [],
      { cause: error },
    );
  }

  const id = newListenerId();
  const states = new Map<string, ShardState>();
  const parentsOf = new Map<string, readonly string[]>();
  const known = new Set(shards.map((s) => s.ShardId as string));
  const parents = (s: Shard): string[] =>
    [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined);
  let start: Shard[];
  if (v.from === 'now') {
    start = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
  } else {
    start = shards.filter((s) => !parents(s).some((p) => known.has(p)));
    for (const s of shards) {
      states.set(s.ShardId as string, 'pending');
      parentsOf.set(s.ShardId as string, parents(s));
    }
  }
  const from = v.from;
  const firstType: IteratorType =
    from === 'now'
      ? { ShardIteratorType: 'LATEST' }
      : from === 'trim-horizon'
        ? { ShardIteratorType: 'TRIM_HORIZON' }
        : { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from };
  const childType: IteratorType = from instanceof Date ? firstType : { ShardIteratorType: 'TRIM_HORIZON' };

  const reading = new AbortController();
  const tasks = new Set<Promise<void>>();
  const listener = new KinesisListener<T>({
    id,
    resources: { listenerId: id, kind: 'kinesis', region },
    stream: v.label,
    onStop: () => ctx.listenerStopped(id),
    halt: async () => {
      reading.abort();
      await Promise.allSettled([...tasks]);
    },
  });

  const iterator = async (shardId: string, type: IteratorType, abort: AbortSignal): Promise<string> =>
    retry(
      async () => {
        try {
          const out = await kinesis.send(
            new GetShardIteratorCommand({ ...v.stream, ShardId: shardId, ...type }),
            {
              abortSignal: abort,
            },
          );
          return out.ShardIterator as string;
        } catch (error) {
          if (isRetryable(error)) listener.throttled++;
          throw error;
        }
      },
      { signal: abort, baseDelayMs: 200, maxDelayMs: 5_000, attempts: 8 },
    );

  const report = (shardId: string, what: string, error: unknown): void => {
    listener.fail(
      new EventProbeError(
        `Listener ${id}: reading Kinesis stream ${v.label} (${shardId}): ${what} failed: ${errorMessage(error)}`,
        { cause: error },
      ),
    );
  };

  /** Decodes records; a record that is not JSON under `decode: 'json'` is reported first, and kept as text. */
  const toEntries = (
    shardId: string,
    records: readonly _Record[],
  ): ReceivedEvent<KinesisRecordEvent<T>>[] => {
    const receivedAt = ctx.clock.now();
    const decode = v.decode;
    const entries: ReceivedEvent<KinesisRecordEvent<T>>[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as _Record;
      const sequenceNumber = r.SequenceNumber as string;
      const bytes = r.Data as Uint8Array;
      // Decoded once: the text is both the data (text / JSON) and the raw body.
      let data: unknown;
      let body: string;
      let json = false;
      if (decode === 'bytes') {
        data = Uint8Array.from(bytes);
        body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
      } else {
        body = utf8(bytes);
        data = body;
        if (decode !== 'text') {
          try {
            data = JSON.parse(body);
            json = true;
          } catch {
            if (decode === 'json') {
              report(
                shardId,
                `decoding record ${sequenceNumber} as JSON (decode: 'json'; kept as text)`,
                'not JSON',
              );
            }
          }
        }
      }
      const key = keyOf(shardId, sequenceNumber);
      entries[i] = {
        id: key,
        event: {
          data: data as T,
          partitionKey: r.PartitionKey as string,
          sequenceNumber,
          shardId,
          approximateArrivalTimestamp: r.ApproximateArrivalTimestamp as Date,
        },
        format: json ? 'json' : 'text',
        size: bytes.byteLength,
        receivedAt,
        raw: {
          messageId: key,
          body,
          attributes: NO_ATTRIBUTES,
          messageAttributes: NO_ATTRIBUTES,
          traceHeader: undefined,
          receiveCount: 1,
        },
      };
    }
    return entries;
  };

  const pause = (failures: number, abort: AbortSignal): Promise<boolean> =>
    sleep(
      MIN_POLL_INTERVAL_MS + backoffDelay({ baseDelayMs: 200, maxDelayMs: 5_000 }, failures + 1),
      abort,
    ).then(
      () => true,
      () => false,
    );

  /**
   * An iterator for a shard, retried until it is there (each failure reported to the waits);
   * `undefined` when the listener stops or the shard (or stream) is gone.
   */
  const open = async (shardId: string, type: IteratorType): Promise<string | undefined> => {
    const abort = reading.signal;
    for (let failures = 1; ; failures++) {
      try {
        return await iterator(shardId, type, abort);
      } catch (error) {
        if (abort.aborted) return undefined;
        report(shardId, 'GetShardIterator', error);
        if (errorName(error) === 'ResourceNotFoundException' || !(await pause(failures, abort)))
          return undefined;
      }
    }
  };

  const track = (task: Promise<void>): void => {
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };

  /** Starts the shards whose parents are all drained (children found through ChildShards). */
  const startReady = (): void => {
    for (const [shardId, state] of states) {
      const ps = parentsOf.get(shardId) ?? [];
      const ready =
        state === 'pending' &&
        ps.some((p) => states.get(p) === 'drained') &&
        !ps.some((p) => states.get(p) === 'pending' || states.get(p) === 'reading');
      if (!ready) continue;
      states.set(shardId, 'reading');
      track(
        (async () => {
          const it = await open(shardId, childType);
          if (it === undefined) states.set(shardId, 'drained');
          else await read(shardId, it, childType);
        })(),
      );
    }
  };

  /** Where to pick up after an expired iterator: after the last record read, else where the shard started. */
  const renewal = (type: IteratorType, last: string | undefined): IteratorType =>
    last !== undefined
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: last }
      : type.ShardIteratorType === 'LATEST'
        ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: startedAt }
        : type;

  const read = async (shardId: string, first: string, type: IteratorType): Promise<void> => {
    const abort = reading.signal;
    states.set(shardId, 'reading');
    let it = first;
    let last: string | undefined;
    let failures = 0;
    for (;;) {
      let out: GetRecordsCommandOutput;
      try {
        listener.getRecordsCalls++;
        out = await kinesis.send(new GetRecordsCommand({ ShardIterator: it }), { abortSignal: abort });
      } catch (error) {
        if (abort.aborted) return;
        failures++;
        if (errorName(error) === 'ExpiredIteratorException') {
          const renewed = await open(shardId, renewal(type, last));
          if (renewed === undefined) break;
          it = renewed;
          continue;
        }
        if (isRetryable(error)) listener.throttled++;
        else {
          report(shardId, 'GetRecords', error);
          if (errorName(error) === 'ResourceNotFoundException') break;
        }
        if (!(await pause(failures, abort))) return;
        continue;
      }
      failures = 0;
      const records = out.Records ?? [];
      if (records.length > 0) {
        last = records.at(-1)?.SequenceNumber;
        // Ids (shard and sequence number) cannot repeat: each shard is read once, in order, and
        // an expired iterator resumes after the last record read.
        listener.append(toEntries(shardId, records), true);
      }
      if (!out.NextShardIterator) {
        // Closed and drained: its children are next, once all their parents are drained too.
        for (const child of out.ChildShards ?? []) {
          const childId = child.ShardId as string;
          if (!states.has(childId)) states.set(childId, 'pending');
          parentsOf.set(childId, child.ParentShards as string[]);
        }
        break;
      }
      it = out.NextShardIterator;
      if (
        !((out.MillisBehindLatest as number) > 0 || records.length >= GET_RECORDS_PAGE) &&
        !(await sleep(v.pollInterval, abort).then(
          () => true,
          () => false,
        ))
      )
        return;
    }
    states.set(shardId, 'drained');
    startReady();
  };

  // Resolve every starting iterator before returning: `now` must not miss what is put next.
  let firsts: string[];
  try {
    firsts = await Promise.all(
      start.map((s) => iterator(s.ShardId as string, firstType, signal ?? reading.signal)),
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new ListenerSetupError(
      `Could not get shard iterators for Kinesis stream ${v.label} (GetShardIterator): ${errorMessage(error)}. Nothing was created.`,
      [],
      { cause: error },
    );
  }

  start.forEach((s, i) => {
    track(read(s.ShardId as string, firsts[i] as string, firstType));
  });
  return listener;
};
