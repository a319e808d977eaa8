// B4's Server-Sent Events baseline: a node:http server that answers any POST asking for
// `text/event-stream` (what the graphql-sse client sends in distinct-connections mode) with an
// open event stream, and broadcasts the event texts Flowdeck sent, byte for byte, to every open
// stream. Started as a child process pinned to the server core; prints its port once listening.
//
// One `res.write` per event, as Flowdeck does; but a burst is written in one synchronous loop, so
// node:http (which corks a response until the next tick) sends each stream's burst in one
// syscall, where Flowdeck, writing each event in its own tick, pays one per event. That is the
// honest floor for events that arrive together (one transaction's events are read as one page).
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createControl, KEEP_ALIVE_MS } from './broadcast-control.ts';

const audience = new Set<ServerResponse>();
const control = createControl({
  subscribers: () => audience.size,
  broadcast(frames) {
    for (const frame of frames) for (const res of audience) res.write(frame);
  },
});

const server = createServer((req, res) => {
  if (control(req, res)) return;
  if (req.method !== 'POST' || !(req.headers.accept ?? '').includes('text/event-stream')) {
    res.writeHead(404).end();
    return;
  }
  // The operation is irrelevant: every stream receives the same events.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  audience.add(res);
  res.on('close', () => audience.delete(res));
});
// Streams stay open for as long as the benchmark wants them, kept alive as Flowdeck's are.
server.requestTimeout = 0;
setInterval(() => {
  for (const res of audience) res.write(':\n\n');
}, KEEP_ALIVE_MS).unref();
server.listen(0, '127.0.0.1', () => {
  console.log(`raw-sse-broadcast listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  for (const res of audience) res.destroy();
  server.close(() => process.exit(0));
});
