import type { StepRun } from '../db/models.ts';
import type { StepStatus } from '../domain/statuses.ts';
import { startStep } from './attempts.ts';
import { runOutputs } from './dataflow.ts';
import { DONE, type EngineDeps, type InFlight, json } from './engine-types.ts';
import { appendEvents, type Tx } from './events.ts';
import { fence, LeaseLostError, release } from './lease.ts';
import { dataContext, definitionOf, failRun, propagateSkips, settleTimersAndOrphans, stepErrorMessage } from './run-state.ts';

/**
 * Drives one leased run as far as it can go: starts every ready step (in parallel, bounded),
 * records each outcome with its events, and returns when the run finishes, when nothing is
 * left to do until a timer or signal (the run is parked and its lease released), when the
 * lease is lost, or when `stopping` fires (in-flight steps are let finish first).
 */
// Also how soon a cancel made by another process is noticed (same-process cancels are immediate).
const HEARTBEAT_MAX_MS = 2_000;

export async function driveRun(deps: EngineDeps, runId: string, stopping: AbortSignal): Promise<void> {
  const { res, config } = deps;
  const db = res.db.prisma;
  const owner = config.workerId;
  const inflight = new Map<string, InFlight>();
  let kick: () => void = () => {};
  const unsubscribe = res.notifier.onRunChanged(runId, () => kick());
  const onStop = () => kick();
  stopping.addEventListener('abort', onStop);

  const until = () => new Date(res.clock.now().getTime() + config.leaseMs);
  // Every write re-proves (and extends) the lease, so a worker that lost its run writes nothing.
  const write = async <T>(fn: (tx: Tx) => Promise<T>) => {
    const result = await db.$transaction(async (tx) => {
      await fence(tx, runId, owner, until());
      return fn(tx);
    });
    // After commit, so a stream that fetches on this nudge sees what was written.
    res.notifier.eventsAppended(runId);
    return result;
  };

  const abortAll = (reason: string) => {
    for (const f of inflight.values()) f.controller.abort(new Error(reason));
  };
  const settle = async () => {
    await Promise.allSettled([...inflight.values()].map((f) => f.done));
  };

  try {
    for (;;) {
      const wakeup = new Promise<void>((resolve) => {
        kick = resolve;
      });
      const now = res.clock.now();
      const run = await db.run.findUnique({ where: { id: runId } });
      if (!run || run.leaseOwner !== owner) {
        abortAll('lease lost');
        await settle();
        return;
      }
      if (run.status === 'COMPLETED' || run.status === 'FAILED' || run.status === 'CANCELLED') {
        abortAll(`run ${run.status.toLowerCase()}`);
        await settle();
        await release(res.db, runId, owner, undefined);
        return;
      }
      const definition = await definitionOf(deps, run.workflowVersionId);
      if (run.status === 'PENDING') {
        await write((tx) =>
          Promise.all([
            tx.run.update({ where: { id: runId }, data: { status: 'RUNNING', startedAt: run.startedAt ?? now } }),
            appendEvents(tx, run, [{ type: 'run.started' }], now),
          ]),
        );
        continue;
      }
      if (run.deadlineAt && run.deadlineAt <= now) {
        abortAll('run timed out');
        await settle();
        await failRun(deps, run, write, `run timed out at ${run.deadlineAt.toISOString()}`, null);
        return;
      }
      // Extends the lease even when nothing else is written (long agent calls).
      await write(async () => {});

      const steps = new Map((await db.stepRun.findMany({ where: { runId } })).map((s) => [s.stepId, s]));
      const data = dataContext(run, definition, steps);
      if (await settleTimersAndOrphans(deps, run, definition, steps, inflight, write, now)) continue;
      if (await propagateSkips(run, definition, steps, write, now)) continue;

      const failed = definition.steps.find((s) => steps.get(s.id)?.status === 'FAILED');
      if (failed) {
        abortAll(`step "${failed.id}" failed`);
        await settle();
        await failRun(deps, run, write, `step "${failed.id}" failed: ${stepErrorMessage(steps.get(failed.id))}`, failed.id);
        return;
      }
      if (inflight.size === 0 && definition.steps.every((s) => DONE.has(steps.get(s.id)?.status as StepStatus))) {
        const skipped = new Set(definition.steps.filter((s) => steps.get(s.id)?.status === 'SKIPPED').map((s) => s.id));
        const outputs = runOutputs(definition.outputs, definition.steps, data, skipped);
        await write(async (tx) => {
          await tx.run.update({
            where: { id: runId },
            data: { status: 'COMPLETED', completedAt: now, outputs: json(outputs), runnableAt: null },
          });
          await appendEvents(tx, run, [{ type: 'run.completed', payload: { outputs } }], now);
        });
        await release(res.db, runId, owner, null);
        return;
      }

      if (!stopping.aborted) {
        const ready = definition.steps.filter((s) => {
          const state = steps.get(s.id);
          return (
            state?.status === 'PENDING' &&
            !inflight.has(s.id) &&
            (!state.nextAttemptAt || state.nextAttemptAt <= now) &&
            s.dependsOn.every((d) => DONE.has(steps.get(d)?.status as StepStatus))
          );
        });
        let started = false;
        for (const step of ready) {
          if (inflight.size >= config.maxParallelSteps) break;
          const state = steps.get(step.id) as StepRun;
          started = (await startStep(deps, run, step, state, data, inflight, write, () => kick(), now)) || started;
        }
        if (started) continue;
      }

      if (inflight.size === 0) {
        // Nothing can happen before the earliest timer (or a signal): give the run back.
        const times = [...steps.values()]
          .filter((s) => (s.status === 'PENDING' || s.status === 'WAITING') && s.nextAttemptAt)
          .map((s) => (s.nextAttemptAt as Date).getTime());
        if (run.deadlineAt) times.push(run.deadlineAt.getTime());
        const next = stopping.aborted ? now : times.length > 0 ? new Date(Math.min(...times)) : null;
        await release(res.db, runId, owner, next, run.runnableAt);
        res.notifier.wake();
        return;
      }
      // Wake for the next heartbeat, or at the run's deadline if that comes first.
      const untilDeadline = run.deadlineAt ? run.deadlineAt.getTime() - now.getTime() : Infinity;
      const heartbeat = setTimeout(() => kick(), Math.max(10, Math.min(Math.floor(config.leaseMs / 3), HEARTBEAT_MAX_MS, untilDeadline)));
      await wakeup;
      clearTimeout(heartbeat);
    }
  } catch (error) {
    abortAll('worker error');
    await settle();
    if (error instanceof LeaseLostError) return;
    throw error;
  } finally {
    unsubscribe();
    stopping.removeEventListener('abort', onStop);
  }
}
