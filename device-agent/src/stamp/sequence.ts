import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * The per-device sequence number, persisted across restarts without a write per reading: the file holds an
 * upper bound reserved in blocks of SEQUENCE_BLOCK. After a restart (or a crash) numbering continues from the
 * reserved bound, so a number is never reused; a crash leaves a gap of less than two blocks, never a repeat.
 * The next block is reserved in the background once half of the current one is used, so readings do not wait
 * for that write (one fsync and a rename) unless they outrun it.
 */

/** Sequence numbers reserved per write of the sequence file. */
export const SEQUENCE_BLOCK = 1000;

/** Hands out increasing sequence numbers. */
export interface Sequence {
  next(): Promise<number>;
  /** The next number when one is reserved already (no write needed); undefined means: call `next`. */
  tryNext(): number | undefined;
  /** Resolves once no reservation is being written (tests read the file after it). */
  settled(): Promise<void>;
}

/** A sequence that starts at 0 in memory (one-shot commands, tests). */
export function memorySequence(start = 0): Sequence {
  let value = start;
  return { next: async () => value++, tryNext: () => value++, settled: async () => {} };
}

/** The file-backed sequence in `dir`, reserving blocks durably before handing their numbers out. */
export async function fileSequence(dir: string, block = SEQUENCE_BLOCK): Promise<Sequence> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'sequence');
  const stored = Number((await readFile(file, 'utf8').catch(() => '0')).trim());
  let value = Number.isSafeInteger(stored) && stored >= 0 ? stored : 0;
  let reserved = value;
  let reserving: Promise<void> | undefined;
  const reserve = async (): Promise<void> => {
    const bound = reserved + block;
    const temporary = `${file}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(`${bound}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    reserved = bound;
  };
  const reserveNext = (): Promise<void> => {
    reserving ??= reserve().finally(() => {
      reserving = undefined;
    });
    return reserving;
  };
  await reserve();
  const sequence: Sequence = {
    async next() {
      while (value >= reserved) await reserveNext();
      return sequence.tryNext() as number;
    },
    tryNext() {
      if (value >= reserved) return undefined;
      // Half the block used: reserve the next one now. A failure here (disk full) is seen again, and
      // reported, by the `next` that has to wait for it.
      if (reserved - value <= block / 2 && reserving === undefined) void reserveNext().catch(() => {});
      return value++;
    },
    async settled() {
      await reserving?.catch(() => {});
    },
  };
  return sequence;
}
