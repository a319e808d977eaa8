import { createRoute } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { descriptorBody, descriptorFields } from '../history/descriptor.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse, MessageResponse, PageQuery, pageBody } from '../schemas.ts';
import { RunResponse, runView } from './run-view.ts';
import {
  ExecuteRequest,
  listArgs,
  updateInput,
  WorkflowBody,
  workflowBody,
  WorkflowCreate,
  WorkflowExecuteParam,
  WorkflowIdOrKeyParam,
  WorkflowIdParam,
  WorkflowListQuery,
  WorkflowOrDescriptor,
  WorkflowPage,
  WorkflowUpdate,
  WorkflowVersionPage,
} from './workflow-schemas.ts';

const tags = ['Workflows'];

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create a workflow',
  description:
    'Creates a workflow (version 1) from a `start_step` + `steps` chain. The chain is validated: every referenced agent exists and is active, there is no cycle, and every step is reachable from `start_step`.',
  request: { body: { required: true, content: { 'application/json': { schema: WorkflowCreate } } } },
  responses: {
    201: jsonResponse(WorkflowBody, 'The created workflow.'),
    ...errorResponses(400, 422),
  },
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List workflows',
  description:
    'A numbered page of workflows, each seen through its current version, filtered and sorted. Deleted workflows are listed only with `status=deleted`.',
  request: { query: WorkflowListQuery },
  responses: { 200: jsonResponse(WorkflowPage, 'A page of workflows.'), ...errorResponses(422) },
});

const get = createRoute({
  method: 'get',
  path: '/{workflow_id}',
  tags: [...tags, 'Run History'],
  summary: 'Get a workflow, or its descriptor by key',
  description:
    "By id (seed 004): the version that id names, extended with that version's descriptor fields. The workflow's id (what create answered; it stays the same across updates) reads the current version; a superseded version's own id (from `/versions`) reads that version as it was (its `id`, `version`, `workflow_data` and `created_at`, status `inactive`). Deleted workflows stay readable, every version with status `deleted`. `/versions` lists them all.\n\nBy key (seed 000's `GET /api/v1/workflows/{workflow_key}`): the descriptor of the live workflow with that key: its current version's steps, stages (steps grouped by dependency depth), the agents they call, `max_turns`/`reducers` (null) and `handoffs` (false), which Flowdeck does not have, and its input and output JSON Schemas.\n\n404 (`Workflow with id '<value>' not found`) when neither matches.",
  request: { params: WorkflowIdOrKeyParam },
  responses: { 200: jsonResponse(WorkflowOrDescriptor, 'The workflow (by id) or its descriptor (by key).'), ...errorResponses(404) },
});

const update = createRoute({
  method: 'put',
  path: '/{workflow_id}',
  tags,
  summary: 'Update a workflow',
  description:
    "Partial update of the workflow named by any of its version ids (an older version's id updates the workflow, as `/versions` takes any of them). The answer is the workflow's current version, under the workflow's unchanged `id`: changing `steps` or `start_step` makes a new `version` (the one before keeps a new id of its own, listed by `/versions`); changing only `description` or `status` keeps the version.",
  request: { params: WorkflowIdParam, body: { required: true, content: { 'application/json': { schema: WorkflowUpdate } } } },
  responses: { 200: jsonResponse(WorkflowBody, 'The workflow, seen through its current version.'), ...errorResponses(400, 404, 422) },
});

const remove = createRoute({
  method: 'delete',
  path: '/{workflow_id}',
  tags,
  summary: 'Delete a workflow',
  description:
    'Soft delete of the whole workflow named by any of its version ids (the message repeats the id given): every version stays readable with status `deleted`, its name becomes free, and it cannot be executed.',
  request: { params: WorkflowIdParam },
  responses: { 200: jsonResponse(MessageResponse, 'The workflow was deleted.'), ...errorResponses(404) },
});

