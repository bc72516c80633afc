import { defineConfig } from 'vitest/config';

/**
 * The fault suite's full forms (`npm run test:faults`, docs/RELIABILITY.md): the same scenario files that
 * `npm test` runs in their short forms, with FAULT_SUITE=full (more frames, longer outages, 200-client
 * storms, 20 kills of the agent). One file at a time, so that the figures do not depend on another suite
 * sharing the 2 cores.
 */
export default defineConfig({
  test: {
    // The agent's scenarios (device-agent/tests/faults: 4, 5, 6, 8) too, so that this command runs the whole
    // suite of docs/RELIABILITY.md.
    include: ['cloud/tests/faults/**/*.test.ts', 'device-agent/tests/faults/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    maxWorkers: 1,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FAULT_SUITE: 'full' },
  },
});
