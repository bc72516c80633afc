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
