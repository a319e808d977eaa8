// Run analytics: counts, success rate and duration percentiles per workflow and per workspace,
// and the timeline of one run. Aggregates are computed by the database (one GROUP BY for the
// counts, one window-function query for the durations), never by loading runs into memory.
//
// Definitions (the same on both providers, so the numbers agree to the millisecond):
// - The window filters runs on `createdAt`: `from` inclusive, `to` exclusive; either may be
//   open. `from` after `to` is a ValidationError; `from` equal to `to` is an empty window.
// - successRate = COMPLETED / (COMPLETED + FAILED + CANCELLED), a fraction in [0, 1]; null when
//   no run in the window has finished. PENDING and RUNNING runs do not count either way.
// - Durations are `completedAt - startedAt` in whole milliseconds of COMPLETED runs only: a
//   failure or cancel can end a run at any point, so their durations would blur how long the
//   work takes. Runs never started (no `startedAt`) are left out.
// - Percentiles use the nearest-rank method: pXX is the value at 1-based rank ceil(XX/100 * n)
//   of the durations sorted ascending, so it is always a duration that actually occurred. In SQL:
//   the smallest duration whose ROW_NUMBER r satisfies r * 100 >= n * XX (integer arithmetic).
//
// SQLite (through the better-sqlite3 adapter) stores DateTime as ISO-8601 text with
// milliseconds and a `+00:00` offset (e.g. `2030-01-01T00:00:00.037+00:00`), and serializes Date
// parameters the same way, so window bounds compare as text (which keeps the createdAt indexes
// usable) and durations come from julianday() differences rounded to whole milliseconds.
// PostgreSQL stores timestamp(3) columns; durations come from EXTRACT(EPOCH FROM interval).

import { z } from 'zod';
import type { Workflow } from '../db/models.ts';
import type { WorkflowDefinition } from './definition/schema.ts';
import { NotFoundError } from './errors.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseInput } from './schemas/issues.ts';
import {
  ATTEMPT_STATUSES,
  type AttemptStatus,
  asStatus,
  RUN_STATUSES,
  type RunStatus,
  STEP_STATUSES,
  type StepStatus,
} from './statuses.ts';

/** The creation-time window runs are counted in: `from` inclusive, `to` exclusive, each optional. */
export interface StatsWindow {
  from?: Date | null;
  to?: Date | null;
}

const windowSchema = z
  .object({ from: z.date().nullish(), to: z.date().nullish() })
  .refine((w) => !w.from || !w.to || w.from.getTime() <= w.to.getTime(), {
    message: 'must not be after `to`',
    path: ['from'],
  });

/** How many runs are in each status. */
export type StatusCounts = Record<RunStatus, number>;

/** Duration statistics, in milliseconds, of the COMPLETED runs of a window; all null when `count` is 0. */
export interface DurationStats {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  avg: number | null;
  min: number | null;
  max: number | null;
}

/** Counts, success rate and durations of the runs of one window. */
export interface RunStats {
  window: { from: Date | null; to: Date | null };
  counts: StatusCounts;
  total: number;
  successRate: number | null;
  durationMs: DurationStats;
}

/** {@link RunStats} over a whole workspace, plus what is in flight right now. */
export interface WorkspaceStats extends RunStats {
  /** RUNNING runs now, whenever they were created (the window does not apply). */
  running: number;
  /** PENDING runs now, whenever they were created (the window does not apply). */
  pending: number;
}

/** One workflow's share of a workspace's runs. */
export interface WorkflowRunStats {
  workflow: Workflow;
  stats: RunStats;
}

/** One attempt of a step, on a run's timeline. */
export interface TimelineAttempt {
  attempt: number;
  status: AttemptStatus;
  startedAt: Date;
  finishedAt: Date | null;
  /** As recorded, else `finishedAt - startedAt` (interrupted attempts record no duration); null while running. */
  durationMs: number | null;
}

/** One step of a run's timeline. */
export interface StepTimelineEntry {
  stepId: string;
  type: string;
  status: StepStatus;
  dependsOn: string[];
  /**
   * When every dependency had finished (the latest `completedAt` among them), or the run's
   * `startedAt` for a step without dependencies; null while some dependency is not COMPLETED or
   * SKIPPED (the engine starts a step only then).
   */
  readyAt: Date | null;
  /** When the step's current execution first started (retryRun restarts it); null if it never started. */
  startedAt: Date | null;
  completedAt: Date | null;
  /** `completedAt - startedAt`: attempts, retry back-off and timers included; null unless both are set. */
  durationMs: number | null;
  /**
   * `startedAt - readyAt`: how long the step waited once it could run; null if either is
   * unknown. Never negative: the engine stamps a start with the clock reading its scheduling
   * pass began with, which can precede by a few milliseconds the recorded completion of a
   * dependency that pass found finished; such a wait is 0.
   */
  waitTimeMs: number | null;
  attemptCount: number;
  attempts: TimelineAttempt[];
}

