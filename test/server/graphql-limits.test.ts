// GraphQL's per-document limits (GRAPHQL_MAX_*): each one refuses a document just over it with
// its own code and HTTP 400 before anything runs, accepts one at it, and lets every operation
// the SDK ships through. The abuse probes of issue 12 are refused and the server keeps serving.
// Refusals are shown to come before execution by what they leave behind (nothing created) and
// by never reaching a resolver; timing decides nothing here.

import { readFileSync } from 'node:fs';
import { getIntrospectionQuery, Lexer, parse, Source, TokenKind } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunsDocument, WorkspacesDocument } from '../gql/graphql.ts';
import { loadConfig } from '../../src/server/config.ts';
import { operationCost } from '../../src/server/graphql-cost.ts';
import { schema } from '../../src/graphql/schema.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { RawSocket } from '../support/streams.ts';

const defaults = loadConfig({}).graphqlLimits;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
});
afterAll(async () => {
  await t?.close();
});

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** POSTs a raw document to /graphql, as any client (the SDK's documents are typed; these are not). */
async function post(app: TestApp, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await app.app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

/** The code of the only error of a refused answer (HTTP 400, no data). */
function refusal(answer: Answer): unknown {
  expect(answer.status, JSON.stringify(answer)).toBe(400);
  expect(answer.data ?? null).toBeNull();
  expect(answer.errors).toHaveLength(1);
  return answer.errors?.[0]?.extensions?.code;
}

function accepted(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.errors)).toBe(200);
  expect(answer.errors).toBeUndefined();
}

/** Lexical tokens of a document, as the limit counts them (comments and commas are not tokens). */
function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
}

/** `{ a0: workspaces { id } a1: … }` with `count` aliases. */
const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: workspaces { id }`).join(' ')} }`;
/** run → `parents` × parent → id: depth `parents + 2`. */
const parentChain = (parents: number) =>
  `query($id: ID!) { run(id: $id) { ... on Run { ${'parent { '.repeat(parents)}id${' }'.repeat(parents)} } } }`;

describe('every operation the SDK ships (and every one the test suite sends) passes the default limits', () => {
  const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, string>;
  const manifest = { ...read('../../sdk/src/gql/persisted-documents.json'), ...read('../gql/persisted-documents.json') };

  it('has documents to check', () => {
    expect(Object.keys(manifest).length).toBeGreaterThan(40);
    expect(defaults).toEqual({ maxAliases: 30, maxDepth: 12, maxCost: 50_000, maxTokens: 2000, maxDirectives: 20 });
  });

  it.each(
    Object.entries(manifest).map(([hash, document]) => [
      parse(document).definitions.find((d) => 'operation' in d)?.name?.value ?? hash,
      document,
    ]),
  )('%s, with no variables and with every page at its largest', (_name, document) => {
    const largest: Record<string, unknown> = {};
    for (const match of document.matchAll(/\$(first|last|limit|count): Int/g)) largest[match[1] as string] = 100;
    for (const variables of [{}, largest]) {
      // Parse and validate through the app's own envelop: every limit applies, nothing executes.
      const request = new Request('http://flowdeck.test/graphql', { method: 'POST' });
      const enveloped = t.app.yoga.getEnveloped({ request, params: { query: document, variables } });
      expect(enveloped.validate(enveloped.schema, enveloped.parse(document))).toEqual([]);
    }
  });
});

