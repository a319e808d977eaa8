// Starting a step and recording how each attempt ends.
import { openAgentSecret } from '../db/agent-secrets.ts';
import type { Agent, Prisma, Run, StepRun } from '../db/models.ts';
import { type SecretBox, SecretsError } from '../db/secrets.ts';
import type { Step } from '../domain/definition/schema.ts';
import { type DataContext, resolveMapping } from './dataflow.ts';
import { type EngineDeps, type InFlight, json, type ViewUpdates } from './engine-types.ts';
import type { NewRunEvent } from '../db/run-events.ts';
import { LeaseLostError, RunChangedError } from './lease.ts';
import { checkStorable, cleanText, cleanValue } from './outcomes.ts';
import { retryDelayMs, shouldRetry } from './retry.ts';
import { type AttemptFailure, AttemptFailureError, classify, policyFor, runAttempt } from './step-runner.ts';
import { describeDbError, UNCHANGED, type Write } from './writes.ts';

/**
 * The Idempotency-Key of a delivery: the key of the step's current execution if it has one (a
 * redelivery after a crash, a lease loss or an interrupted call), else a new one named after
 * the attempt that starts this execution.
 */
export function deliveryKey(run: Pick<Run, 'id'>, state: Pick<StepRun, 'stepId' | 'deliveryKey'>, attempt: number): string {
  return state.deliveryKey ?? `${run.id}:${state.stepId}:${attempt}`;
}

/** A run's start, carried out by the write that starts its first step (see {@link startStep}). */
export interface RunStart {
  startedAt: Date;
}

/**
 * Starts one ready step, decided from the run as read at `run.version`; with `runStart`, the
 * same transaction also starts the run (PENDING to RUNNING, with its run.started event first).
 * Returns true when the write committed; false when its compare-and-set found the step changed
 * (the driver's view is then forgotten, and the run read again).
 */
export async function startStep(
  deps: EngineDeps,
  run: Run,
  step: Step,
  state: StepRun,
  data: DataContext,
  inflight: Map<string, InFlight>,
  write: Write,
  updates: ViewUpdates,
  kick: () => void,
  now: Date,
  runStart: RunStart | null = null,
): Promise<boolean> {
  const starting = runStart ? { carries: 'run.start' as const, run: { status: 'RUNNING' as const, startedAt: runStart.startedAt } } : {};
  const startEvents: NewRunEvent[] = runStart ? [{ type: 'run.started' }] : [];
  const attempt = state.attempt + 1;
  // Conditional on the step as read: a cancel or any other change since then means no start.
  const current = { id: state.id, status: 'PENDING', attempt: state.attempt };
  if (step.type === 'delay' || step.type === 'wait') {
    const wakeAt =
      step.type === 'delay' ? new Date(now.getTime() + step.durationMs) : step.timeoutMs ? new Date(now.getTime() + step.timeoutMs) : null;
    const change = { status: 'WAITING', attempt, startedAt: state.startedAt ?? now, nextAttemptAt: wakeAt };
    const payload = { for: step.type === 'delay' ? 'timer' : 'signal', until: wakeAt?.toISOString() ?? null };
    const moved = await write(
      'step.start',
      async (tx) => ((await tx.stepRun.updateMany({ where: current, data: change })).count === 1 ? undefined : UNCHANGED),
      {
        ...starting,
        version: run.version,
        stepId: step.id,
        events: { run, list: [...startEvents, { type: 'step.waiting', stepId: step.id, payload }], at: now },
      },
    );
    if (moved === UNCHANGED) {
      updates.forget();
      return false;
    }
    updates.step(step.id, change);
    return true;
  }
  const input = resolveMapping(step.input, data);
  const key = deliveryKey(run, state, attempt);
  const change = {
    status: 'RUNNING',
    attempt,
    startedAt: state.startedAt ?? now,
    input: json(input),
    nextAttemptAt: null,
    deliveryKey: key,
  };
  const attemptRow = await write(
    'step.start',
    async (tx) => {
      const moved = await tx.stepRun.updateMany({ where: current, data: change });
      if (moved.count !== 1) return UNCHANGED;
      return tx.stepAttempt.create({
        data: {
          tenantId: run.tenantId,
          workspaceId: run.workspaceId,
          runId: run.id,
          stepRunId: state.id,
          attempt,
          idempotencyKey: key,
          input: json(input),
          workerId: deps.config.workerId,
          startedAt: now,
        },
        // Only what the driver needs back: the input it just wrote is not read again.
        select: { id: true, startedAt: true },
      });
    },
    {
      ...starting,
      version: run.version,
      stepId: step.id,
      events: {
        run,
        list: [...startEvents, { type: 'step.started', stepId: step.id, payload: { attempt, input, idempotencyKey: key } }],
        at: now,
      },
    },
  );
  if (attemptRow === UNCHANGED) {
    updates.forget();
    return false;
  }
  updates.step(step.id, change as Partial<StepRun>);
  const controller = new AbortController();
  const findAgent = (name: string): Promise<Agent | null> =>
    deps.res.db.prisma.agent.findFirst({ where: { tenantId: run.tenantId, workspaceId: run.workspaceId, name, deletedAt: null } });
  const scope: AttemptScope = {
    deps,
    run,
    step,
    state,
    started: { id: attemptRow.id, attempt, startedAt: attemptRow.startedAt },
    write,
    updates,
    findAgent,
  };
  const done = (async () => {
    let outcome: Outcome;
    try {
      const result = await runAttempt(step, input, {
        runId: run.id,
        attempt,
        idempotencyKey: key,
        data,
        signal: controller.signal,
        caller: deps.caller,
        transforms: deps.transforms,
        // Only the call opens the agent's secret; retry policies read the row as stored.
        findAgent: async (name) => {
          const agent = await findAgent(name);
          return agent && withCredentials(deps.res.secrets, agent);
        },
      });
      outcome = { ok: true, ...result };
    } catch (error) {
      outcome = { ok: false, failure: classify(error), aborted: controller.signal.aborted };
    }
    await recordOutcome(scope, outcome);
  })().finally(() => {
    inflight.delete(step.id);
    kick();
  });
  inflight.set(step.id, { controller, done });
  return true;
}

