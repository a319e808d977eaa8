import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ApiKey } from '../db/models.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { type Principal, requireRole, type Role, ROLES } from './principal.ts';
import type { Resources } from './resources.ts';
import { parseInput } from './schemas/issues.ts';

/** Every key starts with this, so secret scanners and people can recognise one. */
export const API_KEY_PREFIX = 'fdk_';
/** Characters of a key kept in clear (prefix included) to tell keys apart in lists. */
const SHOWN_CHARS = 12;
/** lastUsedAt is written at most this often per key, so a busy key is not a write per request. */
const LAST_USED_EVERY_MS = 60_000;

/** Input of {@link ApiKeyService.create}. */
export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(255),
  role: z.enum(ROLES as [Role, ...Role[]]),
  /** Slug of the one workspace the key may use; omitted = every workspace of the tenant. */
  workspace: z.string().min(1).max(63).nullish(),
  expiresAt: z.date().nullish(),
});
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;

/** A key just created: the only time its secret is seen. */
export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The whole key; stored nowhere. */
  secret: string;
}

/** What a valid key authenticates as. */
export interface ApiKeyIdentity {
  keyId: string;
  tenantId: string;
  workspaceId: string | null;
  role: Role;
  expiresAt: Date | null;
}

/** SHA-256 of a key, hex: keys carry 256 random bits, so a fast hash cannot be brute-forced. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether a presented credential looks like one of our keys (rather than a JWT). */
export function isApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/** API keys: created and revoked by admins, listed without their secrets, verified by hash. */
export function createApiKeyService(res: Resources) {
  const db = res.db.prisma;

  return {
    /** Creates a key in the principal's tenant (admins only); the secret is returned once. */
    async create(principal: Principal, input: CreateApiKeyInput): Promise<CreatedApiKey> {
      requireRole(principal, 'admin', 'create API keys');
      const data = parseInput(createApiKeySchema, input);
      if (data.expiresAt && data.expiresAt.getTime() <= res.clock.now().getTime()) {
        throw new ValidationError([{ path: 'expiresAt', message: 'must be in the future' }]);
      }
      let workspaceId: string | null = null;
      if (data.workspace) {
        const workspace = await db.workspace.findFirst({ where: { tenantId: principal.tenantId, slug: data.workspace } });
        if (!workspace) throw new ValidationError([{ path: 'workspace', message: `no workspace with slug "${data.workspace}"` }]);
        workspaceId = workspace.id;
      }
      const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      const apiKey = await db.apiKey.create({
        data: {
          tenantId: principal.tenantId,
          workspaceId,
          name: data.name,
          prefix: secret.slice(0, SHOWN_CHARS),
          hash: hashApiKey(secret),
          role: data.role,
          createdBy: principal.userId,
          expiresAt: data.expiresAt ?? null,
        },
      });
      return { apiKey, secret };
    },

    /** The tenant's keys, newest first (admins only); revoked ones included, marked. */
    list(principal: Principal): Promise<ApiKey[]> {
      requireRole(principal, 'admin', 'list API keys');
      return db.apiKey.findMany({ where: { tenantId: principal.tenantId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    },

    /** Revokes a key of the tenant (admins only); revoking twice is harmless. */
    async revoke(principal: Principal, id: string): Promise<ApiKey> {
      requireRole(principal, 'admin', 'revoke API keys');
      const key = await db.apiKey.findFirst({ where: { tenantId: principal.tenantId, id } });
      if (!key) throw new NotFoundError('ApiKey', `"${id}"`);
      if (key.revokedAt) return key;
      return db.apiKey.update({ where: { id }, data: { revokedAt: res.clock.now() } });
    },

    /** The identity of a presented key, or null when it is unknown, revoked or expired. */
    async verify(secret: string): Promise<ApiKeyIdentity | null> {
      const key = await db.apiKey.findUnique({ where: { hash: hashApiKey(secret) } });
      const now = res.clock.now();
      if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now.getTime())) return null;
      if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
        // Bookkeeping only: a failure here must not fail the request.
        db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } }).catch((error: unknown) => {
          res.logger.warn({ err: error, apiKeyId: key.id }, 'could not record an API key use');
        });
      }
      return { keyId: key.id, tenantId: key.tenantId, workspaceId: key.workspaceId, role: key.role as Role, expiresAt: key.expiresAt };
    },
  };
}

/** The service's type, for code that receives it. */
export type ApiKeyService = ReturnType<typeof createApiKeyService>;
