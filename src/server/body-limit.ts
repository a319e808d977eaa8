import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Clock } from '../domain/resources.ts';
import type { RestEnv } from '../rest/env.ts';
import { problem, refusalDialect } from '../rest/problem.ts';
import { requestIdFrom } from './request-ids.ts';
import { SSE_STREAM_PATH } from './sse.ts';

/** What the guard needs to know about the app. */
export interface BodyLimitOptions {
  /** Largest body accepted, in bytes (MAX_BODY_BYTES). */
  maxBytes: number;
  /** Whether a path is GraphQL's (answered with a GraphQL error) rather than REST's (a problem body). */
  isGraphqlPath(path: string): boolean;
  /** The REST layer's clock, for the problem body's timestamp. */
  clock?: Clock;
}

/**
 * MAX_BODY_BYTES for every route, in front of GraphQL (yoga and graphql-sse) and REST alike: a
 * request whose Content-Length is over the limit is answered 413 before any of its body is
 * read; a body without a length (chunked) is read up to the limit and refused the moment it
 * passes it. The answer takes the shape of the route: a GraphQL error on /graphql…, the
 * dialect's problem body elsewhere, with the request id either way.
 */
export interface BodyLimit {
  readonly maxBytes: number;
  /** Guards an in-process request: `next` gets the request, or a copy holding the body already read. */
  fetch(request: Request, next: (request: Request) => Promise<Response>): Promise<Response>;
  /** Guards a request of the node server: `next` runs only for a body within the limit. */
  node(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage) => void): void;
  /** The 413 answer for a request to `url` (its headers give the request id). */
  tooLarge(url: string, headers: Headers): Promise<Response>;
}

/** Reads a fetch body, giving up (and cancelling the stream) as soon as it passes `maxBytes`. */
async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads a node request body, stopping (without reading more) as soon as it passes `maxBytes`. Null: too large. */
function readCappedNode(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

/**
 * A request whose body was read here, handed on so its consumer can still read it: yoga (via
 * @whatwg-node/server) takes a pre-read `body`, @hono/node-server a `rawBody` Buffer, both on
 * the real request. graphql-sse reads the request stream itself, so it gets a stream that
 * replays the body, carrying the few request fields it and src/server/sse.ts read.
 */
function withBody(req: IncomingMessage, body: Buffer): IncomingMessage {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  if (path.startsWith(SSE_STREAM_PATH)) {
    return Object.assign(Readable.from([body]), {
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      socket: req.socket,
    }) as unknown as IncomingMessage;
  }
  // An empty body is left to the consumer to read (it ends at once): whatwg-node ignores an empty `body`.
  return Object.assign(req, { rawBody: body, ...(body.length > 0 ? { body } : {}) });
}

/**
 * How long the unread rest of a refused body is drained before the connection is cut. Closing
 * at once, with bytes still arriving, makes the kernel answer with a reset that can destroy the
 * 413 before the client reads it; draining (bounded in time, not kept) lets the answer land.
 */
export const LINGER_MS = 2_000;

/** Writes a (small, fully buffered) fetch Response to a node response, then drains what the client still sends. */
async function send(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const text = await response.text();
  if (res.headersSent) return;
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(text);
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}

/** Creates the body guard of one app. */
export function createBodyLimit(options: BodyLimitOptions): BodyLimit {
  const { maxBytes } = options;
  const detail = `Request body exceeds the limit of ${maxBytes} bytes (MAX_BODY_BYTES)`;
  const rest = new Hono<RestEnv>();
  rest.all('*', (c) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('dialect', refusalDialect(c.req.path));
    if (options.clock) c.set('resources', { clock: options.clock } as RestEnv['Variables']['resources']);
    c.header('X-Request-Id', requestId);
    return problem(c, 413, detail);
  });

  async function tooLarge(url: string, headers: Headers): Promise<Response> {
    const path = new URL(url).pathname;
    if (!options.isGraphqlPath(path)) return rest.fetch(new Request(url, { headers }));
    const requestId = requestIdFrom(headers.get('x-request-id'));
    return Response.json(
      { errors: [{ message: detail, extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', limit: maxBytes, requestId } }] },
      { status: 413, headers: { 'X-Request-Id': requestId } },
    );
  }

  const declaredTooLarge = (length: string | null | undefined) => length != null && Number(length) > maxBytes;

  return {
    maxBytes,
    tooLarge,
    async fetch(request, next) {
      if (declaredTooLarge(request.headers.get('content-length'))) return tooLarge(request.url, request.headers);
      if (!request.body) return next(request);
      // Read here, so a body that lies about (or omits) its length is stopped at the limit too.
      const body = await readCapped(request.body, maxBytes);
      if (body === null) return tooLarge(request.url, request.headers);
      return next(new Request(request, { body }));
    },
    node(req, res, next) {
      const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
      const refuse = () => {
        const headers = new Headers();
        const requestId = req.headers['x-request-id'];
        if (typeof requestId === 'string') headers.set('x-request-id', requestId);
        return tooLarge(url, headers).then((response) => send(req, res, response));
      };
      const fail = (error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { connection: 'close' }).end();
        req.destroy(error instanceof Error ? error : undefined);
      };
      if (declaredTooLarge(req.headers['content-length'])) {
        refuse().catch(fail);
        return;
      }
      // Node's parser holds a body to its Content-Length; only a chunked one has to be counted.
      if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] === undefined) {
        next(req);
        return;
      }
      readCappedNode(req, maxBytes)
        .then(
          (body) => (body === null ? refuse() : next(withBody(req, body))),
          // The client went away mid-body: nobody is left to answer.
          () => req.destroy(),
        )
        .catch(fail);
    },
  };
}
