/**
 * A listener over a DynamoDB table's stream: every shard read with the shared shard reader
 * (following rollover), records kept as plain JavaScript values (unmarshalled images). Creates nothing.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ListenerContext } from '../context.js';
import {
  EventProbeError,
  type EventProbeErrorOptions,
  InvalidInputError,
  ListenerSetupError,
} from '../errors.js';
import { newListenerId } from '../resources/naming.js';
import { positiveNumber } from '../validate.js';
import { errorName, retry, sendOptions } from '../wait/index.js';
import { dynamoDbStreamSource } from './dynamodb-stream-source.js';
import { errorMessage } from './errors.js';
import { BufferedListener } from './listener.js';
import type { ReceivedEvent } from './message.js';
import { ShardReader, type ShardReaderStats } from './shards/reader.js';

type Image = Record<string, NativeAttributeValue>;

/** One change of an item, as the stream recorded it. */
export interface DynamoDbStreamEvent<T extends Image = Image> {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The item's primary key. */
  readonly keys: Image;
  /** The item after the change (undefined for REMOVE, or when the stream does not carry new images). */
  readonly newImage: T | undefined;
  /** The item before the change (undefined for INSERT, or when the stream does not carry old images). */
  readonly oldImage: T | undefined;
  readonly sequenceNumber: string;
  readonly approximateCreationDateTime: Date | undefined;
  readonly shardId: string;
  /** The stream record as DynamoDB Streams returned it. */
  readonly raw: StreamRecord;
}

/** Which images the test needs: the stream's view type must carry them. */
export type StreamImages = 'new' | 'old' | 'both' | 'none';

/** Options of `probe.addDynamoDbStreamListener`. Give `tableName` or `streamArn`. */
export interface AddDynamoDbStreamListenerOptions {
  /** The table's name or ARN: its latest stream is read. */
  readonly tableName?: string;
  /** The stream's ARN (instead of tableName). */
  readonly streamArn?: string;
  /** `now` (changes after the listener is created) or `trim-horizon` (everything the stream holds, 24 h). Default `now`. */
  readonly from?: 'now' | 'trim-horizon';
  /**
   * The images the test needs: the stream's view type must carry them (`new`: NEW_IMAGE or
   * NEW_AND_OLD_IMAGES; `old`: OLD_IMAGE or NEW_AND_OLD_IMAGES; `both`: NEW_AND_OLD_IMAGES), or a
   * StreamNotEnabledError says how to change it. Default `none` (any view type, keys at least).
   */
  readonly images?: StreamImages;
  /** Pause between GetRecords calls on a shard with nothing new, in ms (at least 200: DynamoDB Streams allows 5 reads per second per shard). Default 250. */
  readonly pollInterval?: number;
  /** Cancels the setup. */
  readonly signal?: AbortSignal;
}

/** The table has no stream, or one whose view type lacks the images asked for. Nothing was created. */
export class StreamNotEnabledError extends InvalidInputError {
  constructor(
    readonly table: string,
    /** The stream's view type (undefined when there is no stream). */
    readonly streamViewType: string | undefined,
    readonly images: StreamImages,
    options: EventProbeErrorOptions = {},
  ) {
    const need = images === 'new' ? 'NEW_IMAGE' : images === 'old' ? 'OLD_IMAGE' : 'NEW_AND_OLD_IMAGES';
    const view = images === 'none' ? 'NEW_AND_OLD_IMAGES' : need;
    super(
      `${streamViewType === undefined ? `Table ${table} has no stream enabled` : `The stream of ${table} is ${streamViewType}, which does not carry the ${images === 'both' ? 'new and old' : images} images asked for`}. ` +
        `Enable it with view type ${view}${images === 'both' || images === 'none' ? '' : ' or NEW_AND_OLD_IMAGES'}: in CloudFormation/SAM StreamSpecification: { StreamViewType: ${view} }, ` +
        `or \`aws dynamodb update-table --table-name ${table} --stream-specification StreamEnabled=true,StreamViewType=${view}\` ` +
        '(a view type cannot be changed in place: disable the stream first). Or ask for fewer images (the `images` option).',
      'tableName',
      options,
    );
  }
}

