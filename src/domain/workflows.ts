import { listSource } from '../db/sql-reads.ts';
import type { z } from 'zod';
import { isUniqueViolation, jsonInput, type Prisma, type Workflow, type WorkflowVersion } from '../db/models.ts';
import { type AgentService, containsInsensitive } from './agents.ts';
import { type ChainCreateInput, type ChainUpdateInput, chainSourceOf } from './definition/chain.ts';
import { canonicalJson, isPlainObject, type WorkflowDefinition } from './definition/schema.ts';
import { checkDefinition, type DefinitionCheck, type SourceFormat } from './definitions.ts';
import { ConflictError, type FieldIssue, InvalidStateError, NotFoundError, ValidationError } from './errors.ts';
import { type OffsetPage, offsetPage } from './offset-page.ts';
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

/** A workflow and one of its versions (the current one, unless said otherwise). */
export interface WorkflowAtVersion {
  workflow: Workflow;
  version: WorkflowVersion;
}

/** A workflow named by an id: its current version, and the version the id named. */
export interface ResolvedWorkflow extends WorkflowAtVersion {
  /** The version whose id was given; the current one when the workflow's own id was. */
  named: WorkflowVersion;
}

/** A workflow with its current version, as numbered pages list them. */
export type WorkflowWithVersion = Workflow & { latestVersion: WorkflowVersion | null };

/** Filters of a numbered page of workflows. DELETED ones are listed only when a status asks for them. */
export interface WorkflowPageFilter {
  /** Any of these statuses. */
  statuses?: readonly WorkflowStatus[] | null;
  /** Exactly this name. */
  name?: string | null;
}

