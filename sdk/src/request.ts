// A plain typed request function for scripts and servers: one SDK document over HTTP with a
// token or an API key, no cache and no subscriptions. The credential headers and graphql-ws
// connectionParams here are what createFlowdeckClient (client.ts) sends on every transport.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** Who the client acts as, and where. */
export interface FlowdeckCredentials {
  /** A JWT, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** An API key, sent as `X-API-Key: <key>`. */
  apiKey?: string;
  /** Workspace slug, sent as `X-Workspace-Slug` (default: the credential's default workspace). */
  workspace?: string;
}

/** Options of {@link createFlowdeckRequest}. */
export interface FlowdeckRequestOptions extends FlowdeckCredentials {
  /** The GraphQL endpoint, e.g. `https://flowdeck.example.com/graphql`. */
  url: string;
  /** Fetch implementation (default: the global one). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** A GraphQL answer: data, and the errors that came with it. */
export interface FlowdeckResult<T> {
  status: number;
  data: T | null | undefined;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The headers carrying credentials and the workspace. */
export function credentialHeaders(credentials: FlowdeckCredentials): Record<string, string> {
  return {
    ...(credentials.token ? { authorization: `Bearer ${credentials.token}` } : {}),
    ...(credentials.apiKey ? { 'x-api-key': credentials.apiKey } : {}),
    ...(credentials.workspace ? { 'x-workspace-slug': credentials.workspace } : {}),
  };
}

/** graphql-ws `connectionParams` for the same credentials (browsers cannot set WebSocket headers). */
export function connectionParams(credentials: FlowdeckCredentials): Record<string, string> {
  return {
    ...(credentials.token ? { authorization: `Bearer ${credentials.token}` } : {}),
    ...(credentials.apiKey ? { apiKey: credentials.apiKey } : {}),
    ...(credentials.workspace ? { 'x-workspace-slug': credentials.workspace } : {}),
  };
}

/** Returns a function that sends one typed SDK document and returns its typed result. */
export function createFlowdeckRequest(options: FlowdeckRequestOptions) {
  const send = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  return async function request<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<FlowdeckResult<T>> {
    const response = await send(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...credentialHeaders(options) },
      body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
    });
    const body = (await response.json()) as { data?: T | null; errors?: FlowdeckResult<T>['errors'] };
    return { status: response.status, data: body.data, ...(body.errors ? { errors: body.errors } : {}) };
  };
}
