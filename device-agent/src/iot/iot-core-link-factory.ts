import mqtt from 'mqtt';
import type { AgentConfig } from '../config.js';
import type { InputLogger } from '../inputs/input.js';
import type { Link } from '../link/link.js';
import { IotCoreLink } from './iot-core-link.js';
import { IOT_CORE_KEEPALIVE_SECONDS } from './iot-core-output.js';
import type { IotCoreTls } from './iot-core-tls.js';
import type { IotCoreOutputSettings } from './iot-output-config.js';

// Its own module, apart from the `output:` validation, so that `run` loads it (and mqtt.js) only when the
// IoT Core output is configured.

/**
 * The agent's `createLink` for the IoT Core output: the same queue, dispatcher, acks and metrics as the
 * WebSocket link, with the bridge's connect timeout and backoff settings. Load `tls` first (loadIotCoreTls),
 * so a missing file stops the agent before it starts.
 */
export function iotCoreLinkFactory(settings: IotCoreOutputSettings, tls: IotCoreTls) {
  return (config: AgentConfig, logger: InputLogger): Link =>
    new IotCoreLink({
      settings,
      tls,
      connect: mqtt.connect,
      logger,
      protocolVersion: 5,
      keepaliveSeconds: IOT_CORE_KEEPALIVE_SECONDS,
      connectTimeoutMs: config.bridge.connectTimeoutMs,
      backoff: {
        initialMs: config.bridge.backoffInitialMs,
        maxMs: config.bridge.backoffMaxMs,
        stableAfterMs: config.bridge.stableAfterMs,
      },
    });
}
