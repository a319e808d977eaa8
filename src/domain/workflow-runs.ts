/**
 * A workflow's runs as one collection (seed 003's `/api/v2/workflows/:id/runs`): a numbered
 * page of them, one of them (a run of another workflow is not found there), terminating one,
 * and deleting a workflow for good together with its execution history.
 */
import type { Run, Workflow } from '../db/models.ts';
import { NotFoundError } from './errors.ts';
import { type OffsetPage, offsetPage } from './offset-page.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseRunFilter, runFilterWhere } from './run-filter.ts';
import type { RunService } from './runs.ts';
import { deletionTime, lockWorkflowRuns, tombstoneRuns } from './run-tombstones.ts';
import type { RunStatus } from './statuses.ts';
import type { WorkflowService } from './workflows.ts';

/** Filter and window of a page of one workflow's runs. */
export interface WorkflowRunPageQuery {
  /** Any of these statuses; all when null or empty. */
  statuses?: readonly RunStatus[] | null;
  offset: number;
  limit: number;
}

/** Reading, terminating and purging the runs of one workflow. Scoped by principal. */
export function createWorkflowRunService(res: Resources, workflows: WorkflowService, runs: RunService) {
  const db = res.db.prisma;

  const service = {
    /** A page of a live workflow's runs, newest first (ties by id), with the total matching. */
    async page(principal: Principal, workflowId: string, query: WorkflowRunPageQuery): Promise<OffsetPage<Run>> {
      const workflow = await workflows.getLive(principal, { id: workflowId });
      const filter = parseRunFilter({ status: query.statuses ? [...query.statuses] : null, workflowId: workflow.id });
      const where = { ...inScope(principal), ...runFilterWhere(filter) };
      return offsetPage(db.run, where, [{ createdAt: 'desc' }], query.offset, query.limit);
    },

    /** One run of a live workflow; a run of another workflow is not found. */
    async get(principal: Principal, workflowId: string, runId: string): Promise<Run> {
      const workflow = await workflows.getLive(principal, { id: workflowId });
      const run = await db.run.findFirst({ where: { ...inScope(principal), id: runId, workflowId: workflow.id } });
      if (!run) throw new NotFoundError('Run', `"${runId}"`);
      return run;
    },

    /** Cancels a PENDING or RUNNING run of the workflow (InvalidStateError when it already finished). */
    async cancel(principal: Principal, workflowId: string, runId: string, reason?: string | null): Promise<Run> {
      const run = await service.get(principal, workflowId, runId);
      return runs.cancel(principal, run.id, { reason: reason ?? null });
    },

    /**
     * Deletes a live workflow for good, with its versions, runs (steps, attempts and event logs)
     * and schedules, in one transaction; unlike `workflows.remove`, nothing stays readable.
     * Workers driving one of its runs find it gone and stop. Each run leaves a tombstone, so live
     * run feeds report it deleted.
     */
    async purge(principal: Principal, workflowId: string): Promise<Workflow> {
      const workflow = await workflows.getLive(principal, { id: workflowId });
      const { active, deleted } = await db.$transaction(async (tx) => {
        // No run of it may be created or change status under the tombstones written below.
        await lockWorkflowRuns(tx, res.db.provider, workflow.id);
        const live = await tx.run.findMany({
          where: { workflowId: workflow.id, status: { in: ['PENDING', 'RUNNING'] } },
          select: { id: true },
        });
        // Unlink the current version first, so the cascade never updates the row it is deleting.
        await tx.workflow.update({ where: { id: workflow.id }, data: { currentVersionId: null } });
        const gone = await tombstoneRuns(tx, { workflowId: workflow.id }, deletionTime());
        // Versions, runs (and what hangs off them) and schedules go with it: onDelete Cascade.
        await tx.workflow.delete({ where: { id: workflow.id } });
        return { active: live.map((r) => r.id), deleted: gone };
      });
      for (const id of active) res.notifier.runChanged(id);
      // Live run feeds in this process; other processes hear of it through the tombstones' NOTIFY trigger.
      for (const id of deleted) res.notifier.eventsAppended(id);
      return workflow;
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type WorkflowRunService = ReturnType<typeof createWorkflowRunService>;
