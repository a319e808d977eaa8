// Run writes that must happen inside a caller's transaction: creating a run (with its steps
// and first event) and cancelling one. Shared by the run service and the scheduler, so a
// schedule tick and the run it starts commit together.
import type { Prisma, Run } from '../db/models.ts';
import { appendEvents, insertEvents, type NewRunEvent, type Tx } from '../db/run-events.ts';
import type { WorkflowDefinition } from './definition/schema.ts';
import { searchTermsOf } from './run-search.ts';
import type { RunTrigger } from './statuses.ts';

/** What a new run needs. */
export interface NewRun {
  tenantId: string;
  workspaceId: string;
  workflowId: string;
  workflowVersionId: string;
  /** The workflow's key and name, whose words find the run in a search. */
  workflowKey: string;
  workflowName: string;
  version: number;
  definition: WorkflowDefinition;
  inputs: Record<string, unknown>;
  triggeredBy: RunTrigger;
  triggeredByUser?: string | null;
  scheduleId?: string | null;
  idempotencyKey?: string | null;
  timeoutSeconds?: number | null;
  /** The caller's conversation and end user, when it names them. */
  conversationId?: string | null;
  userId?: string | null;
}

/** Creates a PENDING run, one PENDING step row per step, its search words and its run.created event. */
export async function insertRun(tx: Tx, spec: NewRun, now: Date): Promise<Run> {
  const scope = { tenantId: spec.tenantId, workspaceId: spec.workspaceId };
  const created = await tx.run.create({
    data: {
      ...scope,
      workflowId: spec.workflowId,
      workflowVersionId: spec.workflowVersionId,
      status: 'PENDING',
      inputs: spec.inputs as Prisma.InputJsonValue,
      triggeredBy: spec.triggeredBy,
      triggeredByUser: spec.triggeredByUser ?? null,
      scheduleId: spec.scheduleId ?? null,
      idempotencyKey: spec.idempotencyKey ?? null,
      conversationId: spec.conversationId ?? null,
      userId: spec.userId ?? null,
      runnableAt: now,
      deadlineAt: spec.timeoutSeconds ? new Date(now.getTime() + spec.timeoutSeconds * 1000) : null,
      createdAt: now,
      // Its first event's number, taken here: nobody else can write to a run before it exists.
      lastEventSeq: 1,
    },
  });
  await tx.stepRun.createMany({
    data: spec.definition.steps.map((step) => ({ ...scope, runId: created.id, stepId: step.id, stepType: step.type, createdAt: now })),
  });
  await insertSearchTerms(tx, created, spec.workflowKey, spec.workflowName);
  await insertEvents(
    tx,
    created,
    [
      {
        type: 'run.created',
        payload: { workflowId: spec.workflowId, version: spec.version, triggeredBy: spec.triggeredBy, scheduleId: spec.scheduleId ?? null },
      },
    ],
    1,
    now,
  );
  return created;
}

/** Writes the words `run` is found by (see src/domain/run-search.ts), in the caller's transaction. */
export async function insertSearchTerms(tx: Tx, run: Run, workflowKey: string, workflowName: string): Promise<void> {
  const terms = searchTermsOf({ id: run.id, inputs: run.inputs, workflowKey, workflowName });
  await tx.runSearchTerm.createMany({
    data: terms.map((term) => ({ workspaceId: run.workspaceId, term, createdAt: run.createdAt, runId: run.id })),
  });
}

/** completedAt - startedAt in whole milliseconds, as a finished run stores it; null for a run that never started. */
export function durationOf(startedAt: Date | null, completedAt: Date): number | null {
  return startedAt ? Math.max(0, completedAt.getTime() - startedAt.getTime()) : null;
}

/**
 * Cancels a run that is PENDING or RUNNING as read in `current`: returns false (changing
 * nothing) if it moved on meanwhile. Waiting and pending steps are cancelled; the worker
 * running it notices and aborts in-flight calls.
 */
export async function cancelRunInTx(tx: Tx, current: Run, reason: string | null, by: string | null, now: Date): Promise<boolean> {
  const changed = await tx.run.updateMany({
    where: { id: current.id, status: current.status },
    data: {
      status: 'CANCELLED',
      // Makes a worker's decision taken before this cancel fail its compare-and-set.
      version: { increment: 1 },
      cancelledAt: now,
      completedAt: now,
      durationMs: durationOf(current.startedAt, now),
      cancelledBy: by,
      cancelReason: reason,
      runnableAt: null,
      error: { message: `Cancelled${reason ? `: ${reason}` : ''}`, kind: 'cancelled' },
    },
  });
  if (changed.count !== 1) return false;
  const open = await tx.stepRun.findMany({
    where: { runId: current.id, status: { in: ['PENDING', 'RUNNING', 'WAITING'] } },
    select: { stepId: true },
  });
  await tx.stepRun.updateMany({
    where: { runId: current.id, status: { in: ['PENDING', 'RUNNING', 'WAITING'] } },
    data: { status: 'CANCELLED', completedAt: now },
  });
  await tx.stepAttempt.updateMany({ where: { runId: current.id, status: 'RUNNING' }, data: { status: 'CANCELLED', finishedAt: now } });
  const events: NewRunEvent[] = [
    ...open.map((s) => ({ type: 'step.cancelled' as const, stepId: s.stepId })),
    { type: 'run.cancelled', payload: { reason, by } },
  ];
  await appendEvents(tx, current, events, now);
  return true;
}
