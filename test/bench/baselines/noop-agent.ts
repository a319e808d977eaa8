// B3's local HTTP agent: what Flowdeck's agent steps and the job queues' handlers call in the
// HTTP variants. It does no work, so a variant measures the caller, not the agent. Bare
// node:http, keep-alive on, pinned with the servers; prints {"port":N} once it listens.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// An object: Flowdeck stores it as the step's output, a queue handler parses it.
const reply = Buffer.from(JSON.stringify({ ok: true }));

const server = createServer((req, res) => {
  // Read the body to its end before answering, as a real agent must.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
    res.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () => process.exit(0));
