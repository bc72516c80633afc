import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * The per-device sequence number, persisted across restarts without a write per reading: the file holds an
 * upper bound reserved in blocks of SEQUENCE_BLOCK. After a restart (or a crash) numbering continues from the
 * reserved bound, so a number is never reused; a crash leaves a gap of less than one block, never a repeat.
 */

/** Sequence numbers reserved per write of the sequence file. */
export const SEQUENCE_BLOCK = 1000;

/** Hands out increasing sequence numbers. */
export interface Sequence {
  next(): Promise<number>;
}

/** A sequence that starts at 0 in memory (one-shot commands, tests). */
export function memorySequence(start = 0): Sequence {
  let value = start;
  return { next: async () => value++ };
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
  await reserve();
  return {
    async next() {
      while (value >= reserved) {
        reserving ??= reserve().finally(() => {
          reserving = undefined;
        });
        await reserving;
      }
      return value++;
    },
  };
}
