import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { KeyUnavailableError } from '../errors.js';

/**
 * Reads one SecureString parameter, decrypted. Called once per cold start by the authorizer; SDK errors are
 * translated here, and neither the value nor the SDK's message (which can echo the request) is logged.
 */
export async function readSecureParameter(
  name: string,
  client: SSMClient = new SSMClient({}),
): Promise<string> {
  let value: string | undefined;
  try {
    const output = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    value = output.Parameter?.Value;
  } catch (error) {
    const kind = error instanceof Error ? error.name : 'error';
    throw new KeyUnavailableError(
      `could not read the token key from SSM parameter "${name}" (${kind}); create it as a SecureString (SECURITY.md) and check the authorizer's role`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
  if (value === undefined || value === '') {
    throw new KeyUnavailableError(
      `SSM parameter "${name}" is empty; store the token secret or PEM public key in it`,
    );
  }
  return value;
}
