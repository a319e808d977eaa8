// Fixtures for the seed-004 run endpoint tests: an app with fast-polling workers, local test
// agents registered through GraphQL, workflows created through GraphQL (seed-004 chains or
// canonical definitions) and runs started through GraphQL, so the tests exercise only /api/v1/runs.

import { CreateWorkflowDocument } from '../gql/graphql.ts';
import { type AgentHandler, gate, startHttpAgent, type TestAgent } from './agents.ts';
import { startTestApp, type TestApp } from './app.ts';
import { dbId, expectMember, flows } from './flows.ts';
import { restClient } from './rest.ts';
import { waitForRun } from './runs.ts';

/** A workflow created for a test. */
export interface CreatedWorkflow {
  /** GraphQL global id. */
  id: string;
  /** What seed 004 calls a run's workflow_id. */
  key: string;
  name: string;
  /** The database id of version 1 (what seed 004 calls workflow_definition_id). */
  versionId: string;
}

/** A seed-004 chain definition. */
export const chain = (steps: Record<string, Record<string, unknown>>, start: string) => ({ start_step: start, steps });

/** Starts an app and returns the fixture; call `close()` in afterAll. */
export async function v1RunFixture() {
  const t: TestApp = await startTestApp({}, { WORKER_POLL_MS: '50' });
  const f = flows(t);
  const agents: TestAgent[] = [];
  const gates: (() => void)[] = [];
  let workflows = 0;

  return {
    t,
    rest: restClient(t),

    /** A running HTTP test agent, registered without retries (steps opt in themselves). */
    async agent(prefix: string, handler: AgentHandler): Promise<{ agent: TestAgent; name: string }> {
      const started = await startHttpAgent(handler);
      agents.push(started);
      return { agent: started, name: await f.agent(prefix, started, { timeoutMs: 30_000, retryConfig: { maxRetries: 0 } }) };
    },

    /** A gate that close() opens, so no handler is left blocked. */
    blocker() {
      const g = gate();
      gates.push(() => g.open());
      return g;
    },

    /** Creates a workflow through GraphQL, with a seed-004-like key. */
    async workflow(definition: Record<string, unknown>): Promise<CreatedWorkflow> {
      workflows += 1;
      const name = `runs-pipeline-${workflows}`;
      const key = `wf-runs-pipeline-${String(workflows).padStart(3, '0')}`;
      const created = expectMember((await t.ok(CreateWorkflowDocument, { input: { name, key, definition } })).createWorkflow, 'Workflow');
      return { id: created.id, key: created.key, name, versionId: dbId(created.latestVersion?.id ?? '') };
    },

    /** Starts a run through GraphQL; returns its database id (the REST run id). */
    async start(wf: { id: string }, input: Record<string, unknown> = {}): Promise<string> {
      return dbId((await f.execute(wf.id, input)).id);
    },

    /** Waits until the run is COMPLETED, FAILED or CANCELLED. */
    async finished(runId: string): Promise<void> {
      await waitForRun(t, runId);
    },

    async close() {
      for (const open of gates) open();
      await t.close();
      await Promise.all(agents.map((a) => a.close()));
    },
  };
}

/** The fixture's type. */
export type V1RunFixture = Awaited<ReturnType<typeof v1RunFixture>>;
