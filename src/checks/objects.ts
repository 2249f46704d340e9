/**
 * S3 checks: wait for an object to exist (S3 reads are strongly consistent) and pass a match, and
 * read it as bytes, text or JSON.
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { ObjectTimeoutError } from '../errors.js';
import { preview } from '../listeners/errors.js';
import { errorName, retry } from '../wait/index.js';
import { matchOption, optionsObject, poll, runMatch, stringOption, type ValueMatch } from './match.js';

/** An S3 object as a check returns it. */
export interface S3Object {
  readonly bucket: string;
  readonly key: string;
  readonly body: Uint8Array;
  /** The body decoded as UTF-8. */
  text(): string;
  /** The body parsed as JSON (throws a SyntaxError when it is not JSON). */
  json<T = unknown>(): T;
  readonly contentType: string | undefined;
  /** User metadata (`x-amz-meta-*`), keys in lower case. */
  readonly metadata: Record<string, string>;
  readonly etag: string | undefined;
  readonly versionId: string | undefined;
  readonly lastModified: Date | undefined;
}

export interface WaitForObjectOptions {
  /** The bucket's name. Required. */
  readonly bucket: string;
  /** The object's key. Required. */
  readonly key: string;
  /**
   * What the object must satisfy: a function of the {@link S3Object} (boolean or assertion style),
   * or an object its JSON body must contain. Default: any object.
   */
  readonly match?: ValueMatch<S3Object>;
  /** How long to wait, in ms. Default 10 000. */
  readonly timeout?: number;
  /** First pause between reads, in ms; it doubles up to 1 000. Default 100. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const isAbsent = (error: unknown): boolean => ['NoSuchKey', 'NotFound'].includes(errorName(error) ?? '');

const toObject = async (bucket: string, key: string, out: GetObjectCommandOutput): Promise<S3Object> => {
  const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
  const text = (): string => new TextDecoder().decode(body);
  return {
    bucket,
    key,
    body,
    text,
    json: <T>() => JSON.parse(text()) as T,
    contentType: out.ContentType,
    metadata: out.Metadata ?? {},
    etag: out.ETag,
    versionId: out.VersionId,
    lastModified: out.LastModified,
  };
};

/** The object now, or undefined when it does not exist. IAM: s3:GetObject. */
export const getObject = async (
  client: S3Client,
  bucket: string,
  key: string,
  signal: AbortSignal,
): Promise<S3Object | undefined> => {
  try {
    const command = new GetObjectCommand({ Bucket: bucket, Key: key });
    const out = await retry(() => client.send(command, { abortSignal: signal }), { signal });
    return await toObject(bucket, key, out);
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
};

/** Runs an object match: a function gets the object, an object is looked for in the JSON body. */
const matchObject = (match: ValueMatch<S3Object> | undefined, object: S3Object) => {
  if (match === undefined || typeof match === 'function') return runMatch(match, object);
  try {
    return runMatch(match, object.json());
  } catch (reason) {
    return { ok: false, reason } as const;
  }
};

/**
 * Waits until the object exists and passes `match`; returns it with its body, text(), json(),
 * content type, metadata, ETag and version id.
 *
 * IAM: `s3:GetObject` on the object (and `s3:ListBucket` on the bucket, without which S3 answers
 * 403 instead of 404 for a missing key: the wait then fails at once with S3's AccessDenied).
 * @throws ObjectTimeoutError saying whether the object was absent or what it held.
 */
export const waitForObject = async (client: S3Client, options: WaitForObjectOptions): Promise<S3Object> => {
  optionsObject(options, 'waitForObject');
  const bucket = stringOption(
    options.bucket,
    'bucket',
    BUCKET,
    'a bucket name (3-63 lower-case letters, digits, . -)',
  );
  const key = stringOption(options.key, 'key', /^[\s\S]{1,1024}$/, 'an object key (1 to 1024 characters)');
  const match = matchOption<S3Object>(options.match);
  const timeout = options.timeout ?? 10_000;
  let last: { object: S3Object | undefined; reason?: unknown } = { object: undefined };
  let reads = 0;
  const found = await poll(
    async (signal) => {
      reads++;
      const object = await getObject(client, bucket, key, signal);
      if (object === undefined) return undefined;
      const outcome = matchObject(match, object);
      last = { object, ...(outcome.ok ? {} : { reason: outcome.reason }) };
      return outcome.ok ? object : undefined;
    },
    { timeout, option: 'timeout', interval: options.interval ?? 100, signal: options.signal },
  );
  if (found !== undefined) return found;
  const seen = last.object;
  const why =
    last.reason === undefined
      ? ''
      : ` (${last.reason instanceof Error ? last.reason.message : String(last.reason)})`;
  const what =
    seen === undefined
      ? 'did not exist'
      : `existed but did not match${why}: ${seen.contentType ?? 'no content type'}, ${seen.body.length} bytes: ${preview(seen.text())}`;
  throw new ObjectTimeoutError(
    `Object s3://${bucket}/${key} ${what} (after ${timeout} ms, ${reads} reads). Check the bucket and key, or give it a longer timeout.`,
    timeout,
    bucket,
    key,
    seen !== undefined,
  );
};
