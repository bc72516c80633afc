import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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

/** Options of a service copy. */
export interface ServiceCopyOptions {
  /**
   * Bundle the handlers unminified (serverless.yml's `custom.esbuild.minify: true` turned off in the copy), so that
   * a CPU profile of serverless-offline names our functions. The deployed bundle is never affected.
   */
  unminified?: boolean;
}

/**
 * Creates a private service folder in the OS temp folder: our serverless.yml (copied unchanged) and links to
 * the code. serverless writes `<service>/.serverless` and serverless-esbuild builds in `<service>/.esbuild`
 * (and deletes it afterwards), so runs sharing the repository would overwrite or delete each other's
 * builds; each run in its own folder cannot.
 */
export async function createServiceCopy(options: ServiceCopyOptions = {}): Promise<ServiceCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'topic-bridge-service-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const yml = await readFile(join(SERVICE_DIR, 'serverless.yml'), 'utf8');
    const copied = options.unminified ? unminify(yml) : yml;
    await writeFile(join(dir, 'serverless.yml'), copied);
    for (const entry of LINKED_ENTRIES) await symlink(join(SERVICE_DIR, entry), join(dir, entry));
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}

/** serverless.yml with the esbuild block's `minify: true` set to false; throws if the line is not there. */
function unminify(yml: string): string {
  const line = /^( {4}minify: )true$/m;
  if (!line.test(yml))
    throw new Error('serverless.yml has no `    minify: true` line under custom.esbuild to turn off');
  return yml.replace(line, '$1false');
}
