/**
 * Splits a byte stream into lines, holding at most `maxLineBytes` of an unfinished line so that a stream
 * without newlines cannot grow memory without bound. An over-long line is reported once and skipped.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: (bytes: number) => void,
  ) {}

  /** Feeds a chunk; calls `onLine` for every complete line in it. */
  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline >= 0; newline = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, newline));
      this.finishLine();
      start = newline + 1;
    }
    this.append(chunk.subarray(start));
  }

  /** Ends the stream: a last line without a newline still counts. */
  end(): void {
    if (this.pendingBytes > 0 || this.discarding) this.finishLine();
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.discarding) {
      this.pendingBytes += part.length;
      return;
    }
    this.pending.push(part);
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLineBytes) {
      this.pending = [];
      this.discarding = true;
    }
  }

  private finishLine(): void {
    if (this.discarding) this.onTooLong(this.pendingBytes);
    else this.onLine(Buffer.concat(this.pending).toString('utf8').replace(/\r$/, ''));
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }
}
