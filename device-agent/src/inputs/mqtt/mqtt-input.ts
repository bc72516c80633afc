import {
  buildMqttEnvelope,
  compileTopicMapping,
  mapTopicFirstMatch,
  type TopicMapping,
} from '@topic-bridge/shared-types';
import type { IClientOptions, IPublishPacket, MqttClient, default as mqtt } from 'mqtt';
import { corkUntilNextTick } from '../../cork.js';
import type { MqttInputConfig } from '../config-types.js';
import type { Input, InputContext, Reading } from '../input.js';
import { Backoff } from '../shared/backoff.js';
import type { ResolvedDeps } from '../shared/deps.js';
import { EmitWindow } from '../shared/emit-window.js';
import { ProblemLog } from '../shared/problem-log.js';
import { clientOptions, defaultClientId, type MqttVersion, readTlsFiles } from './client-options.js';
import { OrderedAcks } from './ordered-acks.js';

// CONNACK codes for "this protocol version is not supported": 3.1.1's return code 1 and MQTT 5's 0x84.
const UNSUPPORTED_PROTOCOL_CODES = [1, 132];

/**
 * MQTT topics mapped lately, with their bridge topics: sensors publish to a fixed set of topics, so the mapping
 * (filter match and template) runs once per topic, not per message. Cleared at this size: memory stays bounded.
 */
export const MQTT_TOPIC_CACHE_SIZE = 1024;

// mqtt.js sends a QoS 1 PUBACK when `handleMessage` calls back without an error; calling back with this
// marker moves on to the next packet without one, so that OrderedAcks sends it once the agent has queued.
const ACK_LATER = new Error('PUBACK deferred until the reading is queued');

/**
 * Subscribes to an MQTT broker and turns each message into a reading: the bridge topic from the topic
 * template, the message an MqttEnvelope. QoS 1 messages are acknowledged only once the agent has queued them.
 */
export class MqttInput implements Input {
  readonly name: string;
  readonly clientId: string;
  private readonly mappings: TopicMapping[];
  private readonly mapped = new Map<string, string>();
  private mqttConnect: typeof mqtt.connect | undefined;
  private client: MqttClient | undefined;
  private version: MqttVersion;
  private connection = 0;
  private stopping = false;
  private window: EmitWindow | undefined;
  private acks: OrderedAcks | undefined;
  private subscribedOnce: Promise<void> | undefined;
  private markSubscribed: () => void = () => {};

  constructor(
    private readonly config: MqttInputConfig,
    private readonly deps: ResolvedDeps,
  ) {
    this.name = config.name;
    this.clientId = config.clientId ?? defaultClientId(deps.hostname(), config.name);
    this.version = config.protocolVersion === 4 ? 4 : 5;
    this.mappings = config.subscriptions.map((subscription) => {
      const compiled = compileTopicMapping(subscription.filter, subscription.topic);
      if (!compiled.ok) throw new Error(`invalid MQTT subscription: ${compiled.error.reason}`);
      return compiled.value;
    });
  }

  /** Connects in the background (start never waits for the broker); `subscribed()` tells when it is up. */
  async start(context: InputContext): Promise<void> {
    this.stopping = false;
    const tls = await readTlsFiles(this.config);
    this.mqttConnect ??= this.deps.mqttConnect ?? (await import('mqtt')).default.connect;
    this.window = new EmitWindow(context, this.config.maxInFlight);
    this.acks = new OrderedAcks((messageId, connection) => this.sendPuback(messageId, connection));
    this.subscribedOnce = new Promise<void>((resolve) => {
      this.markSubscribed = resolve;
    });
    this.connect(context, tls);
  }

  /** Resolves once the broker has granted the subscriptions (after a fallback to 3.1.1, on the new client). */
  async subscribed(): Promise<void> {
    await this.subscribedOnce;
  }

  /** The protocol version in use (5, or 4 after falling back to 3.1.1). */
  get protocolVersion(): MqttVersion {
    return this.version;
  }

