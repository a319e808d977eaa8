// A fetch that only goes where the egress policy allows. Every hop's URL is checked before it is
// requested; the connection's DNS lookup goes through the policy, which resolves the name once,
// judges every answer, and hands the connection exactly those addresses, so the socket goes to a
// checked address (TLS still verifies the certificate against the host name). Redirects are
// followed here, by hand, each hop checked again; credentials never follow one to another origin.

import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { EgressBodyTooLargeError, EgressError, EgressRedirectError } from './errors.ts';
import { DEFAULT_CREDENTIAL_HEADERS } from './headers.ts';
import type { EgressPolicy } from './policy.ts';

/** Default of {@link EgressFetchOptions.maxRedirects}. */
export const DEFAULT_MAX_REDIRECTS = 5;

/** Options of {@link createEgressFetch}. */
export interface EgressFetchOptions {
  /** Redirects followed per request (default 5); one more is an {@link EgressRedirectError}. */
  maxRedirects?: number;
  /** Header names that are credentials on every request, besides Authorization, Proxy-Authorization and Cookie. */
  credentialHeaders?: readonly string[];
  /**
   * A backstop on every reply body: past it the body stream fails with an
   * {@link EgressBodyTooLargeError}. Callers that need a precise limit read with their own,
   * lower one; unset, there is no backstop.
   */
  maxResponseBytes?: number;
}

/**
 * A fetch whose connections can be closed: `close()` (at shutdown, once every caller has
 * stopped) ends the pooled connections and aborts anything still in flight rather than wait on it.
 */
export type EgressFetch = typeof fetch & { close(): Promise<void> };

/** The request-init field naming a request's own credential headers (see {@link withCredentialHeaders}). */
const CREDENTIAL_FIELD = 'credentialHeaders';

/**
 * Marks headers of one request as credentials, e.g. an agent's `X-API-Key`: the egress fetch
 * drops them, with Authorization and Cookie, when a redirect leaves the request's origin. A
 * plain fetch ignores the mark.
 */
