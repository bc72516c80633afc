/**
 * Benchmark 5, cold start: each handler's minified bundle, built as serverless.yml builds it (esbuild: bundle,
 * minify, tree-shake, ESM, node22, `mainFields: [module, main]`), and its module initialisation time (median
 * of fresh Node processes importing it) against an unbundled build (our code in one file, every package
 * loaded from node_modules at run time), as a ratio. No handler imports the AWS SDK any more (its calls are
 * signed POSTs: cloud/src/aws/signed-request.ts), so the bundles are our code and `jose` (the authorizer).
 * Run: `npx tsx bench/cold-start.ts [runs]` (default 20 processes per build; about 1 minute).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Inside node_modules, so that the unbundled build resolves its packages from the repository's node_modules.
const OUT_DIR = path.join(ROOT, 'node_modules', '.cache', 'topic-bridge-cold-start');

/** The handlers, as serverless.yml names their files. */
export const HANDLERS = {
  connect: 'cloud/src/handlers/connect.ts',
  disconnect: 'cloud/src/handlers/disconnect.ts',
  onMessage: 'cloud/src/handlers/on-message-optimized.ts',
  onMessageScan: 'cloud/src/handlers/on-message.ts',
  fanOutWorker: 'cloud/src/handlers/fan-out-worker.ts',
  iotBridge: 'cloud/src/handlers/iot-bridge.ts',
  authorizer: 'cloud/src/handlers/authorizer.ts',
} as const;

/** The bundle size target of issue 10. */
export const TARGET_BUNDLE_BYTES = 150 * 1024;

type Variant = 'bundled' | 'unbundled';

/** Leaves every package but our own workspaces to be loaded from node_modules at run time. */
const packagesExternal: Plugin = {
  name: 'packages-external',
  setup(setup) {
    setup.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@topic-bridge/') ? undefined : { path: args.path, external: true },
    );
  },
};

async function buildHandler(name: string, entry: string, variant: Variant): Promise<string> {
  const outfile = path.join(OUT_DIR, variant, `${name}.mjs`);
  await build({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    minify: variant !== 'unbundled',
    treeShaking: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    logLevel: 'error',
    plugins: variant === 'unbundled' ? [packagesExternal] : [],
  });
  return outfile;
}

/** Imports a module in a fresh Node process and returns how long the import took, in ms. */
function importMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
    },
  });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** One handler's figures. */
export interface ColdStartRow {
  handler: string;
  bundledBytes: number;
  bundledInitMs: number;
  unbundledInitMs: number;
}

/** Builds and times every handler; `runs` fresh processes per build, interleaved so load hits all alike. */
export async function measureColdStart(runs: number): Promise<ColdStartRow[]> {
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
  const rows: ColdStartRow[] = [];
  for (const [handler, entry] of Object.entries(HANDLERS)) {
    const files = {
      bundled: await buildHandler(handler, entry, 'bundled'),
      unbundled: await buildHandler(handler, entry, 'unbundled'),
    };
    const times = { bundled: [] as number[], unbundled: [] as number[] };
    for (let run = 0; run < runs; run++) {
      for (const key of ['bundled', 'unbundled'] as const) times[key].push(importMs(files[key]));
    }
    rows.push({
      handler,
      bundledBytes: (await stat(files.bundled)).size,
      bundledInitMs: median(times.bundled),
      unbundledInitMs: median(times.unbundled),
    });
  }
  await rm(OUT_DIR, { recursive: true, force: true });
  return rows;
}

/** Prints the table. */
export async function main(argv: readonly string[]): Promise<void> {
  const runs = Number(argv.find((arg) => /^\d+$/.test(arg)) ?? 20);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`cold start, median of ${runs} fresh Node ${process.version} processes per build\n`);
  console.log('| handler | bundle | init bundled | init unbundled | unbundled / bundled |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of await measureColdStart(runs)) {
    const ratio = (row.unbundledInitMs / row.bundledInitMs).toFixed(1);
    const target = (bytes: number) => (bytes <= TARGET_BUNDLE_BYTES ? '' : ' ✗');
    console.log(
      `| ${row.handler} | ${kb(row.bundledBytes)}${target(row.bundledBytes)} | ${ms(row.bundledInitMs)} | ${ms(row.unbundledInitMs)} | ${ratio}x |`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
