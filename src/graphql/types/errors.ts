import { ConflictError, type FieldIssue, ForbiddenError, InvalidStateError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';

/** Implemented by every typed error, so clients can ask `... on Error { message }`. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Common shape of every expected failure returned as a typed result.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, phrased so a person can act on it.' }),
  }),
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with an input value.',
  fields: (t) => ({
    path: t.exposeString('path', {
      description: 'Where the problem is, e.g. `name` or `definition.steps[2].agent` (empty for the input as a whole).',
    }),
    message: t.exposeString('message', { description: 'What is wrong there.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist, or is not visible in the workspace the request acts in.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity', { description: 'The kind of object looked for, e.g. `Agent`.' }),
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
    currentStatus: t.exposeString('currentStatus', { description: 'The status that prevented the operation.' }),
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
    }),
  }),
});
