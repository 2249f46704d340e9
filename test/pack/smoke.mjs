#!/usr/bin/env node
// The packed package, as a user gets it: `npm pack` (prepack builds dist/), the tarball installed
// into a scratch project in a temp dir with only its declared dependencies (plus vitest, the
// optional peer that eventprobe/vitest needs), then:
//   - every entry point imports (and require() says the package is ESM-only);
//   - a consumer's TypeScript compiles against the shipped types with `tsc --strict`;
//   - a vitest suite does one listener round trip on the built-in emulator;
//   - the `eventprobe` bin answers.
// Usage: node test/pack/smoke.mjs [--keep]   (EVENTPROBE_PACK_TARBALL=path skips `npm pack`)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const keep = process.argv.includes('--keep');
const started = Date.now();
const step = (text) =>
  process.stdout.write(`pack smoke: ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
const run = (cmd, args, cwd, extra = {}) =>
  execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra },
  });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const scratch = mkdtempSync(join(tmpdir(), 'eventprobe-pack-'));
try {
  let tarball = process.env.EVENTPROBE_PACK_TARBALL;
  if (!tarball) {
    const [packed] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', scratch], repo));
    tarball = join(scratch, packed.filename);
    const files = packed.files.map((f) => f.path);
    const maps = files.filter((f) => f.endsWith('.map'));
    if (!files.includes('dist/index.js') || !files.includes('dist/bin.js'))
      throw new Error('the tarball has no dist/');
    if (maps.length > 0)
      throw new Error(`the tarball ships ${maps.length} source maps without their sources`);
    if (files.some((f) => f.startsWith('src/') || f.startsWith('test/')))
      throw new Error('the tarball ships src/ or test/');
    step(`packed ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB`);
  }
  const project = join(scratch, 'app');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2),
  );
  const vitestVersion = JSON.parse(
    readFileSync(join(repo, 'node_modules/vitest/package.json'), 'utf8'),
  ).version;
  run(
    npm,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      tarball,
      `vitest@${vitestVersion}`,
    ],
    project,
  );
  step('installed the tarball and vitest in a scratch project');

  writeFileSync(
    join(project, 'entries.mjs'),
    `import { createRequire } from 'node:module';
import * as main from 'eventprobe';
import * as local from 'eventprobe/local';
import * as jest from 'eventprobe/jest';
const missing = [
  ['eventprobe', main, ['createProbe', 'testEventPattern', 'RequestTimeoutError', 'AwsConfigError']],
  ['eventprobe/local', local, ['startLocalAws']],
  ['eventprobe/jest', jest, ['useProbe', 'eventProbeMatchers']],
].flatMap(([name, mod, names]) => names.filter((n) => mod[n] === undefined).map((n) => name + '#' + n));
if (missing.length) throw new Error('missing exports: ' + missing.join(', '));
const require = createRequire(import.meta.url);
try {
  require('eventprobe');
  throw new Error('require() worked');
} catch (error) {
  if (!/ESM-only/.test(error.message)) throw error;
}
console.log('entries ok');
`,
  );
  run(process.execPath, ['entries.mjs'], project);
  step('entry points import; require() says ESM-only');

  writeFileSync(
    join(project, 'types.ts'),
    `import { createProbe, type EventBridgeEvent, type Listener, RequestTimeoutError } from 'eventprobe';
import { startLocalAws } from 'eventprobe/local';
import { useProbe } from 'eventprobe/vitest';
import { expect, it } from 'vitest';

interface Order { orderId: string; total: number }
export const check = async (): Promise<number> => {
  const aws = await startLocalAws({ port: 0 });
  const probe = createProbe({ endpoint: aws.endpoint, region: 'us-east-1', clock: () => 0 });
  const { BusName, RuleName } = await probe.getStackOutputs('stack', ['BusName', 'RuleName']);
  const listener: Listener<Order> = await probe.addListener<Order>({ eventBusName: BusName, ruleName: RuleName });
  const event: EventBridgeEvent<Order> = await listener.waitForEvent((e) => e.detail.orderId === 'o-1');
  await aws.close();
  return event.detail.total + (new RequestTimeoutError('x', 'y', 1).requestTimeoutMs);
};
const suite = useProbe({ tags: { suite: 'types' } });
it('matcher types', async () => {
  const listener = await suite.addListener<Order>({ eventBusName: 'b', eventPattern: { source: ['s'] } });
  await expect(listener).toReceiveEvent((e) => e.detail.total > 0, { timeout: 1_000 });
  await expect(listener).not.toReceiveEvent({ detail: { orderId: 'x' } });
});
`,
  );
  const tsc = join(repo, 'node_modules/typescript/bin/tsc');
  run(
    process.execPath,
    [
      tsc,
      '--strict',
      '--noEmit',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--lib',
      'es2023,esnext.disposable',
      '--types',
      'node',
      '--typeRoots',
      join(repo, 'node_modules/@types'),
      '--exactOptionalPropertyTypes',
      '--noUncheckedIndexedAccess',
      '--skipLibCheck',
      'types.ts',
    ],
    project,
  );
  step('a consumer compiles against the shipped types with tsc --strict');

  writeFileSync(
    join(project, 'roundtrip.test.ts'),
    `import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startLocalAws } from 'eventprobe/local';
import { useProbe } from 'eventprobe/vitest';
import { afterAll, expect, it } from 'vitest';

const aws = await startLocalAws({ port: 0 });
process.env.AWS_REGION = 'us-east-1';
afterAll(() => aws.close());
const probe = useProbe({ endpoint: aws.endpoint, tags: { suite: 'pack-smoke' } });

it('a listener receives an event put on the bus', async () => {
  await using listener = await probe.addListener<{ orderId: string }>({ eventBusName: 'default', eventPattern: { source: ['smoke'] } });
  const events = new EventBridgeClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await events.send(new PutEventsCommand({ Entries: [{ Source: 'smoke', DetailType: 'Placed', Detail: '{"orderId":"o-1"}' }] }));
  await expect(listener).toReceiveEvent({ detail: { orderId: 'o-1' } });
  expect(listener.events).toHaveLength(1);
  events.destroy();
});
`,
  );
  run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=dot'], project);
  step('a vitest suite did a listener round trip on the built-in emulator');

  const help = run(process.execPath, ['node_modules/.bin/eventprobe', 'local', '--help'], project);
  if (!help.includes('Usage: eventprobe local')) throw new Error(`the bin answered:\n${help}`);
  step('the eventprobe bin answers');
  process.stdout.write(`pack smoke: ok in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} finally {
  if (keep) process.stdout.write(`pack smoke: kept ${scratch}\n`);
  else rmSync(scratch, { recursive: true, force: true });
}
