import {
  encodePublishFrame,
  type Grants,
  type HttpError,
  type HttpErrorBody,
  type HttpPublishAnswer,
  type HttpPublishErrorCode,
  type HttpPublishRefused,
  type HttpPublishResult,
  isActionFrame,
  jsonNestingDepth,
  MAX_HTTP_PUBLISH_BODY_BYTES,
  MAX_HTTP_PUBLISH_FRAMES,
  MAX_JSON_DEPTH,
  type PublishFrame,
  parseClientFrame,
  type Result,
  utf8Bytes,
} from '@topic-bridge/shared-types';
import type { BearerOutcome } from '../auth/bearer.js';

/**
 * HTTP publish, without HTTP or AWS: the body parsed into frames, each validated exactly as a WebSocket frame,
 * then published one after another through the same path as `$default`'s publishes, and the answer shaped
 * (docs/PROTOCOL.md, "HTTP publish"). The handler (handlers/http-publish.ts) only adapts the event.
 */

/**
 * Deepest nesting of a whole body, counted before it is parsed (as WebSocket frames are): past it the body is
 * refused whole. Twice a frame's own limit, so that a frame a little too deep inside a batch (which adds two
 * levels) is refused alone, with `nesting_too_deep`, like any other bad frame.
 */
export const MAX_HTTP_PUBLISH_BODY_DEPTH = 2 * MAX_JSON_DEPTH;

/**
 * A frame is not started with less than this left of the request's time budget: it is answered
 * `not_attempted` (nothing sent, safe to send again) rather than cut off half-way through its fan-out.
 */
export const MIN_FRAME_BUDGET_MS = 1_000;

/** A body refused whole: its status (400 or 413) and error. */
export interface BodyRefusal {
  status: 400 | 413;
  error: HttpError;
}

/** One frame of the body, checked: a publish frame and the exact text subscribers receive, or its refusal. */
export type FrameCheck =
  | { ok: true; frame: PublishFrame; text: string }
  | { ok: false; result: HttpPublishRefused };

/** Builds a refusal result, with the frame's id when it had a valid one. */
export function refusedFrame(
  id: string | undefined,
  code: HttpPublishErrorCode,
  reason: string,
): HttpPublishRefused {
  return id === undefined ? { error: { code, reason } } : { id, error: { code, reason } };
}

