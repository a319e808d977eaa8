import type { StatusCounts } from './analytics.ts';
import { isUniqueViolation, jsonInput, type Prisma, type Run, type RunEvent, type StepAttempt, type StepRun } from '../db/models.ts';
import { appendEvents, type Tx } from '../db/run-events.ts';
import type { WorkflowDefinition } from './definition/schema.ts';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from './errors.ts';
import type { OffsetPage } from './offset-page.ts';
import { type Connection, type KeysetOrder, type PageArgs, paginate, type RelationQuery } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { checkRunInput } from './run-input.ts';
import { type RunLogEntry, type RunLogQuery, readRunLogs } from './run-logs.ts';
import {
  listRunPage,
  RUN_WORKFLOW_SELECT,
  type RunPageQuery,
  type RunWithWorkflow,
  type StepExecution,
  stepExecutions,
} from './run-queries.ts';
import { cancellable, rerunnable, retryable } from './run-capabilities.ts';
import { createRunConsole } from './run-console.ts';
import { listRuns } from './run-list.ts';
import { insertRerun } from './run-rerun.ts';
import { cancelRunInTx, insertRun } from './run-writes.ts';
import { parseInput } from './schemas/issues.ts';
import { nulIssue } from './storable-json.ts';
import { parseRunFilter, runFilterWhere } from './run-filter.ts';
import { cancelSchema, type ExecuteInput, executeSchema, type RunFilter } from './schemas/run.ts';
import { isTerminalRun, type RunStatus, type RunTrigger } from './statuses.ts';
import type { WorkflowLookup, WorkflowService } from './workflows.ts';

/** Extra facts about how a run was started (schedules, retries). */
export interface ExecuteOptions {
  triggeredBy?: RunTrigger;
  scheduleId?: string | null;
  triggeredByUser?: string | null;
  /**
   * Run this version of the workflow rather than its current one: a caller that just wrote a
   * definition runs what it wrote even if another write made a newer version meanwhile.
   */
  versionId?: string | null;
}

/** Options of a cancel or retry. */
export interface TransitionOptions {
  /**
   * Runs inside the transition's transaction, after the run's row changed: whatever it writes
   * commits with the transition, and throwing from it rolls the transition back (a bulk
   * operation records the run's outcome here, so a run is never transitioned twice for it).
   */
  within?: (tx: Tx, before: Run) => Promise<void>;
}

/**
 * A page of runs that can also count every status under its filter (ignoring the status part),
 * when asked, and says when it was read (`readAt`: taken before the page and its counts were read).
 */
export type RunConnection = Connection<Run> & { statusCounts: () => Promise<StatusCounts>; readAt: Date };

