import { randomUUID } from 'node:crypto';
import { buildConnectUrl, TOKEN_QUERY_PARAMETER } from '@topic-bridge/shared-types';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack.js';
import { type TableAccess, tableAccess } from './table.js';
import { openClient, type TestClient } from './test-client.js';

/** serverless-offline bundles the handlers first: several seconds, more on a busy 2-core machine. */
export const STACK_START_TIMEOUT_MS = 120_000;

/** What every behaviour case gets: the running stack, its table, and clients closed after each test. */
export interface BridgeContext {
  readonly variant: 'scan' | 'query';
  stack(): LocalStack;
  table(): TableAccess;
  /** Opens a client subscribed at connect time to `filters` (none: publish-only). */
  open(...filters: string[]): Promise<TestClient>;
  /** The connect URL for `filters` (with the suite's token when auth is on), for handshakes expected to fail. */
  url(...filters: string[]): string;
  /** The connect URL for `filters` with this token (none: no `token` parameter). */
  urlWithToken(token: string | undefined, ...filters: string[]): string;
  /** Opens a client with this URL and optional subprotocols; closed after the test. */
  openUrl(url: string, protocols?: string[]): Promise<TestClient>;
  /** A topic level no other test uses, so that tests sharing one stack never see each other's frames. */
  unique(): string;
}

/** Authorization for a suite: the stack's secret (and audience), and the token every `open` uses. */
export interface SuiteAuth {
  secret: string;
  audience?: string;
  /** Signs the suite's token once the stack is up (full access, for the behaviour suite). */
  token: () => Promise<string>;
}

/**
 * Starts one local stack for the enclosing describe block and returns the context its cases use; with
 * `auth`, tokens are required and every `open` and `url` carries the suite's token.
 */
export function useBridge(variant: 'scan' | 'query', auth?: SuiteAuth): BridgeContext {
  let suiteToken: string | undefined;
  let stack: LocalStack | undefined;
  let table: TableAccess | undefined;
  const clients: TestClient[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    stack = await startLocalStack({
      onMessage: variant,
      logLevel: 'warn',
      log: (line) => lines.push(line),
      ...(auth === undefined
        ? {}
        : { auth: { secret: auth.secret, ...(auth.audience ? { audience: auth.audience } : {}) } }),
    });
    suiteToken = await auth?.token();
    console.info(`local stack (${variant}) ready in ${Date.now() - started} ms`);
    table = tableAccess(stack);
  }, STACK_START_TIMEOUT_MS);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    table?.close();
    await stack?.stop();
    // Handlers log only warnings and errors here: any is worth seeing next to a failure.
    if (lines.some((line) => line.includes('"level":"error"'))) console.warn(lines.join('\n'));
  });

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the local stack did not start, so there is no ${what}`);
    return value;
  };
  const context: BridgeContext = {
    variant,
    stack: () => required(stack, 'stack'),
    table: () => required(table, 'table'),
    url: (...filters) => context.urlWithToken(suiteToken, ...filters),
    urlWithToken(token, ...filters) {
      const url = new URL(buildConnectUrl(context.stack().wsUrl, filters));
      if (token !== undefined) url.searchParams.set(TOKEN_QUERY_PARAMETER, token);
      return url.toString();
    },
    async openUrl(url, protocols) {
      const client = await openClient(url, protocols);
      clients.push(client);
      return client;
    },
    open: (...filters) => context.openUrl(context.url(...filters)),
    unique: () => `t-${randomUUID().slice(0, 8)}`,
  };
  return context;
}
