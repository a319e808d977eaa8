// Run-level transitions the executor applies between attempts: timers, orphans, skips, failure.
import type { Run, StepRun } from '../db/models.ts';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { DataContext } from './dataflow.ts';
import type { EngineDeps, InFlight } from './engine-types.ts';
import { appendEvents, type Tx } from './events.ts';
import { release } from './lease.ts';

export async function definitionOf(deps: EngineDeps, versionId: string): Promise<WorkflowDefinition> {
  const cached = deps.definitions.get(versionId);
  if (cached) return cached;
  const version = await deps.res.db.prisma.workflowVersion.findUniqueOrThrow({ where: { id: versionId }, select: { definition: true } });
  const definition = version.definition as unknown as WorkflowDefinition;
  deps.definitions.set(versionId, definition);
  return definition;
}

export function dataContext(run: Run, definition: WorkflowDefinition, steps: Map<string, StepRun>): DataContext {
  const outputs = new Map<string, unknown>();
  for (const [id, s] of steps)
    if (s.status === 'COMPLETED' || s.status === 'SKIPPED') outputs.set(id, s.status === 'SKIPPED' ? null : s.output);
  return { workflowInput: run.inputs, stepOutputs: outputs, stepIds: new Set(definition.steps.map((s) => s.id)) };
}

export function stepErrorMessage(step: StepRun | undefined): string {
  const error = step?.error as { message?: string } | null | undefined;
  return error?.message ?? 'unknown error';
}

export type Write = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/** Fails the run, cancelling steps that were in flight; pending steps stay pending for retryRun. */
export async function failRun(deps: EngineDeps, run: Run, write: Write, message: string, stepId: string | null): Promise<void> {
  const now = deps.res.clock.now();
  await write(async (tx) => {
    const running = await tx.stepRun.findMany({
      where: { runId: run.id, status: { in: ['RUNNING', 'WAITING'] } },
      select: { stepId: true },
    });
    await tx.stepRun.updateMany({
      where: { runId: run.id, status: { in: ['RUNNING', 'WAITING'] } },
      data: { status: 'CANCELLED', completedAt: now },
    });
    await tx.stepAttempt.updateMany({ where: { runId: run.id, status: 'RUNNING' }, data: { status: 'CANCELLED', finishedAt: now } });
    await tx.run.update({
      where: { id: run.id },
      data: { status: 'FAILED', completedAt: now, runnableAt: null, error: { message, stepId } },
    });
    await appendEvents(
      tx,
      run,
      [
        ...running.map((s) => ({ type: 'step.cancelled' as const, stepId: s.stepId })),
        { type: 'run.failed', payload: { message, stepId } },
      ],
      now,
    );
  });
  await release(deps.res.db, run.id, deps.config.workerId, null);
}

/**
 * Completes delays whose time has come, fails waits that timed out, and resets steps left
 * RUNNING by a worker that died (interrupted attempts are retried and do not use up retries).
 * Returns true when it changed something.
 */
export async function settleTimersAndOrphans(
  deps: EngineDeps,
  run: Run,
  definition: WorkflowDefinition,
  steps: Map<string, StepRun>,
  inflight: Map<string, InFlight>,
  write: Write,
  now: Date,
): Promise<boolean> {
  let changed = false;
  for (const step of definition.steps) {
    const state = steps.get(step.id);
    if (!state) continue;
    if (state.status === 'WAITING' && state.nextAttemptAt && state.nextAttemptAt <= now) {
      changed = true;
      if (step.type === 'delay') {
        const output = { delayedMs: step.durationMs };
        await write(async (tx) => {
          await tx.stepRun.update({
            where: { id: state.id },
            data: { status: 'COMPLETED', output, completedAt: now, nextAttemptAt: null },
          });
          await appendEvents(tx, run, [{ type: 'step.completed', stepId: step.id, payload: { output } }], now);
        });
      } else {
        const error = { message: `no signal arrived within ${step.timeoutMs ?? 0}ms`, kind: 'timeout' };
        await write(async (tx) => {
          await tx.stepRun.update({ where: { id: state.id }, data: { status: 'FAILED', error, completedAt: now, nextAttemptAt: null } });
          await appendEvents(tx, run, [{ type: 'step.failed', stepId: step.id, payload: { error } }], now);
        });
      }
    } else if (state.status === 'RUNNING' && !inflight.has(step.id)) {
      changed = true;
      await write(async (tx) => {
        // Conditional: the snapshot may be stale, and an attempt of this worker that finished
        // since it was read must not be undone (that would execute the step twice).
        const reset = await tx.stepRun.updateMany({
          where: { id: state.id, status: 'RUNNING', attempt: state.attempt },
          data: { status: 'PENDING', nextAttemptAt: null },
        });
        if (reset.count !== 1) return;
        await tx.stepAttempt.updateMany({
          where: { stepRunId: state.id, attempt: state.attempt, status: 'RUNNING' },
          data: {
            status: 'INTERRUPTED',
            finishedAt: now,
            error: { message: 'the worker running this attempt stopped before it finished' },
          },
        });
        await appendEvents(tx, run, [{ type: 'step.interrupted', stepId: step.id, payload: { attempt: state.attempt } }], now);
      });
    }
  }
  return changed;
}

/**
 * Marks SKIPPED the targets of branches not taken, and steps all of whose dependencies were
 * skipped (so only what is reachable through the taken branch runs). Returns true if any.
 */
export async function propagateSkips(
  run: Run,
  definition: WorkflowDefinition,
  steps: Map<string, StepRun>,
  write: Write,
  now: Date,
): Promise<boolean> {
  const untaken = new Set<string>();
  for (const step of definition.steps) {
    if (step.type !== 'condition' || steps.get(step.id)?.status !== 'COMPLETED') continue;
    const result = (steps.get(step.id)?.output as { result?: boolean } | null)?.result;
    for (const target of result ? step.onFalse : step.onTrue) untaken.add(target);
  }
  const skip = definition.steps.filter((s) => {
    const state = steps.get(s.id);
    if (state?.status !== 'PENDING') return false;
    if (untaken.has(s.id)) return true;
    return s.dependsOn.length > 0 && s.dependsOn.every((d) => steps.get(d)?.status === 'SKIPPED');
  });
  if (skip.length === 0) return false;
  await write(async (tx) => {
    await tx.stepRun.updateMany({
      where: { runId: run.id, stepId: { in: skip.map((s) => s.id) } },
      data: { status: 'SKIPPED', completedAt: now },
    });
    await appendEvents(
      tx,
      run,
      skip.map((s) => ({
        type: 'step.skipped',
        stepId: s.id,
        payload: { reason: untaken.has(s.id) ? 'branch not taken' : 'all dependencies skipped' },
      })),
      now,
    );
  });
  return true;
}
