// MAX_BODY_BYTES on every route: a larger body is answered 413 in the route's own error shape
// (a GraphQL error on /graphql…, each REST dialect's problem body elsewhere), from the
// Content-Length header before the body is read, or while reading a chunked body the moment it
// passes the limit. Both entrances are covered: app.fetch (in-process) and the node server
// (over a real socket). Bodies within the limit, chunked or not, are served as before.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AgentsDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { RawSocket, Recording, within } from '../support/streams.ts';

const LIMIT = 1024 * 1024;
const DETAIL = `Request body exceeds the limit of ${LIMIT} bytes (MAX_BODY_BYTES)`;

let t: TestApp;
let base: string;
let port: number;

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
  ({ url: base, port } = await t.app.start());
});
afterAll(async () => {
  await t?.close();
});

/** A JSON body of exactly `bytes` bytes (trailing whitespace is still valid JSON). */
function paddedJson(value: unknown, bytes: number): string {
  const json = JSON.stringify(value);
  if (json.length > bytes) throw new Error('the value alone is larger than asked');
  return json + ' '.repeat(bytes - json.length);
}

const agent = (name: string) => ({ name, url: 'http://agent.example:8080' });
const workflow = (name: string) => ({ name, definition: { nodes: [{ id: 'a', type: 'transform', config: { expression: '1' } }] } });

async function agentNames(): Promise<string[]> {
  return (await t.ok(AgentsDocument, { first: 100 })).agents.edges.map((e) => e.node.name);
}

