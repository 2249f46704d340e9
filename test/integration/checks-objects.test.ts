import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, InvalidInputError, ObjectTimeoutError, type Probe } from '../../src/index.js';
import '../../src/vitest.js';
import { startTestAws, type TestAws } from '../support/aws.js';

const BUCKET = 'checks-objects';
let aws: TestAws;
let s3: S3Client;
let probe: Probe;

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  probe = createProbe(aws.clientConfig);
});
afterAll(async () => {
  await probe?.[Symbol.asyncDispose]();
  s3?.destroy();
  await aws?.close();
});

const put = (
  key: string,
  body: string,
  contentType = 'application/json',
  metadata?: Record<string, string>,
) =>
  s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: body,
      ContentType: contentType,
      ...(metadata ? { Metadata: metadata } : {}),
    }),
  );

describe('waitForObject', () => {
  it('returns the object once it exists: body, text, json, content type, metadata, etag', async () => {
    const waiting = probe.waitForObject({ bucket: BUCKET, key: 'reports/1.json', timeout: 10_000 });
    setTimeout(
      () => void put('reports/1.json', '{"orderId":"1","total":3}', 'application/json', { run: 'r1' }),
      100,
    );
    const object = await waiting;
    expect(object.json()).toEqual({ orderId: '1', total: 3 });
    expect(object.text()).toBe('{"orderId":"1","total":3}');
    expect(object.body.length).toBe(25);
    expect(object.contentType).toBe('application/json');
    expect(object.metadata).toEqual({ run: 'r1' });
    expect(object.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect([object.bucket, object.key]).toEqual([BUCKET, 'reports/1.json']);
  });

  it('waits until the match passes: an object the JSON body contains, or a function', async () => {
    await put('reports/2.json', '{"status":"PENDING"}');
    const waiting = probe.waitForObject({ bucket: BUCKET, key: 'reports/2.json', match: { status: 'DONE' } });
    setTimeout(() => void put('reports/2.json', '{"status":"DONE"}'), 150);
    expect((await waiting).json()).toEqual({ status: 'DONE' });
    const byFunction = await probe.waitForObject({
      bucket: BUCKET,
      key: 'reports/2.json',
      match: (o) => o.text().includes('DONE'),
    });
    expect(byFunction.text()).toBe('{"status":"DONE"}');
  });

  it('times out saying whether the object was missing or what it held', async () => {
    const missing = (await probe
      .waitForObject({ bucket: BUCKET, key: 'nope.txt', timeout: 200 })
      .catch((e: unknown) => e)) as ObjectTimeoutError;
    expect(missing).toBeInstanceOf(ObjectTimeoutError);
    expect(missing.message).toContain('s3://checks-objects/nope.txt did not exist');
    expect(missing.existed).toBe(false);

    await put('notes.txt', 'hello', 'text/plain');
    const notJson = (await probe
      .waitForObject({ bucket: BUCKET, key: 'notes.txt', match: { a: 1 }, timeout: 200 })
      .catch((e: unknown) => e)) as ObjectTimeoutError;
    expect(notJson.existed).toBe(true);
    expect(notJson.message).toContain('existed but did not match');
    expect(notJson.message).toContain('text/plain, 5 bytes: "hello"');

    const asserted = (await probe
      .waitForObject({
        bucket: BUCKET,
        key: 'notes.txt',
        match: (o) => {
          expect(o.text()).toBe('bye');
        },
        timeout: 200,
      })
      .catch((e: unknown) => e)) as ObjectTimeoutError;
    expect(asserted.message).toMatch(/did not match \(expected 'hello' to be 'bye'/);
  });

  it('toHaveObject / .not.toHaveObject with failure messages that show what was there', async () => {
    await put('matcher.json', '{"ok":true}');
    await expect(probe).toHaveObject({ bucket: BUCKET, key: 'matcher.json', match: { ok: true } });
    await expect(probe).not.toHaveObject({ bucket: BUCKET, key: 'absent.json', timeout: 200 });
    const failed = await expect(probe)
      .toHaveObject({ bucket: BUCKET, key: 'matcher.json', match: { ok: false }, timeout: 200 })
      .catch((e: unknown) => e);
    expect(String(failed)).toContain(
      'existed but did not match: application/json, 11 bytes: "{\\"ok\\":true}"',
    );
    const notFailed = await expect(probe)
      .not.toHaveObject({ bucket: BUCKET, key: 'matcher.json', timeout: 200 })
      .catch((e: unknown) => e);
    expect(String(notFailed)).toContain(
      'but found s3://checks-objects/matcher.json (application/json, 11 bytes)',
    );
  });

  it('fails at once when the bucket does not exist', async () => {
    await expect(
      probe.waitForObject({ bucket: 'no-such-bucket', key: 'a', timeout: 5_000 }),
    ).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
  });

  it.each([
    ['options', null, 'options'],
    ['bucket', { bucket: 'A', key: 'k' }, 'bucket'],
    ['key', { bucket: BUCKET, key: '' }, 'key'],
    ['match', { bucket: BUCKET, key: 'k', match: 'x' }, 'match'],
    ['timeout', { bucket: BUCKET, key: 'k', timeout: 0 }, 'timeout'],
  ])('refuses a bad %s before reading', async (_, options, option) => {
    const error = await probe.waitForObject(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).option).toBe(option);
  });
});