/** How a numbered page of workflows is ordered (ties by id); `versionCreatedAt` is when the current version was created. */
export interface WorkflowPageOrder {
  field: 'name' | 'createdAt' | 'updatedAt' | 'version' | 'versionCreatedAt';
  direction: 'asc' | 'desc';
}

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
      const result = await checkDefinition(agents, principal, input.definition, format, res.egress);
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
    // Worded as seed 004 words its duplicates (`Agent name '<name>' already exists`).
    if (clash) throw new ConflictError(`Workflow ${field} '${value}' already exists`, field);
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
      if (isUniqueViolation(error)) throw new ConflictError(`Workflow name '${name}' (or its key) already exists`, 'name');
      throw error;
    }
  }

  /**
   * Runs a chain write, wording a refusal the way seed 004's callers read it: `Agent '<name>'
   * not found or inactive` when an agent is the problem, else every problem without the
   * canonical paths (which name no field they sent). The issues keep their paths.
   */
  async function inChainWords<T>(principal: Principal, steps: unknown, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const named = isPlainObject(steps)
        ? Object.values(steps).flatMap((s) => (isPlainObject(s) && typeof s.agent_name === 'string' ? [s.agent_name] : []))
        : [];
      const names = [...new Set(named.filter((name) => name !== ''))];
      const known = await agents.statusesByName(principal, names);
      const refused = names.find((name) => known.get(name)?.status !== 'ACTIVE');
      const message =
        refused === undefined
          ? `Invalid workflow: ${error.issues.map((issue) => issue.message).join('; ')}`
          : `Agent '${refused}' not found or inactive`;
      throw new ValidationError(error.issues, message);
    }
  }

  async function atCurrent(workflow: Workflow): Promise<WorkflowAtVersion> {
    const version = await db.workflowVersion.findUniqueOrThrow({ where: { id: workflow.currentVersionId ?? '' } });
    return { workflow, version };
  }

  const service = {
    /** Validates a definition without saving anything. */
    validate(principal: Principal, body: unknown, format: DefinitionFormatInput = 'auto'): Promise<DefinitionCheck> {
      return checkDefinition(agents, principal, body, format, res.egress);
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
                createdBy: principal.userId ?? data.createdBy ?? null,
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
                createdBy: principal.userId ?? data.createdBy ?? null,
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
                    createdBy: principal.userId,
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
      return paginate(listSource(res.db.reader, res.db.models.get('Workflow'), db.workflow), where, order, page, query);
    },

    /**
     * A workflow, seen through its current version, named by the id of any of its versions or
     * by its own id: an id a caller once got keeps naming the workflow. Deleted ones are found too.
     * `named` is the version that id names, for callers that read an older version as itself.
     */
    async resolve(principal: Principal, id: string): Promise<ResolvedWorkflow> {
      const named = await db.workflowVersion.findFirst({ where: { ...inScope(principal), id } });
      const workflow = await db.workflow.findFirst({
        where: { ...inScope(principal), id: named?.workflowId ?? id },
        include: { latestVersion: true },
      });
      if (!workflow?.latestVersion) throw new NotFoundError('Workflow', `"${id}"`);
      const { latestVersion, ...row } = workflow;
      return { workflow: row, version: latestVersion, named: named ?? latestVersion };
    },

    /** Like {@link resolve}, but a deleted workflow counts as not found. */
    async resolveLive(principal: Principal, id: string): Promise<ResolvedWorkflow> {
      const found = await service.resolve(principal, id);
      if (found.workflow.deletedAt) throw new NotFoundError('Workflow', `"${id}"`);
      return found;
    },

    /** Creates a workflow from a v004 chain (stored canonically, the chain kept as its source). */
    async createChain(principal: Principal, input: ChainCreateInput): Promise<WorkflowAtVersion> {
      const definition = { start_step: input.start_step, steps: input.steps };
      const created = await inChainWords(principal, input.steps, () =>
        service.create(principal, { name: input.name, description: input.description, definition, format: 'v004' }),
      );
      return atCurrent(created);
    },

    /**
     * Updates a live workflow named by any of its ids from a v004 change; a changed chain makes
     * a new version. A lone `start_step` or `steps` completes the current version's chain, which
     * needs one: a workflow whose definition no chain can express must be sent both.
     */
    async updateChain(principal: Principal, id: string, input: ChainUpdateInput): Promise<WorkflowAtVersion> {
      const { workflow, version } = await service.resolveLive(principal, id);
      let definition: { start_step: unknown; steps: unknown } | undefined;
      if (input.start_step !== undefined || input.steps !== undefined) {
        const base = chainSourceOf(version);
        definition = { start_step: input.start_step ?? base?.start_step, steps: input.steps ?? base?.steps };
        if (definition.start_step === undefined || definition.steps === undefined) {
          const missing = input.steps === undefined ? 'steps' : 'start_step';
          throw new ValidationError([
            { path: missing, message: `the current definition is not a start_step chain, so "${missing}" must be given too` },
          ]);
        }
      }
      const update = { description: input.description, status: input.status, definition, format: 'v004' as const };
      const updated = await inChainWords(principal, definition?.steps, () => service.update(principal, workflow.id, update));
      return atCurrent(updated);
    },

    /**
     * The workflow an execution names by its own id or its current version's id. A deleted one is
     * refused rather than hidden, and so is an older version's id: seed 004 shows superseded
     * versions as inactive rows, and "Workflow is not active" is its refusal.
     */
    async forExecution(principal: Principal, id: string): Promise<Workflow> {
      const { workflow, named } = await service.resolve(principal, id);
      if (workflow.deletedAt) throw new InvalidStateError(`Workflow '${id}' is deleted; deleted workflows cannot be executed`, 'DELETED');
      if (named.id !== workflow.currentVersionId) {
        const current = `version ${workflow.currentVersion} ('${workflow.id}')`;
        throw new InvalidStateError(`Workflow is not active: '${id}' is version ${named.version}, superseded by ${current}`, 'INACTIVE');
      }
      return workflow;
    },

    /** One numbered page of workflows with their current versions, and the total across pages. */
    async listPage(
      principal: Principal,
      filter: WorkflowPageFilter,
      order: WorkflowPageOrder,
      offset: number,
      limit: number,
    ): Promise<OffsetPage<WorkflowWithVersion>> {
      const where = {
        ...inScope(principal),
        ...(filter.statuses?.length ? { status: { in: [...filter.statuses] } } : { deletedAt: null }),
        ...(filter.name != null ? { name: filter.name } : {}),
      };
      const { field, direction } = order;
      const by =
        field === 'version'
          ? { currentVersion: direction }
          : field === 'versionCreatedAt'
            ? { latestVersion: { createdAt: direction } }
            : { [field]: direction };
      // The include adds latestVersion to every row, which offsetPage's row type cannot see.
      return (await offsetPage(db.workflow, where, [by], offset, limit, { latestVersion: true })) as OffsetPage<WorkflowWithVersion>;
    },

    /** One numbered page of a workflow's versions, newest first. */
    versionsPage(principal: Principal, workflowId: string, offset: number, limit: number): Promise<OffsetPage<WorkflowVersion>> {
      return offsetPage(db.workflowVersion, { ...inScope(principal), workflowId }, [{ version: 'desc' }], offset, limit);
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
