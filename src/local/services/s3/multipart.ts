import { randomBytes } from 'node:crypto';
import type { Operation } from '../../core/context.js';
import { malformedXml } from '../../protocols/xml-document.js';
import { checksumOf, compositeChecksum, isChecksumAlgorithm, md5Etag, multipartEtag } from './checksums.js';
import { notifyObjectEvent } from './notifications.js';
import {
  checkConditions,
  checksumMembers,
  metadataOf,
  objectHeaders,
  parseCopySource,
  tagsFromQuery,
  verifyChecksums,
} from './objects.js';
import {
  type Bucket,
  getBucket,
  invalidArgument,
  noSuchUpload,
  OWNER,
  putObjectInto,
  requireString,
  type S3Ctx,
  S3Error,
  type S3Object,
  type S3Result,
  type S3State,
  type StoredChecksum,
  str,
  type Upload,
} from './state.js';

type Op = Operation<S3State>;
type Input = Record<string, unknown>;

/** Every part but the last must be at least this big (S3's limit). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export const createMultipartUpload: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const key = requireString(input, 'Key');
  const algorithm = input.ChecksumAlgorithm;
  if (algorithm !== undefined && !isChecksumAlgorithm(algorithm)) {
    throw invalidArgument(
      'Checksum algorithm provided is unsupported.',
      'x-amz-checksum-algorithm',
      String(algorithm),
    );
  }
  const id = randomBytes(48).toString('base64url');
  const upload: Upload = {
    id,
    key,
    initiated: ctx.emulator.now(),
    headers: objectHeaders(input),
    metadata: metadataOf(input),
    tags: tagsFromQuery(input.Tagging),
    checksumAlgorithm: algorithm,
    storageClass: str(input.StorageClass) ?? 'STANDARD',
    parts: new Map(),
  };
  bucket.uploads.set(id, upload);
  return {
    Xml: { root: 'InitiateMultipartUploadResult', value: { Bucket: bucket.name, Key: key, UploadId: id } },
    ...(algorithm ? { ChecksumAlgorithm: algorithm, ChecksumType: 'COMPOSITE' } : {}),
  };
};

const uploadOf = (bucket: Bucket, input: Input): Upload => {
  const id = requireString(input, 'UploadId');
  const upload = bucket.uploads.get(id);
  if (!upload || upload.key !== input.Key) throw noSuchUpload(id);
  return upload;
};

const partNumberOf = (input: Input): number => {
  const n = Number(input.PartNumber);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) {
    throw invalidArgument(
      'Part number must be an integer between 1 and 10000, inclusive',
      'partNumber',
      String(input.PartNumber),
    );
  }
  return n;
};

const storePart = (
  upload: Upload,
  number: number,
  body: Buffer,
  checksum: StoredChecksum | undefined,
  now: number,
) => {
  const part = { number, body, etag: md5Etag(body), lastModified: now, checksum: checksum?.value };
  upload.parts.set(number, part);
  return part;
};

export const uploadPart: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const upload = uploadOf(bucket, input);
  const number = partNumberOf(input);
  const body = Buffer.isBuffer(input.Body) ? input.Body : Buffer.from(String(input.Body ?? ''), 'utf8');
  const sent = verifyChecksums(input, body);
  // Parts carry the checksum of the upload's algorithm (whatever else the client sent), so that
  // the object's composite checksum can be computed from them.
  const algorithm = upload.checksumAlgorithm;
  const checksum: StoredChecksum | undefined =
    algorithm && sent?.algorithm !== algorithm
      ? { algorithm, value: checksumOf(algorithm, body), type: 'FULL_OBJECT' }
      : sent;
  const part = storePart(upload, number, body, checksum, ctx.emulator.now());
  return { ETag: part.etag, ...checksumMembers(checksum), ServerSideEncryption: 'AES256' };
};

const copyRange = (value: unknown, size: number): [number, number] => {
  if (value === undefined) return [0, size];
  const m = typeof value === 'string' ? /^bytes=(\d+)-(\d+)$/.exec(value) : null;
  if (!m) {
    throw invalidArgument(
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      'x-amz-copy-source-range',
      String(value),
    );
  }
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start || end >= size) {
    throw new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, {
      RangeRequested: String(value),
      ActualObjectSize: String(size),
    });
  }
  return [start, end + 1];
};

export const uploadPartCopy: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const upload = uploadOf(bucket, input);
  const number = partNumberOf(input);
  const { object } = parseCopySource(ctx, input.CopySource);
  checkConditions(input, object, 'CopySource');
  const [start, end] = copyRange(input.CopySourceRange, object.body.length);
  const body = object.body.subarray(start, end);
  const algorithm = upload.checksumAlgorithm;
  const checksum: StoredChecksum | undefined = algorithm
    ? { algorithm, value: checksumOf(algorithm, body), type: 'FULL_OBJECT' }
    : undefined;
  const part = storePart(upload, number, body, checksum, ctx.emulator.now());
  return {
    Xml: {
      root: 'CopyPartResult',
      value: {
        ETag: part.etag,
        LastModified: new Date(part.lastModified),
        ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value } : {}),
      },
    },
  };
};

const invalidPart = (): S3Error =>
  new S3Error(
    'InvalidPart',
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    400,
  );

export const completeMultipartUpload: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const upload = uploadOf(bucket, input);
  const requested = ((input.MultipartUpload as { Parts?: unknown } | undefined)?.Parts ?? []) as Input[];
  if (!Array.isArray(requested) || requested.length === 0) throw malformedXml();
  const parts = [];
  let previous = 0;
  for (const p of requested) {
    const number = Number(p.PartNumber);
    if (!Number.isInteger(number)) throw malformedXml();
    if (number <= previous) {
      throw new S3Error(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
        400,
      );
    }
    previous = number;
    const part = upload.parts.get(number);
    const etag = str(p.ETag);
    if (!part || etag === undefined || etag.replaceAll('"', '') !== part.etag.replaceAll('"', ''))
      throw invalidPart();
    parts.push(part);
  }
  parts.forEach((part, i) => {
    if (i < parts.length - 1 && part.body.length < MIN_PART_SIZE) {
      throw new S3Error(
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed size',
        400,
        {
          ProposedSize: String(part.body.length),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String(part.number),
          ETag: part.etag.replaceAll('"', ''),
        },
      );
    }
  });
  const body = Buffer.concat(parts.map((p) => p.body));
  const algorithm = upload.checksumAlgorithm;
  const partSums = parts.map((p) => p.checksum);
  const checksum: StoredChecksum | undefined =
    algorithm && partSums.every((c): c is string => c !== undefined)
      ? { algorithm, value: compositeChecksum(algorithm, partSums), type: 'COMPOSITE' }
      : undefined;
  const object: S3Object = {
    key: upload.key,
    body,
    etag: multipartEtag(parts.map((p) => p.etag)),
    lastModified: ctx.emulator.now(),
    headers: upload.headers,
    metadata: upload.metadata,
    tags: upload.tags,
    checksum,
    parts: parts.length,
    storageClass: upload.storageClass,
  };
  bucket.uploads.delete(upload.id);
  putObjectInto(bucket, object);
  notifyObjectEvent(ctx, bucket, 'ObjectCreated:CompleteMultipartUpload', 'CompleteMultipartUpload', object);
  return {
    Xml: {
      root: 'CompleteMultipartUploadResult',
      value: {
        Location: `http://${bucket.name}.s3.localhost/${encodeURIComponent(upload.key)}`,
        Bucket: bucket.name,
        Key: upload.key,
        ETag: object.etag,
        ...(checksum
          ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type }
          : {}),
      },
    },
    ServerSideEncryption: 'AES256',
  };
};

export const abortMultipartUpload: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const upload = uploadOf(bucket, input);
  bucket.uploads.delete(upload.id);
  return {};
};

const intParam = (input: Input, name: string, param: string, fallback: number, max: number): number => {
  const raw = input[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw invalidArgument(`Provided ${param} not an integer or within integer range`, param, String(raw));
  }
  return Math.min(n, max);
};

export const listParts: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const upload = uploadOf(bucket, input);
  const max = intParam(input, 'MaxParts', 'max-parts', 1000, 1000);
  const marker = intParam(input, 'PartNumberMarker', 'part-number-marker', 0, MAX_PARTS);
  const all = [...upload.parts.values()].filter((p) => p.number > marker).sort((a, b) => a.number - b.number);
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  const algorithm = upload.checksumAlgorithm;
  return {
    Xml: {
      root: 'ListPartsResult',
      value: {
        Bucket: bucket.name,
        Key: upload.key,
        UploadId: upload.id,
        PartNumberMarker: marker,
        NextPartNumberMarker: page.length > 0 ? page[page.length - 1]?.number : undefined,
        MaxParts: max,
        IsTruncated: truncated,
        Part: page.map((p) => ({
          PartNumber: p.number,
          LastModified: new Date(p.lastModified),
          ETag: p.etag,
          Size: p.body.length,
          ...(algorithm && p.checksum ? { [`Checksum${algorithm}`]: p.checksum } : {}),
        })),
        Initiator: OWNER,
        Owner: OWNER,
        StorageClass: upload.storageClass,
        ChecksumAlgorithm: algorithm,
        ChecksumType: algorithm ? 'COMPOSITE' : undefined,
      },
    },
  };
};

export const listMultipartUploads: Op = (input, ctx: S3Ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const prefix = str(input.Prefix) ?? '';
  const delimiter = str(input.Delimiter) ?? '';
  const max = intParam(input, 'MaxUploads', 'max-uploads', 1000, 1000);
  const keyMarker = str(input.KeyMarker) ?? '';
  const idMarker = str(input.UploadIdMarker) ?? '';
  const sorted = [...bucket.uploads.values()]
    .filter((u) => u.key.startsWith(prefix))
    .filter((u) => u.key > keyMarker || (u.key === keyMarker && idMarker !== '' && u.id > idMarker))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
  const uploads: Upload[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  for (const u of sorted) {
    const i = delimiter === '' ? -1 : u.key.indexOf(delimiter, prefix.length);
    const common = i >= 0 ? u.key.slice(0, i + delimiter.length) : undefined;
    if (common !== undefined && prefixes.includes(common)) continue;
    if (uploads.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    if (common !== undefined) prefixes.push(common);
    else uploads.push(u);
  }
  const last = uploads[uploads.length - 1];
  return {
    Xml: {
      root: 'ListMultipartUploadsResult',
      value: {
        Bucket: bucket.name,
        KeyMarker: keyMarker,
        UploadIdMarker: idMarker,
        NextKeyMarker: truncated ? last?.key : undefined,
        NextUploadIdMarker: truncated ? last?.id : undefined,
        Prefix: prefix,
        Delimiter: delimiter === '' ? undefined : delimiter,
        MaxUploads: max,
        IsTruncated: truncated,
        Upload: uploads.map((u) => ({
          Key: u.key,
          UploadId: u.id,
          Initiator: OWNER,
          Owner: OWNER,
          StorageClass: u.storageClass,
          Initiated: new Date(u.initiated),
          ChecksumAlgorithm: u.checksumAlgorithm,
        })),
        CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
      },
    },
  };
};
