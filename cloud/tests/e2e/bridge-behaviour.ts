import { describe } from 'vitest';
import { connectionCases } from './connection-cases.js';
import { deliveryCases } from './delivery-cases.js';
import { errorCases } from './error-cases.js';
import { useBridge } from './support/bridge-context.js';

/**
 * The one behaviour suite of the bridge, run against each onMessage variant through the real local stack
 * (serverless-offline running our serverless.yml, dynalite, real WebSocket clients): both variants must
 * behave identically, frame for frame.
 */
export function describeBridgeBehaviour(variant: 'scan' | 'query'): void {
  describe(`the bridge, end to end (onMessage=${variant})`, () => {
    const bridge = useBridge(variant);
    deliveryCases(bridge);
    connectionCases(bridge);
    errorCases(bridge);
  });
}
