import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type FanOutDispatcher, toFanOutEvent } from '../core/fan-out-job.js';
import { HandoffError } from '../errors.js';

/**
 * Hands pages to the fan-out worker with an asynchronous invocation (`InvocationType: Event`): Lambda queues
 * the event and answers 202 at once, retries a failed run twice, then sends the event to the worker's failure
 * destination (serverless.yml). Chosen over SQS: one call per page and no queue to poll on the happy path,
 * retries and a failure destination built in, and serverless-offline runs it locally through its Lambda port.
 */
export function createLambdaDispatcher(client: LambdaClient, functionName: string): FanOutDispatcher {
  return {
    async dispatch(job) {
      let status: number | undefined;
      try {
        const output = await client.send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify(toFanOutEvent(job)), 'utf8'),
          }),
        );
        status = output.StatusCode;
      } catch (error) {
        throw new HandoffError(`could not invoke ${functionName} for page ${job.page}`, { cause: error });
      }
      if (status !== 202) {
        throw new HandoffError(`${functionName} answered ${status} to page ${job.page}, not 202 (queued)`);
      }
    },
  };
}
