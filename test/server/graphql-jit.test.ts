// Queries and mutations run compiled by graphql-jit (src/server/graphql-jit.ts), and callers see
// what graphql-js would have given them: variables inside a JSON literal reach the resolver
// (jit would drop them), and bad variables are refused with graphql-js's wording. Errors raised
// inside a compiled operation keep their path, location and request id: test/server/error-masking.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { flows } from '../support/flows.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
});
afterAll(async () => {
  await t?.close();
});

async function post(query: string, variables: Record<string, unknown> = {}) {
  const response = await t.app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return (await response.json()) as {
    data?: Record<string, unknown>;
    errors?: { message: string; path?: unknown[]; locations?: unknown[]; extensions?: Record<string, unknown> }[];
  };
}

describe('compiled execution', () => {
  it('passes variables written inside a JSON literal through to the run', async () => {
    const { key } = await flows(t).workflow('jit', { steps: [{ id: 'only', type: 'transform', expression: '$' }] });
    const answer = await post(
      `mutation($key: String!, $name: String!, $n: Int!) {
        executeWorkflow(workflowKey: $key, input: { name: $name, nested: { n: $n, list: [$name, "fixed"] } }) {
          __typename ... on Run { inputs }
        }
      }`,
      { key, name: 'Ada', n: 3 },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.executeWorkflow).toEqual({
      __typename: 'Run',
      inputs: { name: 'Ada', nested: { n: 3, list: ['Ada', 'fixed'] } },
    });
  });

  it('refuses a variable of the wrong type with graphql-js’s message, naming the variable', async () => {
    const answer = await post('query($first: Int) { runs(first: $first) { edges { cursor } } }', { first: 'ten' });
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.[0]?.message).toBe('Variable "$first" got invalid value "ten"; Int cannot represent non-integer value: "ten"');
  });
});
