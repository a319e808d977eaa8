// B4's WebSocket baseline: a plain `ws` server that speaks just enough graphql-transport-ws
// for the graphql-ws client (connection_ack, then every `subscribe` joins the audience) and
// broadcasts the frames Flowdeck sent, byte for byte, to every subscriber. Started as a child
// process pinned to the server core; prints its port once listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createControl, KEEP_ALIVE_MS } from './broadcast-control.ts';

const audience = new Set<WebSocket>();
const control = createControl({
  subscribers: () => audience.size,
  broadcast(frames) {
    // The broadcast loop of ws's own README, with each frame already encoded: the floor.
    for (const frame of frames)
      for (const socket of audience) if (socket.readyState === WebSocket.OPEN) socket.send(frame, { binary: false });
  },
});

const server = createServer((req, res) => {
  if (!control(req, res)) res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (socket) => {
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { type?: string };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe') audience.add(socket);
    else if (message.type === 'complete') audience.delete(socket);
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
  });
  socket.on('close', () => audience.delete(socket));
});
// Pinged as graphql-ws pings Flowdeck's sockets (a ping frame; the client answers with a pong).
setInterval(() => {
  for (const socket of wss.clients) socket.ping();
}, KEEP_ALIVE_MS).unref();
server.listen(0, '127.0.0.1', () => {
  console.log(`raw-ws-broadcast listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  server.close(() => process.exit(0));
});
