import { hostname } from 'node:os';
import { API_GATEWAY_IDLE_TIMEOUT_MS, API_GATEWAY_MAX_CONNECTION_MS } from '@topic-bridge/shared-types';
import { LOG_LEVELS } from './log.js';

/**
 * Every setting of `device-agent run`, with its default, limits, environment variable and flag: one table
 * from which the loader, `--help` and docs/AGENT.md are made. Environment variables are `DEVICE_AGENT_` and
 * the key path in upper snake case; flags are the key path in kebab case (`bridge.pingIntervalMs` →
 * `DEVICE_AGENT_BRIDGE_PING_INTERVAL_MS`, `--bridge-ping-interval-ms`).
 */

/** Default queue cap: 64 MiB, about 400,000 small readings; a Pi's SD card has room and it bounds the replay. */
export const DEFAULT_QUEUE_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Group commit: a batch of appends is written and fsynced as soon as the previous fsync finished, but batches
 * start at most this often: at most 50 fsyncs a second whatever the input rate (fewer when readings are rarer:
 * one per reading), and a reading waits at most this long plus one fsync before it is durable (its MQTT QoS 1
 * PUBACK waits for that). With the MQTT input's default window of 500 that allows 500 / 20 ms = 25,000
 * readings/s. On an SD card that must last, 100-200 trades latency for fewer writes.
 */
export const DEFAULT_FSYNC_INTERVAL_MS = 20;
/** Largest segment file; smaller when the cap is small, so that dropping one segment drops at most 1/8 of the cap. */
export const MAX_SEGMENT_BYTES = 4 * 1024 * 1024;
/** Where the queue, the sequence file and the dead-letter file live (systemd's StateDirectory). */
export const DEFAULT_STATE_DIR = '/var/lib/device-agent';
/** Ping every minute: far inside API Gateway's 10-minute idle timeout, and a dead link is found within ~70 s. */
export const DEFAULT_PING_INTERVAL_MS = 60_000;
/** Renew connections after 110 minutes, 10 minutes before API Gateway's 2-hour cap. */
export const DEFAULT_RENEW_AFTER_MS = 110 * 60_000;
/** Frames in flight (sent, not acknowledged). */
export const DEFAULT_WINDOW = 32;
/** Backlog drain pace, frames per second (0 = unlimited). */
export const DEFAULT_PACE_FRAMES_PER_SECOND = 100;
/**
 * Times a frame is sent again because its ack said some posts `failed` (past the bridge's own retries),
 * before the agent keeps it as delivered and logs a warning: one subscriber that never accepts must not hold
 * the queue. Each resend waits the retry backoff.
 */
export const ACK_FAILED_RESENDS = 5;
/** The health endpoint's port when enabled (it listens on 127.0.0.1 only). */
export const DEFAULT_HEALTH_PORT = 9464;
/** /healthz fails when frames are queued and nothing was acknowledged for this long. */
export const DEFAULT_STALL_AFTER_MS = 5 * 60_000;

export type SettingKind =
  | { type: 'string'; pattern?: RegExp; patternHelp?: string }
  | { type: 'url'; protocols: string[] }
  | { type: 'integer'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] };

export interface Setting {
  /** The key path in the config file, e.g. `bridge.url`. */
  path: string;
  kind: SettingKind;
  /** The default; undefined means the setting is required, unless `optional`. */
  default: string | number | boolean | undefined;
  /** No default, and none needed (an absent token means: connect without one). */
  optional?: true;
  /** Never shown: `--help`, logs and problem messages name the setting, not its value. */
  secret?: true;
  /** A shorter flag for `device-agent run`, the same as the other commands use (`--token`). */
  alias?: string;
  describe: string;
}

const ms = (min: number, max: number): SettingKind => ({ type: 'integer', min, max });

/** The device id used when none is configured: the host name, cut to the allowed characters and length. */
export function defaultDeviceId(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9._:-]/g, '-')
      .slice(0, 40) || 'device'
  ).replace(/^-+/, 'd');
}

