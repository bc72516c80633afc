/**
 * How long waitFor waits by default: only a failing test ever waits it out, so it is generous (a reconnect
 * through serverless-offline takes seconds on a loaded 2-core machine), and under the test timeout (vitest.config.ts).
 */
export const WAIT_FOR_TIMEOUT_MS = 20_000;

/** Polls `probe` (on real time) until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = WAIT_FOR_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets real I/O run for `ms` (to show that something does NOT happen). */
export function settle(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
