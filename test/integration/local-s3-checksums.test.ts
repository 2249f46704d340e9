import { request } from 'node:http';
import { Readable } from 'node:stream';
import {
  type ChecksumAlgorithm,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, crc32c, crc64nvme } from '../../src/local/services/s3/checksums.js';
import { startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let s3: S3Client;
const sent: Record<string, string>[] = [];
const Bucket = `checksums-${Date.now().toString(36)}`;

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  // Records what the SDK put on the wire, to prove which body encoding each case used.
  s3.middlewareStack.add(
    (next) => async (args) => {
      sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordHeaders', priority: 'low' },
  );
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  s3.destroy();
  await aws.close();
});

const stream = (text: string): Readable =>
  Readable.from([Buffer.from(text.slice(0, 3)), Buffer.from(text.slice(3))]);

describe('S3 checksums', () => {
  it('computes the check values of CRC-32, CRC-32C and CRC-64/NVME', () => {
    const check = Buffer.from('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32c(check)).toBe(0xe3069283);
    expect(crc64nvme(check).toString('hex')).toBe('ae8b14860a799888');
  });

  const algorithms: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'];
  for (const algorithm of algorithms) {
    it(`verifies and returns ${algorithm} sent as an aws-chunked trailer and as a header`, async () => {
      const body = `checksummed with ${algorithm}`;
      const member = `Checksum${algorithm}` as 'ChecksumCRC32';
      sent.length = 0;
      const streamed = await s3.send(
        new PutObjectCommand({
          Bucket,
          Key: `trailer-${algorithm}`,
          Body: stream(body),
          ContentLength: body.length,
          ChecksumAlgorithm: algorithm,
        }),
      );
      const wire = sent.at(-1) ?? {};
      expect(wire['content-encoding']).toContain('aws-chunked');
      expect(wire['x-amz-trailer']).toBe(`x-amz-checksum-${algorithm.toLowerCase()}`);
      expect(streamed[member]).toBeTruthy();
      sent.length = 0;
      const direct = await s3.send(
        new PutObjectCommand({
          Bucket,
          Key: `header-${algorithm}`,
          Body: body,
          ChecksumAlgorithm: algorithm,
        }),
      );
      expect(sent.at(-1)?.[`x-amz-checksum-${algorithm.toLowerCase()}`]).toBe(direct[member]);
      expect(direct[member]).toBe(streamed[member]);
      const got = await s3.send(
        new GetObjectCommand({ Bucket, Key: `trailer-${algorithm}`, ChecksumMode: 'ENABLED' }),
      );
      expect(await got.Body?.transformToString()).toBe(body);
      expect(got[member]).toBe(streamed[member]);
      expect(got.ChecksumType).toBe('FULL_OBJECT');
      const head = await s3.send(
        new HeadObjectCommand({ Bucket, Key: `header-${algorithm}`, ChecksumMode: 'ENABLED' }),
      );
      expect(head[member]).toBe(direct[member]);
    });
  }

  it('refuses a body whose checksum header does not match with BadDigest', async () => {
    const err = (await s3
      .send(new PutObjectCommand({ Bucket, Key: 'bad', Body: 'abc', ChecksumCRC32: 'AAAAAA==' }))
      .catch((e: unknown) => e)) as S3ServiceException;
    expect(err.name).toBe('BadDigest');
    expect(err.$metadata.httpStatusCode).toBe(400);
    const missing = (await s3
      .send(new HeadObjectCommand({ Bucket, Key: 'bad' }))
      .catch((e: unknown) => e)) as S3ServiceException;
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses an aws-chunked body whose trailing checksum does not match, and one cut short', async () => {
    const url = new URL(aws.endpoint!);
    const send = (body: string, extra: Record<string, string> = {}) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            method: 'PUT',
            path: `/${Bucket}/raw-chunked`,
            headers: {
              authorization:
                'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
              'content-encoding': 'aws-chunked',
              'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
              'x-amz-decoded-content-length': '5',
              'x-amz-trailer': 'x-amz-checksum-crc32',
              'content-length': String(Buffer.byteLength(body)),
              ...extra,
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
        req.end(body);
      });
    const good = Buffer.alloc(4);
    good.writeUInt32BE(crc32(Buffer.from('hello')));
    const ok = await send(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${good.toString('base64')}\r\n\r\n`);
    expect(ok.status).toBe(200);
    const bad = await send('5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>BadDigest</Code>');
    // Signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): chunk signatures are parsed, not checked.
    const signed = await send(
      `5;chunk-signature=${'0'.repeat(64)}\r\nhello\r\n0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`,
      {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      },
    );
    expect(signed.status).toBe(200);
    const short = await send('5\r\nhel');
    expect(short.status).toBe(400);
    expect(short.text).toContain('<Code>IncompleteBody</Code>');
  });
});