const MIN_POLL_INTERVAL_MS = 200;
const SHARD_BACKOFF = { attempts: 8, baseDelayMs: 200, maxDelayMs: 5_000 } as const;
const TABLE =
  /^([a-zA-Z0-9_.-]{3,255}|arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255})$/;
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):\d{12}:table\/[a-zA-Z0-9_.-]{3,255}\/stream\/\S+$/;
const CARRIES: Record<StreamImages, readonly string[]> = {
  none: ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'],
  new: ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'],
  old: ['OLD_IMAGE', 'NEW_AND_OLD_IMAGES'],
  both: ['NEW_AND_OLD_IMAGES'],
};

const validate = (options: AddDynamoDbStreamListenerOptions) => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError(
      'addDynamoDbStreamListener needs an options object with tableName or streamArn.',
      'options',
    );
  }
  const { tableName, streamArn, from = 'now', images = 'none', pollInterval = 250 } = options;
  if ((tableName === undefined) === (streamArn === undefined)) {
    throw new InvalidInputError(
      tableName === undefined ? 'Pass tableName or streamArn.' : 'Pass tableName or streamArn, not both.',
      'tableName',
    );
  }
  if (tableName !== undefined && (typeof tableName !== 'string' || !TABLE.test(tableName))) {
    throw new InvalidInputError(
      `tableName must be a table name or ARN, got ${JSON.stringify(tableName)}.`,
      'tableName',
    );
  }
  if (streamArn !== undefined && (typeof streamArn !== 'string' || !STREAM_ARN.test(streamArn))) {
    throw new InvalidInputError(
      `streamArn must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>), got ${JSON.stringify(streamArn)}.`,
      'streamArn',
    );
  }
  if (from !== 'now' && from !== 'trim-horizon') {
    throw new InvalidInputError(`from must be "now" or "trim-horizon", got ${JSON.stringify(from)}.`, 'from');
  }
  if (!Object.hasOwn(CARRIES, images)) {
    throw new InvalidInputError(
      `images must be "new", "old", "both" or "none", got ${JSON.stringify(images)}.`,
      'images',
    );
  }
  positiveNumber('pollInterval', pollInterval);
  if (pollInterval < MIN_POLL_INTERVAL_MS) {
    throw new InvalidInputError(
      `pollInterval must be at least ${MIN_POLL_INTERVAL_MS} ms (a shard allows 5 reads per second, shared with every other reader); got ${pollInterval}.`,
      'pollInterval',
    );
  }
  return { tableName, streamArn, from, images, pollInterval };
};

/** The stream to read and its view type, checked against the images asked for. */
const resolveStream = async (
  dynamoDb: () => DynamoDBClient,
  streams: DynamoDBStreamsClient,
  v: ReturnType<typeof validate>,
  signal: AbortSignal | undefined,
): Promise<string> => {
  const send = sendOptions(signal);
  let arn: string | undefined;
  let view: string | undefined;
  if (v.tableName !== undefined) {
    const command = new DescribeTableCommand({ TableName: v.tableName });
    const { Table: t } = await retry(() => dynamoDb().send(command, send), { signal });
    arn = t?.StreamSpecification?.StreamEnabled ? t.LatestStreamArn : undefined;
    view = arn === undefined ? undefined : t?.StreamSpecification?.StreamViewType;
  } else {
    arn = v.streamArn as string;
    const command = new DescribeStreamCommand({ StreamArn: arn, Limit: 1 });
    const out = await retry(() => streams.send(command, send), { signal });
    view = out.StreamDescription?.StreamViewType;
  }
  if (arn === undefined || view === undefined || !CARRIES[v.images].includes(view)) {
    throw new StreamNotEnabledError((v.tableName ?? v.streamArn) as string, view, v.images);
  }
  return arn;
};

const image = (
  value: StreamRecord['dynamodb'] extends infer D ? D : never,
  which: 'NewImage' | 'OldImage',
) => {
  const attributes = value?.[which];
  return attributes === undefined ? undefined : unmarshall(attributes as never);
};

const toEntry = <T extends Image>(
  shardId: string,
  r: StreamRecord,
  receivedAt: number,
): ReceivedEvent<DynamoDbStreamEvent<T>> => {
  const sequenceNumber = r.dynamodb?.SequenceNumber as string;
  const body = JSON.stringify(r);
  return {
    id: r.eventID ?? `${shardId}/${sequenceNumber}`,
    event: {
      eventName: r.eventName as DynamoDbStreamEvent['eventName'],
      keys: unmarshall((r.dynamodb?.Keys ?? {}) as never),
      newImage: image(r.dynamodb, 'NewImage') as T | undefined,
      oldImage: image(r.dynamodb, 'OldImage') as T | undefined,
      sequenceNumber,
      approximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime,
      shardId,
      raw: r,
    },
    format: 'json',
    size: Buffer.byteLength(body),
    receivedAt,
    raw: {
      messageId: r.eventID ?? sequenceNumber,
      body,
      attributes: {},
      messageAttributes: {},
      traceHeader: undefined,
      receiveCount: 1,
    },
  };
};

