import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** The loopback address every local server listens on: nothing of the local stack is reachable from outside. */
export const LOCAL_HOST = '127.0.0.1';

/**
 * Asks the OS for a free TCP port on the loopback interface (listen on port 0, read it, close). Another
 * process could take it before it is used again; the window is a few milliseconds and start-up reports it.
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

/** Where a port for a restart on the same port is looked for when the OS's ephemeral range is unknown. */
const RESTART_PORT_FALLBACK_RANGE = { low: 20_000, high: 30_000 };
/** Ports below this are left alone (well-known and registered services). */
const RESTART_PORT_MIN = 10_000;
/** Random ports tried before giving up. */
const RESTART_PORT_ATTEMPTS = 50;
const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/**
 * A free port that the OS never hands out by itself: below its ephemeral range (Linux's
 * ip_local_port_range, 32768-60999 by default). For a server that stops and starts again on the same port:
 * while it is down, an OS-chosen port (another test's `listen(0)`, or the local end of any outgoing
 * connection, a reconnecting client's own included) can land on a port from the ephemeral range, and the
 * restart then fails with EADDRINUSE. Tried at random, each checked free; rejects after RESTART_PORT_ATTEMPTS.
 */
export async function findFreeRestartPort(host: string = LOCAL_HOST): Promise<number> {
  const ephemeralLow = await readFile(EPHEMERAL_RANGE_FILE, 'utf8').then(
    (text) => Number(text.trim().split(/\s+/)[0]),
    () => Number.NaN,
  );
  const range =
    Number.isInteger(ephemeralLow) && ephemeralLow > RESTART_PORT_MIN + 1_000
      ? { low: RESTART_PORT_MIN, high: ephemeralLow - 1 }
      : RESTART_PORT_FALLBACK_RANGE;
  for (let attempt = 0; attempt < RESTART_PORT_ATTEMPTS; attempt++) {
    const port = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
    if (await isPortFree(port, host)) return port;
  }
  throw new Error(
    `no free port found in ${range.low}-${range.high} after ${RESTART_PORT_ATTEMPTS} tries; free some ports there, or check what holds them (ss -ltn)`,
  );
}
