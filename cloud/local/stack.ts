import { HTTP_PUBLISH_PATH } from '@topic-bridge/shared-types';
import { LOCAL_REGION } from '../src/aws/clients.js';
import { LOCAL_SIGNING_CREDENTIALS } from '../src/aws/credentials.js';
import { createDynamoHttpClient } from '../src/aws/dynamodb-http/client.js';
import { ensureTable } from '../src/aws/ensure-table.js';
import { ensureHistoryTable } from '../src/aws/history-table.js';
import { ensureRetainedTable } from '../src/aws/retained-store.js';
import {
  DEFAULT_HISTORY_TABLE_NAME,
  DEFAULT_RETAINED_TABLE_NAME,
  DEFAULT_TABLE_NAME,
  DEFAULT_TOPIC_INDEX_NAME,
} from '../src/config.js';
import { type DynamoServer, startDynamoServer } from './dynamo-server.js';
import { findFreePortForLater, LOCAL_HOST, PortInUseError } from './free-port.js';
import { type OfflineOptions, type OfflineProcess, startOffline } from './offline-process.js';

/**
 * Posts in flight when a fan-out starts, in the local stack (the handlers' FAN_OUT_CONCURRENCY; a test's
 * `handlerEnv` overrides it). Deployed, 256 suits API Gateway; here every post is served by the same
 * single-threaded serverless-offline process that runs the handlers, and 256 in flight only queues inside it:
 * posts waited seconds, hit the 3 s post timeout and were retried (duplicates, more work). At 100 subscribers ×
 * 20 frames/s, 16 about halved the duplicates at the same throughput (docs/BENCHMARKS.md, "Local stack
 * throughput"). The adaptive limit still grows from here while posts succeed.
 */
export const LOCAL_FAN_OUT_CONCURRENCY = 16;

/**
 * Longest wait for one post in the local stack (the handlers' POST_TIMEOUT_MS; deployed: 3 s). Here the
 * `@connections` route is served by the very process that posts, over loopback: a post is never lost in
 * transit, and one that takes seconds is only waiting for that process's own event loop, which a timeout
 * cannot speed up. Aborting it at 3 s and retrying delivered the frame twice (the aborted request had been
 * written and was served later) and added work to an overloaded process: at 100 subscribers × 2 frames/s on a
 * loaded machine, 77 duplicates with 3 s, none with 15 s. Stays within the 25 s publish budget.
 */
export const LOCAL_POST_TIMEOUT_MS = 15_000;

/**
 * Shards per wildcard index key in the local stack (the handlers' WILDCARD_INDEX_SHARDS; deployed: 4). Shards
 * spread a connect storm's writes over DynamoDB partitions, which dynalite does not have; what they cost is
 * read here: a publish sends 1 + 2 × shards index Queries, each about 1 ms of CPU in the SDK and as much in
 * dynalite on this machine, the largest fixed cost of a local publish (docs/BENCHMARKS.md, "Local stack
 * throughput"). With 1, a publish sends 3 Queries. Every handler of a stack shares it, so rows and lookups
 * agree; a data folder written with another count is not read correctly (its connections are gone anyway
 * once the stack that held them stopped). `handlerEnv` overrides it (a test of the deployed layout).
 */
export const LOCAL_WILDCARD_INDEX_SHARDS = 1;

/**
 * Whether the local stack's lookups read the unsharded wildcard keys of releases before sharding: never, since
 * its table is new with every start (or a data folder of this release) and no such release wrote to it.
 * Deployed, they are read for LEGACY_KEY_GRACE_MS after each cold start (2 more Queries per publish).
 */
export const LOCAL_LEGACY_WILDCARD_KEYS = 'skip';

/**
 * How many times the stack starts serverless-offline, on ports picked anew each time, when a port it picked
 * itself was taken by another process before serverless-offline could bind it (EADDRINUSE).
 */
export const LOCAL_STACK_START_ATTEMPTS = 3;

