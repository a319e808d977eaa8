import { REQUEST_ID_PATTERN } from '../server/request-ids.ts';
import { DIALECT_TAGS } from './operation-ids.ts';
import { isPublicPath } from './public-paths.ts';
import { withSecurity } from './security-doc.ts';

/** The parts of an OpenAPI document this module reads and writes. */
interface OpenApiDocument {
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, unknown> | undefined>;
  components?: Record<string, unknown> & { parameters?: Record<string, unknown>; headers?: Record<string, unknown> };
}

interface Operation {
  operationId?: string;
  tags?: string[];
  description?: string;
  parameters?: Parameter[];
  responses?: Record<string, Response>;
}

type Parameter = { name?: string; in?: string; $ref?: string };
type Response = { $ref?: string; description?: string; headers?: Record<string, unknown>; content?: unknown };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Served without the caller's workspace: metrics span every tenant (see the middleware in app.ts). */
const METRICS_PATH = '/metrics';

const ref = (section: 'parameters' | 'headers', name: string) => ({ $ref: `#/components/${section}/${name}` });

const WORKSPACE_DEFAULT =
  "Without a workspace the request acts in the API key's own workspace, else `default`. An unknown workspace is a 400.";

/** Request parameters the document declares once, in components, and every operation refers to. */
const PARAMETERS = {
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description:
      'Your id for this request, echoed in the `X-Request-Id` response header and as `request_id` in error bodies, and logged with the request, so that the logs of a whole call chain line up. Used as given when it matches the pattern; otherwise (or when absent) the server makes one (`req-<uuid>`).',
    schema: { type: 'string', pattern: REQUEST_ID_PATTERN.source },
  },
  WorkspaceIdHeader: {
    name: 'X-Workspace-Id',
    in: 'header',
    required: false,
    description: `The workspace to act in, by id (the \`workspace_id\` REST answers carry, or GraphQL's global Workspace id); it wins over \`X-Workspace-Slug\` and the query parameters. ${WORKSPACE_DEFAULT}`,
    schema: { type: 'string' },
  },
  WorkspaceSlugHeader: {
    name: 'X-Workspace-Slug',
    in: 'header',
    required: false,
    description: `The workspace to act in, by slug; it wins over \`workspace_slug\`. ${WORKSPACE_DEFAULT}`,
    schema: { type: 'string' },
  },
  WorkspaceIdQuery: {
    name: 'workspace_id',
    in: 'query',
    required: false,
    description: `The workspace to act in, by id, when no \`X-Workspace-Id\` header is sent (seed 002's query form, honoured by every route). ${WORKSPACE_DEFAULT}`,
    schema: { type: 'string' },
  },
  WorkspaceSlugQuery: {
    name: 'workspace_slug',
    in: 'query',
    required: false,
    description: `The workspace to act in, by slug, when no \`X-Workspace-Slug\` header is sent (seed 002's query form, honoured by every route). ${WORKSPACE_DEFAULT}`,
    schema: { type: 'string' },
  },
} as const;

/** The refusal of a workspace selector naming no workspace (the authentication middleware in app.ts). */
const UNKNOWN_WORKSPACE: Response = {
  description: 'The workspace named by `X-Workspace-Id` / `X-Workspace-Slug` (or `workspace_id` / `workspace_slug`) does not exist.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
};

const WORKSPACE_PARAMETERS = ['WorkspaceIdHeader', 'WorkspaceSlugHeader', 'WorkspaceIdQuery', 'WorkspaceSlugQuery'] as const;

const HEADERS = {
  RequestId: {
    description:
      "This request's id: the request's `X-Request-Id` when it matched `^[\\w.:-]{1,128}$`, else a new `req-<uuid>`. Error bodies carry it as `request_id`; quote it when reporting a problem.",
    schema: { type: 'string', pattern: REQUEST_ID_PATTERN.source },
  },
} as const;

/**
 * Operations that answer for more than one documented operation, because OpenAPI allows one
 * operation per method and path template ("Templated paths with the same hierarchy but different
 * templated names MUST NOT exist as they are identical", 3.1 Paths Object). Their description
 * opens with this note, whatever the route says after it.
 */
