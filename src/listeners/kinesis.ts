import type { _Record } from '@aws-sdk/client-kinesis';
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
import { errorName } from '../wait/index.js';
import { errorMessage, preview } from './errors.js';
import { kinesisSource } from './kinesis-source.js';
import { BufferedListener } from './listener.js';
import type { ReceivedEvent } from './message.js';
import type { ShardInfo } from './shards/graph.js';
import { ShardReader, type ShardReaderStats, type ShardSource } from './shards/reader.js';

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
/** Backoff of GetShardIterator retries and of pauses after failures: 200 ms doubling up to 5 s, 8 attempts. */
const SHARD_BACKOFF = { attempts: 8, baseDelayMs: 200, maxDelayMs: 5_000 } as const;
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
  /** Read-only counters: GetRecords calls made, and calls throttled and retried (for tests and benchmarks). */
  readonly stats: ShardReaderStats;
  readonly #reader: { halt(): Promise<void> };

  /** @internal Use `probe.addKinesisListener` (or `createKinesisListener`). */
  constructor(init: {
    id: string;
    resources: ListenerResources;
    stream: string;
    reader: { readonly stats: ShardReaderStats; halt(): Promise<void> };
    onStop?: () => void;
  }) {
    super(init);
    this.stream = init.stream;
    this.#reader = init.reader;
    this.stats = init.reader.stats;
  }

  /** The distinct partition keys received so far, in order of first arrival. */
  partitionKeys(): string[] {
    return [...new Set(this.events.map((e) => e.partitionKey))];
  }

  /** Stops reading the shards (in-flight calls are cancelled). */
  protected override haltSource(): Promise<void> {
    return this.#reader.halt();
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

/**
 * Turns Kinesis records into buffer entries. Data is decoded once (the text is both the data and
 * the raw body); a record that is not JSON under `decode: 'json'` is reported first, and kept as text.
 */
const toEntries = <T>(
  shardId: string,
  records: readonly _Record[],
  decode: KinesisDecode,
  receivedAt: number,
  notJson: (sequenceNumber: string) => void,
): ReceivedEvent<KinesisRecordEvent<T>>[] =>
  records.map((r) => {
    const sequenceNumber = r.SequenceNumber as string;
    const bytes = r.Data as Uint8Array;
    const { data, body, json } = decodeData(bytes, decode, () => notJson(sequenceNumber));
    const key = keyOf(shardId, sequenceNumber);
    return {
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
        attributes: {},
        messageAttributes: {},
        traceHeader: undefined,
        receiveCount: 1,
      },
    };
  });

/** Record data as the listener's `decode` option says, and its raw body (base64 for bytes). */
const decodeData = (
  bytes: Uint8Array,
  decode: KinesisDecode,
  notJson: () => void,
): { data: unknown; body: string; json: boolean } => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (decode === 'bytes')
    return { data: Uint8Array.from(bytes), body: buffer.toString('base64'), json: false };
  const body = buffer.toString('utf8');
  if (decode === 'text') return { data: body, body, json: false };
  try {
    return { data: JSON.parse(body), body, json: true };
  } catch {
    if (decode === 'json') notJson();
    return { data: body, body, json: false };
  }
};

/** The shards of the stream, or the typed error of a listener that could not start. */
const listStreamShards = async (
  source: ShardSource<_Record>,
  label: string,
  signal: AbortSignal | undefined,
): Promise<ShardInfo[]> => {
  try {
    return await source.listShards(signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (errorName(error) === 'ResourceNotFoundException')
      throw new StreamNotFoundError(label, { cause: error });
    throw new ListenerSetupError(
      `Could not list the shards of Kinesis stream ${label} (ListShards): ${errorMessage(error)}. Nothing was created.`,
      [],
      { cause: error },
    );
  }
};

/**
 * Creates a Kinesis listener. It creates no AWS resource: it lists the shards, gets an iterator for
 * each shard where it starts (before returning, so `from: 'now'` misses nothing put afterwards), and
 * reads them concurrently in the background until stopped (see {@link ShardReader}).
 *
 * Errors that are not transient reject the waits in progress (or, when nothing waits, the next
 * wait), naming the stream and the shard.
 */
export const createKinesisListener = async <T = unknown>(
  ctx: ListenerContext,
  options: AddKinesisListenerOptions,
): Promise<KinesisListener<T>> => {
  const v = validate(options);
  const { signal } = options;
  signal?.throwIfAborted();
  const source = kinesisSource(ctx.clients.get('kinesis'), v.stream);
  const startedAt = new Date(ctx.clock.now());
  const region = v.arnRegion ?? (await ctx.clients.region());
  const shards = await listStreamShards(source, v.label, signal);
  const id = newListenerId();
  // Assigned before the reader starts, so before any callback runs.
  let listener: KinesisListener<T>;
  const report = (shardId: string, what: string, error: unknown): void =>
    listener.fail(
      new EventProbeError(
        `Listener ${id}: reading Kinesis stream ${v.label} (${shardId}): ${what} failed: ${errorMessage(error)}`,
        { cause: error },
      ),
    );
  const reader = new ShardReader<_Record>({
    source,
    from: v.from === 'now' ? 'latest' : v.from,
    startedAt,
    pollInterval: v.pollInterval,
    minPause: MIN_POLL_INTERVAL_MS,
    backoff: SHARD_BACKOFF,
    // Ids (shard and sequence number) cannot repeat: each shard is read once, in order, and an
    // expired iterator resumes after the last record read.
    onRecords: (shardId, records) =>
      listener.append(
        toEntries<T>(shardId, records, v.decode, ctx.clock.now(), (sequenceNumber) =>
          report(
            shardId,
            `decoding record ${sequenceNumber} as JSON (decode: 'json'; kept as text)`,
            'not JSON',
          ),
        ),
        true,
      ),
    onError: report,
  });
  listener = new KinesisListener<T>({
    id,
    resources: { listenerId: id, kind: 'kinesis', region },
    stream: v.label,
    reader,
    onStop: () => ctx.listenerStopped(id),
  });
  try {
    await reader.start(shards, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new ListenerSetupError(
      `Could not get shard iterators for Kinesis stream ${v.label} (GetShardIterator): ${errorMessage(error)}. Nothing was created.`,
      [],
      { cause: error },
    );
  }
  return listener;
};
