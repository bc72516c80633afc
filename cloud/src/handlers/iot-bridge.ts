import type { LookupStrategy } from '../aws/find-subscribers.js';
import { loadIotBridgeConfig } from '../config.js';
import { bridgeIotMessage, IotMessageRejectedError } from '../core/iot-bridge.js';
import type { DeliveryReport } from '../core/publish.js';
import { ConfigError, StoreUnavailableError } from '../errors.js';
import { getHandoff } from './handoff.js';
import { getRuntime } from './runtime.js';
import { withRuntime } from './with-runtime.js';

function buildIotRuntime() {
  const runtime = getRuntime();
  const bridgeConfig = loadIotBridgeConfig();
  const endpoint = runtime.config.connectionsEndpoint;
  if (endpoint === undefined) {
    throw new ConfigError(
      "CONNECTIONS_ENDPOINT must be set for the IoT bridge (serverless.yml sets it to this stage's @connections URL)",
    );
  }
  // Past FAN_OUT_INVOCATION_SHARE subscribers, pages go to the fan-out worker, as from $default.
  const handoff = getHandoff(endpoint);
  return { ...runtime, logger: runtime.logger, bridgeConfig, endpoint, handoff };
}

/**
 * Builds the IoT topic rule's Lambda for one subscriber lookup (as onMessage, chosen by the `onMessage`
 * parameter). Invoked asynchronously by the rule with the rule SQL's output; a throw makes Lambda retry and
 * then send the event to the failure queue (serverless.yml), so no message is dropped silently. Its
 * messages come from devices that AWS IoT authenticated (their certificate policy), not from tokens.
 */
export function createIotBridgeHandler(lookup: LookupStrategy) {
  return withRuntime({
    name: 'iotBridge',
    build: buildIotRuntime,
    handle: (event: unknown, runtime): Promise<DeliveryReport> =>
      bridgeIotMessage(event, {
        mapping: runtime.bridgeConfig.mapping,
        store: runtime.store(lookup),
        gateway: runtime.gateway(runtime.endpoint),
        settings: runtime.config.fanOut,
        logger: runtime.logger,
        retryQuota: runtime.retryQuota,
        ...(runtime.handoff === undefined ? {} : { handoff: runtime.handoff }),
        ...(runtime.history === undefined
          ? {}
          : { history: { store: runtime.history, config: runtime.config.history } }),
      }),
    fail: (error) => {
      throw error;
    },
    // bridgeIotMessage logs both, with the MQTT topic and client they concern.
    alreadyLogged: (error) =>
      error instanceof IotMessageRejectedError || error instanceof StoreUnavailableError,
  });
}

/** The IoT bridge with the Query lookup (the default). */
export const handler = createIotBridgeHandler('query');

/** The IoT bridge with the Scan lookup (`--param="onMessage=scan"`). */
export const scanHandler = createIotBridgeHandler('scan');
