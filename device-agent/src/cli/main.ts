import { AgentError, ConfigError, describeForCli, RejectedError, UsageError } from '../errors.js';
import { COMMANDS } from './commands.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { type CliIo, processIo } from './io.js';
import { runCommand } from './run.js';

/**
 * `run` as the systemd unit starts it: `run` alone or `run --config FILE`, nothing else. That form goes straight
 * to the command, without yargs: for every command it runs, yargs lays out the whole `--help` text first (cliui,
 * string-width, Unicode tables), which was 17% of the agent's start-up CPU and a few MB of memory kept for the
 * life of the process. Any other form (flags, `--help`, other commands) is parsed by yargs as before.
 */
export function plainRunArgs(argv: string[]): { config?: string } | undefined {
  const [command, first, second] = argv;
  if (command !== 'run') return undefined;
  if (argv.length === 1) return {};
  if (argv.length === 2 && first?.startsWith('--config=') && first.length > '--config='.length)
    return { config: first.slice('--config='.length) };
  if (
    argv.length === 3 &&
    first === '--config' &&
    second !== undefined &&
    second !== '' &&
    !second.startsWith('-')
  )
    return { config: second };
  return undefined;
}

/**
 * The CLI as a function of its arguments: parses `argv` (without `node` and the script), runs the command
 * and returns the exit code. Never calls process.exit, so tests call it in-process.
 */
export async function main(argv: string[], overrides: Partial<CliIo> = {}): Promise<ExitCode> {
  const processDefaults = processIo();
  const io: CliIo = { ...processDefaults, ...overrides };
  try {
    const plain = plainRunArgs(argv);
    if (plain) {
      const handler = runCommand(io).handler as (args: Record<string, unknown>) => Promise<void>;
      await handler(plain);
      return EXIT.ok;
    }
    // Loaded only here: `run` as the unit starts it never needs it (see plainRunArgs).
    const { default: yargs } = await import('yargs');
    const output = await new Promise<string>((resolve, reject) => {
      let parser = yargs(argv)
        .scriptName('device-agent')
        .usage(
          "$0 <command> [options]\n\nThe topic-bridge device agent. Run `$0 <command> --help` for a command's options.",
        )
        .demandCommand(1, 'Name a command: run, publish or subscribe.')
        .strict()
        .exitProcess(false)
        .help()
        .alias('help', 'h')
        .version(false)
        .wrap(Math.min(120, process.stdout.columns ?? 100))
        .epilog(
          'Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error, 3 rejected by the bridge. See docs/AGENT.md.',
        )
        .fail((message, error) => reject(error ?? new UsageError(message)));
      for (const command of COMMANDS) parser = parser.command(command(io));
      parser
        .parseAsync(argv, {}, (error, _args, text) => (error ? reject(error) : resolve(text)))
        .catch(reject);
    });
    if (output) io.stdout.write(`${output}\n`);
    return EXIT.ok;
  } catch (error) {
    return report(error, io, argv);
  } finally {
    processDefaults.dispose();
  }
}

function report(error: unknown, io: CliIo, argv: string[]): ExitCode {
  if (error instanceof ConfigError) {
    io.stderr.write(`device-agent: ${typeof error.cause === 'string' ? error.cause : error.message}\n`);
    return EXIT.usage;
  }
  if (
    error instanceof UsageError ||
    (error instanceof Error && !(error instanceof AgentError) && error.name === 'YError')
  ) {
    const command = argv.find((a) => !a.startsWith('-')) ?? '';
    io.stderr.write(
      `device-agent: ${error.message}\nRun \`device-agent ${command ? `${command} ` : ''}--help\` for usage.\n`,
    );
    return EXIT.usage;
  }
  if (error instanceof RejectedError) {
    io.stderr.write(`device-agent: ${error.message}\n`);
    return EXIT.rejected;
  }
  const ownExitCode = (error as { exitCode?: unknown } | undefined)?.exitCode;
  if (typeof ownExitCode === 'number') {
    // A command with documented exit codes of its own (provision: 10 and up) carries its code on the error.
    io.stderr.write(`device-agent: ${describeForCli(error)}\n`);
    return ownExitCode as ExitCode;
  }
  io.stderr.write(`device-agent: ${describeForCli(error)}\n`);
  return EXIT.failure;
}
