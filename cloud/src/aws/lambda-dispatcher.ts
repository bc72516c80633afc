import { type FanOutDispatcher, toFanOutEvent } from '../core/fan-out-job.js';
import { HandoffError } from '../errors.js';
import { createRetrier, type RetryTiming } from './aws-retry.js';
import type { SignedRequester } from './signed-request.js';

/** Lambda's Invoke API path (REST, version 2015-03-31) for a function name or ARN. */
export function invokePath(functionName: string): string {
  return `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
}

/**
 * Hands pages to the fan-out worker with an asynchronous invocation (`X-Amz-Invocation-Type: Event`): Lambda
 * queues the event and answers 202 at once, retries a failed run twice, then sends the event to the worker's
 * failure destination (serverless.yml). Chosen over SQS: one call per page and no queue to poll on the happy
 * path, retries and a failure destination built in, and serverless-offline runs it locally through its
 * Lambda port. The call is one signed POST (signed-request.ts; `requester` is made for the `lambda` service),
 * not the SDK's Lambda client (69 KB of every bundle that hands pages off). Throttling and transient
 * failures are retried as the SDK's Lambda client did (aws-retry.ts, 3 attempts; a page queued twice is
 * harmless: its progress record makes the second run resume after the first); what still fails is reported by
 * the publish (HandoffError).
 */
export function createLambdaDispatcher(
  requester: SignedRequester,
  functionName: string,
  timing: RetryTiming = {},
): FanOutDispatcher {
  const retrier = createRetrier(timing);
  return {
    async dispatch(job) {
      let status: number;
      try {
        const body = JSON.stringify(toFanOutEvent(job));
        const response = await retrier.run(() =>
          requester.send({
            path: invokePath(functionName),
            body,
            signing: { headers: { 'x-amz-invocation-type': 'Event' } },
            what: `Lambda Invoke of ${functionName}`,
          }),
        );
        status = response.status;
      } catch (error) {
        throw new HandoffError(`could not invoke ${functionName} for page ${job.page}`, { cause: error });
      }
      if (status !== 202) {
        throw new HandoffError(`${functionName} answered ${status} to page ${job.page}, not 202 (queued)`);
      }
    },
  };
}
