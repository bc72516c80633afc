import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, HTTP_PUBLISH_ERROR_CODES, MAX_HTTP_PUBLISH_BODY_BYTES } from '../src/index.js';

const PROTOCOL = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
/** docs/PROTOCOL.md's "HTTP publish" section, up to the next section. */
const HTTP_SECTION = PROTOCOL.slice(
  PROTOCOL.indexOf('## HTTP publish'),
  PROTOCOL.indexOf('\n## ', PROTOCOL.indexOf('## HTTP publish') + 1),
);

describe('HTTP publish codes', () => {
  it('are documented in docs/PROTOCOL.md, "HTTP publish", each one', () => {
    expect(HTTP_SECTION.length).toBeGreaterThan(100);
    const undocumented = Object.keys(HTTP_PUBLISH_ERROR_CODES).filter(
      (code) => !HTTP_SECTION.includes(`\`${code}\``),
    );
    expect(undocumented).toEqual([]);
  });

  it('never reuse a WebSocket code under another meaning', () => {
    expect(Object.keys(HTTP_PUBLISH_ERROR_CODES).filter((code) => Object.hasOwn(ERROR_CODES, code))).toEqual(
      [],
    );
  });

  it('keep the documented body limit', () => {
    expect(MAX_HTTP_PUBLISH_BODY_BYTES).toBe(2 * 1024 * 1024);
    expect(HTTP_SECTION).toContain('2 MiB');
  });
});