/**
 * The agent with its credentials opened into `authConfig`, where the agent clients read them.
 * A secret that cannot be opened fails the attempt for good, saying why by key id only.
 */
function withCredentials(secrets: SecretBox, agent: Agent): Agent {
  // An agent that is not called needs no credentials (and its own failure says why).
  if (agent.status !== 'ACTIVE') return agent;
  try {
    return { ...agent, authConfig: openAgentSecret(secrets, agent) as Prisma.JsonValue, authSecret: null };
  } catch (error) {
    if (!(error instanceof SecretsError)) throw error;
    const message = `the credentials of agent "${agent.name}" cannot be used: ${error.message}`;
    throw new AttemptFailureError({ message, kind: 'config', statusCode: null, body: null, retryable: false, retryAfterMs: null });
  }
}

type Outcome =
  | { ok: true; output: unknown; logs: { level: string; message: string; data?: unknown }[]; statusCode: number | null }
  | { ok: false; failure: AttemptFailure; aborted: boolean };

/** One attempt being recorded: what it belongs to and how to write. */
interface AttemptScope {
  deps: EngineDeps;
  run: Run;
  step: Step;
  /** The step as read when the attempt started. */
  state: StepRun;
  started: { id: string; attempt: number; startedAt: Date };
  write: Write;
  updates: ViewUpdates;
  findAgent: (name: string) => Promise<Agent | null>;
}

/**
 * Records an outcome, never dropping it silently: an outcome the database cannot store (NUL
 * characters, past the size cap) becomes a failed attempt saying so; transient database
 * failures are retried for as long as the lease can be ours (by the writer); an outcome the
 * database refuses for another reason is recorded as a failed attempt with that reason. Only a
 * lost lease, or a database unreachable until the lease may have lapsed, records nothing: the
 * step is then delivered again with the same key, and counts as interrupted.
 */
async function recordOutcome(scope: AttemptScope, outcome: Outcome): Promise<void> {
  const { deps, run, step, started } = scope;
  if (outcome.ok) {
    const problem = checkStorable(outcome.output, deps.config.maxOutputBytes);
    if (problem) outcome = { ok: false, failure: problem, aborted: false };
  }
  try {
    await finishAttempt(scope, outcome);
    return;
  } catch (error) {
    scope.updates.forget();
    if (error instanceof LeaseLostError || error instanceof RunChangedError) return;
    const cause = describeDbError(error);
    deps.res.logger.error({ err: cause, runId: run.id, stepId: step.id }, 'recording a step outcome failed');
    if (cause.transient) return;
    const failure: AttemptFailure = {
      message: `the outcome of attempt ${started.attempt} could not be stored (${cause.name}${cause.code ? ` ${cause.code}` : ''}); the step was not executed again`,
      kind: 'unrecordable',
      statusCode: null,
      body: null,
      retryable: false,
      retryAfterMs: null,
    };
    try {
      await finishAttempt(scope, { ok: false, failure, aborted: false });
    } catch (again) {
      // The orphan path delivers the step again (same key) and counts it against STEP_MAX_INTERRUPTIONS.
      if (!(again instanceof LeaseLostError))
        deps.res.logger.error({ err: describeDbError(again), runId: run.id, stepId: step.id }, 'recording the failure failed too');
    }
  }
}

