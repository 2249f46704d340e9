import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
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
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts', 'src/cli.ts', 'src/local/cli.ts'],
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
