// The resume tokens of the live run feed (`runsChanged`, `runListChanges`): one opaque format for
// the tokens changes carry and the token a `runs` page carries, so either can be passed as `after`.
import { ValidationError } from '../domain/errors.ts';
import type { FeedPosition } from '../engine/run-changes.ts';

/**
 * Encodes a position in the feed's resumable order: a change's (updatedAt, run id), or a list
 * read's time with an empty id (a resume starts from the time; the id only orders ties).
 */
export function encodeResumeToken(position: FeedPosition): string {
  return Buffer.from(JSON.stringify({ u: position.updatedAt.toISOString(), id: position.id })).toString('base64url');
}

/** Reads a token from {@link encodeResumeToken}; anything else is a ValidationError on `after`. */
export function decodeResumeToken(token: string): FeedPosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { u?: unknown; id?: unknown };
    const updatedAt = typeof parsed.u === 'string' ? new Date(parsed.u) : null;
    if (updatedAt && !Number.isNaN(updatedAt.getTime()) && typeof parsed.id === 'string') return { updatedAt, id: parsed.id };
  } catch {
    // Reported below like any other malformed token.
  }
  throw new ValidationError([
    { path: 'after', message: 'is not a resume token from runsChanged, runListChanges or runs; use a `resumeToken` the server sent' },
  ]);
}
