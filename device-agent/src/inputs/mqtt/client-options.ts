import { readFile } from 'node:fs/promises';
import type { IClientOptions } from 'mqtt';
import type { MqttInputConfig } from '../config-types.js';

/**
 * mqtt.js's `writeCache`: when on (its default), the first packet it writes fills a table of 65,536 two-byte
 * Buffers (every message id and length, prebuilt): 6 MB of heap, measured as the largest item of an idle agent's
 * heap. Off, it builds the two bytes when it writes them, which costs nothing one can measure at 20,000 packets/s.
 */
export const MQTT_WRITE_CACHE = false;

/** The MQTT protocol versions the input speaks: 5, or 3.1.1 (which MQTT calls 4). */
export type MqttVersion = 4 | 5;

/** The default client id: stable across restarts (the broker keeps the session under it), unique per gateway. */
export function defaultClientId(hostname: string, inputName: string): string {
  return `topic-bridge-${hostname}-${inputName}`.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 64);
}

async function readPem(
  config: MqttInputConfig,
  key: 'caFile' | 'certFile' | 'keyFile',
): Promise<Buffer | undefined> {
  const file = config[key];
  if (file === undefined) return undefined;
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot read ${key} ${file}: ${code}; check the path and its permissions`, {
      cause: error,
    });
  }
}

/** Reads the TLS files named in the config (once, at start); a missing file fails the start with its name. */
export async function readTlsFiles(
  config: MqttInputConfig,
): Promise<Pick<IClientOptions, 'ca' | 'cert' | 'key'>> {
  const [ca, cert, key] = await Promise.all([
    readPem(config, 'caFile'),
    readPem(config, 'certFile'),
    readPem(config, 'keyFile'),
  ]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

/**
 * The mqtt.js options: a persistent session under a stable client id (`clean: false`, and an MQTT 5 session
 * expiry) so that QoS 1 messages wait at the broker while the agent is away; our own Receive Maximum; and
 * reconnects that continue after a refused CONNACK (a broker's auth backend may come back).
 */
export function clientOptions(
  config: MqttInputConfig,
  version: MqttVersion,
  clientId: string,
  tls: Pick<IClientOptions, 'ca' | 'cert' | 'key'>,
): IClientOptions {
  const options: IClientOptions = {
    clientId,
    clean: false,
    protocolVersion: version,
    keepalive: config.keepaliveSeconds,
    connectTimeout: config.connectTimeoutSeconds * 1000,
    reconnectPeriod: config.reconnectMinSeconds * 1000,
    reconnectOnConnackError: true,
    resubscribe: true,
    queueQoSZero: false,
    writeCache: MQTT_WRITE_CACHE,
    ...tls,
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  if (version === 5) {
    // No topicAliasMaximum: with aliases the broker may send an empty topic, and mqtt.js resolves it only
    // for its 'message' event, not in the packet that `handleMessage` (our ack path) receives.
    options.properties = {
      sessionExpiryInterval: config.sessionExpirySeconds,
      receiveMaximum: config.maxInFlight,
    };
  }
  return options;
}
