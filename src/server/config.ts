import { z } from 'zod';
import { secretsKeyProblem } from '../db/secrets.ts';
import { type DatabaseTarget, DEFAULT_DATABASE_URL, parseDatabaseUrl } from '../db/target.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

// Variable names are the schema's keys, so an error names the variable to fix.
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHIQL: bool.optional(),
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(1000).default(4),
  RUN_MAX_PARALLEL_STEPS: z.coerce.number().int().min(1).max(1000).default(8),
  LEASE_MS: z.coerce.number().int().min(200).max(3_600_000).default(30_000),
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  STREAM_MAX_BUFFERED: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(10_000).optional(),
  STEP_MAX_OUTPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1_073_741_824)
    .default(4 * 1024 * 1024),
  STEP_MAX_LOG_ENTRIES: z.coerce.number().int().min(0).max(100_000).default(100),
  STEP_MAX_INTERRUPTIONS: z.coerce.number().int().min(1).max(1000).default(5),
  TRANSFORM_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  TRANSFORM_MAX_MEMORY_MB: z.coerce.number().int().min(8).max(16_384).default(64),
  TRANSFORM_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  STREAM_CATCHUP_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  RUN_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  AUTH_MODE: z.enum(['required', 'none']).optional(),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits) for HS256').optional(),
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(100),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1_073_741_824)
    .default(1024 * 1024),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(1).max(10_000).default(30),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(1000).default(12),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(100_000_000).default(50_000),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(10).max(1_000_000).default(2_000),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(10_000).default(20),
  GRAPHQL_PERSISTED_ONLY: bool.default(false),
  EGRESS_ALLOW: z.string().optional(),
  SECRETS_KEY: z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const problem = secretsKeyProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
});

// Their values are never echoed in an error message (it ends up in logs).
const SECRET_VARIABLES = new Set(['SECRETS_KEY', 'AUTH_JWT_SECRET', 'METRICS_TOKEN']);

/** Every environment variable the server reads at start-up (the README's configuration table lists them). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** Validated server configuration. */
export interface Config {
  port: number;
  host: string;
  database: DatabaseTarget;
  env: 'development' | 'production' | 'test';
  logLevel: string;
  graphiql: boolean;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  shutdownTimeoutMs: number;
  /** Runs this process executes at once; 0 serves the API without executing anything. */
  workerConcurrency: number;
  runMaxParallelSteps: number;
  leaseMs: number;
  workerPollMs: number;
  /** Events a live subscriber may fall behind before it is disconnected (it can resume). */
  streamMaxBuffered: number;
  /** How often an idle REST event stream sends a heartbeat comment (keeps proxies from closing it). */
  sseHeartbeatMs: number;
  /** PostgreSQL connections per process (see {@link defaultPoolSize}); unused on SQLite. */
  databasePoolSize: number;
  /** Largest agent reply body, and largest step output stored; past it the attempt fails, naming the cap. */
  stepMaxOutputBytes: number;
  /** Log lines kept from one agent reply; the rest are dropped with a note saying how many. */
  stepMaxLogEntries: number;
  /** Interrupted deliveries of one step execution before the step fails as poisoned. */
  stepMaxInterruptions: number;
  /** Wall-clock limit of one JSONata transform; past it the worker thread is killed. */
  transformTimeoutMs: number;
  /** Heap limit of a transform worker thread. */
  transformMaxMemoryMb: number;
  /** Worker threads evaluating transforms. */
  transformThreads: number;
  /** How often live streams re-read their runs' logs even without a notification (lost NOTIFY backstop). */
  streamCatchUpMs: number;
  /** Days finished runs are kept (events, attempts and outputs with them); 0 keeps them forever. */
  runRetentionDays: number;
  /** Who may call the API: `required` (credentials on every request but health and docs) or `none`. */
  auth: AuthConfig;
  /** Bearer token /metrics asks for; null = /metrics is closed when authentication is on, open when it is off. */
  metricsToken: string | null;
  /** Requests (GraphQL operations) one user may make per minute; 0 turns limiting off. */
  rateLimitPerMinute: number;
  /** Largest request body accepted on any route; larger ones are refused with 413 before they are read. */
  maxBodyBytes: number;
  /** Limits on one GraphQL document, checked before it runs. */
  graphqlLimits: GraphqlLimits;
  /** Whether GraphQL accepts only the SDK's persisted operations (by hash). */
  graphqlPersistedOnly: boolean;
  /**
   * Hosts and CIDRs outbound calls may reach although they are loopback, private, link-local or
   * metadata addresses. Empty = none (production's default); development allows loopback.
   */
  egressAllow: string[];
  /**
   * Keys encrypting agent secrets at rest: comma-separated, the current key first (older ones only
   * open, until `npm run secrets:rotate`), each `kid:base64key` or a bare `base64key` whose id is
   * derived from it; a key is 32 random bytes (`openssl rand -base64 32`). Validated here; null =
   * the development key file (development and test) or no key (production; see src/db/secrets.ts).
   */
  secretsKey: string | null;
}