const SHARED_TEMPLATES: Readonly<Record<string, string>> = {
  'GET /api/v1/workflows/{workflow_id}':
    "Two documented operations share this path template: seed 004's `GET /api/v1/workflows/{workflow_id}` (a workflow by id, answered as `WorkflowWithDescriptor`) and seed 000's `GET /api/v1/workflows/{workflow_key}` (a workflow's descriptor by key, answered as `HistoryWorkflowDescriptor`); the 200 body is one or the other (`WorkflowOrDescriptor`), decided by what the path holds.",
};

/** The key the operation table uses: `METHOD path`. */
function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/** A parameter's identity: where it goes and its name (header names are case-insensitive). */
function parameterKey(parameter: Parameter, components: OpenApiDocument['components']): string | null {
  const resolved = parameter.$ref
    ? (components?.parameters?.[parameter.$ref.replace('#/components/parameters/', '')] as Parameter | undefined)
    : parameter;
  if (!resolved?.name || !resolved.in) return null;
  return `${resolved.in} ${resolved.in === 'header' ? resolved.name.toLowerCase() : resolved.name}`;
}

/** `parameters` plus those of `additions` (component names) the operation does not declare already. */
function withParameters(parameters: Parameter[], additions: readonly (keyof typeof PARAMETERS)[], doc: OpenApiDocument): Parameter[] {
  const present = new Set(parameters.map((parameter) => parameterKey(parameter, doc.components)));
  const added = additions.filter((name) => !present.has(parameterKey(PARAMETERS[name], doc.components)));
  return [...parameters, ...added.map((name) => ref('parameters', name))];
}

/** Every response of an operation, each declaring the X-Request-Id header (copied: responses may be shared objects). */
function withRequestIdHeader(responses: Record<string, Response>): Record<string, Response> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => [
      status,
      // A $ref response cannot carry siblings; none is used, and the test notices if one appears.
      response.$ref ? response : { ...response, headers: { 'X-Request-Id': ref('headers', 'RequestId'), ...response.headers } },
    ]),
  );
}

/** Responses by status, in ascending order (`default` last), as the routes list them. */
const inOrder = (responses: Record<string, Response>) =>
  Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Completes the OpenAPI document the routes generate, for client generation: each operation's
 * operationId and its dialect's tag from the table in operation-ids.ts (replacing the routes'
 * own tags), the top-level `tags` list, the `X-Request-Id` request and response headers on every
 * operation, the workspace selectors (and their 400 for an unknown workspace) on every operation
 * that acts in a workspace, the note on operations serving two documented path templates, and
 * the security schemes ({@link withSecurity}). Operations missing from the table keep no id:
 * test/rest/openapi.test.ts fails on them.
 */
export function finishOpenApi<T extends object>(document: T): T {
  const doc = withSecurity(document) as OpenApiDocument;
  const byKey = new Map(
    DIALECT_TAGS.flatMap((tag) => Object.entries(tag.operations).map(([key, operationId]) => [key, { operationId, tag: tag.name }])),
  );
  const components = (doc.components ??= {});
  components.parameters = { ...components.parameters, ...PARAMETERS };
  components.headers = { ...components.headers, ...HEADERS };
  doc.tags = DIALECT_TAGS.map(({ name, description }) => ({ name, description }));

  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!item) continue;
    for (const [method, value] of Object.entries(item)) {
      if (!METHODS.has(method) || !value) continue;
      const operation = value as Operation;
      const key = operationKey(method, path);
      const entry = byKey.get(key);
      const inWorkspace = !isPublicPath(path) && path !== METRICS_PATH;
      const note = SHARED_TEMPLATES[key];
      const responses = operation.responses ?? {};
      const { operationId: _ignored, tags: _routeTags, ...rest } = operation;
      item[method] = {
        ...(entry ? { operationId: entry.operationId, tags: [entry.tag] } : {}),
        ...rest,
        ...(note ? { description: operation.description ? `${note}\n\n${operation.description}` : note } : {}),
        parameters: withParameters(operation.parameters ?? [], inWorkspace ? ['RequestId', ...WORKSPACE_PARAMETERS] : ['RequestId'], doc),
        // Every route honours the selectors, so every route can answer that the workspace is unknown.
        responses: withRequestIdHeader(inWorkspace && !responses['400'] ? inOrder({ ...responses, '400': UNKNOWN_WORKSPACE }) : responses),
      } satisfies Operation;
    }
  }
  return document;
}
