import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { MAX_FRAME_BYTES, utf8Bytes } from '@topic-bridge/shared-types';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { InputLogger } from '../inputs/input.js';
import { type BackoffPolicy, backoffDelay } from '../link/backoff.js';
import type { Link, LinkEvents, LinkState } from '../link/link.js';
import type { IotCoreTls } from './iot-core-tls.js';
import { checkIotCoreTopic } from './iot-core-topic.js';
import type { IotCoreOutputSettings } from './iot-output-config.js';
import { classifyPubackFailure, explainConnectFailure } from './mqtt-failures.js';

/** mqtt.js's `connect`, injected so tests can wrap it. */
export type MqttConnect = (options: IClientOptions) => MqttClient;

export interface IotCoreLinkOptions {
  settings: IotCoreOutputSettings;
  tls: IotCoreTls;
  connect: MqttConnect;
  logger: InputLogger;
  /** MQTT 5 (default) reports refused publishes in the PUBACK; AWS IoT Core speaks both 5 and 3.1.1. */
  protocolVersion: 4 | 5;
  /** MQTT keepalive; AWS IoT Core accepts 30 to 1200 seconds. */
  keepaliveSeconds: number;
  /** A connection attempt without CONNACK after this long is abandoned (then backoff). */
  connectTimeoutMs: number;
  backoff: BackoffPolicy & { stableAfterMs: number };
  random?: () => number;
}

/** One MQTT connection and the ids published on it without a PUBACK yet. */
interface Connection {
  client: MqttClient;
  pending: Set<string>;
  opened: boolean;
  closed: boolean;
  lastError?: unknown;
  stableTimer?: NodeJS.Timeout;
}

const STOP_GRACE_MS = 2000;

/**
 * The AWS IoT Core output: the same Link as the WebSocket one, over MQTT with mutual TLS. A frame goes to
 * `<topicPrefix>/<frame topic>` at QoS 1, its text as the payload; the PUBACK is its ack. Each connection is a
 * fresh mqtt.js client with its own reconnect turned off, so that frames are resent by the dispatcher only,
 * never also replayed by mqtt.js, and reconnects follow the same full-jitter backoff as the WebSocket link.
 */
export class IotCoreLink extends EventEmitter<LinkEvents> implements Link {
  private current?: Connection;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = true;
  private linkState: LinkState = 'disconnected';

  constructor(private readonly options: IotCoreLinkOptions) {
    super();
  }

  get state(): LinkState {
    return this.linkState;
  }

  private get target() {
    const { endpoint, port, clientId } = this.options.settings;
    return { host: endpoint, port, clientId };
  }

  /** Starts connecting in the background. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open('connecting');
  }

  /** Publishes one frame at QoS 1; false when not connected (nothing was sent). */
  send(id: string, text: string): boolean {
    const connection = this.current;
    if (!connection?.opened || connection.closed) return false;
    const topic = this.mqttTopicOf(text);
    if (!topic.ok) {
      queueMicrotask(() => this.emit('reject', id, topic.code, topic.reason));
      return true;
    }
    connection.pending.add(id);
    connection.client.publish(topic.value, text, { qos: 1 }, (error) => {
      if (!connection.pending.has(id)) return;
      const reasonCode = (error as { code?: unknown } | undefined)?.code;
      if (!error) {
        connection.pending.delete(id);
        this.emit('ack', id, 0);
      } else if (typeof reasonCode === 'number' && reasonCode >= 0x80) {
        connection.pending.delete(id);
        const refused = classifyPubackFailure(reasonCode, topic.value);
        this.emit('reject', id, refused.code, refused.reason);
      }
      // Any other error means the connection is going down: its close reports the id as unacked.
    });
    return true;
  }

  /** Disconnects (briefly waiting for a clean DISCONNECT) and stops reconnecting. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const connection = this.current;
    this.current = undefined;
    if (connection) await this.close(connection);
    this.setState('stopped', 'stopped');
  }

  private mqttTopicOf(text: string) {
    if (utf8Bytes(text) > MAX_FRAME_BYTES) {
      return {
        ok: false as const,
        code: 'message_too_large' as const,
        reason: `the frame is over ${MAX_FRAME_BYTES} bytes`,
      };
    }
    let topic: unknown;
    try {
      topic = (JSON.parse(text) as { topic?: unknown }).topic;
    } catch {
      return { ok: false as const, code: 'malformed_json' as const, reason: 'the frame is not valid JSON' };
    }
    return checkIotCoreTopic(this.options.settings.topicPrefix, topic);
  }

  private open(state: 'connecting', detail = `connecting to ${this.target.host}:${this.target.port}`): void {
    this.setState(state, detail);
    const { settings, tls, protocolVersion, keepaliveSeconds, connectTimeoutMs } = this.options;
    const client = this.options.connect({
      protocol: 'mqtts',
      host: settings.endpoint,
      port: settings.port,
      // SNI selects AWS IoT Core's ATS certificate; an IP address is not a valid server name (RFC 6066).
      ...(isIP(settings.endpoint) ? {} : { servername: settings.endpoint }),
      clientId: settings.clientId,
      key: tls.key,
      cert: tls.cert,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      rejectUnauthorized: true,
      protocolVersion,
      keepalive: keepaliveSeconds,
      connectTimeout: connectTimeoutMs,
      reconnectPeriod: 0,
      clean: true,
    });
    const connection: Connection = { client, pending: new Set(), opened: false, closed: false };
    this.current = connection;
    client.on('connect', () => this.onConnect(connection));
    client.on('error', (error) => {
      connection.lastError = error;
    });
    client.on('close', () => this.onClose(connection));
  }

  private onConnect(connection: Connection): void {
    connection.opened = true;
    connection.stableTimer = setTimeout(() => {
      this.attempt = 0;
    }, this.options.backoff.stableAfterMs);
    this.setState(
      'connected',
      `connected to ${this.target.host}:${this.target.port} as ${this.target.clientId}`,
    );
  }

  private onClose(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    clearTimeout(connection.stableTimer);
    connection.client.end(true);
    if (connection.pending.size > 0) this.emit('unacked', [...connection.pending]);
    connection.pending.clear();
    if (this.stopped || connection !== this.current) return;
    this.current = undefined;
    const why = connection.lastError
      ? explainConnectFailure(connection.lastError, this.target)
      : connection.opened
        ? `the connection to ${this.target.host}:${this.target.port} was lost`
        : `could not connect to ${this.target.host}:${this.target.port}`;
    const delay = backoffDelay(this.attempt++, this.options.backoff, this.options.random);
    this.options.logger.warn({ retryInMs: delay }, `IoT Core output: ${why}`);
    this.setState('disconnected', why);
    this.reconnectTimer = setTimeout(
      () => this.open('connecting', `reconnecting to ${this.target.host}`),
      delay,
    );
  }

  private close(connection: Connection): Promise<void> {
    connection.closed = true;
    clearTimeout(connection.stableTimer);
    return new Promise((resolve) => {
      const force = setTimeout(() => connection.client.end(true, () => resolve()), STOP_GRACE_MS);
      connection.client.end(false, () => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private setState(state: LinkState, detail: string): void {
    if (state === this.linkState && state !== 'connected' && state !== 'disconnected') return;
    this.linkState = state;
    this.emit('state', state, detail);
  }
}
