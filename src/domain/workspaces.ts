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

/** A workspace's identity: what a request's principal needs, and what never changes once created. */
export type WorkspaceIdentity = Pick<Workspace, 'id' | 'tenantId' | 'slug'>;

// Every request resolves its workspace; ids and slugs are immutable and workspaces are never
// deleted, so a found identity can be remembered for the process's life. Misses are not
// remembered (a workspace created a moment ago must be found). Bounded so a flood of names
// cannot grow it without limit.
const LOCATED_LIMIT = 10_000;

const whereOf = (selector: WorkspaceSelector) => (selector.id ? { id: selector.id } : { slug: selector.slug || 'default' });
const missing = (selector: WorkspaceSelector) =>
  new NotFoundError('Workspace', selector.id ? `"${selector.id}"` : `with slug "${selector.slug}"`);

/** Workspaces of a tenant. */
export function createWorkspaceService(res: Resources) {
  const db = res.db.prisma;
  const located = new Map<string, WorkspaceIdentity>();
  return {
    /**
     * The workspace a request names inside a tenant (none named means `default`), as its
     * immutable identity; answered from memory after the first time, so authentication costs
     * no query per request.
     */
    async locate(tenantId: string, selector: WorkspaceSelector): Promise<WorkspaceIdentity> {
      const key = selector.id ? `${tenantId}\0id\0${selector.id}` : `${tenantId}\0slug\0${selector.slug || 'default'}`;
      const known = located.get(key);
      if (known) return known;
      const found = await db.workspace.findFirst({ where: { tenantId, ...whereOf(selector) }, select: { id: true, slug: true } });
      if (!found) throw missing(selector);
      const { id, slug } = found;
      if (located.size >= LOCATED_LIMIT) located.clear();
      const identity = { id, tenantId, slug };
      located.set(key, identity);
      return identity;
    },

    /** Resolves a request's workspace inside a tenant; none named means the `default` workspace. */
    async resolve(tenantId: string, selector: WorkspaceSelector): Promise<Workspace> {
      const workspace = await db.workspace.findFirst({ where: { tenantId, ...whereOf(selector) } });
      if (!workspace) throw missing(selector);
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