/** How the local stack is started. */
export interface LocalStackOptions {
  /** WebSocket port; 0 or absent = a free port the stack picks. */
  wsPort?: number;
  /** HTTP publish's port (`POST /publish`); 0 or absent = a free port the stack picks. */
  httpPort?: number;
  /**
   * How the stack picks a free port for each port not given (the Lambda API's is always picked); default
   * findFreePortForLater. A test hands out a taken port this way, to see the stack pick again.
   */
  pickPort?: () => Promise<number>;
  /** How `$default` finds subscribers; the default is the deployed default, `query`. */
  onMessage?: 'scan' | 'query';
  /** Keep DynamoDB data in this folder (created if missing) instead of in memory. */
  dataDir?: string;
  /** Receives every line serverless-offline and the handlers print; absent, they are kept for errors only. */
  log?: (line: string) => void;
  /** The handlers' LOG_LEVEL (debug, info, warn, error); default info. */
  logLevel?: string;
  /**
   * Where the handlers post to `@connections`; default serverless-offline's own management API on the
   * WebSocket port. The fault suite points it at a fault-injecting proxy in front of that port.
   */
  connectionsEndpoint?: string;
  /**
   * Turns authorization on: the authorizer runs on `$connect` and verifies HS256 tokens with this secret
   * (passed to it as AUTH_SECRET, as SSM would be when deployed). Absent, auth is off, so that tests that
   * are not about tokens need none; `npm start` turns it on (cloud/local/dev-auth.ts).
   */
  auth?: { secret: string; audience?: string };
  /**
   * Turns topic history on for the topics these filters match (serverless.yml's historyTopics, historyMaxFrames,
   * historyMaxAgeSeconds parameters; their defaults when a number is absent). Absent: history is off, as
   * deployed by default; `npm start` turns it on (TOPIC_BRIDGE_HISTORY_TOPICS).
   */
  history?: LocalHistoryOptions;
  /**
   * Extra environment for the handlers, over the stack's own (tests set small limits this way, e.g.
   * FAN_OUT_INVOCATION_SHARE so that a publish to a few subscribers already goes through the fan-out worker).
   */
  handlerEnv?: Record<string, string>;
}

/** The local stack's history settings (cloud/src/config.ts, loadHistoryConfig, checks them at cold start). */
export interface LocalHistoryOptions {
  topics: readonly string[];
  maxFrames?: number;
  maxAgeSeconds?: number;
}

/** A running local stack. */
export interface LocalStack {
  /** `ws://127.0.0.1:PORT`: connect here, with `?topicName=…` to subscribe. */
  wsUrl: string;
  wsPort: number;
  /** `http://127.0.0.1:PORT`: the HTTP API, where `POST /publish` is served. */
  httpUrl: string;
  httpPort: number;
  /** `http://127.0.0.1:PORT/publish`: HTTP publish (docs/PROTOCOL.md, "HTTP publish"). */
  publishUrl: string;
  /** dynalite's URL, for tests that read or write the table directly. */
  dynamoEndpoint: string;
  tableName: string;
  indexName: string;
  /** The retained last values' table (serverless.yml's default `retainedTableName`). */
  retainedTableName: string;
  /** The history table (created whether history is on or not, as deployed). */
  historyTableName: string;
  onMessage: 'scan' | 'query';
  /** Whether tokens are required (the `auth` option was given). */
  authMode: 'on' | 'off';
  /** Process id of serverless-offline (the leader of its own process group). */
  offlinePid: number;
  /** Fault injection: while false, DynamoDB answers every call with HTTP 503 (handlers report store_unavailable). */
  setStoreAvailable(available: boolean): void;
  /** How many calls of each DynamoDB operation (`Scan`, `Query`, `BatchWriteItem`, …) dynalite has served. */
  storeOperationCounts(): Record<string, number>;
  /** Stops serverless-offline (its whole process group) and dynalite; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The local stack: dynalite (DynamoDB) and serverless-offline running our own serverless.yml, so that the
 * handlers that deploy are the ones that run. Used by `npm start` and by every integration test. Starts
 * dynalite, creates the tables, then serverless-offline; resolves when the WebSocket and HTTP ports accept
 * connections. A port the stack picked that another process took first is picked again (LOCAL_STACK_START_ATTEMPTS).
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const onMessage = options.onMessage ?? 'query';
  const authMode = options.auth === undefined ? 'off' : 'on';
  const tableName = DEFAULT_TABLE_NAME;
  const indexName = DEFAULT_TOPIC_INDEX_NAME;
  const dynamo = await startDynamoServer(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  let offline: OfflineProcess | undefined;
  try {
    await createTables(dynamo, tableName, indexName);
    for (let attempt = 1; ; attempt++) {
      const ports = await pickPorts(options);
      try {
        offline = await startOffline(
          offlineOptions(options, ports, dynamo, { onMessage, tableName, authMode }),
        );
      } catch (error) {
        // A port the stack picked itself was taken before serverless-offline bound it: pick again.
        const retry = error instanceof PortInUseError && ports.picked.includes(error.port);
        if (!retry || attempt >= LOCAL_STACK_START_ATTEMPTS) throw error;
        options.log?.(
          `topic-bridge: port ${error.port} was taken by another process before serverless-offline could listen on it; starting again on other ports`,
        );
        continue;
      }
      const { wsPort, httpPort } = ports;
      return stackHandle({ wsPort, httpPort, onMessage, authMode, tableName, indexName, dynamo, offline });
    }
  } catch (error) {
    await offline?.stop();
    await dynamo.close();
    throw error;
  }
}

interface StackPorts {
  wsPort: number;
  httpPort: number;
  lambdaPort: number;
  /** The ones the stack picked (not given in the options), which it may pick again. */
  picked: number[];
}

