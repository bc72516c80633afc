import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// cloud/local/offline-debug-log.mjs, preloaded into serverless-offline by the local stack, turns its log.debug
// into a no-op unless debug output was asked for. Checked in a fresh Node with the same preload, importing
// serverless-offline's own logger module as serverless-offline does.

const PRELOAD = fileURLToPath(new URL('../../local/offline-debug-log.mjs', import.meta.url));
const PROBE = `
  import { createRequire } from 'node:module';
  import path from 'node:path';
  import { pathToFileURL } from 'node:url';
  const require = createRequire(${JSON.stringify(PRELOAD)});
  const root = path.dirname(path.dirname(require.resolve('serverless-offline')));
  const { log } = await import(pathToFileURL(path.join(root, 'src', 'utils', 'log.js')).href);
  console.log(String(log.debug));
`;

async function debugFunctionText(env: Record<string, string>, args: string[] = []): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', PRELOAD, '--input-type=module', '-e', PROBE, ...args],
    { env: { PATH: process.env.PATH ?? '', ...env } },
  );
  return stdout.trim();
}

describe("the local stack's serverless-offline debug logging", () => {
  it('does nothing by default', async () => {
    expect(await debugFunctionText({})).toBe('() => undefined');
  });

  it('is left as serverless-offline wrote it when SLS_DEBUG is set or --verbose is given', async () => {
    const original = '(...args) => utils?.log?.debug(...args)';
    expect(await debugFunctionText({ SLS_DEBUG: '*' })).toBe(original);
    expect(await debugFunctionText({}, ['--', '--verbose'])).toBe(original);
  });
});
