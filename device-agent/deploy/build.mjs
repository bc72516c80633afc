// Builds the single-file agent for gateways: dist/device-agent.mjs, every dependency bundled, no native
// module (ws's optional native helpers are left out: ws falls back to JavaScript). Run: npm run build -w device-agent
// An optional argument names another output file (the bundle test builds into a temporary directory);
// `--no-minify` keeps names readable (bench/agent-sink.ts --cpu-prof uses it so that a profile names functions).
import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const minify = !args.includes('--no-minify');
const target = args.find((a) => !a.startsWith('--'));
const outfile = path.resolve(target ?? path.join(root, 'dist', 'device-agent.mjs'));
await build({
  entryPoints: [path.join(root, 'src', 'cli', 'entry.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify,
  sourcemap: false,
  legalComments: 'none',
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS dependencies (pino, yargs-parser…) call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
}).then((result) => {
  const native = Object.keys(result.metafile.inputs).filter((file) => file.endsWith('.node'));
  if (native.length > 0) throw new Error(`native modules in the bundle: ${native.join(', ')}`);
});
await chmod(outfile, 0o755);
const { size } = await stat(outfile);
console.log(`built ${path.relative(process.cwd(), outfile)} (${(size / 1024).toFixed(0)} KiB)`);
