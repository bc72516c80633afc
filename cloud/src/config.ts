import {
  API_GATEWAY_MAX_CONNECTION_MS,
  compileTopicMapping,
  type TopicMapping,
  validateTopicFilter,
} from '@topic-bridge/shared-types';
import {
  LEGACY_WILDCARD_KEY_MODES,
  type LegacyWildcardKeys,
  MAX_WILDCARD_INDEX_SHARDS,
  WILDCARD_INDEX_SHARDS,
} from './aws/subscription-rows.js';
import { ConfigError } from './errors.js';

/** Table name used when TABLE_NAME is unset: the name users of the original design know. */
export const DEFAULT_TABLE_NAME = 'WSConnections';

/** Global secondary index used when TOPIC_INDEX_NAME is unset: hash `topicName`, range `expiresAt`, KEYS_ONLY. */
export const DEFAULT_TOPIC_INDEX_NAME = 'TopicNameIndex';

/**
 * Global secondary index of exact filters used when EXACT_INDEX_NAME is unset: hash `topicFilter`, range
 * `exactUntil`, KEYS_ONLY, sparse (only exact-filter rows carry `exactUntil`). docs/DATA-MODEL.md says why.
 */
export const DEFAULT_EXACT_INDEX_NAME = 'ExactTopicIndex';

/** The retained-values table when RETAINED_TABLE_NAME is unset (docs/DATA-MODEL.md, "The retained table"). */
export const DEFAULT_RETAINED_TABLE_NAME = 'TopicBridgeRetained';

/**
 * How long a retained value lives after its publish when RETAINED_TTL_SECONDS is unset: 7 days, so a sensor
 * that reports weekly still shows a value, while a topic nobody publishes to any more fades out by itself.
 */
export const DEFAULT_RETAINED_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * How long the tombstone a clear (`"retain": true, "message": null`) leaves lives. It only has to outlast any
 * write older than the clear still in flight, and no publish lives past API Gateway's 29 s integration
 * timeout: an hour is ample, and keeps the Scan of wildcard-first filters from paying for old tombstones.
 */
export const RETAINED_TOMBSTONE_TTL_SECONDS = 60 * 60;

/**
 * Most pages (of at most 1 MB each) one retained lookup reads. A filter whose first level is a word reads
 * one partition, a filter starting with a wildcard Scans the table: either stops here and answers
 * `truncated`. 4 MB is at most 512 read units (eventually consistent) per lookup (docs/DATA-MODEL.md).
 */
export const RETAINED_READ_PAGE_BUDGET = 4;

/** Log level when LOG_LEVEL is unset. */
export const DEFAULT_LOG_LEVEL = 'info';

/** Log levels, quietest last. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Posts in flight when a fan-out starts. API Gateway's `@connections` calls share the account's throttle
 * (10,000 requests/s, burst 5,000): at a post latency of about 20 ms, 256 in flight is about 12,800 posts/s, so a
 * fan-out starts near the account's rate and inside its burst; the adaptive limit (AIMD, adaptive-concurrency.ts)
 * then halves it on a 429 and grows it while none come. (The original design posted one after another.)
 */
export const DEFAULT_FAN_OUT_CONCURRENCY = 256;

/** The adaptive limit never goes above this (also the keep-alive sockets kept per endpoint). */
export const FAN_OUT_MAX_CONCURRENCY = 1_000;

/** The adaptive limit never goes below this, so a throttled fan-out still makes progress. */
export const FAN_OUT_MIN_CONCURRENCY = 4;

/** On a 429 the limit is multiplied by this (the multiplicative decrease of AIMD). */
export const AIMD_DECREASE_FACTOR = 0.5;

/**
 * While no 429 comes, the limit grows by this much per round of posts (one round = as many successes as the
 * limit: `+AIMD_INCREASE_PER_ROUND / limit` per success), the additive increase of AIMD. At 20 ms per post the
 * limit grows by about 400 a second (each unit is 50 posts/s), so a limit halved from the account's rate
 * (about 200 in flight at 20 ms) climbs back within a quarter of a second, without overshooting far.
 */
export const AIMD_INCREASE_PER_ROUND = 8;

