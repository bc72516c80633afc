import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
/** The files that read `npm start`'s settings (TOPIC_BRIDGE_OFFLINE_* are passed to serverless-offline, not set by users). */
const SETTINGS_SOURCES = ['cloud/local/start-settings.ts', 'cloud/local/start-auth.ts'];

/** The lines of the README section under `heading`, up to the next heading of the same or a higher level. */
function section(heading: string): string[] {
  const lines = readme.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const end = lines.findIndex((line, index) => index > start && /^#{1,3} /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('README: the configuration table of `npm start` (issue 9: a stray blank line split it in two)', () => {
  const lines = section('### Local stack (`npm start`)');
  const firstRow = lines.findIndex((line) => line.startsWith('|'));
  const rowCount = lines.slice(firstRow).findIndex((line) => !line.startsWith('|'));
  const rows = lines.slice(firstRow, firstRow + rowCount);

  it('is one table: a header, its separator, then rows with as many cells, and no other table row in the section', () => {
    expect(firstRow).toBeGreaterThan(-1);
    expect(rows[1]).toMatch(/^\|( *-+ *\|)+$/);
    const cells = (row: string) => row.split('|').length;
    expect(rows.filter((row) => cells(row) !== cells(rows[0] ?? ''))).toEqual([]);
    expect(lines.slice(firstRow + rows.length).filter((line) => line.startsWith('|'))).toEqual([]);
  });

  it('lists every TOPIC_BRIDGE_ variable that npm start reads, once', () => {
    const inTable = rows.flatMap((row) => /^\| `(TOPIC_BRIDGE_[A-Z_]+)`/.exec(row)?.[1] ?? []);
    const read = new Set(
      SETTINGS_SOURCES.flatMap((file) =>
        [...readFileSync(path.join(root, file), 'utf8').matchAll(/\bTOPIC_BRIDGE_[A-Z_]+/g)].map((m) => m[0]),
      ),
    );
    expect(new Set(inTable).size).toBe(inTable.length);
    expect(new Set(inTable)).toEqual(read);
  });
});
