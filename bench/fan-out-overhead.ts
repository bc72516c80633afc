/**
 * The fan-out machinery's own CPU per post, apart from HTTP: fanOut (pacer, retries, counting) against a
 * gateway that resolves at once, or after a timer of 20 ms, next to a bare loop with the same concurrency that
 * calls the gateway directly. Run: `npx tsx bench/fan-out-overhead.ts [--posts=20000]`.
 */
import { loadavg } from 'node:os';
import { DEFAULT_FAN_OUT } from '../cloud/src/config.js';
import { fanOut } from '../cloud/src/core/fan-out.js';
import type { ConnectionGateway } from '../cloud/src/core/gateway.js';
import { runBounded } from '../cloud/src/core/run-bounded.js';
import type { Logger } from '../cloud/src/log.js';

const POSTS = Number(process.argv.find((a) => a.startsWith('--posts='))?.split('=')[1] ?? 20_000);
const ROUNDS = 3;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const FRAME = JSON.stringify({ topic: 'plant/3/sensor/13', data: { t: 21.5, seq: 1 } });

function gatewayAfter(ms: number): ConnectionGateway {
  if (ms === 0) return { post: async () => {} };
  return { post: () => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
}

const variants: Record<string, (ids: string[], gateway: ConnectionGateway) => Promise<void>> = {
  'bare runBounded(256)': (ids, gateway) =>
    runBounded(ids, DEFAULT_FAN_OUT.concurrency, (id) => gateway.post(id, FRAME, 3_000)),
  fanOut: async (ids, gateway) => {
    await fanOut(ids, FRAME, {
      gateway,
      settings: DEFAULT_FAN_OUT,
      store: { removeConnection: async () => 0 },
      logger: quiet,
    });
  },
};

const ids = Array.from({ length: POSTS }, (_, i) => `conn-${i}`);
for (const latency of [0, 20]) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const gateway = gatewayAfter(latency); // a new gateway: a new pacer, as a cold start has
      const cpu = process.cpuUsage();
      const started = performance.now();
      await run(ids, gateway);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const usPerPost = (used.user + used.system) / POSTS;
      console.log(
        JSON.stringify({
          bench: 'fan-out-overhead',
          latency,
          round,
          variant: name,
          posts: POSTS,
          ms: Math.round(ms),
          cpuUsPerPost: Number(usPerPost.toFixed(2)),
          load: Number(loadavg()[0]?.toFixed(2)),
        }),
      );
    }
  }
}
