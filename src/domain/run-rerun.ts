import type { Prisma, Run, StepRun } from '../db/models.ts';
import { appendEvents, type Tx } from '../db/run-events.ts';
import type { WorkflowDefinition } from './definition/schema.ts';
import { inScope, type Principal } from './principal.ts';
import { insertSearchTerms } from './run-writes.ts';

/** Every step id downstream of `from` (inclusive), following dependsOn edges forward. */
export function downstreamOf(definition: WorkflowDefinition, from: string): Set<string> {
  const out = new Set([from]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const step of definition.steps) {
      if (!out.has(step.id) && step.dependsOn.some((d) => out.has(d))) {
        out.add(step.id);
        grew = true;
      }
    }
  }
  return out;
}

/** What a re-run is made from: the finished parent, its steps, and where to start again. */
export interface Rerun {
  parent: Run;
  parentSteps: StepRun[];
  definition: WorkflowDefinition;
  stepId: string;
  /** The validated input of the new run. */
  input: unknown;
  /** The workflow's timeout: a re-run gets a deadline like any run. */
  timeoutSeconds: number | null;
  /** The workflow's key and name now, whose words find the re-run in a search. */
  workflowKey: string;
  workflowName: string;
}

/**
 * Inserts, in the caller's transaction, a child run of `rerun.parent` that keeps the parent's
 * completed or skipped steps not downstream of `rerun.stepId` (logged as step.reused) and runs
 * everything else again.
 */
export async function insertRerun(tx: Tx, principal: Principal, rerun: Rerun, now: Date): Promise<Run> {
  const { parent, definition, stepId } = rerun;
  const again = downstreamOf(definition, stepId);
  const parentSteps = new Map(rerun.parentSteps.map((s) => [s.stepId, s]));
  const created = await tx.run.create({
    data: {
      ...inScope(principal),
      workflowId: parent.workflowId,
      workflowVersionId: parent.workflowVersionId,
      status: 'PENDING',
      inputs: rerun.input as Prisma.InputJsonValue,
      triggeredBy: 'RERUN',
      parentRunId: parent.id,
      rerunFromStepId: stepId,
      // A re-run continues the parent's conversation, for the same user.
      conversationId: parent.conversationId,
      userId: parent.userId,
      runnableAt: now,
      deadlineAt: rerun.timeoutSeconds ? new Date(now.getTime() + rerun.timeoutSeconds * 1000) : null,
      createdAt: now,
    },
  });
  await insertSearchTerms(tx, created, rerun.workflowKey, rerun.workflowName);
  const reused: string[] = [];
  await tx.stepRun.createMany({
    data: definition.steps.map((step) => {
      const before = parentSteps.get(step.id);
      const keep = !again.has(step.id) && (before?.status === 'COMPLETED' || before?.status === 'SKIPPED');
      if (keep) reused.push(step.id);
      return {
        ...inScope(principal),
        runId: created.id,
        stepId: step.id,
        stepType: step.type,
        status: keep ? before.status : 'PENDING',
        output: keep ? (before.output ?? undefined) : undefined,
        input: keep ? (before.input ?? undefined) : undefined,
        completedAt: keep ? now : null,
        createdAt: now,
      };
    }),
  });
  await appendEvents(
    tx,
    created,
    [
      {
        type: 'run.created',
        payload: { workflowId: parent.workflowId, parentRunId: parent.id, rerunFromStepId: stepId, triggeredBy: 'RERUN' },
      },
      ...reused.map((id) => ({ type: 'step.reused' as const, stepId: id, payload: { fromRunId: parent.id } })),
    ],
    now,
  );
  return created;
}
