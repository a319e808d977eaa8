// Shared by the seed 003 (/api/v2/workflows) tests: the documented request bodies, the
// documented response shapes, and an app whose agents (the tools the examples name) are local
// HTTP test agents registered through GraphQL, so the examples' nodes run for real.

import { expect } from 'vitest';
import { CreateAgentDocument } from '../gql/graphql.ts';
import { type AgentHandler, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember } from '../support/flows.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { expectShape } from './seed-004-shapes.ts';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The default tenant: `customer_id` of everything created without authentication. */
export const TENANT = '00000000-0000-4000-8000-000000000001';
export const BASE = '/api/v2/workflows';

/** "Example Request" of POST /api/v2/workflows. */
export const DEPLOY_NOTIFICATION = {
  name: 'Deploy Notification',
  description: 'Notify the team when a deployment completes',
  definition: {
    nodes: [
      {
        id: 'step_1',
        type: 'condition',
        action: 'check_status',
        config: { field: '$.deployment.status', operator: 'equals', value: 'success' },
      },
      {
        id: 'step_2',
        type: 'integration',
        action: 'slack.post_message',
        input_from: 'step_1',
        config: { channel: '#deployments', message: 'Deployment completed successfully!' },
      },
    ],
    inputs: {},
    outputs: {},
  },
};

/**
 * The workflow of the GET, schema and execute examples: the nodes of "GET /:id", the inputs and
 * outputs the "GET /:id/schema" example describes.
 */
export const WEEKLY_SALES = {
  name: 'Weekly Sales Report',
  description: 'Automated weekly sales report generation and distribution',
  definition: {
    nodes: [
      { id: 'step_1', type: 'integration', action: 'salesforce.query' },
      { id: 'step_2', type: 'agent', action: 'generate_report', input_from: 'step_1' },
      { id: 'step_3', type: 'integration', action: 'email.send', input_from: 'step_2' },
    ],
    inputs: {
      date_range: { type: 'string', description: 'Override the default date range', default: 'LAST_WEEK' },
      recipients: { type: 'array', items: { type: 'string' }, description: 'Override default email recipients' },
    },
    outputs: { report: { type: 'string' }, email_sent: { type: 'boolean' } },
  },
};

/** "Example Request" of POST /:id/execute. */
export const EXECUTE_INPUTS = { date_range: 'LAST_MONTH', recipients: ['ceo@company.com', 'sales-lead@company.com'] };

/** A workflow that stays running until terminated: it waits for an approval signal. */
export const AWAITS_APPROVAL = (name: string) => ({
  name,
  definition: { nodes: [{ id: 'approve', type: 'approval', action: 'manager_approval', config: { signal: 'approved' } }] },
});

/** The documented workflow fields (list items have all but `definition`). */
export function expectWorkflow(body: Body, what = 'workflow', full = true): void {
  expectShape(
    body,
    {
      id: 'string',
      customer_id: 'string',
      name: 'string',
      description: 'string?',
      ...(full ? { definition: 'object' as const } : {}),
      version: 'string',
      status: 'string',
      created_by: 'string?',
      created_at: 'timestamp',
      updated_at: 'timestamp',
    },
    what,
  );
  expect(body.id, `${what}.id`).toMatch(UUID);
  expect(['active', 'archived'], `${what}.status`).toContain(body.status);
  if (full) expect(Array.isArray(body.definition.nodes), `${what}.definition.nodes`).toBe(true);
}

/** The documented run fields. */
export function expectRun(body: Body, what = 'run'): void {
  expectShape(
    body,
    {
      id: 'string',
      workflow_id: 'string',
      status: 'string',
      inputs: 'object',
      outputs: 'object?',
      error: 'string?',
      started_at: 'timestamp',
      finished_at: 'timestamp?',
    },
    what,
  );
  expect(['running', 'completed', 'failed', 'terminated'], `${what}.status`).toContain(body.status);
}

/** The documented schedule fields (the create, list and update examples together). */
export function expectSchedule(body: Body, what = 'schedule'): void {
  expectShape(
    body,
    {
      id: 'string',
      workflow_id: 'string',
      cron_expression: 'string',
      timezone: 'string',
      inputs: 'object',
      missed_execution_policy: 'string',
      enabled: 'boolean',
      next_run_at: 'timestamp?',
      last_run_at: 'timestamp?',
      created_at: 'timestamp',
      updated_at: 'timestamp',
    },
    what,
  );
}

/** The v2 error envelope: `success: false` with a message, for `status`. */
export function expectFailure(response: { status: number; body: Body; text: string }, status: number): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body.success, response.text).toBe(false);
  expect(typeof response.body.error, response.text).toBe('string');
  expect(response.body.detail, response.text).toBeDefined();
}

/** An app with fast-polling workers and the examples' tools as HTTP agents. */
export async function startV2App() {
  const t: TestApp = await startTestApp({}, { WORKER_POLL_MS: '50' });
  const rest: RestClient = restClient(t);
  const agents: TestAgent[] = [];
  const gates: (() => void)[] = [];

  async function agent(name: string, handler: AgentHandler): Promise<TestAgent> {
    const started = await startHttpAgent(handler);
    agents.push(started);
    const created = await t.ok(CreateAgentDocument, {
      input: { name, url: started.url, timeoutMs: 30_000, retryConfig: { maxRetries: 0 } },
    });
    expectMember(created.createAgent, 'Agent');
    return started;
  }

  const tools = {
    salesforce: await agent('salesforce.query', () => ({ records: [{ Amount: 1200, StageName: 'Closed Won' }], total: 1200 })),
    report: await agent('generate_report', () => ({ report: 'Q1 2026 Sales Summary...' })),
    email: await agent('email.send', () => ({ email_sent: true })),
    slack: await agent('slack.post_message', () => ({ ok: true })),
  };

  return {
    t,
    rest,
    tools,
    agent,
    /** A gate that close() opens, so no handler is left blocked. */
    blocker() {
      const g = gate();
      gates.push(() => g.open());
      return g;
    },
    /** Creates a workflow through POST /api/v2/workflows, failing unless it answers 201. */
    async create(body: object): Promise<Body> {
      const response = await rest.post(BASE, body);
      expect(response.status, response.text).toBe(201);
      return response.body.workflow;
    },
    async close() {
      for (const open of gates) open();
      await t.close();
      await Promise.all(agents.map((a) => a.close()));
    },
  };
}

/** The fixture's type. */
export type V2App = Awaited<ReturnType<typeof startV2App>>;
