import { readFileSync } from 'node:fs';
import { NoDeprecatedCustomRule, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.ts';
import { CONFIG_VARIABLES } from '../src/server/config.ts';
import { startTestApp, type TestApp } from './support/app.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
// Subscriptions need a streaming transport (covered by the stream tests); the rest are POSTed.
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const examples = blocks.filter((query) => !query.trimStart().startsWith('subscription'));
const subscriptions = blocks.filter((query) => query.trimStart().startsWith('subscription'));

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('README GraphQL examples', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it('shows the current API: no example uses a deprecated field, argument or enum value', () => {
    for (const query of blocks) expect(validate(schema, parse(query), [NoDeprecatedCustomRule]), query).toEqual([]);
  });

  it('every subscription example is valid against the schema', () => {
    expect(subscriptions.length).toBeGreaterThanOrEqual(2);
    for (const query of subscriptions) expect(validate(schema, parse(query)), query).toEqual([]);
  });

  // In order, as a reader pasting them into GraphiQL would.
  it('every example runs as written, without errors or typed failures', async () => {
    const outcomes: { example: string; body: unknown }[] = [];
    for (const query of examples) {
      const response = await t.app.fetch(
        new Request('http://flowdeck.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        }),
      );
      const body = (await response.json()) as { data?: Record<string, { __typename?: string }>; errors?: unknown };
      outcomes.push({ example: query.split('\n')[1]?.trim() ?? query, body });
      expect(body.errors, JSON.stringify(outcomes.at(-1))).toBeUndefined();
      for (const value of Object.values(body.data ?? {})) {
        expect(value.__typename ?? 'ok', JSON.stringify(outcomes.at(-1))).not.toMatch(/Error$/);
      }
    }
    // The validation example is there to show issues; make sure it does.
    const validation = outcomes.find((o) => o.example.startsWith('validateWorkflow'))?.body as {
      data: { validateWorkflow: { valid: boolean; issues: { message: string }[] } };
    };
    expect(validation.data.validateWorkflow.valid).toBe(false);
    expect(validation.data.validateWorkflow.issues.map((i) => i.message).join('\n')).toMatch(/NoSuchAgent[\s\S]*cycle/);
  });
});

describe('README configuration', () => {
  it('documents every setting the server reads', () => {
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Architecture'));
    expect(CONFIG_VARIABLES.filter((name) => !table.includes(`| \`${name}\` |`))).toEqual([]);
  });
});
