import WebSocket from 'ws';
import type { WebSocketConstructor } from '../link/ws-link.js';

/** Everything a command touches outside itself, so that tests can call `main(argv, io)` in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  /** Aborts on SIGINT/SIGTERM (or when a test says so): long-running commands then stop cleanly. */
  signal: AbortSignal;
  WebSocket: WebSocketConstructor;
}

/** The process's own streams, environment and termination signals. */
export function processIo(): CliIo & { dispose: () => void } {
  const controller = new AbortController();
  // The first signal asks the command to stop cleanly; a second one stops the process at once.
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: controller.signal,
    WebSocket,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
