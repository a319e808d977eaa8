import type { YogaInitialContext } from 'graphql-yoga';
import { createGraphQLError } from 'graphql-yoga';
import type { Db } from '../db/database.ts';
import type { RunChanges } from '../engine/run-changes.ts';
import type { RunStreams } from '../engine/run-streams.ts';
import { ForbiddenError, UnauthenticatedError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { createLoaders, type Loaders } from '../graphql/loaders.ts';
import type { Services } from '../domain/services.ts';
import { type Authenticator, type Identity, isUnknownWorkspace } from './auth/authenticate.ts';

/** What every GraphQL resolver receives. */
export interface Context {
  principal: Principal;
  /** Who signed in, and until when (subscriptions end when the credential expires). */
  identity: Identity;
  services: Services;
  /** Only for Pothos' relation loading; business reads and writes go through `services`. */
  db: Db;
  /** Live views of run event logs, for subscriptions. */
  streams: RunStreams;
  /** The workspace feed of run creations and status changes, for `runsChanged`. */
  runChanges: RunChanges;
  /** This request's batch loaders (a page's per-run fields cost one read each, not one per run). */
  loaders: Loaders;
}

/**
 * A GraphQL error for a request that cannot get a principal: 401 UNAUTHENTICATED (with
 * WWW-Authenticate), 403 FORBIDDEN for a workspace the credential does not cover, 400
 * WORKSPACE_NOT_FOUND for a workspace that does not exist (in this tenant). Anything else is rethrown.
 */
export function principalError(error: unknown): Error {
  if (error instanceof UnauthenticatedError) {
    return createGraphQLError(error.message, {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
    });
  }
  if (error instanceof ForbiddenError) {
    return createGraphQLError(error.message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  }
  if (isUnknownWorkspace(error)) {
    return createGraphQLError(`${error.message}; pass an existing workspace in X-Workspace-Id or X-Workspace-Slug`, {
      extensions: { code: 'WORKSPACE_NOT_FOUND', http: { status: 400 } },
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Builds the GraphQL context from the request's credentials and workspace headers. */
export function contextFactory(deps: { auth: Authenticator; services: Services; db: Db; streams: RunStreams; runChanges: RunChanges }) {
  const { auth, services, db, streams, runChanges } = deps;
  return async ({ request }: YogaInitialContext): Promise<Context> => {
    try {
      const { identity, principal } = await auth.authenticate(request);
      return { principal, identity, services, db, streams, runChanges, loaders: createLoaders(services, principal) };
    } catch (error) {
      throw principalError(error);
    }
  };
}