/** Runs: starting, reading, cancelling, retrying, re-running and signalling. Scoped by principal. */
export function createRunService(res: Resources, workflows: WorkflowService) {
  const db = res.db.prisma;

  async function definitionOf(versionId: string): Promise<WorkflowDefinition> {
    const version = await db.workflowVersion.findUniqueOrThrow({ where: { id: versionId }, select: { definition: true } });
    return version.definition as unknown as WorkflowDefinition;
  }

  function deadline(timeoutSeconds: number | null, now: Date): Date | null {
    return timeoutSeconds ? new Date(now.getTime() + timeoutSeconds * 1000) : null;
  }

  const service = {
    /**
     * Starts a run of the workflow's current version. The run, its steps and its first event
     * are committed before this returns; a repeated idempotency key returns the first run.
     */
    async execute(principal: Principal, lookup: WorkflowLookup, raw: ExecuteInput, options: ExecuteOptions = {}): Promise<Run> {
      return (await service.start(principal, lookup, raw, options)).run;
    },

    /**
     * {@link execute}, also saying whether this call created the run (false when an idempotency
     * key replayed an earlier request), so a client can tell a replay from a new run.
     */
    async start(
      principal: Principal,
      lookup: WorkflowLookup,
      raw: ExecuteInput,
      options: ExecuteOptions = {},
    ): Promise<{ run: Run; created: boolean }> {
      const data = parseInput(executeSchema, raw);
      const key = data.idempotencyKey ?? null;
      if (key) {
        const existing = await db.run.findFirst({ where: { tenantId: principal.tenantId, idempotencyKey: key } });
        if (existing) return { run: await service.sameRequest(principal, existing, lookup), created: false };
      }
      const workflow = await workflows.getLive(principal, lookup);
      if (workflow.status !== 'ACTIVE' || !workflow.currentVersionId) {
        throw new InvalidStateError(
          `Workflow "${workflow.name}" is ${workflow.status}; only ACTIVE workflows can be executed`,
          workflow.status,
          { entity: 'Workflow', id: workflow.id, action: 'execute' },
        );
      }
      const pinned = options.versionId
        ? await db.workflowVersion.findFirst({ where: { id: options.versionId, workflowId: workflow.id } })
        : null;
      if (options.versionId && !pinned) throw new NotFoundError('WorkflowVersion', `"${options.versionId}"`);
      const definition = pinned ? (pinned.definition as unknown as WorkflowDefinition) : await definitionOf(workflow.currentVersionId);
      const checked = checkRunInput(definition, data.input ?? {});
      const issues = [...nulIssue('input', data.input), ...checked.issues];
      if (issues.length > 0) throw new ValidationError(issues);
      const now = res.clock.now();
      try {
        const run = await db.$transaction((tx) =>
          insertRun(
            tx,
            {
              ...inScope(principal),
              workflowId: workflow.id,
              workflowVersionId: pinned?.id ?? (workflow.currentVersionId as string),
              workflowKey: workflow.key,
              workflowName: workflow.name,
              version: pinned?.version ?? workflow.currentVersion,
              definition,
              inputs: checked.input,
              triggeredBy: options.triggeredBy ?? 'API',
              // Who signed in wins over what a body claims; without authentication the body is all there is.
              triggeredByUser: principal.userId ?? options.triggeredByUser ?? null,
              scheduleId: options.scheduleId ?? null,
              idempotencyKey: key,
              timeoutSeconds: workflow.timeoutSeconds,
              conversationId: data.conversationId ?? null,
              userId: data.userId ?? null,
            },
            now,
          ),
        );
        res.notifier.wake();
        res.notifier.eventsAppended(run.id);
        return { run, created: true };
      } catch (error) {
        // Two requests with one key raced; the loser answers with the winner's run.
        if (key && isUniqueViolation(error)) {
          const winner = await db.run.findFirst({ where: { tenantId: principal.tenantId, idempotencyKey: key } });
          if (winner) return { run: await service.sameRequest(principal, winner, lookup), created: false };
        }
        throw error;
      }
    },

    /** An idempotency key names one request: reusing it for another workflow is a conflict. */
    async sameRequest(principal: Principal, run: Run, lookup: WorkflowLookup): Promise<Run> {
      const workflow = await workflows.get(principal, lookup).catch(() => null);
      if (run.workspaceId !== principal.workspaceId || (workflow && workflow.id !== run.workflowId)) {
        throw new ConflictError(
          'This idempotency key was already used for another run; use a new key for a different request',
          'idempotencyKey',
        );
      }
      return run;
    },

    /** One run by id. */
    async get(principal: Principal, id: string): Promise<Run> {
      const run = await db.run.findFirst({ where: { ...inScope(principal), id } });
      if (!run) throw new NotFoundError('Run', `"${id}"`);
      return run;
    },

    /** Runs, newest first unless ordered otherwise, keyset-paginated. */
    async list(
      principal: Principal,
      rawFilter: RunFilter,
      order: KeysetOrder,
      page: PageArgs,
      query?: RelationQuery,
    ): Promise<RunConnection> {
      const filter = parseRunFilter(rawFilter);
      // Before the reads: a live feed resuming from here misses nothing committed after them.
      const readAt = res.clock.now();
      const connection = await listRuns(res.db, principal, rawFilter, order, page, query);
      // Facets (tab badges) count every status under the other filters, so the status filter is left out.
      const facetWhere = { ...inScope(principal), ...runFilterWhere({ ...filter, status: null }) };
      return { ...connection, readAt, statusCounts: () => service.dashboard.statusCounts(facetWhere) };
    },

    /** Run console reads (step counts, log pages, lineage roots, facets, activity), each for many runs at once. */
    dashboard: createRunConsole(res),

    /** One run by id, with its workflow's key and name. */
    async getWithWorkflow(principal: Principal, id: string): Promise<RunWithWorkflow> {
      const run = await db.run.findFirst({ where: { ...inScope(principal), id }, include: RUN_WORKFLOW_SELECT });
      if (!run) throw new NotFoundError('Run', `"${id}"`);
      return run;
    },

    /** The run as given (e.g. as a cancel or retry left it), with its workflow's key and name. */
    async withWorkflow(run: Run): Promise<RunWithWorkflow> {
      const workflow = await db.workflow.findUniqueOrThrow({ where: { id: run.workflowId }, select: RUN_WORKFLOW_SELECT.workflow.select });
      return { ...run, workflow };
    },

    /** A numbered page of runs, filtered and sorted (the REST dialects' listing). */
    listPage(principal: Principal, query: RunPageQuery): Promise<OffsetPage<RunWithWorkflow>> {
      return listRunPage(res.db, principal, query);
    },

    /** A run's steps as executed, in the order they started (never-started steps last). */
    async stepExecutions(principal: Principal, runId: string): Promise<StepExecution[]> {
      return stepExecutions(db, await service.get(principal, runId));
    },

    /** A page of a run's log (its events as log entries), in sequence order. */
    async logs(principal: Principal, runId: string, query: RunLogQuery): Promise<OffsetPage<RunLogEntry>> {
      return readRunLogs(db, await service.get(principal, runId), query);
    },

    /** A run's steps, in definition order. */
    async steps(principal: Principal, runId: string): Promise<StepRun[]> {
      const run = await service.get(principal, runId);
      const order = (await definitionOf(run.workflowVersionId)).steps.map((s) => s.id);
      const steps = await db.stepRun.findMany({ where: { runId: run.id } });
      return steps.sort((a, b) => order.indexOf(a.stepId) - order.indexOf(b.stepId));
    },

    /** A step's attempts, oldest first. */
    attempts(stepRunId: string): Promise<StepAttempt[]> {
      return db.stepAttempt.findMany({ where: { stepRunId }, orderBy: { attempt: 'asc' } });
    },

    /** A run's event log after sequence `after`, in order, keyset-paginated by sequence. */
    async events(principal: Principal, runId: string, after: number | null, page: PageArgs): Promise<Connection<RunEvent>> {
      const where = { ...inScope(principal), runId, ...(after != null ? { seq: { gt: after } } : {}) };
      return paginate(db.runEvent, where, { field: 'seq', direction: 'asc' }, page);
    },

    /** Runs re-run from this one. */
    children(principal: Principal, runId: string): Promise<Run[]> {
      return db.run.findMany({ where: { ...inScope(principal), parentRunId: runId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    },

    /**
     * Cancels a PENDING or RUNNING run: no new step starts, waiting steps are cancelled, and
     * the worker running it aborts its in-flight calls when it sees the change.
     */
    async cancel(
      principal: Principal,
      id: string,
      raw: { reason?: string | null; by?: string | null },
      options: TransitionOptions = {},
    ): Promise<Run> {
      const data = parseInput(cancelSchema, raw);
      const now = res.clock.now();
      // A worker starting the run between our read and write is not the caller's problem: read
      // again and cancel the run as it is now (a run that finished meanwhile is reported as such).
      const attempt = () =>
        db.$transaction(async (tx) => {
          const current = await tx.run.findFirst({ where: { ...inScope(principal), id } });
          if (!current) throw new NotFoundError('Run', `"${id}"`);
          if (!cancellable(current.status as RunStatus)) {
            throw new InvalidStateError(
              `Run "${id}" is already ${current.status}; only PENDING or RUNNING runs can be cancelled`,
              current.status,
              { entity: 'Run', id, action: 'cancel' },
            );
          }
          // Conditional on the status read above, so a run finishing meanwhile is not overwritten.
          if (!(await cancelRunInTx(tx, current, data.reason ?? null, principal.userId ?? data.by ?? null, now))) return null;
          await options.within?.(tx, current);
          return tx.run.findUniqueOrThrow({ where: { id } });
        });
      let run = await attempt();
      for (let tries = 1; !run; tries += 1) {
        if (tries >= 5) throw new InvalidStateError(`Run "${id}" kept changing while being cancelled; try again`, 'RUNNING');
        run = await attempt();
      }
      res.notifier.runChanged(id);
      res.notifier.eventsAppended(id);
      return run;
    },

    /**
     * Resumes a FAILED or CANCELLED run from its first incomplete steps: completed steps keep
     * their outputs and are not called again.
     */
    async retry(principal: Principal, id: string, options: TransitionOptions = {}): Promise<Run> {
      const now = res.clock.now();
      const run = await db.$transaction(async (tx) => {
        // The Run row first (this update locks it), as every writer does, so a retry and a
        // worker never deadlock; the version bump makes a driver's stale decision fail its
        // compare-and-set. A second retry racing this one waits here, then sees PENDING.
        const locked = await tx.run.updateMany({ where: { ...inScope(principal), id }, data: { version: { increment: 1 } } });
        if (locked.count !== 1) throw new NotFoundError('Run', `"${id}"`);
        const current = await tx.run.findUniqueOrThrow({ where: { id }, include: { workflow: { select: { timeoutSeconds: true } } } });
        if (!retryable(current.status as RunStatus)) {
          throw new InvalidStateError(`Run "${id}" is ${current.status}; only FAILED or CANCELLED runs can be retried`, current.status, {
            entity: 'Run',
            id,
            action: 'retry',
          });
        }
        const reset = await tx.stepRun.findMany({
          where: { runId: id, status: { in: ['FAILED', 'CANCELLED'] } },
          select: { id: true, stepId: true, attempt: true },
        });
        for (const step of reset) {
          await tx.stepRun.update({
            where: { id: step.id },
            // A deliberate new execution: a new idempotency key, and a fresh retry budget
            // (attempts numbered above retryBase count against it).
            data: {
              status: 'PENDING',
              error: jsonInput(null),
              nextAttemptAt: null,
              completedAt: null,
              startedAt: null,
              deliveryKey: null,
              retryBase: step.attempt,
            },
          });
        }
        await tx.run.update({
          where: { id },
          data: {
            status: 'PENDING',
            runnableAt: now,
            deadlineAt: deadline(current.workflow.timeoutSeconds, now),
            completedAt: null,
            durationMs: null,
            cancelledAt: null,
            cancelledBy: null,
            cancelReason: null,
            error: jsonInput(null),
            outputs: jsonInput(null),
          },
        });
        await appendEvents(
          tx,
          current,
          [{ type: 'run.retried', payload: { previousStatus: current.status, steps: reset.map((s) => s.stepId) } }],
          now,
        );
        await options.within?.(tx, current);
        return tx.run.findUniqueOrThrow({ where: { id } });
      });
      res.notifier.runChanged(id);
      res.notifier.eventsAppended(id);
      return run;
    },

    /**
     * Starts a new run, linked to `runId` as its parent, that reuses the parent's outputs for
     * every step not downstream of `stepId` and executes `stepId` and everything after it again.
     * `inputPatch` is merged over the parent's input (it reaches only re-executed steps).
     */
    async rerunFromStep(
      principal: Principal,
      runId: string,
      stepId: string,
      inputPatch: Record<string, unknown> | null | undefined,
    ): Promise<Run> {
      const parent = await service.get(principal, runId);
      if (!rerunnable(parent.status as RunStatus)) {
        throw new InvalidStateError(
          `Run "${runId}" is ${parent.status}; wait for it to finish (or cancel it) before re-running it`,
          parent.status,
        );
      }
      const definition = await definitionOf(parent.workflowVersionId);
      if (!definition.steps.some((s) => s.id === stepId)) {
        throw new ValidationError([{ path: 'stepId', message: `run "${runId}" has no step "${stepId}"` }]);
      }
      if (inputPatch != null && (typeof inputPatch !== 'object' || Array.isArray(inputPatch))) {
        throw new ValidationError([{ path: 'inputPatch', message: 'must be an object' }]);
      }
      const patchIssues = nulIssue('inputPatch', inputPatch);
      if (patchIssues.length > 0) throw new ValidationError(patchIssues);
      const parentSteps = await db.stepRun.findMany({ where: { runId } });
      const inputs = { ...(parent.inputs as Record<string, unknown>), ...(inputPatch ?? {}) };
      const checked = checkRunInput(definition, inputs);
      if (checked.issues.length > 0) throw new ValidationError(checked.issues);
      const {
        timeoutSeconds,
        key: workflowKey,
        name: workflowName,
      } = await db.workflow.findUniqueOrThrow({
        where: { id: parent.workflowId },
        select: { timeoutSeconds: true, key: true, name: true },
      });
      const now = res.clock.now();
      const run = await db.$transaction((tx) =>
        insertRerun(
          tx,
          principal,
          { parent, parentSteps, definition, stepId, input: checked.input, timeoutSeconds, workflowKey, workflowName },
          now,
        ),
      );
      res.notifier.wake();
      res.notifier.eventsAppended(run.id);
      return run;
    },

    /** Delivers an external signal to a `wait` step; its payload becomes the step's output. */
    async signal(principal: Principal, runId: string, stepId: string, payload: unknown): Promise<Run> {
      const payloadIssues = nulIssue('payload', payload);
      if (payloadIssues.length > 0) throw new ValidationError(payloadIssues);
      const now = res.clock.now();
      const run = await db.$transaction(async (tx) => {
        // The Run row first, as every writer does (see retry); the version bump makes a driver
        // that decided to time this wait out, or to park the run, decide again.
        const locked = await tx.run.updateMany({
          where: { ...inScope(principal), id: runId },
          data: { version: { increment: 1 }, runnableAt: now },
        });
        if (locked.count !== 1) throw new NotFoundError('Run', `"${runId}"`);
        const current = await tx.run.findUniqueOrThrow({ where: { id: runId } });
        const step = await tx.stepRun.findFirst({ where: { runId, stepId } });
        if (!step) throw new NotFoundError('Step', `"${stepId}" of run "${runId}"`);
        if (step.stepType !== 'wait' || step.status !== 'WAITING' || isTerminalRun(current.status as RunStatus)) {
          throw new InvalidStateError(
            `Step "${stepId}" is not waiting for a signal (it is a ${step.stepType} step, ${step.status}; the run is ${current.status})`,
            step.status,
          );
        }
        const changed = await tx.stepRun.updateMany({
          where: { id: step.id, status: 'WAITING' },
          data: { status: 'COMPLETED', output: (payload ?? null) as Prisma.InputJsonValue, completedAt: now, nextAttemptAt: null },
        });
        if (changed.count !== 1) throw new InvalidStateError(`Step "${stepId}" stopped waiting meanwhile`, step.status);
        await appendEvents(
          tx,
          current,
          [
            { type: 'step.signalled', stepId, payload: { payload: payload ?? null } },
            { type: 'step.completed', stepId, payload: { output: payload ?? null } },
          ],
          now,
        );
        return tx.run.findUniqueOrThrow({ where: { id: runId } });
      });
      res.notifier.runChanged(runId);
      res.notifier.eventsAppended(runId);
      return run;
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type RunService = ReturnType<typeof createRunService>;