/** A listener over a DynamoDB stream (the Listener contract, plus the reader's counters). */
export class DynamoDbStreamListener<T extends Image = Image> extends BufferedListener<
  T,
  DynamoDbStreamEvent<T>
> {
  /** The stream's ARN. */
  readonly streamArn: string;
  /** Read-only counters: GetRecords calls made, and calls throttled and retried. */
  readonly stats: ShardReaderStats;
  readonly #reader: { halt(): Promise<void> };

  /** @internal Use `probe.addDynamoDbStreamListener`. */
  constructor(init: {
    id: string;
    region: string;
    streamArn: string;
    reader: ShardReader<StreamRecord>;
    onStop: () => void;
  }) {
    super({
      id: init.id,
      resources: { listenerId: init.id, kind: 'dynamodb-stream', region: init.region },
      onStop: init.onStop,
    });
    this.streamArn = init.streamArn;
    this.#reader = init.reader;
    this.stats = init.reader.stats;
  }

  /** Stops reading the shards (in-flight calls are cancelled). */
  protected override haltSource(): Promise<void> {
    return this.#reader.halt();
  }
}

const setupError = (what: string, label: string, error: unknown): ListenerSetupError =>
  new ListenerSetupError(
    `Could not ${what} of DynamoDB table/stream ${label}: ${errorMessage(error)}. Nothing was created.`,
    [],
    {
      cause: error,
    },
  );

/**
 * Creates a DynamoDB stream listener: finds the table's stream (checking its view type against
 * `images`), lists its shards and gets an iterator for each before returning (so `from: 'now'`
 * misses nothing written afterwards), then reads them in the background until stopped.
 *
 * IAM: dynamodb:DescribeTable (with tableName), dynamodb:DescribeStream, dynamodb:GetShardIterator, dynamodb:GetRecords.
 */
export const createDynamoDbStreamListener = async <T extends Image = Image>(
  ctx: ListenerContext,
  options: AddDynamoDbStreamListenerOptions,
): Promise<DynamoDbStreamListener<T>> => {
  const v = validate(options);
  const { signal } = options;
  signal?.throwIfAborted();
  const label = (v.tableName ?? v.streamArn) as string;
  const streams = ctx.clients.get('dynamoDbStreams');
  let streamArn: string;
  try {
    streamArn = await resolveStream(() => ctx.clients.get('dynamoDb'), streams, v, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof StreamNotEnabledError) throw error;
    if (errorName(error) === 'ResourceNotFoundException') {
      throw new InvalidInputError(
        `DynamoDB ${v.tableName ? 'table' : 'stream'} ${label} does not exist in this region (or these credentials cannot see it).`,
        v.tableName ? 'tableName' : 'streamArn',
        { cause: error },
      );
    }
    throw setupError('describe the stream', label, error);
  }
  const source = dynamoDbStreamSource(streams, streamArn);
  const region = streamArn.split(':')[3] as string;
  const id = newListenerId();
  let listener: DynamoDbStreamListener<T>;
  const report = (shardId: string, what: string, error: unknown): void =>
    listener.fail(
      new EventProbeError(
        `Listener ${id}: reading DynamoDB stream ${streamArn} (${shardId}): ${what} failed: ${errorMessage(error)}`,
        { cause: error },
      ),
    );
  const reader = new ShardReader<StreamRecord>({
    source,
    from: v.from === 'now' ? 'latest' : 'trim-horizon',
    startedAt: new Date(ctx.clock.now()),
    pollInterval: v.pollInterval,
    minPause: MIN_POLL_INTERVAL_MS,
    backoff: SHARD_BACKOFF,
    onRecords: (shardId, records) =>
      listener.append(
        records.map((r) => toEntry<T>(shardId, r, ctx.clock.now())),
        true,
      ),
    onError: report,
  });
  listener = new DynamoDbStreamListener<T>({
    id,
    region,
    streamArn,
    reader,
    onStop: () => ctx.listenerStopped(id),
  });
  try {
    await reader.start(await source.listShards(signal), signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw setupError('read the shards (DescribeStream, GetShardIterator)', label, error);
  }
  return listener;
};