/** Authentication settings (see README "Authentication"). */
export interface AuthConfig {
  mode: 'required' | 'none';
  /** HS256 shared secret. */
  jwtSecret: string | null;
  /** Where RS256/ES256 public keys are published (a JWKS document). */
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
}

/** Per-document GraphQL limits (graphql-armor). */
export interface GraphqlLimits {
  maxAliases: number;
  maxDepth: number;
  /** Estimated work of one document: every field costs 1, multiplied by the `first`/`last` of the lists around it. */
  maxCost: number;
  maxTokens: number;
  maxDirectives: number;
}

/** `EGRESS_ALLOW` when unset in development and tests: local agents work out of the box. */
export const DEVELOPMENT_EGRESS_ALLOW = ['loopback'];

/**
 * The settings that loosen security, each as a warning to log at start-up; production's defaults
 * produce none.
 */
export function securityWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.auth.mode === 'none') {
    warnings.push(
      'AUTH_MODE=none: every request acts as the default tenant with full rights; set AUTH_MODE=required for any shared deployment',
    );
  }
  if (config.auth.mode === 'required' && !config.auth.jwtSecret && !config.auth.jwksUrl) {
    warnings.push('AUTH_MODE=required without AUTH_JWT_SECRET or AUTH_JWKS_URL: only API keys can authenticate');
  }
  if (config.egressAllow.length > 0) {
    warnings.push(`EGRESS_ALLOW=${config.egressAllow.join(',')}: outbound calls may reach these internal hosts`);
  }
  if (config.rateLimitPerMinute === 0) warnings.push('RATE_LIMIT_PER_MINUTE=0: requests are not rate limited');
  if (config.env === 'production' && config.graphiql) warnings.push('GRAPHIQL=true in production: the GraphQL IDE is served');
  return warnings;
}

/**
 * PostgreSQL pool size when DATABASE_POOL_SIZE is unset. Each run a worker drives holds a
 * connection only for the length of one short transaction, but every step in flight records
 * its outcome in a transaction of its own, so at peak WORKER_CONCURRENCY × RUN_MAX_PARALLEL_STEPS
 * transactions may want a connection at once; the API, streams and scheduler need a few more.
 * Capped so a large setting does not exhaust the server's max_connections (100 by default).
 */
export function defaultPoolSize(workerConcurrency: number, maxParallelSteps: number): number {
  return Math.min(workerConcurrency * maxParallelSteps + 10, 80);
}

/** Thrown when the environment holds a bad value; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A comma-separated setting; `none` is an explicit empty list (an empty variable counts as unset). */
function parseList(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length === 1 && items[0] === 'none' ? [] : items;
}

/** Reads and validates configuration from environment variables (all optional). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = envSchema.safeParse(relevant);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}=${SECRET_VARIABLES.has(name) ? '(hidden)' : JSON.stringify(relevant[name])}: ${i.message}`;
      });
  const database = parsed.success ? parseDatabaseUrl(parsed.data.DATABASE_URL) : null;
  if (database && 'error' in database) problems.push(`DATABASE_URL: ${database.error}`);
  if (!parsed.success || !database || 'error' in database) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    database,
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    graphiql: e.GRAPHIQL ?? e.NODE_ENV !== 'production',
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    runMaxParallelSteps: e.RUN_MAX_PARALLEL_STEPS,
    leaseMs: e.LEASE_MS,
    workerPollMs: e.WORKER_POLL_MS,
    streamMaxBuffered: e.STREAM_MAX_BUFFERED,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    databasePoolSize: e.DATABASE_POOL_SIZE ?? defaultPoolSize(e.WORKER_CONCURRENCY, e.RUN_MAX_PARALLEL_STEPS),
    stepMaxOutputBytes: e.STEP_MAX_OUTPUT_BYTES,
    stepMaxLogEntries: e.STEP_MAX_LOG_ENTRIES,
    stepMaxInterruptions: e.STEP_MAX_INTERRUPTIONS,
    transformTimeoutMs: e.TRANSFORM_TIMEOUT_MS,
    transformMaxMemoryMb: e.TRANSFORM_MAX_MEMORY_MB,
    transformThreads: e.TRANSFORM_THREADS,
    streamCatchUpMs: e.STREAM_CATCHUP_MS,
    runRetentionDays: e.RUN_RETENTION_DAYS,
    auth: {
      mode: e.AUTH_MODE ?? (e.NODE_ENV === 'production' ? 'required' : 'none'),
      jwtSecret: e.AUTH_JWT_SECRET ?? null,
      jwksUrl: e.AUTH_JWKS_URL ?? null,
      issuer: e.AUTH_JWT_ISSUER ?? null,
      audience: e.AUTH_JWT_AUDIENCE ?? null,
    },
    metricsToken: e.METRICS_TOKEN ?? null,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    graphqlLimits: {
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
    },
    graphqlPersistedOnly: e.GRAPHQL_PERSISTED_ONLY,
    egressAllow: parseList(e.EGRESS_ALLOW) ?? (e.NODE_ENV === 'production' ? [] : DEVELOPMENT_EGRESS_ALLOW),
    secretsKey: e.SECRETS_KEY ?? null,
  };
}
