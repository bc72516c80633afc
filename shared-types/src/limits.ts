/**
 * Every limit of the wire protocol, in one place. The cloud enforces them, and the device agent and the
 * browser client check them before sending so that a frame is refused where it is made, not in the cloud.
 */

/**
 * Largest frame, in UTF-8 bytes, that a client may send and that the bridge will fan out.
 * API Gateway WebSocket messages are limited to 128 KB, carried in frames of at most 32 KB, and `@connections` posts
 * have the same limit; over it API Gateway closes the connection with 1009.
 */
export const MAX_FRAME_BYTES = 128 * 1024;

/**
 * The largest single WebSocket frame API Gateway accepts. A larger message must be fragmented into frames of
 * at most this size; browsers and `ws` send a message as one frame unless told otherwise, so senders of large
 * messages fragment themselves (the device agent does) or keep messages under it.
 */
export const API_GATEWAY_FRAME_BYTES = 32 * 1024;

/** Longest topic or topic filter, in UTF-8 bytes. Long enough for deep device hierarchies, short enough for a DynamoDB key. */
export const MAX_TOPIC_BYTES = 256;

/** Most levels (`/`-separated parts) in a topic or filter. */
export const MAX_TOPIC_LEVELS = 16;

/** Longest frame `id`, in characters. Ids are for acks and duplicate detection; a UUID is 36. */
export const MAX_ID_LENGTH = 64;

/** Most subscription filters one connection may hold (at connect and at runtime together). */
export const MAX_FILTERS_PER_CONNECTION = 32;

/** The separator between topic levels, as in MQTT. */
export const TOPIC_LEVEL_SEPARATOR = '/';

/** Matches exactly one level in a subscription filter. */
export const SINGLE_LEVEL_WILDCARD = '+';

/** Matches the rest of the topic; only as the last level of a filter. */
export const MULTI_LEVEL_WILDCARD = '#';

/** Topics starting with this character are reserved for the bridge (as `$SYS` is in MQTT). */
export const RESERVED_TOPIC_PREFIX = '$';

/** API Gateway closes a connection idle for 10 minutes; clients ping well inside that. */
export const API_GATEWAY_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** API Gateway closes every connection after 2 hours; clients renew before that. */
export const API_GATEWAY_MAX_CONNECTION_MS = 2 * 60 * 60 * 1000;

/** The query-string parameter that subscribes a connection at connect time (repeatable). */
export const TOPIC_QUERY_PARAMETER = 'topicName';

/**
 * Deepest nesting of objects and arrays in a client frame. Real payloads rarely pass 5; a frame like
 * `[[[[…]]]]` 100,000 deep is small yet makes naive recursive code overflow its stack. Checked before parsing.
 */
export const MAX_JSON_DEPTH = 32;

/** API Gateway refuses a Lambda authorizer result (policy, principal and context) over 8 KB. */
export const API_GATEWAY_AUTHORIZER_RESULT_BYTES = 8 * 1024;

/**
 * Largest authorizer context (the encoded claims), in UTF-8 bytes of its JSON: the 8 KB result limit less
 * 1 KB for the policy document and the principal id around it.
 */
export const MAX_AUTHORIZER_CONTEXT_BYTES = API_GATEWAY_AUTHORIZER_RESULT_BYTES - 1024;

/** Most topic filters in one token's `publish` or `subscribe` claim (32 filters of 200 bytes fit the context). */
export const MAX_GRANTS_PER_CLAIM = 32;

/** Longest `sub` claim, in characters (it is logged on every connect). */
export const MAX_SUBJECT_LENGTH = 256;

/** The query-string parameter that carries the token on connect (browsers cannot set WebSocket headers). */
export const TOKEN_QUERY_PARAMETER = 'token';

/** The subprotocol a client offers to speak this protocol; `$connect` answers it back when offered. */
export const PROTOCOL_SUBPROTOCOL = 'topic-bridge.v1';

/** Prefix of the second offered subprotocol that carries the token: `bearer.<JWT>` (JWTs need no escaping). */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/**
 * Most retained frames sent after one `subscribe` or `retained` request, newest first. A filter such as `#`
 * can match thousands of retained topics; past this the confirmation says `retainedTruncated` / `truncated`.
 */
export const MAX_RETAINED_PER_REQUEST = 100;
/** Most frames one `history` request returns; `more: true` says there are later ones to ask for. */
export const MAX_HISTORY_PER_REQUEST = 100;
/** Frames a `history` request returns when it names no `limit`. */
export const DEFAULT_HISTORY_PER_REQUEST = 100;
/** Most frames in one HTTP publish request (`{"frames":[…]}`). */
export const MAX_HTTP_PUBLISH_FRAMES = 25;
/**
 * The top-level field the bridge adds to a frame it delivers from storage rather than live:
 * `"replay":"retained"` (a topic's last value) or `"replay":"history"` (a catch-up). Publishers may not set it.
 */
export const REPLAY_FIELD = 'replay';
