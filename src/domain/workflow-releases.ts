/**
 * Workflows as seed 003 (/api/v2/workflows) manages them: definitions in the v003 nodes form
 * (`{nodes: [{id, type, action, input_from, config}], inputs, outputs}`), and a semantic
 * version label ("1.0.0") that names each release. Built on the workflow service: definitions
 * are converted, validated and versioned exactly as everywhere else.
 *
 * Labels and versions: every WorkflowVersion is immutable, so a label names the version it was
 * created with. A changed definition makes a new version that keeps the current label unless
 * a new one is given; a new label alone makes a new version with the same definition (the
 * release history shows both), never a relabelled old one.
 */
import type { Prisma, Workflow, WorkflowVersion } from '../db/models.ts';
import { isPlainObject } from './definition/schema.ts';
import { toNodes } from './parse/index.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import type { WorkflowAtVersion, WorkflowService } from './workflows.ts';

/** The label of a workflow created without one. */
export const DEFAULT_RELEASE_LABEL = '1.0.0';

/** Input of {@link ReleaseService.create}. */
export interface ReleaseCreateInput {
  name: string;
  description?: string | null;
  /** The v003 document (`nodes`, optional `inputs` and `outputs`), stored as posted. */
  definition: unknown;
  /** Semantic version; default {@link DEFAULT_RELEASE_LABEL}. */
  label?: string | null;
  createdBy?: string | null;
}

/** Input of {@link ReleaseService.update}: only given fields change. */
export interface ReleaseUpdateInput {
  name?: string;
  description?: string | null;
  definition?: unknown;
  label?: string;
  /** ACTIVE can be executed; ARCHIVED stays readable but cannot. */
  status?: 'ACTIVE' | 'ARCHIVED';
}

/**
 * The semantic version of a version: its label, else (a version created by an API without
 * labels) `<number>.0.0`, so every version has one and later ones compare higher.
 */
export function releaseLabelOf(version: Pick<WorkflowVersion, 'label' | 'version'>): string {
  return version.label ?? `${version.version}.0.0`;
}

/**
 * A version's definition in the nodes form: as posted when it was posted so (a document
 * wrapped as `{definition: {...}}` unwrapped), else rendered from the canonical definition.
 */
export function nodesSourceOf(version: Pick<WorkflowVersion, 'sourceFormat' | 'source' | 'definition'>): Record<string, unknown> {
  const { source } = version;
  if (version.sourceFormat === 'v003' && isPlainObject(source)) {
    return source.nodes === undefined && isPlainObject(source.definition) ? source.definition : source;
  }
  // No tool list is known here, so agent steps render as `agent` nodes (never `integration`).
  return toNodes(version.definition, new Set()) as unknown as Record<string, unknown>;
}

/** Creating, reading and changing workflows in the v003 shape with semantic version labels. */
export function createReleaseService(res: Resources, workflows: WorkflowService) {
  const db = res.db.prisma;

  /** Makes `label` current: a new version with the current definition, unless it already is. */
  async function relabel(principal: Principal, workflow: Workflow, label: string): Promise<void> {
    await db.$transaction(async (tx) => {
      const current = await tx.workflowVersion.findUniqueOrThrow({ where: { id: workflow.currentVersionId ?? '' } });
      if (releaseLabelOf(current) === label) return;
      const latest = await tx.workflowVersion.findFirst({ where: { workflowId: workflow.id }, orderBy: { version: 'desc' } });
      const number = (latest?.version ?? current.version) + 1;
      const version = await tx.workflowVersion.create({
        data: {
          ...inScope(principal),
          workflowId: workflow.id,
          version: number,
          label,
          definition: current.definition as Prisma.InputJsonValue,
          sourceFormat: current.sourceFormat,
          source: current.source ?? undefined,
          createdBy: principal.userId,
        },
      });
      await tx.workflow.update({ where: { id: workflow.id }, data: { currentVersion: number, currentVersionId: version.id } });
    });
  }

  const service = {
    /** Creates a workflow from a v003 document; a duplicate name is a ConflictError. */
    async create(principal: Principal, input: ReleaseCreateInput): Promise<WorkflowAtVersion> {
      const workflow = await workflows.create(principal, {
        name: input.name,
        description: input.description,
        definition: input.definition,
        format: 'v003',
        versionLabel: input.label ?? DEFAULT_RELEASE_LABEL,
        createdBy: input.createdBy,
      });
      return workflows.resolveLive(principal, workflow.id);
    },

    /** A live workflow with its current version (deleted ones are not found). */
    get(principal: Principal, id: string): Promise<WorkflowAtVersion> {
      return workflows.resolveLive(principal, id);
    },

    /**
     * Changes the given fields (see the module comment for labels). Every field is validated
     * before anything is written.
     */
    async update(principal: Principal, id: string, input: ReleaseUpdateInput): Promise<WorkflowAtVersion> {
      const { workflow, version } = await workflows.resolveLive(principal, id);
      const updated = await workflows.update(principal, workflow.id, {
        name: input.name,
        description: input.description,
        status: input.status,
        definition: input.definition,
        format: 'v003',
        // Also validates a given label, so a bad one is refused before the definition is saved.
        versionLabel: input.label ?? version.label,
      });
      if (input.label !== undefined) await relabel(principal, updated, input.label);
      return workflows.resolveLive(principal, workflow.id);
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type ReleaseService = ReturnType<typeof createReleaseService>;
