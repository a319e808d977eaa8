import { z } from 'zod';
import { isUniqueViolation, type Workspace } from '../db/models.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { type Principal, requireRole } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseInput } from './schemas/issues.ts';

/** How a request names its workspace (seed 002's X-Workspace-Id / X-Workspace-Slug). */
export interface WorkspaceSelector {
  id?: string | null;
  slug?: string | null;
}

/** Longest retention a workspace may set: a hundred years, the same bound as RUN_RETENTION_DAYS. */
export const MAX_RETENTION_DAYS = 36_500;

const name = z.string().trim().min(1, 'must not be empty').max(255);
// null = the server's RUN_RETENTION_DAYS, 0 = keep forever.
const retentionDays = z
  .int('must be a whole number of days')
  .min(0, 'must be 0 (keep forever) or more')
  .max(MAX_RETENTION_DAYS, `must be at most ${MAX_RETENTION_DAYS}`)
  .nullish();

/** Input of {@link WorkspaceService.create}; also the GraphQL input's validation. */
export const createWorkspaceSchema = z.object({
  name,
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or "-", starting with a letter or digit'),
  retentionDays,
});
export type CreateWorkspaceInput = z.input<typeof createWorkspaceSchema>;

/** Input of {@link WorkspaceService.update}: omitted fields stay; `retentionDays: null` returns to the server default. */
export const updateWorkspaceSchema = z.object({ name: name.optional(), retentionDays });
export type UpdateWorkspaceInput = z.input<typeof updateWorkspaceSchema>;

/** Workspaces of a tenant. */
export function createWorkspaceService(res: Resources) {
  const db = res.db.prisma;
  return {
    /** Resolves a request's workspace inside a tenant; none named means the `default` workspace. */
    async resolve(tenantId: string, selector: WorkspaceSelector): Promise<Workspace> {
      const where = selector.id ? { id: selector.id } : { slug: selector.slug || 'default' };
      const workspace = await db.workspace.findFirst({ where: { tenantId, ...where } });
      if (!workspace) throw new NotFoundError('Workspace', selector.id ? `"${selector.id}"` : `with slug "${selector.slug}"`);
      return workspace;
    },

    /** Ids of a tenant's workspaces with these slugs (unknown slugs are skipped). */
    async idsOf(tenantId: string, slugs: readonly string[]): Promise<string[]> {
      const rows = await db.workspace.findMany({ where: { tenantId, slug: { in: [...slugs] } }, select: { id: true } });
      return rows.map((row) => row.id);
    },

    /** Creates a workspace in the principal's tenant. */
    async create(principal: Principal, input: CreateWorkspaceInput): Promise<Workspace> {
      requireRole(principal, 'admin', 'create workspaces');
      const data = parseInput(createWorkspaceSchema, input);
      try {
        return await db.workspace.create({ data: { tenantId: principal.tenantId, ...data } });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`A workspace with slug "${data.slug}" already exists`, 'slug');
        throw error;
      }
    },

    /**
     * Changes a workspace of the principal's tenant (any of them, not only the request's):
     * its name and how long its finished runs are kept.
     */
    async update(principal: Principal, id: string, input: UpdateWorkspaceInput): Promise<Workspace> {
      requireRole(principal, 'admin', 'change workspaces');
      const data = parseInput(updateWorkspaceSchema, input);
      const current = await db.workspace.findFirst({ where: { tenantId: principal.tenantId, id } });
      if (current && principal.allowedWorkspaceIds && !principal.allowedWorkspaceIds.includes(current.id)) {
        throw new NotFoundError('Workspace', `"${id}"`);
      }
      if (!current) throw new NotFoundError('Workspace', `"${id}"`);
      return db.workspace.update({ where: { id: current.id }, data: { name: data.name, retentionDays: data.retentionDays } });
    },

    /** Every workspace of the principal's tenant it may use, oldest first. */
    list(principal: Principal): Promise<Workspace[]> {
      const allowed = principal.allowedWorkspaceIds ? { id: { in: [...principal.allowedWorkspaceIds] } } : {};
      return db.workspace.findMany({ where: { tenantId: principal.tenantId, ...allowed }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    },
  };
}

/** The service's type, for code that receives it. */
export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
