import type { ZodError } from 'zod';
import { type DomainError, type FieldIssue, InvalidStateError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { refusalIn } from './refusals.ts';

/**
 * The REST dialects Flowdeck answers, one per documented API; each documents its own statuses
 * and error shapes for the same failures. v1: /api/v1 (seed 004); v2: /api/v2/workflows (seed
 * 003); legacy: /api/workflows (seed 002); history: /api/v1/workflows/runs and descriptors
 * (seed 000); engine: /workflows (seed 001).
 */
export type Dialect = 'v1' | 'v2' | 'legacy' | 'history' | 'engine';

/**
 * The status of a request that fails validation at the edge: FastAPI's 422 where the callers
 * are FastAPI clients (seeds 004 and 000), 400 where the documents say validation is a 400.
 */
export function validationStatus(dialect: Dialect): 400 | 422 {
  switch (dialect) {
    case 'v1':
    case 'history':
      return 422;
    case 'v2':
    case 'legacy':
    case 'engine':
      return 400;
    default: {
      const never: never = dialect;
      throw new Error(`unknown dialect ${String(never)}`);
    }
  }
}

/**
 * The HTTP status of a domain failure, for every dialect: the one place where domain errors
 * meet HTTP. Seed 004 answers business failures (duplicates included) with 400; the others
 * document 409 for conflicts. Seed 002 (legacy) documents 400 for validation only and 409 for
 * "conflicting state", which is what an InvalidStateError is (e.g. cancelling a finished run).
 */
export function statusOf(error: DomainError, dialect: Dialect): 400 | 401 | 403 | 404 | 409 {
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'VALIDATION':
      return 400;
    case 'INVALID_STATE':
      return dialect === 'legacy' ? 409 : 400;
    case 'CONFLICT':
      return dialect === 'v1' ? 400 : 409;
    default: {
      const never: never = error.code;
      throw new Error(`unmapped domain error ${String(never)}`);
    }
  }
}

/** How seed 002 names what was not found (`{"detail": "Workflow not found"}`). */
const LEGACY_ENTITIES: Record<string, string> = { Run: 'Workflow execution' };

/** The `detail` message of a domain failure (not-found messages and refusals in the seeds' wording). */
export function detailOf(error: DomainError, dialect: Dialect = 'v1'): string {
  if (error instanceof NotFoundError && dialect === 'legacy') return `${LEGACY_ENTITIES[error.entity] ?? error.entity} not found`;
  if (error instanceof InvalidStateError) return refusalIn(dialect, error) ?? error.message;
  if (error instanceof NotFoundError) {
    const quoted = /^"(.*)"$/.exec(error.lookup);
    return quoted ? `${error.entity} with id '${quoted[1]}' not found` : error.message;
  }
  return error.message;
}

/**
 * The same validation failure with its fields named as the caller sent them (`names` maps a
 * domain field to the request's, e.g. `cronExpression` → `cron_expression`), so a dialect's
 * callers read the names they know; its message is rebuilt from the renamed issues. Other
 * errors pass through unchanged.
 */
export function withRequestFieldNames(error: unknown, names: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof ValidationError)) return error;
  const rename = (path: string) => path.replace(/^[^.[]+/, (field) => names[field] ?? field);
  const issues: FieldIssue[] = error.issues.map((issue) => ({ ...issue, path: rename(issue.path) }));
  return new ValidationError(issues);
}

/** One entry of a 422 `detail` list, in the shape FastAPI/pydantic clients already parse. */
export interface ValidationDetail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

/** Where a request value came from, as pydantic names it in `loc`. */
export type Location = 'body' | 'query' | 'path' | 'header';

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const plural = (n: number | bigint, word: string) => `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

/** zod's issues as pydantic-style entries, so seed-004 callers read the errors they expect. */
export function validationDetails(error: ZodError, location: Location, data: unknown): ValidationDetail[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const loc: (string | number)[] = [location, ...path];
    const input = valueAt(data, issue.path);
    switch (issue.code) {
      case 'invalid_type':
        if (input === undefined)
          return { type: 'missing', loc, msg: 'Field required', input: valueAt(data, issue.path.slice(0, -1)) ?? null };
        return { type: `${issue.expected}_type`, loc, msg: `Input should be a valid ${issue.expected}`, input };
      case 'too_small':
        if (issue.origin === 'string')
          return { type: 'string_too_short', loc, msg: `String should have at least ${plural(issue.minimum, 'character')}`, input };
        if (issue.origin === 'array')
          return { type: 'too_short', loc, msg: `List should have at least ${plural(issue.minimum, 'item')}`, input };
        return {
          type: issue.inclusive ? 'greater_than_equal' : 'greater_than',
          loc,
          msg: `Input should be greater than${issue.inclusive ? ' or equal to' : ''} ${issue.minimum}`,
          input,
        };
      case 'too_big':
        if (issue.origin === 'string')
          return { type: 'string_too_long', loc, msg: `String should have at most ${plural(issue.maximum, 'character')}`, input };
        if (issue.origin === 'array')
          return { type: 'too_long', loc, msg: `List should have at most ${plural(issue.maximum, 'item')}`, input };
        return {
          type: issue.inclusive ? 'less_than_equal' : 'less_than',
          loc,
          msg: `Input should be less than${issue.inclusive ? ' or equal to' : ''} ${issue.maximum}`,
          input,
        };
      case 'invalid_value': {
        const options = issue.values.map((v) => `'${String(v)}'`);
        const list = options.length > 1 ? `${options.slice(0, -1).join(', ')} or ${options.at(-1)}` : (options[0] ?? '');
        return { type: 'enum', loc, msg: `Input should be ${list}`, input };
      }
      case 'unrecognized_keys':
        return { type: 'extra_forbidden', loc, msg: `Extra inputs are not permitted: ${issue.keys.join(', ')}`, input };
      case 'invalid_format':
        // pydantic's name for a string that fails its `pattern`.
        if (issue.format === 'regex') return { type: 'string_pattern_mismatch', loc, msg: issue.message, input };
        return { type: `${issue.format}_parsing`, loc, msg: issue.message, input };
      default:
        return { type: 'value_error', loc, msg: issue.message, input };
    }
  });
}
