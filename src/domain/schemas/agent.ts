import { z } from 'zod';
import { credentialHeaderProblem } from '../../egress/headers.ts';
import { AGENT_AUTH_TYPES, AGENT_PROTOCOLS } from '../statuses.ts';

/** How failed calls to an agent are retried (seed 004's retry_config). */
export const retryConfigSchema = z.strictObject({
  maxRetries: z.int().min(0).max(10).default(3),
  initialDelayMs: z.int().min(100).default(1000),
  maxDelayMs: z.int().min(1000).default(30_000),
  backoffMultiplier: z.number().min(1).default(2),
});
export type RetryConfig = z.output<typeof retryConfigSchema>;

// zod 4's .partial() still applies .default()s, which would reset unnamed fields on update.
const retryConfigPatchSchema = z.strictObject({
  maxRetries: z.int().min(0).max(10).optional(),
  initialDelayMs: z.int().min(100).optional(),
  maxDelayMs: z.int().min(1000).optional(),
  backoffMultiplier: z.number().min(1).optional(),
});

const name = z.string().trim().min(1, 'must not be empty').max(255);
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const secretFields = z.record(z.string(), z.string());

/** The secret material each auth type needs; checked for create and for updates that change it. */
function checkAuth(
  value: { authType?: (typeof AGENT_AUTH_TYPES)[number] | undefined; authConfig?: Record<string, string> | null | undefined },
  ctx: z.RefinementCtx,
): void {
  const needs = value.authType === 'BEARER' ? 'token' : value.authType === 'APIKEY' ? 'key' : null;
  if (needs && !value.authConfig?.[needs]) {
    ctx.addIssue({ code: 'custom', path: ['authConfig', needs], message: `is required when authType is ${value.authType}` });
  }
}

/**
 * The header an API key is sent in (`authConfig.header`) must be a header of its own: not a
 * hop-by-hop, framing or reserved one such as Content-Type, Host or Idempotency-Key.
 */
function checkKeyHeader(value: { authConfig?: Record<string, string> | null | undefined }, ctx: z.RefinementCtx): void {
  const header = value.authConfig?.header;
  const problem = header === undefined || header === '' ? null : credentialHeaderProblem(header);
  if (problem) ctx.addIssue({ code: 'custom', path: ['authConfig', 'header'], message: problem });
}

/** Input of createAgent. */
export const createAgentSchema = z
  .object({
    name,
    url,
    description: z.string().max(2000).nullish(),
    protocol: z.enum(AGENT_PROTOCOLS).default('HTTP'),
    authType: z.enum(AGENT_AUTH_TYPES).default('NONE'),
    authConfig: secretFields.nullish(),
    timeoutMs: z.int().min(1000).max(300_000).default(30_000),
    retryConfig: retryConfigPatchSchema.nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
  })
  .superRefine((value, ctx) => {
    checkAuth(value, ctx);
    checkKeyHeader(value, ctx);
  });
export type CreateAgentInput = z.input<typeof createAgentSchema>;

/** Input of updateAgent: every field optional; only given fields change. */
export const updateAgentSchema = z
  .object({
    name: name.optional(),
    url: url.optional(),
    description: z.string().max(2000).nullish(),
    protocol: z.enum(AGENT_PROTOCOLS).optional(),
    authType: z.enum(AGENT_AUTH_TYPES).optional(),
    authConfig: secretFields.nullish(),
    timeoutMs: z.int().min(1000).max(300_000).optional(),
    retryConfig: retryConfigPatchSchema.nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
    status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.authType !== undefined) checkAuth(value, ctx);
    checkKeyHeader(value, ctx);
  });
export type UpdateAgentInput = z.input<typeof updateAgentSchema>;
