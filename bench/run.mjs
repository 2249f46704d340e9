// `npm run bench`: builds, then runs every row module in bench/rows/ (file-name order) against the
// built-in emulator and prints one table. Each row measures eventprobe and the raw SDK doing the
// same work in the same run, so the ratio does not depend on the machine.
//
// A row module exports:
//   title: string                      what the row group measures
//   background?: boolean               run concurrently with the others (long idle measurements)
//   timeoutSeconds?: number            give up on the row after this long (default 60)
//   run(env): Promise<Row[]>           env = { aws, endpoint, region, accountId, faults }
// and each Row is { metric, eventprobe, raw, unit, goal, pass, ratio?, note? } with numbers in `unit`.
// Rows set the emulator's faults/latency themselves (env.faults.set(...)) and clear them after.
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startLocalAws } from '../dist/local/index.js';
import { withTimeout } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];

const aws = await startLocalAws({ port: 0 });
const env = {
  aws,
  endpoint: aws.endpoint,
  region: 'us-east-1',
  accountId: aws.accountId,
  faults: aws.faults,
};

const files = (await readdir(join(here, 'rows')))
  .filter((f) => f.endsWith('.mjs') && (!only || f.includes(only)))
  .sort();
const modules = [];
for (const file of files)
  modules.push({ file, ...(await import(pathToFileURL(join(here, 'rows', file)).href)) });

const started = performance.now();
const settle = (m) =>
  withTimeout(m.run(env), (m.timeoutSeconds ?? 60) * 1000, m.title).then(
    (rows) => rows,
    (error) => [{ metric: `${m.title}: FAILED (${error?.message ?? error})`, error: true }],
  );
const background = modules.filter((m) => m.background).map((m) => ({ m, rows: settle(m) }));
const results = new Map();
for (const m of modules.filter((m) => !m.background)) {
  process.stderr.write(`bench: ${m.title} ...\n`);
  aws.faults.clear();
  results.set(m.file, await settle(m));
}
for (const { m, rows } of background) {
  process.stderr.write(`bench: waiting for ${m.title} ...\n`);
  results.set(m.file, await rows);
}
await aws.close();

const fmt = (value, unit) => {
  if (value === undefined || value === null || Number.isNaN(value)) return '-';
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
};
const table = [['metric', 'eventprobe', 'raw SDK', 'ratio', 'goal', 'result']];
let misses = 0;
for (const m of modules) {
  for (const row of results.get(m.file)) {
    if (row.error) {
      misses++;
      table.push([row.metric, '-', '-', '-', '-', 'ERROR']);
      continue;
    }
    if (!row.pass) misses++;
    table.push([
      row.metric,
      fmt(row.eventprobe, row.unit),
      fmt(row.raw, row.rawUnit ?? row.unit),
      row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}x`,
      row.goal,
      row.pass ? 'PASS' : 'MISS',
    ]);
  }
}
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(table[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of table.slice(1)) console.log(line(r));
console.log(
  `\n${table.length - 1} rows, ${misses} missed; ${((performance.now() - started) / 1000).toFixed(1)} s on the local emulator (node ${process.version}).`,
);
// MISS is a result, not a failure of the bench; only rows that could not run fail it.
process.exitCode = table.some((r) => r[5] === 'ERROR') ? 1 : 0;
