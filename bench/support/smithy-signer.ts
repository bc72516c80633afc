import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestSigner } from '../../cloud/src/aws/connections-http.js';
import type { SigningCredentials } from '../../cloud/src/aws/credentials.js';
import { NodeSha256 } from '../../cloud/tests/support/node-sha256.js';

/** A RequestSigner over `@smithy/signature-v4`, the SDK's own (signing key cached per day and region). */
export function smithySigner(
  region: string,
  credentials: () => Promise<SigningCredentials>,
  service = 'execute-api',
): RequestSigner {
  // applyChecksum off: the same headers as the lean path's own signer (x-amz-content-sha256 is S3's).
  const signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256, applyChecksum: false });
  return async ({ url, path, headers, body }) => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path,
      query: {},
      headers,
      body,
    });
    return signed.headers;
  };
}
