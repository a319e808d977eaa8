import type { Logger } from 'pino';
import { isApiKey } from '../../domain/api-keys.ts';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../../domain/errors.ts';
import { DEFAULT_TENANT_ID, type Principal, type Role } from '../../domain/principal.ts';
import type { Services } from '../../domain/services.ts';
import { idOf } from '../../graphql/ids.ts';
import type { AuthConfig } from '../config.ts';
import { createJwtVerifier, InvalidTokenError } from './jwt.ts';

/** The credentials a request (or a WebSocket's connection_init) presents. */
export interface Credentials {
  /** `Authorization: Bearer <value>`: a JWT, or an API key for seed 004 callers. */
  bearer: string | null;
  /** `X-API-Key: <value>`. */
  apiKey: string | null;
}

/** Who presented the credentials, before a workspace is chosen. */
export interface Identity {
  kind: 'token' | 'apiKey' | 'anonymous';
  tenantId: string;
  /** Token `sub`, `apikey:<id>`, or null when nobody signed in (AUTH_MODE=none). */
  userId: string | null;
  role: Role;
  /** Workspace slugs a token may use; null = all of its tenant's. */
  workspaceSlugs: string[] | null;
  /** The one workspace an API key is bound to; null = any. */
  workspaceId: string | null;
  /** When the credential stops being valid; long subscriptions end then. */
  expiresAt: Date | null;
}

/** How a request names its workspace (seed 002's headers, or query parameters). */
export interface WorkspaceChoice {
  id: string | null;
  slug: string | null;
  /** The id exactly as the request gave it (global or database), for messages. */
  given?: string | null;
}

/** Reads credentials from request headers. */
export function credentialsOf(headers: Headers): Credentials {
  const authorization = headers.get('authorization');
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return { bearer: match?.[1] ?? null, apiKey: headers.get('x-api-key')?.trim() || null };
}

/** The workspace a request names in X-Workspace-Id / X-Workspace-Slug or workspace_id / workspace_slug. */
export function workspaceChoiceOf(request: Request): WorkspaceChoice {
  const url = new URL(request.url);
  const id = request.headers.get('x-workspace-id') ?? url.searchParams.get('workspace_id');
  return {
    // The database id (as REST returns it) or GraphQL's global id of the workspace.
    id: id ? idOf('Workspace', id) : null,
    given: id,
    slug: request.headers.get('x-workspace-slug') ?? url.searchParams.get('workspace_slug'),
  };
}

/** Turns credentials into identities and requests into principals. */
export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  /** Who the credentials belong to; anonymous only when authentication is off and none were sent. */
  identify(credentials: Credentials): Promise<Identity>;
  /** The identity's principal in the workspace it chose (or its default one). */
  principal(identity: Identity, choice: WorkspaceChoice): Promise<Principal>;
  /** {@link identify} then {@link principal} for one request. */
  authenticate(request: Request): Promise<{ identity: Identity; principal: Principal }>;
}

const ANONYMOUS: Identity = {
  kind: 'anonymous',
  tenantId: DEFAULT_TENANT_ID,
  userId: null,
  role: 'admin',
  workspaceSlugs: null,
  workspaceId: null,
  expiresAt: null,
};

/**
 * Builds the authenticator. With AUTH_MODE=required a request without valid credentials is
 * refused; with `none` it acts as the default tenant with every right, but credentials that
 * are sent are still checked (so keys and tokens can be tried out in development).
 */
export function createAuthenticator(deps: { auth: AuthConfig; services: Services; logger: Logger }): Authenticator {
  const { auth, services } = deps;
  const jwt = createJwtVerifier(auth);

  async function fromApiKey(secret: string): Promise<Identity> {
    const key = await services.apiKeys.verify(secret);
    if (!key) throw new UnauthenticatedError('The API key is not valid (unknown, revoked or expired)');
    return {
      kind: 'apiKey',
      tenantId: key.tenantId,
      userId: `apikey:${key.keyId}`,
      role: key.role,
      workspaceSlugs: null,
      workspaceId: key.workspaceId,
      expiresAt: key.expiresAt,
    };
  }

  async function fromToken(token: string): Promise<Identity> {
    if (!jwt.enabled) throw new UnauthenticatedError('Bearer tokens are not accepted: the server has no AUTH_JWT_SECRET or AUTH_JWKS_URL');
    try {
      const claims = await jwt.verify(token);
      await services.tenants.ensure(claims.tenantId);
      return { kind: 'token', ...claims, workspaceSlugs: claims.workspaces, workspaceId: null };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthenticatedError(`Invalid token: ${error.message}`);
      throw error;
    }
  }

  async function identify(credentials: Credentials): Promise<Identity> {
    if (credentials.apiKey) return fromApiKey(credentials.apiKey);
    if (credentials.bearer) return isApiKey(credentials.bearer) ? fromApiKey(credentials.bearer) : fromToken(credentials.bearer);
    if (auth.mode === 'none') return ANONYMOUS;
    throw new UnauthenticatedError('Not authenticated: send Authorization: Bearer <token> or X-API-Key: <key>');
  }

  async function principal(identity: Identity, choice: WorkspaceChoice): Promise<Principal> {
    const named = Boolean(choice.id || choice.slug);
    // Unnamed: an API key's own workspace, else `default` if the credential covers it, else its first workspace.
    const selector = named
      ? choice
      : identity.workspaceId
        ? { id: identity.workspaceId, slug: null }
        : {
            id: null,
            slug:
              identity.workspaceSlugs && !identity.workspaceSlugs.includes('default')
                ? (identity.workspaceSlugs[0] ?? 'default')
                : 'default',
          };
    const workspace = await services.workspaces.locate(identity.tenantId, selector).catch((error: unknown) => {
      // Name the workspace as the request did: a global id is not answered with its database id.
      if (error instanceof NotFoundError && named && choice.given) throw new NotFoundError('Workspace', `"${choice.given}"`);
      throw error;
    });
    const allowedBySlug = !identity.workspaceSlugs || identity.workspaceSlugs.includes(workspace.slug);
    const allowedByKey = !identity.workspaceId || identity.workspaceId === workspace.id;
    if (!allowedBySlug || !allowedByKey) {
      throw new ForbiddenError(`Your credentials do not cover workspace "${workspace.slug}"`);
    }
    const allowed = identity.workspaceId
      ? [identity.workspaceId]
      : identity.workspaceSlugs
        ? await services.workspaces.idsOf(identity.tenantId, identity.workspaceSlugs)
        : undefined;
    return {
      tenantId: workspace.tenantId,
      workspaceId: workspace.id,
      userId: identity.userId,
      role: identity.role,
      ...(allowed ? { allowedWorkspaceIds: allowed } : {}),
    };
  }

  return {
    mode: auth.mode,
    identify,
    principal,
    async authenticate(request) {
      const identity = await identify(credentialsOf(request.headers));
      return { identity, principal: await principal(identity, workspaceChoiceOf(request)) };
    },
  };
}

/** Whether an error is the workspace lookup failing (a 400 naming the workspace, as before authentication). */
export function isUnknownWorkspace(error: unknown): error is NotFoundError {
  return error instanceof NotFoundError && error.entity === 'Workspace';
}
