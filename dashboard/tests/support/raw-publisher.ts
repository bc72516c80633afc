import { encodePublishFrame, type PublishFields } from '@topic-bridge/shared-types';
import { WebSocket } from 'ws';

/** A frame to publish: the shared encoder's fields, with the `id` the ack is matched by. */
export type RawFrame = PublishFields & { id: string };

/**
 * A bare WebSocket publisher for frames with extra fields (`ts`, `clock`), which the client library's
 * `publish` does not set; built by the shared encoder like every publisher's. Each publish resolves with the
 * bridge's `ack`, so a test knows the frame was handled (retained, recorded in history) before it opens
 * the page.
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
    const reply = JSON.parse(String(data)) as { type?: string; id?: string; delivered?: number };
    const entry = reply.id === undefined ? undefined : waiting.get(reply.id);
    if (entry === undefined || reply.id === undefined) return;
    waiting.delete(reply.id);
    if (reply.type === 'ack') entry.done({ delivered: reply.delivered ?? 0 });
    else entry.fail(new Error(`the bridge refused frame ${reply.id}: ${String(data)}`));
  });
  return {
    publish: (frame) =>
      new Promise((done, fail) => {
        const encoded = encodePublishFrame(frame);
        if (!encoded.ok) {
          fail(new Error(`cannot encode frame ${frame.id}: ${encoded.error.reason}`));
          return;
        }
        waiting.set(frame.id, { done, fail });
        socket.send(encoded.value.text);
      }),
    close: () => socket.close(),
  };
}
