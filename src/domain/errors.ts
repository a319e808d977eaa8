import type { EntityName } from './entities.ts';
/** One problem with an input, located by a dotted/bracketed path such as `steps[2].agent`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base of every expected failure; adapters map subclasses to typed GraphQL results or HTTP statuses. */
export abstract class DomainError extends Error {
  abstract readonly code: 'NOT_FOUND' | 'VALIDATION' | 'CONFLICT' | 'INVALID_STATE' | 'FORBIDDEN' | 'UNAUTHENTICATED';
}

/** The object does not exist, or is not visible to the caller's principal. */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: EntityName,
    readonly lookup: string,
  ) {
    super(`${entity} ${lookup} not found`);
    this.name = 'NotFoundError';
  }
}

/** The input breaks one or more rules; every problem is listed, not just the first. */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION' as const;
  constructor(
    readonly issues: FieldIssue[],
    message?: string,
  ) {
    super(message ?? summarize(issues));
    this.name = 'ValidationError';
  }
}

/** The change would break a uniqueness or state rule (e.g. a duplicate name). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

function summarize(issues: FieldIssue[]): string {
  const [first] = issues;
  if (!first) return 'Invalid input';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${first.path ? `${first.path}: ` : ''}${first.message}${more}`;
}

/** The object exists but is in a state that does not allow the operation (e.g. cancelling a finished run). */
export class InvalidStateError extends DomainError {
  readonly code = 'INVALID_STATE' as const;
  constructor(
    message: string,
    readonly currentStatus: string,
    /** The object whose `currentStatus` refused the operation, and the operation, for adapters that word the refusal in their own vocabulary. */
    readonly subject?: { entity: EntityName; id: string; action: 'cancel' | 'retry' | 'execute' },
  ) {
    super(message);
    this.name = 'InvalidStateError';
  }
}

/**
 * The principal may not do this: its role is too weak (a viewer changing something, a
 * non-admin managing keys or workspaces), or its credential does not cover the workspace it
 * named. Never raised for another tenant's objects: those are not found.
 */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  constructor(
    message: string,
    /** The role the operation needs, when the role is what is missing. */
    readonly requiredRole: string | null = null,
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** No credentials, or credentials that are not valid (expired, revoked, badly signed). */
export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}