function refuseBody(status: 400 | 413, code: HttpPublishErrorCode, reason: string) {
  return { ok: false as const, error: { status, error: { code, reason } } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a request body: one publish frame, or `{"frames":[…]}` with 1 to MAX_HTTP_PUBLISH_FRAMES frames.
 * The body is refused whole (400/413) only when it cannot be read as frames; each frame is then checked on
 * its own (checkFrame), so one bad frame refuses only itself. Never throws.
 */
export function parsePublishBody(body: string): Result<FrameCheck[], BodyRefusal> {
  const bytes = utf8Bytes(body);
  if (bytes > MAX_HTTP_PUBLISH_BODY_BYTES) {
    return refuseBody(
      413,
      'body_too_large',
      `the body is ${bytes} bytes; the limit is ${MAX_HTTP_PUBLISH_BODY_BYTES}: send fewer frames per request`,
    );
  }
  // Counted before parsing, so that a hostile `[[[[…` costs nothing (as for WebSocket frames).
  if (jsonNestingDepth(body) > MAX_HTTP_PUBLISH_BODY_DEPTH) {
    return refuseBody(
      400,
      'nesting_too_deep',
      `the body nests objects or arrays deeper than ${MAX_HTTP_PUBLISH_BODY_DEPTH} levels (each frame may nest ${MAX_JSON_DEPTH})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return refuseBody(
      400,
      'malformed_json',
      'the body is not valid JSON; send one frame {"topic":"t","message":1} or {"frames":[…]}',
    );
  }
  if (!isPlainObject(parsed)) {
    return refuseBody(
      400,
      'not_an_object',
      'the body must be a JSON object: one frame {"topic":"t","message":1} or {"frames":[…]}',
    );
  }
  if (!('frames' in parsed)) return { ok: true, value: [checkFrame(parsed)] };
  const { frames } = parsed;
  if (!Array.isArray(frames)) {
    return refuseBody(400, 'invalid_batch', '"frames" must be an array of publish frames');
  }
  const others = Object.keys(parsed).filter((key) => key !== 'frames');
  if (others.length > 0) {
    return refuseBody(
      400,
      'invalid_batch',
      `a batch body holds only "frames" (found ${others.map((key) => `"${key.slice(0, 40)}"`).join(', ')}); put fields inside each frame`,
    );
  }
  if (frames.length === 0)
    return refuseBody(400, 'invalid_batch', '"frames" is empty: send at least one frame');
  if (frames.length > MAX_HTTP_PUBLISH_FRAMES) {
    return refuseBody(
      400,
      'too_many_frames',
      `"frames" holds ${frames.length} frames; at most ${MAX_HTTP_PUBLISH_FRAMES} per request: split the batch`,
    );
  }
  return { ok: true, value: frames.map(checkFrame) };
}

/**
 * Checks one frame of a body with the WebSocket's own validation (parseClientFrame) on its JSON text (the
 * frame re-serialised with JSON.stringify), so that it gets exactly the codes a WebSocket frame would. Action
 * frames are refused: subscriptions belong to a WebSocket connection. The text subscribers receive is then
 * built by the one publish-frame encoder (encodePublishFrame): `topic`, `message`, `id`, `retain`, then the
 * frame's other fields in their order, with no whitespace.
 */
export function checkFrame(value: unknown): FrameCheck {
  const parsed = parseClientFrame(JSON.stringify(value));
  if (!parsed.ok) {
    const { id, code, reason } = parsed.error;
    return { ok: false, result: refusedFrame(id, code, reason) };
  }
  const frame = parsed.value;
  if (isActionFrame(frame)) {
    return {
      ok: false,
      result: refusedFrame(
        frame.id,
        'unknown_action',
        `HTTP publish takes publish frames only ({"topic","message"}); "${frame.action}" needs a WebSocket connection`,
      ),
    };
  }
  const { topic, message, id, retain, ...extra } = frame;
  const encoded = encodePublishFrame({
    topic,
    message,
    ...(id === undefined ? {} : { id }),
    ...(typeof retain === 'boolean' ? { retain } : {}),
    extra,
  });
  // Cannot fail for a frame parseClientFrame accepted (the same checks); kept so that a future check refuses.
  if (!encoded.ok) {
    const code = encoded.error.code === 'invalid_message' ? 'invalid_field' : encoded.error.code;
    return { ok: false, result: refusedFrame(id, code, encoded.error.reason) };
  }
  return { ok: true, frame, text: encoded.value.text };
}

/** A request as the core sees it. */
export interface HttpPublishRequest {
  method: string;
  /** The `Authorization` header, when sent. */
  authorization: string | undefined;
  /** The body as text (already decoded when API Gateway base64-encoded it). */
  body: string;
  /** When API Gateway received the request (epoch ms): orders retained writes, as a WebSocket frame's time does. */
  receivedAtMs: number;
}

/** The answer: status, extra headers, and the JSON body. */
export interface HttpPublishResponse {
  status: number;
  headers: Record<string, string>;
  body: HttpPublishAnswer | HttpErrorBody;
}

/** Publishes one checked frame (grant check, storage steps, fan-out) within `budgetMs`; never rejects. */
export type PublishOne = (
  frame: PublishFrame,
  text: string,
  caller: { grants: Grants; sub?: string },
  timing: { budgetMs: number; receivedAtMs: number },
) => Promise<HttpPublishResult>;

/** What a request needs: who the caller is, how a frame is published, the request's time budget. */
export interface HttpPublishDeps {
  authenticate(authorization: string | undefined): Promise<BearerOutcome>;
  publishOne: PublishOne;
  /** The time all the request's frames may take together (the function's own timeout is above it). */
  budgetMs: number;
  now?: () => number;
}

function errorResponse(
  status: number,
  code: HttpPublishErrorCode,
  reason: string,
  headers: Record<string, string> = {},
): HttpPublishResponse {
  return { status, headers, body: { error: { code, reason } } };
}

/**
 * Answers one `POST /publish`: 405 for another method; 401/503 from the token check; 403 when the token
 * grants no publish at all; 400/413 for a body that is not frames; else 200 with one result per frame, in
 * order. Frames are published one after another, so that each subscriber receives a batch in its order,
 * within the request's time budget (past it, the remaining frames are answered `not_attempted`).
 */
export async function handleHttpPublish(
  request: HttpPublishRequest,
  deps: HttpPublishDeps,
): Promise<HttpPublishResponse> {
  const now = deps.now ?? Date.now;
  const deadline = now() + deps.budgetMs;
  if (request.method !== 'POST') {
    return errorResponse(
      405,
      'method_not_allowed',
      `${request.method.slice(0, 16)} is not served here: publish with POST`,
      { Allow: 'POST' },
    );
  }
  const caller = await deps.authenticate(request.authorization);
  if (!caller.ok) {
    return caller.status === 401
      ? errorResponse(401, 'unauthorized', caller.reason, { 'WWW-Authenticate': caller.challenge })
      : errorResponse(503, 'internal', caller.reason);
  }
  if (caller.grants.publish.length === 0) {
    return errorResponse(
      403,
      'forbidden',
      'your token grants no publish at all (its "publish" claim is empty): ask for one that does',
    );
  }
  const parsed = parsePublishBody(request.body);
  if (!parsed.ok)
    return errorResponse(parsed.error.status, parsed.error.error.code, parsed.error.error.reason);
  const results: HttpPublishResult[] = [];
  for (const [index, check] of parsed.value.entries()) {
    if (!check.ok) {
      results.push(check.result);
      continue;
    }
    const left = deadline - now();
    results.push(
      left < MIN_FRAME_BUDGET_MS
        ? refusedFrame(
            check.frame.id,
            'not_attempted',
            "the request's time ran out before this frame; nothing was sent for it: send it again",
          )
        : // Frames of one request count as received 1 ms apart, in order: a later retained frame wins.
          await deps.publishOne(check.frame, check.text, caller, {
            budgetMs: left,
            receivedAtMs: request.receivedAtMs + index,
          }),
    );
  }
  return { status: 200, headers: {}, body: { results } };
}
