import type { Run, StepRun } from '../db/models.ts';
import type { Step, WorkflowDefinition } from '../domain/definition/schema.ts';
import { durationOf } from '../domain/run-writes.ts';
import type { StepStatus } from '../domain/statuses.ts';
import { type RunStart, startStep } from './attempts.ts';
import { runOutputs } from './dataflow.ts';
import { DONE, type EngineDeps, type InFlight, type ViewUpdates } from './engine-types.ts';
import { type Claim, LeaseLostError, release, RunChangedError } from './lease.ts';
import { dataContext, definitionOf, failRun, propagateSkips, settleTimersAndOrphans, stepErrorMessage } from './run-state.ts';
import { createWriter, type Write, type Writer } from './writes.ts';

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
 *
 * The driver reads the run and its steps once, then keeps that view current with its own
 * committed writes instead of reading them again after each one; it reads again after a
 * compare-and-set failed, when told the run changed, and on every heartbeat (how changes made
 * by other processes are noticed while nothing is written).
 */
export async function driveRun(deps: EngineDeps, claim: Claim, signals: DriverSignals): Promise<void> {
  const { res } = deps;
  const inflight = new Map<string, InFlight>();
  let kick: () => void = () => {};
  const writer = createWriter(deps, claim);
  const driver: Driver = {
    deps,
    claim,
    signals,
    inflight,
    writer,
    write: writer.write,
    view: null,
    changes: 0,
    updates: {
      step(stepId, change) {
        driver.changes += 1;
        const current = driver.view?.steps.get(stepId);
        // A new object: attempts keep the row as it was when they started.
        if (current) driver.view?.steps.set(stepId, { ...current, ...change });
      },
      forget() {
        driver.changes += 1;
        driver.view = null;
      },
    },
    kick: () => kick(),
    abortAll(reason) {
      for (const f of inflight.values()) f.controller.abort(new Error(reason));
    },
    async settle() {
      await Promise.allSettled([...inflight.values()].map((f) => f.done));
    },
  };
  const unsubscribe = res.notifier.onRunChanged(claim.runId, () => {
    driver.updates.forget();
    kick();
  });
  const onStop = () => kick();
  signals.stopping.addEventListener('abort', onStop);
  signals.abandon.addEventListener('abort', onStop);
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
        driver.updates.forget();
        next = AGAIN;
      }
      if (next.kind === 'exit') return;
      if (next.kind === 'again') continue;
      const heartbeat = setTimeout(() => {
        // Other processes' cancels, signals and retries are only seen by reading.
        driver.updates.forget();
        kick();
      }, next.ms);
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

/** The run and its steps as the driver knows them: as last read, plus its own writes since. */
interface RunView {
  run: Run;
  steps: Map<string, StepRun>;
}

interface Driver {
  deps: EngineDeps;
  claim: Claim;
  signals: DriverSignals;
  inflight: Map<string, InFlight>;
  writer: Writer;
  write: Write;
  /** Null: read the run before the next decision. */
  view: RunView | null;
  /** Counts updates of the view, so a read that raced one is not trusted. */
  changes: number;
  updates: ViewUpdates;
  kick: () => void;
  abortAll(reason: string): void;
  settle(): Promise<void>;
}

/** The driver's view of its run, read from the database when it has none; null if the run is gone. */
async function viewOf(driver: Driver): Promise<RunView | null> {
  const db = driver.deps.res.db.prisma;
  while (!driver.view) {
    const changes = driver.changes;
    const run = await db.run.findUnique({ where: { id: driver.claim.runId } });
    if (!run) return null;
    const steps = new Map((await db.stepRun.findMany({ where: { runId: run.id } })).map((s) => [s.stepId, s]));
    // An attempt that recorded its outcome during the read may be missing from it: read again.
    if (driver.changes === changes) driver.view = { run, steps };
  }
  return driver.view;
}

/** The steps that can start now: pending, due, not in flight, and every dependency done. */
function readySteps(definition: WorkflowDefinition, steps: Map<string, StepRun>, inflight: Map<string, InFlight>, now: Date): Step[] {
  return definition.steps.filter((s) => {
    const state = steps.get(s.id);
    return (
      state?.status === 'PENDING' &&
      !inflight.has(s.id) &&
      (!state.nextAttemptAt || state.nextAttemptAt <= now) &&
      s.dependsOn.every((d) => DONE.has(steps.get(d)?.status as StepStatus))
    );
  });
}

/** How long a driver waits between passes while calls are in flight; the lease is extended at least this often. */
function heartbeatMs(leaseMs: number): number {
  return Math.min(Math.floor(leaseMs / 3), HEARTBEAT_MAX_MS);
}

