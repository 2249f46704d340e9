import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
 * The `local-*` files test the emulator's own behaviour (at once, by design) and are not in it.
 * Only where the suite runs on the built-in emulator (no external endpoint, no real AWS).
 */
const AWS_TIMING_FILES = [
  'cleanup',
  'cli',
  'cloudformation',
  'kinesis-listener',
  'mock-event',
  'probe-listener',
  'probe-wiring',
  'reliability',
  'sns-listener',
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

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
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
