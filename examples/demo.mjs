#!/usr/bin/env node
// `npm run demo`: the README's main job. Starts the built-in AWS emulator, deploys the example
// stacks from their CloudFormation templates, runs the example suites with eventprobe, tears
// everything down, and exits non-zero if anything failed.
//
// EVENTPROBE_E2E=1 (with AWS credentials and AWS_REGION) runs the same suites against real AWS;
// AWS_ENDPOINT_URL=http://... runs them against any AWS-compatible endpoint.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startVitest } from 'vitest/node';

// The AWS SDK's Node-version notice would otherwise print once per process (vitest.config.ts sets it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `npm run demo -- --realism aws`: the emulator with AWS's timing (rule delay, tagging lag, SQS
// duplicates and reordering, X-Ray lag, latency), as the examples-aws-timing vitest project runs it.
const realism = process.argv.find(
  (a, i) => process.argv[i - 1] === '--realism' || a.startsWith('--realism='),
);
if (realism !== undefined) {
  const value = realism.replace(/^--realism=/, '');
  if (value !== 'aws') {
    process.stderr.write(`--realism takes "aws", got "${value}"\n`);
    process.exit(2);
  }
  process.env.EVENTPROBE_REALISM = 'aws';
  process.env.EVENTPROBE_READINESS ??= 'auto';
}

const started = Date.now();
const line = '─'.repeat(72);
process.stdout.write(`${line}\n eventprobe demo: example apps and their integration suites\n${line}\n`);
if (process.env.EVENTPROBE_E2E === '1') {
  process.stdout.write(' target: real AWS (EVENTPROBE_E2E=1)\n');
} else if (process.env.AWS_ENDPOINT_URL) {
  process.stdout.write(` target: ${process.env.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL)\n`);
} else {
  process.stdout.write(' target: the built-in emulator (eventprobe/local), started on a free port\n');
}

const vitest = await startVitest('test', [], {
  project: ['examples'],
  run: true,
  watch: false,
  coverage: { enabled: false },
  reporters: ['verbose'],
});

const files = vitest?.state.getFiles() ?? [];
const tests = [];
const walk = (task, suite) => {
  if (task.type === 'test')
    tests.push({
      suite,
      name: task.name,
      state: task.result?.state ?? 'skip',
      ms: task.result?.duration ?? 0,
      errors: task.result?.errors ?? [],
      artifacts: task.artifacts ?? [],
    });
  for (const child of task.tasks ?? []) walk(child, suite);
};
for (const file of files) walk(file, file.name);
await vitest?.close();

/** Indented lines, at most `max` of them. */
const block = (title, lines, max = 30) => {
  if (lines.length === 0) return;
  process.stdout.write(`         ${title}\n`);
  for (const l of lines.slice(0, max)) process.stdout.write(`           ${l}\n`);
  if (lines.length > max) process.stdout.write(`           ... ${lines.length - max} more\n`);
};
const readText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** A failed test: its error, then what its listeners received, the trace waterfall, the functions' log lines. */
const printFailure = (t) => {
  block('error:', (t.errors[0]?.message ?? 'failed').split('\n'), 12);
  for (const artifact of t.artifacts) {
    if (artifact.type === 'eventprobe:failure') {
      const listeners = JSON.parse(readText(join(artifact.dir, 'listeners.json')) || '[]');
      for (const l of listeners.filter((l) => l.createdIn.endsWith(t.name))) {
        const events = l.received.map((r) => JSON.stringify(r.event).slice(0, 140));
        block(`listener ${l.id}: ${l.received.length} event(s) received`, events, 10);
      }
      const trace = readText(join(artifact.dir, 'trace.txt')).trimEnd();
      if (trace && !t.errors[0]?.message?.includes(trace.split('\n')[0])) block('trace:', trace.split('\n'));
      process.stdout.write(`         artifacts: ${artifact.dir}\n`);
    }
    if (artifact.type === 'examples:function-logs') block('function logs:', artifact.lines, 40);
  }
};

const failedFiles = files.filter((f) => f.result?.state === 'fail' && !(f.tasks ?? []).length);
const passed = tests.filter((t) => t.state === 'pass').length;
const failed = tests.filter((t) => t.state === 'fail').length;
const skipped = tests.length - passed - failed;
process.stdout.write(`\n${line}\n eventprobe demo report\n${line}\n`);
const bySuite = new Map();
for (const t of tests) bySuite.set(t.suite, [...(bySuite.get(t.suite) ?? []), t]);
for (const [suite, list] of bySuite) {
  process.stdout.write(` ${suite}\n`);
  for (const t of list) {
    const mark = t.state === 'pass' ? 'PASS' : t.state === 'fail' ? 'FAIL' : 'SKIP';
    process.stdout.write(`   ${mark}  ${t.name} (${Math.round(t.ms)} ms)\n`);
    if (t.state === 'fail') printFailure(t);
  }
}
for (const f of failedFiles)
  process.stdout.write(` FAIL  ${f.name}: ${f.result?.errors?.[0]?.message ?? 'failed to load'}\n`);
const ok = failed === 0 && failedFiles.length === 0 && passed > 0;
process.stdout.write(
  `${line}\n ${ok ? 'OK' : 'FAILED'}: ${passed} passed, ${failed} failed, ${skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s\n${line}\n`,
);
process.exit(ok ? 0 : 1);
