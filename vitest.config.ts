import { defineConfig } from 'vitest/config';

/** One run for every package: unit tests are fast, integration tests start real local servers. */
export default defineConfig({
  test: {
    include: ['*/tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    // Generous: only a failing or hung test waits them out, and a loaded 2-core machine runs integration tests
    // (serverless-offline, dynalite, Chromium) several times slower than an idle one. The hook timeout is over
    // the local stack's own readiness timeout (OFFLINE_READY_TIMEOUT_MS, 60 s), so that its error, which says
    // what did not start, comes first.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 20_000,
    // Integration suites start serverless-offline and dynalite; two at a time fit the 2-core machines.
    maxWorkers: 2,
    // Tests run on Node 20; the SDK's notice that later versions need Node 22 is noise in every test's output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
