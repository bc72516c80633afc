/**
 * `npm run bench`: runs the benchmarks one after another and prints their figures (each bench prints a table
 * and one JSON line per measurement). A quick pass fits in about 5 minutes on a 2-core machine; `npm run bench
 * -- --full` runs the large sizes. `-- --only=NAME[,NAME]` runs some of them. Adding a benchmark is one line in
 * BENCHES. Figures and how to read them: docs/BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One benchmark: its name, its script (relative to the repository), and extra arguments for each pass. */
interface Bench {
  name: string;
  script: string;
  quick?: string[];
  full?: string[];
}

const BENCHES: Bench[] = [
  { name: 'post-cpu', script: 'bench/post-cpu.ts', full: ['--full'] },
  {
    name: 'fan-out-limit',
    script: 'bench/fan-out-limit.ts',
    quick: ['--json=bench/results/fan-out-limit.json'],
    full: ['--full', '--json=bench/results/fan-out-limit.json'],
  },
  // The fan-out machinery's own CPU per post, apart from HTTP (a gateway that resolves at once or after 20 ms).
  { name: 'fan-out-overhead', script: 'bench/fan-out-overhead.ts' },
  // The same split at AWS's scale (99 workers at once) on a simulated clock: the policy, not this machine's CPU.
  { name: 'fan-out-simulated', script: 'bench/fan-out-simulated.ts', quick: ['--subscribers=20000'] },
  // A publish split across worker processes: 20,000 subscribers quick, 100,000 full.
  { name: 'fan-out-split', script: 'bench/fan-out-split.ts', full: ['--full'] },
  {
    name: 'fan-out-plot',
    script: 'bench/plot-fan-out.ts',
    quick: ['bench/results/fan-out-limit.json', 'docs/images/fan-out.svg'],
    full: ['bench/results/fan-out-limit.json', 'docs/images/fan-out.svg'],
  },
  // serverless-offline's CPU per @connections post, with the local fast path and with hapi's route, A B A B.
  { name: 'connections-route', script: 'bench/connections-route.ts', quick: ['10000', '2'] },
  { name: 'end-to-end', script: 'bench/end-to-end.ts', full: ['--full'] },
  // Store cost (benchmark 4): 1k and 10k rows; --full adds 100k.
  { name: 'read-units', script: 'bench/read-units.ts', full: ['--full'] },
  // Retained values (issue 11): write units per retained publish, read units per lookup; --full adds 50k topics.
  { name: 'retained-units', script: 'bench/retained-units.ts', full: ['--full'] },
  // Topic history: write units per publish, read units of a 100-frame request.
  { name: 'history-units', script: 'bench/history-units.ts' },
  // Catch-up after a reconnect: 100 missed frames, 5 reconnects quick, 7 full.
  { name: 'catch-up', script: 'bench/catch-up.ts', quick: ['100', '5'], full: ['100', '7'] },
  // Cold start (benchmark 5): 5 fresh processes per build in the quick pass, 20 in the full one.
  { name: 'cold-start', script: 'bench/cold-start.ts', quick: ['5'], full: ['20'] },
  // The agent against a local acking sink (benchmark 6): 20,000 frames quick, 100,000 full.
  { name: 'agent', script: 'bench/agent-sink.ts', full: ['--full'] },
  // Cost model and memory sizes (benchmark 7).
  { name: 'cost-model', script: 'bench/cost-model.ts' },
  // HTTP publish: the bearer token checked in the function, next to a Lambda authorizer (issue 11).
  { name: 'http-token-check', script: 'bench/http-token-check.ts', quick: ['5000'] },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const full = process.argv.includes('--full');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.split('=')[1]
  ?.split(',');
const failed: string[] = [];
const started = performance.now();
for (const bench of BENCHES) {
  if (only && !only.includes(bench.name)) continue;
  const args = (full ? bench.full : bench.quick) ?? [];
  console.log(`\n=== ${bench.name}: npx tsx ${bench.script} ${args.join(' ')}`.trimEnd());
  const benchStarted = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', bench.script, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0);
  if (run.status !== 0) failed.push(bench.name);
  console.log(
    `=== ${bench.name}: ${run.status === 0 ? 'done' : `FAILED (exit ${run.status})`} in ${seconds} s`,
  );
}
console.log(
  `\nAll benchmarks: ${((performance.now() - started) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`,
);
process.exitCode = failed.length ? 1 : 0;
