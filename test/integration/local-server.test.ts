import { connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../src/local/index.js';

describe('local emulator server', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws({ accountId: '123456789012' });
  });
  afterAll(() => aws.close());

  it('binds 127.0.0.1 on a free port and reports health', async () => {
    expect(aws.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${aws.endpoint}/_eventprobe/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', accountId: '123456789012' });
  });

  it('sets, reads and clears faults over the control endpoint', async () => {
    const set = await fetch(`${aws.endpoint}/_eventprobe/faults`, {
      method: 'POST',
      body: JSON.stringify({
        latencyMs: 5,
        faults: [{ operation: 'ReceiveMessage', error: 'ThrottlingException', rate: 0.3 }],
      }),
    });
    expect(await set.json()).toMatchObject({
      latencyMs: 5,
      faults: [{ operation: 'ReceiveMessage', rate: 0.3 }],
    });
    const bad = await fetch(`${aws.endpoint}/_eventprobe/faults`, {
      method: 'POST',
      body: '{"faults":[{"operation":"x"}]}',
    });
    expect(bad.status).toBe(400);
    const cleared = await fetch(`${aws.endpoint}/_eventprobe/faults`, { method: 'DELETE' });
    expect(await cleared.json()).toMatchObject({ latencyMs: 0, faults: [] });
    const unknown = await fetch(`${aws.endpoint}/_eventprobe/nope`);
    expect(unknown.status).toBe(404);
  });

  it('answers an unknown service with UnrecognizedClientException', async () => {
    const res = await fetch(aws.endpoint, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/nosuch/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'UnrecognizedClientException' });
  });

  it('speaks HTTP/2 cleartext on the same port', async () => {
    const session = connect(aws.endpoint);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/_eventprobe/health', ':method': 'GET' });
        let data = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => {
          data += c;
        });
        req.on('end', () => resolve(data));
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
    } finally {
      session.close();
    }
  });

  it('rejects a bad port before binding', async () => {
    await expect(startLocalAws({ port: 70000 })).rejects.toThrow(/port must be an integer/);
    await expect(startLocalAws({ accountId: '12' })).rejects.toThrow(/accountId must be 12 digits/);
  });

  it('starts the X-Ray daemon listener and visibility delays when asked', async () => {
    const withXRay = await startLocalAws({ xrayVisibility: { delayMs: 10 }, xrayDaemon: { port: 0 } });
    try {
      expect(withXRay.xrayDaemon?.port).toBeGreaterThan(0);
      withXRay.setXRayVisibility({ delayMs: 0 });
      // A second emulator cannot take the same daemon port: it fails and frees its HTTP port.
      await expect(
        startLocalAws({ xrayDaemon: { port: withXRay.xrayDaemon?.port as number } }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await withXRay.close();
      await withXRay.close();
    }
  });

  it('close is idempotent', async () => {
    const other = await startLocalAws();
    await other.close();
    await other[Symbol.asyncDispose]();
  });
});
