import { KeyUnavailableError } from '../errors.js';
import { createRetrier, type RetryTiming } from './aws-retry.js';
import { environmentCredentials } from './credentials.js';
import { awsEndpoint, createSignedRequester, type SignedRequester } from './signed-request.js';

/** SSM's JSON 1.1 protocol: the operation goes in X-Amz-Target. */
const SSM_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** The requester for SSM in the Lambda's region, with the environment's credentials (credentials.ts). */
export function ssmRequester(env = process.env): SignedRequester {
  const region = env.AWS_REGION ?? '';
  if (region === '') {
    throw new KeyUnavailableError(
      'AWS_REGION is not set: cannot tell which SSM endpoint holds the token key',
    );
  }
  return createSignedRequester({
    endpoint: awsEndpoint('ssm', region),
    region,
    service: 'ssm',
    credentials: environmentCredentials(env),
  });
}

/**
 * Reads one SecureString parameter, decrypted (`GetParameter` with `WithDecryption`), with one signed POST
 * instead of the SDK's SSM client, retried as that client did (aws-retry.ts, 3 attempts). Called once per cold
 * start by the authorizer; failures are translated here, and neither the value nor AWS's message (which can
 * echo the request) is logged.
 */
export async function readSecureParameter(
  name: string,
  requester: () => SignedRequester = ssmRequester,
  timing: RetryTiming = {},
): Promise<string> {
  let value: unknown;
  let ssm: SignedRequester | undefined;
  try {
    ssm = requester();
    const client = ssm;
    const response = await createRetrier(timing).run(() =>
      client.send({
        path: '/',
        body: JSON.stringify({ Name: name, WithDecryption: true }),
        signing: { contentType: SSM_CONTENT_TYPE, headers: { 'x-amz-target': 'AmazonSSM.GetParameter' } },
        what: 'SSM GetParameter',
      }),
    );
    value = (JSON.parse(response.body) as { Parameter?: { Value?: unknown } }).Parameter?.Value;
  } catch (error) {
    if (error instanceof KeyUnavailableError) throw error;
    const kind = errorKind(error);
    throw new KeyUnavailableError(
      `could not read the token key from SSM parameter "${name}" (${kind}); create it as a SecureString (SECURITY.md) and check the authorizer's role`,
      { cause: error },
    );
  } finally {
    ssm?.close();
  }
  if (typeof value !== 'string' || value === '') {
    throw new KeyUnavailableError(
      `SSM parameter "${name}" is empty; store the token secret or PEM public key in it`,
    );
  }
  return value;
}

/** `ParameterNotFound`, `AccessDeniedException`, `HTTP 500`, `no response`: never AWS's message. */
function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  const { errorType, status } = error as { errorType?: string; status?: number };
  if (errorType) return errorType;
  if (status !== undefined) return `HTTP ${status}`;
  return error.name === 'AwsRequestError' ? 'no response' : error.name;
}
