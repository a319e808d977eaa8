import { createRoute } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import { LegacyWorkflowMetrics, metricsView } from './telemetry-views.ts';
import {
  createInput,
  postedStepList,
  updateInput,
  WorkflowCreate,
  WorkflowGetQuery,
  WorkflowIdParam,
  WorkflowListQuery,
  WorkflowUpdate,
  WorkspaceHeaders,
  WorkspaceQuery,
} from './schemas.ts';
import {
  LegacyTemplateList,
  LegacyValidationResult,
  LegacyWorkflow,
  LegacyWorkflowDeleted,
  LegacyWorkflowList,
  templateView,
  validationView,
  workflowView,
} from './views.ts';

const tags = ['Workflows (/api/workflows)'];
const headers = WorkspaceHeaders;
const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List workflows',
  description:
    "The workspace's workflows, oldest first, `skip`/`limit` paginated, optionally only one project's or only active (or inactive) ones. Deleted workflows are not listed. A malformed `project_id` is a 400; a well-formed one no workflow carries lists nothing.",
  request: { query: WorkflowListQuery, headers },
  responses: { 200: jsonResponse(LegacyWorkflowList, 'A page of workflows.'), ...errorResponses(400) },
});

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create a workflow',
  description:
    'Creates a workflow (version 1, active) from its steps and variables; `depends_on_steps` names steps of the same request. The definition is validated first: 400 names every problem (unknown step names, cycles, unknown or inactive agents, bad references, a malformed `project_id`). 409 when the name is taken in the workspace.',
  request: { query: WorkspaceQuery, headers, body: body(WorkflowCreate) },
  responses: { 201: jsonResponse(LegacyWorkflow, 'The created workflow.'), ...errorResponses(400, 409) },
});

const validate = createRoute({
  method: 'post',
  path: '/validate',
  tags,
  summary: 'Validate a workflow definition without saving it',
  description:
    'Checks a WorkflowCreate body exactly as creating it would (steps, dependencies, agents), saving nothing. A definition with problems is a 200 with `is_valid: false` listing them; a body that is not a WorkflowCreate is a 400.',
  request: { query: WorkspaceQuery, headers, body: body(WorkflowCreate) },
  responses: { 200: jsonResponse(LegacyValidationResult, 'The validation result.'), ...errorResponses(400) },
});

const templates = createRoute({
  method: 'get',
  path: '/templates',
  tags,
  summary: 'Built-in workflow templates',
  description:
    'Starter workflows (sequential, parallel fan-out/fan-in, conditional branch, human approval, ETL with retries), each a WorkflowCreate body: post it with your own `name` (and your agents in place of the `agents` placeholders) to create it.',
  request: { query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyTemplateList, 'The templates.'), ...errorResponses(400) },
});

const get = createRoute({
  method: 'get',
  path: '/{workflow_id}',
  tags,
  summary: 'Get a workflow',
  description: 'The workflow with its steps and variables (`include_steps=false` leaves them out). Deleted workflows are not found.',
  request: { params: WorkflowIdParam, query: WorkflowGetQuery, headers },
  responses: { 200: jsonResponse(LegacyWorkflow, 'The workflow.'), ...errorResponses(400, 404) },
});

const update = createRoute({
  method: 'patch',
  path: '/{workflow_id}',
  tags,
  summary: 'Update workflow metadata',
  description:
    'Changes the given fields (name, description, config, timeout_seconds, max_retries, project_id, is_active, metadata); steps and variables stay as they are. 400 for a malformed field (a project id included); 409 when the new name is taken.',
  request: { params: WorkflowIdParam, query: WorkspaceQuery, headers, body: body(WorkflowUpdate) },
  responses: { 200: jsonResponse(LegacyWorkflow, 'The updated workflow.'), ...errorResponses(400, 404, 409) },
});

const remove = createRoute({
  method: 'delete',
  path: '/{workflow_id}',
  tags,
  summary: 'Delete a workflow',
  description:
    'Deletes the workflow: it is no longer listed, found or executable, and its name becomes free; its past executions stay readable. 409 while any of its executions is pending or running (cancel them first).',
  request: { params: WorkflowIdParam, query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyWorkflowDeleted, 'The workflow was deleted.'), ...errorResponses(400, 404, 409) },
});

const metrics = createRoute({
  method: 'get',
  path: '/{workflow_id}/metrics',
  tags: ['Workflow telemetry (/api/workflows)'],
  summary: "A workflow's aggregated metrics",
  description:
    "Counts of the workflow's executions by outcome, the success rate, and the durations of its completed executions (total, mean, min, max and nearest-rank percentiles, in seconds).",
  request: { params: WorkflowIdParam, query: WorkspaceQuery, headers },
  responses: { 200: jsonResponse(LegacyWorkflowMetrics, 'The metrics.'), ...errorResponses(400, 404) },
});

/** Seed 002's workflow definitions: CRUD, validation, templates and per-workflow metrics. */
export function legacyWorkflowRoutes(): RestRoutes {
  const app = routes('legacy');

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await c.var.services.stepLists.page(c.var.principal, { projectId: q.project_id, active: q.is_active }, q.skip, q.limit);
    const items = page.items.map(({ latestVersion, ...workflow }) => {
      // Every workflow is created with its first version in one transaction.
      if (!latestVersion) throw new Error(`workflow ${workflow.id} has no current version`);
      return workflowView(workflow, latestVersion);
    });
    return c.json({ items, total: page.total, skip: q.skip, limit: q.limit }, 200);
  });

  app.openapi(create, async (c) => {
    const created = await c.var.services.stepLists.create(c.var.principal, createInput(c.req.valid('json')));
    return c.json(workflowView(created.workflow, created.version), 201);
  });

  // Literal paths before /{workflow_id}, which would otherwise take them as ids.
  app.openapi(validate, async (c) => {
    const check = await c.var.services.stepLists.check(c.var.principal, postedStepList(c.req.valid('json')));
    return c.json(validationView(check), 200);
  });

  app.openapi(templates, (c) => c.json(c.var.services.stepLists.templates().map(templateView), 200));

  app.openapi(get, async (c) => {
    const found = await c.var.services.stepLists.getLive(c.var.principal, c.req.valid('param').workflow_id);
    return c.json(workflowView(found.workflow, found.version, c.req.valid('query').include_steps ?? true), 200);
  });

  app.openapi(update, async (c) => {
    const { services, principal } = c.var;
    const { workflow } = await services.stepLists.getLive(principal, c.req.valid('param').workflow_id);
    await services.workflows.update(principal, workflow.id, updateInput(c.req.valid('json')));
    const found = await services.stepLists.getLive(principal, workflow.id);
    return c.json(workflowView(found.workflow, found.version), 200);
  });

  app.openapi(remove, async (c) => {
    const { services, principal } = c.var;
    const { workflow } = await services.stepLists.getLive(principal, c.req.valid('param').workflow_id);
    await services.workflowExecutions.removeWhenIdle(principal, workflow.id);
    return c.json({ status: 'deleted' as const, workflow_id: workflow.id }, 200);
  });

  app.openapi(metrics, async (c) => {
    const { services, principal } = c.var;
    const { workflow } = await services.stepLists.getLive(principal, c.req.valid('param').workflow_id);
    return c.json(metricsView(await services.analytics.workflowStats(principal, workflow.id, {})), 200);
  });

  return app;
}
