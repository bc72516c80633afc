import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corkUntilNextTick } from '../../src/cork.js';

/** A stream that records each system-call-sized write it is given (one entry per `writev` or `write`). */
function recordingStream(): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
  });
  return { stream, calls };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('corkUntilNextTick', () => {
  it('sends what one turn wrote as one write, in order, and the next turn as another', async () => {
    const { stream, calls } = recordingStream();
    for (const packet of ['a', 'b', 'c']) {
      corkUntilNextTick(stream);
      stream.write(packet);
    }
    expect(calls).toEqual([]);
    await nextTick();
    expect(calls).toEqual([['a', 'b', 'c']]);
    corkUntilNextTick(stream);
    stream.write('d');
    stream.write('e');
    await nextTick();
    expect(calls).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('keeps the stream corked through a nested cork and uncork (what ws does around each frame)', async () => {
    const { stream, calls } = recordingStream();
    corkUntilNextTick(stream);
    stream.cork();
    stream.write('x');
    stream.uncork();
    stream.write('y');
    expect(calls).toEqual([]);
    await nextTick();
    expect(calls).toEqual([['x', 'y']]);
  });

  it('leaves a destroyed stream alone', () => {
    const { stream } = recordingStream();
    stream.destroy();
    corkUntilNextTick(stream);
    expect(stream.writableCorked).toBe(0);
  });
});
