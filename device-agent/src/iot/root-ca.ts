import { X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';

// `node:tls` is required when asked for, not imported: the single-file bundle hoists every static import of a
// built-in module to its top, and loading TLS costs ~1.5 MB of RSS that `run` with ws:// and mqtt:// never needs.
const requireBuiltin = createRequire(import.meta.url);

/** Where Amazon publishes the root CA that signs AWS IoT Core's ATS endpoints. */
export const AMAZON_ROOT_CA_URL = 'https://www.amazontrust.com/repository/AmazonRootCA1.pem';

const AMAZON_ROOT_CA_SUBJECT = 'CN=Amazon Root CA 1';

/**
 * Amazon Root CA 1 in PEM, taken from the CA store built into Node.js, so provisioning needs no download.
 * Undefined only if a Node.js build ships without it (then download it from AMAZON_ROOT_CA_URL).
 */
export function amazonRootCa1Pem(): string | undefined {
  const { rootCertificates } = requireBuiltin('node:tls') as typeof import('node:tls');
  return rootCertificates.find((pem) =>
    new X509Certificate(pem).subject.split('\n').includes(AMAZON_ROOT_CA_SUBJECT),
  );
}
