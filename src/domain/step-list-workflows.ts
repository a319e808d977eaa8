/**
 * Workflows described as a v002 "steps list" (`steps` with names, `step_type`, `step_order`,
 * `depends_on_steps` by name, plus `variables`): creating them with every problem named at
 * once, validating one without saving it, listing them with the filters their callers use,
 * and the built-in templates in that shape. The definition itself goes through the one
 * converter and validator every workflow uses (definition/legacy-v002.ts).
 */
import { slugStepId } from './definition/legacy-v002.ts';
import type { Issue } from './definition/schema.ts';
import { toV002, type V002Definition } from './definition/to-v002.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { type OffsetPage, offsetPage } from './offset-page.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { WORKFLOW_TEMPLATES, type WorkflowTemplate } from './templates.ts';
import type { WorkflowAtVersion, WorkflowService, WorkflowWithVersion } from './workflows.ts';

/** A workflow to create from a steps list (what the v002 API posts, defaults applied). */
export interface StepListCreateInput {
  name: string;
  description?: string | null;
  /** `{ steps, variables, outputs? }`, stored as the version's source. */
  definition: { steps: unknown[]; variables?: unknown[]; outputs?: Record<string, unknown> };
  metadata?: Record<string, unknown> | null;
  config?: Record<string, unknown> | null;
  projectId?: string | null;
  timeoutSeconds?: number | null;
  maxRetries?: number | null;
}

/** One problem with a steps list, with the step it concerns when there is one. */
export interface StepListIssue {
  path: string;
  message: string;
  /** The canonical id of the step (what runs call it). */
  stepId: string | null;
  /** The step's name as posted. */
  stepName: string | null;
}

/** The result of validating a steps list without saving it. */
export interface StepListCheck {
  valid: boolean;
  issues: StepListIssue[];
}

/** Filters of a page of workflows; DELETED ones are never listed. */
export interface StepListPageFilter {
  /** Only workflows carrying this project id. */
  projectId?: string | null;
  /** true: ACTIVE only; false: INACTIVE or ARCHIVED only; null: both. */
  active?: boolean | null;
}

/** A built-in template in the v002 shape, ready to be posted as a new workflow. */
export interface StepListTemplate {
  template: WorkflowTemplate;
  definition: V002Definition;
}

/** The name each step was posted with, by the canonical id it became. */
function namesById(steps: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(steps)) return out;
  for (const step of steps) {
    const name = typeof step === 'object' && step !== null ? (step as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') continue;
    // fromV002 keeps valid ids verbatim and slugs the others.
    for (const id of [name, slugStepId(name)]) if (!out.has(id)) out.set(id, name);
  }
  return out;
}

function located(issues: readonly Issue[], steps: unknown): StepListIssue[] {
  const names = namesById(steps);
  return issues.map((issue) => ({
    path: issue.path,
    message: issue.message,
    stepId: issue.stepId ?? null,
    stepName: issue.stepId === undefined ? null : (names.get(issue.stepId) ?? null),
  }));
}

/** Steps-list workflows, scoped by principal. */
export function createStepListService(res: Resources, workflows: WorkflowService) {
  const db = res.db.prisma;

  async function atCurrent(workflowId: string): Promise<WorkflowAtVersion> {
    const workflow = await db.workflow.findUniqueOrThrow({ where: { id: workflowId }, include: { latestVersion: true } });
    const { latestVersion, ...row } = workflow;
    if (!latestVersion) throw new Error(`workflow ${workflowId} has no current version`);
    return { workflow: row, version: latestVersion };
  }

  const service = {
    /**
     * Creates a workflow (version 1) from a steps list. A refusal is one ValidationError whose
     * message names every problem (`Workflow validation failed: ...`), its paths relative to
     * the posted document.
     */
    async create(principal: Principal, input: StepListCreateInput): Promise<WorkflowAtVersion> {
      try {
        const created = await workflows.create(principal, {
          name: input.name,
          description: input.description,
          definition: input.definition,
          format: 'v002',
          metadata: input.metadata,
          config: input.config,
          projectId: input.projectId,
          timeoutSeconds: input.timeoutSeconds,
          maxRetries: input.maxRetries,
        });
        return await atCurrent(created.id);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        // The steps list is the posted document itself, not a `definition` field inside it.
        const issues = error.issues.map((i) => ({ ...i, path: i.path.replace(/^definition\.?/, '') }));
        const message = `Workflow validation failed: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;
        throw new ValidationError(issues, message);
      }
    },

    /** Validates a steps list as {@link create} would (agents included) without saving anything. */
    async check(principal: Principal, definition: StepListCreateInput['definition']): Promise<StepListCheck> {
      const result = await workflows.validate(principal, definition, 'v002');
      return { valid: result.definition !== null && result.issues.length === 0, issues: located(result.issues, definition.steps) };
    },

    /** A live workflow named by its id (or one of its version ids); a deleted one is not found. */
    async getLive(principal: Principal, id: string): Promise<WorkflowAtVersion> {
      const found = await workflows.resolve(principal, id);
      if (found.workflow.deletedAt) throw new NotFoundError('Workflow', `"${id}"`);
      return found;
    },

    /** One page of live workflows with their current versions, oldest first, and the total. */
    async page(principal: Principal, filter: StepListPageFilter, offset: number, limit: number): Promise<OffsetPage<WorkflowWithVersion>> {
      const statuses = filter.active == null ? ['ACTIVE', 'INACTIVE', 'ARCHIVED'] : filter.active ? ['ACTIVE'] : ['INACTIVE', 'ARCHIVED'];
      const where = {
        ...inScope(principal),
        deletedAt: null,
        status: { in: statuses },
        ...(filter.projectId != null ? { projectId: filter.projectId } : {}),
      };
      const page = await offsetPage(db.workflow, where, [{ createdAt: 'asc' }], offset, limit, { latestVersion: true });
      // The include adds latestVersion to every row, which offsetPage's row type cannot see.
      return page as OffsetPage<WorkflowWithVersion>;
    },

    /** The built-in templates, each as a steps list that {@link create} accepts unchanged. */
    templates(): StepListTemplate[] {
      return WORKFLOW_TEMPLATES.map((template) => ({ template, definition: toV002(template.definition) }));
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type StepListService = ReturnType<typeof createStepListService>;
