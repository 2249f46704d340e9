import { Readable } from 'node:stream';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  UntagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  BucketAlreadyOwnedByYou,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let s3: S3Client;
let counter = 0;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${counter++}`;

const text = async (out: { Body?: { transformToString(): Promise<string> } }): Promise<string> =>
  (await out.Body?.transformToString()) ?? '';

const failure = async (p: Promise<unknown>): Promise<S3ServiceException> => {
  try {
    await p;
  } catch (err) {
    return err as S3ServiceException;
  }
  throw new Error('expected the call to fail');
};

const newBucket = async (): Promise<string> => {
  const Bucket = unique('bkt');
  await s3.send(new CreateBucketCommand({ Bucket }));
  return Bucket;
};

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
});
afterAll(async () => {
  s3.destroy();
  await aws.close();
});

describe('S3 buckets', () => {
  it('creates, heads, lists and deletes buckets; refuses to delete a non-empty one', async () => {
    const Bucket = await newBucket();
    const head = await s3.send(new HeadBucketCommand({ Bucket }));
    expect(head.BucketRegion).toBe('us-east-1');
    const { Buckets = [], Owner } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets.map((b) => b.Name)).toContain(Bucket);
    expect(Buckets.find((b) => b.Name === Bucket)?.CreationDate).toBeInstanceOf(Date);
    expect(Owner?.ID).toBeTruthy();
    expect((await s3.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint).toBeUndefined();

    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket })));
    expect(notEmpty.name).toBe('BucketNotEmpty');
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket }));
    const gone = await failure(s3.send(new HeadBucketCommand({ Bucket })));
    expect(gone).toBeInstanceOf(NotFound);
    const missing = await failure(s3.send(new ListObjectsV2Command({ Bucket })));
    expect(missing).toBeInstanceOf(NoSuchBucket);
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it('answers a second CreateBucket in us-east-1 with 200 and elsewhere with BucketAlreadyOwnedByYou', async () => {
    const Bucket = await newBucket();
    await s3.send(new CreateBucketCommand({ Bucket }));
    const eu = new S3Client({ ...aws.clientConfig, region: 'eu-west-1', forcePathStyle: true });
    try {
      const euBucket = unique('eu');
      await eu.send(
        new CreateBucketCommand({
          Bucket: euBucket,
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      );
      expect((await eu.send(new GetBucketLocationCommand({ Bucket: euBucket }))).LocationConstraint).toBe(
        'eu-west-1',
      );
      expect((await s3.send(new HeadBucketCommand({ Bucket: euBucket }))).BucketRegion).toBe('eu-west-1');
      const again = await failure(
        eu.send(
          new CreateBucketCommand({
            Bucket: euBucket,
            CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
          }),
        ),
      );
      expect(again).toBeInstanceOf(BucketAlreadyOwnedByYou);
      const wrong = await failure(
        eu.send(
          new CreateBucketCommand({
            Bucket: unique('x'),
            CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
          }),
        ),
      );
      expect(wrong.name).toBe('IllegalLocationConstraintException');
    } finally {
      eu.destroy();
    }
  });

  it('refuses invalid bucket names', async () => {
    const bad = await failure(s3.send(new CreateBucketCommand({ Bucket: 'Not_Valid' })));
    expect(bad.name).toBe('InvalidBucketName');
  });

  it('puts, gets and deletes bucket tags (NoSuchTagSet when none)', async () => {
    const Bucket = await newBucket();
    const none = await failure(s3.send(new GetBucketTaggingCommand({ Bucket })));
    expect(none.name).toBe('NoSuchTagSet');
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket,
        Tagging: {
          TagSet: [
            { Key: 'team', Value: 'orders' },
            { Key: 'env', Value: 'test & dev' },
          ],
        },
      }),
    );
    const { TagSet } = await s3.send(new GetBucketTaggingCommand({ Bucket }));
    expect(TagSet).toEqual([
      { Key: 'team', Value: 'orders' },
      { Key: 'env', Value: 'test & dev' },
    ]);
    await s3.send(new DeleteBucketTaggingCommand({ Bucket }));
    expect((await failure(s3.send(new GetBucketTaggingCommand({ Bucket })))).name).toBe('NoSuchTagSet');
  });
});

describe('S3 objects', () => {
  let Bucket: string;
  beforeAll(async () => {
    Bucket = await newBucket();
  });

  it('stores bytes, content type, user metadata and returns the MD5 ETag', async () => {
    const body = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'dir/bin ary+é.dat',
        Body: body,
        ContentType: 'application/x-test',
        CacheControl: 'max-age=60',
        Metadata: { owner: 'alice', note: 'ünïcode' },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'dir/bin ary+é.dat' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ContentType).toBe('application/x-test');
    expect(got.CacheControl).toBe('max-age=60');
    expect(got.ContentLength).toBe(body.length);
    expect(got.ETag).toBe(put.ETag);
    // S3 returns non-ASCII metadata values RFC 2047-encoded ("Working with object metadata", S3 User Guide).
    expect(got.Metadata).toEqual({ owner: 'alice', note: '=?UTF-8?B?w7xuw69jb2Rl?=' });
    expect(got.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'dir/bin ary+é.dat' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(put.ETag);
    const { createHash } = await import('node:crypto');
    expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
  });

  it('gives NoSuchKey on GET and NotFound on HEAD of a missing key; deleting one is fine', async () => {
    const get = await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'missing' })));
    expect(get).toBeInstanceOf(NoSuchKey);
    expect(get.$metadata.httpStatusCode).toBe(404);
    const head = await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'missing' })));
    expect(head).toBeInstanceOf(NotFound);
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'missing' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
  });

  it('serves byte ranges with 206 and Content-Range, and 416 past the end', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'range', Body: '0123456789' }));
    const mid = await s3.send(new GetObjectCommand({ Bucket, Key: 'range', Range: 'bytes=2-5' }));
    expect(await text(mid)).toBe('2345');
    expect(mid.ContentRange).toBe('bytes 2-5/10');
    expect(mid.$metadata.httpStatusCode).toBe(206);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'range', Range: 'bytes=7-' })))).toBe(
      '789',
    );
    expect(await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'range', Range: 'bytes=-3' })))).toBe(
      '789',
    );
    expect(
      await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'range', Range: 'bytes=8-100' }))),
    ).toBe('89');
    const past = await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'range', Range: 'bytes=10-12' })));
    expect(past.name).toBe('InvalidRange');
    expect(past.$metadata.httpStatusCode).toBe(416);
  });

  it('honours If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since with 412 and 304', async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'v1' }));
    const hour = 3600_000;
    const past = new Date(Date.now() - hour);
    const future = new Date(Date.now() + hour);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'cond', IfMatch: ETag })))).toBe(
      'v1',
    );
    const wrong = await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'cond', IfMatch: '"nope"' })));
    expect(wrong.$metadata.httpStatusCode).toBe(412);
    expect(wrong.name).toBe('PreconditionFailed');
    const same = await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'cond', IfNoneMatch: ETag })));
    expect(same.$metadata.httpStatusCode).toBe(304);
    const notModified = await failure(
      s3.send(new HeadObjectCommand({ Bucket, Key: 'cond', IfModifiedSince: future })),
    );
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    expect(
      await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'cond', IfModifiedSince: past }))),
    ).toBe('v1');
    const modified = await failure(
      s3.send(new GetObjectCommand({ Bucket, Key: 'cond', IfUnmodifiedSince: past })),
    );
    expect(modified.$metadata.httpStatusCode).toBe(412);
    // If-Match true wins over If-Unmodified-Since false; If-None-Match false wins over If-Modified-Since false.
    expect(
      await text(
        await s3.send(new GetObjectCommand({ Bucket, Key: 'cond', IfMatch: ETag, IfUnmodifiedSince: past })),
      ),
    ).toBe('v1');
    expect(
      await text(
        await s3.send(
          new GetObjectCommand({ Bucket, Key: 'cond', IfNoneMatch: '"other"', IfModifiedSince: future }),
        ),
      ),
    ).toBe('v1');
  });

  it('supports conditional writes (If-None-Match: *)', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    const second = await failure(
      s3.send(new PutObjectCommand({ Bucket, Key: 'once', Body: 'second', IfNoneMatch: '*' })),
    );
    expect(second.$metadata.httpStatusCode).toBe(412);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'once' })))).toBe('first');
  });

  it('copies objects with the metadata directive, and refuses a copy onto itself that changes nothing', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'src',
        Body: 'copy me',
        ContentType: 'text/plain',
        Metadata: { a: '1' },
      }),
    );
    const copied = await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src` }));
    expect(copied.CopyObjectResult?.ETag).toBeTruthy();
    const dst = await s3.send(new GetObjectCommand({ Bucket, Key: 'dst' }));
    expect(await text(dst)).toBe('copy me');
    expect(dst.ContentType).toBe('text/plain');
    expect(dst.Metadata).toEqual({ a: '1' });
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'dst2',
        CopySource: `/${Bucket}/${encodeURIComponent('src')}`,
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        Metadata: { b: '2' },
      }),
    );
    const dst2 = await s3.send(new HeadObjectCommand({ Bucket, Key: 'dst2' }));
    expect(dst2.Metadata).toEqual({ b: '2' });
    expect(dst2.ContentType).toBe('application/json');
    const self = await failure(
      s3.send(new CopyObjectCommand({ Bucket, Key: 'src', CopySource: `${Bucket}/src` })),
    );
    expect(self.name).toBe('InvalidRequest');
    const missing = await failure(
      s3.send(new CopyObjectCommand({ Bucket, Key: 'x', CopySource: `${Bucket}/nope` })),
    );
    expect(missing).toBeInstanceOf(NoSuchKey);
  });

  it('deletes many objects at once', async () => {
    for (const Key of ['d/1', 'd/2', 'd/3']) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: { Objects: [{ Key: 'd/1' }, { Key: 'd/2' }, { Key: 'd/none' }] },
      }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['d/1', 'd/2', 'd/none']);
    expect(out.Errors ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'd/' }));
    expect(left.Contents?.map((c) => c.Key)).toEqual(['d/3']);
  });

  it('tags objects (PutObject x-amz-tagging, Put/Get/DeleteObjectTagging) and counts tags on GET', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'tagged', Body: 't', Tagging: 'a=1&b=two%20words' }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two words' },
    ]);
    expect((await s3.send(new GetObjectCommand({ Bucket, Key: 'tagged' }))).TagCount).toBe(2);
    await s3.send(
      new PutObjectTaggingCommand({ Bucket, Key: 'tagged', Tagging: { TagSet: [{ Key: 'c', Value: '3' }] } }),
    );
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet).toEqual([
      { Key: 'c', Value: '3' },
    ]);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'tagged' }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet).toEqual([]);
    const tooMany = await failure(
      s3.send(
        new PutObjectTaggingCommand({
          Bucket,
          Key: 'tagged',
          Tagging: { TagSet: Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
        }),
      ),
    );
    expect(tooMany.name).toBe('BadRequest');
  });

  it('takes a streamed body (aws-chunked with a trailing CRC32) and returns the checksum', async () => {
    const parts = ['hello ', 'streamed ', 'world'];
    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'stream',
        Body: Readable.from(parts.map((p) => Buffer.from(p))),
        ContentLength: parts.join('').length,
      }),
    );
    expect(put.ChecksumCRC32).toBeTruthy();
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'stream', ChecksumMode: 'ENABLED' }));
    expect(await text(got)).toBe('hello streamed world');
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'stream', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(head.ContentEncoding).toBeUndefined();
  });
});

