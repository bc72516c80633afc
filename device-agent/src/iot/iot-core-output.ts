import { IOT_CORE_MQTT_PORT, type IotCoreOutputSettings } from './iot-output-config.js';
import { validateThingName } from './thing-name.js';

/** MQTT keepalive of the IoT Core output: inside AWS IoT Core's 30 to 1200 s, short enough to notice a dead link. */
export const IOT_CORE_KEEPALIVE_SECONDS = 60;

/** One problem in the `output:` section, with its key path (as the agent's config errors name keys). */
export interface OutputProblem {
  keyPath: string;
  problem: string;
}

/**
 * Validates the `output:` section that `device-agent provision` writes (iot-output.yaml). Never throws;
 * a problem names its key, e.g. `output.certFile`.
 */
export function validateIotCoreOutput(
  raw: unknown,
): { ok: true; value: IotCoreOutputSettings } | { ok: false; error: OutputProblem } {
  const fail = (key: string, problem: string) => ({
    ok: false as const,
    error: { keyPath: `output.${key}`, problem },
  });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      error: { keyPath: 'output', problem: 'must be a mapping such as the iot-output.yaml provision writes' },
    };
  }
  const section = raw as Record<string, unknown>;
  if (section.type !== 'iot-core') return fail('type', 'must be "iot-core"');
  const text = (key: string) =>
    typeof section[key] === 'string' && section[key] !== '' ? (section[key] as string) : undefined;
  for (const key of ['endpoint', 'topicPrefix', 'certFile', 'keyFile'] as const) {
    if (text(key) === undefined)
      return fail(key, 'is required: a non-empty string (device-agent provision writes it)');
  }
  const port = section.port ?? IOT_CORE_MQTT_PORT;
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65_535)
    return fail('port', 'must be a port number');
  const clientId = validateThingName(section.clientId);
  if (!clientId.ok) return fail('clientId', clientId.error);
  if (section.caFile !== undefined && text('caFile') === undefined)
    return fail('caFile', 'must be a file path when given');
  const topicPrefix = text('topicPrefix') as string;
  if (/[+#]/.test(topicPrefix) || topicPrefix.endsWith('/')) {
    return fail(
      'topicPrefix',
      'must be a topic without wildcards or a trailing "/", e.g. sensors/gateway-01',
    );
  }
  const caFile = text('caFile');
  return {
    ok: true,
    value: {
      endpoint: text('endpoint') as string,
      port: port as number,
      clientId: clientId.value,
      topicPrefix,
      certFile: text('certFile') as string,
      keyFile: text('keyFile') as string,
      ...(caFile === undefined ? {} : { caFile }),
    },
  };
}
