// A stand-in for API Gateway's `@connections` at the account's limit, for bench/fan-out-limit.ts: every POST
// waits `latencyMs`, then answers 204 when the token bucket (rate per second, burst) has a token, else 429
// with `x-amzn-ErrorType: LimitExceededException`, as AWS does. Runs in its own process (argv: latencyMs rate
// burst) so the client's CPU is its own; counts what it accepted per connection id, to check exact delivery.
// IPC: 'reset' refills the bucket and clears the counts; 'stats' answers { accepted, distinct, duplicates, throttled,
// cpuSeconds } (cpuSeconds: this process's own CPU since the last reset, so the stand-in's share is known).
import http from 'node:http';

const [latencyMs, rate, burst] = process.argv.slice(2).map(Number);
let tokens = burst;
let refilledAt = performance.now();
let throttled = 0;
let accepted = 0;
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

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    // The throttle decides when the request arrives; the answer comes after the latency either way.
    const ok = take();
    const id = req.url?.split('/').pop() ?? '';
    if (ok) {
      accepted++;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    } else throttled++;
    setTimeout(() => {
      if (ok) res.writeHead(204).end();
      else
        res
          .writeHead(429, { 'x-amzn-ErrorType': 'LimitExceededException' })
          .end('{"message":"Too Many Requests"}');
    }, latencyMs);
  });
});
server.keepAliveTimeout = 60_000;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'reset') {
    tokens = burst;
    refilledAt = performance.now();
    throttled = 0;
    accepted = 0;
    counts = new Map();
    cpuAtReset = process.cpuUsage();
    process.send?.({ reset: true });
  } else if (message === 'stats') {
    let duplicates = 0;
    for (const count of counts.values()) duplicates += count - 1;
    const cpu = process.cpuUsage(cpuAtReset);
    const cpuSeconds = Number(((cpu.user + cpu.system) / 1e6).toFixed(2));
    process.send?.({ accepted, distinct: counts.size, duplicates, throttled, cpuSeconds });
  }
});
process.on('disconnect', () => process.exit(0));
