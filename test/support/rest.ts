// A REST client for tests that checks every response against the server's own OpenAPI
// document twice: here (ajv: the documented route, status and body shape) and independently by
// Stoplight Prism, which every checked call passes through over HTTP (test/support/prism.ts).

import { Ajv2020 } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { expect, inject } from 'vitest';
import { createFlowdeckRestClient, type FlowdeckRestClient } from '../../sdk/src/rest.ts';
import type { TestApp } from './app.ts';
import { CONTENT_TYPE_HEADER, LOCATION_HEADER, responseViolations, UPSTREAM_HEADER, untilListening } from './prism.ts';

/** A response body as tests read it: by path, already checked against the OpenAPI schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI check is the type check
export type Body = any;

/** A REST response, with its parsed JSON body (null when not JSON). */
export interface RestResponse<T = Body> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** Options of one call. */
export interface RestCall {
  body?: unknown;
  /** A raw body, sent as is (for malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  /** Skip the OpenAPI checks and Prism, calling the app in-process (only for routes outside the document, like /docs). */
  unchecked?: boolean;
}

/** Each worker waits for the proxy the global setup started once, on its first checked call. */
let prismListening: Promise<void> | null = null;

/**
 * Sends a request through the Prism proxy to `t`'s app. The body crosses Prism as text/plain,
 * its content type in {@link CONTENT_TYPE_HEADER}, so Prism forwards it byte for byte.
 */
async function throughPrism(t: TestApp, method: string, url: string, headers: Headers, body: string | undefined): Promise<Response> {
  const prism = inject('prismUrl');
  prismListening ??= untilListening(prism);
  await prismListening;
  const sent = new Headers(headers);
  sent.set(UPSTREAM_HEADER, await t.loopbackUrl());
  if (body !== undefined) {
    sent.set(CONTENT_TYPE_HEADER, headers.get('content-type') ?? '');
    sent.set('content-type', 'text/plain');
  }
  return fetch(`${prism}${url}`, { method, headers: sent, body, redirect: 'manual' });
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function templateMatches(template: string, path: string): boolean {
  const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+')}$`);
  return pattern.test(path);
}

/**
 * A client for `t`'s REST layer. Every response is validated against /openapi.json: the route
 * and method must be documented, the status must be one of the operation's responses, and a
 * JSON body must match that response's schema. A test fails on any undocumented answer.
 */
export function restClient(t: TestApp) {
  let doc: OpenApi | null = null;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  // ajv-formats is CommonJS whose default export TypeScript's NodeNext view cannot call.
  (createRequire(import.meta.url)('ajv-formats') as (a: typeof ajv) => void)(ajv);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

  async function openapi(): Promise<OpenApi> {
    if (!doc) {
      const response = await t.app.fetch(new Request('http://flowdeck.test/openapi.json'));
      doc = (await response.json()) as OpenApi;
      ajv.addSchema(doc, 'openapi.json');
    }
    return doc;
  }

  async function check(method: string, path: string, response: RestResponse): Promise<void> {
    const spec = await openapi();
    const template = Object.keys(spec.paths)
      .filter((p) => templateMatches(p, path))
      // The most literal template wins (e.g. /runs/stats over /runs/{id}).
      .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
    expect(template, `${method} ${path} is not in /openapi.json`).toBeDefined();
    const operation = spec.paths[template as string]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is not in /openapi.json`).toBeDefined();
    const documented = operation?.responses?.[String(response.status)] ?? operation?.responses?.default;
    expect(
      documented,
      `${method} ${template} answered ${response.status}, which /openapi.json does not document: ${response.text.slice(0, 500)}`,
    ).toBeDefined();
    const type = response.headers.get('content-type')?.split(';')[0] ?? '';
    const content = documented?.content?.[type];
    if (!content?.schema) return;
    const statusKey = operation?.responses?.[String(response.status)] ? String(response.status) : 'default';
    const pointer = `openapi.json#/paths/${template?.replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${statusKey}/content/${type.replace(/\//g, '~1')}/schema`;
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: pointer });
      compiled.set(pointer, validate);
    }
    const valid = validate(response.body);
    expect(
      valid,
      `${method} ${path} → ${response.status} does not match /openapi.json: ${ajv.errorsText(validate.errors)}\n${response.text.slice(0, 1000)}`,
    ).toBe(true);
  }

  /** Sends one request: in-process when unchecked, else through Prism, failing on any response violation it reports. */
  async function send(method: string, url: string, headers: Headers, body: string | undefined, unchecked = false): Promise<RestResponse> {
    if (unchecked) {
      const response = await t.app.fetch(new Request(`http://flowdeck.test${url}`, { method, headers, body }));
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: parse(text), text };
    }
    const response = await throughPrism(t, method, url, headers, body);
    const text = await response.text();
    const received = new Headers(response.headers);
    const violations = responseViolations(received.get('sl-violations'));
    received.delete('sl-violations');
    const location = received.get(LOCATION_HEADER);
    received.delete(LOCATION_HEADER);
    if (location !== null) received.set('location', location);
    expect(
      violations,
      `Prism: ${method} ${url} → ${response.status} drifts from codegen/openapi.json:\n${violations.map((v) => `${v.location.join('.')}: ${v.message}`).join('\n')}\n${text.slice(0, 1000)}`,
    ).toEqual([]);
    const result: RestResponse = { status: response.status, headers: received, body: parse(text), text };
    await check(method, new URL(url, 'http://x').pathname, result);
    return result;
  }

  async function call<T = Body>(method: string, url: string, options: RestCall = {}): Promise<RestResponse<T>> {
    const headers = new Headers(options.headers);
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return (await send(method, url, headers, body, options.unchecked)) as RestResponse<T>;
  }

  /** The typed client (@flowdeck/sdk/rest) over the same checked path as {@link call}. */
  const api: FlowdeckRestClient = createFlowdeckRestClient({
    baseUrl: 'http://flowdeck.test',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      const body = request.body ? await request.text() : undefined;
      const answer = await send(request.method, `${url.pathname}${url.search}`, request.headers, body);
      const empty = answer.status === 204 || answer.status === 304 || answer.status < 200;
      return new Response(empty ? null : answer.text, { status: answer.status, headers: answer.headers });
    },
  });

  return {
    call,
    get: <T = Body>(url: string, options?: RestCall) => call<T>('GET', url, options),
    post: <T = Body>(url: string, body?: unknown, options?: RestCall) => call<T>('POST', url, { ...options, body }),
    put: <T = Body>(url: string, body?: unknown, options?: RestCall) => call<T>('PUT', url, { ...options, body }),
    patch: <T = Body>(url: string, body?: unknown, options?: RestCall) => call<T>('PATCH', url, { ...options, body }),
    delete: <T = Body>(url: string, options?: RestCall) => call<T>('DELETE', url, options),
    /** The typed REST client, every call checked like {@link call}'s. */
    api,
    openapi,
  };
}

/** The client's type. */
export type RestClient = ReturnType<typeof restClient>;