/**
 * Retries of a post answered 429 (throttled), counted apart from the `retries` of other temporary failures and
 * not paid from the retry quota: during a fan-out a 429 says "slower", which the adaptive limit has heard by
 * then (every retry waits at its gate), not that this post cannot be delivered. Twenty: as many attempts as the
 * former two extra passes of seven attempts each gave a post; with backoff capped at 1 s they span about 10 s,
 * and the publish's time budget ends them sooner. A throttle that outlasts them is not a burst.
 */
export const POST_THROTTLED_RETRIES = 20;

/**
 * Longest wait for one PostToConnection before it is aborted and counted as failed. The SDK's own request
 * timeout is reported to be ignored by this call (aws-sdk-js-v3 #6896); a healthy post takes tens of ms.
 */
export const DEFAULT_POST_TIMEOUT_MS = 3_000;

/**
 * Extra attempts for a post that failed temporarily (timeout, reset, 5xx; a 429 has POST_THROTTLED_RETRIES)
 * before it counts as lost, within PUBLISH_TIME_BUDGET_MS. Six: with 10% of attempts failing independently, one
 * post in 10 million is lost; the waits (full jitter, base 50 ms, cap 1 s) add up to at most 2.55 s.
 */
export const DEFAULT_POST_RETRIES = 6;

/** API Gateway's integration timeout (29 s): a route's Lambda that answers later is cut off by API Gateway. */
export const API_GATEWAY_INTEGRATION_TIMEOUT_MS = 29_000;

/**
 * Time kept back from the integration timeout for what a publish does besides posting: the subscriber
 * lookup already counted, the reply frame, the log line, and a cold start's first calls.
 */
export const PUBLISH_TIME_MARGIN_MS = 4_000;

/**
 * The time one publish may spend, from its lookup to its last post: no retry is started, and no attempt's
 * timeout reaches, past it, so a publish never outlives the integration timeout.
 */
export const PUBLISH_TIME_BUDGET_MS = API_GATEWAY_INTEGRATION_TIMEOUT_MS - PUBLISH_TIME_MARGIN_MS;

/**
 * The time a frame's whole handling may take, its reply to the sender included: a second inside the
 * integration timeout. The publish ends by PUBLISH_TIME_BUDGET_MS, leaving the rest for the reply's retries.
 */
export const HANDLER_TIME_BUDGET_MS = API_GATEWAY_INTEGRATION_TIMEOUT_MS - 1_000;

/** Base of the full-jitter exponential backoff between retried attempts: attempt n waits up to base * 2^n. */
export const DEFAULT_BACKOFF_BASE_MS = 50;

/** Cap of one backoff wait, so that a publish stays far inside API Gateway's 29 s integration timeout. */
export const DEFAULT_BACKOFF_CAP_MS = 1_000;

/**
 * How long a subscription row lives after its connection was opened: API Gateway closes every connection
 * after 2 hours; the 10-minute margin covers clock skew and a `$disconnect` that never comes.
 */
export const DEFAULT_CONNECTION_TTL_SECONDS = API_GATEWAY_MAX_CONNECTION_MS / 1000 + 10 * 60;

/** Everything the cloud reads from its environment, read once per cold start. */
export interface CloudConfig {
  tableName: string;
  indexName: string;
  exactIndexName: string;
  /** DynamoDB endpoint override (a local dynalite URL); undefined means the AWS endpoint of the region. */
  dynamoEndpoint: string | undefined;
  /** Management API endpoint override (serverless-offline); undefined means `https://{domainName}/{stage}`. */
  connectionsEndpoint: string | undefined;
  /** When true, `$connect` creates a missing table (and its index) and then stores the connection. */
  ensureTable: boolean;
  logLevel: LogLevel;
  fanOut: FanOutSettings;
  connectionTtlSeconds: number;
  /** `on`: every route checks the token's grants (from the authorizer); `off`: everything is allowed. */
  authMode: AuthMode;
  /**
   * Shards per wildcard index key (WILDCARD_INDEX_SHARDS; default 4, subscription-rows.ts). Every function
   * writing or reading one table must use the same number; the local stack uses 1 (cloud/local/stack.ts).
   */
  indexShards: number;
  /** LEGACY_WILDCARD_KEYS: `read` (default) or `skip` the unsharded wildcard keys of releases before sharding. */
  legacyWildcardKeys: LegacyWildcardKeys;
  retained: RetainedConfig;
  /** Which topics keep a short history, and how much of it (no filters: history is off). */
  history: HistoryConfig;
}

