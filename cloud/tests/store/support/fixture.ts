import { createHttpConnectionsGateway } from '../../../src/aws/connections-http.js';
import { LOCAL_SIGNING_CREDENTIALS } from '../../../src/aws/credentials.js';
import type { DynamoHttpClientOptions } from '../../../src/aws/dynamodb-http/client.js';
import { createDynamoStore, type DynamoStoreOptions } from '../../../src/aws/dynamodb-store.js';
import { ensureTable } from '../../../src/aws/ensure-table.js';
import type { LookupStrategy } from '../../../src/aws/find-subscribers.js';
import { createDynamoClients, type DynamoClients } from '../../../src/aws/sdk-clients.js';
import { DEFAULT_CONNECTION_TTL_SECONDS, DEFAULT_FAN_OUT, type FanOutSettings } from '../../../src/config.js';
import type { ConnectionGateway } from '../../../src/core/gateway.js';
import type { SubscriptionStore } from '../../../src/core/subscriptions.js';
import type { LogFields, Logger } from '../../../src/log.js';

/** The topic index name. */
export const INDEX = 'TopicNameIndex';

/** Real DynamoDB clients against a dynalite endpoint: the SDK's (for direct access) and the store's lean one. */
export function dynamoClients(
  endpoint: string,
  leanOptions: Partial<DynamoHttpClientOptions> = {},
): DynamoClients {
  return createDynamoClients(endpoint, leanOptions);
}

let tables = 0;

/** Creates a new, empty table with its index and returns its name, so that each test starts clean. */
export async function freshTable(clients: DynamoClients): Promise<string> {
  tables++;
  const tableName = `WSConnections-${tables}`;
  await ensureTable(clients.lean, { tableName, indexName: INDEX });
  return tableName;
}

/** A store over the test table. */
export function storeFor(
  clients: DynamoClients,
  tableName: string,
  lookup: LookupStrategy,
  extra: Partial<DynamoStoreOptions> = {},
): SubscriptionStore {
  return createDynamoStore(clients.lean, {
    tableName,
    indexName: INDEX,
    lookup,
    connectionTtlSeconds: DEFAULT_CONNECTION_TTL_SECONDS,
    ...extra,
  });
}

/** A gateway posting through the lean post path (what the handlers use) to the test's connections server. */
export function gatewayFor(endpoint: string): ConnectionGateway {
  return createHttpConnectionsGateway({
    endpoint,
    region: 'us-east-1',
    credentials: async () => LOCAL_SIGNING_CREDENTIALS,
  });
}

/**
 * The post timeout of tests whose posts are meant to succeed: generous, because a post that a loaded machine
 * delays past it is retried (a duplicate, a wrong count) and the test fails for no fault of the code.
 */
export const TEST_POST_TIMEOUT_MS = 10_000;

/**
 * The post timeout of tests that wait out a hung post (`hang`) while other posts of the same run must succeed:
 * long enough for a healthy loopback post on a loaded 2-core machine, short enough to wait out a few times.
 * Where every post hangs (nothing must succeed in time), a test may use a shorter one.
 */
export const HUNG_POST_TIMEOUT_MS = 2_000;

/** Fan-out knobs for tests: a generous post timeout and no real waiting between retries. */
export const TEST_FAN_OUT: FanOutSettings = {
  ...DEFAULT_FAN_OUT,
  postTimeoutMs: TEST_POST_TIMEOUT_MS,
  backoffBaseMs: 1,
  backoffCapMs: 5,
};

/** A logger that keeps its lines, so tests can assert the one line per publish. */
export function recordingLogger(): Logger & { lines: Array<{ level: string; message: string } & LogFields> } {
  const lines: Array<{ level: string; message: string } & LogFields> = [];
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      lines.push({ level, message, ...fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
