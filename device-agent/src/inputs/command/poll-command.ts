import type { JsonValue } from '@topic-bridge/shared-types';
import type { CommandInputConfig } from '../config-types.js';
import { COMMAND_STDERR_TAIL_BYTES, MAX_READ_BYTES } from '../defaults.js';
import type { ResolvedDeps } from '../shared/deps.js';
import type { Parsed } from '../shared/value-parser.js';
import { parseValue } from '../shared/value-parser.js';
import { describeExit, type RunningProcess, startProcess } from './child-process.js';

/**
 * Runs the command once and parses its whole stdout by the value rule. A non-zero exit, a timeout or output
 * over MAX_READ_BYTES is a failure with a reason (stderr's tail included); the process is always reaped.
 */
export async function runPolledCommand(
  config: CommandInputConfig,
  deps: ResolvedDeps,
  track: (running: RunningProcess | undefined) => void,
): Promise<Parsed<JsonValue>> {
  const running = startProcess(deps.spawn, config.command, config.cwd);
  track(running);
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderr = Buffer.alloc(0);
  let failure: string | undefined;
  running.child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (stdoutBytes <= MAX_READ_BYTES) stdout.push(chunk);
    else if (failure === undefined) {
      failure = `wrote more than ${MAX_READ_BYTES} bytes to stdout`;
      void running.kill();
    }
  });
  running.child.stderr?.on('data', (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk]).subarray(-COMMAND_STDERR_TAIL_BYTES);
  });
  const timer = deps.timers.setTimeout(() => {
    failure ??= `did not finish within ${config.timeoutSeconds} s and was killed`;
    void running.kill();
  }, config.timeoutSeconds * 1000);
  const exit = await running.exited;
  deps.timers.clearTimeout(timer);
  track(undefined);
  const stderrTail = stderr.toString('utf8').trim();
  const withStderr = (reason: string) => (stderrTail ? `${reason}; stderr: ${stderrTail}` : reason);
  if (failure !== undefined) return { ok: false, reason: withStderr(`the command ${failure}`) };
  if (exit.code !== 0) return { ok: false, reason: withStderr(`the command ${describeExit(exit)}`) };
  return parseValue(Buffer.concat(stdout).toString('utf8'), config);
}
