import type { Run, StepRun } from '../db/models.ts';
import type { StepStatus } from '../domain/statuses.ts';
import { startStep } from './attempts.ts';
import { runOutputs } from './dataflow.ts';
import { DONE, type EngineDeps, type InFlight, json } from './engine-types.ts';
import { appendEvents } from '../db/run-events.ts';
import { type Claim, LeaseLostError, release, RunChangedError } from './lease.ts';
import { dataContext, definitionOf, failRun, propagateSkips, settleTimersAndOrphans, stepErrorMessage } from './run-state.ts';
import { createWriter } from './writes.ts';

// Also how soon a cancel made by another process is noticed (same-process cancels are immediate).
const HEARTBEAT_MAX_MS = 2_000;

/** How a worker asks its drivers to stop. */
export interface DriverSignals {
  /** Start nothing new; let calls in flight finish, then give the run back. */
  stopping: AbortSignal;
  /** Shutdown's grace is over: abort calls in flight and give the run back for another process at once. */
  abandon: AbortSignal;
}

/** What one pass over the run decided: look again now, wait for a wake-up, or stop driving. */
type Next = { kind: 'again' } | { kind: 'wait'; ms: number } | { kind: 'exit' };
const AGAIN: Next = { kind: 'again' };
const EXIT: Next = { kind: 'exit' };

/**
 * Drives one claimed run as far as it can go: starts every ready step (in parallel, bounded),
 * records each outcome with its events, and returns when the run finishes, when nothing is
 * left to do until a timer or signal (the run is parked and its lease released), when the
 * lease is lost, or when the worker stops. Every transition is a compare-and-set on the run's
 * version as read (see {@link createWriter}): a cancel, signal or retry committed between the
 * read and the write makes the write fail, and the pass is made again from a fresh read.
 */
export async function driveRun(deps: EngineDeps, claim: Claim, signals: DriverSignals): Promise<void> {
  const { res } = deps;
  const inflight = new Map<string, InFlight>();
  let kick: () => void = () => {};
  const unsubscribe = res.notifier.onRunChanged(claim.runId, () => kick());
  const onStop = () => kick();
  signals.stopping.addEventListener('abort', onStop);
  signals.abandon.addEventListener('abort', onStop);
  const driver: Driver = {
    deps,
    claim,
    signals,
    inflight,
    write: createWriter(deps, claim),
    kick: () => kick(),
    abortAll(reason) {
      for (const f of inflight.values()) f.controller.abort(new Error(reason));
    },
    async settle() {
      await Promise.allSettled([...inflight.values()].map((f) => f.done));
    },
  };
  try {
    for (;;) {
      const wakeup = new Promise<void>((resolve) => {
        kick = resolve;
      });
      let next: Next;
      try {
        next = await pass(driver);
      } catch (error) {
        if (!(error instanceof RunChangedError)) throw error;
        next = AGAIN;
      }
      if (next.kind === 'exit') return;
      if (next.kind === 'again') continue;
      const heartbeat = setTimeout(() => kick(), next.ms);
      await wakeup;
      clearTimeout(heartbeat);
    }
  } catch (error) {
    // Only a lost lease aborts calls in flight: another claim owns the run now and delivers
    // them again with the same keys. Any other failure lets them finish and record first.
    if (error instanceof LeaseLostError) {
      driver.abortAll('lease lost');
      await driver.settle();
      return;
    }
    await driver.settle();
    throw error;
  } finally {
    unsubscribe();
    signals.stopping.removeEventListener('abort', onStop);
    signals.abandon.removeEventListener('abort', onStop);
  }
}

interface Driver {
  deps: EngineDeps;
  claim: Claim;
  signals: DriverSignals;
  inflight: Map<string, InFlight>;
  write: ReturnType<typeof createWriter>;
  kick: () => void;
  abortAll(reason: string): void;
  settle(): Promise<void>;
}

