import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStale } from '../server/build.js';
import { type DashboardServer, startDashboardServer } from '../server/serve.js';

let root: string;
let distDir: string;
let server: DashboardServer;

/** A raw HTTP request (unlike fetch, it sends the path exactly as written, `..` included). */
function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dashboard-serve-'));
  distDir = join(root, 'dist');
  await mkdir(join(distDir, 'assets'), { recursive: true });
  await writeFile(join(distDir, 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(join(distDir, 'config.json'), '{"bridgeUrl":"ws://static.example"}');
  await writeFile(join(root, 'secret.txt'), 'outside the page');
  // Written last, so that the fixture is newer than the page's sources and no build runs.
  await writeFile(join(distDir, 'index.html'), '<!doctype html><title>fixture</title>');
  server = await startDashboardServer({ port: 0, bridgeUrl: 'ws://127.0.0.1:4321', distDir });
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('dashboard server', () => {
  it('listens on 127.0.0.1 and serves the page with a strict content security policy', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get('/');
    expect([page.status, page.body, page.headers['content-type']]).toEqual([
      200,
      '<!doctype html><title>fixture</title>',
      'text/html; charset=utf-8',
    ]);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('injects the bridge URL and the default topic at /config.json, over the static file', async () => {
    const config = await get('/config.json');
    expect(JSON.parse(config.body)).toEqual({ bridgeUrl: 'ws://127.0.0.1:4321', topics: ['demo/#'] });
    expect(config.headers['cache-control']).toBe('no-store');
  });

  it('serves hashed assets with a long cache and the right type', async () => {
    const asset = await get('/assets/app-1234.js');
    expect([asset.status, asset.body, asset.headers['content-type'], asset.headers['cache-control']]).toEqual(
      [200, 'console.log(1)', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    );
  });

  it('answers 404 for missing files and for every path that leaves the page folder', async () => {
    for (const path of [
      '/missing.js',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/%00x',
      '/%E0%A4%A',
    ]) {
      const response = await get(path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(response.body).not.toContain('outside the page');
    }
  });

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const head = await get('/', 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
    const post = await get('/', 'POST');
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});

describe('isStale', () => {
  it('is stale without a built page, fresh after a build, and stale again when a source changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-stale-'));
    const source = join(dir, 'src.ts');
    const built = join(dir, 'dist');
    try {
      await writeFile(source, 'x');
      await utimes(source, 1_000, 1_000);
      expect(isStale(built, [source])).toBe(true);
      await mkdir(built);
      await writeFile(join(built, 'index.html'), 'page');
      await utimes(join(built, 'index.html'), 2_000, 2_000);
      expect(isStale(built, [source, join(dir, 'absent')])).toBe(false);
      await utimes(source, 3_000, 3_000);
      expect(isStale(built, [dir])).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
