import type { ErrorCode } from '@topic-bridge/shared-types';

/**
 * Turns what mqtt.js and Node's TLS report into sentences a person can act on, and PUBACK reason codes into
 * the protocol's error codes, so the dispatcher treats a refused publish as it treats a refused frame.
 */

interface ErrorShape {
  code?: string | number;
  message?: string;
}

/** Where the link was connecting, for the sentence. */
export interface ConnectTarget {
  host: string;
  port: number;
  clientId: string;
}

// The broker refused our certificate: TLS alerts it sends back during or right after the handshake.
const CLIENT_CERT_REFUSED =
  /alert (unknown ca|bad certificate|certificate unknown|certificate required|certificate revoked|certificate expired|decrypt error|access denied)|ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_\w+)/i;
// We refused the broker's certificate.
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
// CONNACK reason codes (MQTT 3.1.1 and 5) that mean "this identity may not connect".
const CONNECT_NOT_AUTHORIZED = new Set([4, 5, 0x86, 0x87, 0x8a]);

/** One sentence on why a connection attempt failed or a connection dropped, and what to check. */
export function explainConnectFailure(error: unknown, target: ConnectTarget): string {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ErrorShape;
  const code = shape.code;
  const message = shape.message ?? String(error);
  const where = `${target.host}:${target.port}`;
  const refused =
    CLIENT_CERT_REFUSED.exec(message) ?? (typeof code === 'string' ? CLIENT_CERT_REFUSED.exec(code) : null);
  if (refused) {
    const alert = (refused[1] ?? refused[2] ?? refused[0]).toLowerCase().replaceAll('_', ' ');
    return (
      `the broker at ${where} rejected the client certificate (TLS alert: ${alert}): use the certFile and keyFile ` +
      'that `device-agent provision` wrote, and check that the certificate is ACTIVE and signed by a CA the broker trusts'
    );
  }
  if (typeof code === 'string' && SERVER_CERT_CODES.has(code)) {
    return (
      `the certificate of ${where} is not trusted (${code}): check caFile (AmazonRootCA1.pem for AWS IoT Core) ` +
      "and that endpoint is the account's iot:Data-ATS endpoint"
    );
  }
  if (typeof code === 'number' && CONNECT_NOT_AUTHORIZED.has(code)) {
    return (
      `the broker at ${where} did not authorize client id "${target.clientId}" (${message}): the gateway policy ` +
      'lets a certificate connect only as the thing it is attached to, so clientId must be the thing name'
    );
  }
  if (code === 'ECONNREFUSED')
    return `nothing accepts connections at ${where} (ECONNREFUSED): check endpoint and port`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `the host ${target.host} does not resolve (${code}): check endpoint (provision writes it) and DNS`;
  }
  return `the connection to ${where} failed: ${message}`;
}

/** A publish the broker refused (PUBACK reason code 0x80 or more), as a protocol error code and reason. */
export function classifyPubackFailure(
  reasonCode: number,
  mqttTopic: string,
): { code: ErrorCode; reason: string } {
  switch (reasonCode) {
    case 0x87:
      return {
        code: 'invalid_topic',
        reason: `not authorized to publish to "${mqttTopic}": the gateway policy allows only the thing's own topic prefix`,
      };
    case 0x90:
      return { code: 'invalid_topic', reason: `the broker refused the topic name "${mqttTopic}"` };
    case 0x95:
      return { code: 'message_too_large', reason: 'the broker refused the message as too large' };
    case 0x97:
    case 0x96:
      return {
        code: 'store_unavailable',
        reason: `the broker is throttling publishes (reason code ${reasonCode})`,
      };
    default:
      return { code: 'internal', reason: `the broker refused the publish with reason code ${reasonCode}` };
  }
}
