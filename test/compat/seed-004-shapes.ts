// Seed 004's documented response shapes, checked field by field (independently of the
// OpenAPI document the implementation writes), and the local agents its examples run against.

import { expect } from 'vitest';
import type { components } from '../../sdk/src/rest.ts';
import { startA2AAgent, type TestAgent } from '../support/agents.ts';
import type { Body, RestClient, RestResponse } from '../support/rest.ts';

/** The document's schemas, as @flowdeck/sdk/rest types them. */
export type Schemas = components['schemas'];

/** A typed client's result (`{ data, error, response }`) as the checks below read a response. */
export function answer(result: { data?: unknown; error?: unknown; response: Response }): RestResponse {
  const body = result.data ?? result.error ?? null;
  return { status: result.response.status, headers: result.response.headers, body, text: JSON.stringify(body) };
}

/** Options of a typed call naming an agent, a workflow or a run, or sending an X-Request-Id. */
export const on = {
  agent: (agent_id: string) => ({ params: { path: { agent_id } } }),
  workflow: (workflow_id: string) => ({ params: { path: { workflow_id } } }),
  run: (run_id: string) => ({ params: { path: { run_id } } }),
  request: (id: string) => ({ headers: { 'x-request-id': id } }),
};

/** POST /api/v1/agents, which must answer 201. */
export async function createAgent(rest: RestClient, body: Schemas['AgentCreate']): Promise<Schemas['Agent']> {
  const { data, error, response } = await rest.api.POST('/api/v1/agents', { body });
  expect(response.status, JSON.stringify(error)).toBe(201);
  return data as Schemas['Agent'];
}

/** POST /api/v1/workflows, which must answer 201. */
export async function createWorkflow(rest: RestClient, body: Schemas['WorkflowCreate']): Promise<Schemas['Workflow']> {
  const { data, error, response } = await rest.api.POST('/api/v1/workflows', { body });
  expect(response.status, JSON.stringify(error)).toBe(201);
  return data as Schemas['Workflow'];
}

/** POST /api/v1/workflows/{workflow_id}/execute with `input_data`. */
export function execute(rest: RestClient, workflow_id: string, input_data: Record<string, unknown>) {
  return rest.api.POST('/api/v1/workflows/{workflow_id}/execute', { ...on.workflow(workflow_id), body: { input_data } });
}

/** A body the compiler refuses, sent on purpose: the server must refuse it too. */
export function invalid<T>(body: unknown): T {
  return body as T;
}

/** A documented field type: a JSON type, a timestamp, or one of those or null (`?` suffix). */
type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'timestamp';
type Shape = Record<string, FieldType | `${FieldType}?`>;

function typeMatches(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'timestamp':
      return typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value);
    default:
      return typeof value === type;
  }
}

/** Fails unless every documented field is present with its documented type. */
export function expectShape(body: Body, shape: Shape, what: string): void {
  expect(typeof body === 'object' && body !== null, `${what} is not an object: ${JSON.stringify(body)}`).toBe(true);
  for (const [field, spec] of Object.entries(shape)) {
    const nullable = spec.endsWith('?');
    const type = (nullable ? spec.slice(0, -1) : spec) as FieldType;
    expect(Object.hasOwn(body, field), `${what} lacks the documented field "${field}": ${JSON.stringify(body)}`).toBe(true);
    const value: unknown = body[field];
    const ok = (nullable && value === null) || typeMatches(value, type);
    expect(ok, `${what}.${field} should be ${spec}, got ${JSON.stringify(value)}`).toBe(true);
  }
}

const RETRY_CONFIG: Shape = { max_retries: 'integer', initial_delay_ms: 'integer', max_delay_ms: 'integer', backoff_multiplier: 'number' };

/** An agent as Create/Get/Update/List return it: lower-case status and auth_type, no secret. */
export function expectAgent(body: Body, what = 'agent'): void {
  expectShape(
    body,
    {
      id: 'string',
      name: 'string',
      url: 'string',
      description: 'string?',
      auth_type: 'string',
      timeout_ms: 'integer',
      retry_config: 'object',
      status: 'string',
      created_at: 'timestamp',
      updated_at: 'timestamp',
    },
    what,
  );
  expectShape(body.retry_config, RETRY_CONFIG, `${what}.retry_config`);
  expect(['none', 'bearer', 'apikey'], `${what}.auth_type`).toContain(body.auth_type);
  expect(['active', 'inactive', 'deleted'], `${what}.status`).toContain(body.status);
  expect(body, `${what} must never return auth_config`).not.toHaveProperty('auth_config');
}

/** A workflow (or one of its versions): lower-case status, `workflow_data` holding the chain. */
export function expectWorkflow(body: Body, what = 'workflow'): void {
  expectShape(
    body,
    {
      id: 'string',
      name: 'string',
      version: 'integer',
      workflow_data: 'object',
      status: 'string',
      created_at: 'timestamp',
      updated_at: 'timestamp',
    },
    what,
  );
  expectShape(body.workflow_data, { start_step: 'string', steps: 'object' }, `${what}.workflow_data`);
  expect(['active', 'inactive', 'deleted'], `${what}.status`).toContain(body.status);
}

