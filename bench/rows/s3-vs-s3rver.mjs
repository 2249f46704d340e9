// S3 put/get throughput: the emulator against s3rver (a peer S3 server, dev dependency) in the same
// run, through the same SDK client configuration. Small (1 KiB) and large (8 MiB) objects, each
// object put then got back; concurrency 8 for small objects, 2 for large ones.
// "eventprobe" is the emulator, "raw" is s3rver; the ratio is emulator / s3rver (higher is better).
import { mkdtempSync, rmSync } from 'node:fs';
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
      const ep = [];
      const peerRates = [];
      // Run -1 warms both servers up; the order alternates so neither always goes first.
      for (let i = -1; i < RUNS; i++) {
        const tag = `${c.size}-${i}`;
        const mine = async () => ep.push(await workload(ours, Bucket, c, tag));
        const other = async () => peerRates.push(await workload(theirs, Bucket, c, tag));
        if (i % 2 === 0) {
          await mine();
          await other();
        } else {
          await other();
          await mine();
        }
        if (i < 0) {
          ep.length = 0;
          peerRates.length = 0;
        }
      }
      const ratio = median(ep.map((e, i) => e / peerRates[i]));
      rows.push({
        metric: `S3 put+get, ${c.name} (${c.count} per run, ${c.concurrency} concurrent); raw = s3rver`,
        eventprobe: median(ep),
        raw: median(peerRates),
        unit: 'pairs/s',
        ratio,
        goal: 'ratio >= 3.00',
        pass: ratio >= 3,
      });
    }
    return rows;
  } finally {
    ours.destroy();
    theirs.destroy();
    await peer.close();
    rmSync(directory, { recursive: true, force: true });
  }
};
