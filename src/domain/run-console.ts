// Read models of a run console: what a runs list and a run page show beside the run itself
// (step counts, steps with their agents and dependencies, lineage roots, log pages, status
// facets and activity). Every read takes many runs at once, so a page of runs costs a fixed
// number of statements whatever its size; the GraphQL layer batches its calls per request.
import type { Agent, Run, StepRun } from '../db/models.ts';
import type { StatusCounts } from './analytics.ts';
import type { WorkflowDefinition } from './definition/schema.ts';
import { ValidationError } from './errors.ts';
import type { Connection, PageArgs } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { runActivity, type RunActivityBucket, type TimeBucket } from './run-activity.ts';
import { readLogPages, type RunLogFilter } from './run-log-pages.ts';
import type { RunLogEntry } from './run-logs.ts';
import type { RunFilter } from './schemas/run.ts';
import { asStatus, RUN_STATUSES, STEP_STATUSES, type StepStatus } from './statuses.ts';

/** How many steps of a run are in each status, and in all. */
export type StepStatusCounts = Record<StepStatus, number> & { total: number };

/** Lineage chains longer than this are cut there (re-runs of re-runs of …): the deepest ancestor reached is the root. */
const MAX_LINEAGE_DEPTH = 1000;

function emptyStepCounts(): StepStatusCounts {
  return { PENDING: 0, RUNNING: 0, WAITING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0, SKIPPED: 0, total: 0 };
}

/** A run's steps in definition order (steps the definition no longer names first, as they were stored). */
export function inDefinitionOrder(steps: readonly StepRun[], definition: WorkflowDefinition | undefined): StepRun[] {
  const order = (definition?.steps ?? []).map((s) => s.id);
  return [...steps].sort((a, b) => order.indexOf(a.stepId) - order.indexOf(b.stepId));
}

/**
 * What an agent step calls: the agent it recorded calling, else the name in its definition
 * (the engine calls the live agent of that name when the step runs). Null for other steps.
 */
export function agentRefOf(step: StepRun, definition: WorkflowDefinition | undefined): { id: string } | { name: string } | null {
  if (step.agentId) return { id: step.agentId };
  const declared = definition?.steps.find((s) => s.id === step.stepId);
  return declared?.type === 'agent' ? { name: declared.agent } : null;
}

