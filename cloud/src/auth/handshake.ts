import {
  BEARER_SUBPROTOCOL_PREFIX,
  PROTOCOL_SUBPROTOCOL,
  TOKEN_QUERY_PARAMETER,
} from '@topic-bridge/shared-types';

/** The parts of a `$connect` request (the authorizer's REQUEST event, or the `$connect` event) read here. */
export interface HandshakeRequest {
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
}

/** Where a token came from: logged (never the token itself). */
export type TokenTransport = 'query' | 'subprotocol';

const SUBPROTOCOL_HEADER = 'sec-websocket-protocol';

/** A header's value, whatever its case (API Gateway keeps the client's; HTTP names are case-insensitive). */
export function headerOf(request: HandshakeRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

/** The subprotocols the client offered, in its order (`Sec-WebSocket-Protocol: a, b`). */
export function offeredSubprotocols(request: HandshakeRequest): string[] {
  const header = headerOf(request, SUBPROTOCOL_HEADER);
  if (header === undefined) return [];
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * The token of a connect request: the `token` query parameter (browsers cannot set WebSocket headers), else
 * an offered `bearer.<JWT>` subprotocol. Undefined when there is neither.
 */
export function tokenOf(request: HandshakeRequest): { token: string; via: TokenTransport } | undefined {
  const query = request.queryStringParameters?.[TOKEN_QUERY_PARAMETER];
  if (typeof query === 'string' && query !== '') return { token: query, via: 'query' };
  for (const offered of offeredSubprotocols(request)) {
    if (offered.startsWith(BEARER_SUBPROTOCOL_PREFIX) && offered.length > BEARER_SUBPROTOCOL_PREFIX.length) {
      return { token: offered.slice(BEARER_SUBPROTOCOL_PREFIX.length), via: 'subprotocol' };
    }
  }
  return undefined;
}

/**
 * The headers `$connect` must answer with: `Sec-WebSocket-Protocol: topic-bridge.v1` when the client offered
 * it (API Gateway closes a connection whose offered subprotocols get no answer); none otherwise. The bearer
 * subprotocol is never echoed: it would send the token back.
 */
export function subprotocolAnswer(request: HandshakeRequest): Record<string, string> | undefined {
  return offeredSubprotocols(request).includes(PROTOCOL_SUBPROTOCOL)
    ? { 'Sec-WebSocket-Protocol': PROTOCOL_SUBPROTOCOL }
    : undefined;
}
