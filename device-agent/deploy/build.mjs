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

/**
 * `ws` and mqtt.js require `tls` and `https` when they load, but use them only for wss:// and mqtts:// URLs.
 * Loading them costs ~2 MB of RSS for the life of the process (node's TLS and HTTPS modules and what they
 * touch: 43.9 vs 42.5 MB for a bare node with `tls` against `net`, ~1 MB more with `https`). In the bundle,
 * those two requires get a stand-in that loads the real module on first use, so an agent with ws:// and
 * mqtt:// URLs never loads them and one with wss:// or mqtts:// loads them at its first connect.
 */
const LAZY_BUILTINS = /^(node:)?(tls|https)$/;
const LAZY_IMPORTERS = /node_modules[\\/](ws|mqtt)[\\/]/;
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(builder) {
    builder.onResolve({ filter: LAZY_BUILTINS }, (args) =>
      args.kind === 'require-call' && LAZY_IMPORTERS.test(args.importer)
        ? { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(`node:${args.path}`)}));
module.exports = new Proxy({}, {
  get: (_target, name) => load()[name],
  has: (_target, name) => name in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_target, name) => {
    const descriptor = Object.getOwnPropertyDescriptor(load(), name);
    return descriptor && { ...descriptor, configurable: true };
  },
});`,
    }));
  },
};
/**
 * Every `require('debug')` in the bundle (mqtt.js, mqtt-packet) gets quiet-debug.cjs: loggers that allocate
 * nothing per call unless DEBUG is set when the agent starts (then the real `debug`, as before).
 */
const quietDebug = {
  name: 'quiet-debug',
  setup(builder) {
    builder.onResolve({ filter: /^debug$/ }, () => ({ path: path.join(root, 'deploy', 'quiet-debug.cjs') }));
  },
};
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
  plugins: [lazyBuiltins, quietDebug],
}).then((result) => {
  const native = Object.keys(result.metafile.inputs).filter((file) => file.endsWith('.node'));
  if (native.length > 0) throw new Error(`native modules in the bundle: ${native.join(', ')}`);
});
await chmod(outfile, 0o755);
const { size } = await stat(outfile);
console.log(`built ${path.relative(process.cwd(), outfile)} (${(size / 1024).toFixed(0)} KiB)`);
