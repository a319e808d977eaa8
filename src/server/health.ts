// Liveness and readiness of one app. Liveness checks nothing outside the process; readiness
// asks the database a real question, bounded in time so a hung connection cannot hang the probe.

import { readFileSync } from 'node:fs';
import type { Database } from '../db/database.ts';
import type { Clock } from '../domain/resources.ts';

/** How long the database may take to answer the readiness query before it counts as down. */
export const DATABASE_CHECK_TIMEOUT_MS = 3_000;

/** One dependency's state: `unknown` when this process cannot tell (it never makes the app unready). */
export interface DependencyCheck {
  status: 'healthy' | 'unhealthy' | 'unknown';
  message: string;
  /** How long the check took, when it reached the dependency. */
  responseTimeMs: number | null;
}

/** The answer to a readiness probe. */
export interface Readiness {
  ready: boolean;
  at: Date;
  checks: { database: DependencyCheck; workers: DependencyCheck };
}

/** The answer to a liveness probe. */
export interface Liveness {
  at: Date;
  version: string;
  uptimeSeconds: number;
}

/** The probes of one app. */
export interface Health {
  live(): Liveness;
  ready(): Promise<Readiness>;
}

/** What the probes look at. */
export interface HealthDeps {
  db: Database;
  clock: Clock;
  version: string;
  /** Runs this process executes at once; 0 for an API-only process. */
  workerConcurrency: number;
}

/** The `version` of Flowdeck's package.json. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** The useful line of a driver or Prisma error (Prisma wraps the driver's message in several lines). */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const quoted = /Message: `([^`]*)`/.exec(text);
  if (quoted?.[1]) return quoted[1];
  const lines = text.split('\n').map((line) => line.trim());
  return lines.filter(Boolean).at(-1) ?? 'unknown error';
}

/** Asks the database `SELECT 1`, timing the round trip. */
async function checkDatabase(db: Database): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_CHECK_TIMEOUT_MS} ms`)), DATABASE_CHECK_TIMEOUT_MS);
    });
    await Promise.race([db.prisma.$queryRaw`SELECT 1`, timeout]);
    const elapsed = performance.now() - started;
    return { status: 'healthy', message: 'Database connection active', responseTimeMs: Math.round(elapsed * 100) / 100 };
  } catch (error) {
    return { status: 'unhealthy', message: `Database connection failed: ${reasonOf(error)}`, responseTimeMs: null };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What Flowdeck has in place of the seed's message broker: runs are queued in the database and
 * executed by workers claiming them with leases. This reports this process's share; workers of
 * other processes are not visible from here, so an API-only process says `unknown`.
 */
function checkWorkers(concurrency: number): DependencyCheck {
  return concurrency > 0
    ? { status: 'healthy', message: `This process executes up to ${concurrency} runs at once`, responseTimeMs: null }
    : {
        status: 'unknown',
        message: 'API-only process (WORKER_CONCURRENCY=0): runs are executed by worker processes, which this check cannot see',
        responseTimeMs: null,
      };
}

/** The probes of an app; uptime counts from this call. */
export function createHealth(deps: HealthDeps): Health {
  const started = performance.now();
  return {
    live: () => ({ at: deps.clock.now(), version: deps.version, uptimeSeconds: (performance.now() - started) / 1000 }),
    async ready() {
      const database = await checkDatabase(deps.db);
      return {
        ready: database.status === 'healthy',
        at: deps.clock.now(),
        checks: { database, workers: checkWorkers(deps.workerConcurrency) },
      };
    },
  };
}
