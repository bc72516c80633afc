// A stand-in for API Gateway's `@connections` at the account's limit, for bench/fan-out-limit.ts and
// bench/fan-out-split.ts: every POST waits `latencyMs`, then answers 204 when the token bucket (rate per second,
// burst) had a token on the request's arrival, else 429 with `x-amzn-ErrorType: LimitExceededException`, as AWS
// does. Runs in its own process (argv: latencyMs rate burst [raw|node-http]) so the client's CPU is its own;
// counts what it accepted per connection id, to check exact delivery.
//
// It stands for AWS's endpoint, whose CPU is not ours, yet here it shares the machine's 2 cores with the client
// it measures: so by default (`raw`) it is a bare `net` server with a small HTTP/1.1 parser for the one request
// shape the post path sends, which costs a fraction of Node's `http` server per request (docs/BENCHMARKS.md,
// "Fan-out at the platform's limit"). `node-http` runs the previous `http.createServer` endpoint, to compare.
// The raw parser still checks that each request is a well-formed signed post: `POST /{stage}/@connections/{id}
// HTTP/1.1` (the stage optional, as serverless-offline has none), a `host`, an `x-amz-date`, an `authorization`
// of SigV4's form (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=<64 hex>`; the signature itself is
// not recomputed) and a `content-length` body (no chunked bodies: our client never sends them). Anything else
// is answered 400 and the socket closed, and counted as `malformed`. Keep-alive unless `connection: close`.
//
// IPC: 'reset' refills the bucket and clears the counts; 'stats' answers { accepted, distinct, duplicates,
// throttled, malformed, requests, cpuSeconds, systemSeconds } (this process's own CPU since the last reset, and the
// kernel's part of it).
import http from 'node:http';
import net from 'node:net';

const [latencyMs, rate, burst] = process.argv.slice(2, 5).map(Number);
const mode = process.argv[5] ?? 'raw';

/** Largest request head accepted (a post's is about 1.5 KB with a session token). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Largest body accepted: API Gateway's 128 KB message limit. */
const MAX_BODY_BYTES = 128 * 1024;

let tokens = burst;
let refilledAt = performance.now();
let throttled = 0;
let accepted = 0;
let malformed = 0;
let requests = 0;
let counts = new Map();
let cpuAtReset = process.cpuUsage();

function take() {
  const now = performance.now();
  tokens = Math.min(burst, tokens + ((now - refilledAt) * rate) / 1000);
  refilledAt = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

/** Decides on arrival (the throttle) and counts; true when the post is accepted. */
function arrive(id) {
  requests++;
  const ok = take();
  if (ok) {
    accepted++;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  } else throttled++;
  return ok;
}

const NO_CONTENT = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n', 'latin1');
const THROTTLED_BODY = '{"message":"Too Many Requests"}';
const THROTTLED = Buffer.from(
  'HTTP/1.1 429 Too Many Requests\r\nx-amzn-ErrorType: LimitExceededException\r\n' +
    `content-type: application/json\r\ncontent-length: ${THROTTLED_BODY.length}\r\n\r\n${THROTTLED_BODY}`,
  'latin1',
);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^,\s]+, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;
const POST_PATH = /^POST (?:\/[^/\s]+)?\/@connections\/([^/\s]+) HTTP\/1\.1$/;

/**
 * Answers due after the latency, in arrival order: the latency is the same for every request, so one FIFO
 * and one timer replace a timer per request.
 */
const due = [];
let dueHead = 0;
let timer;

function answerLater(socket, answer, close) {
  due.push({ at: performance.now() + latencyMs, socket, answer, close });
  if (timer === undefined) timer = setTimeout(flush, latencyMs);
}

function flush() {
  timer = undefined;
  const now = performance.now();
  while (dueHead < due.length) {
    const entry = due[dueHead];
    if (entry.at > now) break;
    due[dueHead++] = undefined;
    if (!entry.socket.destroyed) {
      entry.socket.write(entry.answer);
      if (entry.close) entry.socket.end();
    }
  }
  if (dueHead === due.length) {
    due.length = 0;
    dueHead = 0;
  } else {
    timer = setTimeout(flush, Math.max(1, due[dueHead].at - now));
  }
}

