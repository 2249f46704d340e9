/**
 * The upload flow, tested through AWS APIs only: a multipart upload of a large file ends in one
 * object, one metadata record and one FileProcessed; an aborted upload leaves no object and no
 * record; a duplicate delivery of the same S3 notification (EventBridge delivers at least once)
 * does not create a second record or a second FileProcessed.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { useProbe } from 'eventprobe/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordFunctionLogsOnFailure } from '../function-logs.js';

const STACK = 'eventprobe-example-uploads';
const skipped = inject('examplesMissing').includes(STACK);
const probe = useProbe({ tags: { suite: 'example-uploads' } });
const s3 = new S3Client({ forcePathStyle: true });

let out: Record<'BucketName' | 'TableName' | 'FunctionName', string>;
const uploaded: string[] = [];

beforeAll(async () => {
  if (skipped) return;
  out = await probe.getStackOutputs(STACK, ['BucketName', 'TableName', 'FunctionName']);
});

recordFunctionLogsOnFailure(() => (out ? [out.FunctionName] : []));

afterAll(async () => {
  // The bucket must be empty for its stack to be deleted.
  for (const key of uploaded) await s3.send(new DeleteObjectCommand({ Bucket: out.BucketName, Key: key }));
  s3.destroy();
});

const MiB = 1024 * 1024;
const newKey = (name: string) => `uploads/${Math.random().toString(36).slice(2, 8)}/${name}`;

/** The metadata record of a file, as the function writes it. */
interface FileRecord {
  readonly objectKey: string;
  readonly size: number;
  readonly notificationId: string;
}

/** Uploads a 6 MiB file in two parts (S3's minimum part size is 5 MiB, the last part excepted). */
const multipartUpload = async (key: string, abort = false): Promise<void> => {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: out.BucketName, Key: key }));
  const parts = [Buffer.alloc(5 * MiB, 'a'), Buffer.alloc(1 * MiB, 'b')];
  const etags: string[] = [];
  for (const [i, body] of parts.entries()) {
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket: out.BucketName, Key: key, UploadId, PartNumber: i + 1, Body: body }),
    );
    etags.push(ETag as string);
    if (abort) break;
  }
  if (abort) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: out.BucketName, Key: key, UploadId }));
    return;
  }
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: out.BucketName,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
  );
  uploaded.push(key);
};

describe.skipIf(skipped)(
  `upload flow on ${inject('examplesTarget')}${skipped ? ` (skipped: ${STACK} is not deployed)` : ''}`,
  () => {
    it('a multipart upload: one object, one metadata record, one FileProcessed; a duplicate notification changes nothing', async () => {
      const key = newKey('video.bin');
      // What S3 sends to EventBridge for the file (the bucket's notifications are only read), and
      // what the function announces.
      await using created = await probe.addS3Listener({
        bucket: out.BucketName,
        prefix: key,
        events: ['created'],
      });
      await using processed = await probe.addListener<{ key: string; size: number }>({
        eventBusName: 'default',
        eventPattern: { source: ['uploads.processor'], 'detail-type': ['FileProcessed'] },
      });
      await multipartUpload(key);

      const object = await probe.waitForObject({ bucket: out.BucketName, key });
      expect(object.body.length).toBe(6 * MiB);
      expect(object.etag).toMatch(/-2"$/); // a multipart ETag names its part count
      const notification = await created.waitForEvent((e) => e.detail.object.key === key, {
        timeout: 10_000,
      });
      expect(notification['detail-type']).toBe('Object Created');
      expect(notification.detail.object.size).toBe(6 * MiB);
      expect(notification.detail.object.etag).toBe(object.etag?.replaceAll('"', ''));
      const done = await processed.waitForEvent((e) => e.detail.key === key, { timeout: 10_000 });
      expect(done.detail.size).toBe(6 * MiB);
      const recorded = { objectKey: key, size: 6 * MiB, notificationId: notification.id };
      await probe.waitForItem<FileRecord>({
        tableName: out.TableName,
        key: { objectKey: key },
        match: recorded,
      });

      // At-least-once delivery: the same notification again, as EventBridge may redeliver it.
      // (probe.invoke fails the test with the function's error, stack and log tail if it throws.)
      const again = await probe.invoke({ functionName: out.FunctionName, payload: notification });
      expect(again).toEqual({ recorded: false });
      await expect(probe).toHaveItem({ tableName: out.TableName, key: { objectKey: key }, match: recorded });
      await processed.expectNoEvent((e) => e.detail.key === key && e.id !== done.id, { within: 2_000 });
    });

    it('an aborted multipart upload leaves no object, no pending upload and no record', async () => {
      await using processed = await probe.addListener<{ key: string }>({
        eventBusName: 'default',
        eventPattern: { source: ['uploads.processor'], 'detail-type': ['FileProcessed'] },
      });
      const key = newKey('aborted.bin');
      await multipartUpload(key, true);
      // No object appears (the matcher's .not waits the whole window).
      await expect(probe).not.toHaveObject({ bucket: out.BucketName, key, timeout: 1_000 });
      const { Uploads = [] } = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: out.BucketName, Prefix: key }),
      );
      expect(Uploads).toEqual([]);
      await processed.expectNoEvent((e) => e.detail.key === key, { within: 2_000 });
      await probe.expectNoItem({ tableName: out.TableName, key: { objectKey: key }, within: 500 });
    });
  },
);
