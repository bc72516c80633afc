import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { API_GATEWAY_FRAME_BYTES } from '@topic-bridge/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sendInFrames } from '../../../src/link/fragment.js';

/** One WebSocket frame as it crossed the wire. */
interface RawFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

// A server that completes the handshake by hand and records raw frames, so frame boundaries are visible
// (a `ws` server would hand over only reassembled messages).
function startRawServer(): Promise<{ server: Server; url: string; frames: RawFrame[] }> {
  const frames: RawFrame[] = [];
  const server = createServer();
  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    const accept = createHash('sha1')
      .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    let buffered = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      for (let frame = parseFrame(buffered); frame; frame = parseFrame(buffered)) {
        frames.push(frame.frame);
        buffered = buffered.subarray(frame.used);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `ws://127.0.0.1:${port}`, frames });
    });
  });
}

function parseFrame(data: Buffer): { frame: RawFrame; used: number } | undefined {
  if (data.length < 2) return undefined;
  const first = data[0] as number;
  const second = data[1] as number;
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = (second & 0x80) !== 0;
  const mask = masked ? data.subarray(offset, offset + 4) : undefined;
  if (masked) offset += 4;
  if (data.length < offset + length) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (mask)
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return { frame: { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload }, used: offset + length };
}

describe('sendInFrames: messages over API Gateway’s 32 KB frame limit', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function sendAndCapture(text: string): Promise<RawFrame[]> {
    const { server, url, frames } = await startRawServer();
    const socket = new WebSocket(url, { perMessageDeflate: false });
    cleanups.push(() => {
      socket.terminate();
      server.close();
    });
    await once(socket, 'open');
    sendInFrames(socket, text);
    const expectedBytes = Buffer.byteLength(text);
    await expect
      .poll(() => frames.reduce((sum, frame) => sum + frame.payload.length, 0), { timeout: 5_000 })
      .toBe(expectedBytes);
    return frames;
  }

  it('sends a small message as one text frame', async () => {
    const text = JSON.stringify({ topic: 't', message: 'x'.repeat(100) });
    const frames = await sendAndCapture(text);
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([[1, true, text]]);
  });

  it('splits a 100 KB message (with multi-byte characters) into a text frame and continuations of at most 32 KB', async () => {
    const text = JSON.stringify({ topic: 't', message: '°C'.repeat(34_000) });
    const frames = await sendAndCapture(text);
    const size = Buffer.byteLength(text);
    expect(frames.length).toBe(Math.ceil(size / API_GATEWAY_FRAME_BYTES));
    expect(frames.map((f) => f.opcode)).toEqual([1, ...Array(frames.length - 1).fill(0)]);
    expect(frames.map((f) => f.fin)).toEqual([...Array(frames.length - 1).fill(false), true]);
    expect(frames.every((f) => f.payload.length <= API_GATEWAY_FRAME_BYTES)).toBe(true);
    expect(Buffer.concat(frames.map((f) => f.payload)).toString('utf8')).toBe(text);
  });
});
