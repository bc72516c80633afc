import { describe, expect, it } from 'vitest';
import { writeAll } from '../../../src/queue/disk-queue.js';

describe('writeAll', () => {
  it('writes the rest after a short write (what a nearly full disk does), in order, byte for byte', async () => {
    const written: Buffer[] = [];
    // A file whose writev takes at most 5 bytes per call, without an error, as the kernel may.
    const handle = {
      writev: async (buffers: readonly NodeJS.ArrayBufferView[]) => {
        const all = Buffer.concat(buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
        const taken = all.subarray(0, 5);
        written.push(Buffer.from(taken));
        return { bytesWritten: taken.byteLength, buffers: [...buffers] };
      },
    };
    await writeAll(handle as never, [Buffer.from('abcdefg'), Buffer.from('hi'), Buffer.from('jklmnopqr')]);
    expect(Buffer.concat(written).toString()).toBe('abcdefghijklmnopqr');
    expect(written).toHaveLength(4);
  });
});
