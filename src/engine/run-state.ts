// Run-level transitions the executor applies between attempts: timers, orphans, skips, failure.
// Each is a compare-and-set on what the driver read: the run's version (through the write's
// fence) and the step's status and attempt, so nothing a user committed meanwhile is undone.
import type { Prisma, Run, StepRun } from '../db/models.ts';
import type { WorkflowDefinition } from '../domain/definition/schema.ts';
import type { RunErrorKind } from '../domain/failures.ts';
import { durationOf } from '../domain/run-writes.ts';
import type { DataContext } from './dataflow.ts';
import { DEFINITION_CACHE_SIZE, type EngineDeps, type InFlight, type ViewUpdates } from './engine-types.ts';
import { appendEvents, type NewRunEvent, type Tx } from '../db/run-events.ts';
import { RunChangedError } from './lease.ts';
import { UNCHANGED, type Write } from './writes.ts';

/** A version's definition, from a bounded most-recently-used cache (versions never change). */
export async function definitionOf(deps: EngineDeps, versionId: string): Promise<WorkflowDefinition> {
  const cached = deps.definitions.get(versionId);
  if (cached) {
    // Re-inserting keeps the Map's order "least recently used first".
    deps.definitions.delete(versionId);
    deps.definitions.set(versionId, cached);
    return cached;
  }
  const version = await deps.res.db.prisma.workflowVersion.findUniqueOrThrow({ where: { id: versionId }, select: { definition: true } });
  const definition = version.definition as unknown as WorkflowDefinition;
  deps.definitions.set(versionId, definition);
  if (deps.definitions.size > DEFINITION_CACHE_SIZE) deps.definitions.delete(deps.definitions.keys().next().value as string);
  return definition;
}

export function dataContext(run: Run, definition: WorkflowDefinition, steps: Map<string, StepRun>): DataContext {
  const outputs = new Map<string, unknown>();
  for (const [id, s] of steps)
    if (s.status === 'COMPLETED' || s.status === 'SKIPPED') outputs.set(id, s.status === 'SKIPPED' ? null : s.output);
  return { workflowInput: run.inputs, stepOutputs: outputs, stepIds: new Set(definition.steps.map((s) => s.id)) };
}

/** Why the engine fails a run; cancelling is the domain's (domain/run-writes.ts). */
export type EngineRunErrorKind = Exclude<RunErrorKind, 'cancelled'>;

export function stepErrorMessage(step: StepRun | undefined): string {
  const error = step?.error as { message?: string } | null | undefined;
  return error?.message ?? 'unknown error';
}

/**
 * Fails the run (as read at `run.version`), cancelling steps that were in flight; pending
 * steps stay pending for retryRun. The lease is freed in the same transaction, so no later
 * release can park over a retry that commits right after.
 */
export async function failRun(
  deps: EngineDeps,
  run: Run,
  write: Write,
  kind: EngineRunErrorKind,
  message: string,
  stepId: string | null,
): Promise<void> {
  const now = deps.res.clock.now();
  await write('run.fail', (tx) => failRunInTx(tx, run, kind, message, stepId, now), { version: run.version });
}

/** Inside the caller's transaction, with the Run row already locked: what {@link failRun} writes. */
export async function failRunInTx(
  tx: Tx,
  run: Run,
  kind: EngineRunErrorKind,
  message: string,
  stepId: string | null,
  now: Date,
): Promise<void> {
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
    data: {
      status: 'FAILED',
      completedAt: now,
      durationMs: durationOf(run.startedAt, now),
      runnableAt: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      error: { message, stepId, kind },
    },
  });
  await appendEvents(
    tx,
    run,
    [
      ...running.map((s) => ({ type: 'step.cancelled' as const, stepId: s.stepId })),
      { type: 'run.failed', payload: { message, stepId, kind } },
    ],
    now,
  );
}

/**
 * Completes delays whose time has come, fails waits that timed out, and resets steps left
 * RUNNING by a claim that is gone (interrupted attempts are delivered again with the same
 * idempotency key and do not use up retries, but only `maxInterruptions` times: a step that
 * keeps killing its worker fails instead of looping). Returns true when it changed something.
 */
