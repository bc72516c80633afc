import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** One file inside a zip archive, as its central directory lists it. */
export interface ZipEntry {
  name: string;
  compressedBytes: number;
  uncompressedBytes: number;
  /** The file's bytes (stored or deflated entries). */
  contents(): Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const DEFLATED = 8;

/** Lists the files of a zip archive from its central directory (enough for Lambda zips; no zip64). */
export function listZipEntries(zipPath: string): ZipEntry[] {
  const zip = readFileSync(zipPath);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error(`${zipPath} is not a zip archive (no end of central directory)`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY)
      throw new Error(`${zipPath}: corrupt directory`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const method = zip.readUInt16LE(offset + 10);
    const compressedBytes = zip.readUInt32LE(offset + 20);
    const localHeader = zip.readUInt32LE(offset + 42);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      compressedBytes,
      uncompressedBytes: zip.readUInt32LE(offset + 24),
      contents() {
        // The local header repeats name and extra field, with lengths of its own.
        const start =
          localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(start, start + compressedBytes);
        return method === DEFLATED ? inflateRawSync(data) : Buffer.from(data);
      },
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
