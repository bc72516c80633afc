import { connectionsGatewayCache, createDynamoClients, type DynamoClients } from '../aws/clients.js';
import { createDynamoStore } from '../aws/dynamodb-store.js';
import { ensureTable } from '../aws/ensure-table.js';
import type { LookupStrategy } from '../aws/find-subscribers.js';
import { createHistoryStore } from '../aws/history-store.js';
import { createRetainedStore, ensureRetainedTable } from '../aws/retained-store.js';
import { type CloudConfig, loadConfig } from '../config.js';
import type { ConnectionGateway } from '../core/gateway.js';
import type { HistoryStore } from '../core/history.js';
import type { RetainedStore } from '../core/retained.js';
import { RetryQuota } from '../core/retry-quota.js';
import type { SubscriptionStore } from '../core/subscriptions.js';
import { createLogger, type Logger } from '../log.js';

/** Everything a handler needs, built once per cold start (the first invocation) and reused after. */
export interface Runtime {
  config: CloudConfig;
  logger: Logger;
  clients: DynamoClients;
  store(lookup: LookupStrategy): SubscriptionStore;
  gateway(endpoint: string): ConnectionGateway;
  /** The retained last values (their own table). */
  retained: RetainedStore;
  /** The topic history, when HISTORY_TOPICS names any filter (undefined: history is off). */
  history: HistoryStore | undefined;
  /** Bounds post retries across every invocation of this instance (see RetryQuota). */
  retryQuota: RetryQuota;
  ensureTable(): Promise<'created' | 'exists'>;
}

let runtime: Runtime | undefined;

/**
 * The cold-start runtime: configuration read once, clients created once. Throws a ConfigError when
 * misconfigured. With authorization off it warns once (per cold start), since every connection may then
 * publish and subscribe to everything.
 */
export function getRuntime(): Runtime {
  if (runtime === undefined) {
    runtime = createRuntime(loadConfig());
    if (runtime.config.authMode === 'off') {
      runtime.logger.warn(
        'authorization is OFF (AUTH_MODE=off): anyone who knows the URL may publish and subscribe to every topic; deploy without --param="auth=off" (SECURITY.md)',
      );
    }
  }
  return runtime;
}

function createRuntime(config: CloudConfig): Runtime {
  const clients = createDynamoClients(config.dynamoEndpoint);
  const stores = new Map<LookupStrategy, SubscriptionStore>();
  const gateway = connectionsGatewayCache();
  const { tableName, indexName, connectionTtlSeconds, indexShards, legacyWildcardKeys } = config;
  const logger = createLogger(config.logLevel);
  return {
    config,
    logger,
    clients,
    store(lookup) {
      let store = stores.get(lookup);
      if (store === undefined) {
        store = createDynamoStore(clients.doc, {
          tableName,
          indexName,
          lookup,
          connectionTtlSeconds,
          indexShards,
          legacyWildcardKeys,
        });
        stores.set(lookup, store);
      }
      return store;
    },
    gateway,
    retained: createRetainedStore(clients.doc, { tableName: config.retained.tableName }),
    history:
      config.history.filters.length === 0
        ? undefined
        : createHistoryStore(clients.doc, { config: config.history, logger }),
    retryQuota: new RetryQuota(),
    // The retained table with it: ENSURE_TABLE is for local setups, where both start missing together.
    ensureTable: async () => {
      const outcome = await ensureTable(clients.dynamo, { tableName, indexName });
      await ensureRetainedTable(clients.dynamo, config.retained.tableName);
      return outcome;
    },
  };
}
