import type { Operation } from '../../core/context.js';
import { readTagSet, tagSetXml } from './buckets.js';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumOf,
  isChecksumAlgorithm,
  md5Etag,
} from './checksums.js';
import { notifyObjectEvent } from './notifications.js';
import {
  type Bucket,
  findBucket,
  getBucket,
  invalidArgument,
  noSuchBucket,
  noSuchKey,
  type ObjectHeaders,
  OWNER,
  putObjectInto,
  removeObjectFrom,
  requireString,
  type S3Ctx,
  S3Error,
  type S3Object,
  type S3Result,
  type S3State,
  type StoredChecksum,
  sortedKeys,
  str,
} from './state.js';

type Op = Operation<S3State>;
type Input = Record<string, unknown>;

const HEADER_MEMBERS = [
  'ContentEncoding',
  'ContentDisposition',
  'ContentLanguage',
  'CacheControl',
  'Expires',
] as const;

export const objectHeaders = (input: Input): ObjectHeaders => {
  const headers: ObjectHeaders = { ContentType: str(input.ContentType) ?? 'application/octet-stream' };
  for (const name of HEADER_MEMBERS) {
    const v = str(input[name]);
    if (v !== undefined && v !== '') headers[name] = v;
  }
  return headers;
};

export const metadataOf = (input: Input): Record<string, string> => {
  const m = input.Metadata;
  const out: Record<string, string> = {};
  if (m !== null && typeof m === 'object') {
    for (const [k, v] of Object.entries(m)) out[k.toLowerCase()] = String(v);
  }
  return out;
};

/** `x-amz-tagging`: URL-query-encoded tags. */
export const tagsFromQuery = (value: unknown): Record<string, string> => {
  if (typeof value !== 'string' || value === '') return {};
  const TagSet = [...new URLSearchParams(value)].map(([Key, Value]) => ({ Key, Value }));
  return readTagSet({ TagSet }, 10, 'object');
};

const badDigest = (algorithm: string): S3Error =>
  new S3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400);

/**
 * Checks the checksums the caller sent with a body (Content-MD5, `ChecksumCRC32` ...): BadDigest
 * on mismatch. Returns the checksum to store: the one sent, or the one asked for by algorithm.
 */
export const verifyChecksums = (input: Input, body: Buffer): StoredChecksum | undefined => {
  const md5 = str(input.ContentMD5);
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) {
      throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
    }
    if (`"${Buffer.from(md5, 'base64').toString('hex')}"` !== md5Etag(body)) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
    }
  }
  let stored: StoredChecksum | undefined;
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const sent = str(input[`Checksum${algorithm}`]);
    if (sent === undefined) continue;
    if (checksumOf(algorithm, body) !== sent) throw badDigest(algorithm.toLowerCase());
    stored ??= { algorithm, value: sent, type: 'FULL_OBJECT' };
  }
  if (stored) return stored;
  const asked = input.ChecksumAlgorithm;
  if (asked === undefined) return undefined;
  if (!isChecksumAlgorithm(asked)) {
    throw invalidArgument(
      `Value for x-amz-checksum-algorithm header is invalid.`,
      'x-amz-checksum-algorithm',
      String(asked),
    );
  }
  return { algorithm: asked, value: checksumOf(asked, body), type: 'FULL_OBJECT' };
};

const bodyOf = (input: Input): Buffer => {
  const b = input.Body;
  if (b === undefined || b === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return Buffer.from(String(b), 'utf8');
};

const stripQuotes = (etag: string): string => etag.trim().replace(/^W\//, '').replaceAll('"', '');

const etagMatches = (header: string, etag: string): boolean =>
  header
    .split(',')
    .map(stripQuotes)
    .some((e) => e === '*' || e === stripQuotes(etag));

const seconds = (ms: number): number => Math.floor(ms / 1000);

const parseDate = (value: unknown): number | undefined => {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
};

const preconditionFailed = (condition: string): S3Error =>
  new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
    Condition: condition,
  });