async function pass(driver: Driver): Promise<Next> {
  const { deps, claim, inflight, write, updates } = driver;
  const { res, config } = deps;
  const now = res.clock.now();
  const view = await viewOf(driver);
  if (!view || view.run.leaseOwner !== claim.token) {
    driver.abortAll('lease lost');
    await driver.settle();
    return EXIT;
  }
  const { run, steps } = view;
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
  // A fresh run (every step pending, nothing else to settle first) starts together with its
  // first steps, in their transaction; any other PENDING run (retried, re-run) starts on its own.
  let runStart: RunStart | null = null;
  if (run.status === 'PENDING') {
    const startedAt = run.startedAt ?? now;
    const fresh =
      !driver.signals.stopping.aborted &&
      !(run.deadlineAt && run.deadlineAt <= now) &&
      [...steps.values()].every((s) => s.status === 'PENDING' && !s.nextAttemptAt) &&
      readySteps(definition, steps, inflight, now).length > 0;
    if (!fresh) {
      await write('run.start', null, {
        ...at,
        run: { status: 'RUNNING', startedAt },
        events: { run, list: [{ type: 'run.started' }], at: now },
      });
      view.run = { ...run, status: 'RUNNING', startedAt };
      return AGAIN;
    }
    runStart = { startedAt };
  }
  if (run.deadlineAt && run.deadlineAt <= now) {
    driver.abortAll('run timed out');
    await driver.settle();
    await failRun(deps, run, write, 'timed_out', `run timed out at ${run.deadlineAt.toISOString()}`, null);
    return EXIT;
  }
  // Extends the lease when no write has for a heartbeat's time (long agent calls); every write
  // extends it too. Waits last a heartbeat, so the lease is extended at least every two
  // (two thirds of it); the tenth spares a wait whose timer fired a hair early.
  if (!runStart && driver.writer.sinceExtendedMs() >= 0.9 * heartbeatMs(config.leaseMs)) await write('heartbeat', null);

  // A call whose step is no longer RUNNING (cancelled, or reset by a retry) is wasted work.
  for (const [stepId, f] of inflight) if (steps.get(stepId)?.status !== 'RUNNING') f.controller.abort(new Error('step stopped'));
  const data = dataContext(run, definition, steps);
  if (await settleTimersAndOrphans(deps, run, definition, steps, inflight, write, updates, now)) return AGAIN;
  if (await propagateSkips(run, definition, steps, write, updates, now)) return AGAIN;

  const failed = definition.steps.find((s) => steps.get(s.id)?.status === 'FAILED');
  if (failed) {
    driver.abortAll(`step "${failed.id}" failed`);
    await driver.settle();
    await failRun(deps, run, write, 'step_failed', `step "${failed.id}" failed: ${stepErrorMessage(steps.get(failed.id))}`, failed.id);
    return EXIT;
  }
  if (inflight.size === 0 && definition.steps.every((s) => DONE.has(steps.get(s.id)?.status as StepStatus))) {
    const skipped = new Set(definition.steps.filter((s) => steps.get(s.id)?.status === 'SKIPPED').map((s) => s.id));
    const outputs = runOutputs(definition.outputs, definition.steps, data, skipped);
    // The lease goes with the status, in one commit: nothing left to release later.
    await write('run.complete', null, {
      ...at,
      run: { status: 'COMPLETED', completedAt: now, durationMs: durationOf(run.startedAt, now), outputs, finished: true },
      events: { run, list: [{ type: 'run.completed', payload: { outputs } }], at: now },
    });
    return EXIT;
  }

  if (!driver.signals.stopping.aborted) {
    let started = false;
    for (const step of readySteps(definition, steps, inflight, now)) {
      if (inflight.size >= config.maxParallelSteps) break;
      const state = steps.get(step.id) as StepRun;
      const committed = await startStep(deps, run, step, state, data, inflight, write, updates, driver.kick, now, runStart);
      started = true;
      if (runStart) {
        // Nothing more starts unless the run did: its other steps wait for the next pass.
        if (!committed) return AGAIN;
        if (driver.view === view) view.run = { ...run, status: 'RUNNING', startedAt: runStart.startedAt };
        runStart = null;
      }
    }
    if (started) return AGAIN;
  }

  if (inflight.size === 0) return park(driver, run, steps, now);
  // Wake for the next heartbeat, or at the run's deadline if that comes first.
  const untilDeadline = run.deadlineAt ? run.deadlineAt.getTime() - now.getTime() : Infinity;
  return { kind: 'wait', ms: Math.max(10, Math.min(heartbeatMs(config.leaseMs), untilDeadline)) };
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
  if (!(await release(res.db, driver.claim, { runnableAt: next, version: run.version }))) {
    driver.updates.forget();
    return AGAIN;
  }
  res.notifier.wake();
  return EXIT;
}