/** Where retained values are kept, and for how long. */
export interface RetainedConfig {
  tableName: string;
  ttlSeconds: number;
}

/** The knobs of one fan-out. */
export interface FanOutSettings {
  /** Posts in flight at the start; the adaptive limit moves between FAN_OUT_MIN/MAX_CONCURRENCY from there. */
  concurrency: number;
  postTimeoutMs: number;
  retries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Longest a publish (lookup and fan-out) may take; retries stop when the next would overrun it. */
  publishBudgetMs: number;
}

/** The default fan-out knobs, for callers without an environment (tests, the IoT bridge). */
export const DEFAULT_FAN_OUT: FanOutSettings = {
  concurrency: DEFAULT_FAN_OUT_CONCURRENCY,
  postTimeoutMs: DEFAULT_POST_TIMEOUT_MS,
  retries: DEFAULT_POST_RETRIES,
  backoffBaseMs: DEFAULT_BACKOFF_BASE_MS,
  backoffCapMs: DEFAULT_BACKOFF_CAP_MS,
  publishBudgetMs: PUBLISH_TIME_BUDGET_MS,
};

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the configuration from an environment; a malformed value throws a ConfigError that names it. */
export function loadConfig(env: Env = process.env): CloudConfig {
  return {
    tableName: text(env, 'TABLE_NAME', DEFAULT_TABLE_NAME),
    indexName: text(env, 'TOPIC_INDEX_NAME', DEFAULT_TOPIC_INDEX_NAME),
    exactIndexName: text(env, 'EXACT_INDEX_NAME', DEFAULT_EXACT_INDEX_NAME),
    dynamoEndpoint: url(env, 'DYNAMODB_ENDPOINT'),
    connectionsEndpoint: url(env, 'CONNECTIONS_ENDPOINT'),
    ensureTable: flag(env, 'ENSURE_TABLE', false),
    logLevel: logLevel(env),
    fanOut: {
      concurrency: Math.min(
        integer(env, 'FAN_OUT_CONCURRENCY', DEFAULT_FAN_OUT_CONCURRENCY, 1),
        FAN_OUT_MAX_CONCURRENCY,
      ),
      postTimeoutMs: integer(env, 'POST_TIMEOUT_MS', DEFAULT_POST_TIMEOUT_MS, 1),
      retries: integer(env, 'POST_RETRIES', DEFAULT_POST_RETRIES, 0),
      backoffBaseMs: integer(env, 'BACKOFF_BASE_MS', DEFAULT_BACKOFF_BASE_MS, 0),
      backoffCapMs: integer(env, 'BACKOFF_CAP_MS', DEFAULT_BACKOFF_CAP_MS, 0),
      publishBudgetMs: PUBLISH_TIME_BUDGET_MS,
    },
    connectionTtlSeconds: integer(env, 'CONNECTION_TTL_SECONDS', DEFAULT_CONNECTION_TTL_SECONDS, 60),
    authMode: oneOf(env, 'AUTH_MODE', AUTH_MODES, DEFAULT_AUTH_MODE),
    indexShards: atMost(
      'WILDCARD_INDEX_SHARDS',
      integer(env, 'WILDCARD_INDEX_SHARDS', WILDCARD_INDEX_SHARDS, 1),
      MAX_WILDCARD_INDEX_SHARDS,
    ),
    legacyWildcardKeys: oneOf(env, 'LEGACY_WILDCARD_KEYS', LEGACY_WILDCARD_KEY_MODES, 'read'),
    retained: {
      tableName: text(env, 'RETAINED_TABLE_NAME', DEFAULT_RETAINED_TABLE_NAME),
      ttlSeconds: integer(env, 'RETAINED_TTL_SECONDS', DEFAULT_RETAINED_TTL_SECONDS, 60),
    },
    history: loadHistoryConfig(env),
  };
}

function atMost(name: string, value: number, max: number): number {
  if (value > max) throw new ConfigError(`${name} must be at most ${max}; got "${value}"`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name]?.trim() || fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
}

/** Whether tokens are checked. */
export const AUTH_MODES = ['on', 'off'] as const;
/** One of AUTH_MODES. */
export type AuthMode = (typeof AUTH_MODES)[number];

/**
 * AUTH_MODE when unset: on. serverless.yml always sets it from the `auth` parameter (default `on`), so only
 * an explicit `--param="auth=off"` (or `TOPIC_BRIDGE_AUTH=off` for `npm start`) turns checking off.
 */
