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
});

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
    databasePoolSize: e.DATABASE_POOL_SIZE ?? defaultPoolSize(e.WORKER_CONCURRENCY, e.RUN_MAX_PARALLEL_STEPS),
    stepMaxOutputBytes: e.STEP_MAX_OUTPUT_BYTES,
    stepMaxLogEntries: e.STEP_MAX_LOG_ENTRIES,
    stepMaxInterruptions: e.STEP_MAX_INTERRUPTIONS,
    transformTimeoutMs: e.TRANSFORM_TIMEOUT_MS,
    transformMaxMemoryMb: e.TRANSFORM_MAX_MEMORY_MB,
    transformThreads: e.TRANSFORM_THREADS,
    streamCatchUpMs: e.STREAM_CATCHUP_MS,
    runRetentionDays: e.RUN_RETENTION_DAYS,
  };
}
