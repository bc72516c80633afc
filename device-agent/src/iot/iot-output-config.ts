import { stringify } from 'yaml';

/** AWS IoT Core's MQTT port for mutual TLS. */
export const IOT_CORE_MQTT_PORT = 8883;

/** The topic root gateways publish under (`sensors/<thing name>/…`); the IoT rule and policy use the same. */
export const DEFAULT_GATEWAY_TOPIC_ROOT = 'sensors';

/** Where the IoT Core output connects and with which files: what `provision` writes for the agent. */
export interface IotCoreOutputSettings {
  /** The account's data endpoint (`xxxx-ats.iot.REGION.amazonaws.com`). */
  endpoint: string;
  port: number;
  /** The MQTT client id: the thing name, which the gateway policy requires. */
  clientId: string;
  /** Bridge topic `t` is published to MQTT topic `<topicPrefix>/t`. */
  topicPrefix: string;
  certFile: string;
  keyFile: string;
  /** The CA that signs the endpoint's certificate; Node's built-in CAs are used when absent. */
  caFile?: string;
}

/** The topic prefix a thing may publish under, as the gateway policy allows: `<root>/<thing name>`. */
export function gatewayTopicPrefix(topicRoot: string, thingName: string): string {
  return `${topicRoot}/${thingName}`;
}

/** Renders the config snippet for the IoT Core output, to merge into the agent's config file. */
export function renderOutputConfig(settings: IotCoreOutputSettings, header: string): string {
  const comment = header
    .split('\n')
    .map((line) => `# ${line}`)
    .join('\n');
  return `${comment}\n${stringify({ output: { type: 'iot-core', ...settings } })}`;
}