export const DEFAULT_AUTH_MODE: AuthMode = 'on';

/** The token algorithms the authorizer accepts: one is configured, and only that one is accepted. */
export const AUTH_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
/** One of AUTH_ALGORITHMS. */
export type AuthAlgorithm = (typeof AUTH_ALGORITHMS)[number];

/** AUTH_ALGORITHM when unset: a shared secret, the simplest setup (SECURITY.md). */
export const DEFAULT_AUTH_ALGORITHM: AuthAlgorithm = 'HS256';

/**
 * Clock skew allowed when checking `exp` (and `nbf`, `iat`): devices' clocks drift, and a token that
 * expired 30 s ago is no real risk next to a device locked out by its own clock.
 */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Shortest HS256 secret accepted, in bytes: RFC 7518 requires a key at least as long as the hash (256 bits). */
export const MIN_HS256_SECRET_BYTES = 32;

/** What the authorizer reads from its environment (serverless.yml sets it from the auth* parameters). */
export interface AuthorizerConfig {
  algorithm: AuthAlgorithm;
  /** The HS256 secret or the PEM public key itself: local use only (the local stack sets AUTH_SECRET). */
  secret: string | undefined;
  /** SSM Parameter Store name of the secret or PEM key (a SecureString), read once per cold start. */
  keyParameter: string | undefined;
  /** RS256/ES256 only: verify with the keys of this JWKS URL (selected by the token's `kid`). */
  jwksUrl: string | undefined;
  /** When set, a token's `aud` must include it. */
  audience: string | undefined;
  /** When set, a token's `iss` must equal it. */
  issuer: string | undefined;
  logLevel: LogLevel;
}

/**
 * Reads the authorizer's configuration. Exactly one key source must be usable: AUTH_SECRET (local), else
 * AUTH_JWKS_URL (RS256/ES256), else AUTH_KEY_PARAMETER (SSM); a ConfigError names what is missing.
 */
export function loadAuthorizerConfig(env: Env = process.env): AuthorizerConfig {
  const algorithm = oneOf(env, 'AUTH_ALGORITHM', AUTH_ALGORITHMS, DEFAULT_AUTH_ALGORITHM);
  const optional = (name: string) => env[name]?.trim() || undefined;
  const config: AuthorizerConfig = {
    algorithm,
    secret: env.AUTH_SECRET || undefined,
    keyParameter: optional('AUTH_KEY_PARAMETER'),
    jwksUrl: algorithm === 'HS256' ? undefined : optional('AUTH_JWKS_URL'),
    audience: optional('AUTH_AUDIENCE'),
    issuer: optional('AUTH_ISSUER'),
    logLevel: logLevel(env),
  };
  if (
    config.jwksUrl !== undefined &&
    !/^https?:$/.test(URL.canParse(config.jwksUrl) ? new URL(config.jwksUrl).protocol : '')
  ) {
    throw new ConfigError(`AUTH_JWKS_URL must be an https URL; got "${config.jwksUrl}"`);
  }
  if (config.secret === undefined && config.jwksUrl === undefined && config.keyParameter === undefined) {
    throw new ConfigError(
      'the authorizer has no key: set AUTH_KEY_PARAMETER to the SSM parameter holding the secret (serverless.yml does), AUTH_JWKS_URL for RS256/ES256, or AUTH_SECRET locally',
    );
  }
  return config;
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function url(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(`${name} must be an http(s) URL such as http://127.0.0.1:8000; got "${value}"`);
  }
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be "true" or "false"; got "${env[name]}"`);
}

function integer(env: Env, name: string, fallback: number, min: number): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    throw new ConfigError(`${name} must be a whole number of at least ${min}; got "${value}"`);
  }
  return parsed;
}

function logLevel(env: Env): LogLevel {
  const value = text(env, 'LOG_LEVEL', DEFAULT_LOG_LEVEL).toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${env.LOG_LEVEL}"`);
}

/** The IoT topic rule's filter when IOT_TOPIC_FILTER is unset: gateways publish under `sensors/<thing name>/…`. */
export const DEFAULT_IOT_TOPIC_FILTER = 'sensors/#';

/** What the IoT bridge reads besides CloudConfig (serverless.yml sets both from its iot* parameters). */
export interface IotBridgeConfig {
  /** Maps the MQTT topic of each rule event to the bridge topic, as the agent's MQTT input does. */
  mapping: TopicMapping;
}