describe('S3 listings', () => {
  let Bucket: string;
  const keys = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'c.txt', 'd/4.txt', 'é.txt'];
  beforeAll(async () => {
    Bucket = await newBucket();
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  });

  it('lists v2 in UTF-8 order with sizes and KeyCount', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(keys);
    expect(out.KeyCount).toBe(keys.length);
    expect(out.IsTruncated).toBe(false);
    expect(out.Contents?.[0]?.Size).toBe('a.txt'.length);
    expect(out.Contents?.[0]?.StorageClass).toBe('STANDARD');
  });

  it('rolls keys up into CommonPrefixes with a delimiter and a prefix', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['a.txt', 'c.txt', 'é.txt']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'd/']);
    expect(top.KeyCount).toBe(5);
    const inB = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/', Prefix: 'b/' }));
    expect(inB.Contents?.map((c) => c.Key)).toEqual(['b/1.txt', 'b/2.txt']);
    expect(inB.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/c/']);
  });

  it('pages with MaxKeys and continuation tokens, counting common prefixes once', async () => {
    const seen: string[] = [];
    let ContinuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket, Delimiter: '/', MaxKeys: 2, ContinuationToken }),
      );
      pages++;
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      seen.push(
        ...(page.Contents ?? []).map((c) => c.Key ?? ''),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
      );
      ContinuationToken = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(ContinuationToken !== undefined);
    } while (ContinuationToken);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['a.txt', 'b/', 'c.txt', 'd/', 'é.txt'].sort());
  });

  it('starts after StartAfter and lists v1 with markers', async () => {
    const after = await s3.send(new ListObjectsV2Command({ Bucket, StartAfter: 'b/2.txt' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['b/c/3.txt', 'c.txt', 'd/4.txt', 'é.txt']);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys: 3 }));
    expect(v1.Contents?.map((c) => c.Key)).toEqual(['a.txt', 'b/1.txt', 'b/2.txt']);
    expect(v1.IsTruncated).toBe(true);
    const rest = await s3.send(new ListObjectsCommand({ Bucket, Marker: 'b/2.txt' }));
    expect(rest.Contents?.map((c) => c.Key)).toEqual(['b/c/3.txt', 'c.txt', 'd/4.txt', 'é.txt']);
    const grouped = await s3.send(new ListObjectsCommand({ Bucket, Delimiter: '/', MaxKeys: 2 }));
    expect(grouped.NextMarker).toBe('b/');
    const next = await s3.send(new ListObjectsCommand({ Bucket, Delimiter: '/', Marker: 'b/' }));
    expect(next.Contents?.map((c) => c.Key)).toEqual(['c.txt', 'é.txt']);
    expect(next.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['d/']);
  });
});

