import { appendFile, rename, stat } from 'node:fs/promises';

/**
 * Frames the bridge refused with a final error code (a validation error: sending them again cannot succeed).
 * They are kept aside as JSON lines so that a person can look at them, not retried forever. The file is
 * bounded: past `maxBytes` it is renamed to `<file>.1` (replacing the previous one) and a new one started.
 */
export interface DeadLetters {
  put(entry: { frame: string; code: string; reason: string }): Promise<void>;
}

/** A dead-letter file at `file`, at most about 2 × maxBytes on disk. */
export function fileDeadLetters(file: string, maxBytes: number, now: () => number = Date.now): DeadLetters {
  let chain: Promise<void> = Promise.resolve();
  const put = async ({
    frame,
    code,
    reason,
  }: {
    frame: string;
    code: string;
    reason: string;
  }): Promise<void> => {
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size > maxBytes) await rename(file, `${file}.1`);
    const line = JSON.stringify({ at: new Date(now()).toISOString(), code, reason, frame });
    await appendFile(file, `${line}\n`);
  };
  return {
    put(entry) {
      chain = chain.then(() => put(entry));
      return chain;
    },
  };
}
