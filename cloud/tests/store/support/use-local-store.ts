import { afterAll, afterEach, beforeAll } from 'vitest';
import type { DynamoClients } from '../../../src/aws/sdk-clients.js';
import type { ConnectionGateway } from '../../../src/core/gateway.js';
import { type ConnectionsServer, startConnectionsServer } from './connections-server.js';
import { type RunningDynalite, startDynalite } from './dynalite.js';
import { dynamoClients, gatewayFor } from './fixture.js';

/** What a store test file works against; read its fields inside tests and hooks (they exist from beforeAll on). */
export interface LocalStore {
  /** dynalite, in memory on a port the OS chose. */
  readonly dynalite: RunningDynalite;
  /** Real DynamoDB clients on it. */
  readonly clients: DynamoClients;
  /** The recording `@connections` server (with `{ connections: true }` only); reset after each test. */
  readonly server: ConnectionsServer;
  /** A gateway posting to that server through the real SDK client. */
  readonly gateway: ConnectionGateway;
}

/**
 * Registers this file's beforeAll/afterAll hooks: dynalite and its clients, and (with `connections`) the
 * connections server and a gateway to it, reset after each test. Everything started is stopped after the file.
 */
export function useLocalStore(options: { connections?: boolean } = {}): LocalStore {
  let started: Partial<{ -readonly [K in keyof LocalStore]: LocalStore[K] }> = {};
  beforeAll(async () => {
    const dynalite = await startDynalite();
    started = { dynalite, clients: dynamoClients(dynalite.endpoint) };
    if (options.connections) {
      started.server = await startConnectionsServer();
      started.gateway = gatewayFor(started.server.endpoint);
    }
  });
  afterAll(async () => {
    started.clients?.destroy();
    await started.server?.stop();
    await started.dynalite?.stop();
  });
  if (options.connections) afterEach(() => started.server?.reset());
  const field = <K extends keyof LocalStore>(name: K): LocalStore[K] => {
    const value = started[name];
    if (value === undefined) {
      throw new Error(
        `useLocalStore: ${name} is not there; read it inside a test or hook` +
          (name === 'server' || name === 'gateway' ? ', and pass { connections: true }' : ''),
      );
    }
    return value as LocalStore[K];
  };
  return {
    get dynalite() {
      return field('dynalite');
    },
    get clients() {
      return field('clients');
    },
    get server() {
      return field('server');
    },
    get gateway() {
      return field('gateway');
    },
  };
}

/**
 * Points the handlers at this file's dynalite and connections server through their environment (they read it
 * once, at their first invocation, as on a Lambda cold start): set it before importing a handler.
 */
export function setHandlerEnvironment(
  local: LocalStore,
  env: { table: string; logLevel: string; authMode: 'on' | 'off'; extra?: Record<string, string> },
): void {
  Object.assign(process.env, {
    TABLE_NAME: env.table,
    DYNAMODB_ENDPOINT: local.dynalite.endpoint,
    CONNECTIONS_ENDPOINT: local.server.endpoint,
    ENSURE_TABLE: 'true',
    LOG_LEVEL: env.logLevel,
    AUTH_MODE: env.authMode,
    ...env.extra,
  });
}
