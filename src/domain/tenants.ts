import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Tenant } from '../db/models.ts';
import type { Resources } from './resources.ts';

/** What a tenant id (a token's `customer_id`) may look like: a UUID, a slug or a provider's opaque id. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** Tenants already known to exist; a tenant is never deleted while the server runs. */
const KNOWN_LIMIT = 10_000;

/**
 * Tenants, created on first sight: the first valid token naming a `customer_id` creates the
 * tenant (id = slug = customer_id) with its `default` workspace, so an identity provider is the
 * only place tenants are managed.
 */
export function createTenantService(res: Resources) {
  const db = res.db.prisma;
  const known = new Set<string>();

  async function create(id: string, slug = id): Promise<void> {
    try {
      await db.tenant.create({
        data: { id, slug, name: id, workspaces: { create: { slug: 'default', name: 'Default' } } },
      });
      res.logger.info({ tenantId: id }, 'tenant created on first sign-in');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Two first requests at once (the other one created it), or another tenant has this slug.
      const exists = await db.tenant.findUnique({ where: { id }, select: { id: true } });
      if (!exists && slug === id) await create(id, `${id}.${randomUUID().slice(0, 8)}`);
    }
  }

  return {
    /** Makes sure tenant `id` exists (with its default workspace); cheap after the first call. */
    async ensure(id: string): Promise<void> {
      if (known.has(id)) return;
      const found = await db.tenant.findUnique({ where: { id }, select: { id: true } });
      if (!found) await create(id);
      if (known.size >= KNOWN_LIMIT) known.clear();
      known.add(id);
    },

    /** The tenant, or null. */
    get(id: string): Promise<Tenant | null> {
      return db.tenant.findUnique({ where: { id } });
    },
  };
}

/** The service's type, for code that receives it. */
export type TenantService = ReturnType<typeof createTenantService>;