/** Where one run's time went. */
export interface RunTimeline {
  runId: string;
  status: RunStatus;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** `startedAt - createdAt`: how long it waited for a worker; null until it started. */
  queueTimeMs: number | null;
  /** `completedAt - startedAt`; null until it finished (or if it never started). */
  durationMs: number | null;
  steps: StepTimelineEntry[];
}

/** Percentiles reported, as whole percents. */
const PERCENTILES = [50, 95, 99] as const;

/** Raw query results arrive as number, bigint, numeric string or Decimal depending on the provider. */
function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return Number(String(value));
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

function msBetween(from: Date | null | undefined, to: Date | null | undefined): number | null {
  return from && to ? to.getTime() - from.getTime() : null;
}

function nonNegative(ms: number | null): number | null {
  return ms === null ? null : Math.max(0, ms);
}

function emptyCounts(): StatusCounts {
  return { PENDING: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0 };
}

function successRate(counts: StatusCounts): number | null {
  const finished = counts.COMPLETED + counts.FAILED + counts.CANCELLED;
  return finished === 0 ? null : counts.COMPLETED / finished;
}

function emptyDurations(): DurationStats {
  return { count: 0, p50: null, p95: null, p99: null, avg: null, min: null, max: null };
}

interface CountRow {
  wf: string | null;
  status: string;
  n: unknown;
}

interface DurationRow {
  wf: string | null;
  n: unknown;
  p50: unknown;
  p95: unknown;
  p99: unknown;
  avg: unknown;
  min: unknown;
  max: unknown;
}

