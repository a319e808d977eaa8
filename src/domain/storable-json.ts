// What the database can store as JSON. PostgreSQL's jsonb refuses the NUL character (\u0000)
// anywhere in a document; refusing it on SQLite too keeps both databases behaving alike.

const NUL = '\u0000';

/** Whether any string (or key) inside `value` holds a NUL character. */
export function hasNulCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(hasNulCharacter);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes(NUL) || hasNulCharacter(v));
  return false;
}

/** The issue to report for a JSON value at `path` that the database cannot store, if any. */
export function nulIssue(path: string, value: unknown): { path: string; message: string }[] {
  return hasNulCharacter(value)
    ? [{ path, message: 'contains a NUL character (\\u0000), which cannot be stored; encode binary data (e.g. base64)' }]
    : [];
}
