import { z } from 'zod';
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
});

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
}

/** Thrown when the environment holds a bad value; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates configuration from environment variables (all optional). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = envSchema.safeParse(relevant);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${String(i.path[0])}=${JSON.stringify(relevant[String(i.path[0])])}: ${i.message}`);
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
  };
}
