import { createRoute } from '@hono/zod-openapi';
import type { RestRoutes } from '../env.ts';
import { routes } from '../routes.ts';
import { errorResponses, jsonResponse, MessageResponse, pageBody } from '../schemas.ts';
import {
  AgentBody,
  AgentCreate,
  AgentHealthBody,
  AgentIdParam,
  AgentListQuery,
  AgentPage,
  AgentUpdate,
  agentBody,
  createInput,
  healthBody,
  statusIn,
  updateInput,
} from './agent-schemas.ts';

const tags = ['Agents'];

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create an agent',
  description: 'Registers an agent. Names are unique among live agents.',
  request: { body: { required: true, content: { 'application/json': { schema: AgentCreate } } } },
  responses: { 201: jsonResponse(AgentBody, 'The created agent.'), ...errorResponses(400, 422) },
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List agents',
  description: 'A numbered page of agents, newest first. Deleted agents are listed only with `status=deleted`.',
  request: { query: AgentListQuery },
  responses: { 200: jsonResponse(AgentPage, 'A page of agents.'), ...errorResponses(422) },
});

const get = createRoute({
  method: 'get',
  path: '/{agent_id}',
  tags,
  summary: 'Get an agent',
  description: 'One agent by id; a deleted agent is still readable, with status `deleted`.',
  request: { params: AgentIdParam },
  responses: { 200: jsonResponse(AgentBody, 'The agent.'), ...errorResponses(404) },
});

const update = createRoute({
  method: 'put',
  path: '/{agent_id}',
  tags,
  summary: 'Update an agent',
  description: 'Partial update: only the given fields change; `retry_config` fields merge over the current policy.',
  request: { params: AgentIdParam, body: { required: true, content: { 'application/json': { schema: AgentUpdate } } } },
  responses: { 200: jsonResponse(AgentBody, 'The updated agent.'), ...errorResponses(400, 404, 422) },
});

const remove = createRoute({
  method: 'delete',
  path: '/{agent_id}',
  tags,
  summary: 'Delete an agent',
  description: 'Soft delete: the agent is marked deleted and can no longer be used by new workflows.',
  request: { params: AgentIdParam },
  responses: { 200: jsonResponse(MessageResponse, 'The agent was deleted.'), ...errorResponses(404) },
});

const health = createRoute({
  method: 'get',
  path: '/{agent_id}/health',
  tags,
  summary: 'Check agent health',
  description: "Calls the agent's `/health` endpoint with its auth and timeout. An unreachable agent is a 200 with `healthy: false`.",
  request: { params: AgentIdParam },
  responses: { 200: jsonResponse(AgentHealthBody, 'The health check result.'), ...errorResponses(404) },
});

/** Seed 004's /api/v1/agents endpoints. */
export function v1AgentRoutes(): RestRoutes {
  const app = routes();

  app.openapi(create, async (c) => {
    const agent = await c.var.services.agents.create(c.var.principal, createInput(c.req.valid('json')));
    return c.json(agentBody(agent), 201);
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const page = await c.var.services.agents.page(
      c.var.principal,
      { status: statusIn(query.status), name: query.name },
      (query.page - 1) * query.page_size,
      query.page_size,
    );
    return c.json(pageBody(page, query, agentBody), 200);
  });

  app.openapi(get, async (c) => {
    const agent = await c.var.services.agents.get(c.var.principal, { id: c.req.valid('param').agent_id });
    return c.json(agentBody(agent), 200);
  });

  app.openapi(update, async (c) => {
    const agent = await c.var.services.agents.update(c.var.principal, c.req.valid('param').agent_id, updateInput(c.req.valid('json')));
    return c.json(agentBody(agent), 200);
  });

  app.openapi(remove, async (c) => {
    const { agent_id } = c.req.valid('param');
    await c.var.services.agents.remove(c.var.principal, agent_id);
    return c.json({ message: `Agent '${agent_id}' deleted successfully` }, 200);
  });

  app.openapi(health, async (c) => {
    const result = await c.var.services.agents.checkHealth(c.var.principal, c.req.valid('param').agent_id);
    return c.json(healthBody(result), 200);
  });

  return app;
}
