// Preloaded into the serverless-offline process (`node --import`), local stack only: a fast path in front of
// serverless-offline's own `POST /@connections/{connectionId}` route, the route every fan-out post reaches.
//
// Why: the local stack runs every post of every fan-out in serverless-offline's one thread, and hapi's request
// lifecycle around that route (routing, request object, payload stream, response object, events) cost about a
// third of the thread in the profile: more than the post's own WebSocket frame (docs/BENCHMARKS.md, "Local stack
// throughput"). Here a plain, well-formed post goes straight to the route's own handler, with the same
// ConnectionsController, the same WebSocketClients and the same answers (204, or 410 for a connection it does
// not hold, with hapi's headers); anything else (another method, a query string, a trailing slash, chunked or
// oversize bodies, `Expect`, an id that does not decode) goes to hapi unchanged, so its answers stay its own.
// cloud/tests/e2e/fast-connections-route.test.ts sends the same requests with and without it and compares.
//
// Set TOPIC_BRIDGE_LOCAL_FAST_CONNECTIONS=off to run without it (the benchmark's before/after). The patch applies
// only to the serverless-offline version it was written against; any other version runs unpatched, with a warning.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';

/** The environment variable that turns the fast path off (`off`). */
const SWITCH_ENV = 'TOPIC_BRIDGE_LOCAL_FAST_CONNECTIONS';

/** The serverless-offline release whose route this mirrors (package.json pins it). */
const PATCHED_OFFLINE_VERSION = '13.10.1';

/** The route this stands in front of, as serverless-offline declares it. */
const ROUTE_METHOD = 'POST';
const ROUTE_PATH = '/@connections/{connectionId}';
const ROUTE_PREFIX = '/@connections/';

/** Printed when the fast path is in place (`npm start` drops serverless-offline's plain lines; tests look for it). */
const FAST_PATH_ON_LINE = `topic-bridge: ${ROUTE_METHOD} ${ROUTE_PATH} takes the local fast path (${SWITCH_ENV}=off turns it off)`;

/** hapi's default `payload.maxBytes`: larger bodies go to hapi, which answers 413. */
const HAPI_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** hapi's answer when a handler throws, byte for byte. */
const INTERNAL_ERROR_BODY = JSON.stringify({
  statusCode: 500,
  error: 'Internal Server Error',
  message: 'An internal server error occurred',
});

if (isMainThread && process.env[SWITCH_ENV] !== 'off') installFastPath();

function installFastPath() {
  const require = createRequire(import.meta.url);
  const offlineVersion = packageVersion(require, 'serverless-offline');
  if (offlineVersion !== PATCHED_OFFLINE_VERSION) {
    console.warn(
      `topic-bridge: serverless-offline ${offlineVersion} is not ${PATCHED_OFFLINE_VERSION}, the version the ` +
        "local stack's fast @connections path was written for; running without it (posts are slower, answers the same).",
    );
    return;
  }
  // The same module instance serverless-offline imports (it has no @hapi/hapi of its own).
  const hapi = require('@hapi/hapi');
  const createServer = hapi.Server;
  // serverless-offline calls `new Server(options)`; the function returns the server object, so `new` gives it.
  function Server(options) {
    const server = createServer(options);
    const route = server.route.bind(server);
    server.route = (routes) => {
      for (const config of [routes].flat()) {
        if (config.method === ROUTE_METHOD && config.path === ROUTE_PATH) {
          takeOverRequests(server.listener, config.handler);
        }
      }
      return route(routes);
    };
    return server;
  }
  hapi.Server = Server;
  hapi.server = Server;
}

/** The version of an installed package (whose `exports` may hide its package.json from `require.resolve`). */
function packageVersion(require, name) {
  try {
    let folder = path.dirname(require.resolve(name));
    while (folder !== path.dirname(folder)) {
      const manifest = path.join(folder, 'package.json');
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8'));
        if (parsed.name === name) return parsed.version;
      } catch {
        // No package.json at this level: look one folder up.
      }
      folder = path.dirname(folder);
    }
  } catch {
    // Not resolvable: reported as unknown below.
  }
  return 'unknown';
}

/** Puts the fast path in front of hapi's own request listener on this server's HTTP listener. */
function takeOverRequests(listener, routeHandler) {
  console.log(FAST_PATH_ON_LINE);
  const hapiListeners = listener.listeners('request');
  listener.removeAllListeners('request');
  listener.on('request', (req, res) => {
    const connectionId = fastPathConnectionId(req);
    if (connectionId === undefined) {
      for (const hapiListener of hapiListeners) hapiListener.call(listener, req, res);
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const payload = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      answer(res, routeHandler, connectionId, payload, req.url);
    });
  });
}

/** The connection id of a post the fast path serves as hapi would; undefined for anything hapi should see. */
function fastPathConnectionId(req) {
  if (req.method !== ROUTE_METHOD) return undefined;
  const url = req.url ?? '';
  if (!url.startsWith(ROUTE_PREFIX)) return undefined;
  const encoded = url.slice(ROUTE_PREFIX.length);
  if (encoded === '' || encoded.includes('/') || encoded.includes('?') || encoded.includes('#'))
    return undefined;
  const headers = req.headers;
  if (headers['transfer-encoding'] !== undefined || headers.expect !== undefined) return undefined;
  const length = Number(headers['content-length']);
  if (!Number.isInteger(length) || length < 0 || length > HAPI_MAX_PAYLOAD_BYTES) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** Runs the route's handler with the two things it reads, and answers as hapi does for what it returns. */
async function answer(res, routeHandler, connectionId, payload, url) {
  let status = 204;
  try {
    const result = await routeHandler({ params: { connectionId }, payload, url }, toolkit);
    if (result !== null && result !== undefined) status = result.statusCode;
  } catch {
    res.writeHead(500, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-cache',
      'content-length': Buffer.byteLength(INTERNAL_ERROR_BODY),
    });
    res.end(INTERNAL_ERROR_BODY);
    return;
  }
  res.writeHead(
    status,
    status === 204 ? { 'cache-control': 'no-cache' } : { 'cache-control': 'no-cache', 'content-length': 0 },
  );
  res.end();
}

/** The part of hapi's response toolkit the route uses: `h.response(null).code(410)`. */
const toolkit = {
  response() {
    return {
      statusCode: 200,
      code(statusCode) {
        this.statusCode = statusCode;
        return this;
      },
    };
  },
};
