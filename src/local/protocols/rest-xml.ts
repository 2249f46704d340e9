/**
 * Amazon S3's REST-XML protocol: an HTTP request (method, Host or path-style bucket, key,
 * query-string sub-resources, headers, raw body) becomes an operation and its input in the SDK's
 * member names; the operation's result becomes status, headers and an XML document or raw bytes.
 * Bodies stay Buffers throughout; `aws-chunked` bodies (with or without chunk signatures) are
 * decoded and their trailing checksums handed to the operation like the `x-amz-checksum-*` headers.
 */
import { debuglog } from 'node:util';
import { AwsError } from '../core/errors.js';
import type { AnyService, RestXmlResult, RestXmlShapes } from '../core/service.js';
import type { Protocol } from './types.js';
import { escapeXml } from './xml.js';
import { parseXml, xmlDocument } from './xml-document.js';

const log = debuglog('eventprobe:local');

/**
 * The largest request body the emulator takes for S3 (a single PutObject or UploadPart): 256 MiB.
 * AWS allows 5 GiB per request; the emulator keeps objects in memory, so it refuses larger bodies
 * with EntityTooLarge before reading them (use multipart uploads for bigger objects).
 */
export const S3_MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface S3HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** The bucket a virtual-hosted-style Host names: `bucket.localhost`, `bucket.s3.localhost`, `bucket.s3.<region>.amazonaws.com`. */
export const virtualHostBucket = (host: string | undefined): string | undefined => {
  if (!host) return undefined;
  const h = host.replace(/:\d+$/, '').toLowerCase();
  const local = /^(.+?)\.(?:s3\.)?localhost$/.exec(h);
  if (local) return local[1] === 's3' ? undefined : local[1];
  const aws = /^(.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com$/.exec(h);
  return aws ? aws[1] : undefined;
};

/** An error with the extra elements S3 writes in `<Error>` (`BucketName`, `ProposedSize`, ...). */
const s3Error = (
  code: string,
  message: string,
  status: number,
  elements: Readonly<Record<string, string>> = {},
): AwsError => Object.assign(new AwsError(code, message, status), { fields: elements });

const invalidUri = (): AwsError => s3Error('InvalidURI', "Couldn't parse the specified URI.", 400);

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalidUri();
  }
};

/** Bucket and key of a request, from the Host (virtual-hosted style) or the path (path style). */
export const addressOf = (
  host: string | undefined,
  rawPath: string,
): { bucket: string | undefined; key: string | undefined } => {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const fromHost = virtualHostBucket(host);
  if (fromHost !== undefined) return { bucket: fromHost, key: path === '' ? undefined : decode(path) };
  if (path === '') return { bucket: undefined, key: undefined };
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path), key: undefined };
  const key = path.slice(slash + 1);
  return { bucket: decode(path.slice(0, slash)), key: key === '' ? undefined : decode(key) };
};

/** Sub-resources the emulator does not implement: named in the NotImplemented error. */
const OTHER_SUBRESOURCES = [
  'acl',
  'cors',
  'lifecycle',
  'website',
  'encryption',
  'logging',
  'replication',
  'ownershipControls',
  'publicAccessBlock',
  'object-lock',
  'accelerate',
  'requestPayment',
  'analytics',
  'inventory',
  'metrics',
  'intelligent-tiering',
  'policyStatus',
  'attributes',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'select',
  'versions',
  'website',
];

const notImplemented = (what: string): AwsError =>
  s3Error('NotImplemented', `The eventprobe emulator does not implement ${what} for S3.`, 501);

/** The S3 operation a request is for. */
export const routeS3 = (
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  query: URLSearchParams,
  headers: Readonly<Record<string, string>>,
): string => {
  const has = (name: string) => query.has(name);
  const other = OTHER_SUBRESOURCES.find(has);
  if (other !== undefined) throw notImplemented(`${method} ?${other}`);
  if (bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }
  if (key === undefined) {
    if (method === 'GET') {
      if (has('tagging')) return 'GetBucketTagging';
      if (has('notification')) return 'GetBucketNotificationConfiguration';
      if (has('policy')) return 'GetBucketPolicy';
      if (has('location')) return 'GetBucketLocation';
      if (has('uploads')) return 'ListMultipartUploads';
      if (has('versioning')) return 'GetBucketVersioning';
      return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    }
    if (method === 'PUT') {
      if (has('tagging')) return 'PutBucketTagging';
      if (has('notification')) return 'PutBucketNotificationConfiguration';
      if (has('policy')) return 'PutBucketPolicy';
      if (has('versioning')) throw notImplemented('PutBucketVersioning');
      return 'CreateBucket';
    }
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') {
      if (has('tagging')) return 'DeleteBucketTagging';
      if (has('policy')) return 'DeleteBucketPolicy';
      return 'DeleteBucket';
    }
    if (method === 'POST' && has('delete')) return 'DeleteObjects';
  } else {
    if (method === 'GET') {
      if (has('tagging')) return 'GetObjectTagging';
      if (has('uploadId')) return 'ListParts';
      return 'GetObject';
    }
    if (method === 'HEAD') return 'HeadObject';
    if (method === 'PUT') {
      if (has('tagging')) return 'PutObjectTagging';
      if (has('uploadId')) return headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
      return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    }
    if (method === 'DELETE') {
      if (has('tagging')) return 'DeleteObjectTagging';
      if (has('uploadId')) return 'AbortMultipartUpload';
      return 'DeleteObject';
    }
    if (method === 'POST') {
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
    }
  }
  throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
};

