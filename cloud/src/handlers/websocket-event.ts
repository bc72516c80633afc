import {
  decodeClaimsContext,
  FULL_ACCESS,
  type Grants,
  type Result,
  TOPIC_QUERY_PARAMETER,
} from '@topic-bridge/shared-types';
import type { AuthMode } from '../config.js';

/** The parts of an API Gateway WebSocket event the handlers read (serverless-offline sends the same shape). */
export interface WebSocketEvent {
  requestContext: {
    connectionId?: string;
    routeKey?: string;
    domainName?: string;
    stage?: string;
    /** When the connection was opened, epoch ms. */
    connectedAt?: number;
    /** When API Gateway received this message, epoch ms. */
    requestTimeEpoch?: number;
    /** The authorizer's context (flat strings), on `$connect` and every later route of the connection. */
    authorizer?: Record<string, unknown> | null;
  };
  /** `$connect` only: the handshake's headers (`Sec-WebSocket-Protocol`). */
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
}

/**
 * What every handler returns: API Gateway reads the status, the body of a refused `$connect`, and the
 * headers of an accepted one (the chosen `Sec-WebSocket-Protocol`).
 */
export interface HandlerResponse {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * What the connection may do: its token's grants from the authorizer context, or everything when
 * authorization is off. With it on, a missing or malformed context is refused (never treated as allowed).
 */
export function grantsOf(
  event: WebSocketEvent,
  authMode: AuthMode,
): Result<Grants & { sub?: string }, { reason: string }> {
  if (authMode === 'off') return { ok: true, value: FULL_ACCESS };
  const claims = decodeClaimsContext(event.requestContext.authorizer);
  if (!claims.ok) return claims;
  const { sub, publish, subscribe } = claims.value;
  return { ok: true, value: { sub, publish, subscribe } };
}

/** The connection id of an event; API Gateway always sets it on WebSocket routes. */
export function connectionIdOf(event: WebSocketEvent): string {
  const id = event.requestContext.connectionId;
  if (typeof id !== 'string' || id === '') throw new Error('the event has no requestContext.connectionId');
  return id;
}

/** Every `topicName` value of the connect URL: repeated ones from the multi-value map, else the single one. */
export function topicFiltersOf(event: WebSocketEvent): string[] {
  const many = event.multiValueQueryStringParameters?.[TOPIC_QUERY_PARAMETER];
  if (many !== undefined && many.length > 0) return many;
  const one = event.queryStringParameters?.[TOPIC_QUERY_PARAMETER];
  return one === undefined ? [] : [one];
}

/** The frame as text, decoded when API Gateway base64-encoded a binary frame. */
export function bodyOf(event: WebSocketEvent): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** When the connection was opened (epoch ms), or `fallbackMs` when the event does not say. */
export function connectedAtOf(event: WebSocketEvent, fallbackMs: number): number {
  const at = event.requestContext.connectedAt;
  return typeof at === 'number' && Number.isFinite(at) ? at : fallbackMs;
}

/**
 * The management API endpoint posts go to: the configured one (serverless-offline, custom domains), else
 * `https://{domainName}/{stage}` from the event.
 */
export function managementEndpointOf(event: WebSocketEvent, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const { domainName, stage } = event.requestContext;
  if (!domainName || !stage) {
    throw new Error('the event has no domainName/stage; set CONNECTIONS_ENDPOINT to the management API URL');
  }
  return `https://${domainName}/${stage}`;
}

/** When API Gateway received the message (epoch ms), or `fallbackMs` when the event does not say. */
export function receivedAtOf(event: WebSocketEvent, fallbackMs: number): number {
  const at = event.requestContext.requestTimeEpoch;
  return typeof at === 'number' && Number.isFinite(at) ? at : fallbackMs;
}
