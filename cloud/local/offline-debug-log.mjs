// Preloaded into the serverless-offline process (`node --import`), local stack only: serverless-offline's
// `log.debug` does nothing unless serverless was asked for debug output.
//
// Why: serverless-offline calls `log.debug` twice for every `@connections` post and on every invocation, and its
// logger works out each line (arguments, namespaces, level) before it finds the level off: about 30 µs a call on
// this VM, 3% of the emulation's CPU at 100 publishes/s (docs/BENCHMARKS.md, "Local stack throughput").
// With `SLS_DEBUG` set, or `--debug`/`--verbose` given to serverless, nothing is changed.
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const debugAsked =
  process.env.SLS_DEBUG !== undefined ||
  process.argv.some((arg) => arg === '--verbose' || arg === '--debug' || arg.startsWith('--debug='));

if (!debugAsked) {
  try {
    const require = createRequire(import.meta.url);
    // serverless-offline's package root: its `main` is src/index.cjs.
    const offlineRoot = path.dirname(path.dirname(require.resolve('serverless-offline')));
    const { log } = await import(pathToFileURL(path.join(offlineRoot, 'src', 'utils', 'log.js')).href);
    log.debug = () => undefined;
  } catch (error) {
    console.warn(
      `topic-bridge: serverless-offline's logger was not where the local stack looks for it (${error}); ` +
        'running with its debug calls as they are (slower, same behaviour).',
    );
  }
}