const INPUT_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'ContentType',
  'content-disposition': 'ContentDisposition',
  'content-language': 'ContentLanguage',
  'cache-control': 'CacheControl',
  expires: 'Expires',
  'content-md5': 'ContentMD5',
  range: 'Range',
  'if-match': 'IfMatch',
  'if-none-match': 'IfNoneMatch',
  'if-modified-since': 'IfModifiedSince',
  'if-unmodified-since': 'IfUnmodifiedSince',
  'x-amz-tagging': 'Tagging',
  'x-amz-copy-source': 'CopySource',
  'x-amz-copy-source-range': 'CopySourceRange',
  'x-amz-copy-source-if-match': 'CopySourceIfMatch',
  'x-amz-copy-source-if-none-match': 'CopySourceIfNoneMatch',
  'x-amz-copy-source-if-modified-since': 'CopySourceIfModifiedSince',
  'x-amz-copy-source-if-unmodified-since': 'CopySourceIfUnmodifiedSince',
  'x-amz-metadata-directive': 'MetadataDirective',
  'x-amz-tagging-directive': 'TaggingDirective',
  'x-amz-storage-class': 'StorageClass',
  'x-amz-sdk-checksum-algorithm': 'ChecksumAlgorithm',
  'x-amz-checksum-algorithm': 'ChecksumAlgorithm',
  'x-amz-checksum-mode': 'ChecksumMode',
  'x-amz-checksum-type': 'ChecksumType',
  'x-amz-checksum-crc32': 'ChecksumCRC32',
  'x-amz-checksum-crc32c': 'ChecksumCRC32C',
  'x-amz-checksum-crc64nvme': 'ChecksumCRC64NVME',
  'x-amz-checksum-sha1': 'ChecksumSHA1',
  'x-amz-checksum-sha256': 'ChecksumSHA256',
  'x-amz-acl': 'ACL',
  'x-amz-expected-bucket-owner': 'ExpectedBucketOwner',
};

const QUERY_MEMBERS: Readonly<Record<string, string>> = {
  prefix: 'Prefix',
  delimiter: 'Delimiter',
  'max-keys': 'MaxKeys',
  'continuation-token': 'ContinuationToken',
  'start-after': 'StartAfter',
  marker: 'Marker',
  'encoding-type': 'EncodingType',
  'fetch-owner': 'FetchOwner',
  uploadId: 'UploadId',
  partNumber: 'PartNumber',
  'max-parts': 'MaxParts',
  'part-number-marker': 'PartNumberMarker',
  'key-marker': 'KeyMarker',
  'upload-id-marker': 'UploadIdMarker',
  'max-uploads': 'MaxUploads',
  'max-buckets': 'MaxBuckets',
  'bucket-region': 'BucketRegion',
  versionId: 'VersionId',
  'response-content-type': 'ResponseContentType',
  'response-content-language': 'ResponseContentLanguage',
  'response-expires': 'ResponseExpires',
  'response-cache-control': 'ResponseCacheControl',
  'response-content-disposition': 'ResponseContentDisposition',
  'response-content-encoding': 'ResponseContentEncoding',
};