/** Why a head is not a well-formed signed post, or its connection id and body length. */
function parseHead(text) {
  const lineEnd = text.indexOf('\r\n');
  const line = POST_PATH.exec(lineEnd < 0 ? text : text.slice(0, lineEnd));
  if (line === null) return { error: 'not a POST /{stage}/@connections/{id} HTTP/1.1' };
  let length = -1;
  let host = false;
  let date = false;
  let signed = false;
  let close = false;
  let at = lineEnd + 2;
  while (lineEnd >= 0 && at < text.length) {
    let end = text.indexOf('\r\n', at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', at);
    if (colon <= at || colon > end) return { error: 'a malformed header line' };
    const name = text.slice(at, colon).toLowerCase();
    const value = text.slice(colon + 1, end).trim();
    if (name === 'content-length') {
      if (!/^\d{1,7}$/.test(value) || length >= 0) return { error: 'a malformed content-length' };
      length = Number(value);
    } else if (name === 'host') host = value !== '';
    else if (name === 'x-amz-date') date = /^\d{8}T\d{6}Z$/.test(value);
    else if (name === 'authorization') signed = SIGV4.test(value);
    else if (name === 'transfer-encoding')
      return { error: 'a transfer-encoding (only content-length bodies)' };
    else if (name === 'connection') close = value.toLowerCase() === 'close';
    at = end + 2;
  }
  if (length < 0) return { error: 'no content-length' };
  if (length > MAX_BODY_BYTES) return { error: 'a body over 128 KB' };
  if (!host || !date || !signed) return { error: 'not signed (host, x-amz-date and a SigV4 authorization)' };
  return { id: line[1], length, close };
}

function refuse(socket, reason) {
  malformed++;
  const body = `malformed request: ${reason}`;
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function serveRaw(socket) {
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  /** Body bytes of the current request still to skip. */
  let skipping = 0;
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      if (skipping > 0) {
        const taken = Math.min(skipping, buffer.length);
        skipping -= taken;
        buffer = buffer.subarray(taken);
        if (skipping > 0) return;
      }
      if (buffer.length === 0) return;
      const end = buffer.indexOf(HEAD_END);
      if (end < 0) {
        if (buffer.length > MAX_HEAD_BYTES) refuse(socket, 'a head over 16 KB');
        return;
      }
      const head = parseHead(buffer.toString('latin1', 0, end));
      buffer = buffer.subarray(end + HEAD_END.length);
      if (head.error !== undefined) {
        refuse(socket, head.error);
        return;
      }
      // The throttle decides when the request arrives (its body is counted with it, as before).
      skipping = head.length;
      const ok = arrive(head.id);
      answerLater(socket, ok ? NO_CONTENT : THROTTLED, head.close);
      if (head.close) return;
    }
  });
}

function serveNodeHttp(req, res) {
  req.resume();
  req.on('end', () => {
    const ok = arrive(req.url?.split('/').pop() ?? '');
    setTimeout(() => {
      if (ok) res.writeHead(204).end();
      else
        res
          .writeHead(429, { 'x-amzn-ErrorType': 'LimitExceededException' })
          .end('{"message":"Too Many Requests"}');
    }, latencyMs);
  });
}

let server;
if (mode === 'node-http') {
  server = http.createServer(serveNodeHttp);
  server.keepAliveTimeout = 60_000;
  server.maxRequestsPerSocket = 0;
} else {
  server = net.createServer(serveRaw);
}
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'reset') {
    tokens = burst;
    refilledAt = performance.now();
    throttled = 0;
    accepted = 0;
    malformed = 0;
    requests = 0;
    counts = new Map();
    cpuAtReset = process.cpuUsage();
    process.send?.({ reset: true });
  } else if (message === 'stats') {
    let duplicates = 0;
    for (const count of counts.values()) duplicates += count - 1;
    const cpu = process.cpuUsage(cpuAtReset);
    const cpuSeconds = Number(((cpu.user + cpu.system) / 1e6).toFixed(3));
    const systemSeconds = Number((cpu.system / 1e6).toFixed(3));
    process.send?.({
      accepted,
      distinct: counts.size,
      duplicates,
      throttled,
      malformed,
      requests,
      cpuSeconds,
      systemSeconds,
    });
  }
});
process.on('disconnect', () => process.exit(0));
