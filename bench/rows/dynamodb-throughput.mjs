// DynamoDB mixed workload against dynalite (an in-memory DynamoDB, dev-only peer) in the same run:
// 50% PutItem, 35% GetItem, 15% Query (a 20-item partition, Limit 10), 16 requests in flight,
// over keep-alive HTTP with byte-identical JSON 1.0 requests. "eventprobe" is the emulator, "raw" is dynalite.

import { Agent, createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { median } from '../lib.mjs';

export const title = 'DynamoDB mixed put/get/query vs dynalite';
export const timeoutSeconds = 240;
const OPS = 6000;
const CONCURRENCY = 16;
const RUNS = 3;
const PARTITIONS = 50;
const ITEMS = 20;

const require = createRequire(import.meta.url);

const S = (s) => ({ S: s });
const N = (n) => ({ N: String(n) });

/** A deterministic op sequence so both servers do the same work. */
const plan = () => {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: OPS }, () => {
    const r = rand();
    const pk = `p${Math.floor(rand() * PARTITIONS)}`;
    const sk = Math.floor(rand() * ITEMS);
    return { kind: r < 0.5 ? 'put' : r < 0.85 ? 'get' : 'query', pk, sk };
  });
};

/**
 * A minimal DynamoDB JSON 1.0 client over keep-alive HTTP: both servers get byte-identical
 * requests, and the client's own cost (small next to the SDK's) does not hide the servers'.
 * Neither server checks signatures, so a fixed SigV4-shaped Authorization header is enough.
 */
const rawClient = (endpoint) => {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const send = (operation, input) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(input);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'content-length': Buffer.byteLength(body),
            'x-amz-target': `DynamoDB_20120810.${operation}`,
            'x-amz-date': '20260101T000000Z',
            authorization:
              'AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000',
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`${operation}: ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { send, destroy: () => agent.destroy() };
};

/**
 * Runs the op sequence from a worker thread (its own event loop and core), so what is measured is
 * how fast the server's thread answers, not how fast this thread can also generate the load.
 */
const run1 = (endpoint, TableName, ops) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { endpoint, TableName, ops } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });

const load = async ({ endpoint, TableName, ops }) => {
  const db = rawClient(endpoint);
  let next = 0;
  const worker = async () => {
    while (next < ops.length) {
      const op = ops[next++];
      if (op.kind === 'put') {
        await db.send('PutItem', {
          TableName,
          Item: { pk: S(op.pk), sk: N(op.sk), payload: S('x'.repeat(200)), n: N(op.sk * 3) },
        });
      } else if (op.kind === 'get') {
        await db.send('GetItem', { TableName, Key: { pk: S(op.pk), sk: N(op.sk) } });
      } else {
        await db.send('Query', {
          TableName,
          KeyConditionExpression: 'pk = :p AND sk >= :s',
          ExpressionAttributeValues: { ':p': S(op.pk), ':s': N(Math.floor(op.sk / 2)) },
          Limit: 10,
        });
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const rate = ops.length / ((performance.now() - t0) / 1000);
  db.destroy();
  return rate;
};

if (!isMainThread) parentPort?.postMessage(await load(workerData));

const createTable = (db, TableName) =>
  db.send('CreateTable', {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
  });

/** dynalite answers CREATING first even with createTableMs 0. */
const active = async (db, TableName) => {
  for (;;) {
    const { Table } = await db.send('DescribeTable', { TableName });
    if (Table.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** A server that does nothing but answer `{}`: the ceiling any HTTP server reaches with this client. */
const emptyServer = async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': '2' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};

export const run = async (env) => {
  const dynalite = require('dynalite')({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise((resolve) => dynalite.listen(0, '127.0.0.1', resolve));
  const ours = rawClient(env.endpoint);
  const theirEndpoint = `http://127.0.0.1:${dynalite.address().port}`;
  const theirs = rawClient(theirEndpoint);
  const empty = await emptyServer();
  const emptyEndpoint = `http://127.0.0.1:${empty.address().port}`;
  const ep = [];
  const peer = [];
  const ceiling = [];
  try {
    const ops = plan();
    // Run -1 warms both servers and clients up; then the two alternate who goes first.
    for (let i = -1; i < RUNS; i++) {
      const TableName = `bench-ddb-${i + 1}`;
      await createTable(ours, TableName);
      await createTable(theirs, TableName);
      await active(ours, TableName);
      await active(theirs, TableName);
      const measureOurs = async () => {
        const rate = await run1(env.endpoint, TableName, ops);
        if (i >= 0) ep.push(rate);
      };
      const measureTheirs = async () => {
        const rate = await run1(theirEndpoint, TableName, ops);
        if (i >= 0) peer.push(rate);
      };
      if (i % 2 === 0) {
        await measureOurs();
        await measureTheirs();
      } else {
        await measureTheirs();
        await measureOurs();
      }
      const bare = await run1(emptyEndpoint, TableName, ops);
      if (i >= 0) ceiling.push(bare);
      await ours.send('DeleteTable', { TableName });
      await theirs.send('DeleteTable', { TableName });
    }
  } finally {
    ours.destroy();
    theirs.destroy();
    await new Promise((resolve) => dynalite.close(resolve));
    await new Promise((resolve) => empty.close(resolve));
  }
  const ratio = median(ep.map((e, i) => e / peer[i]));
  return [
    {
      metric: `DynamoDB ${OPS} ops (50% put / 35% get / 15% query), ${CONCURRENCY} in flight; raw = dynalite`,
      eventprobe: median(ep),
      raw: median(peer),
      unit: 'ops/s',
      ratio,
      goal: 'ratio >= 3.00',
      pass: ratio >= 3,
    },
    // The same requests against a server that only answers `{}`: no HTTP server gets past this
    // with this client on this machine, so it bounds what the ratio above can show.
    {
      metric: `  same workload, emulator vs an empty node:http server (the HTTP ceiling); raw = empty server`,
      eventprobe: median(ep),
      raw: median(ceiling),
      unit: 'ops/s',
      ratio: median(ep.map((e, i) => e / ceiling[i])),
      goal: 'ratio >= 0.50',
      pass: median(ep.map((e, i) => e / ceiling[i])) >= 0.5,
    },
  ];
};
