import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import type { RestXmlResult } from '../../core/service.js';
import type { ChecksumAlgorithm } from './checksums.js';

/** Standard headers stored with an object and returned on GET/HEAD. */
export interface ObjectHeaders {
  ContentType: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Expires?: string;
}

export interface StoredChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** base64, with `-N` for composite multipart checksums. */
  readonly value: string;
  readonly type: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface S3Object {
  readonly key: string;
  readonly body: Buffer;
  /** Quoted, as S3 returns it. */
  readonly etag: string;
  readonly lastModified: number;
  readonly headers: ObjectHeaders;
  readonly metadata: Record<string, string>;
  tags: Record<string, string>;
  readonly checksum: StoredChecksum | undefined;
  /** Number of parts for multipart objects. */
  readonly parts: number | undefined;
  readonly storageClass: string;
}

export interface Part {
  readonly number: number;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: number;
  readonly checksum: string | undefined;
}

export interface Upload {
  readonly id: string;
  readonly key: string;
  readonly initiated: number;
  readonly headers: ObjectHeaders;
  readonly metadata: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly checksumAlgorithm: ChecksumAlgorithm | undefined;
  readonly storageClass: string;
  readonly parts: Map<number, Part>;
}

export interface FilterRule {
  readonly Name: string;
  readonly Value: string;
}

/** One notification destination, in the SDK's shape (`QueueArn`/`TopicArn`/`LambdaFunctionArn`). */
export interface NotificationTarget {
  readonly kind: 'queue' | 'topic' | 'lambda';
  readonly id: string;
  readonly arn: string;
  readonly events: readonly string[];
  readonly rules: readonly FilterRule[];
}

export interface NotificationConfig {
  readonly targets: readonly NotificationTarget[];
  readonly eventBridge: boolean;
}

export interface Bucket {
  readonly name: string;
  readonly region: string;
  readonly created: number;
  readonly objects: Map<string, S3Object>;
  /** Keys in UTF-8 byte order; rebuilt lazily after writes. */
  sortedKeys: string[] | undefined;
  readonly uploads: Map<string, Upload>;
  tags: Record<string, string> | undefined;
  notification: NotificationConfig;
  policy: string | undefined;
  /** Feeds the `sequencer` of event records (grows with every change of a key). */
  sequence: bigint;
}

/** The buckets of one region (names are global: lookups search every region's state). */
export interface S3State {
  readonly buckets: Map<string, Bucket>;
}

export const createS3State = (): S3State => ({ buckets: new Map() });

export type S3Ctx = OpContext<S3State>;

/** The state of the region a bucket lives in. */
export const regionState = (ctx: S3Ctx, region: string): S3State => ctx.emulator.state<S3State>('s3', region);

/** Every bucket of the account, whatever region it lives in. */
export const allBuckets = (ctx: S3Ctx): Bucket[] =>
  ctx.emulator.regions('s3').flatMap((r) => [...regionState(ctx, r).buckets.values()]);

/** A bucket by name in any region (bucket names are global). */
export const findBucket = (ctx: S3Ctx, name: string): Bucket | undefined => {
  for (const r of ctx.emulator.regions('s3')) {
    const bucket = regionState(ctx, r).buckets.get(name);
    if (bucket) return bucket;
  }
  return undefined;
};

/** An S3 error: AWS's code, message and status, plus the extra elements S3 puts in `<Error>`. */
export class S3Error extends AwsError {
  constructor(
    code: string,
    message: string,
    status: number,
    override readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, status);
  }
}

export const noSuchBucket = (name: string): S3Error =>
  new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });

export const noSuchKey = (key: string): S3Error =>
  new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });

export const noSuchUpload = (id: string): S3Error =>
  new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    404,
    { UploadId: id },
  );

export const invalidArgument = (message: string, name?: string, value?: string): S3Error =>
  new S3Error(
    'InvalidArgument',
    message,
    400,
    name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' },
  );

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const requireString = (input: Record<string, unknown>, name: string): string => {
  const v = input[name];
  if (typeof v !== 'string' || v === '') {
    throw invalidArgument(`${name} is required`, name);
  }
  return v;
};

export const getBucket = (ctx: S3Ctx, input: Record<string, unknown>): Bucket => {
  const name = requireString(input, 'Bucket');
  const bucket = findBucket(ctx, name);
  if (!bucket) throw noSuchBucket(name);
  return bucket;
};

export const bucketArn = (name: string): string => `arn:aws:s3:::${name}`;

/** Sorts keys by their UTF-8 bytes, as S3 lists them. */
const utf8Compare = (a: string, b: string): number => {
  // Code-point order equals UTF-8 byte order; UTF-16 order differs only around surrogates.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
};

export const sortedKeys = (bucket: Bucket): string[] => {
  bucket.sortedKeys ??= [...bucket.objects.keys()].sort(utf8Compare);
  return bucket.sortedKeys;
};

export const putObjectInto = (bucket: Bucket, object: S3Object): void => {
  if (!bucket.objects.has(object.key)) bucket.sortedKeys = undefined;
  bucket.objects.set(object.key, object);
};

export const removeObjectFrom = (bucket: Bucket, key: string): boolean => {
  const had = bucket.objects.delete(key);
  if (had) bucket.sortedKeys = undefined;
  return had;
};

/** The next event sequencer of a bucket: hex, fixed width, so later events sort after earlier ones. */
export const nextSequencer = (bucket: Bucket): string => {
  bucket.sequence += 1n;
  return bucket.sequence.toString(16).toUpperCase().padStart(18, '0');
};

/** What an operation returns: header-bound members by their SDK names, and a body or an XML document. */
export type S3Result = RestXmlResult;

export const OWNER = {
  ID: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a',
  DisplayName: 'eventprobe',
};
