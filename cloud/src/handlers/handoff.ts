import { createLambdaRequester } from '../aws/clients.js';
import { createLambdaDispatcher } from '../aws/lambda-dispatcher.js';
import { loadSplitConfig, type SplitConfig } from '../config.js';
import type { Handoff } from '../core/publish.js';

let split: SplitConfig | undefined;
let handoff: Handoff | undefined;

/**
 * How `$default` splits large publishes, built once per cold start: signed Lambda Invoke calls to the fan-out
 * worker. Undefined when FAN_OUT_WORKER_FUNCTION is unset (every post is then made by `$default`). Kept out of
 * runtime.ts so that only the handlers that hand pages off bundle it.
 */
export function getHandoff(endpoint: string): Handoff | undefined {
  split ??= loadSplitConfig();
  if (split.workerFunction === undefined) return undefined;
  handoff ??= {
    dispatcher: createLambdaDispatcher(createLambdaRequester(split.lambdaEndpoint), split.workerFunction),
    endpoint,
    invocationShare: split.invocationShare,
    pageSize: split.pageSize,
  };
  return handoff.endpoint === endpoint ? handoff : { ...handoff, endpoint };
}
