import { ENTITY_NAMES, type EntityName } from '../../domain/entities.ts';
import {
  ConflictError,
  type DomainError,
  type FieldIssue,
  ForbiddenError,
  InvalidStateError,
  NotFoundError,
  ValidationError,
} from '../../domain/errors.ts';
import { pathSegments } from '../../domain/path-segments.ts';
import { ROLES } from '../../domain/principal.ts';
import { AGENT_STATUSES, asStatus, ATTEMPT_STATUSES, RUN_STATUSES, STEP_STATUSES, WORKFLOW_STATUSES } from '../../domain/statuses.ts';
import { builder } from '../builder.ts';
import { RoleEnum } from './ApiKey.ts';

/** The codes of the errors returned as typed results (UNAUTHENTICATED fails the whole request instead). */
type TypedCode = Exclude<DomainError['code'], 'UNAUTHENTICATED'>;
const TYPED_CODES: readonly TypedCode[] = ['NOT_FOUND', 'VALIDATION', 'CONFLICT', 'INVALID_STATE', 'FORBIDDEN'];

export const ErrorCode = builder.enumType('ErrorCode', {
  description: 'Which kind of expected failure an error is, for code that branches on it.',
  values: {
    NOT_FOUND: { value: 'NOT_FOUND', description: 'NotFoundError: the object does not exist or is not visible.' },
    VALIDATION_FAILED: { value: 'VALIDATION', description: 'ValidationError: the input broke one or more rules.' },
    CONFLICT: { value: 'CONFLICT', description: 'ConflictError: the change clashes with existing data.' },
    INVALID_STATE: { value: 'INVALID_STATE', description: 'InvalidStateError: the object’s state does not allow this.' },
    FORBIDDEN: { value: 'FORBIDDEN', description: 'ForbiddenError: your role or credential does not allow this.' },
  } satisfies { [K in TypedCode as K extends 'VALIDATION' ? 'VALIDATION_FAILED' : K]: { value: K; description: string } },
});

/** Implemented by every typed error, so clients can ask `... on Error { message code }`. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Common shape of every expected failure returned as a typed result.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, phrased so a person can act on it.' }),
    code: t.field({
      type: ErrorCode,
      description: 'Which kind of failure it is (one code per error type).',
      // Read off the value rather than by `instanceof`: interface fields do not always get the
      // error instance itself. Only domain errors become typed results, so anything else is a bug.
      resolve: (e) => asStatus(TYPED_CODES, String((e as Partial<DomainError>).code)),
    }),
  }),
});

const EntityType = builder.enumType('EntityType', {
  description: 'A kind of object, as a NotFoundError names it.',
  values: {
    AGENT: { value: 'Agent', description: 'An agent.' },
    API_KEY: { value: 'ApiKey', description: 'An API key.' },
    BACKFILL_JOB: { value: 'BackfillJob', description: 'A backfill job of a schedule.' },
    BULK_RUN_OPERATION: { value: 'BulkRunOperation', description: 'A bulk cancel or retry of runs.' },
    RUN: { value: 'Run', description: 'A run.' },
    SCHEDULE: { value: 'Schedule', description: 'A schedule.' },
    STEP: { value: 'Step', description: 'A step of a run.' },
    WORKFLOW: { value: 'Workflow', description: 'A workflow.' },
    WORKFLOW_TEMPLATE: { value: 'WorkflowTemplate', description: 'A workflow template.' },
    WORKFLOW_VERSION: { value: 'WorkflowVersion', description: 'A version of a workflow.' },
    WORKSPACE: { value: 'Workspace', description: 'A workspace.' },
  } satisfies Record<string, { value: EntityName; description: string }>,
});

/** Every status an object can be in, for InvalidStateError: runs, steps, attempts, workflows and agents. */
const OBJECT_STATUSES = [
  ...new Set([...RUN_STATUSES, ...STEP_STATUSES, ...ATTEMPT_STATUSES, ...WORKFLOW_STATUSES, ...AGENT_STATUSES]),
] as const;
type AnyStatus = (typeof OBJECT_STATUSES)[number];

const ObjectStatus = builder.enumType('ObjectStatus', {
  description:
    'The status of a run, step, attempt, workflow or agent (the values of RunStatus, StepStatus, AttemptStatus and WorkflowStatus).',
  values: {
    PENDING: { description: 'A run or step not started yet.' },
    RUNNING: { description: 'A run, step or attempt in progress.' },
    WAITING: { description: 'A step waiting for a timer or a signal.' },
    COMPLETED: { description: 'A finished run or step.' },
    SUCCEEDED: { description: 'An attempt that produced the step output.' },
    FAILED: { description: 'A failed run, step or attempt.' },
    CANCELLED: { description: 'A cancelled run, step or attempt.' },
    SKIPPED: { description: 'A skipped step.' },
    INTERRUPTED: { description: 'An attempt whose worker stopped.' },
    ACTIVE: { description: 'A workflow or agent in use.' },
    INACTIVE: { description: 'A workflow or agent switched off.' },
    ARCHIVED: { description: 'An archived workflow.' },
    DELETED: { description: 'A deleted workflow or agent.' },
  } satisfies Record<AnyStatus, unknown>,
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with an input value.',
  fields: (t) => ({
    path: t.exposeString('path', {
      description: 'Where the problem is, e.g. `name` or `definition.steps[2].agent` (empty for the input as a whole).',
      deprecationReason: 'Use `fieldPath`, the same location as a list of segments.',
    }),
    fieldPath: t.stringList({
      description:
        'Where the problem is, one segment per key or array index (indices as strings), e.g. `["definition", "steps", "2", "agent"]`; empty for the input as a whole.',
      resolve: (issue) => pathSegments(issue.path),
    }),
    message: t.exposeString('message', { description: 'What is wrong there.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist, or is not visible in the workspace the request acts in.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity', {
      description: 'The kind of object looked for, e.g. `Agent`.',
      deprecationReason: 'Use `entityType`, the same as an enum (Agent is AGENT, WorkflowVersion is WORKFLOW_VERSION).',
    }),
    entityType: t.field({
      type: EntityType,
      description: 'The kind of object looked for.',
      resolve: (e) => asStatus(ENTITY_NAMES, e.entity),
    }),
    lookup: t.exposeString('lookup', { description: 'How it was looked for (its id, name or key).' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input broke one or more rules. Every problem is listed; nothing was written.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({ type: [FieldIssueRef], description: 'Every problem found, each with its location.', resolve: (e) => e.issues }),
  }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The change clashes with existing data, e.g. a name already taken in the workspace. Nothing was written.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'The input field that clashes, when one does.' }),
  }),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidStateError',
  description: 'The object exists but its state does not allow this (e.g. cancelling a finished run). Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    currentStatus: t.field({
      type: ObjectStatus,
      description: 'The status that prevented the operation.',
      resolve: (e) => asStatus(OBJECT_STATUSES, e.currentStatus),
    }),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Your role or credential does not allow this (e.g. only admins manage API keys and workspaces). Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    requiredRole: t.exposeString('requiredRole', {
      nullable: true,
      description: 'The role the operation needs (admin, editor), when the role is what is missing.',
      deprecationReason: 'Use `minimumRole`, the same as the Role enum (admin is ADMIN).',
    }),
    minimumRole: t.field({
      type: RoleEnum,
      nullable: true,
      description:
        'The least role the operation needs, when the role is what is missing (null when the credential does not cover the workspace).',
      resolve: (e) => (e.requiredRole === null ? null : asStatus(ROLES, e.requiredRole)),
    }),
  }),
});
