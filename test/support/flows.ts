// Helpers for engine tests that drive Flowdeck only through its public GraphQL API: register
// real test agents, create workflows from canonical definitions, start runs and read event logs.

import { decodeGlobalID } from '@pothos/plugin-relay';
import {
  type CreateAgentInput,
  CreateAgentDocument,
  CreateWorkflowDocument,
  ExecuteWorkflowDocument,
  type ExecuteWorkflowMutation,
  RunEventsDocument,
  type RunEventsQuery,
} from '../gql/graphql.ts';
import type { TestApp } from './app.ts';
import type { TestAgent } from './agents.ts';

/** The Run member of an executeWorkflow (or similar) result. */
export type StartedRun = Extract<ExecuteWorkflowMutation['executeWorkflow'], { __typename: 'Run' }>;

/** One event of a run's log. */
export type RunEventView = Extract<NonNullable<RunEventsQuery['run']>, { __typename: 'Run' }>['events']['edges'][number]['node'];

/** The database id behind a global id (what agents see as `runId`). */
export function dbId(globalId: string): string {
  return decodeGlobalID(globalId).id;
}

/** Throws unless `value` is the union member named `typename`, and narrows it. */
export function expectMember<T extends { __typename?: string }, N extends string>(
  value: T | null | undefined,
  typename: N,
): Extract<T, { __typename: N }> {
  if (value?.__typename !== typename) throw new Error(`expected ${typename}, got ${JSON.stringify(value)}`);
  return value as Extract<T, { __typename: N }>;
}

/** Creates agents, workflows and runs with names unique within one app. */
export function flows(t: TestApp) {
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}`;

  return {
    /** Registers `agent` (a running test agent) and returns the registered name. */
    async agent(prefix: string, agent: TestAgent, options: Partial<Omit<CreateAgentInput, 'name' | 'url'>> = {}): Promise<string> {
      const name = unique(prefix);
      const result = (await t.ok(CreateAgentDocument, { input: { name, url: agent.url, timeoutMs: 1000, ...options } })).createAgent;
      expectMember(result, 'Agent');
      return name;
    },

    /** Creates a workflow from a canonical definition and returns its id and key. */
    async workflow(prefix: string, definition: Record<string, unknown>): Promise<{ id: string; key: string }> {
      const result = (await t.ok(CreateWorkflowDocument, { input: { name: unique(prefix), definition } })).createWorkflow;
      const workflow = expectMember(result, 'Workflow');
      return { id: workflow.id, key: workflow.key };
    },

    /** Starts a run, failing the test unless a Run comes back. */
    async execute(workflowId: string, input: Record<string, unknown> = {}, idempotencyKey?: string): Promise<StartedRun> {
      const result = (await t.ok(ExecuteWorkflowDocument, { workflowId, input, idempotencyKey })).executeWorkflow;
      return expectMember(result, 'Run');
    },

    /** A run's whole event log (after `afterSeq`), following pages. */
    async events(runId: string, afterSeq?: number): Promise<RunEventView[]> {
      const out: RunEventView[] = [];
      let after: string | null | undefined;
      for (;;) {
        const run = expectMember((await t.ok(RunEventsDocument, { id: runId, afterSeq, first: 100, after })).run, 'Run');
        out.push(...run.events.edges.map((e) => e.node));
        if (!run.events.pageInfo.hasNextPage) return out;
        after = run.events.pageInfo.endCursor;
      }
    },
  };
}
