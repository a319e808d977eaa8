// Comparing answers across tenants: what a request sent is masked, so that an answer about
// another tenant's object can be compared with the answer about a missing one, and anything
// of that tenant's left in an answer is found.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { A_MARK, GHOST_MARK } from './tenants.ts';

/** Placeholders for the values a request sent: `<0>`, `<1>`… in the order given. */
function placeholders(values: readonly string[], minLength: number): [string, string][] {
  const pairs: [string, string][] = [];
  values.forEach((value, index) => {
    if (value.length < minLength) return;
    pairs.push([value, `<${index}>`]);
    // As sent in a URL path or query.
    if (encodeURIComponent(value) !== value) pairs.push([encodeURIComponent(value), `<${index}>`]);
    // A global id is looked up (and echoed) as the database id inside it, or as `Type:id`.
    try {
      const decoded = decodeGlobalID(value);
      if (decoded.typename && decoded.id) {
        pairs.push([`${decoded.typename}:${decoded.id}`, `<${index}:typed>`]);
        pairs.push([decoded.id, `<${index}:db>`]);
      }
    } catch {
      // not a global id
    }
  });
  // Longest first, so a value inside another is not replaced half-way.
  return pairs.sort((x, y) => y[0].length - x[0].length);
}

/** Answer fields that differ between two identical requests (timing, request ids, new objects' stamps). */
const VOLATILE_KEYS = new Set(['request_id', 'requestId', 'timestamp', 'parseTimeMs', 'checkedAt', 'responseTimeMs', 'traceId']);
const MARKS = new RegExp(`${A_MARK}|${GHOST_MARK}`.replaceAll('-', '[-_ ]'), 'gi');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?/g;

/**
 * An answer with the values the request sent replaced by placeholders, and what legitimately
 * differs between two requests (request ids, timestamps, ids of objects B just created) masked,
 * so the answer to "A's object" can be compared with the answer to "an object that never existed".
 */
export function normalize(answer: unknown, sent: readonly string[]): unknown {
  // Values of four characters or more: shorter ones ("a", "s") are words of any message.
  const pairs = placeholders(sent, 4);
  const replace = (text: string): string => {
    let out = text;
    for (const [value, placeholder] of pairs) out = out.split(value).join(placeholder);
    // What the server derives from a name the request sent (a parser's "Zq-alpha-agent", "ask_zq_alpha_agent").
    out = out.replace(MARKS, '<mark>').replace(UUID, '<uuid>').replace(ISO_TIME, '<time>');
    try {
      const decoded = decodeGlobalID(out);
      if (decoded.typename && /^[0-9a-f-]{36}$/i.test(decoded.id)) out = `<gid:${decoded.typename}>`;
    } catch {
      // not a global id
    }
    return out;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return replace(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) =>
          // Generated selections alias each union member's fields as `Type_field`.
          VOLATILE_KEYS.has(key.replace(/^[A-Z]\w*?_/, '')) ? [key, '<volatile>'] : [replace(key), walk(inner)],
        ),
      );
    }
    return value;
  };
  return walk(answer ?? null);
}

/**
 * The secrets of A that appear in `text` once the values the request itself sent are taken out
 * (an error may echo the id it was asked for; that tells the caller nothing it did not know).
 */
export function leaked(text: string, secrets: readonly string[], sent: readonly string[]): string[] {
  // A request that itself sends a name of A's may see it again in forms the server derives from it.
  const names = sent.some((value) => value.includes(A_MARK));
  let scrubbed = names ? text.replace(MARKS, '<mark>') : text;
  // Only ids and names: scrubbing short words could cut a secret in two and hide it.
  for (const [value] of placeholders(sent, 6)) scrubbed = scrubbed.split(value).join('<sent>');
  return secrets.filter((secret) => secret && scrubbed.includes(secret));
}

/** Every string inside a JSON value (the values a request sends). */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}
