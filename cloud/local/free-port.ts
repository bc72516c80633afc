import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** The loopback address every local server listens on: nothing of the local stack is reachable from outside. */
export const LOCAL_HOST = '127.0.0.1';

/**
 * Asks the OS for a free TCP port on the loopback interface (listen on port 0, read it, close). Another
 * process could take it before it is used again, so this is for a server that binds it at once; a port for a
 * server that starts later comes from findFreePortForLater.
 */
export function findFreePort(host: string = LOCAL_HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the OS returned no port'))));
    });
  });
}

/** True when nothing listens on `port` of the loopback interface (so a server may bind it now). */
export function isPortFree(port: number, host: string = LOCAL_HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Where a port for later is looked for when the OS's ephemeral range is unknown. */
const LATER_PORT_FALLBACK_RANGE = { low: 20_000, high: 30_000 };
/** Ports below this are left alone (well-known and registered services). */
const LATER_PORT_MIN = 10_000;
/** Random ports tried before giving up. */
const LATER_PORT_ATTEMPTS = 50;
const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/**
 * A free port for a server that binds it later: a child process that takes seconds to start (serverless-offline
 * takes 5 to 20), a server that stops and starts again on the same port, a proxy's target. It is picked below the
 * OS's ephemeral range (Linux's ip_local_port_range, 32768-60999 by default), which the OS never hands out by
 * itself. A port from that range, free a moment ago, can be taken before the server binds it by any OS-chosen port:
 * another test's `listen(0)`, or the local end of an outgoing connection (a test with 1,000 clients makes 1,000).
 * Tried at random, each checked free; rejects after LATER_PORT_ATTEMPTS.
 */
export async function findFreePortForLater(host: string = LOCAL_HOST): Promise<number> {
  const ephemeralLow = await readFile(EPHEMERAL_RANGE_FILE, 'utf8').then(
    (text) => Number(text.trim().split(/\s+/)[0]),
    () => Number.NaN,
  );
  const range = workerShare(
    Number.isInteger(ephemeralLow) && ephemeralLow > LATER_PORT_MIN + 1_000
      ? { low: LATER_PORT_MIN, high: ephemeralLow - 1 }
      : LATER_PORT_FALLBACK_RANGE,
  );
  for (let attempt = 0; attempt < LATER_PORT_ATTEMPTS; attempt++) {
    const port = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
    // A port handed out earlier may still wait for its server: never hand it out twice.
    if (handedOutForLater.has(port) || !(await isPortFree(port, host))) continue;
    handedOutForLater.add(port);
    return port;
  }
  throw new Error(
    `no free port found in ${range.low}-${range.high} after ${LATER_PORT_ATTEMPTS} tries; free some ports there, or check what holds them (ss -ltn)`,
  );
}

/** Ports findFreePortForLater has handed out in this process. */
const handedOutForLater = new Set<number>();

/** How many slices the range is cut into, one per test worker (vitest's VITEST_POOL_ID counts from 1). */
const LATER_PORT_WORKER_SLICES = 8;

/**
 * The slice of `range` for this test worker, so that two test files running side by side never pick the same
 * port while both wait for their servers (each process only knows its own picks); the whole range outside tests.
 */
function workerShare(range: { low: number; high: number }): { low: number; high: number } {
  const worker = Number(process.env.VITEST_POOL_ID);
  if (!Number.isInteger(worker) || worker < 1) return range;
  const size = Math.floor((range.high - range.low + 1) / LATER_PORT_WORKER_SLICES);
  const low = range.low + ((worker - 1) % LATER_PORT_WORKER_SLICES) * size;
  return { low, high: low + size - 1 };
}

/** A server could not listen: the port was taken (EADDRINUSE) between being found free and being bound. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    message: string,
  ) {
    super(message);
  }
}

/** The port of the first `EADDRINUSE` among a server's output lines (Node's "address already in use 127.0.0.1:PORT"), if any. */
export function portInUseFrom(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const match = /EADDRINUSE: address already in use \S*:(\d+)/.exec(line);
    if (match) return Number(match[1]);
  }
  return undefined;
}
