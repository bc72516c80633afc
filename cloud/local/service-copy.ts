import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: where serverless.yml and node_modules live. */
export const SERVICE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** serverless itself, called by path: peer dependencies can make `.bin/sls` point at another version. */
export const SERVERLESS_BIN = join(SERVICE_DIR, 'node_modules/serverless/bin/serverless.js');

// Everything the handlers import, linked; serverless refuses a linked serverless.yml, so that one is copied.
const LINKED_ENTRIES = ['package.json', 'node_modules', 'cloud', 'shared-types'];

/** A private service folder, and how to remove it. */
export interface ServiceCopy {
  dir: string;
  remove(): Promise<void>;
}

/**
 * Creates a private service folder in the OS temp folder: our serverless.yml (copied unchanged) and links to
 * the code. serverless writes `<service>/.serverless` and serverless-esbuild builds in `<service>/.esbuild`
 * (and deletes it afterwards), so runs sharing the repository would overwrite or delete each other's
 * builds; each run in its own folder cannot.
 */
export async function createServiceCopy(): Promise<ServiceCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'topic-bridge-service-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await copyFile(join(SERVICE_DIR, 'serverless.yml'), join(dir, 'serverless.yml'));
    for (const entry of LINKED_ENTRIES) await symlink(join(SERVICE_DIR, entry), join(dir, entry));
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}
