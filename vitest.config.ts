import { defineConfig } from 'vitest/config';

// Two projects: `unit` tests live beside the code and never touch a server;
// `integration` tests live in test/integration and get real, throwaway
// MariaDB, Redis and Kafka servers from the global setup in test/harness.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          // A reused test worker has twice grown past node's default 4 GB heap late in a
          // full run (cause not found yet; every test had passed). Headroom until it is.
          execArgv: ['--max-old-space-size=8192'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The servers are shared by every file; files run one after another
          // so a test that restarts or stalls a server cannot disturb another.
          fileParallelism: false,
          execArgv: ['--max-old-space-size=8192'],
        },
      },
    ],
  },
});
