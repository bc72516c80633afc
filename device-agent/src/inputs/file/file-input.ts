import type { FileInputConfig } from '../config-types.js';
import { MAX_PENDING_EMITS, MAX_READ_BYTES } from '../defaults.js';
import type { Input, InputContext } from '../input.js';
import type { ResolvedDeps } from '../shared/deps.js';
import { EmitWindow } from '../shared/emit-window.js';
import { Poller } from '../shared/poller.js';
import { ProblemLog } from '../shared/problem-log.js';
import { parseValue } from '../shared/value-parser.js';

/** Polls a file (a sysfs sensor, say) every `intervalSeconds`; read and parse errors are logged, never fatal. */
export class FileInput implements Input {
  readonly name: string;
  private poller: Poller | undefined;
  private window: EmitWindow | undefined;

  constructor(
    private readonly config: FileInputConfig,
    private readonly deps: ResolvedDeps,
  ) {
    this.name = config.name;
  }

  async start(context: InputContext): Promise<void> {
    const window = new EmitWindow(context, MAX_PENDING_EMITS);
    const problems = new ProblemLog(context.logger);
    this.window = window;
    this.poller = new Poller(
      this.deps.timers,
      this.deps.clock,
      this.config.intervalSeconds * 1000,
      async () => {
        const reading = await this.read(problems);
        if (reading !== undefined) await window.handOver(reading);
      },
    );
    this.poller.start();
  }

  async stop(): Promise<void> {
    this.window?.close();
    await this.poller?.stop();
    await this.window?.drain(this.deps.timers, this.deps.stopGraceMs);
  }

  private async read(problems: ProblemLog) {
    const { path, topic } = this.config;
    const readAt = this.deps.clock();
    let text: string;
    try {
      const read = await this.deps.readTextFile(path, MAX_READ_BYTES);
      if (read.truncated) {
        problems.report(`larger than ${MAX_READ_BYTES} bytes`, { path }, 'file too large to read; skipped');
        return undefined;
      }
      text = read.text;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.report(reason, { path }, 'cannot read the file; will try again at the next interval');
      return undefined;
    }
    const parsed = parseValue(text, this.config);
    if (!parsed.ok) {
      problems.report(parsed.reason, { path }, 'cannot parse the file content; skipped');
      return undefined;
    }
    problems.clear({ path }, 'the file reads again');
    return { topic, message: parsed.value, readAt };
  }
}
