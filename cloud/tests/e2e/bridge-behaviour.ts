import { describe } from 'vitest';
import { connectionCases } from './connection-cases.js';
import { deliveryCases } from './delivery-cases.js';
import { errorCases } from './error-cases.js';
import { type BridgeContext, type SuiteAuth, useBridge } from './support/bridge-context.js';

/**
 * The one behaviour suite of the bridge, run against each onMessage variant through the real local stack
 * (serverless-offline running our serverless.yml, dynalite, real WebSocket clients): both variants must
 * behave identically, frame for frame. With `auth`, every client connects with a full-access token, so the
 * same frames must flow with authorization on; `moreCases` run on the same stack.
 */
export function describeBridgeBehaviour(
  variant: 'scan' | 'query',
  auth?: SuiteAuth,
  moreCases?: (bridge: BridgeContext) => void,
): void {
  describe(`the bridge, end to end (onMessage=${variant}, auth ${auth ? 'on' : 'off'})`, () => {
    const bridge = useBridge(variant, auth);
    deliveryCases(bridge);
    connectionCases(bridge);
    errorCases(bridge);
    moreCases?.(bridge);
  });
}
