// S3 put/get throughput: the emulator against s3rver (a peer S3 server, dev dependency) in the same
// run, through the same SDK client configuration. Small (1 KiB) and large (8 MiB) objects, each
// object put then got back; concurrency 8 for small objects, 2 for large ones.
// "eventprobe" is the emulator, "raw" is s3rver; the ratio is emulator / s3rver (higher is better).
// Twice: through the SDK (what users run; the client's own signing and parsing share the CPU with
// both servers), and through a bare keep-alive HTTP client (what the servers themselves cost).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { median } from '../lib.mjs';

export const title = 'S3 put/get vs s3rver';
export const timeoutSeconds = 240;

const RUNS = 3;
const CASES = [
  { name: '1 KiB objects', size: 1024, count: 400, concurrency: 8 },
  { name: '8 MiB objects', size: 8 * 1024 * 1024, count: 12, concurrency: 2 },
];

const client = (endpoint) =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // Measure the servers, not the client's checksum code: no optional checksums either way.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

/** Puts and gets `count` objects with `concurrency` workers; returns put+get pairs per second. */
const workload = async (s3, Bucket, { size, count, concurrency }, tag) => {
  const body = Buffer.alloc(size, 7);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) {
      const Key = `${tag}/${next++}`;
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: body }));
      const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
      const bytes = await out.Body.transformToByteArray();
      if (bytes.length !== size) throw new Error(`got ${bytes.length} bytes back, expected ${size}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - t0) / 1000);
};

/** SigV4-shaped headers (s3rver checks the date; neither server checks the signature here). */
const signedHeaders = () => {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=S3RVER/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  };
};

/** A bare HTTP client for one server: PUT and GET of a path, keep-alive. */
const httpClient = (endpoint) => {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const call = (method, path, body) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            ...signedHeaders(),
            ...(body ? { 'content-length': String(body.length) } : {}),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            res.statusCode < 300
              ? resolve(Buffer.concat(chunks))
              : reject(new Error(`${method} ${path}: ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, destroy: () => agent.destroy() };
};

const httpWorkload = async (http, Bucket, { size, count, concurrency }, tag) => {
  const body = Buffer.alloc(size, 7);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) {
      const path = `/${Bucket}/${tag}/${next++}`;
      await http.call('PUT', path, body);
      const got = await http.call('GET', path);
      if (got.length !== size) throw new Error(`got ${got.length} bytes back, expected ${size}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - t0) / 1000);
};

/** Runs both sides RUNS times (after a warm-up), alternating who goes first; returns a row. */
const compare = async (metric, mine, other) => {
  const ep = [];
  const peerRates = [];
  for (let i = -1; i < RUNS; i++) {
    const a = async () => ep.push(await mine(i));
    const b = async () => peerRates.push(await other(i));
    if (i % 2 === 0) {
      await a();
      await b();
    } else {
      await b();
      await a();
    }
    if (i < 0) {
      ep.length = 0;
      peerRates.length = 0;
    }
  }
  const ratio = median(ep.map((e, i) => e / peerRates[i]));
  return {
    metric,
    eventprobe: median(ep),
    raw: median(peerRates),
    unit: 'pairs/s',
    ratio,
    goal: 'ratio >= 3.00',
    pass: ratio >= 3,
  };
};

export const run = async (env) => {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-bench-'));
  const peer = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    allowMismatchedSignatures: true,
  });
  const { port } = await peer.run();
  const ours = client(env.endpoint);
  const theirs = client(`http://127.0.0.1:${port}`);
  const Bucket = 'bench-s3';
  try {
    await ours.send(new CreateBucketCommand({ Bucket }));
    await theirs.send(new CreateBucketCommand({ Bucket }));
    const rows = [];
    for (const c of CASES) {
      rows.push(
        await compare(
          `S3 put+get via SDK, ${c.name} (${c.count}/run, ${c.concurrency} concurrent); raw = s3rver`,
          (i) => workload(ours, Bucket, c, `sdk-${c.size}-${i}`),
          (i) => workload(theirs, Bucket, c, `sdk-${c.size}-${i}`),
        ),
      );
    }
    const oursHttp = httpClient(env.endpoint);
    const theirsHttp = httpClient(`http://127.0.0.1:${port}`);
    try {
      for (const c of CASES) {
        rows.push(
          await compare(
            `S3 put+get via bare HTTP, ${c.name} (${c.count}/run, ${c.concurrency} concurrent); raw = s3rver`,
            (i) => httpWorkload(oursHttp, Bucket, c, `http-${c.size}-${i}`),
            (i) => httpWorkload(theirsHttp, Bucket, c, `http-${c.size}-${i}`),
          ),
        );
      }
    } finally {
      oursHttp.destroy();
      theirsHttp.destroy();
    }
    return rows;
  } finally {
    ours.destroy();
    theirs.destroy();
    await peer.close();
    rmSync(directory, { recursive: true, force: true });
  }
};
