// Workflow instances, as callers of a "submit a configuration, watch it, stop it" API see them
// (seed 001's /workflows): a submitted configuration is the named workflow's definition, and the
// instance it starts at once is a run of exactly that definition.
import { z } from 'zod';
import type { Run, StepRun } from '../db/models.ts';
import type { WorkflowDefinition } from './definition/schema.ts';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from './errors.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import type { RunService } from './runs.ts';
import { parseInput } from './schemas/issues.ts';
import type { StepStatus } from './statuses.ts';
import type { WorkflowService } from './workflows.ts';

/** A configuration to run: the workflow's name, its definition in any accepted shape, and the run's input. */
export const submitInstanceSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(255),
  description: z.string().max(5000).nullish(),
  /** Canonical `{steps, inputs, outputs, entry}` or a legacy shape (v004 chain, v003 nodes, v002 steps list). */
  definition: z.unknown(),
  input: z.record(z.string(), z.unknown()).nullish(),
});
export type SubmitInstanceInput = z.input<typeof submitInstanceSchema>;

/** How far an instance's steps have got, counted by status. */
export interface InstanceProgress {
  total: number;
  /** COMPLETED steps, and SKIPPED ones (a branch not taken is done). */
  done: number;
  failed: number;
  cancelled: number;
  /** RUNNING or WAITING (on a timer or a signal). */
  active: number;
  pending: number;
}

/** An instance (a run) as its status shows it. */
export interface InstanceStatus {
  run: Run;
  workflow: { key: string; name: string };
  /** The version number of the definition the run executes. */
  version: number;
  /** Every step of the run, in the definition's order. */
  steps: StepRun[];
  progress: InstanceProgress;
  /** Steps executing or waiting right now. */
  current: string[];
}

const DONE: ReadonlySet<StepStatus> = new Set(['COMPLETED', 'SKIPPED']);
const ACTIVE: ReadonlySet<StepStatus> = new Set(['RUNNING', 'WAITING']);

/** Counts a run's steps by how far they got. */
export function progressOf(steps: readonly StepRun[]): InstanceProgress {
  const count = (test: (status: StepStatus) => boolean) => steps.filter((s) => test(s.status as StepStatus)).length;
  return {
    total: steps.length,
    done: count((s) => DONE.has(s)),
    failed: count((s) => s === 'FAILED'),
    cancelled: count((s) => s === 'CANCELLED'),
    active: count((s) => ACTIVE.has(s)),
    pending: count((s) => s === 'PENDING'),
  };
}

/** Submitting, reading and stopping workflow instances; scoped by principal. */
export function createWorkflowInstanceService(res: Resources, workflows: WorkflowService, runs: RunService) {
  const db = res.db.prisma;

  /** The live workflow of that name in the caller's workspace, if any. */
  const named = (principal: Principal, name: string) =>
    db.workflow.findFirst({ where: { ...inScope(principal), name, deletedAt: null }, select: { id: true, name: true, status: true } });

  const service = {
    /**
     * Submits a configuration and starts it at once. The workspace's live workflow of that name
     * takes the definition (a new version only when it differs from the latest); without one,
     * the workflow is created. The run executes exactly the submitted definition, even if
     * another submission changes the workflow meanwhile. A workflow that is not ACTIVE is
     * refused before anything is written.
     */
    async submit(principal: Principal, raw: SubmitInstanceInput): Promise<Run> {
      const data = parseInput(submitInstanceSchema, raw);
      for (let attempt = 1; ; attempt += 1) {
        const existing = await named(principal, data.name);
        if (existing && existing.status !== 'ACTIVE') {
          throw new InvalidStateError(
            `Workflow "${existing.name}" is ${existing.status}; only ACTIVE workflows can be executed`,
            existing.status,
          );
        }
        try {
          const workflow = existing
            ? await workflows.update(principal, existing.id, { definition: data.definition, description: data.description ?? undefined })
            : await workflows.create(principal, { name: data.name, description: data.description, definition: data.definition });
          return await runs.execute(principal, { id: workflow.id }, { input: data.input }, { versionId: workflow.currentVersionId });
        } catch (error) {
          // The definition's fields sit at the top of a submission, not under `definition`.
          if (error instanceof ValidationError) {
            throw new ValidationError(error.issues.map((i) => ({ ...i, path: i.path.replace(/^definition\.?/, '') })));
          }
          // Two submissions raced to create the name (or to add its next version): take the winner's workflow.
          if (error instanceof ConflictError && attempt < 3) continue;
          throw error;
        }
      }
    },

    /** An instance's status: the run, its workflow, its steps in definition order and their progress. */
    async status(principal: Principal, runId: string): Promise<InstanceStatus> {
      const run = await db.run.findFirst({
        where: { ...inScope(principal), id: runId },
        include: {
          workflow: { select: { key: true, name: true } },
          workflowVersion: { select: { version: true, definition: true } },
          steps: true,
        },
      });
      if (!run) throw new NotFoundError('Run', `"${runId}"`);
      const { workflow, workflowVersion, steps, ...row } = run;
      const order = (workflowVersion.definition as unknown as WorkflowDefinition).steps.map((s) => s.id);
      const ordered = [...steps].sort((a, b) => order.indexOf(a.stepId) - order.indexOf(b.stepId));
      return {
        run: row,
        workflow,
        version: workflowVersion.version,
        steps: ordered,
        progress: progressOf(ordered),
        current: ordered.filter((s) => ACTIVE.has(s.status as StepStatus)).map((s) => s.stepId),
      };
    },

    /** Stops (cancels) a PENDING or RUNNING instance; a finished one is refused with its status. */
    async stop(principal: Principal, runId: string): Promise<InstanceStatus> {
      await runs.cancel(principal, runId, { reason: null, by: null });
      return service.status(principal, runId);
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type WorkflowInstanceService = ReturnType<typeof createWorkflowInstanceService>;
