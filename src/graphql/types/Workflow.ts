import { queryFromInfo } from '@pothos/plugin-prisma';
import type { Issue } from '../../domain/definition/validate.ts';
import type { DefinitionCheck } from '../../domain/definitions.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { WorkflowStatus as Status, WORKFLOW_STATUSES } from '../../domain/statuses.ts';
import { pathSegments } from '../../domain/path-segments.ts';
import { builder } from '../builder.ts';
import { fromEither, idArgs, idFrom, idInput } from '../input-shapes.ts';
import { connectionFields } from '../connections.ts';
import { NODE_PATHS, pageQuery, sameNames } from '../scalar-selection.ts';
import { idOf, isGlobalId } from '../ids.ts';
import { OrderInput } from './ordering.ts';
import { DefinitionFormat, WorkflowVersionRef } from './WorkflowVersion.ts';

export const WorkflowStatus = builder.enumType('WorkflowStatus', {
  description: 'Lifecycle of a workflow. Only ACTIVE workflows can be executed.',
  values: {
    ACTIVE: { description: 'Can be executed.' },
    INACTIVE: { description: 'Switched off; kept and editable.' },
    ARCHIVED: { description: 'Retired; readable, not executable.' },
    DELETED: { description: 'Soft-deleted; readable by id, hidden from lists unless asked for.' },
  } satisfies Record<(typeof WORKFLOW_STATUSES)[number], unknown>,
});

export const WorkflowRef = builder.prismaNode('Workflow', {
  description: 'A named, versioned workflow: a DAG of steps executed by agents.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Stable URL-safe identifier, unique among the live workflows of the workspace.' }),
    name: t.exposeString('name', { description: 'Display name, unique among the live workflows of the workspace.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the workflow does.' }),
    status: t.field({ type: WorkflowStatus, description: 'Lifecycle state.', resolve: (w) => w.status as Status }),
    currentVersion: t.exposeInt('currentVersion', { description: 'Number of the version new runs use.' }),
    latestVersion: t.relation('latestVersion', { nullable: true, description: 'The version new runs use.' }),
    version: t.field({
      type: WorkflowVersionRef,
      description: 'One version by number.',
      errors: { types: [NotFoundError] },
      args: { number: t.arg.int({ required: true, description: 'Version number.' }) },
      resolve: (w, args, ctx) => ctx.services.workflows.version(ctx.principal, w.id, args.number),
    }),
    versions: t.connection(
      {
        type: WorkflowVersionRef,
        description: 'Every version, newest first.',
        resolve: (w, args, ctx, info) =>
          ctx.services.workflows.versions(
            ctx.principal,
            w.id,
            args,
            queryFromInfo({ context: ctx, info, typeName: 'WorkflowVersion', paths: NODE_PATHS.map((path) => [...path]) }),
          ),
      },
      { name: 'WorkflowVersionConnection', description: 'A page of workflow versions.', fields: connectionFields('versions') },
      { name: 'WorkflowVersionEdge', description: 'A version in a page.' },
    ),
    timeoutSeconds: t.exposeInt('timeoutSeconds', {
      nullable: true,
      description: 'Run timeout: runs unfinished this long after starting fail.',
    }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true, description: 'Free-form labels.' }),
    createdBy: t.exposeString('createdBy', { nullable: true, description: 'Who created the workflow, when known.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the workflow was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the workflow last changed.' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'When it was soft-deleted, if it was.' }),
  }),
});

export const DefinitionIssueRef = builder.objectRef<Issue>('DefinitionIssue').implement({
  description: 'One problem found in a workflow definition.',
  fields: (t) => ({
    path: t.exposeString('path', {
      description:
        'Where, e.g. `steps[1].dependsOn[0]` (empty for the whole document). Rule violations point into the canonical form the definition converts to (steps in definition order); problems met while converting a legacy shape point into the document as posted. `stepId` names the step either way.',
      deprecationReason: 'Use `fieldPath`, the same location as a list of segments.',
    }),
    fieldPath: t.stringList({
      description:
        'Where, one segment per key or array index (indices as strings), e.g. `["steps", "1", "dependsOn", "0"]`; empty for the whole document. Points into the same document as `path`.',
      resolve: (issue) => pathSegments(issue.path),
    }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'The step concerned, when one is.' }),
    message: t.exposeString('message', { description: 'What is wrong, naming the step.' }),
  }),
});

export const WorkflowValidationRef = builder.objectRef<DefinitionCheck>('WorkflowValidation').implement({
  description: 'Outcome of validating a definition without saving it.',
  fields: (t) => ({
    valid: t.boolean({ description: 'True when there are no issues.', resolve: (c) => c.issues.length === 0 && c.definition !== null }),
    format: t.field({ type: DefinitionFormat, nullable: true, description: 'The shape detected or requested.', resolve: (c) => c.format }),
    definition: t.expose('definition', {
      type: 'JSON',
      nullable: true,
      description:
        'The canonical form, when valid, as one document: what to post to createWorkflow or updateWorkflow. To show it, read the typed `steps` and `inputs`.',
    }),
    issues: t.field({ type: [DefinitionIssueRef], description: 'Every problem found, all at once.', resolve: (c) => c.issues }),
  }),
});

