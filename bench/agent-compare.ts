/**
 * Two agent bundles side by side (issue 10, benchmark 6): runs bench/agent-sink.ts on each, alternating, for
 * a few rounds, and prints the median and the range of every figure per bundle. On a shared machine the load
 * changes from minute to minute; alternating puts both versions under the same load, so the ratio means more
 * than either figure alone.
 * Run: npx tsx bench/agent-compare.ts --baseline=OLD.mjs [--candidate=NEW.mjs] [--rounds=3]
 *   [--baseline-agent-env='…'] [agent-sink options]
 * (--baseline-agent-env: the baseline's environment, when it ran under another unit file; `=` alone: none.)
 * A bundle of another commit: `git worktree add /tmp/base COMMIT && cd /tmp/base && npm ci &&
 * node device-agent/deploy/build.mjs /tmp/base.mjs`. Without --candidate, this tree is built and used.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const baseline = arg('baseline');
if (!baseline)
  throw new Error('--baseline=FILE is required: a bundle built from the version to compare with');
const rounds = Number(arg('rounds') ?? 3);
const passOn = process.argv
  .slice(2)
  .filter((a) => !/^--(baseline|candidate|rounds|baseline-agent-env)=/.test(a) && !a.startsWith('--bundle='));
const baselineEnv = arg('baseline-agent-env');
const root = path.resolve(import.meta.dirname, '..');
const dir = await mkdtemp(path.join(tmpdir(), 'agent-compare-'));
let candidate = arg('candidate');
if (!candidate) {
  candidate = path.join(dir, 'candidate.mjs');
  const built = spawnSync(process.execPath, [path.join(root, 'device-agent/deploy/build.mjs'), candidate], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`cannot build the agent bundle: ${built.stderr}`);
}

/** The figures compared, from agent-sink's JSON line. */
const FIGURES = [
  'framesPerSecond',
  'agentCpuMicrosPerFrame',
  'agentFramesPerCoreSecond',
  'brokerCpuMicrosPerFrame',
  'publisherCpuMicrosPerFrame',
  'brokerAndPublisherCpuMicrosPerFrame',
  'sinkCpuMicrosPerFrame',
  'idleRssMB',
  'idleAnonMB',
  'loadPeakRssMB',
  'loadPeakAnonMB',
  'loadAgentCpuMicrosPerFrame',
  'loadAgentCpuMicrosPerFrameSecondHalf',
  'throughputPeakRssMB',
  'drainSecondsFromStart',
  'drainSecondsFromFirstFrame',
  'load',
] as const;
type Figures = Record<(typeof FIGURES)[number], number>;

const runs: Record<'baseline' | 'candidate', Figures[]> = { baseline: [], candidate: [] };
try {
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so neither always runs on the warmer (or busier) machine.
    const order =
      round % 2 === 0 ? (['baseline', 'candidate'] as const) : (['candidate', 'baseline'] as const);
    for (const which of order) {
      const bundle = which === 'baseline' ? baseline : candidate;
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(root, 'bench/agent-sink.ts'),
          `--bundle=${bundle}`,
          // Before the options passed on: agent-sink takes the first of a repeated option.
          ...(which === 'baseline' && baselineEnv !== undefined ? [`--agent-env=${baselineEnv}`] : []),
          ...passOn,
        ],
        { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const line = run.stdout.split('\n').find((l) => l.startsWith('{"bench":"agent-sink"'));
      if (run.status !== 0 || !line) throw new Error(`agent-sink failed for ${which}: ${run.stderr}`);
      const figures = JSON.parse(line) as Figures;
      runs[which].push(figures);
      console.log(`round ${round + 1} ${which}: ${line}`);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const summary: Record<string, unknown> = {
  bench: 'agent-compare',
  rounds,
  baseline,
  candidate: arg('candidate') ?? 'this tree',
};
console.log(
  `\n${'figure'.padEnd(38)} ${'baseline median [min–max]'.padEnd(28)} ${'candidate median [min–max]'.padEnd(28)} ratio`,
);
for (const figure of FIGURES) {
  const a = runs.baseline.map((r) => r[figure]);
  const b = runs.candidate.map((r) => r[figure]);
  const ratio = median(b) / median(a);
  const show = (values: number[]) =>
    `${+median(values).toFixed(2)} [${+Math.min(...values).toFixed(2)}–${+Math.max(...values).toFixed(2)}]`;
  console.log(`${figure.padEnd(38)} ${show(a).padEnd(28)} ${show(b).padEnd(28)} ${ratio.toFixed(2)}×`);
  summary[figure] = { baseline: a, candidate: b, ratio: +ratio.toFixed(2) };
}
console.log(JSON.stringify(summary));
