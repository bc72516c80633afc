import type { LookupStrategy } from '../aws/find-subscribers.js';
import { type IotBridgeConfig, loadIotBridgeConfig } from '../config.js';
import { bridgeIotMessage } from '../core/iot-bridge.js';
import type { DeliveryReport } from '../core/publish.js';
import { ConfigError } from '../errors.js';
import { getHandoff } from './handoff.js';
import { getRuntime, logStartupFailure } from './runtime.js';

let bridgeConfig: IotBridgeConfig | undefined;

/**
 * Builds the IoT topic rule's Lambda for one subscriber lookup (as onMessage, chosen by the `onMessage`
 * parameter). Invoked asynchronously by the rule with the rule SQL's output; a throw makes Lambda retry and
 * then send the event to the failure queue (serverless.yml), so no message is dropped silently.
 */
export function createIotBridgeHandler(lookup: LookupStrategy) {
  return async (event: unknown): Promise<DeliveryReport> => {
    let runtime: ReturnType<typeof getRuntime>;
    let handoff: ReturnType<typeof getHandoff>;
    try {
      runtime = getRuntime();
      bridgeConfig ??= loadIotBridgeConfig();
      if (runtime.config.connectionsEndpoint === undefined) {
        throw new ConfigError(
          "CONNECTIONS_ENDPOINT must be set for the IoT bridge (serverless.yml sets it to this stage's @connections URL)",
        );
      }
      // Past FAN_OUT_INVOCATION_SHARE subscribers, pages go to the fan-out worker, as from $default.
      handoff = getHandoff(runtime.config.connectionsEndpoint);
    } catch (error) {
      logStartupFailure(error);
      throw error;
    }
    return bridgeIotMessage(event, {
      mapping: bridgeConfig.mapping,
      store: runtime.store(lookup),
      gateway: runtime.gateway(runtime.config.connectionsEndpoint),
      ...(handoff === undefined ? {} : { handoff }),
      settings: runtime.config.fanOut,
      logger: runtime.logger,
    });
  };
}

/** The IoT bridge with the Query lookup (the default). */
export const handler = createIotBridgeHandler('query');

/** The IoT bridge with the Scan lookup (`--param="onMessage=scan"`). */
export const scanHandler = createIotBridgeHandler('scan');
