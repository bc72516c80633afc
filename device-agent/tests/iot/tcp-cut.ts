import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { freePort } from './mosquitto-mtls.js';

/** A TCP relay on 127.0.0.1 whose link can be cut and restored: an uplink outage for one client only. */
export interface CuttableRelay {
  port: number;
  /** Drops every relayed connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Relays 127.0.0.1:<port> to 127.0.0.1:<targetPort>, byte for byte (TLS passes through untouched). */
export async function startRelay(targetPort: number): Promise<CuttableRelay> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = async () => {
    const started = createServer((client) => {
      const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => started.listen(port, '127.0.0.1', resolve));
    server = started;
  };
  const cut = async () => {
    const running = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}
