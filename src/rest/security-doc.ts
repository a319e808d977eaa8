import { isPublicPath } from './public-paths.ts';

/** The part of an OpenAPI document this module reads and extends. */
interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation | undefined> | undefined>;
  components?: Record<string, unknown> & { securitySchemes?: Record<string, unknown> };
}

interface Operation {
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };

/** Responses every authenticated operation may give, whatever its route says. */
const AUTH_RESPONSES = {
  '401': {
    description: 'No credentials, or credentials that are not valid (expired, revoked, badly signed).',
    headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: '`Bearer`.' } },
    content: errorContent,
  },
  '403': {
    description: 'The role (viewer) or credential (workspace-limited) does not allow this.',
    content: errorContent,
  },
  '429': {
    description: "The caller's requests per minute are spent (RATE_LIMIT_PER_MINUTE).",
    headers: {
      'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until the budget refills.' },
      'RateLimit-Limit': { schema: { type: 'integer' }, description: 'Requests allowed per minute.' },
      'RateLimit-Remaining': { schema: { type: 'integer' }, description: 'Requests left in this minute.' },
      'RateLimit-Reset': { schema: { type: 'integer' }, description: 'Seconds until the budget refills.' },
    },
    content: errorContent,
  },
};

/** Declared by every operation with a body: bodies over MAX_BODY_BYTES are refused before they are read. */
const BODY_TOO_LARGE = { description: 'The request body is larger than MAX_BODY_BYTES.', content: errorContent };

/**
 * Adds the security schemes (a bearer JWT, an API key in `X-API-Key` or as a bearer token) to
 * an OpenAPI document, declares per operation which apply (none for health and docs), and adds
 * the refusals authentication, rate limiting and the body limit can give to every operation
 * they apply to, so generated clients know them.
 */
export function withSecurity<T extends object>(document: T): T {
  const doc = document as OpenApiDocument;
  const components = (doc.components ??= {});
  components.securitySchemes = {
    ...components.securitySchemes,
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'A JWT (HS256, RS256 or ES256) with `sub` (the user), `customer_id` (the tenant) and optional `role` and `workspaces`; an API key is accepted here too.',
    },
    apiKeyAuth: {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: 'An API key created with the GraphQL `createApiKey` mutation.',
    },
  };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      if (!METHODS.has(method) || !operation) continue;
      if (isPublicPath(path)) {
        operation.security = [];
        continue;
      }
      operation.security = [{ bearerAuth: [] }, { apiKeyAuth: [] }];
      operation.responses = { ...AUTH_RESPONSES, ...(operation.requestBody ? { '413': BODY_TOO_LARGE } : {}), ...operation.responses };
      // /metrics is neither rate limited nor scoped to a role.
      if (path === '/metrics') {
        delete operation.responses['403'];
        delete operation.responses['429'];
      }
    }
  }
  return document;
}
