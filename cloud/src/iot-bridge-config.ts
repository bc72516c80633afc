import { compileTopicMapping, type TopicMapping } from '@topic-bridge/shared-types';
import { ConfigError } from './errors.js';

/**
 * The IoT bridge's own settings, read once per cold start next to `config.ts` (which every handler shares).
 * serverless.yml sets both variables from the `iotTopicFilter` and `iotTopicTemplate` parameters.
 */

/** The topic rule's filter when IOT_TOPIC_FILTER is unset: gateways publish under `sensors/<thing name>/…`. */
export const DEFAULT_IOT_TOPIC_FILTER = 'sensors/#';

/** What the IoT bridge reads from its environment. */
export interface IotBridgeConfig {
  /** Maps the MQTT topic of each rule event to the bridge topic, as the agent's MQTT input does. */
  mapping: TopicMapping;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads IOT_TOPIC_FILTER (the rule's filter) and IOT_TOPIC_TEMPLATE (the bridge topic template; unset keeps
 * MQTT topics unchanged). A bad value throws a ConfigError naming the variable and what is wrong.
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
