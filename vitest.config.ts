import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The SDK's Node-version notice (9 lines) says nothing about this project's tests; `.ci/run` runs
// them on Node 20, 22 and 24 anyway. Set here so the main process and the workers stay quiet.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** The examples import `eventprobe` as users do; in this repository that is the source. */
const exampleAliases = {
  'eventprobe/vitest': src('vitest.ts'),
  'eventprobe/local': src('local/index.ts'),
  eventprobe: src('index.ts'),
};

/**
 * The library's integration files and the examples, run again on an emulator with AWS's timing
 * (`realism: 'aws'`: rule delay, tagging lag, SQS duplicates and reordering, X-Ray lag, latency).
 * The `local-*` files test the emulator's own behaviour (at once, by design) and are not in it;
 * nor are `vitest-lifecycle` (it sets test timeouts of its own) and `cli-process` (a child process).
 * Only where the suite runs on the built-in emulator (no external endpoint, no real AWS).
 */
const AWS_TIMING_FILES = [
  'checks-functions',
  'checks-items',
  'checks-objects',
  'checks-queues',
  'checks-vitest',
  'cleanup',
  'cli',
  'cloudformation',
  'dynamodb-stream-listener',
  'fixtures',
  'fixtures-ephemeral',
  'kinesis-listener',
  'mock-event',
  'probe-listener',
  'probe-wiring',
  'reliability',
  's3-listener',
  'sns-listener',
  'stepfunctions-probe',
  'tracing',
  'vitest',
].map((name) => `test/integration/${name}.test.ts`);
const onEmulator =
  !process.env.EVENTPROBE_TEST_ENDPOINT &&
  !process.env.AWS_ENDPOINT_URL &&
  process.env.EVENTPROBE_E2E !== '1';
const awsTimingProjects = onEmulator
  ? [
      {
        test: {
          name: 'integration-aws-timing',
          include: AWS_TIMING_FILES,
          environment: 'node',
          env: { EVENTPROBE_REALISM: 'aws', EVENTPROBE_READINESS: 'auto' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks' as const,
        },
      },
      {
        resolve: { alias: exampleAliases },
        test: {
          name: 'examples-aws-timing',
          include: ['examples/**/*.test.ts'],
          environment: 'node',
          env: { EVENTPROBE_REALISM: 'aws', EVENTPROBE_READINESS: 'auto' },
          globalSetup: ['examples/setup.ts'],
          setupFiles: ['examples/env.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ]
  : [];

/**
 * Files that wait the longest start first, whatever their project, so that the last files to end
 * are short ones. Vitest orders by project name first (the unit project, with the README check,
 * last); this orders by each file's duration in the last run (Vitest's results cache) and, for
 * files it has not seen (a fresh clone), the projects that wait the most first: AWS-timing
 * (rule delays, X-Ray lag), then the examples (visibility timeouts, retries), unit, the rest.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const last = (spec: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${spec.project.name}:${relative(root, spec.moduleId)}`)?.duration;
    const rank = (spec: TestSpecification) => {
      const name = spec.project.name;
      return name.endsWith('-aws-timing') ? 0 : name === 'examples' ? 1 : name === 'unit' ? 2 : 3;
    };
    return sorted.sort((a, b) => {
      const [da, db] = [last(a), last(b)];
      if (da !== undefined && db !== undefined) return db - da;
      if (da !== undefined || db !== undefined) return da === undefined ? -1 : 1; // unseen first
      return rank(a) - rank(b); // stable: Vitest's order (larger files first) within a project
    });
  }
}

export default defineConfig({
  test: {
    // The suite waits far more than it computes: each integration file starts its own emulator and
    // waits on it (long polls, visibility timeouts, Lambda retries, AWS-timing delays), and a whole
    // coverage run keeps a 2-core machine about a third busy with one file at a time. Vitest's
    // default (one worker fewer than the cores) is one worker on such a machine; at least four files
    // at a time, or one per core where there are more.
    maxWorkers: Math.max(4, availableParallelism()),
    sequence: { sequencer: LongestFirst },
    reporters: ['default', 'json'],
    // Where the json reporter writes (.ci/run reads it); a CLI --outputFile.json=... overrides it.
    outputFile: { json: '.vitest-results.json' },
    // Never let the SDK's credential chain reach for the EC2 metadata service from a test.
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias: exampleAliases },
        test: {
          name: 'examples',
          include: ['examples/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['examples/setup.ts'],
          setupFiles: ['examples/env.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Each file starts its own emulator on port 0, so files can run in parallel.
          pool: 'forks',
        },
      },
      ...awsTimingProjects,
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts', 'src/bin.ts'],
      reporter: ['text-summary', 'text', 'json-summary'],
      thresholds: {
        // The library: every statement, line and function is exercised.
        'src/!(local)/**/*.ts': { statements: 100, lines: 100, functions: 100, branches: 95 },
        'src/*.ts': { statements: 100, lines: 100, functions: 100, branches: 95 },
        // The emulator (a separate program inside the package).
        'src/local/**/*.ts': { lines: 90 },
      },
    },
  },
});
