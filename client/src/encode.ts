import { type EncodeRejection, encodePublishFrame, type JsonValue } from '@topic-bridge/shared-types';

export type { EncodeRejection };

/**
 * Encodes a publish frame with the shared encoder, which makes the checks the bridge would make (topic
 * grammar, no wildcard, a message, nesting, the size limit), so a bad frame is refused here with the same code.
 */
export function encodePublish(
  topic: string,
  message: JsonValue,
  id: string,
  retain?: boolean,
): { ok: true; text: string } | { ok: false; error: EncodeRejection } {
  const encoded = encodePublishFrame({ topic, message, id, ...(retain === undefined ? {} : { retain }) });
  return encoded.ok ? { ok: true, text: encoded.value.text } : encoded;
}
