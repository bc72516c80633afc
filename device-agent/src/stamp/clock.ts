import { existsSync } from 'node:fs';

/**
 * Whether the system clock can be trusted yet. A Raspberry Pi has no battery-backed clock: until NTP syncs,
 * it runs from 1970 or from the time fake-hwclock saved at shutdown. Readings taken then are stamped with
 * `"clock":"unsynced"` so that dashboards can tell. The heuristic, without shelling out to `timedatectl`:
 * - a year before CLOCK_TRUSTED_FROM_YEAR is never synchronised;
 * - where systemd-timesyncd runs (its state directory exists), the clock is synchronised once timesyncd has
 *   created its `synchronized` flag file;
 * - elsewhere (no timesyncd: chrony, ntpd, a container, a laptop) a plausible year is trusted.
 * Once synchronised, the answer stays true for the life of the process.
 */

/** Clocks showing a year before this are certainly not synchronised. */
export const CLOCK_TRUSTED_FROM_YEAR = 2024;
/** systemd-timesyncd's state directory; it exists when timesyncd runs. */
export const TIMESYNCD_DIR = '/run/systemd/timesync';
/** Created by systemd-timesyncd once it has synchronised the clock. */
export const TIMESYNCD_SYNCHRONIZED_FLAG = '/run/systemd/timesync/synchronized';
/** How long an "unsynchronised" answer is reused before the files are looked at again. */
export const CLOCK_RECHECK_MS = 10_000;

export interface ClockCheckOptions {
  now?: () => number;
  exists?: (file: string) => boolean;
}

/** Returns a function telling whether the clock is synchronised now (cheap: cached between checks). */
export function createClockCheck(options: ClockCheckOptions = {}): () => boolean {
  const now = options.now ?? Date.now;
  const exists = options.exists ?? existsSync;
  let synced = false;
  let checkedAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (synced) return true;
    const time = now();
    if (new Date(time).getUTCFullYear() < CLOCK_TRUSTED_FROM_YEAR) return false;
    if (time - checkedAt < CLOCK_RECHECK_MS) return false;
    checkedAt = time;
    synced = !exists(TIMESYNCD_DIR) || exists(TIMESYNCD_SYNCHRONIZED_FLAG);
    return synced;
  };
}

/**
 * A reading stamped earlier than one already stamped by more than this is flagged `"clock":"behind"`: the
 * clock was stepped back (an NTP correction, a wrong RTC, a person). Smaller steps are ordinary jitter.
 */
export const CLOCK_STEP_BACK_TOLERANCE_MS = 1000;

/**
 * Returns a function telling, for each reading's timestamp in stamping order, whether it lies behind the
 * latest timestamp stamped so far (by more than the tolerance). Order by `seq`, not `ts`, holds regardless;
 * the flag tells receivers that this `ts` may be wrong. The flag stays on until the clock has caught up.
 */
export function createClockStepDetector(toleranceMs = CLOCK_STEP_BACK_TOLERANCE_MS): (ts: number) => boolean {
  let latest = Number.NEGATIVE_INFINITY;
  return (ts) => {
    if (ts + toleranceMs < latest) return true;
    latest = Math.max(latest, ts);
    return false;
  };
}
