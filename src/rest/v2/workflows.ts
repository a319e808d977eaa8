// Seed 003's workflow CRUD and schema endpoints.
import { createRoute } from '@hono/zod-openapi';
import { ioSchemas } from '../../domain/io-schema.ts';
import type { WorkflowDefinition } from '../../domain/definition/schema.ts';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import {
  V2_STATUS_FILTERS,
  V2MessageResponse,
  V2SchemaResponse,
  V2WorkflowCreate,
  V2WorkflowIdParam,
  V2WorkflowListQuery,
  V2WorkflowListResponse,
  V2WorkflowPatchResponse,
  V2WorkflowResponse,
  V2WorkflowUpdate,
  v2WorkflowStatus,
  workflowBody,
  workflowSummary,
} from './workflow-schemas.ts';

const tags = ['v2 Workflow CRUD'];

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List workflows',
  description: "The tenant's workflows, newest first, with the total count matching the filter.",
  request: { query: V2WorkflowListQuery },
  responses: { 200: jsonResponse(V2WorkflowListResponse, 'A page of workflows.'), ...errorResponses(400) },
});

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create a workflow',
  description:
    'Creates a workflow from a definition with a `nodes` array. The nodes are validated: known node types, existing active agents for agent and integration nodes, `input_from` naming existing nodes, no cycles. 409 when the tenant already has a workflow with this name.',
  request: { body: { required: true, content: { 'application/json': { schema: V2WorkflowCreate } } } },
  responses: { 201: jsonResponse(V2WorkflowResponse, 'The created workflow.'), ...errorResponses(400, 409) },
});

const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Get a workflow',
  description: 'The workflow with its full definition. 404 if not found or not owned by the tenant.',
  request: { params: V2WorkflowIdParam },
  responses: { 200: jsonResponse(V2WorkflowResponse, 'The workflow.'), ...errorResponses(404) },
});

const update = createRoute({
  method: 'patch',
  path: '/{id}',
  tags,
  summary: 'Update a workflow',
  description:
    'Partial update. A changed definition or a new `version` makes a new version of the workflow (runs already started keep theirs); a changed definition without `version` keeps the current version string. 409 when the new name is taken.',
  request: { params: V2WorkflowIdParam, body: { required: true, content: { 'application/json': { schema: V2WorkflowUpdate } } } },
  responses: { 200: jsonResponse(V2WorkflowPatchResponse, 'The changed workflow.'), ...errorResponses(400, 404, 409) },
});

const remove = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Delete a workflow',
  description:
    'Deletes the workflow and all its execution history (CASCADE): its versions, runs (with their steps and logs) and schedules are gone from every API. Runs still executing are stopped.',
  request: { params: V2WorkflowIdParam },
  responses: { 200: jsonResponse(V2MessageResponse, 'The workflow was deleted.'), ...errorResponses(404) },
});

const schema = createRoute({
  method: 'get',
  path: '/{id}/schema',
  tags,
  summary: 'Get the input/output schema',
  description:
    'JSON Schemas of a run input (from the declared `inputs`) and of a completed run output (from `outputs`, or the last nodes when there are none), for the current definition.',
  request: { params: V2WorkflowIdParam },
  responses: { 200: jsonResponse(V2SchemaResponse, 'The schemas.'), ...errorResponses(404) },
});

/** Seed 003's workflow CRUD: list, create, get, update, delete, schema. */
export function v2WorkflowRoutes(): RestRoutes {
  const app = routes('v2');

  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const statuses = query.status ? [...V2_STATUS_FILTERS[query.status]] : null;
    const page = await c.var.services.workflows.listPage(
      c.var.principal,
      { statuses },
      { field: 'createdAt', direction: 'desc' },
      query.offset,
      query.limit,
    );
    const workflows = page.items.map(({ latestVersion, ...workflow }) => {
      // Every workflow is created with its first version in one transaction.
      if (!latestVersion) throw new Error(`workflow ${workflow.id} has no current version`);
      return workflowSummary(workflow, latestVersion);
    });
    return c.json({ success: true as const, workflows, count: page.total }, 200);
  });

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const { workflow, version } = await c.var.services.releases.create(c.var.principal, {
      name: body.name,
      description: body.description,
      definition: body.definition,
      label: body.version,
    });
    return c.json({ success: true as const, workflow: workflowBody(workflow, version) }, 201);
  });

  app.openapi(get, async (c) => {
    const { workflow, version } = await c.var.services.releases.get(c.var.principal, c.req.valid('param').id);
    return c.json({ success: true as const, workflow: workflowBody(workflow, version) }, 200);
  });

  app.openapi(update, async (c) => {
    const body = c.req.valid('json');
    const { workflow } = await c.var.services.releases.update(c.var.principal, c.req.valid('param').id, {
      name: body.name,
      description: body.description,
      definition: body.definition,
      label: body.version,
      status: body.status === undefined ? undefined : body.status === 'active' ? 'ACTIVE' : 'ARCHIVED',
    });
    const changed = {
      id: workflow.id,
      name: workflow.name,
      status: v2WorkflowStatus(workflow),
      updated_at: workflow.updatedAt.toISOString(),
    };
    return c.json({ success: true as const, workflow: changed }, 200);
  });

  app.openapi(remove, async (c) => {
    await c.var.services.workflowRuns.purge(c.var.principal, c.req.valid('param').id);
    return c.json({ success: true as const, message: 'Workflow deleted successfully' }, 200);
  });

  app.openapi(schema, async (c) => {
    const { version } = await c.var.services.releases.get(c.var.principal, c.req.valid('param').id);
    return c.json({ success: true as const, schema: ioSchemas(version.definition as unknown as WorkflowDefinition) }, 200);
  });

  return app;
}
