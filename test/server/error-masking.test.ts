// Unexpected errors in production: the caller reads "Unexpected error; quote request id <id>"
// and nothing of the real error; the log holds the real error under the same id. The id is the
// caller's X-Request-Id when well-formed (echoed back), else a new one. Domain errors keep
// their messages. The fault is injected by making one service method throw.

import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurrentWorkspaceDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { RawSocket } from '../support/streams.ts';

const SECRET = 'disk on fire at /var/lib/flowdeck/secret.db';
const logged: Record<string, unknown>[] = [];
let t: TestApp;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  t = await startTestApp(
    { logger: pino({ level: 'error' }, sink) },
    { NODE_ENV: 'production', AUTH_MODE: 'none', WORKER_CONCURRENCY: '0' },
  );
  // The fault: listing workspaces fails the way a broken disk would, not with a domain error.
  t.app.services.workspaces.list = () => Promise.reject(new Error(SECRET));
});
afterAll(async () => {
  await t?.close();
});

async function workspaces(headers: Record<string, string> = {}) {
  const response = await t.app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ workspaces { slug } }' }),
    }),
  );
  const text = await response.text();
  return {
    status: response.status,
    header: response.headers.get('x-request-id'),
    text,
    body: JSON.parse(text) as { errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
}

/** The log line of the unexpected error filed under `requestId`. */
function loggedUnder(requestId: string): Record<string, unknown> | undefined {
  return logged.find((line) => line.requestId === requestId && line.msg === 'unexpected error while resolving');
}

describe('an unexpected error in production', () => {
  it('is masked with the caller’s request id, which the log carries with the real error', async () => {
    const answer = await workspaces({ 'x-request-id': 'req-mask-1' });
    expect(answer.header).toBe('req-mask-1');
    expect(answer.body.errors).toEqual([
      {
        message: 'Unexpected error; quote request id req-mask-1',
        path: ['workspaces'],
        locations: expect.any(Array) as unknown,
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-mask-1' },
      },
    ]);
    expect(answer.text).not.toContain('disk on fire');
    expect((loggedUnder('req-mask-1')?.err as { message?: string } | undefined)?.message).toBe(SECRET);
  });

  it.each([
    ['none', {}],
    ['a malformed one', { 'x-request-id': 'not a valid id; has spaces' }],
  ])('gets a new request id when the caller sends %s, the same in the header, the message and the log', async (_what, headers) => {
    const answer = await workspaces(headers);
    const requestId = answer.header ?? '';
    expect(requestId).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(answer.body.errors?.[0]).toMatchObject({
      message: `Unexpected error; quote request id ${requestId}`,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
    expect(loggedUnder(requestId)).toBeDefined();
  });

  it('is masked the same way over graphql-ws, per operation', async () => {
    const { url } = await t.app.start();
    const socket = await RawSocket.connect(`${url.replace('http', 'ws')}/graphql`);
    try {
      socket.subscribe('broken', '{ workspaces { slug } }', {});
      const frame = await socket.next((f) => f.id === 'broken' && f.type === 'next', 'the masked result');
      const error = (frame.payload as { errors: { message: string; extensions: { requestId: string } }[] }).errors[0];
      expect(error?.message).toBe(`Unexpected error; quote request id ${error?.extensions.requestId}`);
      expect(JSON.stringify(frame.payload)).not.toContain('disk on fire');
      expect(loggedUnder(error?.extensions.requestId ?? '')).toBeDefined();
    } finally {
      socket.terminate();
    }
  });
});

describe('errors that are not unexpected', () => {
  it('keep their messages, and every answer carries its request id', async () => {
    const answer = await t.gql(
      CurrentWorkspaceDocument,
      {},
      { workspaceSlug: 'no-such-team', headers: { 'x-request-id': 'req-domain-1' } },
    );
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.message).toContain('"no-such-team" not found');
    expect(answer.errors?.[0]?.extensions?.code).toBe('WORKSPACE_NOT_FOUND');
    const response = await t.app.fetch(
      new Request('http://flowdeck.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-ok-1' },
        body: JSON.stringify({ query: '{ currentWorkspace { slug } }' }),
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-ok-1');
  });
});
