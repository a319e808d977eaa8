import { ForbiddenError } from './errors.ts';

/** What a principal may do. viewer: read; editor: read and change; admin: also keys and workspaces. */
export type Role = 'admin' | 'editor' | 'viewer';

/** Every role, weakest first. */
export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

/** Who a request acts as. Every domain read and write is scoped by it. */
export interface Principal {
  tenantId: string;
  workspaceId: string;
  /**
   * The acting user, recorded as `createdBy`, `triggeredByUser` and `cancelledBy`: a token's
   * `sub`, or `apikey:<id>` for an API key; null when authentication is off.
   */
  userId: string | null;
  role: Role;
  /** The workspaces this principal may act in, when its credential limits them; absent = all of the tenant's. */
  allowedWorkspaceIds?: readonly string[];
}

/** The tenant every request uses when authentication is off (AUTH_MODE=none). */
export const DEFAULT_TENANT_ID = '00000000-0000-4000-8000-000000000001';
/** The default tenant's default workspace. */
export const DEFAULT_WORKSPACE_ID = '00000000-0000-4000-8000-000000000002';

/** The `where` fragment that confines a query to the principal's workspace. */
export function inScope(principal: Principal): { tenantId: string; workspaceId: string } {
  return { tenantId: principal.tenantId, workspaceId: principal.workspaceId };
}

/** Whether `role` grants at least what `needed` grants. */
export function hasRole(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Throws {@link ForbiddenError} unless the principal's role is at least `needed`. */
export function requireRole(principal: Principal, needed: Role, action: string): void {
  if (!hasRole(principal.role, needed)) {
    throw new ForbiddenError(`Your role (${principal.role}) may not ${action}; it needs the ${needed} role`, needed);
  }
}