  /** Waits for readings already handed to the agent (so their PUBACKs go out), then disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.window?.drain(this.deps.timers, this.deps.stopGraceMs);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // A clean DISCONNECT keeps the session; a connection that cannot even say goodbye is dropped.
    const ended = new Promise<boolean>((resolve) => client.end(false, {}, () => resolve(true)));
    let timer: unknown;
    const late = new Promise<boolean>((resolve) => {
      timer = this.deps.timers.setTimeout(() => resolve(false), this.deps.stopGraceMs);
    });
    if (!(await Promise.race([ended, late]))) client.end(true);
    this.deps.timers.clearTimeout(timer);
  }

  private connect(context: InputContext, tls: Pick<IClientOptions, 'ca' | 'cert' | 'key'>): void {
    const { logger } = context;
    const problems = new ProblemLog(logger);
    const backoff = new Backoff(
      this.config.reconnectMinSeconds * 1000,
      this.config.reconnectMaxSeconds * 1000,
      this.deps.random,
      this.deps.clock,
    );
    const client = (this.mqttConnect as typeof mqtt.connect)(
      this.config.url,
      clientOptions(this.config, this.version, this.clientId, tls),
    );
    this.client = client;
    let everConnected = false;
    // Runs before mqtt.js schedules the next attempt, so that each attempt waits a new jittered delay.
    client.prependListener('close', () => {
      this.connection += 1;
      client.options.reconnectPeriod = backoff.next();
    });
    client.on('connect', (connack) => {
      if (client !== this.client) return;
      everConnected = true;
      backoff.succeeded();
      problems.clear({}, 'connected to the MQTT broker again');
      logger.info(
        {
          url: this.config.url,
          clientId: this.clientId,
          mqtt: this.version,
          sessionPresent: connack.sessionPresent,
        },
        'connected to the MQTT broker',
      );
    });
    client.on('error', (error: Error & { code?: unknown }) => {
      if (client !== this.client) return;
      const unsupported = UNSUPPORTED_PROTOCOL_CODES.includes(Number(error.code));
      if (unsupported && this.version === 5 && this.config.protocolVersion === 'auto' && !everConnected) {
        logger.info({ url: this.config.url }, 'the broker does not speak MQTT 5; using MQTT 3.1.1');
        this.version = 4;
        this.client = undefined; // the handlers below ignore a replaced client
        client.end(true);
        this.connect(context, tls);
        return;
      }
      problems.report(
        error.message,
        { url: this.config.url },
        'MQTT connection problem; reconnecting with backoff',
      );
    });
    client.handleMessage = (packet, callback) => this.onMessage(packet, callback, context);
    const filters = Object.fromEntries(this.config.subscriptions.map((s) => [s.filter, { qos: s.qos }]));
    client.subscribe(filters, (error, granted) => {
      if (client !== this.client) return; // replaced by a 3.1.1 client, or stopped
      const refused = (granted ?? []).filter((grant) => grant.qos === 128 || grant.qos > 2);
      if (error || refused.length > 0) {
        const reason = error?.message ?? `refused: ${refused.map((grant) => grant.topic).join(', ')}`;
        logger.error({ reason }, 'the MQTT broker refused the subscriptions');
        return;
      }
      logger.info({ filters: Object.keys(filters) }, 'subscribed to MQTT topics');
      this.markSubscribed();
    });
  }

  private onMessage(packet: IPublishPacket, callback: (error?: Error) => void, context: InputContext): void {
    const window = this.window as EmitWindow;
    if (this.stopping) {
      callback(ACK_LATER); // not queued, not acknowledged: the broker delivers it again next session
      return;
    }
    const reading = this.toReading(packet, context);
    const outcome = reading === undefined ? Promise.resolve('refused' as const) : window.submit(reading);
    if (packet.qos === 1 && packet.messageId !== undefined) {
      const settle = (this.acks as OrderedAcks).add(packet.messageId, this.connection);
      void outcome.then((result) => settle(result !== 'failed'));
    }
    const next = () => callback(packet.qos === 1 ? ACK_LATER : undefined);
    if (window.full) void window.whenRoom().then(next);
    else next();
  }

  private toReading(packet: IPublishPacket, context: InputContext): Reading | undefined {
    const topic = this.mapTopic(packet.topic, context);
    if (topic === undefined) return undefined;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    return {
      topic,
      message: buildMqttEnvelope(packet.topic, payload, packet.retain),
      readAt: this.deps.clock(),
    };
  }

  private mapTopic(mqttTopic: string, context: InputContext): string | undefined {
    const known = this.mapped.get(mqttTopic);
    if (known !== undefined) return known;
    const mapped = mapTopicFirstMatch(this.mappings, mqttTopic);
    if (!mapped.ok) {
      context.logger.warn({ mqttTopic, reason: mapped.error.reason }, 'MQTT message skipped');
      return undefined;
    }
    if (this.mapped.size >= MQTT_TOPIC_CACHE_SIZE) this.mapped.clear();
    this.mapped.set(mqttTopic, mapped.value);
    return mapped.value;
  }

  private sendPuback(messageId: number, connection: number): void {
    const client = this.client;
    // After a reconnect the broker delivers unacknowledged messages again; an old ack must not reach it.
    if (!client?.connected || connection !== this.connection) return;
    // One fsync makes a whole batch of readings durable at once: their PUBACKs leave in one write, not one each.
    corkUntilNextTick(client.stream);
    // mqtt.js has no public call to send a PUBACK; its own handlers use this method the same way.
    // biome-ignore lint/complexity/useLiteralKeys: the bracket reaches a private method on purpose.
    client['_sendPacket']({ cmd: 'puback', messageId, ...(this.version === 5 && { reasonCode: 0 }) });
  }
}
