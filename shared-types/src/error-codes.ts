/**
 * Stable error codes sent to clients in `{"type":"error","code":…,"reason":…}` frames.
 * A code never changes meaning once published; `docs/PROTOCOL.md` documents each one.
 * `retryable` tells a client whether sending the same frame again later can succeed.
 */
export const ERROR_CODES = {
  /** The frame is not valid JSON. */
  malformed_json: { retryable: false },
  /** The frame is JSON but not an object (an array, a string, a number, null). */
  not_an_object: { retryable: false },
  /** The `topic` field is missing, not a string, or breaks the topic grammar. */
  invalid_topic: { retryable: false },
  /** A publish topic contains `+` or `#`; wildcards are only for subscription filters. */
  wildcard_in_publish_topic: { retryable: false },
  /** A publish frame has no `message` field. */
  missing_message: { retryable: false },
  /** The `id` field is not a string of 1 to MAX_ID_LENGTH characters. */
  invalid_id: { retryable: false },
  /** The frame is larger than MAX_FRAME_BYTES. */
  message_too_large: { retryable: false },
  /** The `action` field names no action the bridge knows. */
  unknown_action: { retryable: false },
  /** The frame nests objects and arrays deeper than MAX_JSON_DEPTH. */
  nesting_too_deep: { retryable: false },
  /**
   * The connection's token does not allow this: a runtime subscribe to a filter that no `subscribe` grant
   * covers, or a publish to a topic that no `publish` grant matches. Nothing is stored or broadcast, and the
   * connection stays open; a new token with wider grants is needed.
   */
  forbidden: { retryable: false },
  /**
   * A known optional field has the wrong type or value (`retain` not a boolean, a `history` request's `since`
   * or `limit` out of range), or a publisher set a field reserved for the bridge (`replay`).
   */
  invalid_field: { retryable: false },
  /** A `history` request for a filter that no history setting of this deployment covers. */
  history_not_enabled: { retryable: false },
  /** The connection already holds MAX_FILTERS_PER_CONNECTION filters. */
  too_many_subscriptions: { retryable: false },
  /** The subscription store (DynamoDB) could not be reached or throttled us; try again later. */
  store_unavailable: { retryable: true },
  /** An unexpected failure in the bridge; try again later and report it if it persists. */
  internal: { retryable: true },
} as const;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when a client may send the same frame again later and expect a different outcome. */
export function isRetryableError(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

/** Type guard for strings received from the wire. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
