// Read models of runs for the numbered-page REST dialects: runs with their workflow, a filtered
// and sorted page of them, and a run's step executions in the order they started.
import { z } from 'zod';
import type { Database, Db } from '../db/database.ts';
import { listSource, type ModelMeta, scalarSelect } from '../db/sql-reads.ts';
import type { Run, StepRun } from '../db/models.ts';
import type { WorkflowDefinition } from './definition/schema.ts';
import { type OffsetPage, offsetPage } from './offset-page.ts';
import { inScope, type Principal } from './principal.ts';
import { parseRunFilter, runFilterWhere, workflowIdsWithKey } from './run-filter.ts';
import { parseInput } from './schemas/issues.ts';
import { RUN_STATUSES } from './statuses.ts';

/** A run with the key, name and current version of its workflow (which REST run objects show). */
export type RunWithWorkflow = Run & { workflow: { key: string; name: string; currentVersionId: string | null } };

/** The workflow fields {@link RunWithWorkflow} carries. */
export const RUN_WORKFLOW_SELECT = { workflow: { select: { key: true, name: true, currentVersionId: true } } } as const;

/** Columns a run page may be sorted by. */
export const RUN_SORT_FIELDS = ['createdAt', 'updatedAt', 'completedAt', 'status'] as const;

/** Filters, sort and window of a numbered page of runs. */
export const runPageSchema = z.object({
  status: z.enum(RUN_STATUSES).nullish(),
  /** The workflow's key (stable across versions), not its id. */
  workflowKey: z.string().min(1).nullish(),
  /** One version of a workflow; a workflow's own id names its current version. */
  workflowVersionId: z.string().min(1).nullish(),
  createdAfter: z.date().nullish(),
  createdBefore: z.date().nullish(),
  sortBy: z.enum(RUN_SORT_FIELDS).default('createdAt'),
  sortOrder: z.enum(['asc', 'desc']).default('desc'),
  offset: z.int().min(0).default(0),
  limit: z.int().min(1).max(100).default(20),
});
export type RunPageQuery = z.input<typeof runPageSchema>;

/**
 * One numbered page of the principal's runs, filtered and sorted. Every order is total: a
 * nullable completion time sorts its nulls last whichever the direction or database, and
 * ties (same status, same instant) fall back to creation time and then id.
 */
export async function listRunPage(database: Database, principal: Principal, raw: RunPageQuery): Promise<OffsetPage<RunWithWorkflow>> {
  const db = database.prisma;
  const runModel = database.models.get('Run') as ModelMeta;
  const query = parseInput(runPageSchema, raw);
  const filter = parseRunFilter({
    status: query.status ? [query.status] : null,
    createdAfter: query.createdAfter,
    createdBefore: query.createdBefore,
  });
  const where = {
    ...inScope(principal),
    ...runFilterWhere(filter),
    ...(query.workflowKey ? { workflowId: await workflowIdsWithKey(db, principal, query.workflowKey) } : {}),
    ...(query.workflowVersionId ? { workflowVersionId: await versionNamed(db, principal, query.workflowVersionId) } : {}),
  };
  const direction = query.sortOrder;
  const orderBy =
    query.sortBy === 'completedAt'
      ? [{ completedAt: { sort: direction, nulls: 'last' } }, { createdAt: direction }]
      : query.sortBy === 'status'
        ? [{ status: direction }, { createdAt: 'desc' }]
        : [{ [query.sortBy]: direction }];
  // The hot REST listing: runs by the fast reads (every scalar column, statement reused), then
  // the page's workflows by id, instead of Prisma's include (which Prisma compiles every time).
  const runs = listSource<Run>(database.reader, runModel, db.run);
  const page = await offsetPage(runs, where, orderBy, query.offset, query.limit, undefined, scalarSelect(runModel));
  const ids = [...new Set(page.items.map((run) => run.workflowId))];
  const workflows = await listSource<{ id: string; key: string; name: string; currentVersionId: string | null }>(
    database.reader,
    database.models.get('Workflow'),
    db.workflow,
  ).findMany({
    where: { id: { in: ids } },
    orderBy: [],
    take: ids.length,
    select: { id: true, key: true, name: true, currentVersionId: true },
  });
  const byId = new Map(workflows.map((w) => [w.id, { key: w.key, name: w.name, currentVersionId: w.currentVersionId }]));
  return {
    total: page.total,
    items: page.items.map((run) => ({ ...run, workflow: byId.get(run.workflowId) ?? { key: '', name: '', currentVersionId: null } })),
  };
}

/**
 * The version an id names for a run filter: a workflow's own id is how seed 004 shows its
 * current version (the id stays across updates), any other id is a version's own.
 */
async function versionNamed(db: Database['prisma'], principal: Principal, id: string): Promise<string> {
  const workflow = await db.workflow.findFirst({ where: { ...inScope(principal), id }, select: { currentVersionId: true } });
  return workflow?.currentVersionId ?? id;
}

/** One step of a run as executed: its state, its definition's name and agent, and its latest input. */
export interface StepExecution {
  step: StepRun;
  /** The step's name in the definition, else its id. */
  name: string;
  /** The agent an `agent` step calls; null for other step types. */
  agentName: string | null;
  /** The resolved input of the latest attempt (or the input a re-run reused). */
  input: unknown;
}

/**
 * A run's steps, ordered by when they started; steps that never started come last, in
 * definition order. `runId` must already be known to be visible to the caller.
 */
export async function stepExecutions(db: Db, run: Run): Promise<StepExecution[]> {
  const [version, steps, attempts] = await Promise.all([
    db.workflowVersion.findUniqueOrThrow({ where: { id: run.workflowVersionId }, select: { definition: true } }),
    db.stepRun.findMany({ where: { runId: run.id } }),
    db.stepAttempt.findMany({ where: { runId: run.id }, select: { stepRunId: true, attempt: true, input: true } }),
  ]);
  const definition = version.definition as unknown as WorkflowDefinition;
  const position = new Map(definition.steps.map((s, i) => [s.id, i]));
  const latest = new Map<string, { attempt: number; input: unknown }>();
  for (const a of attempts) if ((latest.get(a.stepRunId)?.attempt ?? 0) < a.attempt) latest.set(a.stepRunId, a);
  const started = (s: StepRun) => s.startedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const ordered = [...steps].sort((a, b) => started(a) - started(b) || (position.get(a.stepId) ?? 0) - (position.get(b.stepId) ?? 0));
  return ordered.map((step) => {
    const spec = definition.steps.find((s) => s.id === step.stepId);
    return {
      step,
      name: spec?.name ?? step.stepId,
      agentName: spec?.type === 'agent' ? spec.agent : null,
      input: latest.get(step.id)?.input ?? step.input ?? null,
    };
  });
}
