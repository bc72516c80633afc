import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** The outcome of one in-process CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `device-agent …args` in-process with captured output, optional stdin text and an abort signal. */
export async function runCli(
  args: string[],
  options: {
    stdin?: string;
    signal?: AbortSignal;
    env?: Record<string, string | undefined>;
    onStdout?: (text: string) => void;
    onStderr?: (text: string) => void;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(stdout);
        return true;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
        options.onStderr?.(stderr);
        return true;
      },
    },
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? {},
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** A TCP port on 127.0.0.1 where nothing listens (bound on port 0, then closed). */
export async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
