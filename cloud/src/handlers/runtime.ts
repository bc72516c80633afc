import { connectionsGatewayCache, createDynamoClients, type DynamoClients } from '../aws/clients.js';
import { createDynamoStore } from '../aws/dynamodb-store.js';
import { ensureTable } from '../aws/ensure-table.js';
import type { LookupStrategy } from '../aws/find-subscribers.js';
import { type CloudConfig, loadConfig } from '../config.js';
import type { ConnectionGateway } from '../core/gateway.js';
import type { SubscriptionStore } from '../core/subscriptions.js';
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';

/** Everything a handler needs, built once per cold start (the first invocation) and reused after. */
export interface Runtime {
  config: CloudConfig;
  logger: Logger;
  clients: DynamoClients;
  store(lookup: LookupStrategy): SubscriptionStore;
  gateway(endpoint: string): ConnectionGateway;
  ensureTable(): Promise<'created' | 'exists'>;
}

let runtime: Runtime | undefined;

/** The cold-start runtime: configuration read once, clients created once. Throws a ConfigError when misconfigured. */
export function getRuntime(): Runtime {
  runtime ??= createRuntime(loadConfig());
  return runtime;
}

function createRuntime(config: CloudConfig): Runtime {
  const clients = createDynamoClients(config.dynamoEndpoint);
  const stores = new Map<LookupStrategy, SubscriptionStore>();
  const gateway = connectionsGatewayCache();
  const { tableName, indexName, connectionTtlSeconds } = config;
  return {
    config,
    logger: createLogger(config.logLevel),
    clients,
    store(lookup) {
      let store = stores.get(lookup);
      if (store === undefined) {
        store = createDynamoStore(clients.doc, { tableName, indexName, lookup, connectionTtlSeconds });
        stores.set(lookup, store);
      }
      return store;
    },
    gateway,
    ensureTable: () => ensureTable(clients.dynamo, { tableName, indexName }),
  };
}

/** Logs a failure that happened before a logger existed (a bad configuration), as one JSON line. */
export function logStartupFailure(error: unknown): void {
  console.error(
    JSON.stringify({ level: 'error', msg: 'handler failed to start', error: describeError(error) }),
  );
}