export async function settleTimersAndOrphans(
  deps: EngineDeps,
  run: Run,
  definition: WorkflowDefinition,
  steps: Map<string, StepRun>,
  inflight: Map<string, InFlight>,
  write: Write,
  updates: ViewUpdates,
  now: Date,
): Promise<boolean> {
  let changed = false;
  const at = { version: run.version };
  for (const step of definition.steps) {
    const state = steps.get(step.id);
    if (!state) continue;
    const current = { id: state.id, status: state.status, attempt: state.attempt };
    if (state.status === 'WAITING' && state.nextAttemptAt && state.nextAttemptAt <= now) {
      changed = true;
      const [data, event]: [Prisma.StepRunUpdateManyMutationInput, NewRunEvent] =
        step.type === 'delay'
          ? [
              { status: 'COMPLETED', output: { delayedMs: step.durationMs } },
              { type: 'step.completed', stepId: step.id, payload: { output: { delayedMs: step.durationMs } } },
            ]
          : [
              { status: 'FAILED', error: { message: `no signal arrived within ${step.timeoutMs ?? 0}ms`, kind: 'timeout' } },
              {
                type: 'step.failed',
                stepId: step.id,
                payload: { error: { message: `no signal arrived within ${step.timeoutMs ?? 0}ms`, kind: 'timeout' } },
              },
            ];
      const change = { ...data, completedAt: now, nextAttemptAt: null };
      const moved = await write(
        'step.timer',
        async (tx) => ((await tx.stepRun.updateMany({ where: current, data: change })).count === 1 ? undefined : UNCHANGED),
        { ...at, stepId: step.id, events: { run, list: [event], at: now } },
      );
      if (moved === UNCHANGED) updates.forget();
      else updates.step(step.id, change as Partial<StepRun>);
    } else if (state.status === 'RUNNING' && !inflight.has(step.id)) {
      changed = true;
      await write('step.interrupt', (tx) => interrupt(deps, tx, run, state, now), { ...at, stepId: step.id });
      updates.forget();
    }
  }
  return changed;
}

async function interrupt(deps: EngineDeps, tx: Tx, run: Run, state: StepRun, now: Date): Promise<void> {
  const interrupted =
    (await tx.stepAttempt.count({ where: { stepRunId: state.id, status: 'INTERRUPTED', attempt: { gt: state.retryBase } } })) + 1;
  const error =
    interrupted >= deps.config.maxInterruptions
      ? {
          message:
            `the step was delivered ${interrupted} times and every delivery was interrupted before its outcome was recorded ` +
            `(STEP_MAX_INTERRUPTIONS=${deps.config.maxInterruptions}); look for what stops the worker while it runs (a crash, ` +
            'a runaway call, an outcome the database rejects), then retry the run',
          kind: 'interrupted',
          attempt: state.attempt,
        }
      : null;
  // Conditional: an attempt of this driver that finished since the read must not be undone.
  const reset = await tx.stepRun.updateMany({
    where: { id: state.id, status: 'RUNNING', attempt: state.attempt },
    data: error ? { status: 'FAILED', error, completedAt: now, nextAttemptAt: null } : { status: 'PENDING', nextAttemptAt: null },
  });
  if (reset.count !== 1) return;
  await tx.stepAttempt.updateMany({
    where: { stepRunId: state.id, attempt: state.attempt, status: 'RUNNING' },
    data: { status: 'INTERRUPTED', finishedAt: now, error: { message: 'the worker running this attempt stopped before it finished' } },
  });
  const events: NewRunEvent[] = [{ type: 'step.interrupted', stepId: state.stepId, payload: { attempt: state.attempt, interrupted } }];
  if (error) events.push({ type: 'step.failed', stepId: state.stepId, payload: { attempt: state.attempt, error } });
  await appendEvents(tx, run, events, now);
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
  updates: ViewUpdates,
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
  const reason = (id: string) => (untaken.has(id) ? 'branch not taken' : 'all dependencies skipped');
  await write(
    'step.skip',
    async (tx) => {
      const moved = await tx.stepRun.updateMany({
        where: { runId: run.id, stepId: { in: skip.map((s) => s.id) }, status: 'PENDING' },
        data: { status: 'SKIPPED', completedAt: now },
      });
      // Steps move only through this driver or a versioned user action, so this does not happen;
      // if it did, rolling back and reading again is the safe answer.
      if (moved.count !== skip.length) throw new RunChangedError(run.id);
    },
    {
      version: run.version,
      events: { run, list: skip.map((s) => ({ type: 'step.skipped', stepId: s.id, payload: { reason: reason(s.id) } })), at: now },
    },
  );
  for (const s of skip) updates.step(s.id, { status: 'SKIPPED', completedAt: now });
  return true;
}
