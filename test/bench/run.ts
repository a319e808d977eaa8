// `npm run bench`: measures the GraphQL API in-process against a scratch database (SQLite, or
// PostgreSQL when DATABASE_URL says so). Prints timings; asserts nothing (tests never time).
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { scratchDatabase } from '../support/database.ts';

const database = await scratchDatabase();
// Production settings, but without credentials or a rate limit: one anonymous caller measures the work, not the budget.
const config = loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'none', RATE_LIMIT_PER_MINUTE: '0', DATABASE_URL: database.url });
const app = await createApp(config, { logger: pino({ level: 'silent' }) });

async function gql(query: string, variables: object = {}): Promise<Record<string, unknown>> {
  const response = await app.fetch(
    new Request('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { data: Record<string, unknown>; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function measure(name: string, count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  const ms = performance.now() - started;
  console.log(
    `${name.padEnd(44)} ${count.toString().padStart(5)} ops  ${(ms / count).toFixed(2).padStart(8)} ms/op  ${((count / ms) * 1000).toFixed(0).padStart(6)} ops/s`,
  );
}

const create = `mutation($i: CreateWorkflowInput!) { createWorkflow(input: $i) { __typename } }`;
const definition = {
  steps: [
    { id: 'a', type: 'transform', expression: '$' },
    { id: 'b', type: 'transform', expression: '$', dependsOn: ['a'] },
  ],
};
await measure('createWorkflow (validate + 3 writes)', 300, (i) => gql(create, { i: { name: `wf-${i}`, definition } }));
await measure('createAgent', 300, (i) =>
  gql(`mutation { createAgent(input: {name: "agent-${i}", url: "http://127.0.0.1:9"}) { __typename } }`),
);
const page = `query($after: String) { workflows(first: 50, after: $after) { pageInfo { endCursor } edges { node { name latestVersion { version } } } } }`;
await measure('workflows page of 50 with latestVersion', 200, () => gql(page));
let cursor: string | null = null;
await measure('walk 300 workflows in pages of 50 (keyset)', 20, async () => {
  cursor = null;
  for (let p = 0; p < 6; p++) {
    const data = (await gql(page, { after: cursor })) as { workflows: { pageInfo: { endCursor: string | null } } };
    cursor = data.workflows.pageInfo.endCursor;
  }
});
await measure('validateWorkflow (no write)', 500, () =>
  gql(`mutation($d: JSON!) { validateWorkflow(definition: $d) { valid } }`, { d: definition }),
);

await app.stop();
await database.drop();
