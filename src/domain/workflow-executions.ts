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
     * created in the same millisecond still get distinct, stable numbers).
     */
    async numbers(principal: Principal, runs: readonly Run[]): Promise<Map<string, number>> {
      const counted = await Promise.all(
        runs.map(async (run) => {
          const before = await db.run.count({
            where: {
              ...inScope(principal),
              workflowId: run.workflowId,
              OR: [{ createdAt: { lt: run.createdAt } }, { createdAt: run.createdAt, id: { lte: run.id } }],
            },
          });
          return [run.id, before] as const;
        }),
      );
      return new Map(counted);
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
  return service;
}

/** The service's type, for code that receives it. */
export type WorkflowExecutionService = ReturnType<typeof createWorkflowExecutionService>;
