/**
 * The upload flow, tested through AWS APIs only: a multipart upload of a large file ends in one
 * object, one metadata record and one FileProcessed; an aborted upload leaves no object and no
 * record; a duplicate delivery of the same S3 notification (EventBridge delivers at least once)
 * does not create a second record or a second FileProcessed.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
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
const db = new DynamoDBClient({});
const lambda = new LambdaClient({});

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
  for (const client of [s3, db, lambda]) client.destroy();
});

interface S3ObjectEvent {
  readonly id: string;
  readonly 'detail-type': string;
  readonly detail: { bucket: { name: string }; object: { key: string; size: number; etag: string } };
}

const MiB = 1024 * 1024;
const newKey = (name: string) => `uploads/${Math.random().toString(36).slice(2, 8)}/${name}`;

/** The file's metadata record, read consistently; undefined when there is none. */
const record = async (key: string) =>
  (
    await db.send(
      new GetItemCommand({ TableName: out.TableName, Key: { objectKey: { S: key } }, ConsistentRead: true }),
    )
  ).Item;

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
      // What S3 sends to EventBridge for the bucket, and what the function announces.
      await using created = await probe.addListener<S3ObjectEvent['detail'], S3ObjectEvent>({
        eventBusName: 'default',
        eventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [out.BucketName] } },
        },
      });
      await using processed = await probe.addListener<{ key: string; size: number }>({
        eventBusName: 'default',
        eventPattern: { source: ['uploads.processor'], 'detail-type': ['FileProcessed'] },
      });
      const key = newKey('video.bin');
      await multipartUpload(key);

      const head = await s3.send(new HeadObjectCommand({ Bucket: out.BucketName, Key: key }));
      expect(head.ContentLength).toBe(6 * MiB);
      expect(head.ETag).toMatch(/-2"$/); // a multipart ETag names its part count
      const notification = await created.waitForEvent((e) => e.detail.object.key === key, {
        timeout: 10_000,
      });
      expect(notification.detail.object.size).toBe(6 * MiB);
      const done = await processed.waitForEvent((e) => e.detail.key === key, { timeout: 10_000 });
      expect(done.detail.size).toBe(6 * MiB);
      expect(await record(key)).toMatchObject({
        size: { N: String(6 * MiB) },
        notificationId: { S: notification.id },
      });

      // At-least-once delivery: the same notification again, as EventBridge may redeliver it.
      const again = await lambda.send(
        new InvokeCommand({ FunctionName: out.FunctionName, Payload: JSON.stringify(notification) }),
      );
      expect(again.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(again.Payload ?? []).toString())).toEqual({ recorded: false });
      expect(await record(key)).toMatchObject({ notificationId: { S: notification.id } });
      await processed.expectNoEvent((e) => e.detail.key === key && e.id !== done.id, { within: 2_000 });
    });

    it('an aborted multipart upload leaves no object, no pending upload and no record', async () => {
      await using processed = await probe.addListener<{ key: string }>({
        eventBusName: 'default',
        eventPattern: { source: ['uploads.processor'], 'detail-type': ['FileProcessed'] },
      });
      const key = newKey('aborted.bin');
      await multipartUpload(key, true);
      await expect(
        s3.send(new HeadObjectCommand({ Bucket: out.BucketName, Key: key })),
      ).rejects.toMatchObject({
        name: 'NotFound',
      });
      const { Uploads = [] } = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: out.BucketName, Prefix: key }),
      );
      expect(Uploads).toEqual([]);
      await processed.expectNoEvent((e) => e.detail.key === key, { within: 2_000 });
      expect(await record(key)).toBeUndefined();
    });
  },
);
