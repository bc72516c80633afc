// The upper bound for bench/end-to-end.ts: a bare `ws` server that sends every message it receives to every
// other client (no topics, no store). Runs in its own process so its CPU is counted apart; prints its port.
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('listening', () => process.send?.({ port: server.address().port }));
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of server.clients) {
      if (client !== socket && client.readyState === 1) client.send(data, { binary: isBinary });
    }
  });
});
process.on('disconnect', () => process.exit(0));