export function withCredentialHeaders(init: RequestInit, names: Iterable<string>): RequestInit {
  return { ...init, [CREDENTIAL_FIELD]: [...names] } as RequestInit;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/** One request as the redirect loop changes it. */
interface Outbound {
  url: URL;
  method: string;
  headers: Headers;
  body: BodyInit | null;
  signal: AbortSignal | null;
  redirect: RequestRedirect;
  duplex: string | undefined;
  credentialHeaders: string[];
}

async function outbound(input: RequestInfo | URL, init: RequestInit | undefined): Promise<Outbound> {
  const marked = (init as Record<string, unknown> | undefined)?.[CREDENTIAL_FIELD];
  const credentialHeaders = Array.isArray(marked) ? marked.map((name) => String(name).toLowerCase()) : [];
  if (input instanceof Request) {
    const merged = new Request(input, init);
    return {
      url: new URL(merged.url),
      method: merged.method,
      headers: new Headers(merged.headers),
      // Buffered, so a 307/308 can send it again.
      body: merged.body === null ? null : await merged.arrayBuffer(),
      signal: merged.signal,
      redirect: merged.redirect,
      duplex: undefined,
      credentialHeaders,
    };
  }
  return {
    url: new URL(input instanceof URL ? input.href : input),
    method: init?.method ?? 'GET',
    headers: new Headers(init?.headers),
    body: init?.body ?? null,
    signal: init?.signal ?? null,
    redirect: init?.redirect ?? 'follow',
    duplex: (init as { duplex?: string } | undefined)?.duplex,
    credentialHeaders,
  };
}

/**
 * A connection lookup that asks the policy: one resolution, every answer judged, and the
 * connection given exactly those answers. A refusal fails the connection before it is opened.
 */
export function checkedLookup(policy: EgressPolicy): LookupFunction {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    policy.resolveHost(hostname).then(
      (decision) => {
        if (!decision.allowed) return callback(decision.error, '', 0);
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = family === 4 || family === 6 ? decision.addresses.filter((a) => a.family === family) : decision.addresses;
        const [first] = usable;
        if (!first) {
          return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
        }
        if (options.all)
          return callback(
            null,
            usable.map(({ address, family: f }) => ({ address, family: f })),
          );
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

/** Fetch reports a failed connection as TypeError('fetch failed', {cause}); a refusal is thrown as itself. */
function unwrap(error: unknown): unknown {
  return error instanceof TypeError && error.cause instanceof EgressError ? error.cause : error;
}

/**
 * The reply with its body behind the backstop cap, if there is one. The chunk that crosses the
 * cap is passed on cut to it, and the stream fails only at the next read: a reader with a lower
 * cap of its own sees its limit crossed, rather than this failure.
 */
function capped(response: Response, maxBytes: number | undefined): Response {
  if (maxBytes === undefined || response.body === null) return response;
  let seen = 0;
  const limit = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (seen >= maxBytes) {
        controller.error(new EgressBodyTooLargeError(maxBytes));
        return;
      }
      const room = maxBytes - seen;
      seen += chunk.byteLength;
      controller.enqueue(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
    },
    flush(controller) {
      // The body ended inside the chunk that crossed the cap: what was passed on is not all of it.
      if (seen > maxBytes) controller.error(new EgressBodyTooLargeError(maxBytes));
    },
  });
  return new Response(response.body.pipeThrough(limit), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * A fetch that enforces `policy` on every request and every redirect hop: the URL is checked
 * before it is requested, the connection goes only to addresses the policy resolved and
 * judged, at most `maxRedirects` redirects are followed (303, and 301/302 after a POST, become
 * a GET without body; 307/308 keep method and body), and credential headers (Authorization,
 * Proxy-Authorization, Cookie, `options.credentialHeaders`, and those marked with
 * {@link withCredentialHeaders}) are dropped for good once a redirect leaves the origin.
 * Refusals are thrown as {@link EgressError}s, not wrapped in fetch's TypeError.
 */
export function createEgressFetch(policy: EgressPolicy, options: EgressFetchOptions = {}): EgressFetch {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const dispatcher = new Agent({ connect: { lookup: checkedLookup(policy) } });
  const alwaysCredentials = [...DEFAULT_CREDENTIAL_HEADERS, ...(options.credentialHeaders ?? [])].map((name) => name.toLowerCase());

  const egressFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = await outbound(input, init);
    const credentials = new Set([...alwaysCredentials, ...request.credentialHeaders]);
    let { url, method, body } = request;
    const { headers } = request;
    for (let hop = 0; ; hop++) {
      const refused = policy.checkStatic(url);
      if (refused) throw refused;
      let response: Response;
      try {
        // undici's fetch takes the global Headers and body types (as iterables and bytes); only the declarations differ.
        const sent = { method, headers, body, signal: request.signal, redirect: 'manual', dispatcher } as unknown as UndiciRequestInit;
        if (request.duplex !== undefined) Object.assign(sent, { duplex: request.duplex });
        response = (await undiciFetch(url, sent)) as unknown as Response;
      } catch (error) {
        throw unwrap(error);
      }
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
      if (location === null || request.redirect === 'manual') return capped(response, options.maxResponseBytes);
      await response.body?.cancel().catch(() => {});
      if (request.redirect === 'error') {
        throw new EgressRedirectError(`${url.host} answered with a redirect, which this request does not follow`, 'not-allowed');
      }
      if (hop >= maxRedirects) {
        throw new EgressRedirectError(
          `more than ${maxRedirects} redirects, starting at ${request.url.host}; the last one from ${url.host}`,
          'too-many',
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new EgressRedirectError(`${url.host} redirected to an invalid URL`, 'invalid-location');
      }
      const upper = method.toUpperCase();
      if (
        (response.status === 303 && upper !== 'GET' && upper !== 'HEAD') ||
        ((response.status === 301 || response.status === 302) && upper === 'POST')
      ) {
        method = 'GET';
        body = null;
        for (const name of BODY_HEADERS) headers.delete(name);
      } else if (body instanceof ReadableStream) {
        throw new EgressRedirectError(`${url.host} redirected a request whose streamed body cannot be sent again`, 'unreplayable-body');
      }
      if (next.origin !== url.origin) for (const name of credentials) headers.delete(name);
      url = next;
    }
  };
  return Object.assign(egressFetch, { close: () => dispatcher.destroy() });
}
