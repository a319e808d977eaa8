import type { YogaInitialContext } from 'graphql-yoga';
import { createGraphQLError } from 'graphql-yoga';
import type { Db } from '../db/database.ts';
import type { RunChanges } from '../engine/run-changes.ts';
import type { RunStreams } from '../engine/run-streams.ts';
import { NotFoundError } from '../domain/errors.ts';
import { DEFAULT_TENANT_ID, type Principal } from '../domain/principal.ts';
import type { Services } from '../domain/services.ts';

/** What every GraphQL resolver receives. */
export interface Context {
  principal: Principal;
  services: Services;
  /** Only for Pothos' relation loading; business reads and writes go through `services`. */
  db: Db;
  /** Live views of run event logs, for subscriptions. */
  streams: RunStreams;
  /** The workspace feed of run creations and status changes, for `runsChanged`. */
  runChanges: RunChanges;
}

/**
 * Decides which principal a request acts as. Until authentication lands every request is the
 * default tenant; the workspace comes from X-Workspace-Id / X-Workspace-Slug headers or the
 * workspace_id / workspace_slug query parameters, else `default`.
 */
export async function principalFor(request: Request, services: Services): Promise<Principal> {
  const url = new URL(request.url);
  const id = request.headers.get('x-workspace-id') ?? url.searchParams.get('workspace_id');
  const slug = request.headers.get('x-workspace-slug') ?? url.searchParams.get('workspace_slug');
  const workspace = await services.workspaces.resolve(DEFAULT_TENANT_ID, { id, slug });
  return { tenantId: workspace.tenantId, workspaceId: workspace.id };
}

/** Builds the GraphQL context; an unknown workspace is a 400 with a message naming it. */
export function contextFactory(services: Services, db: Db, streams: RunStreams, runChanges: RunChanges) {
  return async ({ request }: YogaInitialContext): Promise<Context> => {
    try {
      return { principal: await principalFor(request, services), services, db, streams, runChanges };
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw createGraphQLError(`${error.message}; pass an existing workspace in X-Workspace-Id or X-Workspace-Slug`, {
          extensions: { code: 'WORKSPACE_NOT_FOUND', http: { status: 400 } },
        });
      }
      throw error;
    }
  };
}
