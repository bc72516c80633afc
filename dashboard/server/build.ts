import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard workspace folder. */
export const DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run build -w dashboard` and the server put the built page. */
export const DEFAULT_DIST_DIR = join(DASHBOARD_DIR, 'dist');

/** Everything the built page is made from: a change in any of these makes `dist/` stale. */
export const PAGE_SOURCES = [
  join(DASHBOARD_DIR, 'index.html'),
  join(DASHBOARD_DIR, 'vite.config.ts'),
  join(DASHBOARD_DIR, 'src'),
  join(DASHBOARD_DIR, 'public'),
  join(DASHBOARD_DIR, '..', 'client', 'src'),
  join(DASHBOARD_DIR, '..', 'shared-types', 'src'),
];

/** The newest modification time (ms) among the files at these paths, searched recursively. */
export function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      newest = Math.max(newest, newestMtime(readdirSync(path).map((name) => join(path, name))));
    } else newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** True when `distDir` has no built page or one older than its sources. */
export function isStale(distDir: string, sources: readonly string[] = PAGE_SOURCES): boolean {
  const index = join(distDir, 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < newestMtime(sources);
}

/**
 * Builds the page with vite's JS API into `distDir` when it is missing or stale. The build goes to a
 * fresh folder that then replaces `distDir` by rename, so a server reading `distDir` never sees half a build.
 */
export async function ensureBuilt(distDir: string = DEFAULT_DIST_DIR): Promise<{ built: boolean }> {
  if (!isStale(distDir)) return { built: false };
  const { build } = await import('vite');
  const { default: config } = await import('../vite.config.js');
  const staging = `${distDir}.staging-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    await build({
      ...config,
      configFile: false,
      build: { ...config.build, outDir: staging, emptyOutDir: true },
    });
    const retired = `${distDir}.retired-${process.pid}-${randomUUID().slice(0, 8)}`;
    if (existsSync(distDir)) renameSync(distDir, retired);
    try {
      renameSync(staging, distDir);
    } catch (error) {
      // Another process (a parallel test file) put its fresh build there first: use that one.
      if (!existsSync(join(distDir, 'index.html'))) throw error;
    }
    rmSync(retired, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { built: true };
}