const CreateWorkflowInput = builder.inputType('CreateWorkflowInput', {
  // No `validate` here: the domain checks the fields and the definition together, so one
  // ValidationError lists every problem rather than stopping at the fields.
  description: 'A new workflow; its definition becomes version 1.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name, unique in the workspace.' }),
    key: t.string({ required: false, description: 'Stable identifier (lowercase, digits, - and _); derived from the name when omitted.' }),
    description: t.string({ required: false, description: 'What the workflow does.' }),
    definition: t.field({ type: 'JSON', required: true, description: 'The definition, in any supported shape (see `format`).' }),
    format: t.field({ type: DefinitionFormat, required: false, description: 'Shape of `definition` (default AUTO).' }),
    versionLabel: t.string({ required: false, description: 'Semantic version label for version 1, e.g. `1.0.0`.' }),
    timeoutSeconds: t.int({ required: false, description: 'Runs still unfinished this long after they start fail with a timeout.' }),
    metadata: t.field({ type: 'JSON', required: false, description: 'Free-form labels (an object).' }),
  }),
});

const UpdateWorkflowInput = builder.inputType('UpdateWorkflowInput', {
  description: 'Changes to a workflow. A definition that differs from the current one creates a new version; other fields change in place.',
  fields: (t) => ({
    id: t.id({
      required: false,
      description: 'The workflow (global or database id); required unless the deprecated `id` argument is given.',
    }),
    name: t.string({ required: false, description: 'New name.' }),
    description: t.string({ required: false, description: 'New description.' }),
    definition: t.field({ type: 'JSON', required: false, description: 'New definition, in any supported shape.' }),
    format: t.field({ type: DefinitionFormat, required: false, description: 'Shape of `definition` (default AUTO).' }),
    versionLabel: t.string({ required: false, description: 'Label for the new version, if one is created.' }),
    timeoutSeconds: t.int({ required: false, description: 'Runs still unfinished this long after they start fail with a timeout.' }),
    status: t.field({ type: WorkflowStatus, required: false, description: 'ACTIVE, INACTIVE or ARCHIVED (use deleteWorkflow to delete).' }),
    metadata: t.field({ type: 'JSON', required: false, description: 'New labels (replaces the old ones).' }),
  }),
});

const WorkflowFilter = builder.inputType('WorkflowFilter', {
  description: 'Which workflows to list.',
  fields: (t) => ({
    status: t.field({ type: WorkflowStatus, required: false, description: 'Only this status (DELETED ones appear only when asked for).' }),
    nameContains: t.string({ required: false, description: 'Case-insensitive substring of the name.' }),
  }),
});

/** GraphQL fields of Workflow that are plain columns, which a list can select alone. */
const WORKFLOW_COLUMNS = sameNames(
  'id',
  'key',
  'name',
  'description',
  'status',
  'currentVersion',
  'timeoutSeconds',
  'metadata',
  'createdBy',
  'createdAt',
  'updatedAt',
  'deletedAt',
);

/** `@oneOf` reference to a workflow: exactly one of `id` or `key`. */
export const WorkflowRefInput = builder.inputType('WorkflowRef', {
  description: 'A workflow, named by exactly one of its id or its key.',
  isOneOf: true,
  fields: (t) => ({
    id: t.id({ required: false, description: 'Global id, or a database id of the workflow.' }),
    key: t.string({ required: false, description: 'Key of a live workflow.' }),
  }),
});

