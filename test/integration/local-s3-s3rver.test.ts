/**
 * Differential test: the same scenarios through the unmodified SDK against the emulator and against
 * s3rver (an S3 implementation nobody here wrote, dev dependency only). Every observation must be
 * equal, except the divergences listed below, each settled by the AWS documentation (and for those
 * the emulator's answer is checked against what AWS documents).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../src/local/index.js';

type Observation = unknown;
type Scenario = (s3: S3Client, bucket: string) => Promise<Observation>;

const MiB = 1024 * 1024;
const HOUR = 3600_000;

/** What a call did: its value, or the SDK's error name and HTTP status. */
const attempt = async <T>(work: () => Promise<T>, pick: (out: T) => Observation): Promise<Observation> => {
  try {
    return { ok: pick(await work()) };
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { error: e.name, status: e.$metadata?.httpStatusCode };
  }
};

const body = async (out: { Body?: { transformToString(): Promise<string> } }) =>
  out.Body?.transformToString();

const putKeys = async (s3: S3Client, Bucket: string, keys: string[]) => {
  for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}` }));
};

const KEYS = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'c.txt', 'd/4.txt'];

const scenarios: Record<string, Scenario> = {
  'HeadBucket of an existing bucket': (s3, Bucket) =>
    attempt(
      () => s3.send(new HeadBucketCommand({ Bucket })),
      (o) => o.$metadata.httpStatusCode,
    ),
  'HeadBucket of a missing bucket': (s3) =>
    attempt(
      () => s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket-here' })),
      () => 'found',
    ),
  'ListBuckets includes a new bucket': (s3, Bucket) =>
    attempt(
      () => s3.send(new ListBucketsCommand({})),
      (o) => o.Buckets?.some((b) => b.Name === Bucket),
    ),
  'CreateBucket with an invalid name': (s3) =>
    attempt(
      () => s3.send(new CreateBucketCommand({ Bucket: 'ab' })),
      () => 'created',
    ),
  'DeleteBucket of a non-empty bucket': async (s3, Bucket) => {
    await putKeys(s3, Bucket, ['x']);
    return attempt(
      () => s3.send(new DeleteBucketCommand({ Bucket })),
      () => 'deleted',
    );
  },
  'DeleteBucket of an empty bucket': (s3, Bucket) =>
    attempt(
      () => s3.send(new DeleteBucketCommand({ Bucket })),
      (o) => o.$metadata.httpStatusCode,
    ),
  'PutObject then GetObject: body, type, length, ETag, metadata': async (s3, Bucket) => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'obj',
        Body: 'hello world',
        ContentType: 'text/plain',
        Metadata: { owner: 'alice' },
      }),
    );
    return attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'obj' })),
      async (o) => ({
        body: await body(o),
        type: o.ContentType,
        length: o.ContentLength,
        etag: o.ETag,
        sameEtag: o.ETag === put.ETag,
        metadata: o.Metadata,
      }),
    ).then(async (r) => ({ ...(r as object), ok: await (r as { ok?: Promise<unknown> }).ok }));
  },
  'HeadObject: length, ETag, metadata': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'obj', Body: '12345', Metadata: { a: '1' } }));
    return attempt(
      () => s3.send(new HeadObjectCommand({ Bucket, Key: 'obj' })),
      (o) => ({ length: o.ContentLength, etag: o.ETag, metadata: o.Metadata }),
    );
  },
  'Binary body round trip': async (s3, Bucket) => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'bin', Body: bytes }));
    const out = await s3.send(new GetObjectCommand({ Bucket, Key: 'bin' }));
    return Buffer.from(await out.Body!.transformToByteArray()).equals(bytes);
  },
  'Key with spaces, unicode and slashes': async (s3, Bucket) => {
    const Key = 'dir/sub dir/naïve + ünïcode.txt';
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'k' }));
    const list = await s3.send(new ListObjectsV2Command({ Bucket }));
    return {
      keys: list.Contents?.map((c) => c.Key),
      body: await body(await s3.send(new GetObjectCommand({ Bucket, Key }))),
    };
  },
  'GetObject of a missing key': (s3, Bucket) =>
    attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'missing' })),
      () => 'found',
    ),
  'HeadObject of a missing key': (s3, Bucket) =>
    attempt(
      () => s3.send(new HeadObjectCommand({ Bucket, Key: 'missing' })),
      () => 'found',
    ),
  'GetObject in a missing bucket': (s3) =>
    attempt(
      () => s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' })),
      () => 'found',
    ),
  'Range bytes=2-5': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'r', Body: '0123456789' }));
    const o = await s3.send(new GetObjectCommand({ Bucket, Key: 'r', Range: 'bytes=2-5' }));
    return {
      body: await body(o),
      range: o.ContentRange,
      length: o.ContentLength,
      status: o.$metadata.httpStatusCode,
    };
  },
  'Range bytes=-3 (suffix)': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'r', Body: '0123456789' }));
    const o = await s3.send(new GetObjectCommand({ Bucket, Key: 'r', Range: 'bytes=-3' }));
    return { body: await body(o), range: o.ContentRange };
  },
  'Range bytes=7- (open)': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'r', Body: '0123456789' }));
    const o = await s3.send(new GetObjectCommand({ Bucket, Key: 'r', Range: 'bytes=7-' }));
    return { body: await body(o), range: o.ContentRange };
  },
  'Range past the end': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'r', Body: '0123456789' }));
    return attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'r', Range: 'bytes=20-30' })),
      () => 'served',
    );
  },
  'If-Match with another ETag': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'v' }));
    return attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'c', IfMatch: '"nope"' })),
      () => 'served',
    );
  },
  'If-None-Match with the current ETag': async (s3, Bucket) => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'v' }));
    return attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'c', IfNoneMatch: ETag })),
      () => 'served',
    );
  },
  'If-Modified-Since in the future': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'v' }));
    const IfModifiedSince = new Date(Date.now() + HOUR);
    return attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'c', IfModifiedSince })),
      () => 'served',
    );
  },
  'If-Unmodified-Since in the past': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'v' }));
    const IfUnmodifiedSince = new Date(Date.now() - HOUR);
    return attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'c', IfUnmodifiedSince })),
      () => 'served',
    );
  },
  'If-Match with the current ETag': async (s3, Bucket) => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'c', Body: 'v' }));
    return attempt(
      () => s3.send(new GetObjectCommand({ Bucket, Key: 'c', IfMatch: ETag })),
      (o) => o.ETag === ETag,
    );
  },
  'CopyObject keeps metadata (COPY)': async (s3, Bucket) => {
    await s3.send(
      new PutObjectCommand({ Bucket, Key: 'src', Body: 'copy', ContentType: 'text/x', Metadata: { a: '1' } }),
    );
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src` }));
    const o = await s3.send(new GetObjectCommand({ Bucket, Key: 'dst' }));
    return { body: await body(o), type: o.ContentType, metadata: o.Metadata };
  },
  'CopyObject replaces metadata (REPLACE)': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'src', Body: 'copy', Metadata: { a: '1' } }));
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'dst',
        CopySource: `${Bucket}/src`,
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        Metadata: { b: '2' },
      }),
    );
    const o = await s3.send(new HeadObjectCommand({ Bucket, Key: 'dst' }));
    return { type: o.ContentType, metadata: o.Metadata };
  },
  'CopyObject from a missing key': (s3, Bucket) =>
    attempt(
      () => s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/missing` })),
      () => 'copied',
    ),
  'DeleteObject then GetObject': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'd', Body: 'v' }));
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'd' }));
    return {
      status: del.$metadata.httpStatusCode,
      get: await attempt(
        () => s3.send(new GetObjectCommand({ Bucket, Key: 'd' })),
        () => 'found',
      ),
    };
  },
  'DeleteObject of a missing key': (s3, Bucket) =>
    attempt(
      () => s3.send(new DeleteObjectCommand({ Bucket, Key: 'never' })),
      (o) => o.$metadata.httpStatusCode,
    ),
  DeleteObjects: async (s3, Bucket) => {
    await putKeys(s3, Bucket, ['x', 'y', 'z']);
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }] } }),
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket }));
    return { deleted: out.Deleted?.map((d) => d.Key).sort(), left: left.Contents?.map((c) => c.Key) };
  },
  'ListObjectsV2: keys, KeyCount, sizes': async (s3, Bucket) => {
    await putKeys(s3, Bucket, KEYS);
    const o = await s3.send(new ListObjectsV2Command({ Bucket }));
    return { keys: o.Contents?.map((c) => [c.Key, c.Size]), count: o.KeyCount, truncated: o.IsTruncated };
  },
  'ListObjectsV2 with a delimiter': async (s3, Bucket) => {
    await putKeys(s3, Bucket, KEYS);
    const o = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
    return {
      keys: o.Contents?.map((c) => c.Key),
      prefixes: o.CommonPrefixes?.map((p) => p.Prefix),
      count: o.KeyCount,
    };
  },
  'ListObjectsV2 with a prefix and a delimiter': async (s3, Bucket) => {
    await putKeys(s3, Bucket, KEYS);
    const o = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'b/', Delimiter: '/' }));
    return {
      keys: o.Contents?.map((c) => c.Key),
      prefixes: o.CommonPrefixes?.map((p) => p.Prefix),
      count: o.KeyCount,
    };
  },
  'ListObjectsV2 paging with MaxKeys=2': async (s3, Bucket) => {
    await putKeys(s3, Bucket, KEYS);
    const pages: unknown[] = [];
    let ContinuationToken: string | undefined;
    do {
      const o = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 2, ContinuationToken }));
      pages.push({ keys: o.Contents?.map((c) => c.Key), truncated: o.IsTruncated, count: o.KeyCount });
      ContinuationToken = o.NextContinuationToken;
    } while (ContinuationToken && pages.length < 10);
    return pages;
  },
  'ListObjectsV2 with StartAfter': async (s3, Bucket) => {
    await putKeys(s3, Bucket, KEYS);
    const o = await s3.send(new ListObjectsV2Command({ Bucket, StartAfter: 'b/2.txt' }));
    return o.Contents?.map((c) => c.Key);
  },
  'ListObjects (v1) with a marker and MaxKeys': async (s3, Bucket) => {
    await putKeys(s3, Bucket, KEYS);
    const first = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys: 3 }));
    const rest = await s3.send(new ListObjectsCommand({ Bucket, Marker: 'b/2.txt' }));
    return {
      first: first.Contents?.map((c) => c.Key),
      truncated: first.IsTruncated,
      rest: rest.Contents?.map((c) => c.Key),
    };
  },
  'Bucket tagging round trip': async (s3, Bucket) => {
    await s3.send(
      new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'team', Value: 'a' }] } }),
    );
    return (await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet;
  },
  'GetBucketTagging without tags': (s3, Bucket) =>
    attempt(
      () => s3.send(new GetBucketTaggingCommand({ Bucket })),
      (o) => o.TagSet,
    ),
  'Object tagging round trip': async (s3, Bucket) => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 't', Body: 'v' }));
    await s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: 't', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }),
    );
    return (await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 't' }))).TagSet;
  },
  'Multipart upload: ETag and assembled body': async (s3, Bucket) => {
    const Key = 'mp';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'text/x' }),
    );
    const parts = [Buffer.alloc(5 * MiB, 'a'), Buffer.from('tail')];
    const etags: (string | undefined)[] = [];
    for (const [i, Body] of parts.entries()) {
      etags.push(
        (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag,
      );
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    return { etag: done.ETag, partEtags: etags, length: head.ContentLength, type: head.ContentType };
  },
  'Multipart: parts listed in descending order': async (s3, Bucket) => {
    const Key = 'mp';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const a = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB) }),
    );
    const b = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'x' }));
    return attempt(
      () =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: {
              Parts: [
                { PartNumber: 2, ETag: b.ETag },
                { PartNumber: 1, ETag: a.ETag },
              ],
            },
          }),
        ),
      () => 'completed',
    );
  },
  'Multipart: a small part that is not the last': async (s3, Bucket) => {
    const Key = 'mp';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const a = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'small' }));
    const b = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'x' }));
    return attempt(
      () =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: {
              Parts: [
                { PartNumber: 1, ETag: a.ETag },
                { PartNumber: 2, ETag: b.ETag },
              ],
            },
          }),
        ),
      () => 'completed',
    );
  },
  'Multipart: abort leaves nothing': async (s3, Bucket) => {
    const Key = 'mp';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'x' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    return {
      head: await attempt(
        () => s3.send(new HeadObjectCommand({ Bucket, Key })),
        () => 'found',
      ),
      parts: await attempt(
        () => s3.send(new ListPartsCommand({ Bucket, Key, UploadId })),
        () => 'listed',
      ),
    };
  },
  'Multipart: ListParts': async (s3, Bucket) => {
    const Key = 'mp';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'one' }));
    await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'two!' }));
    return attempt(
      () => s3.send(new ListPartsCommand({ Bucket, Key, UploadId })),
      (o) => o.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]),
    );
  },
  'Multipart: ListMultipartUploads': async (s3, Bucket) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'pending' }));
    return attempt(
      () => s3.send(new ListMultipartUploadsCommand({ Bucket })),
      (o) => o.Uploads?.map((u) => [u.Key, u.UploadId === UploadId]),
    );
  },
};

/**
 * Where s3rver differs from AWS, the emulator follows AWS. Each entry: why, where AWS says so, and
 * the emulator's (AWS's) answer.
 */
const GET_OBJECT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html';
const LIST_V2 = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html';
const COMPLETE = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html';
const KEYS_PAGES = [
  { keys: ['a.txt', 'b/1.txt'], truncated: true, count: 2 },
  { keys: ['b/2.txt', 'b/c/3.txt'], truncated: true, count: 2 },
  { keys: ['c.txt', 'd/4.txt'], truncated: false, count: 2 },
];
const divergences: Record<string, { readonly reason: string; readonly aws: Observation }> = {
  'Range bytes=-3 (suffix)': {
    reason: `s3rver serves the first bytes; a suffix range is the last N bytes (RFC 9110 §14.1.2, which ${GET_OBJECT} refers to for Range)`,
    aws: { body: '789', range: 'bytes 7-9/10' },
  },
  'If-Match with another ETag': {
    reason: `s3rver ignores If-Match; "If-Match: ... otherwise, return a 412 (precondition failed) error" (${GET_OBJECT})`,
    aws: { error: 'PreconditionFailed', status: 412 },
  },
  'If-Unmodified-Since in the past': {
    reason: `s3rver ignores If-Unmodified-Since; "... otherwise, return a 412 (precondition failed) error" (${GET_OBJECT})`,
    aws: { error: 'PreconditionFailed', status: 412 },
  },
  'ListObjectsV2 with a delimiter': {
    reason: `s3rver leaves CommonPrefixes out of KeyCount; each common prefix "counts as one return" against MaxKeys and KeyCount counts what was returned (${LIST_V2})`,
    aws: { keys: ['a.txt', 'c.txt'], prefixes: ['b/', 'd/'], count: 4 },
  },
  'ListObjectsV2 with a prefix and a delimiter': {
    reason: `as above: KeyCount includes the common prefixes (${LIST_V2})`,
    aws: { keys: ['b/1.txt', 'b/2.txt'], prefixes: ['b/c/'], count: 3 },
  },
  'ListObjectsV2 paging with MaxKeys=2': {
    reason: `s3rver fails with InternalError on its own NextContinuationToken; continuation tokens page through the keys (${LIST_V2})`,
    aws: KEYS_PAGES,
  },
  'Bucket tagging round trip': {
    reason:
      's3rver does not implement PutBucketTagging (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html)',
    aws: [{ Key: 'team', Value: 'a' }],
  },
  'GetBucketTagging without tags': {
    reason:
      's3rver does not implement GetBucketTagging; AWS answers NoSuchTagSet "There is no tag set associated with the bucket" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html)',
    aws: { error: 'NoSuchTagSet', status: 404 },
  },
  'Multipart upload: ETag and assembled body': {
    reason:
      's3rver gives a multipart object the MD5 of its bytes; S3\'s ETag of a multipart object "is not an MD5 digest" of the data but the MD5 of the part MD5s with -N (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html, ETag)',
    aws: {
      etag: '"30dcfd3901d1c613b7fb532281748544-2"',
      partEtags: ['"79b281060d337b9b2b84ccf390adcf74"', '"7aea2552dfe7eb84b9443b6fc9ba6e01"'],
      length: 5 * MiB + 4,
      type: 'text/x',
    },
  },
  'Multipart: parts listed in descending order': {
    reason: `s3rver accepts it; "InvalidPartOrder: The list of parts was not in ascending order" (${COMPLETE})`,
    aws: { error: 'InvalidPartOrder', status: 400 },
  },
  'Multipart: a small part that is not the last': {
    reason: `s3rver accepts it; "EntityTooSmall: ... Each part must be at least 5 MB in size, except the last part" (${COMPLETE})`,
    aws: { error: 'EntityTooSmall', status: 400 },
  },
  'Multipart: abort leaves nothing': {
    reason:
      's3rver does not implement ListParts (405); after an abort AWS answers NoSuchUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html)',
    aws: { head: { error: 'NotFound', status: 404 }, parts: { error: 'NoSuchUpload', status: 404 } },
  },
  'Multipart: ListParts': {
    reason:
      's3rver does not implement ListParts (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html)',
    aws: {
      ok: [
        [1, 3, '"f97c5d29941bfb1b2fdab0874906ab82"'],
        [2, 4, '"9f5b6d9a034d175868bf593885b7dc4e"'],
      ],
    },
  },
  'Multipart: ListMultipartUploads': {
    reason:
      's3rver does not implement ListMultipartUploads (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html)',
    aws: { ok: [['pending', true]] },
  },
};

let local: LocalAws;
let peer: S3rver;
let directory: string;
let ours: S3Client;
let theirs: S3Client;
let counter = 0;

const client = (endpoint: string) =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

beforeAll(async () => {
  local = await startLocalAws({ port: 0 });
  directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  peer = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    allowMismatchedSignatures: true,
  });
  const { port } = await peer.run();
  ours = client(local.endpoint);
  theirs = client(`http://127.0.0.1:${port}`);
});
afterAll(async () => {
  ours.destroy();
  theirs.destroy();
  await local.close();
  await peer.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Runs a scenario in a fresh bucket; a scenario that throws is observed as its error. */
const run = async (s3: S3Client, scenario: Scenario): Promise<Observation> => {
  const bucket = `diff-${Date.now().toString(36)}-${counter++}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const observed = await attempt(
    () => scenario(s3, bucket),
    (o) => o,
  );
  const value = 'ok' in (observed as object) ? (observed as { ok: unknown }).ok : { threw: observed };
  return JSON.parse(JSON.stringify(value ?? null));
};

describe('S3: emulator vs s3rver', () => {
  const results = { cases: 0, agreements: 0, divergences: 0 };
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      const [a, b] = [await run(ours, scenario), await run(theirs, scenario)];
      if (process.env.S3_DIFF_DUMP) console.log(JSON.stringify({ name, ours: a, s3rver: b }));
      results.cases++;
      const divergence = divergences[name];
      if (divergence) {
        expect(b).not.toEqual(a);
        expect(a).toEqual(divergence.aws);
        results.divergences++;
      } else {
        expect(a).toEqual(b);
        results.agreements++;
      }
    });
  }
  it('reports the tally', () => {
    // Printed for the record (the counts, not timings).
    console.log(`s3rver differential: ${JSON.stringify(results)}`);
    expect(results.cases).toBe(Object.keys(scenarios).length);
  });
});
