import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreePort, findFreePortForLater, LOCAL_HOST, portInUseFrom } from '../../local/free-port.js';

const listenOn = (port: number) =>
  new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, LOCAL_HOST, () => resolve(server));
  });

describe('free ports for local servers', () => {
  it('findFreePortForLater gives a free port below the ephemeral range, so that no OS-chosen port can take it', async () => {
    const ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    const ports = await Promise.all(Array.from({ length: 5 }, () => findFreePortForLater()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralLow);
      const server = await listenOn(port);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("findFreePortForLater never hands out a port twice, and keeps to this test worker's slice of the range", async () => {
    const ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    const worker = Number(process.env.VITEST_POOL_ID);
    expect(worker).toBeGreaterThanOrEqual(1);
    // 8 slices of 10,000 .. ephemeralLow - 1, one per worker: two test files side by side never pick alike.
    const size = Math.floor((ephemeralLow - 10_000) / 8);
    const low = 10_000 + ((worker - 1) % 8) * size;
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) ports.push(await findFreePortForLater());
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(low);
      expect(port).toBeLessThan(low + size);
    }
  });

  it('findFreePort gives a port the OS chose, free to listen on', async () => {
    const port = await findFreePort();
    const server = await listenOn(port);
    await new Promise((resolve) => server.close(resolve));
    expect(port).toBeGreaterThan(0);
  });

  it('portInUseFrom reads the taken port from the first EADDRINUSE line, and nothing from other lines', () => {
    // As serverless-offline printed it when a port it was given had been taken (CI, stop 15).
    const lines = [
      'Offline [websocket] listening on ws://127.0.0.1:34081',
      '× Unexpected error while starting serverless-offline server on port 43707: { Error: listen EADDRINUSE: address already in use 127.0.0.1:43707',
      '      at Server.setupListenHandle [as _listen2] (node:net:1908:16)',
      '  | Error: listen EADDRINUSE: address already in use 127.0.0.1:5000',
    ];
    expect(portInUseFrom(lines)).toBe(43707);
    expect(portInUseFrom(lines.slice(0, 1))).toBeUndefined();
    expect(portInUseFrom(['EADDRINUSE somewhere, with no address'])).toBeUndefined();
  });
});
