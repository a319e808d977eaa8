import { type AgentHealth, lastHealthOf } from '../../domain/agents.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { createAgentSchema, type RetryConfig, updateAgentSchema } from '../../domain/schemas/agent.ts';
import type { AGENT_AUTH_TYPES, AGENT_PROTOCOLS, AGENT_STATUSES } from '../../domain/statuses.ts';
import { builder } from '../builder.ts';
import { fromEither, idArgs, idFrom, idInput, withId } from '../input-shapes.ts';
import { connectionFields } from '../connections.ts';
import { idOf } from '../ids.ts';
import { OrderInput } from './ordering.ts';

export const AgentStatus = builder.enumType('AgentStatus', {
  description: 'Lifecycle of an agent.',
  values: {
    ACTIVE: { description: 'Can be used by workflows.' },
    INACTIVE: { description: 'Registered but switched off; workflows using it fail validation.' },
    DELETED: { description: 'Soft-deleted; kept for past runs, hidden from lists unless asked for.' },
  } satisfies Record<(typeof AGENT_STATUSES)[number], unknown>,
});

export const AgentProtocol = builder.enumType('AgentProtocol', {
  description: 'How Flowdeck calls an agent.',
  values: {
    A2A: { description: 'The Agent-to-Agent protocol (JSON-RPC).' },
    HTTP: { description: 'Plain JSON over HTTP POST.' },
  } satisfies Record<(typeof AGENT_PROTOCOLS)[number], unknown>,
});

export const AgentAuthType = builder.enumType('AgentAuthType', {
  description: 'How calls to an agent authenticate.',
  values: {
    NONE: { description: 'No credentials.' },
    BEARER: { description: '`Authorization: Bearer <authConfig.token>`.' },
    APIKEY: { description: 'An API key header: `<authConfig.header ?? X-API-Key>: <authConfig.key>`.' },
  } satisfies Record<(typeof AGENT_AUTH_TYPES)[number], unknown>,
});

const RetryConfigRef = builder.objectRef<RetryConfig>('RetryConfig').implement({
  description: 'How failed calls to an agent are retried, with exponential backoff.',
  fields: (t) => ({
    maxRetries: t.exposeInt('maxRetries', { description: 'Retries after the first attempt (0-10).' }),
    initialDelayMs: t.exposeInt('initialDelayMs', { description: 'Delay before the first retry, in milliseconds.' }),
    maxDelayMs: t.exposeInt('maxDelayMs', { description: 'Upper bound of any delay, in milliseconds.' }),
    backoffMultiplier: t.exposeFloat('backoffMultiplier', { description: 'Factor applied to the delay after each retry.' }),
  }),
});

const RetryConfigInput = builder.inputType('RetryConfigInput', {
  description: 'Retry policy; omitted fields keep their defaults (or current values on update).',
  fields: (t) => ({
    maxRetries: t.int({ required: false, description: 'Retries after the first attempt (0-10, default 3).' }),
    initialDelayMs: t.int({ required: false, description: 'Delay before the first retry (>= 100 ms, default 1000).' }),
    maxDelayMs: t.int({ required: false, description: 'Upper bound of any delay (>= 1000 ms, default 30000).' }),
    backoffMultiplier: t.float({ required: false, description: 'Backoff factor (>= 1, default 2).' }),
  }),
});

