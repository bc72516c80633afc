import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePortForLater, LOCAL_HOST, PortInUseError } from '../../local/free-port.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { STACK_START_TIMEOUT_MS } from './support/bridge-context.js';
import { openClient } from './support/test-client.js';

/** A port held by a plain TCP server, as another process would hold it. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const port = await findFreePortForLater();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOCAL_HOST, resolve);
  });
  return { port, server };
}

describe('the local stack, when a port is taken before serverless-offline listens on it', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it(
    'picks its ports again and starts, when a port it picked itself was taken',
    async () => {
      const held = await holdPort();
      cleanups.push(() => new Promise((resolve) => held.server.close(resolve)));
      const handedOut: number[] = [];
      // The first port handed out (the WebSocket port) is taken, as by a process that got there first.
      const pickPort = async () => {
        const port = handedOut.length === 0 ? held.port : await findFreePortForLater();
        handedOut.push(port);
        return port;
      };
      const lines: string[] = [];
      const stack: LocalStack = await startLocalStack({ pickPort, log: (line) => lines.push(line) });
      cleanups.push(() => stack.stop());

      // Three ports on the first try (WebSocket, HTTP, Lambda API), three more on the second.
      expect(handedOut).toHaveLength(6);
      expect(stack.wsPort).toBe(handedOut[3]);
      expect(stack.httpPort).toBe(handedOut[4]);
      expect(lines.filter((line) => line.startsWith('topic-bridge: port '))).toEqual([
        `topic-bridge: port ${held.port} was taken by another process before serverless-offline could listen on it; starting again on other ports`,
      ]);
      const client = await openClient(`${stack.wsUrl}?topicName=ports/check`);
      cleanups.push(() => client.close());
      expect(await client.request({ action: 'ping', id: 'p1' })).toEqual({ type: 'pong', id: 'p1' });
    },
    STACK_START_TIMEOUT_MS * 2,
  );

  it(
    'fails with PortInUseError naming the port, without trying again, when the taken port was given',
    async () => {
      const held = await holdPort();
      cleanups.push(() => new Promise((resolve) => held.server.close(resolve)));
      let picks = 0;
      const pickPort = () => {
        picks += 1;
        return findFreePortForLater();
      };
      const started = startLocalStack({ wsPort: held.port, pickPort });
      const error = await started.then(
        (stack) => {
          cleanups.push(() => stack.stop());
          return undefined;
        },
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as PortInUseError).port).toBe(held.port);
      expect((error as PortInUseError).message).toContain(
        `address already in use ${LOCAL_HOST}:${held.port}`,
      );
      // The HTTP port and the Lambda API's, once: a given port is never replaced.
      expect(picks).toBe(2);
    },
    STACK_START_TIMEOUT_MS,
  );
});