/** Analytics over runs. Scoped by principal like every other service. */
export function createAnalyticsService(res: Resources) {
  const db = res.db.prisma;
  const postgres = res.db.provider === 'postgres';

  /** A statement under construction: SQL text plus positional parameters in the provider's syntax. */
  class Sql {
    readonly params: unknown[] = [];
    /** Adds a parameter and returns its placeholder. */
    param(value: unknown): string {
      this.params.push(value);
      return postgres ? `$${this.params.length}` : '?';
    }
    /** A DateTime parameter, typed for PostgreSQL (the adapter sends it as UTC text). */
    date(value: Date): string {
      const p = this.param(value);
      return postgres ? `CAST(${p} AS TIMESTAMP(3))` : p;
    }
  }

  /** Milliseconds between two DateTime columns, as an integer. */
  const durationExpr = postgres
    ? `ROUND(EXTRACT(EPOCH FROM ("completedAt" - "startedAt")) * 1000)::BIGINT`
    : `CAST(ROUND((julianday("completedAt") - julianday("startedAt")) * 86400000.0) AS INTEGER)`;

  /** The WHERE clause shared by every aggregate: the principal's runs, optionally one workflow's or a few workflows', in the window. */
  function where(sql: Sql, principal: Principal, window: StatsWindow, workflowIds: string[] | null): string {
    const parts = [`"tenantId" = ${sql.param(principal.tenantId)}`, `"workspaceId" = ${sql.param(principal.workspaceId)}`];
    if (workflowIds) parts.push(`"workflowId" IN (${workflowIds.map((id) => sql.param(id)).join(', ')})`);
    if (window.from) parts.push(`"createdAt" >= ${sql.date(window.from)}`);
    if (window.to) parts.push(`"createdAt" < ${sql.date(window.to)}`);
    return parts.join(' AND ');
  }

  /** Run counts per status (per workflow when `perWorkflow`), one GROUP BY. */
  async function countRows(principal: Principal, window: StatsWindow, workflowIds: string[] | null, perWorkflow: boolean) {
    const sql = new Sql();
    const key = perWorkflow ? `"workflowId"` : 'NULL';
    const text =
      `SELECT ${key} AS wf, "status" AS status, COUNT(*) AS n FROM "Run" WHERE ${where(sql, principal, window, workflowIds)} ` +
      `GROUP BY ${perWorkflow ? `"workflowId", ` : ''}"status"`;
    return db.$queryRawUnsafe<CountRow[]>(text, ...sql.params);
  }

  /**
   * Duration statistics of COMPLETED runs (per workflow when `perWorkflow`): ROW_NUMBER and
   * COUNT over the sorted durations, then nearest-rank percentiles by conditional MIN.
   */
  async function durationRows(principal: Principal, window: StatsWindow, workflowIds: string[] | null, perWorkflow: boolean) {
    const sql = new Sql();
    const partition = perWorkflow ? 'PARTITION BY wf ' : '';
    const percentile = (p: number) => `MIN(CASE WHEN rn * 100 >= n * ${p} THEN ms END) AS p${p}`;
    const avg = postgres ? 'CAST(AVG(ms) AS DOUBLE PRECISION)' : 'AVG(ms)';
    const text = [
      `WITH d AS (`,
      `  SELECT ${perWorkflow ? `"workflowId" AS wf, ` : ''}${durationExpr} AS ms FROM "Run"`,
      `  WHERE ${where(sql, principal, window, workflowIds)}`,
      `    AND "status" = 'COMPLETED' AND "startedAt" IS NOT NULL AND "completedAt" IS NOT NULL`,
      `), r AS (`,
      `  SELECT ${perWorkflow ? 'wf, ' : ''}ms, ROW_NUMBER() OVER (${partition}ORDER BY ms) AS rn, COUNT(*) OVER (${partition.trim()}) AS n FROM d`,
      `)`,
      `SELECT ${perWorkflow ? 'wf' : 'NULL AS wf'}, COUNT(*) AS n, ${PERCENTILES.map(percentile).join(', ')}, ${avg} AS avg, MIN(ms) AS min, MAX(ms) AS max`,
      `FROM r${perWorkflow ? ' GROUP BY wf' : ''}`,
    ].join('\n');
    return db.$queryRawUnsafe<DurationRow[]>(text, ...sql.params);
  }

  function toCounts(rows: CountRow[]): StatusCounts {
    const counts = emptyCounts();
    for (const row of rows) counts[asStatus(RUN_STATUSES, row.status)] += num(row.n);
    return counts;
  }

  function toDurations(row: DurationRow | undefined): DurationStats {
    if (!row || num(row.n) === 0) return emptyDurations();
    return {
      count: num(row.n),
      p50: numOrNull(row.p50),
      p95: numOrNull(row.p95),
      p99: numOrNull(row.p99),
      avg: numOrNull(row.avg),
      min: numOrNull(row.min),
      max: numOrNull(row.max),
    };
  }

  function assemble(window: StatsWindow, counts: StatusCounts, durations: DurationStats): RunStats {
    return {
      window: { from: window.from ?? null, to: window.to ?? null },
      counts,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      successRate: successRate(counts),
      durationMs: durations,
    };
  }

  async function stats(principal: Principal, window: StatsWindow, workflowIds: string[] | null): Promise<RunStats> {
    const [counts, durations] = await Promise.all([
      countRows(principal, window, workflowIds, false),
      durationRows(principal, window, workflowIds, false),
    ]);
    return assemble(window, toCounts(counts), toDurations(durations[0]));
  }

  function checkWindow(window: StatsWindow): StatsWindow {
    return parseInput(windowSchema, { from: window.from ?? null, to: window.to ?? null });
  }

  const service = {
    /** Counts, success rate and duration percentiles of one workflow's runs created in the window. */
    async workflowStats(principal: Principal, workflowId: string, window: StatsWindow): Promise<RunStats> {
      const checked = checkWindow(window);
      const workflow = await db.workflow.findFirst({ where: { ...inScope(principal), id: workflowId }, select: { id: true } });
      if (!workflow) throw new NotFoundError('Workflow', `"${workflowId}"`);
      return stats(principal, checked, [workflow.id]);
    },

    /** The same across every workflow of the workspace, plus the runs RUNNING and PENDING right now. */
    async workspaceStats(principal: Principal, window: StatsWindow): Promise<WorkspaceStats> {
      const checked = checkWindow(window);
      const sql = new Sql();
      const live =
        `SELECT NULL AS wf, "status" AS status, COUNT(*) AS n FROM "Run" WHERE "tenantId" = ${sql.param(principal.tenantId)} ` +
        `AND "workspaceId" = ${sql.param(principal.workspaceId)} AND "status" IN ('RUNNING', 'PENDING') GROUP BY "status"`;
      const [windowed, now] = await Promise.all([stats(principal, checked, null), db.$queryRawUnsafe<CountRow[]>(live, ...sql.params)]);
      const current = toCounts(now);
      return { ...windowed, running: current.RUNNING, pending: current.PENDING };
    },

    /**
     * The workflows with the most runs created in the window (ties broken by id), each with its
     * own statistics, computed for all of them at once (one GROUP BY, one partitioned window query).
     */
    async topWorkflows(principal: Principal, window: StatsWindow, limit: number): Promise<WorkflowRunStats[]> {
      const checked = checkWindow(window);
      const bounded = Math.max(0, Math.min(100, Math.trunc(limit)));
      if (bounded === 0) return [];
      const sql = new Sql();
      const top = await db.$queryRawUnsafe<{ wf: string }[]>(
        `SELECT "workflowId" AS wf FROM "Run" WHERE ${where(sql, principal, checked, null)} ` +
          `GROUP BY "workflowId" ORDER BY COUNT(*) DESC, "workflowId" ASC LIMIT ${sql.param(bounded)}`,
        ...sql.params,
      );
      const ids = top.map((row) => row.wf);
      if (ids.length === 0) return [];
      const [workflows, counts, durations] = await Promise.all([
        db.workflow.findMany({ where: { ...inScope(principal), id: { in: ids } } }),
        countRows(principal, checked, ids, true),
        durationRows(principal, checked, ids, true),
      ]);
      const byId = new Map(workflows.map((w) => [w.id, w]));
      return ids.flatMap((id) => {
        const workflow = byId.get(id);
        if (!workflow) return [];
        return [
          {
            workflow,
            stats: assemble(checked, toCounts(counts.filter((row) => row.wf === id)), toDurations(durations.find((row) => row.wf === id))),
          },
        ];
      });
    },

    /**
     * Each step of a run in definition order: when it could start, when it did, how long it
     * waited and ran, and its attempts; with the run's own queue time and duration.
     */
    async runTimeline(principal: Principal, runId: string): Promise<RunTimeline> {
      const run = await db.run.findFirst({ where: { ...inScope(principal), id: runId } });
      if (!run) throw new NotFoundError('Run', `"${runId}"`);
      const [version, steps] = await Promise.all([
        db.workflowVersion.findUniqueOrThrow({ where: { id: run.workflowVersionId }, select: { definition: true } }),
        db.stepRun.findMany({ where: { runId: run.id }, include: { attempts: { orderBy: { attempt: 'asc' } } } }),
      ]);
      const definition = version.definition as unknown as WorkflowDefinition;
      const byId = new Map(steps.map((s) => [s.stepId, s]));
      const entries: StepTimelineEntry[] = [];
      for (const step of definition.steps) {
        const state = byId.get(step.id);
        if (!state) continue;
        const deps = step.dependsOn.map((d) => byId.get(d));
        const allDone = deps.every((d) => d && (d.status === 'COMPLETED' || d.status === 'SKIPPED') && d.completedAt);
        const readyAt =
          step.dependsOn.length === 0
            ? run.startedAt
            : allDone
              ? new Date(Math.max(...deps.map((d) => (d?.completedAt as Date).getTime())))
              : null;
        entries.push({
          stepId: step.id,
          type: state.stepType,
          status: asStatus(STEP_STATUSES, state.status),
          dependsOn: [...step.dependsOn],
          readyAt,
          startedAt: state.startedAt,
          completedAt: state.completedAt,
          durationMs: msBetween(state.startedAt, state.completedAt),
          waitTimeMs: nonNegative(msBetween(readyAt, state.startedAt)),
          attemptCount: state.attempts.length,
          attempts: state.attempts.map((a) => ({
            attempt: a.attempt,
            status: asStatus(ATTEMPT_STATUSES, a.status),
            startedAt: a.startedAt,
            finishedAt: a.finishedAt,
            durationMs: a.durationMs ?? msBetween(a.startedAt, a.finishedAt),
          })),
        });
      }
      return {
        runId: run.id,
        status: asStatus(RUN_STATUSES, run.status),
        createdAt: run.createdAt,
        startedAt: run.startedAt,
        completedAt: run.completedAt,
        queueTimeMs: msBetween(run.createdAt, run.startedAt),
        durationMs: msBetween(run.startedAt, run.completedAt),
        steps: entries,
      };
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
