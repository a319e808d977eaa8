// Seed 004's agent request and response bodies. These check the documented shape and ranges
// (so a bad field answers 422 with pydantic-style details); the domain's own schema still
// decides the business rules (URL form, required secrets, name uniqueness).
import { z } from '@hono/zod-openapi';
import type { Agent } from '../../db/models.ts';
import type { AgentHealth } from '../../domain/agents.ts';
import type { CreateAgentInput, RetryConfig, UpdateAgentInput } from '../../domain/schemas/agent.ts';
import { AGENT_AUTH_TYPES, AGENT_STATUSES, asStatus } from '../../domain/statuses.ts';
import { PageQuery, pageOf } from '../schemas.ts';

const AUTH_TYPES = ['none', 'bearer', 'apikey'] as const;
const STATUSES = ['active', 'inactive', 'deleted'] as const;

const PROTOCOLS = ['a2a', 'http'] as const;
const Protocol = z.enum(PROTOCOLS).openapi({
  description: 'How Flowdeck calls the agent: the A2A protocol (seed 004 agents speak A2A, hence the default) or plain JSON over HTTP.',
});
const AuthType = z.enum(AUTH_TYPES).openapi({ description: 'How calls to the agent authenticate.' });
const AuthConfig = z.record(z.string(), z.string()).openapi({
  description: 'Secret material: `{"token"}` for bearer, `{"key", "header"?}` for apikey. Write-only: never returned.',
  example: { token: 'secret-token-123' },
});

/** `retry_config` fields; each is optional in requests (defaults on create, current value on update). */
const RetryConfigInput = z
  .object({
    max_retries: z.number().int().min(0).max(10).optional().openapi({ description: 'Maximum retry attempts (0-10).', default: 3 }),
    initial_delay_ms: z
      .number()
      .int()
      .min(100)
      .optional()
      .openapi({ description: 'Delay before the first retry, in milliseconds (min 100).', default: 1000 }),
    max_delay_ms: z
      .number()
      .int()
      .min(1000)
      .optional()
      .openapi({ description: 'Maximum delay between retries, in milliseconds (min 1000).', default: 30000 }),
    backoff_multiplier: z.number().min(1).optional().openapi({ description: 'Exponential backoff multiplier (min 1.0).', default: 2 }),
  })
  // Inline, not a named component: the generator would mark a named component itself nullable.
  .nullable()
  .optional()
  .openapi({ description: 'Retry policy; omitted fields keep their default (create) or current value (update).' });

const RetryConfigBody = z
  .object({
    max_retries: z.number().int().openapi({ description: 'Maximum retry attempts.' }),
    initial_delay_ms: z.number().int().openapi({ description: 'Delay before the first retry, in milliseconds.' }),
    max_delay_ms: z.number().int().openapi({ description: 'Maximum delay between retries, in milliseconds.' }),
    backoff_multiplier: z.number().openapi({ description: 'Exponential backoff multiplier.' }),
  })
  .openapi('AgentRetryConfig', { description: 'How failed calls to the agent are retried.' });

const name = z.string().min(1).max(255);
const url = z.string().min(1);
const description = z.string().nullable().optional().openapi({ description: 'Human-readable description.' });
const timeoutMs = z.number().int().min(1000).max(300_000);

/** Body of POST /api/v1/agents. */
export const AgentCreate = z
  .object({
    name: name.openapi({ description: 'Unique agent name (1-255 characters).', example: 'data-processor' }),
    url: url.openapi({ description: 'HTTP endpoint URL of the agent.', example: 'http://data-processor:8080' }),
    description,
    protocol: Protocol.default('a2a'),
    auth_type: AuthType.default('none'),
    auth_config: AuthConfig.nullable().optional(),
    timeout_ms: timeoutMs.default(30_000).openapi({ description: 'Request timeout in milliseconds (1000-300000).' }),
    retry_config: RetryConfigInput,
  })
  .openapi('AgentCreate');

/** Body of PUT /api/v1/agents/{agent_id}: every field optional, only given fields change. */
export const AgentUpdate = z
  .object({
    name: name.optional().openapi({ description: 'New unique name (1-255 characters).' }),
    url: url.optional().openapi({ description: 'New HTTP endpoint URL.' }),
    description,
    protocol: Protocol.optional(),
    auth_type: AuthType.optional(),
    auth_config: AuthConfig.nullable().optional(),
    timeout_ms: timeoutMs.optional().openapi({ description: 'New request timeout in milliseconds (1000-300000).' }),
    retry_config: RetryConfigInput,
    status: z.enum(['active', 'inactive']).optional().openapi({ description: 'Switch the agent on or off (DELETE deletes it).' }),
  })
  .openapi('AgentUpdate');