/** A run: upper-case status, `id` = `run_id`, every documented field (nullable ones null or set). */
export function expectRun(body: Body, what = 'run'): void {
  expectShape(
    body,
    {
      id: 'string',
      run_id: 'string',
      workflow_id: 'string',
      workflow_name: 'string',
      workflow_definition_id: 'string',
      status: 'string',
      input_data: 'object',
      triggered_by: 'string',
      created_at: 'timestamp',
      updated_at: 'timestamp',
      completed_at: 'timestamp?',
      cancelled_at: 'timestamp?',
      cancelled_by: 'string?',
      error_message: 'string?',
    },
    what,
  );
  expect(body.run_id, `${what}: run_id must equal id`).toBe(body.id);
  expect(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'], `${what}.status`).toContain(body.status);
}

/** One step execution of GET /runs/{id}/steps. */
export function expectStep(body: Body, what = 'step'): void {
  expectShape(
    body,
    {
      id: 'string',
      run_id: 'string',
      step_id: 'string',
      step_name: 'string',
      agent_name: 'string',
      status: 'string',
      input_data: 'object?',
      output_data: 'object?',
      started_at: 'timestamp?',
      completed_at: 'timestamp?',
      error_message: 'string?',
    },
    what,
  );
  expect(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED'], `${what}.status`).toContain(body.status);
}

/** The list envelope: items, total, page, page_size, total_pages, consistent with each other. */
export function expectPage(body: Body, page: { page: number; page_size: number }, what = 'page'): void {
  expectShape(body, { items: 'array', total: 'integer', page: 'integer', page_size: 'integer', total_pages: 'integer' }, what);
  expect(body.page, `${what}.page`).toBe(page.page);
  expect(body.page_size, `${what}.page_size`).toBe(page.page_size);
  expect(body.total_pages, `${what}.total_pages`).toBe(Math.ceil(body.total / page.page_size));
  expect(body.items.length, `${what}: items on the page`).toBe(
    Math.max(0, Math.min(page.page_size, body.total - (page.page - 1) * page.page_size)),
  );
}

/** A `{detail}` error in the documented general format, echoing the request id it was sent. */
export function expectError(
  response: { status: number; headers: Headers; body: Body },
  status: number,
  path: string,
  requestId: string,
): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expectShape(
    response.body,
    { error: 'string', status_code: 'integer', timestamp: 'timestamp', path: 'string', request_id: 'string' },
    'error',
  );
  expect(response.body).toHaveProperty('detail');
  expect(response.body.status_code).toBe(status);
  expect(response.body.path).toBe(path);
  expect(response.body.request_id).toBe(requestId);
  expect(response.headers.get('x-request-id')).toBe(requestId);
}

/** Polls GET /api/v1/runs/{id} until its status is one of `statuses` (bounded; the bound is never the assertion). */
export async function waitForStatus(rest: RestClient, id: string, statuses: string[], limitMs = 15_000): Promise<Schemas['RunResponse']> {
  const started = Date.now();
  for (;;) {
    const { data, error, response } = await rest.api.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: id } } });
    expect(response.status, JSON.stringify(error)).toBe(200);
    if (data && statuses.includes(data.status)) return data;
    if (Date.now() - started > limitMs) throw new Error(`run ${id} never reached ${statuses.join('/')}: ${JSON.stringify(data)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A local A2A agent (seed 004's agents speak A2A) that records each input it was sent. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- agent inputs are free-form JSON
export type DataAgent = TestAgent & { inputs: any[] };

/** Starts a {@link DataAgent} answering `reply(input)` (a throw is a failed task). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- agent inputs are free-form JSON
export async function dataAgent(reply: (input: any, call: number) => unknown): Promise<DataAgent> {
  const inputs: unknown[] = [];
  const agent = await startA2AAgent((input: unknown) => {
    inputs.push(input);
    return reply(input, inputs.length);
  });
  return Object.assign(agent, { inputs });
}

/** Local stand-ins for the example agents: each answers with `data`, as the ETL mappings expect. */
export async function startEtlAgents() {
  const extractor = await dataAgent((input: Record<string, unknown>) => ({
    data: { rows: [1, 2, 3], from: input.source_url ?? input.source ?? null },
    record_count: 3,
  }));
  const transformer = await dataAgent((input: Record<string, unknown>) => ({
    data: { transformed: input.raw_data ?? input.data ?? null },
  }));
  const loader = await dataAgent(() => ({ data: { loaded: true } }));
  const validator = await dataAgent((input: Record<string, unknown>) => ({ validated_data: input.data ?? null, data: input.data ?? null }));
  return {
    extractor,
    transformer,
    loader,
    validator,
    async close() {
      await Promise.all([extractor, transformer, loader, validator].map((a) => a.close()));
    },
  };
}