export const AgentRef = builder.prismaNode('Agent', {
  description: 'An external service that executes workflow steps. Its credentials are write-only.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique among the live agents of the workspace; workflows refer to agents by it.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the agent does.' }),
    url: t.exposeString('url', { description: 'Base URL the agent is called at.' }),
    protocol: t.field({ type: AgentProtocol, description: 'How the agent is called.', resolve: (a) => a.protocol as 'A2A' | 'HTTP' }),
    authType: t.field({
      type: AgentAuthType,
      description: 'How calls authenticate. The secret itself is never returned.',
      resolve: (a) => a.authType as 'NONE' | 'BEARER' | 'APIKEY',
    }),
    hasCredentials: t.boolean({
      description: 'Whether a secret is stored for the agent.',
      resolve: (a) => a.authSecret != null || a.authConfig != null,
    }),
    timeoutMs: t.exposeInt('timeoutMs', { description: 'Per-call timeout in milliseconds.' }),
    retryConfig: t.field({ type: RetryConfigRef, description: 'Retry policy for calls.', resolve: (a) => a.retryConfig as RetryConfig }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true, description: 'Free-form labels.' }),
    status: t.field({ type: AgentStatus, description: 'Lifecycle state.', resolve: (a) => a.status as 'ACTIVE' | 'INACTIVE' | 'DELETED' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the agent was registered.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the agent last changed.' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'When it was soft-deleted, if it was.' }),
    lastHealth: t.field({
      type: AgentHealthRef,
      nullable: true,
      description:
        'The result of the last health check (`checkAgentHealth`, or REST’s health endpoint), as it was then; null if it was never checked.',
      resolve: (a) => lastHealthOf(a),
    }),
  }),
});

const AgentHealthRef = builder.objectRef<AgentHealth>('AgentHealth').implement({
  description: "Result of calling the agent's `/health` endpoint. An unreachable agent is a result, not an error.",
  fields: (t) => ({
    healthy: t.exposeBoolean('healthy', { description: 'True when `/health` answered with a 2xx status.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'HTTP status received, if any.' }),
    responseTimeMs: t.exposeFloat('responseTimeMs', { nullable: true, description: 'Round-trip time in milliseconds, if it answered.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it is unhealthy (timeout, refused connection, bad status).' }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime', description: 'When the check ran.' }),
  }),
});

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  description: 'A new agent.',
  validate: createAgentSchema,
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique name within the workspace (1-255 characters).' }),
    url: t.string({ required: true, description: 'Base http(s) URL.' }),
    description: t.string({ required: false, description: 'What the agent does.' }),
    protocol: t.field({ type: AgentProtocol, required: false, description: 'Default HTTP.' }),
    authType: t.field({ type: AgentAuthType, required: false, description: 'Default NONE.' }),
    authConfig: t.field({
      type: 'JSON',
      required: false,
      description: 'Secret: `{token}` for BEARER, `{key, header?}` for APIKEY. Write-only.',
    }),
    timeoutMs: t.int({ required: false, description: 'Per-call timeout, 1000-300000 ms (default 30000).' }),
    retryConfig: t.field({ type: RetryConfigInput, required: false, description: 'Retry policy.' }),
    metadata: t.field({ type: 'JSON', required: false, description: 'Free-form labels (an object).' }),
  }),
});

const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  description: 'Changes to an agent; omitted fields stay as they are.',
  validate: withId(updateAgentSchema),
  fields: (t) => ({
    id: t.id({ required: false, description: 'The agent (global or database id); required unless the deprecated `id` argument is given.' }),
    name: t.string({ required: false, description: 'New name.' }),
    url: t.string({ required: false, description: 'New base URL.' }),
    description: t.string({ required: false, description: 'New description.' }),
    protocol: t.field({ type: AgentProtocol, required: false, description: 'New protocol.' }),
    authType: t.field({ type: AgentAuthType, required: false, description: 'New auth type (NONE drops the stored secret).' }),
    authConfig: t.field({ type: 'JSON', required: false, description: 'New secret. Write-only.' }),
    timeoutMs: t.int({ required: false, description: 'New timeout.' }),
    retryConfig: t.field({ type: RetryConfigInput, required: false, description: 'Fields to change in the retry policy.' }),
    metadata: t.field({ type: 'JSON', required: false, description: 'New labels (replaces the old ones).' }),
    status: t.field({ type: AgentStatus, required: false, description: 'ACTIVE or INACTIVE (use deleteAgent to delete).' }),
  }),
});

const AgentFilter = builder.inputType('AgentFilter', {
  description: 'Which agents to list.',
  fields: (t) => ({
    status: t.field({ type: AgentStatus, required: false, description: 'Only this status (DELETED agents appear only when asked for).' }),
    nameContains: t.string({ required: false, description: 'Case-insensitive substring of the name.' }),
  }),
});

