import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreePort, findFreeRestartPort, LOCAL_HOST } from '../../local/free-port.js';

const listenOn = (port: number) =>
  new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, LOCAL_HOST, () => resolve(server));
  });

describe('free ports for local servers', () => {
  it('findFreeRestartPort gives a free port below the ephemeral range, so that no OS-chosen port can take it', async () => {
    const ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    const ports = await Promise.all(Array.from({ length: 5 }, () => findFreeRestartPort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralLow);
      const server = await listenOn(port);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('findFreePort gives a port the OS chose, free to listen on', async () => {
    const port = await findFreePort();
    const server = await listenOn(port);
    await new Promise((resolve) => server.close(resolve));
    expect(port).toBeGreaterThan(0);
  });
});
