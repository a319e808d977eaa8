// Starting a step and recording how each attempt ends.
import type { Agent, Run, StepRun } from '../db/models.ts';
import type { Step } from '../domain/definition/schema.ts';
import { type DataContext, resolveMapping } from './dataflow.ts';
import { type EngineDeps, type InFlight, json } from './engine-types.ts';
import { appendEvents, type NewRunEvent } from './events.ts';
import { LeaseLostError } from './lease.ts';
import { retryDelayMs, shouldRetry } from './retry.ts';
import type { Write } from './run-state.ts';
import { type AttemptFailure, classify, policyFor, runAttempt } from './step-runner.ts';

/** Starts one ready step. Returns true when its state changed (so the loop re-reads). */
export async function startStep(
  deps: EngineDeps,
  run: Run,
  step: Step,
  state: StepRun,
  data: DataContext,
  inflight: Map<string, InFlight>,
  write: Write,
  kick: () => void,
  now: Date,
): Promise<boolean> {
  const attempt = state.attempt + 1;
  if (step.type === 'delay' || step.type === 'wait') {
    const wakeAt =
      step.type === 'delay' ? new Date(now.getTime() + step.durationMs) : step.timeoutMs ? new Date(now.getTime() + step.timeoutMs) : null;
    await write(async (tx) => {
      // Conditional on the state read: a cancel that landed since then wins.
      const moved = await tx.stepRun.updateMany({
        where: { id: state.id, status: 'PENDING', attempt: state.attempt },
        data: { status: 'WAITING', attempt, startedAt: state.startedAt ?? now, nextAttemptAt: wakeAt },
      });
      if (moved.count !== 1) return;
      await appendEvents(
        tx,
        run,
        [
          {
            type: 'step.waiting',
            stepId: step.id,
            payload: { for: step.type === 'delay' ? 'timer' : 'signal', until: wakeAt?.toISOString() ?? null },
          },
        ],
        now,
      );
    });
    return true;
  }
  const input = resolveMapping(step.input, data);
  const attemptRow = await write(async (tx) => {
    // Conditional on the state read: a cancel (or another change) since then means no start.
    const moved = await tx.stepRun.updateMany({
      where: { id: state.id, status: 'PENDING', attempt: state.attempt },
      data: { status: 'RUNNING', attempt, startedAt: state.startedAt ?? now, input: json(input), nextAttemptAt: null },
    });
    if (moved.count !== 1) return null;
    const row = await tx.stepAttempt.create({
      data: {
        tenantId: run.tenantId,
        workspaceId: run.workspaceId,
        runId: run.id,
        stepRunId: state.id,
        attempt,
        input: json(input),
        workerId: deps.config.workerId,
        startedAt: now,
      },
    });
    await appendEvents(tx, run, [{ type: 'step.started', stepId: step.id, payload: { attempt, input } }], now);
    return row;
  });
  if (!attemptRow) return true;
  const controller = new AbortController();
  const findAgent = (name: string): Promise<Agent | null> =>
    deps.res.db.prisma.agent.findFirst({ where: { tenantId: run.tenantId, workspaceId: run.workspaceId, name, deletedAt: null } });
  const done = (async () => {
    try {
      const result = await runAttempt(step, input, {
        runId: run.id,
        attempt,
        data,
        signal: controller.signal,
        caller: deps.caller,
        findAgent,
      });
      await finishAttempt(deps, run, step, state, attemptRow.id, attempt, write, { ok: true, ...result });
    } catch (error) {
      await finishAttempt(
        deps,
        run,
        step,
        state,
        attemptRow.id,
        attempt,
        write,
        { ok: false, failure: classify(error), aborted: controller.signal.aborted },
        findAgent,
      );
    }
  })()
    .catch((error: unknown) => {
      if (!(error instanceof LeaseLostError))
        deps.res.logger.error({ err: error, runId: run.id, stepId: step.id }, 'recording a step outcome failed');
    })
    .finally(() => {
      inflight.delete(step.id);
      kick();
    });
  inflight.set(step.id, { controller, done });
  return true;
}