/** GET/HEAD conditions in S3's order: If-Match / If-Unmodified-Since (412), then If-None-Match / If-Modified-Since (304). */
export const checkConditions = (input: Input, object: S3Object, prefix = ''): void => {
  const ifMatch = str(input[`${prefix}IfMatch`]);
  const ifNoneMatch = str(input[`${prefix}IfNoneMatch`]);
  const modifiedSince = parseDate(input[`${prefix}IfModifiedSince`]);
  const unmodifiedSince = parseDate(input[`${prefix}IfUnmodifiedSince`]);
  const modified = seconds(object.lastModified);
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  } else if (unmodifiedSince !== undefined && modified > seconds(unmodifiedSince)) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  const notModified = (): S3Error =>
    prefix === ''
      ? new S3Error('NotModified', 'Not Modified', 304)
      : preconditionFailed(
          ifNoneMatch !== undefined
            ? 'x-amz-copy-source-If-None-Match'
            : 'x-amz-copy-source-If-Modified-Since',
        );
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, object.etag)) throw notModified();
  } else if (modifiedSince !== undefined && modified <= seconds(modifiedSince)) {
    throw notModified();
  }
};

const getObjectOf = (bucket: Bucket, key: string): S3Object => {
  const object = bucket.objects.get(key);
  if (!object) throw noSuchKey(key);
  return object;
};

export const putObject: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const key = requireString(input, 'Key');
  const body = bodyOf(input);
  const existing = bucket.objects.get(key);
  // Conditional writes: If-None-Match: * refuses to overwrite, If-Match needs the current ETag.
  const ifNoneMatch = str(input.IfNoneMatch);
  if (ifNoneMatch !== undefined && existing) throw preconditionFailed('If-None-Match');
  const ifMatch = str(input.IfMatch);
  if (ifMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed('If-Match');
  }
  const checksum = verifyChecksums(input, body);
  const object: S3Object = {
    key,
    body,
    etag: md5Etag(body),
    lastModified: ctx.emulator.now(),
    headers: objectHeaders(input),
    metadata: metadataOf(input),
    tags: tagsFromQuery(input.Tagging),
    checksum,
    parts: undefined,
    storageClass: str(input.StorageClass) ?? 'STANDARD',
  };
  putObjectInto(bucket, object);
  notifyObjectEvent(ctx, bucket, 'ObjectCreated:Put', 'PutObject', object);
  return { ETag: object.etag, ...checksumMembers(checksum), ServerSideEncryption: 'AES256' };
};

export const checksumMembers = (checksum: StoredChecksum | undefined): Record<string, string> =>
  checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {};

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive [start, end]; undefined when S3 ignores the header. */
const parseRange = (range: string, size: number): [number, number] | undefined => {
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () =>
    new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, {
      RangeRequested: range,
      ActualObjectSize: String(size),
    });
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw unsatisfiable();
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) throw unsatisfiable();
  return [start, end];
};

const RESPONSE_OVERRIDES: Record<string, string> = {
  ResponseContentType: 'ContentType',
  ResponseContentLanguage: 'ContentLanguage',
  ResponseExpires: 'Expires',
  ResponseCacheControl: 'CacheControl',
  ResponseContentDisposition: 'ContentDisposition',
  ResponseContentEncoding: 'ContentEncoding',
};

const readObject = (input: Input, ctx: S3Ctx, withBody: boolean): S3Result => {
  const bucket = getBucket(ctx, input);
  const key = requireString(input, 'Key');
  const object = getObjectOf(bucket, key);
  checkConditions(input, object);
  const size = object.body.length;
  const rangeHeader = str(input.Range);
  const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader, size);
  const headers: Record<string, unknown> = { ...object.headers };
  for (const [param, member] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = str(input[param]);
    if (v !== undefined) headers[member] = v;
  }
  const full = range === undefined;
  const start = range ? range[0] : 0;
  const end = range ? range[1] : size - 1;
  return {
    ...headers,
    ETag: object.etag,
    LastModified: new Date(object.lastModified),
    AcceptRanges: 'bytes',
    ContentLength: full ? size : end - start + 1,
    ...(full ? {} : { ContentRange: `bytes ${start}-${end}/${size}` }),
    Metadata: object.metadata,
    ...(Object.keys(object.tags).length > 0 ? { TagCount: Object.keys(object.tags).length } : {}),
    ...(object.storageClass !== 'STANDARD' ? { StorageClass: object.storageClass } : {}),
    ...(object.parts !== undefined && input.PartNumber !== undefined ? { PartsCount: object.parts } : {}),
    ...(full && str(input.ChecksumMode) === 'ENABLED' ? checksumMembers(object.checksum) : {}),
    ServerSideEncryption: 'AES256',
    ...(withBody ? { Body: full ? object.body : object.body.subarray(start, end + 1) } : {}),
  };
};

