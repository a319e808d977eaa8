// A typed client for Flowdeck's REST compatibility layer: openapi-fetch over the types
// openapi-typescript generates from /openapi.json (./openapi.ts, `npm run openapi`). Paths,
// parameters, request bodies and response bodies are checked by the compiler per operation.
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './openapi.js';

/** Options of {@link createFlowdeckRestClient}. */
export interface FlowdeckRestClientOptions {
  /** The server's root URL, e.g. `https://flowdeck.example.com` (paths start with `/api/...`). */
  baseUrl: string;
  /** A JWT, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** An API key, sent as `X-API-Key: <key>`. */
  apiKey?: string;
  /** Workspace slug, sent as `X-Workspace-Slug` (default: the credential's default workspace). */
  workspace?: string;
  /** Fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** More headers sent with every request; the credential options above take precedence. */
  headers?: Record<string, string>;
}

/** The typed REST client: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, ... keyed by documented path. */
export type FlowdeckRestClient = Client<paths>;

/**
 * Creates a typed REST client. Each call names a documented path and gets back
 * `{ data, error, response }`, where `data` is the documented success body and `error` the
 * documented error body of that operation:
 *
 * ```ts
 * const rest = createFlowdeckRestClient({ baseUrl: 'http://localhost:8000', apiKey: 'fd_...' });
 * const { data, error } = await rest.GET('/api/v1/runs/{run_id}', { params: { path: { run_id } } });
 * ```
 */
export function createFlowdeckRestClient(options: FlowdeckRestClientOptions): FlowdeckRestClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  if (options.workspace) headers['x-workspace-slug'] = options.workspace;
  // Bound late, not captured: a test or polyfill that replaces globalThis.fetch afterwards is honoured.
  const send = options.fetch ?? ((input: Request) => fetch(input));
  return createClient<paths>({ baseUrl: options.baseUrl, headers, fetch: (request: Request) => send(request) });
}