describe('each limit refuses a document just over it, with its code, and accepts one at it', () => {
  it('aliases (GRAPHQL_MAX_ALIASES)', async () => {
    accepted(await post(t, aliases(30)));
    const over = await post(t, aliases(31));
    expect(refusal(over)).toBe('MAX_ALIASES_EXCEEDED');
    expect(over.errors?.[0]).toMatchObject({
      message: 'Alias count 31 exceeds the limit of 30 (GRAPHQL_MAX_ALIASES)',
      extensions: { limit: 30, found: 31 },
    });
  });

  it('depth (GRAPHQL_MAX_DEPTH), counting fields but not fragments', async () => {
    accepted(await post(t, parentChain(10), { id: 'no-such-run' }));
    const over = await post(t, parentChain(11), { id: 'no-such-run' });
    expect(refusal(over)).toBe('MAX_DEPTH_EXCEEDED');
    expect(over.errors?.[0]?.extensions).toMatchObject({ limit: 12, found: 13 });
  });

  it('tokens (GRAPHQL_MAX_TOKENS), counted before parsing; comments are free', async () => {
    // A long list literal (one token per value) in an argument that touches no database. Repeating
    // a field would trip graphql-js's own budget for comparing overlapping fields first.
    const longList = (count: number) =>
      `mutation { validateWorkflow(definition: [${' 1'.repeat(count)} ]) { valid } } # ${'comment '.repeat(5000)}`;
    expect(tokenCount(longList(1987))).toBe(2000);
    accepted(await post(t, longList(1987)));
    const over = await post(t, longList(1988));
    expect(refusal(over)).toBe('MAX_TOKENS_EXCEEDED');
    expect(over.errors?.[0]?.message).toContain('more than 2000 tokens');
  });

  it('directives (GRAPHQL_MAX_DIRECTIVES)', async () => {
    const directives = (count: number) => `{ workspaces { ${'id @include(if: true) '.repeat(count)}} }`;
    accepted(await post(t, directives(20)));
    expect(refusal(await post(t, directives(21)))).toBe('MAX_DIRECTIVES_EXCEEDED');
  });

  it('cost (GRAPHQL_MAX_COST): page sizes multiply, whether literal or in variables', async () => {
    const nested = `query($n: Int) { workflows(first: $n) { edges { node { runs(first: $n) { edges { node { id status createdAt triggeredBy } } } } } } }`;
    // 2 + n × (3 + 5n): 49,304 at 99, 50,302 at 100.
    expect(operationCost(schema, parse(nested), null, { n: 99 })).toBe(49_304);
    accepted(await post(t, nested, { n: 99 }));
    const over = await post(t, nested, { n: 100 });
    expect(refusal(over)).toBe('MAX_COST_EXCEEDED');
    expect(over.errors?.[0]?.extensions).toMatchObject({ cost: 50_302, limit: 50_000 });
    // A page larger than any resolver returns costs as the largest page.
    expect(operationCost(schema, parse(nested), null, { n: 5000 })).toBe(50_302);
  });

  it('counts a connection page on its edges only, unsized object lists as ten, and nodes(ids:) by its ids', () => {
    const cost = (document: string, variables?: Record<string, unknown>) => operationCost(schema, parse(document), null, variables);
    // workflows 1 + edges (1 + 10 × (node 1 + id 1)) + pageInfo (1 + 1) + totalCount 1 = 25.
    expect(cost('{ workflows(first: 10) { totalCount pageInfo { hasNextPage } edges { node { id } } } }')).toBe(25);
    // Default page: 20.
    expect(cost('{ workflows { edges { node { id } } } }')).toBe(1 + 1 + 20 * 2);
    // run 1 + steps (1 + 10 × (id 1 + attempts (1 + 10 × 1))).
    expect(cost('query($id: ID!) { run(id: $id) { ... on Run { steps { id attempts { attempt } } } } }')).toBe(1 + 1 + 10 * (1 + 1 + 10));
    expect(cost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b', 'c'] })).toBe(1 + 3);
    expect(cost('{ __schema { types { name fields { name } } } __typename }')).toBe(0);
  });
});

describe('the abuse probes of issue 12 are refused before they run, and the server keeps serving', () => {
  it('1,000 aliased list fields in one query', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: workflows(first: 100) { edges { node { id } } }`).join(' ')} }`;
    // The first limit met while reading it is the token count.
    expect(refusal(await post(t, query))).toBe('MAX_TOKENS_EXCEEDED');
  });

  it('a 40-deep parent chain', async () => {
    const answer = await post(t, parentChain(40), { id: 'no-such-run' });
    expect(refusal(answer)).toBe('MAX_DEPTH_EXCEEDED');
    expect(answer.errors?.[0]?.extensions?.found).toBe(42);
  });

  it('a million-node nested list query', async () => {
    const query = `{ workflows(first: 100) { edges { node { runs(first: 100) { edges { node { steps { attempts { attempt status error } } } } } } } } }`;
    const answer = await post(t, query);
    expect(refusal(answer)).toBe('MAX_COST_EXCEEDED');
    expect(answer.errors?.[0]?.extensions?.cost).toBeGreaterThan(1_000_000);
  });

  it('a mutation over a limit changes nothing', async () => {
    const creates = Array.from(
      { length: 31 },
      (_, i) => `w${i}: createWorkspace(input: { name: "Over ${i}", slug: "over-${i}" }) { __typename }`,
    );
    expect(refusal(await post(t, `mutation { ${creates.join(' ')} }`))).toBe('MAX_ALIASES_EXCEEDED');
    const slugs = (await t.ok(WorkspacesDocument)).workspaces.map((w) => w.slug);
    expect(slugs.filter((slug) => slug.startsWith('over-'))).toEqual([]);
  });

  it('still answers an ordinary query after all of them', async () => {
    expect((await t.ok(WorkspacesDocument)).workspaces.length).toBeGreaterThan(0);
  });
});