/**
 * Reads IOT_TOPIC_FILTER (the rule's filter) and IOT_TOPIC_TEMPLATE (the bridge topic template; unset or
 * empty keeps MQTT topics unchanged). A bad value throws a ConfigError naming the variable and the problem.
 */
export function loadIotBridgeConfig(env: Env = process.env): IotBridgeConfig {
  const filter = env.IOT_TOPIC_FILTER?.trim() || DEFAULT_IOT_TOPIC_FILTER;
  const template = env.IOT_TOPIC_TEMPLATE?.trim() || undefined;
  const compiled = compileTopicMapping(filter, template);
  if (!compiled.ok) {
    const name = template === undefined ? 'IOT_TOPIC_FILTER' : 'IOT_TOPIC_FILTER / IOT_TOPIC_TEMPLATE';
    throw new ConfigError(`${name}: ${compiled.error.reason}`);
  }
  return { mapping: compiled.value };
}

// ---- Splitting a publish past one invocation (the fan-out worker; docs/ARCHITECTURE.md) ----

/**
 * Subscribers one `$default` invocation posts to itself; the rest go to the fan-out worker. On the HTTP/1.1
 * post path (about 0.1 ms of CPU per post on a full vCPU; the SDK's took 0.7) 1,000 posts take about 0.1 s of
 * CPU, and they fit in the account's burst (5,000), so the ack comes well within a second (bench/fan-out-split.ts:
 * 0.35-0.9 s on 2 shared cores at 100,000 subscribers), far inside API Gateway's 29 s.
 */
export const DEFAULT_INVOCATION_SHARE = 1_000;

/**
 * The longest `$default` holds its first hand-off back while its own share is being posted: its share (1,000)
 * fits in the account's burst (5,000), so posted first it goes out at once, and its ack does not wait behind
 * up to 99 workers' posts for the account's rate. Bounded, so that a slow share (timeouts, retries) delays the
 * workers by at most this much. (A share larger than the burst still waits for the rate: bench/fan-out-split.ts
 * at a throttle of 200/s, burst 100, acked after 15 s.)
 */
export const HANDOFF_HEAD_START_MS = 1_000;

/** Most connections in one page handed to the worker (fewer for large frames: an async event holds 256 KB). */
export const DEFAULT_WORKER_PAGE_SIZE = 1_000;

/** Posts between two progress records of a worker page: a page retried after a crash repeats at most these. */
export const DEFAULT_WORKER_CHECKPOINT_POSTS = 250;

/**
 * How long a page's progress record is kept: Lambda retries an asynchronous event for at most 6 hours (its
 * maximum event age), so a record older than that can no longer be needed.
 */
export const PAGE_PROGRESS_TTL_SECONDS = 7 * 60 * 60;

/** How publishes are split (FAN_OUT_WORKER_FUNCTION unset: no splitting, `$default` posts to everyone). */
export interface SplitConfig {
  /** The worker's function name (serverless.yml sets it for `$default`); undefined disables splitting. */
  workerFunction: string | undefined;
  /** Lambda endpoint override (serverless-offline's Lambda port); undefined means the region's. */
  lambdaEndpoint: string | undefined;
  invocationShare: number;
  pageSize: number;
  checkpointPosts: number;
}

/** Reads FAN_OUT_WORKER_FUNCTION, LAMBDA_ENDPOINT, FAN_OUT_INVOCATION_SHARE, FAN_OUT_WORKER_PAGE_SIZE, FAN_OUT_CHECKPOINT_POSTS. */
export function loadSplitConfig(env: Env = process.env): SplitConfig {
  return {
    workerFunction: env.FAN_OUT_WORKER_FUNCTION?.trim() || undefined,
    lambdaEndpoint: url(env, 'LAMBDA_ENDPOINT'),
    invocationShare: integer(env, 'FAN_OUT_INVOCATION_SHARE', DEFAULT_INVOCATION_SHARE, 0),
    pageSize: integer(env, 'FAN_OUT_WORKER_PAGE_SIZE', DEFAULT_WORKER_PAGE_SIZE, 1),
    checkpointPosts: integer(env, 'FAN_OUT_CHECKPOINT_POSTS', DEFAULT_WORKER_CHECKPOINT_POSTS, 1),
  };
}

