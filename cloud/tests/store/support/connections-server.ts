import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the server answers one post: an HTTP status, `hang` (never answer), or `reset` (destroy the socket
 * without a response, as a server does that closed an idle keep-alive socket the client reused).
 */
export type ScriptedAnswer = 200 | 400 | 410 | 429 | 500 | 503 | 'hang' | 'reset';

/** One post the server received. */
export interface ReceivedPost {
  connectionId: string;
  body: string;
  status: ScriptedAnswer;
  /** Which TCP connection carried it (numbered in order of arrival), to tell a reused socket from a new one. */
  socket: number;
  /** The request's `Connection` header (`close` when the client asked for a one-request socket). */
  connectionHeader: string | undefined;
}

/**
 * A real HTTP server speaking the one call of API Gateway's management API the bridge makes,
 * `POST /@connections/{id}`, answering as each test scripts it (200 unless told otherwise).
 */
export interface ConnectionsServer {
  endpoint: string;
  /** Every post received, in arrival order (including refused and hung ones). */
  posts: ReceivedPost[];
  /** Bodies posted and answered 200, for one connection, in order. */
  deliveredTo(connectionId: string): string[];
  /** Answers the next posts to `connectionId` in this order; afterwards `then` (default 200). */
  script(connectionId: string, answers: ScriptedAnswer[], then?: ScriptedAnswer): void;
  /** Forgets the received posts and scripts. */
  reset(): void;
  stop(): Promise<void>;
}

const GONE_BODY = JSON.stringify({ message: 'Gone' });
const THROTTLED_BODY = JSON.stringify({ message: 'Too Many Requests' });

/** Starts the server on 127.0.0.1 on a port the OS chose. */
export async function startConnectionsServer(): Promise<ConnectionsServer> {
  const posts: ReceivedPost[] = [];
  const scripts = new Map<string, { answers: ScriptedAnswer[]; then: ScriptedAnswer }>();

  const nextAnswer = (connectionId: string): ScriptedAnswer => {
    const script = scripts.get(connectionId);
    if (script === undefined) return 200;
    return script.answers.shift() ?? script.then;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/@connections\/([^/?]+)$/.exec(request.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || match?.[1] === undefined) {
      response.writeHead(404).end();
      return;
    }
    const connectionId = decodeURIComponent(match[1]);
    const status = nextAnswer(connectionId);
    posts.push({
      connectionId,
      body: Buffer.concat(chunks).toString('utf8'),
      status,
      socket: socketNumbers.get(request.socket) ?? 0,
      connectionHeader: request.headers.connection,
    });
    if (status === 'hang') return;
    if (status === 'reset') {
      request.socket.resetAndDestroy();
      return;
    }
    const body = status === 410 ? GONE_BODY : status === 429 ? THROTTLED_BODY : '';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // Like serverless-offline, a 410 carries no error type (the SDK names it `Unknown`); AWS names a 429.
    if (status === 429) headers['x-amzn-errortype'] = 'LimitExceededException';
    response.writeHead(status, headers).end(body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  const socketNumbers = new WeakMap<object, number>();
  let sockets = 0;
  server.on('connection', (socket) => socketNumbers.set(socket, ++sockets));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    posts,
    deliveredTo: (connectionId) =>
      posts
        .filter((post) => post.connectionId === connectionId && post.status === 200)
        .map((post) => post.body),
    script(connectionId, answers, then = 200) {
      scripts.set(connectionId, { answers: [...answers], then });
    },
    reset() {
      posts.length = 0;
      scripts.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
