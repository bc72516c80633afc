import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_HOST } from '../../../local/free-port.js';
import { seededRandom } from '../../support/seeded-random.js';

/** The faults the proxy injects, each a fraction of requests in [0, 1]. */
export interface Faults {
  /**
   * Requests whose socket is reset (destroyed without a response). Half of them before forwarding (the
   * frame never arrives), half after the target answered (it arrived, but the caller cannot know: a retry
   * delivers it twice).
   */
  resetFraction: number;
  /** Requests answered HTTP 500 without forwarding. */
  errorFraction: number;
}

/** What the proxy did, counted. */
export interface ProxyStats {
  requests: number;
  forwarded: number;
  resetBeforeForwarding: number;
  resetAfterForwarding: number;
  answered500: number;
}

/** A running fault-injecting HTTP proxy in front of one target. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: give it as the handlers' CONNECTIONS_ENDPOINT. */
  url: string;
  readonly stats: ProxyStats;
  setFaults(faults: Faults): void;
  stop(): Promise<void>;
}

/**
 * Starts an HTTP proxy on 127.0.0.1 (port from the OS) that forwards every request to `target` (here
 * serverless-offline's `@connections` API) except those it chooses, with the seeded generator, to reset
 * or to answer with 500.
 */
export async function startFaultProxy(target: string, seed: number, faults: Faults): Promise<FaultProxy> {
  const random = seededRandom(seed);
  const targetUrl = new URL(target);
  const upstream = new Agent({ keepAlive: true });
  const stats: ProxyStats = {
    requests: 0,
    forwarded: 0,
    resetBeforeForwarding: 0,
    resetAfterForwarding: 0,
    answered500: 0,
  };
  let current = faults;

  const forward = (
    incoming: IncomingMessage,
    body: Buffer,
    onAnswer: (status: number, headers: object, data: Buffer) => void,
    onError: () => void,
  ) => {
    const outgoing = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: targetUrl.host, 'content-length': String(body.length) },
        agent: upstream,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => onAnswer(answer.statusCode ?? 502, answer.headers, Buffer.concat(chunks)));
        answer.on('error', onError);
      },
    );
    outgoing.on('error', onError);
    outgoing.end(body);
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    stats.requests++;
    const draw = random();
    const resetAfter = random() < 0.5;
    if (draw < current.resetFraction && !resetAfter) {
      stats.resetBeforeForwarding++;
      incoming.socket.resetAndDestroy();
      return;
    }
    if (draw >= current.resetFraction && draw < current.resetFraction + current.errorFraction) {
      stats.answered500++;
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end('{"message":"Internal server error"}');
      return;
    }
    forward(
      incoming,
      body,
      (status, headers, data) => {
        stats.forwarded++;
        if (draw < current.resetFraction) {
          stats.resetAfterForwarding++;
          incoming.socket.resetAndDestroy();
          return;
        }
        const {
          connection: _c,
          'keep-alive': _k,
          'transfer-encoding': _t,
          ...kept
        } = headers as Record<string, string>;
        response.writeHead(status, kept).end(data);
      },
      () => {
        if (!response.headersSent) response.writeHead(502).end();
      },
    );
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => incoming.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, LOCAL_HOST, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOCAL_HOST}:${port}`,
    stats,
    setFaults(faults) {
      current = faults;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        upstream.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