describe('introspection', () => {
  it.each([
    ['the standard query', getIntrospectionQuery()],
    [
      'the query with every option GraphiQL may ask for',
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    ],
  ])('passes the limits: %s', async (_what, query) => {
    const answer = await post(t, query);
    accepted(answer);
    expect((answer.data?.__schema as { types: unknown[] }).types.length).toBeGreaterThan(50);
  });

  it('is still bounded in depth by graphql-js itself', async () => {
    const answer = await post(t, '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }');
    expect(answer.errors?.[0]?.message).toMatch(/introspection/i);
  });
});

describe('field suggestions', () => {
  const typo = '{ workspaces { nme } }';

  it('are given outside production', async () => {
    const answer = await post(t, typo);
    expect(answer.errors?.[0]?.message).toBe('Cannot query field "nme" on type "Workspace". Did you mean "name"?');
  });

  it('are not given in production (fields, arguments, enum values, variables)', async () => {
    const production = await startTestApp({}, { NODE_ENV: 'production', AUTH_MODE: 'none', WORKER_CONCURRENCY: '0' });
    try {
      const probes: [string, Record<string, unknown>][] = [
        [typo, {}],
        ['{ agents(frist: 1) { totalCount } }', {}],
        ['{ agents(filter: { status: ACTIV }) { totalCount } }', {}],
        ['query($f: AgentFilter) { agents(filter: $f) { totalCount } }', { f: { nameContain: 'x' } }],
      ];
      for (const [query, variables] of probes) {
        const answer = await post(production, query, variables);
        expect(answer.errors?.length, query).toBeGreaterThan(0);
        for (const error of answer.errors ?? []) expect(error.message, query).not.toMatch(/did you mean/i);
      }
      expect((await post(production, typo)).errors?.[0]?.message).toBe('Cannot query field "nme" on type "Workspace".');
    } finally {
      await production.close();
    }
  });
});

describe('over graphql-ws', () => {
  it('refuses an operation over a limit on its own id; the socket keeps serving', async () => {
    const { url } = await t.app.start();
    const socket = await RawSocket.connect(`${url.replace('http', 'ws')}/graphql`);
    try {
      socket.subscribe('deep', parentChain(40), { id: 'no-such-run' });
      socket.subscribe('long', `mutation { validateWorkflow(definition: [${' 1'.repeat(2500)} ]) { valid } }`, {});
      const deep = await socket.next((f) => f.id === 'deep' && f.type === 'error', 'the depth refusal');
      expect(deep.payload).toMatchObject([{ extensions: { code: 'MAX_DEPTH_EXCEEDED' } }]);
      const long = await socket.next((f) => f.id === 'long' && f.type === 'error', 'the token refusal');
      expect(long.payload).toMatchObject([{ extensions: { code: 'MAX_TOKENS_EXCEEDED' } }]);
      socket.subscribe('fine', '{ workspaces { slug } }', {});
      const fine = await socket.next((f) => f.id === 'fine' && f.type === 'next', 'an ordinary query');
      expect(fine.payload).toMatchObject({ data: { workspaces: expect.any(Array) as unknown } });
      expect(socket.isOpen).toBe(true);
    } finally {
      socket.terminate();
    }
  });
});

describe('list arguments passed as variables', () => {
  it('a status filter repeating the five statuses thousands of times is answered, not a database error', async () => {
    const t = await startTestApp();
    try {
      const five = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
      const status = Array.from({ length: 1000 }, () => five).flat();
      const result = await t.gql(RunsDocument, { first: 5, filter: { status } });
      expect(result.errors).toBeUndefined();
      expect(result.data?.runs.totalCount).toBe(0);
    } finally {
      await t.close();
    }
  });
});
