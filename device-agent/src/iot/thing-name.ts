import type { Result } from '@topic-bridge/shared-types';

/**
 * AWS IoT thing names: 1 to 128 characters from letters, digits, `:`, `_` and `-`. The name is also the
 * gateway's MQTT client id and the level under which its policy lets it publish, so no `/`, `+` or `#`.
 */
const THING_NAME_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;

/** Checks a thing name before any AWS call, with a reason a person can act on. */
export function validateThingName(name: unknown): Result<string, string> {
  if (typeof name !== 'string' || name.length === 0) {
    return { ok: false, error: 'the thing name is empty; pass --thing-name, e.g. --thing-name gateway-01' };
  }
  if (!THING_NAME_PATTERN.test(name)) {
    return {
      ok: false,
      error:
        `the thing name "${name.slice(0, 140)}" is not valid: use 1 to 128 letters, digits, ":", "_" or "-" ` +
        '(it becomes the MQTT client id and a topic level, e.g. gateway-01)',
    };
  }
  return { ok: true, value: name };
}