describe('S3 addressing', () => {
  it.skipIf(emulatorOnly)('serves virtual-hosted-style requests (bucket.localhost)', async () => {
    const { lookup } = await import('node:dns');
    const { Agent } = await import('node:http');
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    // *.localhost names resolve to the loopback (RFC 6761); Node's resolver does not know that.
    const agent = new Agent({
      lookup: (hostname, options, callback) =>
        hostname.endsWith('.localhost')
          ? lookup('127.0.0.1', options, callback)
          : lookup(hostname, options, callback),
    });
    const port = new URL(aws.endpoint!).port;
    const vhost = new S3Client({
      ...aws.clientConfig,
      endpoint: `http://localhost:${port}`,
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    try {
      const Bucket = unique('vhost');
      await vhost.send(new CreateBucketCommand({ Bucket }));
      await vhost.send(new PutObjectCommand({ Bucket, Key: 'a/b.txt', Body: 'virtual' }));
      expect(await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'a/b.txt' })))).toBe('virtual');
      const listed = await vhost.send(new ListObjectsV2Command({ Bucket }));
      expect(listed.Contents?.map((c) => c.Key)).toEqual(['a/b.txt']);
      expect(await text(await vhost.send(new GetObjectCommand({ Bucket, Key: 'a/b.txt' })))).toBe('virtual');
    } finally {
      vhost.destroy();
      agent.destroy();
    }
  });

  it('is reached path-style by default through an IP endpoint (the SDK never uses virtual hosts for IPs)', async () => {
    const plain = new S3Client(aws.clientConfig);
    try {
      const Bucket = unique('ip');
      await plain.send(new CreateBucketCommand({ Bucket }));
      await plain.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'ip' }));
      expect(await text(await plain.send(new GetObjectCommand({ Bucket, Key: 'k' })))).toBe('ip');
    } finally {
      plain.destroy();
    }
  });
});

