// A `@connections` stand-in for the CPU benchmark, run in its own process so that the client's CPU is
// measured alone: answers every POST 204 at once (as serverless-offline does). Prints its port; answers
// the parent's "cpu" message with its own CPU microseconds.
import http from 'node:http';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.statusCode = 204;
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
});
process.on('disconnect', () => process.exit(0));
