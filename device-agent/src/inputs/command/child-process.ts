import type { ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { COMMAND_KILL_GRACE_MS } from '../defaults.js';

/** How a process ended: its exit code, the signal that killed it, or why it could not start. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
}

/** A started command. */
export interface RunningProcess {
  child: ChildProcess;
  exited: Promise<ProcessExit>;
  /** SIGTERM to the whole process group, SIGKILL after COMMAND_KILL_GRACE_MS; resolves once it exited. */
  kill(): Promise<ProcessExit>;
}

/**
 * Starts a command in its own process group (so that `sh -c "a | b"` is stopped whole): a string runs
 * through `/bin/sh -c`, a list runs the program directly.
 */
export function startProcess(
  spawn: typeof nodeSpawn,
  command: string | string[],
  cwd?: string,
): RunningProcess {
  const [file, args] =
    typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0] ?? '', command.slice(1)];
  const child = spawn(file, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error: error.message }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  return {
    child,
    exited,
    async kill() {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), COMMAND_KILL_GRACE_MS);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** A one-line description of how a process ended, for logs. */
export function describeExit(exit: ProcessExit): string {
  if (exit.error !== undefined) return `could not start: ${exit.error}`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