async function inProcess(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await t.app.fetch(
    new Request(`http://flowdeck.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }),
  );
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** The documented 413 of each shape. */
function expectRefused(answer: { status: number; body: Record<string, unknown> }, path: string, requestId?: string): void {
  expect(answer.status).toBe(413);
  if (path.startsWith('/graphql')) {
    expect(answer.body).toEqual({
      errors: [
        {
          message: DETAIL,
          extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', limit: LIMIT, requestId: requestId ?? expect.stringMatching(/^req-/) },
        },
      ],
    });
    return;
  }
  const v2 = path.startsWith('/api/v2/');
  expect(answer.body).toMatchObject({
    ...(v2 ? { success: false, error: DETAIL } : { error: 'Payload Too Large' }),
    detail: DETAIL,
    status_code: 413,
    path,
    request_id: requestId ?? expect.stringMatching(/^req-/),
  });
}

describe('in-process (app.fetch)', () => {
  it.each([
    ['/api/v1/agents', agent('too-big-v1')],
    ['/api/v2/workflows', workflow('too-big-v2')],
    ['/graphql', { query: 'mutation { createAgent(input: { name: "too-big-gql", url: "http://agent.example" }) { __typename } }' }],
  ])('refuses a body one byte over the limit on %s, in that route’s shape, running nothing', async (path, value) => {
    const answer = await inProcess(path, paddedJson(value, LIMIT + 1), { 'x-request-id': 'req-too-big' });
    expectRefused(answer, path, 'req-too-big');
    expect(answer.headers.get('x-request-id')).toBe('req-too-big');
    expect(await agentNames()).not.toContain('too-big-v1');
    expect(await agentNames()).not.toContain('too-big-gql');
  });

  it('refuses from a Content-Length over the limit before reading the body', async () => {
    const answer = await inProcess('/api/v1/agents', JSON.stringify(agent('declared-big')), { 'content-length': String(20 * LIMIT) });
    expectRefused(answer, '/api/v1/agents');
    expect(await agentNames()).not.toContain('declared-big');
  });

  it('serves bodies of exactly the limit', async () => {
    const created = await inProcess('/api/v1/agents', paddedJson(agent('at-the-limit'), LIMIT));
    expect(created.status).toBe(201);
    const query = await inProcess('/graphql', paddedJson({ query: '{ workspaces { slug } }' }, LIMIT));
    expect(query.status).toBe(200);
    expect(await agentNames()).toContain('at-the-limit');
  });
});

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** Bytes of body the client had written when the answer came. */
  written: number;
}

/**
 * Sends a request over a real socket and resolves with the answer as soon as it comes: with a
 * Content-Length (`declared`) only the first chunk is sent and the client waits; chunked, the
 * client keeps writing 64 KiB chunks (up to `maxChunks`) until the server answers.
 */
function overSocket(
  method: string,
  path: string,
  options: { declared?: number; chunked?: boolean; body?: string; maxChunks?: number } = {},
): Promise<Reply> {
  return within(
    new Promise<Reply>((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'x-request-id': 'req-socket' };
      if (options.declared !== undefined) headers['content-length'] = options.declared;
      const request = httpRequest({ host: '127.0.0.1', port, method, path, headers });
      let written = 0;
      let answered = false;
      // Writes after the server stopped reading may fail; the answer is what counts.
      request.on('error', (error) => {
        if (!answered) reject(error);
      });
      request.on('response', (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          request.destroy();
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
            written,
          });
        });
      });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      if (options.body !== undefined) {
        // A small body, chunked when no length is declared.
        request.end(options.body);
        return;
      }
      if (options.declared !== undefined) {
        request.write(chunk);
        written += chunk.length;
        return;
      }
      let sent = 0;
      const pump = () => {
        while (!answered && sent < (options.maxChunks ?? 256)) {
          sent++;
          written += chunk.length;
          if (!request.write(chunk)) {
            request.once('drain', pump);
            return;
          }
        }
      };
      request.write('{"padding": "');
      pump();
    }),
    `the answer to ${method} ${path}`,
  );
}

describe('over a real socket (the node server)', () => {
  it.each(['/graphql', '/api/v1/agents', '/api/v2/workflows'])(
    'answers 413 from a 20 MB Content-Length on %s without waiting for the body',
    async (path) => {
      const reply = await overSocket('POST', path, { declared: 20_000_000 });
      expectRefused(reply, path, 'req-socket');
      expect(reply.headers['x-request-id']).toBe('req-socket');
    },
  );

  it.each(['/graphql', '/graphql/stream', '/api/v1/agents', '/api/v2/workflows'])(
    'stops reading a chunked body at the limit on %s and answers 413',
    async (path) => {
      const reply = await overSocket('POST', path, { chunked: true });
      expectRefused(reply, path, 'req-socket');
      expect(reply.written).toBeGreaterThan(LIMIT);
    },
  );

  it('serves chunked bodies within the limit: GraphQL, REST and graphql-sse alike', async () => {
    const query = await overSocket('POST', '/graphql', { body: JSON.stringify({ query: '{ workspaces { slug } }' }) });
    expect(query.status).toBe(200);
    expect(query.body).toMatchObject({ data: { workspaces: expect.any(Array) as unknown } });

    const created = await overSocket('POST', '/api/v1/agents', { body: JSON.stringify(agent('chunked-agent')) });
    expect(created.status).toBe(201);
    expect(await agentNames()).toContain('chunked-agent');

    // graphql-sse (single connection) posting its operation with a streamed, hence chunked, body.
    const chunkedFetch: typeof fetch = (input, init) =>
      fetch(
        input,
        init?.body && typeof init.body === 'string'
          ? ({ ...init, body: new Blob([init.body]).stream(), duplex: 'half' } as RequestInit)
          : init,
      );
    const client = createSseClient({ url: `${base}/graphql/stream`, singleConnection: true, retryAttempts: 0, fetchFn: chunkedFetch });
    try {
      const recording = new Recording<{ workspaces: unknown[] }>(client, '{ workspaces { slug } }', {});
      await recording.end('the query over graphql-sse');
      expect(recording.failure).toBeNull();
      expect(recording.data[0]?.workspaces.length).toBeGreaterThan(0);
    } finally {
      client.dispose();
    }
  });

  it('still serves ordinary requests after the refusals', async () => {
    const reply = await overSocket('POST', '/graphql', { body: JSON.stringify({ query: '{ workspaces { slug } }' }), declared: undefined });
    expect(reply.status).toBe(200);
  });
});

describe('a smaller MAX_BODY_BYTES', () => {
  it('applies to HTTP bodies and WebSocket messages alike', async () => {
    const small = await startTestApp({}, { WORKER_CONCURRENCY: '0', MAX_BODY_BYTES: '65536' });
    try {
      const response = await small.app.fetch(
        new Request('http://flowdeck.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: paddedJson({ query: '{ workspaces { slug } }' }, 65537),
        }),
      );
      expect(response.status).toBe(413);
      const { url } = await small.app.start();
      const socket = await RawSocket.connect(`${url.replace('http', 'ws')}/graphql`);
      socket.subscribe('big', `{ workspaces { slug } } # ${'x'.repeat(70_000)}`, {});
      expect((await within(socket.closed, 'the socket to close')).code).toBe(1009);
      expect(socket.socket.readyState).toBe(WebSocket.CLOSED);
    } finally {
      await small.close();
    }
  });
});
