// Comparing answers across tenants: what a request sent is masked, so that an answer about
// another tenant's object can be compared with the answer about a missing one, and anything
// of that tenant's left in an answer is found; and whether a GraphQL answer is "not found".
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
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

/** Base64 text that may be an opaque cursor (JSON inside: `{"f":"seq","v":0,"id":"…"}`). */
const BASE64 = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

/** The JSON inside an opaque cursor, or null for any other string. */
function cursorOf(text: string): string | null {
  if (!/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  if (!decoded.startsWith('{') && !decoded.startsWith('[')) return null;
  try {
    JSON.parse(decoded);
    return decoded;
  } catch {
    return null;
  }
}

/**
 * An answer with the values the request sent replaced by placeholders, and what legitimately
 * differs between two requests (request ids, timestamps, ids of objects B just created) masked,
 * so the answer to "A's object" can be compared with the answer to "an object that never existed".
 */
export function normalize(answer: unknown, sent: readonly string[]): unknown {
  // Values of four characters or more: shorter ones ("a", "s") are words of any message.
  const pairs = placeholders(sent, 4);
  const replace = (text: string): string => {
    // A cursor names the row it stops at (a new row of B's has a new id): compared by what it holds.
    const cursor = cursorOf(text);
    if (cursor !== null) return `<cursor:${replace(cursor)}>`;
    let out = text;
    for (const [value, placeholder] of pairs) out = out.split(value).join(placeholder);
    // What the server derives from a name the request sent (a parser's "Zq-alpha-agent", "ask_zq_alpha_agent").
    out = out.replace(MARKS, '<mark>').replace(UUID, '<uuid>').replace(ISO_TIME, '<time>');
    try {
      const decoded = decodeGlobalID(out);
      if (decoded.typename && /^[0-9a-f-]{36}$/i.test(decoded.id)) out = `<gid:${decoded.typename}>`;
      // A global id made of an id the request sent (a bulk result's `Run` id of a `Workflow:…` id it was given).
      else if (decoded.typename && encodeGlobalID(decoded.typename, decoded.id) === out && replace(decoded.id) !== decoded.id) {
        out = `<gid:${decoded.typename}:${replace(decoded.id)}>`;
      }
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
  // Cursors are base64: what they hold is searched too.
  const cursors = (scrubbed.match(BASE64) ?? []).map(cursorOf).filter((cursor) => cursor !== null);
  const searched = [scrubbed, ...cursors].join('\n');
  return secrets.filter((secret) => secret && searched.includes(secret));
}

/** Every string inside a JSON value (the values a request sends). */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** A field of an answer, as selected (`status`) or aliased for its union member (`BulkRunOperation_status`). */
function fieldOf(record: Record<string, unknown>, name: string): unknown {
  return Object.entries(record).find(([key]) => key === name || key.endsWith(`_${name}`))?.[1];
}

/** Every number inside a value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

/**
 * Why a root field's answer is not "not found"-shaped, or null when it is: a typed error (any
 * `…Error` member), null, an empty list or a list of such answers, an empty page, a result
 * wrapper (`…Success { data }`) around one, an activity bucket counting nothing, a finished
 * bulk operation that found none of the runs it was given.
 */
export function notFoundShape(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const found = value.map(notFoundShape).filter((why) => why !== null);
    return found.length === 0 ? null : `a list with ${value.length} item(s), among them ${found[0]}`;
  }
  if (typeof value !== 'object') return `the value ${JSON.stringify(value)}`;
  const record = value as Record<string, unknown>;
  const typename = String(record.__typename);
  if (typename.endsWith('Error')) return null;
  const edges = fieldOf(record, 'edges');
  if (Array.isArray(edges)) return edges.length === 0 ? null : `a page with ${edges.length} edge(s)`;
  if (typename.endsWith('Success') && fieldOf(record, 'data') !== undefined) return notFoundShape(fieldOf(record, 'data'));
  if (typename === 'RunActivityBucket') {
    return numbersIn({ ...record, start: null }).every((n) => n === 0) ? null : `a bucket counting runs: ${JSON.stringify(record)}`;
  }
  if (typename === 'BulkRunOperation') {
    const done = fieldOf(record, 'status') === 'COMPLETED' && fieldOf(record, 'notFound') === fieldOf(record, 'total');
    return done ? null : `a bulk operation that found runs: ${JSON.stringify(record)}`;
  }
  return `a ${typename}`;
}
