import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { ConnectionKeeper, type DialReports, type KeptLink } from '@topic-bridge/client';
import { MAX_FRAME_BYTES, utf8Bytes } from '@topic-bridge/shared-types';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { InputLogger } from '../inputs/input.js';
import { MQTT_WRITE_CACHE } from '../inputs/mqtt/client-options.js';
import type { BackoffPolicy } from '../link/backoff.js';
import type { Link, LinkEvents, LinkState } from '../link/link.js';
import { systemTimers } from '../timers.js';
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

const STOP_GRACE_MS = 2000;

/**
 * One MQTT connection and the ids published on it without a PUBACK yet. It reports its CONNACK as `open` and
 * its first close as `closed`, explained for people (a TLS alert, a refused certificate, a lost link).
 */
class MqttConnection implements KeptLink {
  readonly pending = new Set<string>();
  private opened = false;
  private closed = false;
  private lastError?: unknown;

  constructor(
    readonly client: MqttClient,
    reports: DialReports,
    explain: (lastError: unknown, opened: boolean) => string,
  ) {
    client.on('connect', () => {
      this.opened = true;
      reports.open();
    });
    client.on('error', (error) => {
      this.lastError = error;
    });
    client.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      client.end(true);
      reports.closed({ reason: explain(this.lastError, this.opened) });
    });
  }

  /** True between the CONNACK and the close. */
  get usable(): boolean {
    return this.opened && !this.closed;
  }

  /** Disconnects, briefly waiting for a clean DISCONNECT. */
  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      const force = setTimeout(() => this.client.end(true, () => resolve()), STOP_GRACE_MS);
      this.client.end(false, () => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

/**
 * The AWS IoT Core output: the same Link as the WebSocket one, over MQTT with mutual TLS. A frame goes to
 * `<topicPrefix>/<frame topic>` at QoS 1, its text as the payload; the PUBACK is its ack. Each connection is a
 * fresh mqtt.js client with mqtt.js's own reconnect turned off, so that frames are resent by the dispatcher
 * only, never also replayed by mqtt.js; reconnects are the client library's connection keeper (the same
 * full-jitter backoff, stability reset and connect timeout as the WebSocket link). MQTT's own keepalive
 * replaces the keeper's pings, and IoT Core has no connection age limit, so there is no renewal.
 */
export class IotCoreLink extends EventEmitter<LinkEvents> implements Link {
  private keeper?: ConnectionKeeper<MqttConnection>;
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
    if (this.keeper !== undefined) return;
    const { backoff, connectTimeoutMs } = this.options;
    let dialed = false;
    this.keeper = new ConnectionKeeper<MqttConnection>(
      {
        dial: (_token, reports) => new MqttConnection(this.connect(), reports, (e, o) => this.explain(e, o)),
        timers: systemTimers,
        now: Date.now,
        random: this.options.random ?? Math.random,
        minReconnectDelayMs: backoff.initialMs,
        maxReconnectDelayMs: backoff.maxMs,
        stableAfterMs: backoff.stableAfterMs,
        // mqtt.js gives up at connectTimeout itself; the keeper's own timeout is the backstop.
        connectTimeoutMs: connectTimeoutMs + STOP_GRACE_MS,
      },
      {
        dialing: () => {
          const { host, port } = this.target;
          this.setState('connecting', dialed ? `reconnecting to ${host}` : `connecting to ${host}:${port}`);
          dialed = true;
        },
        opened: () => {
          const { host, port, clientId } = this.target;
          this.setState('connected', `connected to ${host}:${port} as ${clientId}`);
        },
        ended: (connection) => {
          if (connection.pending.size > 0) this.emit('unacked', [...connection.pending]);
          connection.pending.clear();
        },
        reconnecting: (reason, _attempt, delayMs) => {
          this.options.logger.warn({ retryInMs: delayMs }, `IoT Core output: ${reason}`);
          this.setState('disconnected', reason);
        },
        // Mutual TLS has no token to refuse: a refused certificate is a close like any other.
        unauthorized: () => {},
        report: (cause) =>
          this.options.logger.warn({ err: String(cause) }, 'unexpected IoT Core link failure'),
      },
    );
    this.keeper.start();
  }

  /** Publishes one frame at QoS 1; false when not connected (nothing was sent). */
  send(id: string, text: string): boolean {
    const connection = this.keeper?.active;
    if (!connection?.usable) return false;
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
        this.emit('ack', id, 0, 0);
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
    if (this.keeper === undefined || this.linkState === 'stopped') return;
    await this.keeper.stop();
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

  private connect(): MqttClient {
    const { settings, tls, protocolVersion, keepaliveSeconds, connectTimeoutMs } = this.options;
    return this.options.connect({
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
      // See MQTT_WRITE_CACHE in inputs/mqtt/client-options.ts: without it, 6 MB of heap for 2-byte buffers.
      writeCache: MQTT_WRITE_CACHE,
    });
  }

  private explain(lastError: unknown, opened: boolean): string {
    const { host, port } = this.target;
    if (lastError) return explainConnectFailure(lastError, this.target);
    return opened ? `the connection to ${host}:${port} was lost` : `could not connect to ${host}:${port}`;
  }

  private setState(state: LinkState, detail: string): void {
    if (state === this.linkState && state !== 'connected' && state !== 'disconnected') return;
    this.linkState = state;
    this.emit('state', state, detail);
  }
}
