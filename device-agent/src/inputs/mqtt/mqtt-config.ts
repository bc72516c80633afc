import { compileTopicMapping } from '@topic-bridge/shared-types';
import { COMMON_KEYS, readName } from '../config-fields.js';
import { ConfigIssue, MappingReader } from '../config-reader.js';
import type { MqttInputConfig, MqttSubscriptionConfig } from '../config-types.js';
import {
  DEFAULT_MQTT_CONNECT_TIMEOUT_SECONDS,
  DEFAULT_MQTT_KEEPALIVE_SECONDS,
  DEFAULT_MQTT_MAX_IN_FLIGHT,
  DEFAULT_MQTT_PROTOCOL_VERSION,
  DEFAULT_MQTT_QOS,
  DEFAULT_MQTT_RECONNECT_MAX_SECONDS,
  DEFAULT_MQTT_RECONNECT_MIN_SECONDS,
  DEFAULT_MQTT_SESSION_EXPIRY_SECONDS,
} from '../defaults.js';

const KEYS = [
  ...COMMON_KEYS,
  'url',
  'clientId',
  'username',
  'password',
  'caFile',
  'certFile',
  'keyFile',
  'protocolVersion',
  'subscriptions',
  'keepaliveSeconds',
  'connectTimeoutSeconds',
  'sessionExpirySeconds',
  'maxInFlight',
  'reconnectMinSeconds',
  'reconnectMaxSeconds',
];
const SUBSCRIPTION_KEYS = ['filter', 'topic', 'qos'];
const URL_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'];

/** Validates an `mqtt` input: the broker URL, the subscriptions and their topic templates, session settings. */
export function validateMqttConfig(raw: unknown, path: string): MqttInputConfig {
  const reader = MappingReader.of(raw, path);
  reader.rejectUnknownKeys(KEYS, 'an "mqtt" input');
  const url = reader.string('url');
  let host: string;
  try {
    const parsed = new URL(url);
    if (!URL_SCHEMES.includes(parsed.protocol)) throw new Error(parsed.protocol);
    host = parsed.host;
  } catch {
    throw new ConfigIssue(
      reader.pathOf('url'),
      `must be a broker URL such as mqtt://127.0.0.1:1883, not "${url}"`,
    );
  }
  const config: MqttInputConfig = {
    type: 'mqtt',
    name: readName(reader, `mqtt:${host}`),
    url,
    protocolVersion: reader.oneOf<'auto' | 4 | 5>(
      'protocolVersion',
      ['auto', 5, 4],
      DEFAULT_MQTT_PROTOCOL_VERSION,
    ),
    subscriptions: reader.list('subscriptions').map(({ value, path: at }) => readSubscription(value, at)),
    keepaliveSeconds: reader.number('keepaliveSeconds', {
      default: DEFAULT_MQTT_KEEPALIVE_SECONDS,
      integer: true,
      min: 1,
      max: 65535,
    }),
    connectTimeoutSeconds: reader.number('connectTimeoutSeconds', {
      default: DEFAULT_MQTT_CONNECT_TIMEOUT_SECONDS,
      positive: true,
    }),
    sessionExpirySeconds: reader.number('sessionExpirySeconds', {
      default: DEFAULT_MQTT_SESSION_EXPIRY_SECONDS,
      integer: true,
      min: 0,
      max: 0xffffffff,
    }),
    maxInFlight: reader.number('maxInFlight', {
      default: DEFAULT_MQTT_MAX_IN_FLIGHT,
      integer: true,
      min: 1,
      max: 65535,
    }),
    reconnectMinSeconds: reader.number('reconnectMinSeconds', {
      default: DEFAULT_MQTT_RECONNECT_MIN_SECONDS,
      positive: true,
    }),
    reconnectMaxSeconds: reader.number('reconnectMaxSeconds', {
      default: DEFAULT_MQTT_RECONNECT_MAX_SECONDS,
      positive: true,
    }),
  };
  if (config.reconnectMaxSeconds < config.reconnectMinSeconds) {
    throw new ConfigIssue(reader.pathOf('reconnectMaxSeconds'), 'must not be less than reconnectMinSeconds');
  }
  for (const key of ['clientId', 'username', 'password', 'caFile', 'certFile', 'keyFile'] as const) {
    const value = reader.optionalString(key);
    if (value !== undefined) config[key] = value;
  }
  if ((config.certFile === undefined) !== (config.keyFile === undefined)) {
    throw new ConfigIssue(
      reader.pathOf(config.certFile ? 'keyFile' : 'certFile'),
      'is required with the other',
    );
  }
  return config;
}

function readSubscription(raw: unknown, path: string): MqttSubscriptionConfig {
  const reader = MappingReader.of(raw, path);
  reader.rejectUnknownKeys(SUBSCRIPTION_KEYS, 'a subscription');
  const filter = reader.string('filter');
  const topic = reader.optionalString('topic');
  const compiled = compileTopicMapping(filter, topic);
  if (!compiled.ok) {
    const key = compiled.error.reason.startsWith('topic filter') ? 'filter' : 'topic';
    throw new ConfigIssue(reader.pathOf(key), `is invalid: ${compiled.error.reason}`);
  }
  const subscription: MqttSubscriptionConfig = {
    filter,
    qos: reader.oneOf<0 | 1>('qos', [0, 1], DEFAULT_MQTT_QOS),
  };
  if (topic !== undefined) subscription.topic = topic;
  return subscription;
}