/** Run console reads, each for many runs at once; scoped by principal like every service. */
export function createRunConsole(res: Resources) {
  const db = res.db.prisma;
  return {
    /** Step counts per status of each run, in one GROUP BY (runs with no visible steps count zeros). */
    async stepCounts(principal: Principal, runIds: readonly string[]): Promise<Map<string, StepStatusCounts>> {
      const ids = [...new Set(runIds)];
      const rows = await db.stepRun.groupBy({
        by: ['runId', 'status'],
        where: { ...inScope(principal), runId: { in: ids } },
        _count: { _all: true },
      });
      const counts = new Map(ids.map((id) => [id, emptyStepCounts()]));
      for (const row of rows) {
        const entry = counts.get(row.runId);
        if (!entry) continue;
        entry[asStatus(STEP_STATUSES, row.status)] += row._count._all;
        entry.total += row._count._all;
      }
      return counts;
    },

    /** The definition each run executes (its pinned workflow version's), by run id; two statements for any number of runs. */
    async definitions(principal: Principal, runIds: readonly string[]): Promise<Map<string, WorkflowDefinition>> {
      const runs = await db.run.findMany({
        where: { ...inScope(principal), id: { in: [...new Set(runIds)] } },
        select: { id: true, workflowVersionId: true },
      });
      const versions = await db.workflowVersion.findMany({
        where: { id: { in: [...new Set(runs.map((r) => r.workflowVersionId))] } },
        select: { id: true, definition: true },
      });
      const byVersion = new Map(versions.map((v) => [v.id, v.definition as unknown as WorkflowDefinition]));
      const out = new Map<string, WorkflowDefinition>();
      for (const run of runs) {
        const definition = byVersion.get(run.workflowVersionId);
        if (definition) out.set(run.id, definition);
      }
      return out;
    },

    /** The step rows of each run, unordered (see {@link inDefinitionOrder}), in one statement. */
    async steps(principal: Principal, runIds: readonly string[]): Promise<Map<string, StepRun[]>> {
      const ids = [...new Set(runIds)];
      const rows = await db.stepRun.findMany({ where: { ...inScope(principal), runId: { in: ids } } });
      const out = new Map<string, StepRun[]>(ids.map((id) => [id, []]));
      for (const row of rows) out.get(row.runId)?.push(row);
      return out;
    },

    /**
     * The agents named by `refs` (ids, or names of live agents), in one statement: ids in
     * `byId`, live agents by name in `byName`. Deleted agents are found by id, never by name.
     */
    async agents(
      principal: Principal,
      refs: readonly ({ id: string } | { name: string })[],
    ): Promise<{ byId: Map<string, Agent>; byName: Map<string, Agent> }> {
      const ids = [...new Set(refs.flatMap((r) => ('id' in r ? [r.id] : [])))];
      const names = [...new Set(refs.flatMap((r) => ('name' in r ? [r.name] : [])))];
      const found =
        ids.length + names.length === 0
          ? []
          : await db.agent.findMany({
              where: {
                ...inScope(principal),
                OR: [...(ids.length ? [{ id: { in: ids } }] : []), ...(names.length ? [{ name: { in: names }, deletedAt: null }] : [])],
              },
            });
      const byName = new Map(found.filter((a) => a.deletedAt === null && names.includes(a.name)).map((a) => [a.name, a]));
      return { byId: new Map(found.map((a) => [a.id, a])), byName };
    },

    /**
     * The first ancestor of each run through `parent` (the run itself when it has none), in two
     * statements: one recursive walk up every chain at once, one read of the roots.
     */
    async roots(principal: Principal, runIds: readonly string[]): Promise<Map<string, Run>> {
      const ids = [...new Set(runIds)];
      if (ids.length === 0) return new Map();
      const postgres = res.db.provider === 'postgres';
      const params: unknown[] = [];
      const p = (value: unknown) => {
        params.push(value);
        return postgres ? `$${params.length}` : '?';
      };
      const seed = `"id" IN (${ids.map(p).join(', ')}) AND "tenantId" = ${p(principal.tenantId)} AND "workspaceId" = ${p(principal.workspaceId)}`;
      const sql = [
        `WITH RECURSIVE chain (origin, id, parent, depth) AS (`,
        `  SELECT "id", "id", "parentRunId", 0 FROM "Run" WHERE ${seed}`,
        `  UNION ALL`,
        `  SELECT c.origin, r."id", r."parentRunId", c.depth + 1 FROM "Run" r JOIN chain c ON r."id" = c.parent`,
        `  WHERE c.depth < ${MAX_LINEAGE_DEPTH}`,
        `)`,
        `SELECT origin, id FROM chain WHERE parent IS NULL OR depth = ${MAX_LINEAGE_DEPTH}`,
      ].join('\n');
      const chains = await db.$queryRawUnsafe<{ origin: string; id: string }[]>(sql, ...params);
      const rootIds = [...new Set(chains.map((c) => c.id))];
      const rows = await db.run.findMany({ where: { ...inScope(principal), id: { in: rootIds } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      const out = new Map<string, Run>();
      for (const chain of chains) {
        const root = byId.get(chain.id);
        if (root) out.set(chain.origin, root);
      }
      return out;
    },

    /** One page of each run's log (see run-log-pages.ts), in one statement. */
    async logs(
      principal: Principal,
      runIds: readonly string[],
      filter: RunLogFilter,
      page: PageArgs,
    ): Promise<Map<string, Connection<RunLogEntry>>> {
      if (filter.afterSeq != null && (!Number.isInteger(filter.afterSeq) || filter.afterSeq < 0)) {
        throw new ValidationError([{ path: 'afterSeq', message: 'must be zero or more' }]);
      }
      return readLogPages(db, res.db.provider, principal, runIds, filter, page);
    },

    /** How many runs match `where` (a Prisma run filter, already scoped), per status, in one GROUP BY. */
    async statusCounts(where: object): Promise<StatusCounts> {
      const rows = await db.run.groupBy({ by: ['status'], where, _count: { _all: true } });
      const counts: StatusCounts = { PENDING: 0, RUNNING: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0 };
      for (const row of rows) counts[asStatus(RUN_STATUSES, row.status)] += row._count._all;
      return counts;
    },

    /** Runs created per time bucket, by status, with durations (see run-activity.ts). */
    activity(principal: Principal, filter: RunFilter, window: { from: Date; to: Date }, bucket: TimeBucket): Promise<RunActivityBucket[]> {
      return runActivity(res, principal, filter, window, bucket);
    },
  };
}

/** The run console's type, for code that receives it. */
export type RunConsole = ReturnType<typeof createRunConsole>;
