// The control surface both B4 broadcast baselines share. The benchmark hands a baseline the
// exact frames Flowdeck sent (before measuring), then asks it to broadcast them burst by burst,
// as the run produced them; the baseline itself does nothing but write those bytes to every
// subscriber, which is the floor any fan-out server can reach.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Keep-alive interval of the baselines' streams, the same as Flowdeck's graphql-ws and SSE keep-alives. */
export const KEEP_ALIVE_MS = 12_000;

/** Where the benchmark drives a baseline; never used by a subscriber. */
export const CONTROL_PREFIX = '/bench/';

/** What a baseline does for the control surface: keep the frames, broadcast a range, count subscribers. */
export interface Broadcaster {
  subscribers(): number;
  /** Writes these frames to every subscriber, one write per frame, as Flowdeck sends one message per event. */
  broadcast(frames: readonly Buffer[]): void;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves `POST /bench/frames` (a JSON array of the frames' texts), `POST /bench/send?from=&to=`
 * and `GET /bench/subscribers`. Returns false for any other path, which the caller serves.
 */
export function createControl(target: Broadcaster): (req: IncomingMessage, res: ServerResponse) => boolean {
  let frames: Buffer[] = [];
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    if (!url.pathname.startsWith(CONTROL_PREFIX)) return false;
    const route = url.pathname.slice(CONTROL_PREFIX.length);
    void (async () => {
      // Read to the end before answering: closing a connection with unread bytes resets it.
      const body = await readBody(req);
      if (route === 'frames' && req.method === 'POST') {
        // Encoded once here, outside the measured window, as a broadcaster serialises an event once.
        frames = (JSON.parse(body) as string[]).map((text) => Buffer.from(text, 'utf8'));
        res.writeHead(204).end();
      } else if (route === 'send' && req.method === 'POST') {
        const from = Number(url.searchParams.get('from'));
        const to = Number(url.searchParams.get('to'));
        target.broadcast(frames.slice(from, to));
        res.writeHead(204).end();
      } else if (route === 'subscribers') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: target.subscribers() }));
      } else res.writeHead(404).end();
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
    return true;
  };
}
