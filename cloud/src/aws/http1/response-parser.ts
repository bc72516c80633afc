/**
 * An incremental HTTP/1.1 response parser for the few responses AWS's JSON APIs and `@connections` send:
 * a status line, headers, and a body framed by `content-length`, by `transfer-encoding: chunked`, or by the
 * server closing the socket. Bytes go in as they arrive (`push`); each complete response comes out once.
 * Malformed input is a result, never a throw, so the socket's owner decides what to do (close it).
 */

/** Largest head (status line and headers) accepted; AWS's are well under 2 KB. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

/** Largest body accepted: DynamoDB's largest answer is a 1 MB page plus its JSON framing. */
export const MAX_RESPONSE_BODY_BYTES = 8 * 1024 * 1024;

/** One complete response. Header names are lowercase; a repeated header keeps its last value. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The server said `connection: close` (or spoke HTTP/1.0): the socket must not carry another request. */
  closeAfter: boolean;
}

/** What a push gave: the responses it completed, or why the stream cannot be parsed. */
export type ParseResult = { ok: true; responses: HttpResponse[] } | { ok: false; reason: string };

type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' };

interface PendingHead {
  status: number;
  headers: Record<string, string>;
  closeAfter: boolean;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Parses the responses of one socket, in order. */
export class ResponseParser {
  #buffer: Buffer = Buffer.alloc(0);
  #head: PendingHead | undefined;
  #framing: BodyFraming = { kind: 'none' };
  #bodyParts: Buffer[] = [];
  #bodyBytes = 0;
  /** Inside a chunked body: bytes of the current chunk still to read (-1: at a chunk-size line). */
  #chunkRemaining = -1;
  #inTrailers = false;

  /** True while a response has begun but is not complete. */
  get midResponse(): boolean {
    return this.#head !== undefined || this.#buffer.length > 0;
  }

