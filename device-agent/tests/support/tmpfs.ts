import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A small tmpfs the test mounts (it runs as root; `mount -t tmpfs` works on these machines and in CI), so that
 * a disk can really fill up. `fill` leaves `leaveBytes` free with a filler file; `unmount` removes it all.
 */
export async function mountTmpfs(sizeBytes: number): Promise<{
  dir: string;
  fill: (leaveBytes: number) => Promise<string>;
  unmount: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs at ${dir} (the disk-full tests need root): ${String(error)}`);
  }
  return {
    dir,
    fill: async (leaveBytes) => {
      const space = await statfs(dir);
      const filler = path.join(dir, 'filler');
      await writeFile(filler, Buffer.alloc(Math.max(0, space.bavail * space.bsize - leaveBytes)));
      return filler;
    },
    unmount: async () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
