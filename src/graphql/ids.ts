import { decodeGlobalID } from '@pothos/plugin-relay';

/**
 * The database id behind an `ID` argument. Global ids of another type decode to an id that
 * matches nothing, so the lookup reports NotFoundError; raw database ids are accepted too,
 * for clients moving over from the REST API.
 */
export function idOf(typename: string, id: string): string {
  try {
    const decoded = decodeGlobalID(id);
    if (decoded.typename === typename) return decoded.id;
    if (decoded.typename && decoded.id) return `${decoded.typename}:${decoded.id}`;
  } catch {
    // not a global id: fall through to the raw id
  }
  return id;
}

/** Whether `id` is a Relay global id (of any type), rather than a raw database id. */
export function isGlobalId(id: string): boolean {
  try {
    const decoded = decodeGlobalID(id);
    return Boolean(decoded.typename && decoded.id);
  } catch {
    return false;
  }
}