async function pickPorts(options: LocalStackOptions): Promise<StackPorts> {
  const picked: number[] = [];
  // serverless-offline binds its ports seconds after they were found free: ports outside the ephemeral range.
  const pick = async (given: number | undefined) => {
    if (given) return given;
    const port = await (options.pickPort ?? findFreePortForLater)();
    picked.push(port);
    return port;
  };
  const wsPort = await pick(options.wsPort);
  const httpPort = await pick(options.httpPort);
  const lambdaPort = await pick(undefined);
  return { wsPort, httpPort, lambdaPort, picked };
}

function offlineOptions(
  options: LocalStackOptions,
  ports: StackPorts,
  dynamo: DynamoServer,
  service: Pick<OfflineOptions, 'onMessage' | 'tableName' | 'authMode'>,
): OfflineOptions {
  const { wsPort, httpPort, lambdaPort } = ports;
  return {
    wsPort,
    httpPort,
    lambdaPort,
    ...service,
    logLevel: options.logLevel ?? 'info',
    ...(options.history === undefined ? {} : { history: options.history }),
    ...(options.auth?.audience === undefined ? {} : { authAudience: options.auth.audience }),
    handlerEnv: {
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      // serverless-offline serves the management API on the WebSocket port, without a stage in the path.
      CONNECTIONS_ENDPOINT: options.connectionsEndpoint ?? `http://${LOCAL_HOST}:${wsPort}`,
      ...(options.auth === undefined ? {} : { AUTH_SECRET: options.auth.secret }),
      // `$default` hands the pages of large publishes to the fan-out worker through serverless-offline's
      // Lambda API (`Invoke` with `InvocationType: Event` runs the worker in the same process).
      LAMBDA_ENDPOINT: `http://${LOCAL_HOST}:${lambdaPort}`,
      FAN_OUT_CONCURRENCY: String(LOCAL_FAN_OUT_CONCURRENCY),
      POST_TIMEOUT_MS: String(LOCAL_POST_TIMEOUT_MS),
      WILDCARD_INDEX_SHARDS: String(LOCAL_WILDCARD_INDEX_SHARDS),
      LEGACY_WILDCARD_KEYS: LOCAL_LEGACY_WILDCARD_KEYS,
      ...options.handlerEnv,
    },
    ...(options.log === undefined ? {} : { log: options.log }),
  };
}

async function createTables(dynamo: DynamoServer, tableName: string, indexName: string): Promise<void> {
  const client = createDynamoHttpClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: async () => LOCAL_SIGNING_CREDENTIALS,
  });
  try {
    await ensureTable(client, { tableName, indexName });
    await ensureRetainedTable(client, DEFAULT_RETAINED_TABLE_NAME);
    await ensureHistoryTable(client, DEFAULT_HISTORY_TABLE_NAME);
  } finally {
    client.close();
  }
}

function stackHandle(parts: {
  wsPort: number;
  httpPort: number;
  onMessage: 'scan' | 'query';
  authMode: 'on' | 'off';
  tableName: string;
  indexName: string;
  dynamo: DynamoServer;
  offline: OfflineProcess;
}): LocalStack {
  const { wsPort, httpPort, dynamo, offline } = parts;
  let stopping: Promise<void> | undefined;
  return {
    wsUrl: `ws://${LOCAL_HOST}:${wsPort}`,
    wsPort,
    httpUrl: `http://${LOCAL_HOST}:${httpPort}`,
    httpPort,
    publishUrl: `http://${LOCAL_HOST}:${httpPort}${HTTP_PUBLISH_PATH}`,
    dynamoEndpoint: dynamo.endpoint,
    tableName: parts.tableName,
    indexName: parts.indexName,
    retainedTableName: DEFAULT_RETAINED_TABLE_NAME,
    historyTableName: DEFAULT_HISTORY_TABLE_NAME,
    onMessage: parts.onMessage,
    authMode: parts.authMode,
    offlinePid: offline.pid,
    setStoreAvailable: (available) => dynamo.setAvailable(available),
    storeOperationCounts: () => dynamo.operationCounts(),
    stop() {
      stopping ??= offline.stop().finally(() => dynamo.close());
      return stopping;
    },
  };
}
