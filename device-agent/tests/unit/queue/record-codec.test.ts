import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Dispatcher } from '../../../src/delivery/dispatcher.js';
import { WsLink } from '../../../src/link/ws-link.js';
import { createCounters } from '../../../src/metrics.js';
import { DiskQueue } from '../../../src/queue/disk-queue.js';
import { encodeRecord, ID_FLAG, scanRecord } from '../../../src/queue/record-codec.js';
import { segmentFileName } from '../../../src/queue/segment.js';
import { recordingLogger, startScriptServer, until } from '../../support/script-server.js';
import { tempDir } from '../../support/temp-dir.js';

/** A record exactly as the agent wrote it before ids were stored: length, CRC-32, payload. */
function v1Record(payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32LE(body.byteLength, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

const frame = (id: string) => JSON.stringify({ topic: 't', message: 1, id, ts: 0, device: 'd', seq: 0 });

describe('queue record codec', () => {
  it('stores the id beside the payload and reads both back; v1 records read with no id', () => {
    const v2 = encodeRecord(Buffer.from('{"x":1}'), 'gw-7');
    expect(v2.readUInt32LE(0) & ID_FLAG).not.toBe(0);
    const step = scanRecord(v2, 0);
    expect(step).toEqual({
      kind: 'record',
      size: v2.byteLength,
      payloadOffset: 13,
      payloadLength: 7,
      id: 'gw-7',
    });
    const v1 = v1Record('{"x":1}');
    expect(encodeRecord(Buffer.from('{"x":1}'))).toEqual(v1);
    expect(scanRecord(v1, 0)).toEqual({
      kind: 'record',
      size: 15,
      payloadOffset: 8,
      payloadLength: 7,
      id: undefined,
    });
  });

  it('detects a flipped bit in the id, and an id length that does not fit', () => {
    const v2 = encodeRecord(Buffer.from('payload'), 'abc');
    const flipped = Buffer.from(v2);
    flipped.writeUInt8(flipped.readUInt8(10) ^ 1, 10);
    expect(scanRecord(flipped, 0)).toEqual({ kind: 'corrupt', reason: 'CRC-32 mismatch' });
    expect(() => encodeRecord(Buffer.from('p'), '')).toThrow(RangeError);
    expect(() => encodeRecord(Buffer.from('p'), 'x'.repeat(256))).toThrow(/1\.\.255 bytes/);
  });
  it('writes a frame given as text byte for byte as the same frame given as UTF-8 bytes', () => {
    // Multi-byte characters (2, 3 and 4 bytes in UTF-8) in the id and the payload: lengths count bytes.
    const text = '{"topic":"t/é","message":"温度 🌡","id":"gw-ü-1"}';
    const fromText = encodeRecord(text, 'gw-ü-1');
    expect(fromText).toEqual(encodeRecord(Buffer.from(text, 'utf8'), 'gw-ü-1'));
    expect(encodeRecord(text)).toEqual(v1Record(text));
    const step = scanRecord(fromText, 0);
    if (step.kind !== 'record') throw new Error(`unexpected ${step.kind}`);
    expect(step.id).toBe('gw-ü-1');
    const payload = fromText.subarray(step.payloadOffset, step.payloadOffset + step.payloadLength);
    expect(payload.toString('utf8')).toBe(text);
  });
});

describe('a queue written by the previous agent version, after an upgrade', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('drains its v1 records (ids parsed from the frames) and the new ones appended after them', async () => {
    const { dir, remove } = await tempDir('upgrade');
    cleanups.push(remove);
    const queueDir = path.join(dir, 'queue');
    await mkdir(queueDir);
    // Five frames written by the old version; two of them already acknowledged (head 2).
    const old = ['d-0', 'd-1', 'd-2', 'd-3', 'd-4'].map((id) => v1Record(frame(id)));
    await writeFile(path.join(queueDir, segmentFileName(0)), Buffer.concat(old));
    await writeFile(path.join(queueDir, 'head'), '2\n');
    const queue = await DiskQueue.open({
      dir: queueDir,
      maxBytes: 1 << 20,
      segmentBytes: 1 << 16,
      fsyncIntervalMs: 0,
    });
    cleanups.push(() => queue.close());
    expect(queue.stats()).toMatchObject({ head: 2, tail: 5, depth: 3, corruptBytesSkipped: 0 });
    await queue.append(Buffer.from(frame('d-5')), 'd-5');
    const records = await queue.read(0, 10);
    expect(records.map((r) => [r.position, r.id])).toEqual([
      [2, undefined],
      [3, undefined],
      [4, undefined],
      [5, 'd-5'],
    ]);

    const server = await startScriptServer();
    cleanups.push(() => server.close());
    const link = new WsLink({
      url: server.url,
      WebSocket,
      logger: recordingLogger(),
      connectTimeoutMs: 2000,
      pingIntervalMs: 60_000,
      pongTimeoutMs: 5000,
      renewAfterMs: 3_600_000,
      renewDrainMs: 1000,
      backoff: { initialMs: 20, maxMs: 50, stableAfterMs: 1000 },
    });
    cleanups.push(() => link.stop());
    const counters = createCounters();
    const dispatcher = new Dispatcher({
      queue,
      link,
      logger: recordingLogger(),
      counters,
      deadLetters: { put: async () => {} },
      window: 8,
      paceFramesPerSecond: 0,
      ackTimeoutMs: 10_000,
      retryBackoff: { initialMs: 10, maxMs: 20 },
    });
    cleanups.push(() => dispatcher.stop());
    link.start();
    dispatcher.start();
    await until(() => queue.stats().depth === 0, 'the upgraded queue drained');
    expect(server.received.map((r) => r.frame.id)).toEqual(['d-2', 'd-3', 'd-4', 'd-5']);
    expect(counters).toMatchObject({ sent: 4, acked: 4, rejected: 0 });
  });
});
