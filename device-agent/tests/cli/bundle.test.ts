import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePortForLater } from '../../../cloud/local/free-port.js';
import { type ScriptServer, startScriptServer } from '../support/script-server.js';
import { tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const BUILD = path.resolve(import.meta.dirname, '../../deploy/build.mjs');

describe('the single-file bundle (what a gateway runs)', () => {
  let bundle: string;
  /** A preload that prints, at exit, which of node's TLS and HTTPS modules the process loaded. */
  let reportTls: string;
  let remove: () => Promise<void>;
  let server: ScriptServer;

  beforeAll(async () => {
    const made = await tempDir('bundle');
    remove = made.remove;
    bundle = path.join(made.dir, 'device-agent.mjs');
    reportTls = path.join(made.dir, 'report-tls.cjs');
    await writeFile(
      reportTls,
      "process.on('exit', () => process.stderr.write('loaded:' + JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (tls|https)$/.test(m)))));",
    );
    await run(process.execPath, [BUILD, bundle]);
    server = await startScriptServer();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await remove?.();
  });

  it('builds without native modules and runs on plain node, from any directory', async () => {
    const help = await run(process.execPath, [bundle, '--help'], { cwd: '/' });
    expect(help.stdout).toContain('device-agent publish');
    const published = await run(
      process.execPath,
      [bundle, 'publish', '--url', server.url, '--topic', 'b/t', '--message', '{"x":1}', '--id', 'b1'],
      { cwd: '/' },
    );
    expect(published.stdout).toBe('{"id":"b1","delivered":1}\n');
    expect(server.received.map((r) => r.frame)).toEqual([{ topic: 'b/t', message: { x: 1 }, id: 'b1' }]);
  });

  it('exits with the documented codes: 2 for usage', async () => {
    const failure = await run(process.execPath, [bundle, 'publish', '--topic', 't'], { cwd: '/' }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Missing required argument: url'),
    });
  });

  it('loads TLS only for a wss:// URL: ws:// never loads it, wss:// loads it at its first connect', async () => {
    const plain = await run(
      process.execPath,
      ['--require', reportTls, bundle, 'publish', '--url', server.url, '--topic', 'b/t', '--message', '1'],
      { cwd: '/' },
    );
    expect(plain.stderr).toBe('loaded:[]');
    const port = await findFreePortForLater(); // nothing listens there
    const secure = await run(
      process.execPath,
      [
        '--require',
        reportTls,
        bundle,
        'publish',
        '--url',
        `wss://127.0.0.1:${port}`,
        '--topic',
        'b/t',
        '--message',
        '1',
      ],
      { cwd: '/' },
    ).catch((error: { code: number; stderr: string }) => error);
    // The stand-in handed ws the real tls.connect: the attempt reached the (closed) port.
    expect(secure).toMatchObject({ code: 1, stderr: expect.stringContaining('ECONNREFUSED') });
    expect((secure as { stderr: string }).stderr).toContain(
      'loaded:["NativeModule tls","NativeModule https"]',
    );
  });
});