async function pass(driver: Driver): Promise<Next> {
  const { deps, claim, inflight, write } = driver;
  const { res, config } = deps;
  const db = res.db.prisma;
  const now = res.clock.now();
  const run = await db.run.findUnique({ where: { id: claim.runId } });
  if (!run || run.leaseOwner !== claim.token) {
    driver.abortAll('lease lost');
    await driver.settle();
    return EXIT;
  }
  if (run.status === 'COMPLETED' || run.status === 'FAILED' || run.status === 'CANCELLED') {
    driver.abortAll(`run ${run.status.toLowerCase()}`);
    await driver.settle();
    await res.hooks?.beforeWrite?.('run.release', { runId: run.id });
    await release(res.db, claim);
    return EXIT;
  }
  if (driver.signals.abandon.aborted) {
    driver.abortAll('worker shutting down');
    await driver.settle();
    // Runnable at once: the steps left RUNNING are delivered again, with the same keys.
    await res.hooks?.beforeWrite?.('run.release', { runId: run.id });
    await release(res.db, claim, { runnableAt: now });
    return EXIT;
  }
  const definition = await definitionOf(deps, run.workflowVersionId);
  const at = { version: run.version };
  if (run.status === 'PENDING') {
    await write(
      'run.start',
      async (tx) => {
        await tx.run.update({ where: { id: run.id }, data: { status: 'RUNNING', startedAt: run.startedAt ?? now } });
        await appendEvents(tx, run, [{ type: 'run.started' }], now);
      },
      at,
    );
    return AGAIN;
  }
  if (run.deadlineAt && run.deadlineAt <= now) {
    driver.abortAll('run timed out');
    await driver.settle();
    await failRun(deps, run, write, `run timed out at ${run.deadlineAt.toISOString()}`, null);
    return EXIT;
  }
  // Extends the lease even when nothing else is written (long agent calls).
  await write('heartbeat', async () => {});

  const steps = new Map((await db.stepRun.findMany({ where: { runId: run.id } })).map((s) => [s.stepId, s]));
  // A call whose step is no longer RUNNING (cancelled, or reset by a retry) is wasted work.
  for (const [stepId, f] of inflight) if (steps.get(stepId)?.status !== 'RUNNING') f.controller.abort(new Error('step stopped'));
  const data = dataContext(run, definition, steps);
  if (await settleTimersAndOrphans(deps, run, definition, steps, inflight, write, now)) return AGAIN;
  if (await propagateSkips(run, definition, steps, write, now)) return AGAIN;

  const failed = definition.steps.find((s) => steps.get(s.id)?.status === 'FAILED');
  if (failed) {
    driver.abortAll(`step "${failed.id}" failed`);
    await driver.settle();
    await failRun(deps, run, write, `step "${failed.id}" failed: ${stepErrorMessage(steps.get(failed.id))}`, failed.id);
    return EXIT;
  }
  if (inflight.size === 0 && definition.steps.every((s) => DONE.has(steps.get(s.id)?.status as StepStatus))) {
    const skipped = new Set(definition.steps.filter((s) => steps.get(s.id)?.status === 'SKIPPED').map((s) => s.id));
    const outputs = runOutputs(definition.outputs, definition.steps, data, skipped);
    await write(
      'run.complete',
      async (tx) => {
        await tx.run.update({
          where: { id: run.id },
          // The lease goes with the status, in one commit: nothing left to release later.
          data: { status: 'COMPLETED', completedAt: now, outputs: json(outputs), runnableAt: null, leaseOwner: null, leaseExpiresAt: null },
        });
        await appendEvents(tx, run, [{ type: 'run.completed', payload: { outputs } }], now);
      },
      at,
    );
    return EXIT;
  }

  if (!driver.signals.stopping.aborted) {
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
      started = (await startStep(deps, run, step, state, data, inflight, write, driver.kick, now)) || started;
    }
    if (started) return AGAIN;
  }

  if (inflight.size === 0) return park(driver, run, steps, now);
  // Wake for the next heartbeat, or at the run's deadline if that comes first.
  const untilDeadline = run.deadlineAt ? run.deadlineAt.getTime() - now.getTime() : Infinity;
  return { kind: 'wait', ms: Math.max(10, Math.min(Math.floor(config.leaseMs / 3), HEARTBEAT_MAX_MS, untilDeadline)) };
}

/**
 * Nothing can happen before the earliest timer (or a signal): gives the run back until then.
 * Conditional on the run's version as read: a signal or retry committed since then is looked at
 * again now instead of being parked over.
 */
async function park(driver: Driver, run: Run, steps: Map<string, StepRun>, now: Date): Promise<Next> {
  const { res } = driver.deps;
  const times = [...steps.values()]
    .filter((s) => (s.status === 'PENDING' || s.status === 'WAITING') && s.nextAttemptAt)
    .map((s) => (s.nextAttemptAt as Date).getTime());
  if (run.deadlineAt) times.push(run.deadlineAt.getTime());
  const next = driver.signals.stopping.aborted ? now : times.length > 0 ? new Date(Math.min(...times)) : null;
  await res.hooks?.beforeWrite?.('run.park', { runId: run.id });
  if (!(await release(res.db, driver.claim, { runnableAt: next, version: run.version }))) return AGAIN;
  res.notifier.wake();
  return EXIT;
}
