import type { SimulatedInputConfig } from '../config-types.js';
import { MAX_PENDING_EMITS } from '../defaults.js';
import type { Input, InputContext } from '../input.js';
import type { ResolvedDeps } from '../shared/deps.js';
import { EmitWindow } from '../shared/emit-window.js';
import { Poller } from '../shared/poller.js';

/** The value of a simulated sensor at `timeMs`: a sine around `center`, shifted per topic, plus noise. */
export function simulatedValue(
  config: SimulatedInputConfig,
  timeMs: number,
  topicIndex: number,
  random: number,
) {
  const phase = (2 * Math.PI * topicIndex) / Math.max(1, config.topics.length);
  const angle = (2 * Math.PI * timeMs) / (config.periodSeconds * 1000) + phase;
  const value = config.center + config.amplitude * Math.sin(angle) + config.noise * (2 * random - 1);
  return Number(value.toFixed(config.decimals));
}

/** A sine-and-noise sensor for demos: one `{ value, unit }` per topic every `intervalSeconds`. */
export class SimulatedInput implements Input {
  readonly name: string;
  private poller: Poller | undefined;
  private window: EmitWindow | undefined;

  constructor(
    private readonly config: SimulatedInputConfig,
    private readonly deps: ResolvedDeps,
  ) {
    this.name = config.name;
  }

  async start(context: InputContext): Promise<void> {
    const window = new EmitWindow(context, MAX_PENDING_EMITS);
    this.window = window;
    const { clock, random, timers } = this.deps;
    this.poller = new Poller(timers, clock, this.config.intervalSeconds * 1000, async () => {
      const readAt = clock();
      for (const [index, topic] of this.config.topics.entries()) {
        const value = simulatedValue(this.config, readAt, index, random());
        await window.handOver({ topic, message: { value, unit: this.config.unit }, readAt });
      }
    });
    this.poller.start();
  }

  async stop(): Promise<void> {
    this.window?.close();
    await this.poller?.stop();
    await this.window?.drain(this.deps.timers, this.deps.stopGraceMs);
  }
}
