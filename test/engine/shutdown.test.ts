// Shutdown hands in-flight work over (m12): a step still running when the grace period ends
// is aborted and its run given back at once, so the next process delivers it again, with the
// same Idempotency-Key, without waiting for the lease to lapse.

import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateAgentDocument, CreateWorkflowDocument, ExecuteWorkflowDocument, RunDocument } from '../gql/graphql.ts';
import { type App, createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { gate, startHttpAgent } from '../support/agents.ts';
import { scratchDatabase } from '../support/database.ts';
import { dbId, expectMember } from '../support/flows.ts';
import { eventually } from '../support/runs.ts';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function gql<T, V>(app: App, document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
  const response = await app.fetch(
    new Request('http://flowdeck.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(document), variables }),
    }),
  );
  const body = (await response.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe('stopping a server with a step in flight', () => {
  it('aborts the call after the grace period and hands the run over at once; the next server re-sends it with the same key', async () => {
    const db = await scratchDatabase();
    cleanups.push(() => db.drop());
    const held = gate();
    const agent = await startHttpAgent(async () => {
      await held.wait;
      return { ok: true };
    });
    cleanups.push(async () => {
      held.open();
      await agent.close();
    });
    // A lease far longer than the test: only the hand-over can let the second server run it.
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      LEASE_MS: '600000',
      WORKER_POLL_MS: '20',
      SHUTDOWN_TIMEOUT_MS: '100',
    });
    const first = await createApp(config, { logger: pino({ level: 'silent' }) });
    expectMember(
      (await gql(first, CreateAgentDocument, { input: { name: 'held', url: agent.url, timeoutMs: 300_000 } })).createAgent,
      'Agent',
    );
    const wf = expectMember(
      (
        await gql(first, CreateWorkflowDocument, {
          input: { name: 'handover', definition: { steps: [{ id: 'a', type: 'agent', agent: 'held' }] } },
        })
      ).createWorkflow,
      'Workflow',
    );
    const run = expectMember((await gql(first, ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow, 'Run');
    await eventually(() => agent.calls.length === 1, 'the call to reach the agent');
    await first.stop();
    await eventually(() => agent.aborted === 1, 'the agent to see the call aborted');

    held.open();
    const second = await createApp(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => second.stop());
    let status = '';
    for (let i = 0; i < 400 && status !== 'COMPLETED'; i++) {
      status = expectMember((await gql(second, RunDocument, { id: run.id })).run, 'Run').status;
      if (status !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe('COMPLETED');
    const done = expectMember((await gql(second, RunDocument, { id: run.id })).run, 'Run');
    expect(done.steps[0]?.attempts.map((a) => a.status)).toEqual(['INTERRUPTED', 'SUCCEEDED']);
    expect(agent.calls.map((c) => c.headers['idempotency-key'])).toEqual([`${dbId(run.id)}:a:1`, `${dbId(run.id)}:a:1`]);
  });
});
