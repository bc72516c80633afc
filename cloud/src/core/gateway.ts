/**
 * Posting to a WebSocket connection, as the core sees it. The API Gateway implementation lives in
 * `aws/connections-api.ts` and translates failures into the PostError classes of `errors.ts`:
 * StaleConnectionError (410), ThrottledError (429), PostTimeoutError, PostFailedError.
 */
export interface ConnectionGateway {
  /** Sends one text frame to a connection, aborting after `timeoutMs`. */
  post(connectionId: string, data: string, timeoutMs: number): Promise<void>;
}