const OUTPUT_HEADERS: Readonly<Record<string, string>> = {
  ETag: 'etag',
  ContentType: 'content-type',
  ContentEncoding: 'content-encoding',
  ContentDisposition: 'content-disposition',
  ContentLanguage: 'content-language',
  CacheControl: 'cache-control',
  Expires: 'expires',
  ContentRange: 'content-range',
  ContentLength: 'content-length',
  AcceptRanges: 'accept-ranges',
  LastModified: 'last-modified',
  VersionId: 'x-amz-version-id',
  TagCount: 'x-amz-tagging-count',
  ChecksumCRC32: 'x-amz-checksum-crc32',
  ChecksumCRC32C: 'x-amz-checksum-crc32c',
  ChecksumCRC64NVME: 'x-amz-checksum-crc64nvme',
  ChecksumSHA1: 'x-amz-checksum-sha1',
  ChecksumSHA256: 'x-amz-checksum-sha256',
  ChecksumType: 'x-amz-checksum-type',
  ChecksumAlgorithm: 'x-amz-checksum-algorithm',
  BucketRegion: 'x-amz-bucket-region',
  AccessPointAlias: 'x-amz-access-point-alias',
  Location: 'location',
  StorageClass: 'x-amz-storage-class',
  ServerSideEncryption: 'x-amz-server-side-encryption',
  PartsCount: 'x-amz-mp-parts-count',
};

/** Header values are Latin-1 on the wire: non-ASCII metadata travels RFC 2047-encoded, as S3 sends it. */
const headerValue = (value: string): string =>
  /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;

/** A request header as text: Node reads header bytes as Latin-1, the SDK sends UTF-8. */
const utf8Header = (value: string): string => {
  if (!/[^\t\x20-\x7e]/.test(value)) return value;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? value : decoded;
};

const incompleteBody = (): AwsError =>
  s3Error('IncompleteBody', 'The request body terminated unexpectedly', 400);

/**
 * Decodes an `aws-chunked` body: `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n` ... `0\r\n`,
 * then trailer lines (`x-amz-checksum-crc32:<base64>`) and an empty line. Signatures are not checked.
 */
export const decodeAwsChunked = (raw: Buffer): { body: Buffer; trailers: Record<string, string> } => {
  const parts: Buffer[] = [];
  let pos = 0;
  let total = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos, 'latin1');
    if (eol < 0) throw incompleteBody();
    const sizeText = raw.toString('latin1', pos, eol).split(';')[0]?.trim() ?? '';
    const size = /^[0-9a-fA-F]+$/.test(sizeText) ? Number.parseInt(sizeText, 16) : Number.NaN;
    if (!Number.isFinite(size)) throw incompleteBody();
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > raw.length) throw incompleteBody();
    parts.push(raw.subarray(pos, pos + size));
    total += size;
    pos += size;
    if (raw[pos] !== 0x0d || raw[pos + 1] !== 0x0a) throw incompleteBody();
    pos += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of raw.toString('latin1', pos).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, total), trailers };
};