/** An agent as seed 004 returns it; its auth_config is never included. */
export const AgentBody = z
  .object({
    id: z.string().openapi({ description: 'Agent id (a UUID).' }),
    name: z.string().openapi({ description: 'Unique agent name.' }),
    url: z.string().openapi({ description: 'HTTP endpoint URL of the agent.' }),
    description: z.string().nullable().openapi({ description: 'Human-readable description.' }),
    protocol: Protocol,
    auth_type: AuthType,
    timeout_ms: z.number().int().openapi({ description: 'Request timeout in milliseconds.' }),
    retry_config: RetryConfigBody,
    status: z.enum(STATUSES).openapi({ description: 'Lifecycle state; deleted agents stay readable by id.' }),
    created_at: z.string().openapi({ description: 'When the agent was registered (ISO 8601).' }),
    updated_at: z.string().openapi({ description: 'When the agent last changed (ISO 8601).' }),
  })
  .openapi('Agent');

/** A page of agents. */
export const AgentPage = pageOf(AgentBody, 'AgentPage');

/** Query of GET /api/v1/agents. */
export const AgentListQuery = PageQuery.extend({
  status: z
    .enum(STATUSES)
    .optional()
    .openapi({ description: 'Only agents in this status (deleted agents are listed only when asked for).' }),
  name: z.string().optional().openapi({ description: 'Only the agent with exactly this name.' }),
});

/** The `{agent_id}` path parameter. */
export const AgentIdParam = z.object({
  agent_id: z.string().openapi({ param: { name: 'agent_id', in: 'path' }, description: 'UUID of the agent.' }),
});

/** Result of GET /api/v1/agents/{agent_id}/health. */
export const AgentHealthBody = z
  .object({
    healthy: z.boolean().openapi({ description: "True when the agent's /health answered with a 2xx status." }),
    status_code: z.number().int().nullable().openapi({ description: 'HTTP status received, if it answered.' }),
    response_time_ms: z.number().nullable().openapi({ description: 'Round-trip time in milliseconds, if it answered.' }),
    error: z.string().nullable().openapi({ description: 'Why it is unhealthy (timeout, refused connection, bad status).' }),
  })
  .openapi('AgentHealth');

type RetryConfigIn = z.output<typeof RetryConfigInput>;

function retryIn(retry: RetryConfigIn | null | undefined) {
  if (!retry) return retry;
  return {
    maxRetries: retry.max_retries,
    initialDelayMs: retry.initial_delay_ms,
    maxDelayMs: retry.max_delay_ms,
    backoffMultiplier: retry.backoff_multiplier,
  };
}

const upper = <T extends string>(all: readonly T[], value: string): T => asStatus(all, value.toUpperCase());

/** The domain's createAgent input for a validated POST body. */
export function createInput(body: z.output<typeof AgentCreate>): CreateAgentInput {
  return {
    name: body.name,
    url: body.url,
    description: body.description,
    protocol: body.protocol === 'a2a' ? 'A2A' : 'HTTP',
    authType: upper(AGENT_AUTH_TYPES, body.auth_type),
    authConfig: body.auth_config,
    timeoutMs: body.timeout_ms,
    retryConfig: retryIn(body.retry_config),
  };
}

/** The domain's updateAgent input for a validated PUT body (absent fields stay absent). */
export function updateInput(body: z.output<typeof AgentUpdate>): UpdateAgentInput {
  return {
    name: body.name,
    url: body.url,
    description: body.description,
    protocol: body.protocol === undefined ? undefined : body.protocol === 'a2a' ? 'A2A' : 'HTTP',
    authType: body.auth_type === undefined ? undefined : upper(AGENT_AUTH_TYPES, body.auth_type),
    authConfig: body.auth_config,
    timeoutMs: body.timeout_ms,
    retryConfig: retryIn(body.retry_config),
    status: body.status === undefined ? undefined : body.status === 'active' ? 'ACTIVE' : 'INACTIVE',
  };
}

/** The documented agent body of a stored agent. */
export function agentBody(agent: Agent): z.output<typeof AgentBody> {
  const retry = agent.retryConfig as RetryConfig;
  return {
    id: agent.id,
    name: agent.name,
    url: agent.url,
    description: agent.description,
    protocol: agent.protocol === 'A2A' ? 'a2a' : 'http',
    auth_type: asStatus(AUTH_TYPES, agent.authType.toLowerCase()),
    timeout_ms: agent.timeoutMs,
    retry_config: {
      max_retries: retry.maxRetries,
      initial_delay_ms: retry.initialDelayMs,
      max_delay_ms: retry.maxDelayMs,
      backoff_multiplier: retry.backoffMultiplier,
    },
    status: asStatus(STATUSES, agent.status.toLowerCase()),
    created_at: agent.createdAt.toISOString(),
    updated_at: agent.updatedAt.toISOString(),
  };
}

/** The documented health body of a domain health check. */
export function healthBody(health: AgentHealth): z.output<typeof AgentHealthBody> {
  return { healthy: health.healthy, status_code: health.statusCode, response_time_ms: health.responseTimeMs, error: health.error };
}

/** The domain's status for a list filter. */
export const statusIn = (status: (typeof STATUSES)[number] | undefined) => (status ? upper(AGENT_STATUSES, status) : undefined);
