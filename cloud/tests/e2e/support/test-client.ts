import WebSocket from 'ws';

/**
 * How long a test waits for frames it expects before failing with what did arrive. Only a failing test waits it
 * out, so it is generous: on a 2-core machine at load 30 the local stack handles about 5 frames a second.
 * Under the test timeout (vitest.config.ts).
 */
export const FRAME_TIMEOUT_MS = 30_000;

/**
 * How long a test keeps listening after its last expected frame, to catch frames that should not come.
 * Locally a fan-out post takes about 15 ms; acks arrive only after every post of a fan-out has settled.
 */
export const SETTLE_MS = 300;

/** A real WebSocket client that records every frame it receives, raw, in order. */
export interface TestClient {
  readonly frames: readonly string[];
  /** Sends a frame: a string goes out exactly as given, anything else as JSON. */
  send(frame: string | object): void;
  /** Waits until at least `count` frames in total have arrived; returns them all. */
  waitForFrames(count: number, timeoutMs?: number): Promise<string[]>;
  /** Sends a frame and returns the next frame received, parsed (a reply from the bridge). */
  request(frame: string | object): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Waits SETTLE_MS, so that frames that should not arrive have had their chance to. */
export function settle(ms: number = SETTLE_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Opens a client, offering `protocols` as `Sec-WebSocket-Protocol` when given; rejects if the handshake
 * fails (with the HTTP status in the message).
 */
export function openClient(url: string, protocols?: string[]): Promise<TestClient> {
  const socket = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
  const frames: string[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data, isBinary) => {
    frames.push(isBinary ? `<binary ${String(data)}>` : String(data));
    for (const wake of waiters) wake();
  });

  const waitForFrames = (count: number, timeoutMs = FRAME_TIMEOUT_MS) =>
    new Promise<string[]>((resolve, reject) => {
      const check = () => {
        if (frames.length < count) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve([...frames]);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`expected ${count} frames within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });

  const client: TestClient = {
    frames,
    send(frame) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    waitForFrames,
    async request(frame) {
      const before = frames.length;
      client.send(frame);
      const all = await waitForFrames(before + 1);
      return JSON.parse(all[before] ?? 'null') as Record<string, unknown>;
    },
    close() {
      if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
      });
    },
  };

  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`the handshake was refused with HTTP ${response.statusCode}`));
      socket.terminate();
    });
    // Also after the handshake: a late error must not crash the test run (the promise is settled by then).
    socket.on('error', reject);
  });
}

/** The HTTP status of a handshake: 101 when the connection opened (it is closed again at once). */
export function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', reject);
  });
}
