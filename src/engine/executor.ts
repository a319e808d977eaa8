import type { Agent, Prisma, Run, StepRun } from '../db/models.ts';
import type { Step, WorkflowDefinition } from '../domain/definition/schema.ts';
import type { Resources } from '../domain/resources.ts';
import type { StepStatus } from '../domain/statuses.ts';
import type { AgentCaller } from './agents/call.ts';
import { type DataContext, resolveMapping, runOutputs } from './dataflow.ts';
import { appendEvents, type NewRunEvent, type Tx } from './events.ts';
import { fence, LeaseLostError, release } from './lease.ts';
import { retryDelayMs, shouldRetry } from './retry.ts';
import { type AttemptFailure, classify, policyFor, runAttempt } from './step-runner.ts';

/** How a worker process executes runs. */
export interface EngineConfig {
  workerId: string;
  leaseMs: number;
  maxParallelSteps: number;
}

/** What the executor needs besides the domain resources. */
export interface EngineDeps {
  res: Resources;
  caller: AgentCaller;
  config: EngineConfig;
  random: () => number;
  /** Definitions are immutable per version, so they are cached for the process's life. */
  definitions: Map<string, WorkflowDefinition>;
}

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
}

const json = (value: unknown) => (value ?? null) as Prisma.InputJsonValue;
const DONE: ReadonlySet<StepStatus> = new Set(['COMPLETED', 'SKIPPED']);

/**
 * Drives one leased run as far as it can go: starts every ready step (in parallel, bounded),
 * records each outcome with its events, and returns when the run finishes, when nothing is
 * left to do until a timer or signal (the run is parked and its lease released), when the
 * lease is lost, or when `stopping` fires (in-flight steps are let finish first).
 */
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
  const write = <T>(fn: (tx: Tx) => Promise<T>) =>
    db.$transaction(async (tx) => {
      await fence(tx, runId, owner, until());
      return fn(tx);
    });

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
        await release(res.db, runId, owner, next);
        res.notifier.wake();
        return;
      }
      // Wake for the next heartbeat, or at the run's deadline if that comes first.
      const untilDeadline = run.deadlineAt ? run.deadlineAt.getTime() - now.getTime() : Infinity;
      const heartbeat = setTimeout(() => kick(), Math.max(10, Math.min(Math.floor(config.leaseMs / 3), untilDeadline)));
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

async function definitionOf(deps: EngineDeps, versionId: string): Promise<WorkflowDefinition> {
  const cached = deps.definitions.get(versionId);
  if (cached) return cached;
  const version = await deps.res.db.prisma.workflowVersion.findUniqueOrThrow({ where: { id: versionId }, select: { definition: true } });
  const definition = version.definition as unknown as WorkflowDefinition;
  deps.definitions.set(versionId, definition);
  return definition;
}

function dataContext(run: Run, definition: WorkflowDefinition, steps: Map<string, StepRun>): DataContext {
  const outputs = new Map<string, unknown>();
  for (const [id, s] of steps)
    if (s.status === 'COMPLETED' || s.status === 'SKIPPED') outputs.set(id, s.status === 'SKIPPED' ? null : s.output);
  return { workflowInput: run.inputs, stepOutputs: outputs, stepIds: new Set(definition.steps.map((s) => s.id)) };
}

function stepErrorMessage(step: StepRun | undefined): string {
  const error = step?.error as { message?: string } | null | undefined;
  return error?.message ?? 'unknown error';
}

type Write = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/** Fails the run, cancelling steps that were in flight; pending steps stay pending for retryRun. */
async function failRun(deps: EngineDeps, run: Run, write: Write, message: string, stepId: string | null): Promise<void> {
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
async function settleTimersAndOrphans(
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
        await tx.stepAttempt.updateMany({
          where: { stepRunId: state.id, attempt: state.attempt, status: 'RUNNING' },
          data: {
            status: 'INTERRUPTED',
            finishedAt: now,
            error: { message: 'the worker running this attempt stopped before it finished' },
          },
        });
        await tx.stepRun.update({ where: { id: state.id }, data: { status: 'PENDING', nextAttemptAt: null } });
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
async function propagateSkips(
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

/** Starts one ready step. Returns true when its state changed (so the loop re-reads). */
async function startStep(
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
      await tx.stepRun.update({
        where: { id: state.id },
        data: { status: 'WAITING', attempt, startedAt: state.startedAt ?? now, nextAttemptAt: wakeAt },
      });
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
    await tx.stepRun.update({
      where: { id: state.id },
      data: { status: 'RUNNING', attempt, startedAt: state.startedAt ?? now, input: json(input), nextAttemptAt: null },
    });
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
  const failures = (await deps.res.db.prisma.stepAttempt.count({ where: { stepRunId: state.id, status: 'FAILED' } })) + 1;
  const retry = shouldRetry(policy, failures, failure.retryable);
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
