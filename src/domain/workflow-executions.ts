/**
 * A workflow's runs seen as its numbered executions (the v002 API's `execution_number`: 1 for
 * its first run, then one more for each run after it), and deleting a workflow only while none
 * of its runs is active.
 */
import type { Run, Workflow, WorkflowVersion } from '../db/models.ts';
import { InvalidStateError, NotFoundError } from './errors.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { type StepExecution, stepExecutions } from './run-queries.ts';
import type { WorkflowService } from './workflows.ts';

/** One execution with everything its detailed view shows. */
export interface ExecutionDetail {
  run: Run;
  /** Its number among its workflow's executions (1 for the first). */
  number: number;
  workflow: Workflow;
  /** The version the run executes (which names and orders its steps). */
  version: WorkflowVersion;
  /** Its steps as executed, in the order they started (never-started ones last). */
  steps: StepExecution[];
}

/** Run statuses that still have work to do: a workflow with such runs is in use. */
const ACTIVE = ['PENDING', 'RUNNING'];

/** Numbering and guarded removal of workflows' executions. Scoped by principal. */
export function createWorkflowExecutionService(res: Resources, workflows: WorkflowService) {
  const db = res.db.prisma;

  const service = {
    /**
     * Each run's number among its workflow's runs, in creation order (ties by id, so two runs
     * created in the same millisecond still get distinct, stable numbers). One statement per
     * workflow on the page (a listing has one): the runs created before the page's oldest are
     * counted once, and those from its oldest to its newest are numbered by a window over that
     * range, which the (tenantId, workflowId, createdAt, id) index serves.
     */
    async numbers(principal: Principal, runs: readonly Run[]): Promise<Map<string, number>> {
      const byWorkflow = new Map<string, Run[]>();
      for (const run of runs) byWorkflow.set(run.workflowId, [...(byWorkflow.get(run.workflowId) ?? []), run]);
      const numbered = await Promise.all([...byWorkflow].map(([workflowId, some]) => numberRuns(principal, workflowId, some)));
      return new Map(numbered.flat());
    },

    /** One run with its number, workflow, pinned version and step executions. */
    async detail(principal: Principal, runId: string): Promise<ExecutionDetail> {
      const run = await db.run.findFirst({ where: { ...inScope(principal), id: runId } });
      if (!run) throw new NotFoundError('Run', `"${runId}"`);
      const [numbers, workflow, version, steps] = await Promise.all([
        service.numbers(principal, [run]),
        db.workflow.findUniqueOrThrow({ where: { id: run.workflowId } }),
        db.workflowVersion.findUniqueOrThrow({ where: { id: run.workflowVersionId } }),
        stepExecutions(db, run),
      ]);
      return { run, number: numbers.get(run.id) ?? 1, workflow, version, steps };
    },

    /**
     * Soft-deletes a live workflow (as `workflows.remove`) unless some of its runs are PENDING or
     * RUNNING: deleting a workflow in use is an InvalidStateError naming how many. The delete and
     * the count share one transaction (the delete first, rolled back when the count refuses it);
     * an execution accepted by a request that found the workflow live an instant before the
     * delete may still run, exactly as it would have had it arrived just before.
     */
    async removeWhenIdle(principal: Principal, workflowId: string): Promise<Workflow> {
      const workflow = await workflows.getLive(principal, { id: workflowId });
      return db.$transaction(async (tx) => {
        const removed = await tx.workflow.update({ where: { id: workflow.id }, data: { status: 'DELETED', deletedAt: res.clock.now() } });
        const active = await tx.run.count({ where: { ...inScope(principal), workflowId: workflow.id, status: { in: ACTIVE } } });
        if (active > 0) {
          // Throwing rolls the delete back.
          throw new InvalidStateError(
            `Cannot delete workflow with ${active} running execution${active === 1 ? '' : 's'}: cancel ${active === 1 ? 'it' : 'them'} or wait for ${active === 1 ? 'it' : 'them'} to finish`,
            'RUNNING',
          );
        }
        return removed;
      });
    },
  };
  /**
   * The numbers of `runs`, all of `workflowId`, in one statement (see `numbers`). The range is
   * bounded by creation time only: runs created in the same millisecond are ordered by id in
   * the database's collation, which need not be JavaScript's.
   */
  async function numberRuns(principal: Principal, workflowId: string, runs: readonly Run[]): Promise<(readonly [string, number])[]> {
    const times = runs.map((run) => run.createdAt.getTime());
    const from = new Date(Math.min(...times));
    const to = new Date(Math.max(...times));
    const ids = JSON.stringify(runs.map((run) => run.id));
    const postgres = res.db.provider === 'postgres';
    const scope = postgres
      ? `"tenantId" = $1 AND "workspaceId" = $2 AND "workflowId" = $3`
      : `"tenantId" = ? AND "workspaceId" = ? AND "workflowId" = ?`;
    const range = postgres
      ? `"createdAt" >= $4::timestamp(3) AND "createdAt" <= $5::timestamp(3)`
      : `"createdAt" >= ? AND "createdAt" <= ?`;
    const window = `SELECT "id", ROW_NUMBER() OVER (ORDER BY "createdAt", "id") AS "k" FROM "Run" WHERE ${scope} AND ${range}`;
    const sql = postgres
      ? `SELECT w."id", (w."k" + (SELECT COUNT(*) FROM "Run" WHERE ${scope} AND "createdAt" < $4::timestamp(3)))::int AS "number"
         FROM (${window}) w WHERE w."id" IN (SELECT jsonb_array_elements_text($6::jsonb))`
      : `SELECT w."id", w."k" + b."before" AS "number"
         FROM (${window}) w, (SELECT COUNT(*) AS "before" FROM "Run" WHERE ${scope} AND "createdAt" < ?) b
         WHERE w."id" IN (SELECT "value" FROM json_each(?))`;
    const { tenantId, workspaceId } = inScope(principal);
    // PostgreSQL numbers its placeholders; SQLite's are positional (the window's, the count's,
    // then the ids) and take Dates as it stores them.
    const args = postgres
      ? [tenantId, workspaceId, workflowId, from.toISOString(), to.toISOString(), ids]
      : [tenantId, workspaceId, workflowId, from, to, tenantId, workspaceId, workflowId, from, ids];
    const rows = await db.$queryRawUnsafe<{ id: string; number: number | bigint }[]>(sql, ...args);
    return rows.map((row) => [row.id, Number(row.number)] as const);
  }

  return service;
}

/** The service's type, for code that receives it. */
export type WorkflowExecutionService = ReturnType<typeof createWorkflowExecutionService>;