builder.queryFields((t) => ({
  workflows: t.connection(
    {
      type: WorkflowRef,
      description: 'Workflows of the workspace, newest first unless ordered otherwise.',
      args: {
        filter: t.arg({ type: WorkflowFilter, required: false, description: 'Filters.' }),
        orderBy: t.arg({ type: OrderInput, required: false, description: 'Sort order (default CREATED_AT DESC).' }),
      },
      resolve: (_root, args, ctx, info) =>
        ctx.services.workflows.list(
          ctx.principal,
          args.filter ?? {},
          { field: args.orderBy?.field ?? 'createdAt', direction: args.orderBy?.direction ?? 'desc' },
          args,
          // Relations selected under edges.node load with the page, not once per workflow.
          pageQuery(ctx, info, 'Workflow', WORKFLOW_COLUMNS, args.orderBy?.field ?? 'createdAt'),
        ),
    },
    { name: 'WorkflowConnection', description: 'A page of workflows.', fields: connectionFields('workflows') },
    { name: 'WorkflowEdge', description: 'A workflow in a page.' },
  ),
  workflow: t.field({
    type: WorkflowRef,
    description: 'One workflow, by id or by key.',
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      ref: t.arg({ type: WorkflowRefInput, required: false, description: 'The workflow, by id or by key.' }),
      id: t.arg.id({
        required: false,
        deprecationReason: 'Use ref: {id}.',
        description: 'Global id, or a database id of the workflow or of any of its versions (the ids REST returns).',
      }),
      key: t.arg.string({ required: false, deprecationReason: 'Use ref: {key}.', description: 'Key of a live workflow.' }),
    },
    resolve: async (_root, raw, ctx) => {
      if (raw.ref && (raw.id || raw.key))
        throw new ValidationError([{ path: 'ref', message: 'give ref or the deprecated id/key, not both' }]);
      const args = raw.ref ?? raw;
      if (args.id) {
        const id = String(args.id);
        // A raw id may also be a version id: REST (seed 004) names workflows by their versions.
        if (isGlobalId(id)) return ctx.services.workflows.get(ctx.principal, { id: idOf('Workflow', id) });
        return (await ctx.services.workflows.resolve(ctx.principal, id)).workflow;
      }
      if (args.key) return ctx.services.workflows.get(ctx.principal, { key: args.key });
      throw new ValidationError([{ path: 'id', message: 'give either id or key' }]);
    },
  }),
}));

const ArchiveWorkflowInput = idInput('ArchiveWorkflowInput', 'workflow to archive');
const DeleteWorkflowInput = idInput('DeleteWorkflowInput', 'workflow to delete');

const ValidateWorkflowInput = builder.inputType('ValidateWorkflowInput', {
  description: 'A definition to check against the workspace, without saving it.',
  fields: (t) => ({
    definition: t.field({ type: 'JSON', required: true, description: 'The definition, in any supported shape.' }),
    format: t.field({ type: DefinitionFormat, required: false, description: 'Its shape (default AUTO).' }),
  }),
});

builder.mutationFields((t) => ({
  createWorkflow: t.field({
    type: WorkflowRef,
    description: 'Creates a workflow from a definition in any supported shape, after validating it.',
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: CreateWorkflowInput, required: true, description: 'The workflow.' }) },
    resolve: (_root, { input }, ctx) => ctx.services.workflows.create(ctx.principal, input as never),
  }),
  updateWorkflow: t.field({
    type: WorkflowRef,
    description:
      'Changes a workflow. A changed definition makes a new immutable version; metadata edits do not. Name it by `input.id`; the `id` argument is deprecated.',
    errors: { types: [NotFoundError, ValidationError, ConflictError] },
    args: {
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The workflow.' }),
      input: t.arg({ type: UpdateWorkflowInput, required: true, description: 'The workflow and the changes.' }),
    },
    resolve: (_root, { id, input }, ctx) => {
      const { id: inInput, ...changes } = input;
      const workflowId = fromEither('input.id', 'id', inInput, id);
      return ctx.services.workflows.update(ctx.principal, idOf('Workflow', String(workflowId)), changes as never);
    },
  }),
  archiveWorkflow: t.field({
    type: WorkflowRef,
    description: 'Archives a workflow: readable, no longer executable.',
    errors: { types: [NotFoundError, ValidationError] },
    args: idArgs(t.arg, ArchiveWorkflowInput, 'workflow'),
    resolve: (_root, args, ctx) => ctx.services.workflows.archive(ctx.principal, idOf('Workflow', idFrom(args))),
  }),
  deleteWorkflow: t.field({
    type: WorkflowRef,
    description: 'Soft-deletes a workflow: readable by id with status DELETED; its name and key become free.',
    errors: { types: [NotFoundError, ValidationError] },
    args: idArgs(t.arg, DeleteWorkflowInput, 'workflow'),
    resolve: (_root, args, ctx) => ctx.services.workflows.remove(ctx.principal, idOf('Workflow', idFrom(args))),
  }),
  validateWorkflow: t.field({
    type: WorkflowValidationRef,
    description: 'Validates a definition against the workspace (agents included) without saving anything.',
    args: {
      input: t.arg({ type: ValidateWorkflowInput, required: false, description: 'The definition and its shape.' }),
      definition: t.arg({
        type: 'JSON',
        required: false,
        deprecationReason: 'Use input.definition.',
        description: 'The definition, in any supported shape.',
      }),
      format: t.arg({
        type: DefinitionFormat,
        required: false,
        deprecationReason: 'Use input.format.',
        description: 'Its shape (default AUTO).',
      }),
    },
    resolve: (_root, args, ctx) => {
      const definition = fromEither('input.definition', 'definition', args.input?.definition, args.definition);
      const format = (args.input ? args.input.format : args.format) ?? 'auto';
      return ctx.services.workflows.validate(ctx.principal, definition, format);
    },
  }),
}));