/**
 * Records how an attempt ended. Conditional on the step still RUNNING this attempt, so an
 * outcome that arrives after a cancel (or after another claim took over) changes nothing.
 */
async function finishAttempt(scope: AttemptScope, outcome: Outcome): Promise<void> {
  const { deps, run, step, state, started, write, updates, findAgent } = scope;
  const now = deps.res.clock.now();
  const { attempt } = started;
  const durationMs = Math.max(0, now.getTime() - started.startedAt.getTime());
  const current = { id: state.id, status: 'RUNNING', attempt };
  /** Writes the step's change and its attempt's, both conditional on the step still running this attempt. */
  const record = async (
    change: Prisma.StepRunUpdateManyMutationInput,
    attemptChange: Prisma.StepAttemptUpdateManyMutationInput,
    events: NewRunEvent[],
  ) => {
    const result = await write(
      'step.finish',
      async (tx) => {
        const changed = await tx.stepRun.updateMany({ where: current, data: change });
        if (changed.count !== 1) return UNCHANGED;
        await tx.stepAttempt.updateMany({ where: { id: started.id }, data: attemptChange });
        return undefined;
      },
      { stepId: step.id, events: { run, list: events, at: now } },
    );
    if (result === UNCHANGED) updates.forget();
    else updates.step(step.id, change as Partial<StepRun>);
  };
  if (outcome.ok) {
    const { output } = outcome;
    const events: NewRunEvent[] = outcome.logs.map((log) => ({
      type: 'step.log',
      stepId: step.id,
      payload: { ...(cleanValue(log) as Record<string, unknown>), attempt },
    }));
    events.push({ type: 'step.completed', stepId: step.id, payload: { attempt, output, durationMs } });
    await record(
      { status: 'COMPLETED', output: json(output), error: json(null), completedAt: now },
      { status: 'SUCCEEDED', output: json(output), statusCode: outcome.statusCode, finishedAt: now, durationMs },
      events,
    );
    return;
  }
  // Aborted by this driver: whoever made it stop (a cancel, a failed sibling, a shutdown or a
  // lost lease) has recorded, or will record, what became of the step.
  if (outcome.aborted && outcome.failure.kind === 'aborted') {
    updates.forget();
    return;
  }
  const failure = {
    ...outcome.failure,
    message: cleanText(outcome.failure.message),
    body: outcome.failure.body && cleanText(outcome.failure.body),
  };
  const error = { ...failure, attempt };
  const policy = await policyFor(step, { findAgent });
  // Failed attempts of this execution count against its retries: retryRun raises retryBase.
  const failures =
    (await deps.res.db.prisma.stepAttempt.count({ where: { stepRunId: state.id, status: 'FAILED', attempt: { gt: state.retryBase } } })) +
    1;
  const optedIn = failure.statusCode !== null && (step.retry?.retryOn ?? []).includes(failure.statusCode);
  const retry = shouldRetry(policy, failures, failure.retryable || optedIn);
  const retryAt = retry ? new Date(now.getTime() + retryDelayMs(policy, failures, deps.random, failure.retryAfterMs)) : null;
  // Without a reply the agent may have done the work: the retry keeps the key so the agent can
  // tell. A reply that says it failed makes the retry a new execution with a new key.
  const keepKey = failure.kind === 'network' || failure.kind === 'timeout';
  await record(
    {
      ...(retry ? { status: 'PENDING', error, nextAttemptAt: retryAt } : { status: 'FAILED', error, completedAt: now }),
      ...(keepKey ? {} : { deliveryKey: null }),
    },
    { status: 'FAILED', error, statusCode: failure.statusCode, finishedAt: now, durationMs, retryAt },
    [
      retry
        ? { type: 'step.retry_scheduled', stepId: step.id, payload: { attempt, error, retryAt: retryAt?.toISOString() } }
        : { type: 'step.failed', stepId: step.id, payload: { attempt, error } },
    ],
  );
}
