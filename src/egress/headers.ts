// Which request headers are credentials (dropped when a redirect leaves the origin they were
// meant for), and which names an agent's API key may not be sent under.

/** Headers that are credentials on every request; the egress fetch never carries them to another origin. */
export const DEFAULT_CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * Header names an API key may not use: hop-by-hop and framing headers (the key would break the
 * connection or be stripped), headers that carry the request's own meaning (body type, the
 * engine's idempotency key and attempt), and ones proxies or the platform own.
 */
const RESERVED_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'connection',
  'content-length',
  'content-type',
  'cookie',
  'date',
  'expect',
  'forwarded',
  'host',
  'idempotency-key',
  'keep-alive',
  'origin',
  'range',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);
const RESERVED_PREFIXES = ['content-', 'proxy-', 'sec-', 'x-forwarded-', 'x-flowdeck-'];

/** RFC 9110 token characters: what a header name may consist of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Why `name` cannot carry an agent's API key, or null when it can. `Authorization` is allowed
 * (some services want `Authorization: ApiKey …`).
 */
export function credentialHeaderProblem(name: string): string | null {
  if (!TOKEN.test(name)) return `"${name}" is not a valid HTTP header name`;
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    return `"${name}" is a reserved header and cannot carry an API key; use a header of its own, such as X-API-Key`;
  }
  return null;
}

/** Whether two URLs share an origin (scheme, host and port), the unit credentials are scoped to. */
export function sameOrigin(a: string | URL, b: string | URL): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
