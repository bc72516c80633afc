import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_TOPICS } from '../src/config.js';
import { DEFAULT_DIST_DIR, ensureBuilt } from './build.js';

/** How to start the dashboard server. */
export interface DashboardServerOptions {
  /** Port on 127.0.0.1; 0 lets the OS choose. */
  port: number;
  /** The bridge the page connects to when opened without `?url=` (served at /config.json). */
  bridgeUrl: string;
  /** The built page; built (or rebuilt) with vite when missing or older than its sources. Default dashboard/dist. */
  distDir?: string;
  /** Filters the page subscribes to when opened without `?topic=`. Default `demo/#`. */
  topics?: readonly string[];
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  stop(): Promise<void>;
}

/** The address the server listens on: local only, as the rest of the local stack. */
export const DASHBOARD_HOST = '127.0.0.1';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

// Defence in depth: even if markup slipped into the page, no inline script or foreign script would run.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Serves the built dashboard on 127.0.0.1 and tells the page which bridge to use via /config.json. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const distDir = resolve(options.distDir ?? DEFAULT_DIST_DIR);
  await ensureBuilt(distDir);
  const config = JSON.stringify({ bridgeUrl: options.bridgeUrl, topics: options.topics ?? DEFAULT_TOPICS });
  const server = createServer((request, response) => {
    handle(request, response, distDir, config).catch((error: unknown) => {
      if (!response.headersSent)
        send(response, 500, 'text/plain; charset=utf-8', `internal error: ${String(error)}`);
      else response.destroy();
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port, DASHBOARD_HOST, () => ready());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${DASHBOARD_HOST}:${port}/`,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, distDir: string, config: string) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, 'text/plain; charset=utf-8', 'only GET and HEAD are served here');
    return;
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/config.json') {
    send(response, 200, 'application/json; charset=utf-8', config, 'no-store');
    return;
  }
  const file = await resolveFile(distDir, path);
  if (file === undefined) {
    send(response, 404, 'text/plain; charset=utf-8', `not found: ${path}`);
    return;
  }
  const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  send(
    response,
    200,
    CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    await readFile(file),
    cache,
  );
}

/** The file under `distDir` for a URL path, or undefined when missing or outside `distDir`. */
async function resolveFile(distDir: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  let file = resolve(join(distDir, decoded));
  const inside = relative(distDir, file);
  if (inside.startsWith('..') || resolve(distDir, inside) !== file) return undefined;
  const found = await stat(file).catch(() => undefined);
  if (found?.isDirectory()) file = join(file, 'index.html');
  else if (found === undefined) return undefined;
  return (await stat(file).catch(() => undefined))?.isFile() ? file : undefined;
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  cache = 'no-cache',
) {
  response.writeHead(status, { 'content-type': type, 'cache-control': cache, ...SECURITY_HEADERS });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
