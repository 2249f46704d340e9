/**
 * ListObjectVersions in the emulator, driven by the SDK: a bucket that was never versioned lists each
 * object as its one version `null` (latest, no delete markers), pages by key marker, rolls keys up
 * into common prefixes, and refuses a version-id marker without a key marker or of an unknown version.
 */
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let s3: S3Client;
const Bucket = `versions-${Date.now().toString(36)}`;

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket }));
  for (const Key of ['a.txt', 'b.txt', 'dir/c.txt', 'dir/d.txt', 'e f.txt']) {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  }
});
afterAll(async () => {
  s3.destroy();
  await aws.close();
});

describe('ListObjectVersions', () => {
  it("lists each object as its latest version 'null', in key order, without delete markers", async () => {
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(out.Name).toBe(Bucket);
    expect(out.IsTruncated).toBe(false);
    expect(out.DeleteMarkers).toBeUndefined();
    expect(out.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ['a.txt', 'null', true, 5],
      ['b.txt', 'null', true, 5],
      ['dir/c.txt', 'null', true, 9],
      ['dir/d.txt', 'null', true, 9],
      ['e f.txt', 'null', true, 7],
    ]);
    expect(out.Versions?.[0]).toMatchObject({
      ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      StorageClass: 'STANDARD',
    });
    expect(out.Versions?.[0]?.LastModified).toBeInstanceOf(Date);
  });

  it('pages by key marker and rolls keys up by delimiter', async () => {
    const seen: string[] = [];
    let page = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 2 }));
    let pages = 1;
    seen.push(...(page.Versions ?? []).map((v) => v.Key as string));
    while (page.IsTruncated) {
      expect(page.NextVersionIdMarker).toBe('null');
      page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket,
          MaxKeys: 2,
          KeyMarker: page.NextKeyMarker,
          VersionIdMarker: page.NextVersionIdMarker,
        }),
      );
      pages++;
      seen.push(...(page.Versions ?? []).map((v) => v.Key as string));
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['a.txt', 'b.txt', 'dir/c.txt', 'dir/d.txt', 'e f.txt']);
    const rolled = await s3.send(new ListObjectVersionsCommand({ Bucket, Delimiter: '/', Prefix: '' }));
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/']);
    expect(rolled.Versions?.map((v) => v.Key)).toEqual(['a.txt', 'b.txt', 'e f.txt']);
    const encoded = await s3.send(
      new ListObjectVersionsCommand({ Bucket, Prefix: 'e', EncodingType: 'url' }),
    );
    expect(encoded.Versions?.map((v) => v.Key)).toEqual(['e+f.txt']);
  });

  it("refuses a version-id marker without a key marker, or of a version that isn't there", async () => {
    const failure = (input: { KeyMarker?: string; VersionIdMarker: string }) =>
      s3.send(new ListObjectVersionsCommand({ Bucket, ...input })).catch((e: S3ServiceException) => e);
    const lone = (await failure({ VersionIdMarker: 'null' })) as S3ServiceException;
    expect([lone.name, lone.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    const unknown = (await failure({ KeyMarker: 'a.txt', VersionIdMarker: 'v1' })) as S3ServiceException;
    expect(unknown.name).toBe('InvalidArgument');
  });

  it("deletes by version 'null' with DeleteObjects until nothing is listed", async () => {
    const { Versions = [] } = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: { Objects: Versions.map((v) => ({ Key: v.Key, VersionId: v.VersionId })) },
      }),
    );
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions).toBeUndefined();
  });
});
