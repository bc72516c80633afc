/**
 * Every default of the inputs' configuration, in one place. `docs/INPUTS.md` lists the same values next to
 * the keys they fill in; a key absent from the config file takes the value here.
 */

/** Seconds between two reads of a `file` input (a thermal zone changes slowly). */
export const DEFAULT_FILE_INTERVAL_SECONDS = 10;

/** How a `file` input parses what it reads: sysfs sensors hold one number. */
export const DEFAULT_FILE_PARSE = 'number';

/** How `command` and `stdin` inputs parse text: a number, else JSON, else text. */
export const DEFAULT_TEXT_PARSE = 'auto';

/** Multiplier applied to numbers read (none by default). */
export const DEFAULT_SCALE = 1;

/** Added to numbers read after scaling (none by default). */
export const DEFAULT_OFFSET = 0;

/** A `command` input runs its command every interval unless `mode: stream` keeps it running. */
export const DEFAULT_COMMAND_MODE = 'poll';

/** Bytes of a failed command's stderr quoted in the log line. */
export const COMMAND_STDERR_TAIL_BYTES = 500;

/** Seconds between two runs of a `command` input in `poll` mode. */
export const DEFAULT_COMMAND_INTERVAL_SECONDS = 10;

/** Seconds a polled command may run before it is killed and the run counted as failed. */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 10;

/** Milliseconds between SIGTERM and SIGKILL when a command is stopped. */
export const COMMAND_KILL_GRACE_MS = 2_000;

/** A `stream` command that exits is restarted after a random delay below this, doubling per restart… */
export const DEFAULT_RESTART_MIN_SECONDS = 1;

/** …up to this (full jitter: many gateways do not restart in step). */
export const DEFAULT_RESTART_MAX_SECONDS = 60;

/**
 * Shortest reconnect or restart delay of an input, whatever the jitter draws: mqtt.js takes a reconnect period
 * of 0 as "do not reconnect", and a command that exits at once is restarted at most 10 times a second.
 */
export const BACKOFF_FLOOR_MS = 100;

/** A process or connection that stayed up this long resets its backoff to the minimum. */
export const BACKOFF_RESET_AFTER_MS = 60_000;

/** Largest file content, command output or input line read, in bytes; larger ones are refused and logged. */
export const MAX_READ_BYTES = 128 * 1024;

/** Seconds between two values of a `simulated` input. */
export const DEFAULT_SIMULATED_INTERVAL_SECONDS = 1;

/** Seconds for one full sine cycle of a `simulated` input. */
export const DEFAULT_SIMULATED_PERIOD_SECONDS = 60;

/** The value around which a `simulated` input swings (a room temperature). */
export const DEFAULT_SIMULATED_CENTER = 21;

/** How far a `simulated` input swings above and below its center. */
export const DEFAULT_SIMULATED_AMPLITUDE = 3;

/** Largest random noise added to a `simulated` value (uniform in ±noise). */
export const DEFAULT_SIMULATED_NOISE = 0.2;

/** The unit of a `simulated` input's values. */
export const DEFAULT_SIMULATED_UNIT = '°C';

/** Decimal places a `simulated` value is rounded to. */
export const DEFAULT_SIMULATED_DECIMALS = 2;

/** Significant digits a scaled value is rounded to, so that 45123 × 0.001 reads 45.123, not 45.123000000000005. */
export const SCALED_VALUE_PRECISION = 12;

/** MQTT: try MQTT 5 and fall back to 3.1.1 when the broker refuses it (`5` or `4` forces one). */
export const DEFAULT_MQTT_PROTOCOL_VERSION = 'auto';

/** MQTT QoS of a subscription: 1, so that the broker keeps messages until the agent has queued them. */
export const DEFAULT_MQTT_QOS = 1;

/** MQTT keepalive in seconds: the broker and the client notice a dead connection within 1.5 × this. */
export const DEFAULT_MQTT_KEEPALIVE_SECONDS = 30;

/** Seconds to wait for the broker's CONNACK before the attempt counts as failed. */
export const DEFAULT_MQTT_CONNECT_TIMEOUT_SECONDS = 10;

/**
 * MQTT 5 session expiry in seconds: how long the broker keeps the session (subscriptions and queued QoS 1
 * messages) while the agent is away. One week covers a long outage or a gateway left switched off.
 */
export const DEFAULT_MQTT_SESSION_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * Messages the agent holds before acknowledging (MQTT 5 Receive Maximum; with 3.1.1 the agent stops
 * reading from the socket at this count). Since a QoS 1 PUBACK waits for the queue's batched fsync, QoS 1
 * throughput is at most this many per fsync interval (500 per 200 ms: 2,500/s); memory held is at most this
 * many payloads. The broker may cap it lower (mosquitto's `max_inflight_messages` defaults to 20).
 */
export const DEFAULT_MQTT_MAX_IN_FLIGHT = 500;

/** The first reconnect to the broker waits a random time below this, each later one up to twice as long… */
export const DEFAULT_MQTT_RECONNECT_MIN_SECONDS = 1;

/** …up to this, with full jitter. */
export const DEFAULT_MQTT_RECONNECT_MAX_SECONDS = 30;

/** Milliseconds `stop()` waits for readings already handed to the agent, so their acks reach the broker. */
export const STOP_GRACE_MS = 5_000;

/** Readings handed to the agent and not yet answered, per non-MQTT input, before reading pauses. */
export const MAX_PENDING_EMITS = 100;