export const getObject: Op = (input, ctx) => readObject(input, ctx, true);
export const headObject: Op = (input, ctx) => readObject(input, ctx, false);

export const deleteObject: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const key = requireString(input, 'Key');
  const existing = bucket.objects.get(key);
  const ifMatch = str(input.IfMatch);
  if (ifMatch !== undefined && existing && !etagMatches(ifMatch, existing.etag))
    throw preconditionFailed('If-Match');
  if (removeObjectFrom(bucket, key)) {
    notifyObjectEvent(ctx, bucket, 'ObjectRemoved:Delete', 'DeleteObject', { key });
  }
  return {};
};

export const deleteObjects: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const del = (input.Delete ?? {}) as { Objects?: unknown; Quiet?: unknown };
  const objects = Array.isArray(del.Objects) ? (del.Objects as { Key?: unknown }[]) : [];
  if (objects.length === 0 || objects.length > 1000) {
    throw new S3Error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
      400,
    );
  }
  const quiet = del.Quiet === true || del.Quiet === 'true';
  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const o of objects) {
    const key = str(o.Key);
    if (key === undefined || key === '') {
      errors.push({ Key: '', Code: 'InvalidArgument', Message: 'Invalid key' });
      continue;
    }
    if (removeObjectFrom(bucket, key)) {
      notifyObjectEvent(ctx, bucket, 'ObjectRemoved:Delete', 'DeleteObject', { key });
    }
    deleted.push({ Key: key });
  }
  return {
    Xml: { root: 'DeleteResult', value: { Deleted: quiet ? [] : deleted, Error: errors } },
  };
};

/** `bucket/key` or `/bucket/key`, URL-encoded, optionally `?versionId=`. */
export const parseCopySource = (ctx: S3Ctx, source: unknown): { bucket: Bucket; object: S3Object } => {
  if (typeof source !== 'string' || source === '')
    throw invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      String(source),
    );
  const path = source.replace(/^\//, '').split('?')[0] as string;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      source,
    );
  }
  const bucketName = decodeURIComponent(path.slice(0, slash));
  const key = decodeURIComponent(path.slice(slash + 1));
  const bucket = findBucket(ctx, bucketName);
  if (!bucket) throw noSuchBucket(bucketName);
  return { bucket, object: getObjectOf(bucket, key) };
};

export const copyObject: Op = (input, ctx): S3Result => {
  const target = getBucket(ctx, input);
  const key = requireString(input, 'Key');
  const { bucket: sourceBucket, object: source } = parseCopySource(ctx, input.CopySource);
  checkConditions(input, source, 'CopySource');
  const directive = str(input.MetadataDirective) ?? 'COPY';
  const taggingDirective = str(input.TaggingDirective) ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  }
  const replace = directive === 'REPLACE';
  const sameObject = sourceBucket === target && source.key === key;
  if (sameObject && !replace && input.StorageClass === undefined && input.ChecksumAlgorithm === undefined) {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      400,
    );
  }
  const algorithm: ChecksumAlgorithm | undefined = isChecksumAlgorithm(input.ChecksumAlgorithm)
    ? input.ChecksumAlgorithm
    : source.checksum?.algorithm;
  const object: S3Object = {
    key,
    body: source.body,
    etag: source.parts === undefined ? source.etag : md5Etag(source.body),
    lastModified: ctx.emulator.now(),
    headers: replace ? objectHeaders(input) : { ...source.headers },
    metadata: replace ? metadataOf(input) : { ...source.metadata },
    tags: taggingDirective === 'REPLACE' ? tagsFromQuery(input.Tagging) : { ...source.tags },
    checksum: algorithm
      ? { algorithm, value: checksumOf(algorithm, source.body), type: 'FULL_OBJECT' }
      : undefined,
    parts: undefined,
    storageClass: str(input.StorageClass) ?? source.storageClass,
  };
  putObjectInto(target, object);
  notifyObjectEvent(ctx, target, 'ObjectCreated:Copy', 'CopyObject', object);
  const checksum = object.checksum;
  return {
    Xml: {
      root: 'CopyObjectResult',
      value: {
        ETag: object.etag,
        LastModified: new Date(object.lastModified),
        ...(checksum
          ? { ChecksumType: checksum.type, [`Checksum${checksum.algorithm}`]: checksum.value }
          : {}),
      },
    },
    ServerSideEncryption: 'AES256',
  };
};