/** Every setting, in the order `--help` lists them. */
export const SETTINGS: readonly Setting[] = [
  {
    path: 'bridge.url',
    kind: { type: 'url', protocols: ['ws:', 'wss:'] },
    default: undefined,
    describe: 'The bridge WebSocket URL (wss://ID.execute-api.REGION.amazonaws.com/bridge)',
  },
  {
    path: 'bridge.token',
    kind: { type: 'string', pattern: /^\S+$/, patternHelp: 'a token without spaces (a JWT)' },
    default: undefined,
    optional: true,
    secret: true,
    alias: 'token',
    describe:
      'Bearer token (a JWT) for the bridge; prefer bridge.tokenFile, since flags and variables can be seen by other users',
  },
  {
    path: 'bridge.tokenFile',
    kind: { type: 'string' },
    default: undefined,
    optional: true,
    alias: 'token-file',
    describe:
      'File holding the token, read again before every connect and renewal (a new token is picked up without a restart)',
  },
  {
    path: 'bridge.tokenTransport',
    kind: { type: 'enum', values: ['protocol', 'query'] },
    default: 'protocol',
    describe:
      'protocol: Sec-WebSocket-Protocol header (not in access logs); query: ?token= in the URL (access logs record it)',
  },
  {
    path: 'device.id',
    kind: {
      type: 'string',
      pattern: /^[A-Za-z0-9._:-]{1,40}$/,
      patternHelp: '1 to 40 of A-Z a-z 0-9 . _ : -',
    },
    default: defaultDeviceId(),
    describe: "This device's id, in every frame and in frame ids (default: the host name)",
  },
  {
    path: 'state.dir',
    kind: { type: 'string' },
    default: DEFAULT_STATE_DIR,
    describe: 'Directory for the queue, the sequence number and dead letters',
  },
  {
    path: 'queue.kind',
    kind: { type: 'enum', values: ['disk', 'memory'] },
    default: 'disk',
    describe: 'disk (survives restarts) or memory (readings in RAM only)',
  },
  {
    path: 'queue.maxBytes',
    kind: { type: 'integer', min: 64 * 1024, max: 2 ** 40 },
    default: DEFAULT_QUEUE_MAX_BYTES,
    describe: 'Queue cap in bytes; when full, the oldest readings are dropped (counted and logged)',
  },
  {
    path: 'queue.fsyncIntervalMs',
    kind: ms(1, 10_000),
    default: DEFAULT_FSYNC_INTERVAL_MS,
    describe:
      'Group commit: readings are fsynced as soon as the previous fsync finished, but batches start at most this often',
  },
  {
    path: 'delivery.window',
    kind: { type: 'integer', min: 1, max: 1000 },
    default: DEFAULT_WINDOW,
    describe: 'Most frames sent and not yet acknowledged',
  },
  {
    path: 'delivery.paceFramesPerSecond',
    kind: { type: 'integer', min: 0, max: 100_000 },
    default: DEFAULT_PACE_FRAMES_PER_SECOND,
    describe: 'Most frames sent per second (0 = unlimited): the pace a backlog drains at',
  },
  {
    path: 'delivery.ackTimeoutMs',
    kind: ms(1000, 600_000),
    default: 30_000,
    describe: 'A frame not acknowledged after this long is sent again',
  },
  {
    path: 'bridge.connectTimeoutMs',
    kind: ms(100, 120_000),
    default: 10_000,
    describe: 'A connection attempt that has not opened after this long is abandoned',
  },
  {
    path: 'bridge.pingIntervalMs',
    kind: ms(1000, API_GATEWAY_IDLE_TIMEOUT_MS - 60_000),
    default: DEFAULT_PING_INTERVAL_MS,
    describe: 'Application ping interval (below the 10-minute idle timeout)',
  },
  {
    path: 'bridge.pongTimeoutMs',
    kind: ms(100, 120_000),
    default: 10_000,
    describe: 'No pong within this time: reconnect',
  },
  {
    path: 'bridge.renewAfterMs',
    kind: ms(10_000, API_GATEWAY_MAX_CONNECTION_MS - 60_000),
    default: DEFAULT_RENEW_AFTER_MS,
    describe: 'Replace a connection this old (before the 2-hour limit)',
  },
  {
    path: 'bridge.renewDrainMs',
    kind: ms(0, 120_000),
    default: 10_000,
    describe: 'After a renewal, how long the old connection may wait for its acks',
  },
  {
    path: 'bridge.backoffInitialMs',
    kind: ms(1, 60_000),
    default: 500,
    describe: 'First reconnect delay ceiling (full jitter, doubling)',
  },
  {
    path: 'bridge.backoffMaxMs',
    kind: ms(1, 600_000),
    default: 30_000,
    describe: 'Largest reconnect delay ceiling',
  },
  {
    path: 'bridge.stableAfterMs',
    kind: ms(0, 3_600_000),
    default: 30_000,
    describe: 'A connection up this long resets the backoff',
  },
  {
    path: 'health.enabled',
    kind: { type: 'boolean' },
    default: false,
    describe: 'Serve /healthz and /metrics on 127.0.0.1',
  },
  {
    path: 'health.port',
    kind: { type: 'integer', min: 0, max: 65_535 },
    default: DEFAULT_HEALTH_PORT,
    describe: 'Port of the health endpoint (0 = any free port)',
  },
  {
    path: 'health.stallAfterMs',
    kind: ms(1000, 86_400_000),
    default: DEFAULT_STALL_AFTER_MS,
    describe: '/healthz fails when readings are queued and none was acknowledged for this long',
  },
  { path: 'log.level', kind: { type: 'enum', values: LOG_LEVELS }, default: 'info', describe: 'Log level' },
  {
    path: 'log.pretty',
    kind: { type: 'boolean' },
    default: Boolean(process.stdout.isTTY),
    describe: 'Human-readable logs instead of JSON (default: when stdout is a terminal)',
  },
];

/** `bridge.pingIntervalMs` → `DEVICE_AGENT_BRIDGE_PING_INTERVAL_MS`. */
export function envName(path: string): string {
  return `DEVICE_AGENT_${path
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/\./g, '_')
    .toUpperCase()}`;
}

/** `bridge.pingIntervalMs` → `bridge-ping-interval-ms`. */
export function flagName(path: string): string {
  return path
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/\./g, '-')
    .toLowerCase();
}
