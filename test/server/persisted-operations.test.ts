// GRAPHQL_PERSISTED_ONLY=true: the server runs only the operations the SDK ships, named by the
// sha256 hash codegen records in sdk/src/gql/persisted-documents.json (and in each document's
// `__meta__.hash`), over HTTP, graphql-ws and graphql-sse alike; any other document is refused
// before it is parsed. Off (the default), any document runs, and so does a listed hash sent
// without one (what the SDK's client sends first); an unknown hash is answered with the
// Automatic Persisted Queries `PersistedQueryNotFound`, after which clients send the document.

import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdkDocuments from '../../sdk/src/gql/graphql.ts';
import { CreateWorkspaceDocument, WorkspacesDocument } from '../../sdk/src/gql/graphql.ts';
import { loadPersistedOperations } from '../../src/server/persisted-operations.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { RawSocket, Recording } from '../support/streams.ts';

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_CONCURRENCY: '0', GRAPHQL_PERSISTED_ONLY: 'true' });
  base = (await t.app.start()).url;
});
afterAll(async () => {
  await t?.close();
});

/** The bare hex sha256 a client sends as extensions.persistedQuery.sha256Hash (the manifest keys carry `sha256:`). */
function hashOf(document: object): string {
  const hash = (document as unknown as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('the SDK document carries no hash: run npm run codegen');
  return hash.replace(/^sha256:/, '');
}

const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

async function post(body: Record<string, unknown>, app: TestApp = t) {
  const response = await app.app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return {
    status: response.status,
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}

describe('the manifest', () => {
  it('holds every SDK operation under the hash its document carries', () => {
    const manifest = loadPersistedOperations();
    const hashed = Object.values(sdkDocuments).filter((value) => typeof value === 'object' && value !== null && '__meta__' in value);
    expect(hashed.length).toBeGreaterThan(10);
    expect(manifest.size).toBe(hashed.length);
    for (const document of hashed) expect(manifest.get(hashOf(document))).toBeDefined();
    expect(manifest.get(hashOf(WorkspacesDocument))).toContain('query Workspaces');
    expect(manifest.get(`sha256:${hashOf(WorkspacesDocument)}`)).toContain('query Workspaces');
    expect(manifest.get('0'.repeat(64))).toBeUndefined();
  });
});

describe('over HTTP', () => {
  it('runs an SDK operation sent by hash, with its variables', async () => {
    const created = await post({
      extensions: persisted(hashOf(CreateWorkspaceDocument)),
      variables: { input: { name: 'Persisted', slug: 'persisted' } },
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({ createWorkspace: { __typename: 'Workspace', slug: 'persisted' } });
    const listed = await post({ extensions: persisted(hashOf(WorkspacesDocument)) });
    expect(listed.body.data?.workspaces).toEqual(expect.arrayContaining([expect.objectContaining({ slug: 'persisted' })]));
  });

  it.each([
    ['an arbitrary document', { query: '{ workspaces { slug } }' }, 'CANNOT_SEND_PQ_ID_AND_BODY'],
    [
      'a document with a hash',
      { query: '{ workspaces { slug } }', extensions: persisted(hashOf(WorkspacesDocument)) },
      'CANNOT_SEND_PQ_ID_AND_BODY',
    ],
    ['a hash not in the manifest', { extensions: persisted('0'.repeat(64)) }, 'PERSISTED_QUERY_NOT_IN_LIST'],
    ['neither', { variables: {} }, 'PERSISTED_QUERY_ID_REQUIRED'],
  ])('refuses %s with 400', async (_what, body, code) => {
    const refused = await post(body);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(refused.body.data ?? null).toBeNull();
  });

  it('runs nothing of a refused mutation', async () => {
    const refused = await post({ query: 'mutation { createWorkspace(input: { name: "Sneaky", slug: "sneaky" }) { __typename } }' });
    expect(refused.status).toBe(400);
    const listed = await post({ extensions: persisted(hashOf(WorkspacesDocument)) });
    expect((listed.body.data?.workspaces as { slug: string }[]).map((w) => w.slug)).not.toContain('sneaky');
  });
});

describe('over graphql-ws', () => {
  it('runs an operation by hash and refuses an arbitrary one on its own id; the socket stays open', async () => {
    const socket = await RawSocket.connect(`${base.replace('http', 'ws')}/graphql`);
    try {
      socket.send({ id: 'listed', type: 'subscribe', payload: { query: '', extensions: persisted(hashOf(WorkspacesDocument)) } });
      const listed = await socket.next((f) => f.id === 'listed' && f.type === 'next', 'the persisted query');
      expect(listed.payload).toMatchObject({ data: { workspaces: expect.any(Array) as unknown } });

      socket.subscribe('arbitrary', '{ workspaces { slug } }', {});
      const refused = await socket.next((f) => f.id === 'arbitrary' && f.type === 'error', 'the refusal');
      expect(refused.payload).toMatchObject([{ extensions: { code: 'CANNOT_SEND_PQ_ID_AND_BODY' } }]);

      socket.send({ id: 'unknown', type: 'subscribe', payload: { query: '', extensions: persisted('0'.repeat(64)) } });
      const unknown = await socket.next((f) => f.id === 'unknown' && f.type === 'error', 'the unknown hash');
      expect(unknown.payload).toMatchObject([{ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }]);
      expect(socket.isOpen).toBe(true);
    } finally {
      socket.terminate();
    }
  });
});

describe('over graphql-sse (single connection)', () => {
  it('runs an operation by hash and refuses an arbitrary one', async () => {
    const client = createSseClient({ url: `${base}/graphql/stream`, singleConnection: true, retryAttempts: 0 });
    try {
      const byHash = new Recording<{ workspaces: unknown[] }>(
        {
          subscribe: (request, sink) =>
            client.subscribe({ ...request, query: '', extensions: persisted(hashOf(WorkspacesDocument)) }, sink),
        },
        '',
        {},
      );
      await byHash.end('the persisted query over graphql-sse');
      expect(byHash.errors).toEqual([]);
      expect(byHash.data[0]?.workspaces.length).toBeGreaterThan(0);

      // graphql-sse answers a refused operation's POST itself: 400, with the errors as its body.
      const token = await (await fetch(`${base}/graphql/stream`, { method: 'PUT' })).text();
      const refused = await fetch(`${base}/graphql/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
        // Single-connection mode names each operation in extensions.operationId.
        body: JSON.stringify({ query: '{ workspaces { slug } }', extensions: { operationId: 'arbitrary' } }),
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'CANNOT_SEND_PQ_ID_AND_BODY' } }] });
    } finally {
      client.dispose();
    }
  });
});

describe('without GRAPHQL_PERSISTED_ONLY', () => {
  let open: TestApp;
  let openBase: string;
  beforeAll(async () => {
    open = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
    openBase = (await open.app.start()).url;
  });
  afterAll(async () => {
    await open?.close();
  });

  it('runs a listed hash sent without a document, any document, and answers an unknown hash with PersistedQueryNotFound', async () => {
    const byHash = await post({ extensions: persisted(hashOf(WorkspacesDocument)) }, open);
    expect(byHash.status).toBe(200);
    expect(byHash.body.data?.workspaces).toEqual([expect.objectContaining({ slug: 'default' })]);
    const arbitrary = await post({ query: '{ workspaces { slug } }' }, open);
    expect(arbitrary.body.data?.workspaces).toEqual([{ slug: 'default' }]);
    // APQ's second step: the document with its hash. The document is what runs.
    const both = await post({ query: '{ workspaces { name } }', extensions: persisted('0'.repeat(64)) }, open);
    expect(both.body.data?.workspaces).toEqual([{ name: 'Default workspace' }]);

    const unknown = await post({ extensions: persisted('0'.repeat(64)) }, open);
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
    ]);
    const neither = await post({ variables: {} }, open);
    expect(neither.status).toBe(400);
    expect(neither.body.errors?.[0]?.message).toBe('Must provide query string.');
  });

  it('resolves hashes over graphql-ws and graphql-sse too', async () => {
    const socket = await RawSocket.connect(`${openBase.replace('http', 'ws')}/graphql`);
    try {
      socket.send({ id: 'listed', type: 'subscribe', payload: { query: '', extensions: persisted(hashOf(WorkspacesDocument)) } });
      const listed = await socket.next((f) => f.id === 'listed' && f.type === 'next', 'the persisted query');
      expect(listed.payload).toMatchObject({ data: { workspaces: [{ slug: 'default' }] } });
      socket.send({ id: 'unknown', type: 'subscribe', payload: { query: '', extensions: persisted('0'.repeat(64)) } });
      const unknown = await socket.next((f) => f.id === 'unknown' && f.type === 'error', 'the unknown hash');
      expect(unknown.payload).toMatchObject([{ message: 'PersistedQueryNotFound' }]);
    } finally {
      socket.terminate();
    }
    const client = createSseClient({ url: `${openBase}/graphql/stream`, singleConnection: true, retryAttempts: 0 });
    try {
      const byHash = new Recording<{ workspaces: unknown[] }>(
        {
          subscribe: (request, sink) =>
            client.subscribe({ ...request, query: '', extensions: persisted(hashOf(WorkspacesDocument)) }, sink),
        },
        '',
        {},
      );
      await byHash.end('the persisted query over graphql-sse');
      expect(byHash.errors).toEqual([]);
      expect(byHash.data).toEqual([expect.objectContaining({ workspaces: [expect.objectContaining({ slug: 'default' })] })]);
    } finally {
      client.dispose();
    }
  });
});
