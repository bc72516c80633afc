import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

/** Where Amazon publishes the root CA that signs AWS IoT Core's ATS endpoints. */
export const AMAZON_ROOT_CA_URL = 'https://www.amazontrust.com/repository/AmazonRootCA1.pem';

const AMAZON_ROOT_CA_SUBJECT = 'CN=Amazon Root CA 1';

/**
 * Amazon Root CA 1 in PEM, taken from the CA store built into Node.js, so provisioning needs no download.
 * Undefined only if a Node.js build ships without it (then download it from AMAZON_ROOT_CA_URL).
 */
export function amazonRootCa1Pem(): string | undefined {
  return rootCertificates.find((pem) =>
    new X509Certificate(pem).subject.split('\n').includes(AMAZON_ROOT_CA_SUBJECT),
  );
}
