import type { z } from 'zod';
import { isUniqueViolation, jsonInput, type Prisma, type Workflow, type WorkflowVersion } from '../db/models.ts';
import { type AgentService, containsInsensitive } from './agents.ts';
import { canonicalJson, type WorkflowDefinition } from './definition/schema.ts';
import { checkDefinition, type DefinitionCheck, type SourceFormat } from './definitions.ts';
import { ConflictError, type FieldIssue, NotFoundError, ValidationError } from './errors.ts';
import { type Connection, type KeysetOrder, type PageArgs, paginate, type RelationQuery } from './pagination.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { zodIssues } from './schemas/issues.ts';
import {
  type CreateWorkflowInput,
  createWorkflowSchema,
  DEFINITION_FORMATS,
  type DefinitionFormatInput,
  type UpdateWorkflowInput,
  updateWorkflowSchema,
} from './schemas/workflow.ts';
import type { WorkflowStatus } from './statuses.ts';

/** Filters for listing workflows. DELETED workflows are listed only when asked for by status. */
export interface WorkflowFilter {
  status?: WorkflowStatus | null;
  nameContains?: string | null;
}

/** How to find one workflow: by id or by key (within the caller's workspace). */
export type WorkflowLookup = { id: string } | { key: string };

/** Workflow definitions and their immutable versions, scoped by principal. */
export function createWorkflowService(res: Resources, agents: AgentService) {
  const db = res.db.prisma;

  /**
   * Parses the input and checks its definition together, so one ValidationError lists the
   * problems of both (a bad name does not hide a broken definition).
   */
  async function parseWithDefinition<S extends typeof createWorkflowSchema | typeof updateWorkflowSchema>(
    schema: S,
    principal: Principal,
    input: { definition?: unknown; format?: unknown },
  ): Promise<{ data: z.output<S>; check: { definition: WorkflowDefinition; format: SourceFormat } | null }> {
    const parsed = schema.safeParse(input);
    const issues: FieldIssue[] = parsed.success ? [] : zodIssues(parsed.error);
    let check: { definition: WorkflowDefinition; format: SourceFormat } | null = null;
    if (input.definition !== undefined && input.definition !== null) {
      const format = parsed.success ? parsed.data.format : (DEFINITION_FORMATS.find((f) => f === input.format) ?? 'auto');
      const result = await checkDefinition(agents, principal, input.definition, format);
      if (result.definition && result.format) check = { definition: result.definition, format: result.format };
      else issues.push(...result.issues.map((i) => ({ path: i.path ? `definition.${i.path}` : 'definition', message: i.message })));
    }
    if (!parsed.success || issues.length > 0) throw new ValidationError(issues);
    return { data: parsed.data as z.output<S>, check };
  }

  async function assertFree(principal: Principal, field: 'name' | 'key', value: string, exceptId?: string): Promise<void> {
    const clash = await db.workflow.findFirst({
      where: { ...inScope(principal), [field]: value, deletedAt: null, NOT: { id: exceptId ?? '' } },
    });
    if (clash) throw new ConflictError(`A workflow with ${field} "${value}" already exists in this workspace`, field);
  }

  async function freeKey(principal: Principal, name: string): Promise<string> {
    const base = slugify(name);
    const taken = new Set(
      (
        await db.workflow.findMany({ where: { ...inScope(principal), key: { startsWith: base }, deletedAt: null }, select: { key: true } })
      ).map((w) => w.key),
    );
    let key = base;
    for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
    return key;
  }

  async function guarded<T>(write: () => Promise<T>, name: string): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`A workflow named "${name}" (or with its key) already exists in this workspace`, 'name');
      throw error;
    }
  }

  const service = {
    /** Validates a definition without saving anything. */
    validate(principal: Principal, body: unknown, format: DefinitionFormatInput = 'auto'): Promise<DefinitionCheck> {
      return checkDefinition(agents, principal, body, format);
    },

    /** Creates a workflow and its version 1 in one transaction. */
    async create(principal: Principal, input: CreateWorkflowInput): Promise<Workflow> {
      const { data, check: checked } = await parseWithDefinition(createWorkflowSchema, principal, input);
      // The schema requires a definition, so a parsed input always has a checked one.
      const check = checked as NonNullable<typeof checked>;
      await assertFree(principal, 'name', data.name);
      if (data.key) await assertFree(principal, 'key', data.key);
      const key = data.key ?? (await freeKey(principal, data.name));
      return guarded(
        () =>
          db.$transaction(async (tx) => {
            const workflow = await tx.workflow.create({
              data: {
                ...inScope(principal),
                key,
                name: data.name,
                description: data.description ?? null,
                metadata: jsonInput(data.metadata ?? undefined),
                config: jsonInput(data.config ?? undefined),
                projectId: data.projectId ?? null,
                timeoutSeconds: data.timeoutSeconds ?? null,
                maxRetries: data.maxRetries ?? null,
                createdBy: data.createdBy ?? null,
              },
            });
            const version = await tx.workflowVersion.create({
              data: {
                ...inScope(principal),
                workflowId: workflow.id,
                version: 1,
                label: data.versionLabel ?? null,
                definition: check.definition as Prisma.InputJsonValue,
                sourceFormat: check.format,
                source: data.definition as object,
                createdBy: data.createdBy ?? null,
              },
            });
            return tx.workflow.update({ where: { id: workflow.id }, data: { currentVersionId: version.id } });
          }),
        data.name,
      );
    },

    /**
     * Updates metadata in place; a definition that differs from the current version's creates
     * version N+1 (versions are never modified).
     */
    async update(principal: Principal, id: string, input: UpdateWorkflowInput): Promise<Workflow> {
      const current = await service.getLive(principal, { id });
      const { data, check } = await parseWithDefinition(updateWorkflowSchema, principal, input);
      if (data.name !== undefined && data.name !== current.name) await assertFree(principal, 'name', data.name, id);
      return guarded(
        () =>
          db.$transaction(async (tx) => {
            let versionFields = {};
            if (check) {
              const latest = await tx.workflowVersion.findFirst({ where: { workflowId: id }, orderBy: { version: 'desc' } });
              // jsonb (PostgreSQL) does not keep key order, so compare canonical forms.
              if (!latest || JSON.stringify(canonicalJson(latest.definition)) !== JSON.stringify(canonicalJson(check.definition))) {
                const number = (latest?.version ?? 0) + 1;
                const version = await tx.workflowVersion.create({
                  data: {
                    ...inScope(principal),
                    workflowId: id,
                    version: number,
                    label: data.versionLabel ?? null,
                    definition: check.definition as Prisma.InputJsonValue,
                    sourceFormat: check.format,
                    source: data.definition as object,
                  },
                });
                versionFields = { currentVersion: number, currentVersionId: version.id };
              }
            }
            return tx.workflow.update({
              where: { id },
              data: {
                ...versionFields,
                name: data.name,
                description: data.description,
                status: data.status,
                metadata: jsonInput(data.metadata),
                config: jsonInput(data.config),
                projectId: data.projectId,
                timeoutSeconds: data.timeoutSeconds,
                maxRetries: data.maxRetries,
              } as never,
            });
          }),
        data.name ?? current.name,
      );
    },

    /** Archives: the workflow stays readable but cannot be executed. */
    async archive(principal: Principal, id: string): Promise<Workflow> {
      await service.getLive(principal, { id });
      return db.workflow.update({ where: { id }, data: { status: 'ARCHIVED' } });
    },

    /** Soft-deletes: the row and its versions stay for past runs; the name becomes free. */
    async remove(principal: Principal, id: string): Promise<Workflow> {
      await service.getLive(principal, { id });
      return db.workflow.update({ where: { id }, data: { status: 'DELETED', deletedAt: res.clock.now() } });
    },

    /** Finds a workflow by id (deleted ones included) or by key (live ones only). */
    async get(principal: Principal, lookup: WorkflowLookup): Promise<Workflow> {
      const where = 'id' in lookup ? { id: lookup.id } : { key: lookup.key, deletedAt: null };
      const workflow = await db.workflow.findFirst({ where: { ...inScope(principal), ...where } });
      if (!workflow) throw new NotFoundError('Workflow', 'id' in lookup ? `"${lookup.id}"` : `with key "${lookup.key}"`);
      return workflow;
    },

    /** Like {@link get}, but a deleted workflow counts as not found. */
    async getLive(principal: Principal, lookup: WorkflowLookup): Promise<Workflow> {
      const workflow = await service.get(principal, lookup);
      if (workflow.deletedAt) throw new NotFoundError('Workflow', 'id' in lookup ? `"${lookup.id}"` : `with key "${lookup.key}"`);
      return workflow;
    },

    /** Lists workflows, keyset-paginated in the requested order. */
    async list(
      principal: Principal,
      filter: WorkflowFilter,
      order: KeysetOrder,
      page: PageArgs,
      query?: RelationQuery,
    ): Promise<Connection<Workflow>> {
      const where = {
        ...inScope(principal),
        ...(filter.status ? { status: filter.status } : { deletedAt: null }),
        ...(filter.nameContains ? { name: containsInsensitive(res, filter.nameContains) } : {}),
      };
      return paginate(db.workflow, where, order, page, query);
    },

    /** A workflow's versions, newest first. */
    async versions(principal: Principal, workflowId: string, page: PageArgs, query?: RelationQuery): Promise<Connection<WorkflowVersion>> {
      return paginate(db.workflowVersion, { ...inScope(principal), workflowId }, { field: 'version', direction: 'desc' }, page, query);
    },

    /** One version by number. */
    async version(principal: Principal, workflowId: string, number: number): Promise<WorkflowVersion> {
      const version = await db.workflowVersion.findFirst({ where: { ...inScope(principal), workflowId, version: number } });
      if (!version) throw new NotFoundError('WorkflowVersion', `${number} of workflow "${workflowId}"`);
      return version;
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type WorkflowService = ReturnType<typeof createWorkflowService>;

/** A URL-safe key from a display name: "Weekly Sales Report" → "weekly-sales-report". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug || 'workflow';
}