  /** Feeds bytes from the socket. */
  push(chunk: Buffer): ParseResult {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const responses: HttpResponse[] = [];
    for (;;) {
      if (this.#head === undefined) {
        const head = this.#takeHead();
        if (head === undefined) break;
        if (typeof head === 'string') return { ok: false, reason: head };
        // 1xx answers (100 Continue) are interim: the real response follows.
        if (head.status < 200) continue;
        this.#head = head;
      }
      const done = this.#takeBody();
      if (typeof done === 'string') return { ok: false, reason: done };
      if (!done) break;
      responses.push(this.#finish());
    }
    return { ok: true, responses };
  }

  /**
   * The socket ended: completes a body that runs until close; any other unfinished response is an error
   * (undefined when nothing was pending).
   */
  end(): ParseResult {
    if (this.#head !== undefined && this.#framing.kind === 'until-close') {
      this.#bodyParts.push(this.#buffer);
      this.#bodyBytes += this.#buffer.length;
      this.#buffer = Buffer.alloc(0);
      return { ok: true, responses: [this.#finish()] };
    }
    if (this.midResponse) return { ok: false, reason: 'the server closed the connection mid-response' };
    return { ok: true, responses: [] };
  }

  /** The head if complete (and the framing of its body set), undefined if more bytes are needed, or an error. */
  #takeHead(): PendingHead | undefined | string {
    const end = this.#buffer.indexOf(HEAD_END);
    if (end < 0) {
      return this.#buffer.length > MAX_RESPONSE_HEAD_BYTES ? 'the response head is too large' : undefined;
    }
    const text = this.#buffer.toString('latin1', 0, end);
    this.#buffer = this.#buffer.subarray(end + HEAD_END.length);
    // By hand rather than with split and a regular expression: this runs once per post of every fan-out.
    const firstLineEnd = text.indexOf('\r\n');
    const statusLine = firstLineEnd < 0 ? text : text.slice(0, firstLineEnd);
    const minor = statusLine.charCodeAt(7);
    const status = Number(statusLine.slice(9, 12));
    if (
      !statusLine.startsWith('HTTP/1.') ||
      (minor !== 0x30 && minor !== 0x31) ||
      statusLine.charCodeAt(8) !== 0x20 ||
      !(status >= 100 && status <= 999) ||
      (statusLine.length > 12 && statusLine.charCodeAt(12) !== 0x20)
    )
      return `not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 80))}`;
    const headers: Record<string, string> = {};
    let at = firstLineEnd < 0 ? text.length : firstLineEnd + 2;
    while (at < text.length) {
      let lineEnd = text.indexOf('\r\n', at);
      if (lineEnd < 0) lineEnd = text.length;
      const colon = text.indexOf(':', at);
      if (colon <= at || colon > lineEnd)
        return `malformed header line: ${JSON.stringify(text.slice(at, Math.min(lineEnd, at + 80)))}`;
      headers[text.slice(at, colon).trim().toLowerCase()] = text.slice(colon + 1, lineEnd).trim();
      at = lineEnd + 2;
    }
    const connection = headers.connection?.toLowerCase() ?? '';
    const closeAfter = connection.includes('close') || (minor === 0x30 && !connection.includes('keep-alive'));
    const framing = framingOf(status, headers);
    if (typeof framing === 'string') return framing;
    this.#framing = framing;
    this.#chunkRemaining = -1;
    this.#inTrailers = false;
    return { status, headers, closeAfter };
  }

  /** True once the body is complete, false if more bytes are needed, or an error. */
  #takeBody(): boolean | string {
    const framing = this.#framing;
    switch (framing.kind) {
      case 'none':
        return true;
      case 'until-close':
        return this.#keep(this.#buffer.length) ?? false;
      case 'length': {
        const taken = Math.min(framing.remaining, this.#buffer.length);
        const failure = this.#keep(taken);
        if (failure !== undefined) return failure;
        framing.remaining -= taken;
        return framing.remaining === 0;
      }
      case 'chunked':
        return this.#takeChunks();
    }
  }

  #takeChunks(): boolean | string {
    for (;;) {
      if (this.#chunkRemaining > 0) {
        const taken = Math.min(this.#chunkRemaining, this.#buffer.length);
        const failure = this.#keep(taken);
        if (failure !== undefined) return failure;
        this.#chunkRemaining -= taken;
        if (this.#chunkRemaining > 0) return false;
      }
      const lineEnd = this.#buffer.indexOf(CRLF);
      if (lineEnd < 0)
        return this.#buffer.length > MAX_RESPONSE_HEAD_BYTES ? 'a chunk line is too long' : false;
      const line = this.#buffer.toString('latin1', 0, lineEnd);
      this.#buffer = this.#buffer.subarray(lineEnd + CRLF.length);
      if (this.#inTrailers) {
        if (line === '') return true;
        continue;
      }
      if (this.#chunkRemaining === 0) {
        // The CRLF that closes a chunk's data.
        if (line !== '') return 'a chunk is longer than its size line said';
        this.#chunkRemaining = -1;
        continue;
      }
      const size = /^([0-9a-fA-F]{1,8})(?:;.*)?$/.exec(line.trim());
      if (size === null) return `malformed chunk size line: ${JSON.stringify(line.slice(0, 40))}`;
      const bytes = Number.parseInt(size[1] as string, 16);
      if (bytes === 0) this.#inTrailers = true;
      else this.#chunkRemaining = bytes;
    }
  }

  /** Moves `count` bytes of the buffer into the body; an error if the body grows past its limit. */
  #keep(count: number): string | undefined {
    if (count === 0) return undefined;
    this.#bodyBytes += count;
    if (this.#bodyBytes > MAX_RESPONSE_BODY_BYTES) return 'the response body is too large';
    this.#bodyParts.push(this.#buffer.subarray(0, count));
    this.#buffer = this.#buffer.subarray(count);
    return undefined;
  }

  #finish(): HttpResponse {
    const head = this.#head as PendingHead;
    const parts = this.#bodyParts;
    const body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    this.#head = undefined;
    this.#bodyParts = [];
    this.#bodyBytes = 0;
    this.#framing = { kind: 'none' };
    // Named fields rather than a spread: this runs once per post of every fan-out.
    return { status: head.status, headers: head.headers, body, closeAfter: head.closeAfter };
  }
}

function framingOf(status: number, headers: Record<string, string>): BodyFraming | string {
  if (status === 204 || status === 304) return { kind: 'none' };
  const encoding = headers['transfer-encoding'];
  if (encoding !== undefined) {
    if (encoding.toLowerCase().split(',').pop()?.trim() === 'chunked') return { kind: 'chunked' };
    return { kind: 'until-close' };
  }
  const length = headers['content-length'];
  if (length === undefined) return { kind: 'until-close' };
  if (!/^\d{1,10}$/.test(length)) return `malformed content-length: ${JSON.stringify(length.slice(0, 20))}`;
  const remaining = Number(length);
  if (remaining > MAX_RESPONSE_BODY_BYTES) return 'the response body is too large';
  return remaining === 0 ? { kind: 'none' } : { kind: 'length', remaining };
}