const isAwsChunked = (headers: Readonly<Record<string, string>>): boolean =>
  (headers['content-encoding'] ?? '').split(',').some((e) => e.trim() === 'aws-chunked') ||
  (headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');

/** Builds the operation's input from the request. */
const inputOf = (
  shapes: RestXmlShapes,
  operation: string,
  bucket: string | undefined,
  key: string | undefined,
  query: URLSearchParams,
  headers: Readonly<Record<string, string>>,
  raw: Buffer,
): Record<string, unknown> => {
  const input: Record<string, unknown> = {};
  if (bucket !== undefined) input.Bucket = bucket;
  if (key !== undefined) input.Key = key;
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const member = INPUT_HEADERS[name];
    if (member !== undefined) input[member] = utf8Header(value);
    else if (name.startsWith('x-amz-meta-')) metadata[name.slice(11)] = utf8Header(value);
  }
  if (Object.keys(metadata).length > 0) input.Metadata = metadata;
  const encoding = (headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked')
    .join(',');
  if (encoding !== '') input.ContentEncoding = encoding;
  for (const [name, value] of query) {
    const member = QUERY_MEMBERS[name];
    if (member !== undefined) input[member] = value;
  }
  let body = raw;
  if (isAwsChunked(headers)) {
    const decoded = decodeAwsChunked(raw);
    body = decoded.body;
    const declared = headers['x-amz-decoded-content-length'];
    if (declared !== undefined && Number(declared) !== body.length) throw incompleteBody();
    for (const [name, value] of Object.entries(decoded.trailers)) {
      const member = INPUT_HEADERS[name];
      if (member?.startsWith('Checksum')) input[member] = value;
    }
  }
  const rawBody = shapes.rawBodies?.[operation];
  if (rawBody) {
    input[rawBody[0]] = rawBody[1] === 'text' ? body.toString('utf8') : body;
  } else {
    const payload = shapes.payloads?.[operation];
    if (payload && body.length > 0) input[payload[0]] = payload[1](parseXml(body.toString('utf8')));
  }
  return input;
};

const STATUS: Readonly<Record<string, number>> = {
  DeleteObject: 204,
  DeleteBucket: 204,
  DeleteBucketTagging: 204,
  DeleteBucketPolicy: 204,
  DeleteObjectTagging: 204,
  AbortMultipartUpload: 204,
  PutBucketTagging: 204,
};

/** `x-amz-id-2` (the "host id") is opaque to clients: derived from the request id, no entropy needed. */
const requestHeaders = (requestId: string): Record<string, string> => ({
  'x-amz-request-id': requestId,
  'x-amz-id-2': Buffer.from(requestId, 'latin1').toString('base64'),
});

/** Renders an operation's result. */
export const encodeS3Result = (
  operation: string,
  result: RestXmlResult,
  requestId: string,
  xmlns: string,
): S3HttpReply => {
  const headers = requestHeaders(requestId);
  for (const [member, value] of Object.entries(result)) {
    if (value === undefined || value === null) continue;
    const header = OUTPUT_HEADERS[member];
    if (header !== undefined) {
      headers[header] = value instanceof Date ? value.toUTCString() : headerValue(String(value));
    }
  }
  const metadata = result.Metadata;
  if (metadata !== null && typeof metadata === 'object') {
    for (const [k, v] of Object.entries(metadata)) headers[`x-amz-meta-${k}`] = headerValue(String(v));
  }
  let body: string | Buffer = '';
  if (result.Xml) {
    body = xmlDocument(result.Xml.root, result.Xml.value, xmlns);
    headers['content-type'] = 'application/xml';
  } else if (result.Body) {
    body = result.Body;
  }
  if (headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const status = result.ContentRange !== undefined ? 206 : (STATUS[operation] ?? 200);
  return { status, headers, body: status === 204 ? '' : body };
};

const toS3Error = (err: unknown): AwsError => {
  if (err instanceof AwsError) {
    if (err.code === 'UnknownOperationException') return notImplemented(err.message);
    return err;
  }
  log('internal S3 error: %O', err);
  return new AwsError(
    'InternalError',
    `Internal emulator error: ${(err as Error)?.message ?? String(err)}`,
    500,
  );
};

/** S3's error document (no body for HEAD requests and 304 Not Modified, as S3 sends). */
export const encodeS3Error = (err: unknown, method: string, requestId: string): S3HttpReply => {
  const e = toS3Error(err);
  const headers = requestHeaders(requestId);
  if (method === 'HEAD' || e.status === 304) {
    headers['content-length'] = '0';
    return { status: e.status, headers, body: '' };
  }
  const extra = e.fields ?? {};
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(e.code)}</Code>` +
    `<Message>${escapeXml(e.message)}</Message>` +
    Object.entries(extra)
      .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
      .join('') +
    `<RequestId>${requestId}</RequestId><HostId>${headers['x-amz-id-2']}</HostId></Error>`;
  headers['content-type'] = 'application/xml';
  headers['content-length'] = String(Buffer.byteLength(body));
  return { status: e.status, headers, body };
};

/** A service speaking REST-XML without document hints: no documents in, results without a namespace. */
const NO_SHAPES: RestXmlShapes = { xmlns: '' };

const shapesOf = (service: AnyService): RestXmlShapes => service.restXml ?? NO_SHAPES;

/**
 * S3's REST-XML protocol: the bucket from the Host (virtual-hosted style) or the path, the
 * operation from the method, key and sub-resources, members from headers and the query string,
 * the raw body (aws-chunked decoded, trailing checksums read), and S3's own error document.
 * Bodies up to {@link S3_MAX_BODY_BYTES}; a larger one is refused with EntityTooLarge unread.
 */
export const restXmlProtocol: Protocol = {
  name: 'rest-xml',
  maxBodyBytes: S3_MAX_BODY_BYTES,
  bodyTooLarge: (size) =>
    s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.', 400, {
      ...(size === undefined ? {} : { ProposedSize: String(size) }),
      MaxSizeAllowed: String(S3_MAX_BODY_BYTES),
    }),
  accepts: () => true,
  decode: (service, request, body) => {
    const { bucket, key } = addressOf(request.headers.host, request.path);
    const operation = routeS3(request.method, bucket, key, request.query, request.headers);
    const input = inputOf(shapesOf(service), operation, bucket, key, request.query, request.headers, body);
    return { operation, input };
  },
  encodeResult: (service, decoded, output, requestId) =>
    encodeS3Result(decoded.operation, (output ?? {}) as RestXmlResult, requestId, shapesOf(service).xmlns),
  encodeError: (_service, error, requestId, request) => {
    log('s3 request failed: %s', error.message);
    return encodeS3Error(error, request?.method ?? 'GET', requestId);
  },
};
