import { MAX_AUTHORIZER_CONTEXT_BYTES, MAX_GRANTS_PER_CLAIM, MAX_SUBJECT_LENGTH } from './limits.js';
import type { Result } from './result.js';
import { validateTopicFilter } from './topics.js';
import { utf8Bytes } from './utf8.js';

/**
 * The claims of a topic-bridge token (a JWT) that the bridge acts on. `docs/PROTOCOL.md` and SECURITY.md
 * document them; `aud` and `iss` are checked by the authorizer when configured and not carried further.
 */
export interface TokenClaims {
  /** Who holds the token (a device, a dashboard user); logged instead of the token. */
  sub: string;
  /** Expiry, seconds since the epoch (JWT NumericDate). */
  exp: number;
  /** Topic filters the holder may publish to: a topic is allowed when one of them matches it. */
  publish: string[];
  /** Topic filters the holder may subscribe within: a filter is allowed when one of them covers it. */
  subscribe: string[];
}

/** What a connection may do: the two grant arrays of its token. */
export type Grants = Pick<TokenClaims, 'publish' | 'subscribe'>;

/** Grants for everything: what every connection holds when authorization is turned off. */
export const FULL_ACCESS: Readonly<Grants> = Object.freeze({ publish: ['#'], subscribe: ['#'] });

/** Why claims were refused (never sent on the wire as a frame: the handshake answers 401). */
export interface ClaimsProblem {
  reason: string;
}

type Claimed = Record<string, unknown>;

function problem(reason: string): { ok: false; error: ClaimsProblem } {
  return { ok: false, error: { reason } };
}

/**
 * Validates a token's payload (already verified for signature and expiry by the authorizer): `sub` a
 * non-empty string, `exp` a whole number, and `publish` / `subscribe` arrays of valid topic filters (absent
 * means none: a token grants nothing it does not name). Never throws.
 */
export function validateClaims(payload: unknown): Result<TokenClaims, ClaimsProblem> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return problem('the token payload is not a JSON object');
  }
  const claimed = payload as Claimed;
  const { sub, exp } = claimed;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    return problem(`"sub" must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    return problem('"exp" must be a whole number of seconds since the epoch');
  }
  const publish = grantsOf(claimed, 'publish');
  if (!publish.ok) return publish;
  const subscribe = grantsOf(claimed, 'subscribe');
  if (!subscribe.ok) return subscribe;
  return { ok: true, value: { sub, exp, publish: publish.value, subscribe: subscribe.value } };
}

function grantsOf(claimed: Claimed, name: 'publish' | 'subscribe'): Result<string[], ClaimsProblem> {
  const value = claimed[name];
  if (value === undefined) return { ok: true, value: [] };
  if (!Array.isArray(value)) return problem(`"${name}" must be an array of topic filters`);
  if (value.length > MAX_GRANTS_PER_CLAIM) {
    return problem(`"${name}" holds ${value.length} filters; at most ${MAX_GRANTS_PER_CLAIM}`);
  }
  const grants: string[] = [];
  for (const grant of value) {
    const checked = validateTopicFilter(grant);
    if (!checked.ok) return problem(`"${name}": ${checked.error.reason}`);
    if (!grants.includes(checked.value)) grants.push(checked.value);
  }
  return { ok: true, value: grants };
}

/**
 * The claims as a Lambda authorizer's `context`: API Gateway accepts only flat string, number or boolean
 * values there, so the grant arrays travel JSON-encoded. It then hands the same values to `$connect` and to
 * every later route of the connection as `requestContext.authorizer`.
 */
export interface ClaimsContext {
  sub: string;
  exp: string;
  publish: string;
  subscribe: string;
  [key: string]: string;
}

/**
 * Encodes claims for the authorizer's context; refused when the encoded context is over
 * MAX_AUTHORIZER_CONTEXT_BYTES (API Gateway refuses an authorizer result over 8 KB, and the handshake
 * would fail with a 500 the client cannot act on).
 */
export function encodeClaimsContext(claims: TokenClaims): Result<ClaimsContext, ClaimsProblem> {
  const context: ClaimsContext = {
    sub: claims.sub,
    exp: String(claims.exp),
    publish: JSON.stringify(claims.publish),
    subscribe: JSON.stringify(claims.subscribe),
  };
  const bytes = utf8Bytes(JSON.stringify(context));
  if (bytes > MAX_AUTHORIZER_CONTEXT_BYTES) {
    return problem(
      `the token's grants take ${bytes} bytes in the authorizer context; at most ${MAX_AUTHORIZER_CONTEXT_BYTES}: grant wider filters instead of many narrow ones`,
    );
  }
  return { ok: true, value: context };
}

/**
 * Decodes the claims from `requestContext.authorizer` (which also holds API Gateway's own fields, such as
 * `principalId`). Anything missing or malformed is refused: the handlers then deny, never allow.
 */
export function decodeClaimsContext(context: unknown): Result<TokenClaims, ClaimsProblem> {
  if (typeof context !== 'object' || context === null) return problem('no authorizer context');
  const fields = context as Claimed;
  const publish = parseJsonArray(fields.publish);
  const subscribe = parseJsonArray(fields.subscribe);
  const exp = typeof fields.exp === 'string' ? Number(fields.exp) : fields.exp;
  if (publish === undefined || subscribe === undefined) {
    return problem('the authorizer context has no JSON-encoded "publish" and "subscribe" arrays');
  }
  return validateClaims({ sub: fields.sub, exp, publish, subscribe });
}

function parseJsonArray(value: unknown): unknown[] | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
