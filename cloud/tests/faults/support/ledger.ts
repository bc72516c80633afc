import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** True under `npm run test:faults` (the full forms); `npm test` runs the short forms. */
export const FULL_SUITE = process.env.FAULT_SUITE === 'full';

/** Picks the short or the full figure of a scenario. */
export function sized(short: number, full: number): number {
  return FULL_SUITE ? full : short;
}

/** Where the reports go, for docs/RELIABILITY.md: `test-artifacts/faults/<scenario>.<short|full>.json`. */
export const REPORT_DIR = path.resolve(import.meta.dirname, '../../../../test-artifacts/faults');

/** The figures of one scenario run. */
export interface FaultReport {
  scenario: string;
  form: 'short' | 'full';
  /** Frames the publishers had acknowledged (the bridge took responsibility for them). */
  sent: number;
  /** (frame, subscriber) pairs that should have arrived: each sent frame at each matching subscriber. */
  expected: number;
  /** Expected pairs that arrived at least once. */
  delivered: number;
  /** Expected pairs that never arrived. */
  lost: number;
  /** Arrivals beyond the first of a pair (clients drop them by id). */
  duplicated: number;
  /** Arrivals no subscriber should have had (a frame at a subscriber not expecting it). */
  unexpected: number;
  /** From the end of the fault to the first frame delivered again, in ms; null when not measured. */
  recoveryMs: number | null;
  /** Scenario-specific figures (faults injected, retries logged, rates). */
  details: Record<string, unknown>;
}

/**
 * Counts every frame by id from each publisher to each subscriber: `expect` says which subscribers must
 * get a frame, `receive` records an arrival; the report says what was lost, duplicated or unexpected.
 */
export class FrameLedger {
  private readonly expectedAt = new Map<string, Set<string>>();
  private readonly arrivals = new Map<string, Map<string, number>>();
  private unexpectedCount = 0;
  private sentCount = 0;

  constructor(readonly scenario: string) {}

  /** A frame acknowledged by the bridge, to be delivered to each of `subscribers`. */
  expect(id: string, subscribers: readonly string[]): void {
    this.sentCount++;
    this.expectedAt.set(id, new Set(subscribers));
  }

  /** One arrival of frame `id` at `subscriber`. Arrivals may come before `expect` (acks come last). */
  receive(subscriber: string, id: string): void {
    let perSubscriber = this.arrivals.get(id);
    if (perSubscriber === undefined) {
      perSubscriber = new Map();
      this.arrivals.set(id, perSubscriber);
    }
    perSubscriber.set(subscriber, (perSubscriber.get(subscriber) ?? 0) + 1);
  }

  /** How many expected pairs have arrived so far (to wait for the end of a run). */
  deliveredPairs(): number {
    let delivered = 0;
    for (const [id, subscribers] of this.expectedAt) {
      for (const subscriber of subscribers)
        if ((this.arrivals.get(id)?.get(subscriber) ?? 0) > 0) delivered++;
    }
    return delivered;
  }

  /** Expected pairs so far. */
  expectedPairs(): number {
    let expected = 0;
    for (const subscribers of this.expectedAt.values()) expected += subscribers.size;
    return expected;
  }

  /** The figures; `recoveryMs` and `details` come from the scenario. */
  report(recoveryMs: number | null = null, details: Record<string, unknown> = {}): FaultReport {
    let duplicated = 0;
    let unexpected = this.unexpectedCount;
    for (const [id, perSubscriber] of this.arrivals) {
      const expectedHere = this.expectedAt.get(id);
      for (const [subscriber, count] of perSubscriber) {
        if (expectedHere?.has(subscriber)) duplicated += count - 1;
        else unexpected += count;
      }
    }
    const expected = this.expectedPairs();
    const delivered = this.deliveredPairs();
    return {
      scenario: this.scenario,
      form: FULL_SUITE ? 'full' : 'short',
      sent: this.sentCount,
      expected,
      delivered,
      lost: expected - delivered,
      duplicated,
      unexpected,
      recoveryMs,
      details,
    };
  }
}

/** Prints the report as one line and writes it as JSON under test-artifacts/faults/. */
export async function publishReport(report: FaultReport): Promise<void> {
  const { scenario, form, sent, delivered, lost, duplicated, unexpected, recoveryMs } = report;
  const recovery = recoveryMs === null ? 'n/a' : `${recoveryMs} ms`;
  console.log(
    `[faults] ${scenario} (${form}): sent ${sent}, delivered ${delivered}/${report.expected}, lost ${lost}, ` +
      `duplicated ${duplicated}, unexpected ${unexpected}, recovery ${recovery} ${JSON.stringify(report.details)}`,
  );
  await mkdir(REPORT_DIR, { recursive: true });
  const file = path.join(REPORT_DIR, `${scenario}.${form}.json`);
  await writeFile(file, `${JSON.stringify({ ...report, at: new Date().toISOString() }, null, 2)}\n`);
}
