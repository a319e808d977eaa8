// Seed 002 (/api/workflows) test fixtures: the documented request bodies, the documented
// response shapes (checked field by field, independently of the OpenAPI document the
// implementation writes), and helpers that drive runs through the public APIs only.

import { expect } from 'vitest';
import { CreateWorkspaceDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { expectMember } from '../support/flows.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';
import { expectShape } from './seed-004-shapes.ts';

/** The documented WorkflowCreate example, verbatim but for the project id placeholder. */
export const DOCUMENTED_CREATE = {
  name: 'Sequential Task',
  description: 'A simple 3-step workflow',
  project_id: 'proj-docs',
  timeout_seconds: 3600,
  max_retries: 3,
  config: {},
  variables: [{ name: 'input', data_type: 'json', is_required: true, description: 'Input payload', metadata: {} }],
  steps: [
    {
      name: 'prepare',
      step_type: 'task',
      step_order: 1,
      timeout_seconds: 120,
      max_retries: 1,
      depends_on_steps: [],
      config: { processing_type: 'default' },
      metadata: {},
    },
    {
      name: 'process',
      step_type: 'task',
      step_order: 2,
      timeout_seconds: 600,
      max_retries: 2,
      depends_on_steps: ['prepare'],
      config: { processing_type: 'data_transformation' },
      metadata: {},
    },
    {
      name: 'finalize',
      step_type: 'task',
      step_order: 3,
      timeout_seconds: 120,
      depends_on_steps: ['process'],
      config: { processing_type: 'default' },
      metadata: {},
    },
  ],
  metadata: { source: 'docs/API.md' },
};

/** The documented WorkflowExecutionCreate example. */
export const DOCUMENTED_EXECUTE = { input_variables: { input: { hello: 'world' } } };

/** A one-step workflow whose step waits for a signal: its executions stay running until cancelled. */
export function waiting(name: string) {
  return { name, steps: [{ name: 'approve', step_type: 'approval', step_order: 1 }] };
}

/**
 * A workflow whose one step succeeds (passing its input through) unless `fail` is true, when it
 * fails without retry: outcomes chosen per execution.
 */
export function failable(name: string) {
  return {
    name,
    variables: [{ name: 'fail', data_type: 'bool', is_required: false, default_value: false }],
    steps: [
      {
        name: 'work',
        step_type: 'transform',
        step_order: 1,
        config: { expression: 'fail ? $error("boom") : {"ok": true}', input_mapping: { fail: '${workflow.input.fail}' } },
      },
    ],
  };
}

/** WorkflowResponse, field by field (the documented list item plus `description`). */
export function expectWorkflow(body: Body, what = 'workflow'): void {
  expectShape(
    body,
    {
      id: 'string',
      workspace_id: 'string',
      project_id: 'string?',
      name: 'string',
      description: 'string?',
      version: 'integer',
      is_active: 'boolean',
      config: 'object',
      timeout_seconds: 'integer?',
      max_retries: 'integer?',
      metadata: 'object',
      created_at: 'timestamp',
      updated_at: 'timestamp',
      steps: 'array',
      variables: 'array',
    },
    what,
  );
}

/** WorkflowExecutionResponse, field by field. */
export function expectExecution(body: Body, what = 'execution'): void {
  expectShape(
    body,
    {
      id: 'string',
      workflow_id: 'string',
      workspace_id: 'string',
      project_id: 'string?',
      execution_number: 'integer',
      status: 'string',
      input_variables: 'object?',
      started_at: 'timestamp?',
      completed_at: 'timestamp?',
      duration: 'number?',
      error_message: 'string?',
      error_details: 'object?',
      metadata: 'object',
      created_at: 'timestamp',
      updated_at: 'timestamp',
      step_executions: 'array',
    },
    what,
  );
  expect(['pending', 'running', 'completed', 'failed', 'cancelled'], `${what}.status`).toContain(body.status);
}

/** `{detail: message}` errors, as FastAPI answers them. */
export function expectDetail(response: { status: number; body: Body; text: string }, status: number, detail: string | RegExp): void {
  expect(response.status, response.text).toBe(status);
  if (typeof detail === 'string') expect(response.body.detail).toBe(detail);
  else expect(response.body.detail).toMatch(detail);
}

/** An app with its OpenAPI-checking REST client. */
export interface LegacyApp {
  t: TestApp;
  rest: RestClient;
  /** POSTs a WorkflowCreate body, failing the test unless it answers 201. */
  create(body: object, headers?: Record<string, string>): Promise<Body>;
  /** Starts an execution, failing the test unless it is submitted; returns its id. */
  execute(workflowId: string, body?: object, headers?: Record<string, string>): Promise<string>;
  /** Polls the status endpoint until the execution is in one of `statuses`. */
  settle(executionId: string, statuses?: string[], headers?: Record<string, string>): Promise<Body>;
  /** A new workspace (id and slug). */
  workspace(slug: string): Promise<{ id: string; slug: string }>;
  close(): Promise<void>;
}

/** Starts an app (workers included) over a scratch database. */
export async function startLegacyApp(env: Record<string, string> = {}): Promise<LegacyApp> {
  const t = await startTestApp({}, env);
  const rest = restClient(t);
  return {
    t,
    rest,
    async create(body, headers) {
      const response = await rest.post('/api/workflows/', body, { headers });
      expect(response.status, response.text).toBe(201);
      return response.body;
    },
    async execute(workflowId, body = {}, headers) {
      const response = await rest.post(`/api/workflows/${workflowId}/execute`, body, { headers });
      expect(response.status, response.text).toBe(200);
      return response.body.execution_id as string;
    },
    async settle(executionId, statuses = ['completed', 'failed', 'cancelled'], headers) {
      // GraphQL's bounded poll does the waiting; the REST snapshot is then read once.
      const workspaceId = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'x-workspace-id')?.[1];
      const scope = workspaceId ? { workspaceId } : undefined;
      await waitForRun(t, executionId, (run) => statuses.includes(run.status.toLowerCase()), scope);
      const response = await rest.get(`/api/workflows/executions/${executionId}/status`, { headers });
      expect(response.status, response.text).toBe(200);
      return response.body;
    },
    async workspace(slug) {
      const created = (await t.ok(CreateWorkspaceDocument, { input: { name: slug, slug } })).createWorkspace;
      return expectMember(created, 'Workspace');
    },
    close: () => t.close(),
  };
}
