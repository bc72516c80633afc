import { WebSocket } from 'ws';

/** A frame to publish as written, extra fields (`ts`, `clock`, `retain`, …) included. */
export type RawFrame = { topic: string; message: unknown; id: string } & Record<string, unknown>;

/**
 * A bare WebSocket publisher that sends frames exactly as given (the client library's `publish` takes only
 * topic, message and id) and resolves each publish with the bridge's `ack`, so a test knows the frame was
 * handled (stored, when it asked for retain or history) before it opens the page.
 */
export async function openRawPublisher(wsUrl: string): Promise<{
  publish(frame: RawFrame): Promise<{ delivered: number }>;
  close(): void;
}> {
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((open, fail) => {
    socket.once('open', () => open());
    socket.once('error', fail);
  });
  const waiting = new Map<
    string,
    { done: (reply: { delivered: number }) => void; fail: (e: Error) => void }
  >();
  socket.on('message', (data) => {
    const reply = JSON.parse(String(data)) as {
      type?: string;
      id?: string;
      delivered?: number;
      code?: string;
    };
    const entry = reply.id === undefined ? undefined : waiting.get(reply.id);
    if (entry === undefined || reply.id === undefined) return;
    waiting.delete(reply.id);
    if (reply.type === 'ack') entry.done({ delivered: reply.delivered ?? 0 });
    else entry.fail(new Error(`the bridge refused frame ${reply.id}: ${String(data)}`));
  });
  return {
    publish: (frame) =>
      new Promise((done, fail) => {
        waiting.set(frame.id, { done, fail });
        socket.send(JSON.stringify(frame));
      }),
    close: () => socket.close(),
  };
}
