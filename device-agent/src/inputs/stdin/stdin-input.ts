import type { StdinInputConfig } from '../config-types.js';
import { MAX_PENDING_EMITS } from '../defaults.js';
import type { Input, InputContext } from '../input.js';
import type { ResolvedDeps } from '../shared/deps.js';
import { EmitWindow } from '../shared/emit-window.js';
import { feedLines, type LineFeed } from '../shared/line-feeder.js';

/** Reads JSON lines `{"topic":…,"message":…}` or plain values (for the fixed `topic`) from standard input. */
export class StdinInput implements Input {
  readonly name: string;
  private feed: LineFeed | undefined;
  private window: EmitWindow | undefined;

  constructor(
    private readonly config: StdinInputConfig,
    private readonly deps: ResolvedDeps,
  ) {
    this.name = config.name;
  }

  async start(context: InputContext): Promise<void> {
    const window = new EmitWindow(context, MAX_PENDING_EMITS);
    this.window = window;
    const feed = feedLines(this.deps.stdin, {
      rule: this.config,
      topic: this.config.topic,
      window,
      logger: context.logger,
      clock: this.deps.clock,
    });
    this.feed = feed;
    void feed.ended.then((how) => {
      if (how === 'ended') context.logger.info({}, 'standard input ended; this input reads nothing more');
    });
  }

  /** Resolves when standard input has ended (for tests and one-shot pipelines). */
  async ended(): Promise<void> {
    await this.feed?.ended;
  }

  async stop(): Promise<void> {
    this.feed?.detach();
    this.deps.stdin.pause();
    await this.window?.drain(this.deps.timers, this.deps.stopGraceMs);
  }
}
