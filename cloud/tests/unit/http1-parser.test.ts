import { describe, expect, it } from 'vitest';
import {
  type HttpResponse,
  MAX_RESPONSE_BODY_BYTES,
  type ParseResult,
  ResponseParser,
} from '../../src/aws/http1/index.js';

const NO_CONTENT = 'HTTP/1.1 204 No Content\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\n';
const GONE =
  'HTTP/1.1 410 Gone\r\nx-amzn-ErrorType: GoneException\r\ncontent-length: 16\r\n\r\n{"message":null}';
const CHUNKED =
  'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\n{"Cou\r\nb\r\nnt":3,"x":1\r\n1\r\n}\r\n0\r\ntrailer: x\r\n\r\n';

/** What the parser made of the responses: status, the headers asked for, body text, closeAfter. */
function summary(responses: HttpResponse[]): string[] {
  return responses.map(
    (r) =>
      `${r.status} ${r.body.toString()} type=${r.headers['x-amzn-errortype'] ?? '-'}${r.closeAfter ? ' close' : ''}`,
  );
}

function responsesOf(result: ParseResult): HttpResponse[] {
  if (!result.ok) throw new Error(`parse failed: ${result.reason}`);
  return result.responses;
}

/** Feeds `text` in pieces of `size` bytes and collects every response. */
function feed(text: string, size: number, parser = new ResponseParser()): HttpResponse[] {
  const bytes = Buffer.from(text, 'latin1');
  const out: HttpResponse[] = [];
  for (let at = 0; at < bytes.length; at += size)
    out.push(...responsesOf(parser.push(bytes.subarray(at, at + size))));
  return out;
}

describe('the HTTP/1.1 response parser', () => {
  const stream = NO_CONTENT + GONE + CHUNKED;
  const expected = ['204  type=-', '410 {"message":null} type=GoneException', '200 {"Count":3,"x":1} type=-'];

  it('parses three responses of different framings in one push', () => {
    expect(summary(feed(stream, stream.length))).toEqual(expected);
  });

  it.each([1, 2, 3, 7, 16, 50])('gives the same responses when the bytes arrive %i at a time', (size) => {
    expect(summary(feed(stream, size))).toEqual(expected);
  });

  it('skips an interim 100 Continue and marks connection: close and HTTP/1.0 answers', () => {
    const text =
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 2\r\n\r\nok' +
      'HTTP/1.0 500 Internal Server Error\r\ncontent-length: 1\r\n\r\nx';
    expect(summary(feed(text, 5))).toEqual(['200 ok type=- close', '500 x type=- close']);
  });

  it('completes a body without framing when the socket ends, and not before', () => {
    const parser = new ResponseParser();
    expect(responsesOf(parser.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, ')))).toEqual([]);
    expect(responsesOf(parser.push(Buffer.from('part two')))).toEqual([]);
    expect(summary(responsesOf(parser.end()))).toEqual(['200 part one, part two type=-']);
  });

  it('reports a socket that ends mid-response, and nothing when it ends between responses', () => {
    const cut = new ResponseParser();
    cut.push(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
    expect(cut.end()).toEqual({ ok: false, reason: 'the server closed the connection mid-response' });
    const between = new ResponseParser();
    expect(summary(responsesOf(between.push(Buffer.from(NO_CONTENT))))).toEqual(['204  type=-']);
    expect(between.end()).toEqual({ ok: true, responses: [] });
  });

  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', 'not an HTTP/1.x status line: "SSH-2.0-OpenSSH"'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', 'malformed header line: "broken"'],
    [
      'a bad content-length',
      'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n',
      'malformed content-length: "-1"',
    ],
    [
      'a bad chunk size',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      'malformed chunk size line: "zz"',
    ],
    [
      'a chunk longer than its size',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n',
      'a chunk is longer than its size line said',
    ],
    [
      'a body over the limit',
      `HTTP/1.1 200 OK\r\ncontent-length: ${MAX_RESPONSE_BODY_BYTES + 1}\r\n\r\n`,
      'the response body is too large',
    ],
  ])('refuses %s with a reason', (_, text, reason) => {
    expect(new ResponseParser().push(Buffer.from(text, 'latin1'))).toEqual({ ok: false, reason });
  });

  it('refuses a head that never ends once it passes the head limit', () => {
    const parser = new ResponseParser();
    const line = Buffer.from(`x-filler: ${'a'.repeat(1000)}\r\n`);
    let result: ParseResult = parser.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    for (let i = 0; i < 20 && result.ok; i++) result = parser.push(line);
    expect(result).toEqual({ ok: false, reason: 'the response head is too large' });
  });
});
