/**
 * Posting to a WebSocket connection, as the core sees it. Implementations (the SDK one in
 * `aws/connections-api.ts`) throw the PostError classes of `errors.ts`, built by `postErrorFor` so that every
 * implementation classifies a failure the same way: StaleConnectionError (410), ThrottledError (429),
 * PostTimeoutError, PostFailedError (`reset`, `server_error`, `rejected`).
 */
export interface ConnectionGateway {
  /** Sends one text frame to a connection, aborting after `timeoutMs`. */
  post(connectionId: string, data: string, timeoutMs: number, options?: PostOptions): Promise<void>;
}

/** How to make one post. */
export interface PostOptions {
  /**
   * Send on a newly opened socket, not one from the keep-alive pool: set for the retry of a post that failed
   * without a response (`reset`), whose pooled socket was probably already closed by the server.
   */
  freshSocket?: boolean;
}
