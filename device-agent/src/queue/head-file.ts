import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * The committed read pointer: the position of the oldest record not yet acknowledged, in a small text file
 * replaced atomically (write a temporary file, fsync, rename). Losing the latest commit in a crash only
 * means a few acknowledged frames are sent again, with the same ids.
 */

const HEAD_FILE = 'head';

/** Reads the committed head, or 0 when there is none or it is unreadable. */
export async function readHead(dir: string): Promise<number> {
  try {
    const value = Number((await readFile(path.join(dir, HEAD_FILE), 'utf8')).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0;
  }
}

/** Commits `head` durably. */
export async function writeHead(dir: string, head: number): Promise<void> {
  const target = path.join(dir, HEAD_FILE);
  const temporary = `${target}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${head}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, target);
}

/** Fsyncs a directory so that files created or renamed in it survive a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