/** S3's `encoding-type=url`: keys percent-encoded (space as `+`). */
const urlEncode = (s: string): string => encodeURIComponent(s).replaceAll('%20', '+').replaceAll('%2F', '/');

interface Listing {
  contents: S3Object[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned (what a next page starts after). */
  last: string | undefined;
  lastIsPrefix: boolean;
}

/** Walks the keys after `after` in order, rolling keys up into common prefixes, up to `max` entries. */
const walk = (
  bucket: Bucket,
  prefix: string,
  delimiter: string,
  after: string,
  skipPrefix: string | undefined,
  max: number,
): Listing => {
  const out: Listing = { contents: [], prefixes: [], truncated: false, last: undefined, lastIsPrefix: false };
  let lastPrefix: string | undefined = skipPrefix;
  for (const key of sortedKeys(bucket)) {
    if (!key.startsWith(prefix) || key <= after) continue;
    if (lastPrefix !== undefined && key.startsWith(lastPrefix)) continue;
    let common: string | undefined;
    if (delimiter !== '') {
      const i = key.indexOf(delimiter, prefix.length);
      if (i >= 0) common = key.slice(0, i + delimiter.length);
    }
    if (out.contents.length + out.prefixes.length >= max) {
      out.truncated = true;
      break;
    }
    if (common !== undefined) {
      out.prefixes.push(common);
      lastPrefix = common;
      out.last = common;
      out.lastIsPrefix = true;
    } else {
      out.contents.push(bucket.objects.get(key) as S3Object);
      out.last = key;
      out.lastIsPrefix = false;
    }
  }
  return out;
};

const maxKeysOf = (input: Input): number => {
  const raw = input.MaxKeys;
  if (raw === undefined || raw === '') return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw invalidArgument(
      'Provided max-keys not an integer or within integer range',
      'max-keys',
      String(raw),
    );
  }
  return Math.min(n, 1000);
};

const contentsXml = (objects: S3Object[], encode: (s: string) => string, owner: boolean) =>
  objects.map((o) => ({
    Key: encode(o.key),
    LastModified: new Date(o.lastModified),
    ETag: o.etag,
    ...(o.checksum ? { ChecksumAlgorithm: o.checksum.algorithm, ChecksumType: o.checksum.type } : {}),
    Size: o.body.length,
    ...(owner ? { Owner: OWNER } : {}),
    StorageClass: o.storageClass,
  }));

interface Token {
  readonly k: string;
  readonly p: boolean;
}

const decodeToken = (token: string): Token => {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Token;
    if (typeof parsed.k === 'string' && typeof parsed.p === 'boolean') return parsed;
  } catch {
    // fall through
  }
  throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
};

export const listObjectsV2: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const prefix = str(input.Prefix) ?? '';
  const delimiter = str(input.Delimiter) ?? '';
  const max = maxKeysOf(input);
  const startAfter = str(input.StartAfter);
  const token = str(input.ContinuationToken);
  const position = token !== undefined ? decodeToken(token) : undefined;
  const after = position ? position.k : (startAfter ?? '');
  const listing = walk(bucket, prefix, delimiter, after, position?.p ? position.k : undefined, max);
  const url = str(input.EncodingType) === 'url';
  const encode = url ? urlEncode : (s: string) => s;
  const next =
    listing.truncated && listing.last !== undefined
      ? Buffer.from(JSON.stringify({ k: listing.last, p: listing.lastIsPrefix })).toString('base64url')
      : undefined;
  return {
    Xml: {
      root: 'ListBucketResult',
      value: {
        Name: bucket.name,
        Prefix: encode(prefix),
        Delimiter: delimiter === '' ? undefined : encode(delimiter),
        MaxKeys: max,
        KeyCount: listing.contents.length + listing.prefixes.length,
        IsTruncated: listing.truncated,
        ContinuationToken: token,
        NextContinuationToken: next,
        StartAfter: startAfter === undefined ? undefined : encode(startAfter),
        EncodingType: url ? 'url' : undefined,
        Contents: contentsXml(
          listing.contents,
          encode,
          input.FetchOwner === true || input.FetchOwner === 'true',
        ),
        CommonPrefixes: listing.prefixes.map((p) => ({ Prefix: encode(p) })),
      },
    },
  };
};

