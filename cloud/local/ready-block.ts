/**
 * The block `npm start` prints once everything listens: a heading, then one labelled line per thing a person
 * needs (where to connect, where to look, a frame to try, how to stop), then notes. Callers add their own
 * lines (a token, a dashboard URL that carries it) by adding entries; the labels are aligned here.
 */

/** One labelled line of the ready block, e.g. `{ label: 'dashboard', value: 'http://127.0.0.1:8080/' }`. */
export interface ReadyBlockLine {
  label: string;
  value: string;
}

/** What the block shows. */
export interface ReadyBlock {
  heading: string;
  lines: readonly ReadyBlockLine[];
  /** Unlabelled lines after the labelled ones (what the output shows from now on). */
  notes?: readonly string[];
}

/** Indentation of the labelled lines under the heading. */
const INDENT = '  ';

/** Spaces between the longest label and its value. */
const LABEL_GAP = 2;

/** Formats the block as lines (no trailing newline), labels padded so that the values line up. */
export function formatReadyBlock(block: ReadyBlock): string[] {
  const width = Math.max(0, ...block.lines.map((line) => line.label.length)) + LABEL_GAP;
  return [
    block.heading,
    ...block.lines.map((line) => `${INDENT}${line.label.padEnd(width)}${line.value}`),
    ...(block.notes ?? []),
  ];
}
