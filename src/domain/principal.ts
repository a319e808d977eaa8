/** Who a request acts as. Every domain read and write is scoped by it. */
export interface Principal {
  tenantId: string;
  workspaceId: string;
}

/** The tenant every unauthenticated request uses until authentication lands. */
export const DEFAULT_TENANT_ID = '00000000-0000-4000-8000-000000000001';
/** The default tenant's default workspace. */
export const DEFAULT_WORKSPACE_ID = '00000000-0000-4000-8000-000000000002';

/** The `where` fragment that confines a query to the principal's workspace. */
export function inScope(principal: Principal): { tenantId: string; workspaceId: string } {
  return { tenantId: principal.tenantId, workspaceId: principal.workspaceId };
}