/** `@oneOf` reference to an agent: exactly one of `id` or `name`. */
const AgentRefInput = builder.inputType('AgentRef', {
  description: 'An agent, named by exactly one of its id or its name.',
  isOneOf: true,
  fields: (t) => ({
    id: t.id({ required: false, description: 'Global (or database) id.' }),
    name: t.string({ required: false, description: 'Name of a live agent.' }),
  }),
});

const DeleteAgentInput = idInput('DeleteAgentInput', 'agent to delete');
const CheckAgentHealthInput = idInput('CheckAgentHealthInput', 'agent to check');

builder.queryFields((t) => ({
  agents: t.connection(
    {
      type: AgentRef,
      description: 'Agents of the workspace, newest first unless ordered otherwise.',
      args: {
        filter: t.arg({ type: AgentFilter, required: false, description: 'Filters.' }),
        orderBy: t.arg({ type: OrderInput, required: false, description: 'Sort order (default CREATED_AT DESC).' }),
      },
      resolve: (_root, args, ctx) =>
        ctx.services.agents.list(
          ctx.principal,
          args.filter ?? {},
          { field: args.orderBy?.field ?? 'createdAt', direction: args.orderBy?.direction ?? 'desc' },
          args,
        ),
    },
    { name: 'AgentConnection', description: 'A page of agents.', fields: connectionFields('agents') },
    { name: 'AgentEdge', description: 'An agent in a page.' },
  ),
  agent: t.field({
    type: AgentRef,
    description: 'One agent, by id or by name.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      ref: t.arg({ type: AgentRefInput, required: false, description: 'The agent, by id or by name.' }),
      id: t.arg.id({ required: false, deprecationReason: 'Use ref: {id}.', description: 'Global (or database) id.' }),
      name: t.arg.string({ required: false, deprecationReason: 'Use ref: {name}.', description: 'Name of a live agent.' }),
    },
    resolve: (_root, raw, ctx) => {
      if (raw.ref && (raw.id || raw.name))
        throw new ValidationError([{ path: 'ref', message: 'give ref or the deprecated id/name, not both' }]);
      const args = raw.ref ?? raw;
      if (args.id) return ctx.services.agents.get(ctx.principal, { id: idOf('Agent', String(args.id)) });
      if (args.name) return ctx.services.agents.get(ctx.principal, { name: args.name });
      throw new ValidationError([{ path: 'id', message: 'give either id or name' }]);
    },
  }),
}));

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: AgentRef,
    description: 'Registers an agent.',
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: CreateAgentInput, required: true, description: 'The agent.' }) },
    resolve: (_root, { input }, ctx) => ctx.services.agents.create(ctx.principal, input as never),
  }),
  updateAgent: t.field({
    type: AgentRef,
    description: 'Changes an agent; only the given fields change. Name it by `input.id`; the `id` argument is deprecated.',
    errors: { types: [NotFoundError, ValidationError, ConflictError] },
    args: {
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The agent.' }),
      input: t.arg({ type: UpdateAgentInput, required: true, description: 'The agent and the changes.' }),
    },
    resolve: (_root, { id, input }, ctx) => {
      const { id: inInput, ...changes } = input;
      const agentId = fromEither('input.id', 'id', inInput, id);
      return ctx.services.agents.update(ctx.principal, idOf('Agent', String(agentId)), changes as never);
    },
  }),
  deleteAgent: t.field({
    type: AgentRef,
    description: 'Soft-deletes an agent: it stays readable by id with status DELETED, and its name becomes free.',
    errors: { types: [NotFoundError, ValidationError] },
    args: idArgs(t.arg, DeleteAgentInput, 'agent'),
    resolve: (_root, args, ctx) => ctx.services.agents.remove(ctx.principal, idOf('Agent', idFrom(args))),
  }),
  checkAgentHealth: t.field({
    type: AgentHealthRef,
    description: "Calls the agent's `/health` endpoint now and reports what happened.",
    errors: { types: [NotFoundError, ValidationError] },
    args: idArgs(t.arg, CheckAgentHealthInput, 'agent'),
    resolve: (_root, args, ctx) => ctx.services.agents.checkHealth(ctx.principal, idOf('Agent', idFrom(args))),
  }),
}));