// ---- Topic history (docs/PROTOCOL.md, "history"; docs/DATA-MODEL.md, "The history table") ----

/** History table used when HISTORY_TABLE_NAME is unset (serverless.yml's `historyTableName` parameter). */
export const DEFAULT_HISTORY_TABLE_NAME = 'TopicBridgeHistory';

/**
 * Frames kept per topic when HISTORY_MAX_FRAMES is unset: enough for a chart of the last readings, like
 * Centrifugo's history size; each publish past it deletes its topic's oldest frame (trim on write).
 */
export const DEFAULT_HISTORY_MAX_FRAMES = 100;

/**
 * The most frames per topic accepted in HISTORY_MAX_FRAMES. A `since` id is found by reading the topic's
 * first level newest first, so every frame kept is a frame such a read may have to pay for.
 */
export const MAX_HISTORY_MAX_FRAMES = 10_000;

/**
 * Most pages (of at most 1 MB each) one `history` request with a `since` id reads while it looks for the id,
 * newest first: at most 1,024 read units (strongly consistent) per request, whatever a busy first level
 * holds. Past it the id counts as not found (`sinceFound: false`) and the answer starts at the oldest frame read.
 */
export const HISTORY_SINCE_ID_PAGE_BUDGET = 4;

/** How long a frame stays in the history when HISTORY_MAX_AGE_SECONDS is unset: a day (the rows' TTL). */
export const DEFAULT_HISTORY_MAX_AGE_SECONDS = 86_400;

/** The longest HISTORY_MAX_AGE_SECONDS accepted: 30 days. */
export const MAX_HISTORY_MAX_AGE_SECONDS = 30 * 86_400;

/** Separator of the filters in HISTORY_TOPICS (and of serverless.yml's `historyTopics`). */
export const HISTORY_TOPICS_SEPARATOR = ',';

/** Which topics keep a history: publishes to a topic some filter matches are appended to it. */
export interface HistoryConfig {
  tableName: string;
  /** Valid topic filters; empty means history is off (nothing stored, every `history` request refused). */
  filters: string[];
  /** Frames kept per topic (count bound). */
  maxFrames: number;
  /** Seconds a frame is kept (age bound; the rows' TTL). */
  maxAgeSeconds: number;
}

/**
 * Reads HISTORY_TOPICS (comma-separated filters; unset or empty: off), HISTORY_MAX_FRAMES,
 * HISTORY_MAX_AGE_SECONDS and HISTORY_TABLE_NAME. A filter that does not parse, or a number out of range,
 * throws a ConfigError naming the setting, the serverless.yml parameter, and what to write instead.
 */
export function loadHistoryConfig(env: Env = process.env): HistoryConfig {
  const filters: string[] = [];
  for (const raw of (env.HISTORY_TOPICS ?? '').split(HISTORY_TOPICS_SEPARATOR)) {
    const filter = raw.trim();
    if (filter === '') continue;
    const valid = validateTopicFilter(filter);
    if (!valid.ok) {
      throw new ConfigError(
        `HISTORY_TOPICS (the historyTopics parameter): "${filter}" is not a valid topic filter (${valid.error.reason}); write comma-separated filters such as "sensors/#,demo/#", or leave it empty to turn history off`,
      );
    }
    if (!filters.includes(filter)) filters.push(filter);
  }
  return {
    tableName: text(env, 'HISTORY_TABLE_NAME', DEFAULT_HISTORY_TABLE_NAME),
    filters,
    maxFrames: bounded(env, 'HISTORY_MAX_FRAMES', 'historyMaxFrames', DEFAULT_HISTORY_MAX_FRAMES, [
      1,
      MAX_HISTORY_MAX_FRAMES,
    ]),
    maxAgeSeconds: bounded(
      env,
      'HISTORY_MAX_AGE_SECONDS',
      'historyMaxAgeSeconds',
      DEFAULT_HISTORY_MAX_AGE_SECONDS,
      [1, MAX_HISTORY_MAX_AGE_SECONDS],
    ),
  };
}

function bounded(
  env: Env,
  name: string,
  param: string,
  fallback: number,
  [min, max]: [number, number],
): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(
      `${name} (the ${param} parameter) must be a whole number from ${min} to ${max}; got "${value}" (the default is ${fallback})`,
    );
  }
  return parsed;
}