type Outcome =
  | { ok: true; output: unknown; logs: { level: string; message: string; data?: unknown }[]; statusCode: number | null }
  | { ok: false; failure: AttemptFailure; aborted: boolean };

/**
 * Records how an attempt ended. Conditional on the step still RUNNING this attempt, so an
 * outcome that arrives after a cancel (or after another worker took over) changes nothing.
 */
async function finishAttempt(
  deps: EngineDeps,
  run: Run,
  step: Step,
  state: StepRun,
  attemptId: string,
  attempt: number,
  write: Write,
  outcome: Outcome,
  findAgent?: (name: string) => Promise<Agent | null>,
): Promise<void> {
  const now = deps.res.clock.now();
  const durationMs =
    now.getTime() -
    (await deps.res.db.prisma.stepAttempt.findUniqueOrThrow({ where: { id: attemptId }, select: { startedAt: true } })).startedAt.getTime();
  const current = { id: state.id, status: 'RUNNING', attempt };
  if (outcome.ok) {
    await write(async (tx) => {
      const changed = await tx.stepRun.updateMany({
        where: current,
        data: { status: 'COMPLETED', output: json(outcome.output), error: json(null), completedAt: now },
      });
      if (changed.count !== 1) return;
      await tx.stepAttempt.update({
        where: { id: attemptId },
        data: { status: 'SUCCEEDED', output: json(outcome.output), statusCode: outcome.statusCode, finishedAt: now, durationMs },
      });
      const events: NewRunEvent[] = outcome.logs.map((log) => ({ type: 'step.log', stepId: step.id, payload: { ...log, attempt } }));
      events.push({ type: 'step.completed', stepId: step.id, payload: { attempt, output: outcome.output, durationMs } });
      await appendEvents(tx, run, events, now);
    });
    return;
  }
  const { failure } = outcome;
  const error = { ...failure, attempt };
  // An attempt aborted because the run was cancelled or failed elsewhere: already recorded.
  if (outcome.aborted && failure.kind === 'aborted') {
    await deps.res.db.prisma.stepAttempt.updateMany({
      where: { id: attemptId, status: 'RUNNING' },
      data: { status: 'CANCELLED', error, finishedAt: now, durationMs },
    });
    return;
  }
  const policy = await policyFor(step, { findAgent: findAgent ?? (async () => null) });
  // Failures since the step (re)started count against its retries: retryRun grants a fresh budget.
  const since = state.startedAt ?? now;
  const failures =
    (await deps.res.db.prisma.stepAttempt.count({ where: { stepRunId: state.id, status: 'FAILED', startedAt: { gte: since } } })) + 1;
  const optedIn = failure.statusCode !== null && (step.retry?.retryOn ?? []).includes(failure.statusCode);
  const retry = shouldRetry(policy, failures, failure.retryable || optedIn);
  const retryAt = retry ? new Date(now.getTime() + retryDelayMs(policy, failures, deps.random, failure.retryAfterMs)) : null;
  await write(async (tx) => {
    const changed = await tx.stepRun.updateMany({
      where: current,
      data: retry ? { status: 'PENDING', error, nextAttemptAt: retryAt } : { status: 'FAILED', error, completedAt: now },
    });
    await tx.stepAttempt.update({
      where: { id: attemptId },
      data: { status: 'FAILED', error, statusCode: failure.statusCode, finishedAt: now, durationMs, retryAt },
    });
    if (changed.count !== 1) return;
    await appendEvents(
      tx,
      run,
      [
        retry
          ? { type: 'step.retry_scheduled', stepId: step.id, payload: { attempt, error, retryAt: retryAt?.toISOString() } }
          : { type: 'step.failed', stepId: step.id, payload: { attempt, error } },
      ],
      now,
    );
  });
}
