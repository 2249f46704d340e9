import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  NoSuchUpload,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let s3: S3Client;
const Bucket = `multipart-${Date.now().toString(36)}`;
const MiB = 1024 * 1024;

const failure = async (p: Promise<unknown>): Promise<S3ServiceException> => {
  try {
    await p;
  } catch (err) {
    return err as S3ServiceException;
  }
  throw new Error('expected the call to fail');
};

const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

/** Deterministic, non-repeating bytes, so a misplaced slice cannot go unnoticed. */
const bytes = (size: number, seed: number): Buffer => {
  const b = Buffer.alloc(size + 3);
  let x = seed;
  for (let i = 0; i < size; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b.writeUInt32LE(x, i);
  }
  return b.subarray(0, size);
};

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  s3.destroy();
  await aws.close();
});

describe('S3 multipart uploads', () => {
  it('assembles parts into one object with the md5-of-md5s-N ETag, metadata and a composite checksum', async () => {
    const Key = 'big/object.bin';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket,
        Key,
        ContentType: 'application/x-big',
        Metadata: { origin: 'test' },
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    expect(UploadId).toBeTruthy();
    const parts = [bytes(5 * MiB, 1), bytes(5 * MiB + 17, 2), bytes(1234, 3)];
    const etags: string[] = [];
    // Upload out of order: the complete call decides the order.
    for (const i of [2, 0, 1]) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket,
          Key,
          UploadId,
          PartNumber: i + 1,
          Body: parts[i] as Buffer,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      etags[i] = out.ETag ?? '';
      expect(out.ChecksumCRC32).toBeTruthy();
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual(
      parts.map((p, i) => [i + 1, p.length, etags[i]]),
    );
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[Key, UploadId]]);
    // Nothing is visible until the upload completes.
    expect((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'big/' }))).KeyCount).toBe(0);

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: parts.map((_, i) => ({ PartNumber: i + 1, ETag: etags[i] })) },
      }),
    );
    const expected = `"${createHash('md5')
      .update(Buffer.concat(parts.map(md5)))
      .digest('hex')}-3"`;
    expect(done.ETag).toBe(expected);
    expect(done.ChecksumCRC32).toMatch(/-3$/);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const body = Buffer.from(await got.Body!.transformToByteArray());
    expect(body.equals(Buffer.concat(parts))).toBe(true);
    expect(got.ETag).toBe(expected);
    expect(got.ContentType).toBe('application/x-big');
    expect(got.Metadata).toEqual({ origin: 'test' });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumType).toBe('COMPOSITE');
    expect(head.ChecksumCRC32).toBe(done.ChecksumCRC32);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
  });

  it('refuses parts out of order, unknown parts and small non-last parts as S3 does', async () => {
    const Key = 'errors';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const small = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'tiny' }),
    );
    const last = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'last' }));
    const complete = (Parts: { PartNumber: number; ETag: string | undefined }[]) =>
      failure(
        s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })),
      );
    const order = await complete([
      { PartNumber: 2, ETag: last.ETag },
      { PartNumber: 1, ETag: small.ETag },
    ]);
    expect(order.name).toBe('InvalidPartOrder');
    const unknown = await complete([{ PartNumber: 3, ETag: last.ETag }]);
    expect(unknown.name).toBe('InvalidPart');
    const wrongEtag = await complete([{ PartNumber: 1, ETag: last.ETag }]);
    expect(wrongEtag.name).toBe('InvalidPart');
    const tooSmall = await complete([
      { PartNumber: 1, ETag: small.ETag },
      { PartNumber: 2, ETag: last.ETag },
    ]);
    expect(tooSmall.name).toBe('EntityTooSmall');
    expect(tooSmall.$metadata.httpStatusCode).toBe(400);
    // A single small part is fine: only non-last parts have a minimum size.
    const one = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: small.ETag }] },
      }),
    );
    expect(one.ETag).toMatch(/-1"$/);
    expect(await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body?.transformToString()).toBe(
      'tiny',
    );
    const again = await failure(
      s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 3, Body: 'x' })),
    );
    expect(again).toBeInstanceOf(NoSuchUpload);
  });

  it('leaves no object behind when an upload is aborted', async () => {
    const Key = 'aborted';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part' }));
    const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    expect(aborted.$metadata.httpStatusCode).toBe(204);
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket, Key })))).$metadata.httpStatusCode).toBe(
      404,
    );
    expect(await failure(s3.send(new ListPartsCommand({ Bucket, Key, UploadId })))).toBeInstanceOf(
      NoSuchUpload,
    );
    expect(await failure(s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })))).toBeInstanceOf(
      NoSuchUpload,
    );
  });

  it('copies ranges of existing objects into parts (UploadPartCopy)', async () => {
    const source = bytes(6 * MiB, 9);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'copy-source', Body: source }));
    const Key = 'copied';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const first = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key,
        UploadId,
        PartNumber: 1,
        CopySource: `${Bucket}/copy-source`,
        CopySourceRange: `bytes=0-${5 * MiB - 1}`,
      }),
    );
    const second = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key,
        UploadId,
        PartNumber: 2,
        CopySource: `${Bucket}/copy-source`,
        CopySourceRange: `bytes=${5 * MiB}-${6 * MiB - 1}`,
      }),
    );
    expect(first.CopyPartResult?.ETag).toBe(`"${md5(source.subarray(0, 5 * MiB)).toString('hex')}"`);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: second.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const got = Buffer.from(
      await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray(),
    );
    expect(got.equals(source)).toBe(true);
    const badRange = await failure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket,
          Key: 'x',
          UploadId: (await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x' }))).UploadId,
          PartNumber: 1,
          CopySource: `${Bucket}/copy-source`,
          CopySourceRange: `bytes=0-${7 * MiB}`,
        }),
      ),
    );
    expect(badRange.name).toBe('InvalidRange');
  });

  it('pages ListParts and ListMultipartUploads', async () => {
    const Key = 'paged';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    for (let n = 1; n <= 5; n++)
      await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: `p${n}` }));
    const page1 = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId, MaxParts: 2 }));
    expect(page1.Parts?.map((p) => p.PartNumber)).toEqual([1, 2]);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(
      new ListPartsCommand({
        Bucket,
        Key,
        UploadId,
        MaxParts: 10,
        PartNumberMarker: page1.NextPartNumberMarker,
      }),
    );
    expect(page2.Parts?.map((p) => p.PartNumber)).toEqual([3, 4, 5]);
    expect(page2.IsTruncated).toBe(false);
    const { UploadId: other } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'paged2' }));
    const first = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'paged', MaxUploads: 1 }));
    expect(first.Uploads?.map((u) => u.Key)).toEqual(['paged']);
    expect(first.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListMultipartUploadsCommand({
        Bucket,
        Prefix: 'paged',
        KeyMarker: first.NextKeyMarker,
        UploadIdMarker: first.NextUploadIdMarker,
      }),
    );
    expect(rest.Uploads?.map((u) => u.UploadId)).toEqual([other]);
  });

  it("keeps parts' checksums in the upload's algorithm, whatever the client sent per part", async () => {
    const Key = 'sha';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'SHA256' }),
    );
    const parts = [bytes(5 * MiB, 4), Buffer.from('end')];
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) {
      // The SDK's default per-part checksum is CRC32; the upload asked for SHA-256.
      etags.push(
        (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag ?? '',
      );
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
      }),
    );
    const sha = (b: Buffer) => createHash('sha256').update(b).digest();
    const expected = `${createHash('sha256')
      .update(Buffer.concat(parts.map(sha)))
      .digest('base64')}-2`;
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(expected);
    expect(head.ChecksumType).toBe('COMPOSITE');
  });
});