export const listObjects: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const prefix = str(input.Prefix) ?? '';
  const delimiter = str(input.Delimiter) ?? '';
  const max = maxKeysOf(input);
  const marker = str(input.Marker) ?? '';
  const skip =
    delimiter !== '' && marker.endsWith(delimiter) && marker.startsWith(prefix) ? marker : undefined;
  const listing = walk(bucket, prefix, delimiter, marker, skip, max);
  const url = str(input.EncodingType) === 'url';
  const encode = url ? urlEncode : (s: string) => s;
  return {
    Xml: {
      root: 'ListBucketResult',
      value: {
        Name: bucket.name,
        Prefix: encode(prefix),
        Marker: encode(marker),
        NextMarker:
          listing.truncated && delimiter !== '' && listing.last !== undefined
            ? encode(listing.last)
            : undefined,
        Delimiter: delimiter === '' ? undefined : encode(delimiter),
        MaxKeys: max,
        IsTruncated: listing.truncated,
        EncodingType: url ? 'url' : undefined,
        Contents: contentsXml(listing.contents, encode, true),
        CommonPrefixes: listing.prefixes.map((p) => ({ Prefix: encode(p) })),
      },
    },
  };
};

/**
 * ListObjectVersions. The emulator keeps no versions (versioning is never enabled), so each object
 * is its bucket's one version, `null`, as AWS lists the objects of a bucket that was never versioned;
 * there are no delete markers. Paged by key marker (a `null` version-id marker skips that key).
 */
export const listObjectVersions: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const prefix = str(input.Prefix) ?? '';
  const delimiter = str(input.Delimiter) ?? '';
  const max = maxKeysOf(input);
  const keyMarker = str(input.KeyMarker) ?? '';
  const idMarker = str(input.VersionIdMarker);
  if (idMarker !== undefined && idMarker !== '' && keyMarker === '') {
    throw invalidArgument(
      'A version-id marker cannot be specified without a key marker.',
      'version-id-marker',
      idMarker,
    );
  }
  // Each key has one version, `null`: a page that ended at a key ended past all of its versions.
  if (idMarker !== undefined && idMarker !== '' && idMarker !== 'null') {
    throw invalidArgument('Invalid version id specified', 'version-id-marker', idMarker);
  }
  const skip =
    delimiter !== '' && keyMarker.endsWith(delimiter) && keyMarker.startsWith(prefix) ? keyMarker : undefined;
  const listing = walk(bucket, prefix, delimiter, keyMarker, skip, max);
  const url = str(input.EncodingType) === 'url';
  const encode = url ? urlEncode : (s: string) => s;
  const last = listing.truncated ? listing.last : undefined;
  return {
    Xml: {
      root: 'ListVersionsResult',
      value: {
        Name: bucket.name,
        Prefix: encode(prefix),
        KeyMarker: encode(keyMarker),
        VersionIdMarker: idMarker ?? '',
        NextKeyMarker: last === undefined ? undefined : encode(last),
        NextVersionIdMarker: last === undefined || listing.lastIsPrefix ? undefined : 'null',
        MaxKeys: max,
        Delimiter: delimiter === '' ? undefined : encode(delimiter),
        IsTruncated: listing.truncated,
        EncodingType: url ? 'url' : undefined,
        Version: listing.contents.map((o) => ({
          Key: encode(o.key),
          VersionId: 'null',
          IsLatest: true,
          LastModified: new Date(o.lastModified),
          ETag: o.etag,
          ...(o.checksum ? { ChecksumAlgorithm: o.checksum.algorithm, ChecksumType: o.checksum.type } : {}),
          Size: o.body.length,
          Owner: OWNER,
          StorageClass: o.storageClass,
        })),
        CommonPrefixes: listing.prefixes.map((p) => ({ Prefix: encode(p) })),
      },
    },
  };
};

export const putObjectTagging: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const object = getObjectOf(bucket, requireString(input, 'Key'));
  if (input.Tagging === undefined) throw invalidArgument('Tagging is required');
  object.tags = readTagSet(input.Tagging, 10, 'object');
  notifyObjectEvent(ctx, bucket, 'ObjectTagging:Put', 'PutObjectTagging', object);
  return {};
};

export const getObjectTagging: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const object = getObjectOf(bucket, requireString(input, 'Key'));
  return { Xml: { root: 'Tagging', value: tagSetXml(object.tags) } };
};

export const deleteObjectTagging: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const object = getObjectOf(bucket, requireString(input, 'Key'));
  object.tags = {};
  notifyObjectEvent(ctx, bucket, 'ObjectTagging:Delete', 'DeleteObjectTagging', object);
  return {};
};
