/**
 * The browser client's size as an application would ship it: bundled with esbuild (the client and the
 * parts of shared-types it uses), minified, then gzipped with zlib. Also the dashboard page's built assets.
 * Run: `npx tsx bench/client-size.ts`. Results: docs/BENCHMARKS.md and docs/CLIENT.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { DEFAULT_DIST_DIR, ensureBuilt } from '../dashboard/server/build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Sizes in bytes of one bundle. */
export interface BundleSize {
  name: string;
  minifiedBytes: number;
  gzippedBytes: number;
}

const gzipped = (code: Uint8Array | string) => gzipSync(code, { level: 9 }).byteLength;

/** Bundles `contents` (an entry importing the client) for browsers, minified, and measures it. */
export async function measureBundle(name: string, contents: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { name, minifiedBytes: code.byteLength, gzippedBytes: gzipped(code) };
}

/** The client measured whole (every export) and as a typical app uses it (connect only). */
export async function measureClient(): Promise<BundleSize[]> {
  return [
    await measureBundle('client, every export', "export * from './client/src/index.ts';"),
    await measureBundle(
      'client, connect() only',
      "import { connect } from './client/src/index.ts'; (globalThis as any).connect = connect;",
    ),
  ];
}

/** The dashboard's built JavaScript and CSS (uPlot included), built first when stale. */
export async function measureDashboard(): Promise<BundleSize[]> {
  await ensureBuilt(DEFAULT_DIST_DIR);
  const assets = join(DEFAULT_DIST_DIR, 'assets');
  return readdirSync(assets).map((file) => {
    const code = readFileSync(join(assets, file));
    return {
      name: `dashboard ${file.endsWith('.css') ? 'CSS' : 'JS'} (${file})`,
      minifiedBytes: code.byteLength,
      gzippedBytes: gzipped(code),
    };
  });
}

async function main(): Promise<void> {
  const rows = [...(await measureClient()), ...(await measureDashboard())];
  console.log('| bundle | minified | minified + gzip |\n|---|---:|---:|');
  for (const row of rows) {
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB (${bytes} B)`;
    console.log(`| ${row.name} | ${kb(row.minifiedBytes)} | ${kb(row.gzippedBytes)} |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
