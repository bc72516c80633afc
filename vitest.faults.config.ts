import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:faults`: the fault scenarios in their full forms (FAULT_SUITE=full: more kills, more
 * readings). `npm test` runs the same files in their short forms. See docs/RELIABILITY.md.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['*/tests/faults/**/*.test.ts'],
    testTimeout: 600_000,
    // The scenarios start brokers, mount file systems and kill processes: one file at a time.
    maxWorkers: 1,
    env: { ...base.test?.env, FAULT_SUITE: 'full' },
  },
});
