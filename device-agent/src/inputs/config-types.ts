/**
 * The validated configuration of each input: what `validateInputsConfig` returns, every default filled in.
 * `docs/INPUTS.md` documents each key.
 */

/** The input types, as written in `type:`. */
export const INPUT_TYPES = ['mqtt', 'file', 'command', 'stdin', 'simulated'] as const;
/** One of INPUT_TYPES. */
export type InputType = (typeof INPUT_TYPES)[number];

/** How text read by an input becomes a message: `auto` tries a number, then JSON, then keeps the text. */
export const PARSE_MODES = ['auto', 'number', 'json', 'text'] as const;
/** One of PARSE_MODES. */
export type ParseMode = (typeof PARSE_MODES)[number];

/** The rule that turns text into a message: numbers become `{ value, unit? }` after scaling. */
export interface ValueRule {
  parse: ParseMode;
  /** Multiplies numbers (`0.001` turns millidegrees into degrees). */
  scale: number;
  /** Added after scaling. */
  offset: number;
  /** Decimal places numbers are rounded to; absent: no rounding beyond float noise. */
  decimals?: number;
  /** Added to `{ value }` messages as `unit`. */
  unit?: string;
}

export interface MqttSubscriptionConfig {
  /** MQTT subscription filter, wildcards allowed (`sensors/#`, `devices/+/temp`). */
  filter: string;
  /** Bridge topic template (see shared-types `topic-mapping.ts`); absent: the MQTT topic unchanged. */
  topic?: string;
  qos: 0 | 1;
}

export interface MqttInputConfig {
  type: 'mqtt';
  name: string;
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` broker URL. */
  url: string;
  /** Stable client id (the broker keeps the session under it); absent: `topic-bridge-<hostname>-<name>`. */
  clientId?: string;
  username?: string;
  password?: string;
  /** PEM files for TLS (`mqtts://`): a private CA, and a client certificate and key for mutual TLS. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  protocolVersion: 'auto' | 4 | 5;
  subscriptions: MqttSubscriptionConfig[];
  keepaliveSeconds: number;
  connectTimeoutSeconds: number;
  sessionExpirySeconds: number;
  maxInFlight: number;
  reconnectMinSeconds: number;
  reconnectMaxSeconds: number;
}

export interface FileInputConfig extends ValueRule {
  type: 'file';
  name: string;
  path: string;
  topic: string;
  intervalSeconds: number;
}

export interface CommandInputConfig extends ValueRule {
  type: 'command';
  name: string;
  /** A string runs through `/bin/sh -c`; a list runs the program directly with those arguments. */
  command: string | string[];
  /** `poll`: run every `intervalSeconds` and read all stdout; `stream`: keep it running, one reading per line. */
  mode: 'poll' | 'stream';
  /** Fixed topic; in `stream` mode a line `{"topic":…,"message":…}` names its own. */
  topic?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  restartMinSeconds: number;
  restartMaxSeconds: number;
  cwd?: string;
}

export interface StdinInputConfig extends ValueRule {
  type: 'stdin';
  name: string;
  /** Topic for plain values; lines `{"topic":…,"message":…}` name their own. */
  topic?: string;
}

export interface SimulatedInputConfig {
  type: 'simulated';
  name: string;
  /** One or more topics; each gets its own phase of the same sine. */
  topics: string[];
  intervalSeconds: number;
  periodSeconds: number;
  center: number;
  amplitude: number;
  noise: number;
  unit: string;
  decimals: number;
}

/** The configuration of one input, told apart by `type`. */
export type InputConfig =
  | MqttInputConfig
  | FileInputConfig
  | CommandInputConfig
  | StdinInputConfig
  | SimulatedInputConfig;