describe('S3 odds and ends', () => {
  it('stores bucket policies (NoSuchBucketPolicy when none, MalformedPolicy for non-JSON)', async () => {
    const Bucket = await newBucket();
    expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket })))).name).toBe('NoSuchBucketPolicy');
    const Policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*` },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy).toBe(Policy);
    expect((await failure(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: 'nope' })))).name).toBe(
      'MalformedPolicy',
    );
    await s3.send(new DeleteBucketPolicyCommand({ Bucket }));
    expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket })))).name).toBe('NoSuchBucketPolicy');
  });

  it('answers NotImplemented (501) for sub-resources it does not serve, naming them', async () => {
    const Bucket = await newBucket();
    const err = await failure(s3.send(new GetBucketAclCommand({ Bucket })));
    expect(err.$metadata.httpStatusCode).toBe(501);
    expect(err.message).toContain('?acl');
  });

  it.skipIf(emulatorOnly)(
    'refuses a body over the emulator cap before reading it (EntityTooLarge)',
    async () => {
      const { request } = await import('node:http');
      const { S3_MAX_BODY_BYTES } = await import('../../src/local/protocols/rest-xml.js');
      const Bucket = await newBucket();
      const url = new URL(aws.endpoint!);
      const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            method: 'PUT',
            path: `/${Bucket}/huge`,
            headers: {
              authorization:
                'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
              'content-length': String(S3_MAX_BODY_BYTES + 1),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => {
              text += c.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        // Only a little of the announced body is ever sent: the answer must not wait for the rest.
        req.write(Buffer.alloc(1024));
      });
      expect(reply.status).toBe(400);
      expect(reply.text).toContain('<Code>EntityTooLarge</Code>');
    },
  );

  it.skipIf(emulatorOnly)(
    'takes part in fault injection per operation (the SDK retries a 503 SlowDown)',
    async () => {
      const Bucket = await newBucket();
      aws.local!.faults.set({
        faults: [{ service: 's3', operation: 'PutObject', error: 'SlowDown', status: 503, times: 1 }],
      });
      try {
        const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'retried', Body: 'x' }));
        expect(put.$metadata.attempts).toBe(2);
      } finally {
        aws.local!.faults.clear();
      }
      expect(await text(await s3.send(new GetObjectCommand({ Bucket, Key: 'retried' })))).toBe('x');
    },
  );

  it('shows bucket tags to the Resource Groups Tagging API, which can change them', async () => {
    const Bucket = await newBucket();
    const arn = `arn:aws:s3:::${Bucket}`;
    const tagging = new ResourceGroupsTaggingAPIClient(aws.clientConfig);
    try {
      await tagging.send(
        new TagResourcesCommand({ ResourceARNList: [arn], Tags: { team: 'orders', tier: 'gold' } }),
      );
      expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual([
        { Key: 'team', Value: 'orders' },
        { Key: 'tier', Value: 'gold' },
      ]);
      await tagging.send(new UntagResourcesCommand({ ResourceARNList: [arn], TagKeys: ['tier'] }));
      const found = await tagging.send(
        new GetResourcesCommand({
          ResourceTypeFilters: ['s3'],
          TagFilters: [{ Key: 'team', Values: ['orders'] }],
        }),
      );
      expect(found.ResourceTagMappingList?.find((r) => r.ResourceARN === arn)?.Tags).toEqual([
        { Key: 'team', Value: 'orders' },
      ]);
    } finally {
      tagging.destroy();
    }
  });

  it.skipIf(emulatorOnly)('serves presigned URLs (region and service from X-Amz-Credential)', async () => {
    const { createHash, createHmac } = await import('node:crypto');
    const { SignatureV4 } = await import('@smithy/signature-v4');
    type Data = string | ArrayBuffer | ArrayBufferView;
    const bytesOf = (d: Data): string | Buffer =>
      typeof d === 'string'
        ? d
        : ArrayBuffer.isView(d)
          ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
          : Buffer.from(d);
    class Sha256 {
      #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
      constructor(secret?: Data) {
        this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
      }
      update(data: Data): void {
        this.#hash.update(bytesOf(data));
      }
      async digest(): Promise<Uint8Array> {
        return this.#hash.digest();
      }
    }
    const Bucket = await newBucket();
    const signer = new SignatureV4({
      service: 's3',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      sha256: Sha256,
      uriEscapePath: false,
    });
    const url = new URL(aws.endpoint!);
    const presign = async (method: string, key: string) => {
      const signed = await signer.presign(
        {
          method,
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: `/${Bucket}/${key}`,
          headers: { host: url.host },
          query: {},
        },
        { expiresIn: 300 },
      );
      const query = new URLSearchParams(signed.query as Record<string, string>).toString();
      return `${aws.endpoint}${signed.path}?${query}`;
    };
    const put = await fetch(await presign('PUT', 'up.txt'), { method: 'PUT', body: 'uploaded by URL' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    const get = await fetch(await presign('GET', 'up.txt'));
    expect(await get.text()).toBe('uploaded by URL');
    const missing = await fetch(await presign('GET', 'nope.txt'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('<Code>NoSuchKey</Code>');
  });
});
