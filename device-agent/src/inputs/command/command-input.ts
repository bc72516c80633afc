import type { CommandInputConfig } from '../config-types.js';
import { MAX_PENDING_EMITS, MAX_READ_BYTES } from '../defaults.js';
import type { Input, InputContext } from '../input.js';
import { Backoff } from '../shared/backoff.js';
import type { ResolvedDeps } from '../shared/deps.js';
import { EmitWindow } from '../shared/emit-window.js';
import { feedLines } from '../shared/line-feeder.js';
import { LineSplitter } from '../shared/line-splitter.js';
import { Poller } from '../shared/poller.js';
import { ProblemLog } from '../shared/problem-log.js';
import { describeExit, type RunningProcess, startProcess } from './child-process.js';
import { runPolledCommand } from './poll-command.js';

/**
 * Runs a command: in `poll` mode every `intervalSeconds` (its stdout is one value), in `stream` mode once and
 * for as long as it lives (each stdout line is a reading), restarted with backoff when it exits. Stopping
 * the input kills the command's whole process group.
 */
export class CommandInput implements Input {
  readonly name: string;
  private poller: Poller | undefined;
  private window: EmitWindow | undefined;
  private running: RunningProcess | undefined;
  private stopped = false;
  private streamLoop: Promise<void> | undefined;
  private wakeFromBackoff: (() => void) | undefined;

  constructor(
    private readonly config: CommandInputConfig,
    private readonly deps: ResolvedDeps,
  ) {
    this.name = config.name;
  }

  async start(context: InputContext): Promise<void> {
    this.stopped = false;
    const window = new EmitWindow(context, MAX_PENDING_EMITS);
    this.window = window;
    if (this.config.mode === 'stream') {
      this.streamLoop = this.runStream(context, window);
      return;
    }
    const problems = new ProblemLog(context.logger);
    const topic = this.config.topic as string;
    this.poller = new Poller(
      this.deps.timers,
      this.deps.clock,
      this.config.intervalSeconds * 1000,
      async () => {
        const readAt = this.deps.clock();
        const result = await runPolledCommand(this.config, this.deps, (running) => {
          this.running = running;
        });
        if (this.stopped) return;
        if (!result.ok) {
          problems.report(
            result.reason,
            {},
            'the command gave no reading; will run it again at the next interval',
          );
          return;
        }
        problems.clear({}, 'the command gives readings again');
        await window.handOver({ topic, message: result.value, readAt });
      },
    );
    this.poller.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeFromBackoff?.();
    if (this.config.mode !== 'stream') this.window?.close();
    const stopping = this.poller?.stop();
    await this.running?.kill();
    await stopping;
    await this.streamLoop;
    await this.window?.drain(this.deps.timers, this.deps.stopGraceMs);
  }

  private async runStream(context: InputContext, window: EmitWindow): Promise<void> {
    const { logger } = context;
    const backoff = new Backoff(
      this.config.restartMinSeconds * 1000,
      this.config.restartMaxSeconds * 1000,
      this.deps.random,
      this.deps.clock,
    );
    while (!this.stopped) {
      const running = startProcess(this.deps.spawn, this.config.command, this.config.cwd);
      this.running = running;
      backoff.succeeded();
      logger.info({ pid: running.child.pid }, 'command started');
      const stdout = running.child.stdout;
      if (stdout) {
        const rule = this.config;
        feedLines(stdout, { rule, topic: this.config.topic, window, logger, clock: this.deps.clock });
      }
      const stderr = new LineSplitter(
        MAX_READ_BYTES,
        (line) => line.trim() && logger.warn({ stderr: line.slice(0, 500) }, 'command stderr'),
        () => {},
      );
      running.child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      const exit = await running.exited;
      this.running = undefined;
      if (this.stopped) break;
      const delay = backoff.next();
      logger.warn({ delayMs: delay }, `the command ${describeExit(exit)}; restarting it`);
      await new Promise<void>((resolve) => {
        const timer = this.deps.timers.setTimeout(resolve, delay);
        this.wakeFromBackoff = () => {
          this.deps.timers.clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