const versions = createRoute({
  method: 'get',
  path: '/{workflow_id}/versions',
  tags,
  summary: 'Get workflow versions',
  description:
    "Every version of the workflow named by its id or any of its versions' ids, newest first: the current one under the workflow's id, `active` (unless switched off), each older one under an id of its own, `inactive`.",
  request: { params: WorkflowIdParam, query: PageQuery },
  responses: { 200: jsonResponse(WorkflowVersionPage, 'A page of versions.'), ...errorResponses(404, 422) },
});

const execute = createRoute({
  method: 'post',
  path: '/{workflow_id}/execute',
  tags: ['Workflow Execution'],
  summary: 'Execute a workflow',
  description:
    "Starts a run of the workflow's current version, named by the workflow's id, and answers at once; the run is stored before this answers. Poll `/api/v1/runs/{run_id}` for progress. 400 when the workflow is not active (inactive or deleted), when the id names a superseded, `inactive` version (`Workflow is not active: ...`, nothing is started), or when the input breaks its declared inputs.",
  request: { params: WorkflowExecuteParam, body: { required: true, content: { 'application/json': { schema: ExecuteRequest } } } },
  responses: { 202: jsonResponse(RunResponse, 'Accepted: the new run, PENDING.'), ...errorResponses(400, 404, 422) },
});

/** Seed 004's /api/v1/workflows endpoints (Workflow Management and Workflow Execution). */
export function v1WorkflowRoutes(): RestRoutes {
  const app = routes();

  app.openapi(create, async (c) => {
    const found = await c.var.services.workflows.createChain(c.var.principal, c.req.valid('json'));
    return c.json(workflowBody(found.workflow, found.version), 201);
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const { filter, order } = listArgs(query);
    const page = await c.var.services.workflows.listPage(
      c.var.principal,
      filter,
      order,
      (query.page - 1) * query.page_size,
      query.page_size,
    );
    return c.json(
      pageBody(page, query, (w) => {
        const { latestVersion, ...workflow } = w;
        // Every workflow is created with its first version in one transaction.
        if (!latestVersion) throw new Error(`workflow ${w.id} has no current version`);
        return workflowBody(workflow, latestVersion);
      }),
      200,
    );
  });

  app.openapi(get, async (c) => {
    const described = await c.var.services.descriptors.describe(c.var.principal, c.req.valid('param').workflow_id);
    if (described.matchedBy === 'key') return c.json(descriptorBody(described), 200);
    return c.json({ ...workflowBody(described.workflow, described.version), ...descriptorFields(described) }, 200);
  });

  app.openapi(update, async (c) => {
    const { workflow_id } = c.req.valid('param');
    const found = await c.var.services.workflows.updateChain(c.var.principal, workflow_id, updateInput(c.req.valid('json')));
    return c.json(workflowBody(found.workflow, found.version), 200);
  });

  app.openapi(remove, async (c) => {
    const { workflow_id } = c.req.valid('param');
    const { workflow } = await c.var.services.workflows.resolveLive(c.var.principal, workflow_id);
    await c.var.services.workflows.remove(c.var.principal, workflow.id);
    return c.json({ message: `Workflow '${workflow_id}' deleted successfully` }, 200);
  });

  app.openapi(versions, async (c) => {
    const query = c.req.valid('query');
    const { workflow } = await c.var.services.workflows.resolve(c.var.principal, c.req.valid('param').workflow_id);
    const page = await c.var.services.workflows.versionsPage(
      c.var.principal,
      workflow.id,
      (query.page - 1) * query.page_size,
      query.page_size,
    );
    return c.json(
      pageBody(page, query, (version) => workflowBody(workflow, version)),
      200,
    );
  });

  app.openapi(execute, async (c) => {
    const workflow = await c.var.services.workflows.forExecution(c.var.principal, c.req.valid('param').workflow_id);
    const body = c.req.valid('json');
    const run = await c.var.services.runs.execute(
      c.var.principal,
      { id: workflow.id },
      { input: body.input_data, conversationId: body.conversation_id, userId: body.user_id },
    );
    return c.json(runView(run, workflow), 202);
  });

  return app;
}
