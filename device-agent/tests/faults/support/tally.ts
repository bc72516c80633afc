/**
 * The agent fault scenarios' counting (device-agent/tests/faults): every reading is counted by its key from
 * the source to the subscriber, and each scenario reports sent, delivered, lost, duplicated and its recovery
 * time as one `[fault]` JSON line (docs/RELIABILITY.md quotes them). The cloud's fault suite has its own
 * harness; the two count the same five figures.
 */

/** What a scenario reports. */
export interface FaultReport {
  scenario: string;
  /** Readings the source had confirmed (queued, or acknowledged by the broker). */
  sent: number;
  /** Distinct confirmed readings that reached the subscriber. */
  delivered: number;
  /** Confirmed readings that never reached it. */
  lost: number;
  /** Extra copies received (at-least-once: receivers drop them by id). */
  duplicated: number;
  /** Milliseconds from the end of the fault to the moment everything confirmed had arrived. */
  recoveryMs: number | null;
  [detail: string]: unknown;
}

/** Counts confirmed keys against received keys (a key may arrive several times). */
export function tally(
  confirmed: Iterable<string>,
  received: readonly string[],
): { sent: number; delivered: number; lost: string[]; duplicated: number } {
  const sent = new Set(confirmed);
  const seen = new Map<string, number>();
  for (const key of received) seen.set(key, (seen.get(key) ?? 0) + 1);
  let duplicated = 0;
  for (const count of seen.values()) duplicated += count - 1;
  const lost = [...sent].filter((key) => !seen.has(key));
  return { sent: sent.size, delivered: sent.size - lost.length, lost, duplicated };
}

/** Prints the report where vitest shows it, one line, for docs/RELIABILITY.md. */
export function printReport(report: FaultReport): void {
  console.log(`[fault] ${JSON.stringify(report)}`);
}

/** Whether the full forms run (`npm run test:faults`) rather than the short ones in `npm test`. */
export const FULL = process.env.FAULT_SUITE === 'full';
