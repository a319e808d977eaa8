import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { createWorkspaceSchema, type UpdateWorkspaceInput as UpdateInput, updateWorkspaceSchema } from '../../domain/workspaces.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';
import { fromEither, withId } from '../input-shapes.ts';

const WorkspaceRef = builder.prismaNode('Workspace', {
  description: 'A scope inside a tenant. Requests choose one with X-Workspace-Id or X-Workspace-Slug (default: `default`).',
  id: { field: 'id', description: 'Global id; pass it (or the database id REST returns as `workspace_id`) in X-Workspace-Id.' },
  nullable: true,
  // Like `workspaces`: the tenant's workspaces the credential may use; any other is not found.
  findUnique: (id, ctx) => ({
    id,
    tenantId: ctx.principal.tenantId,
    ...(ctx.principal.allowedWorkspaceIds ? { AND: [{ id: { in: [...ctx.principal.allowedWorkspaceIds] } }] } : {}),
  }),
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Unique within the tenant; pass it in X-Workspace-Slug.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    retentionDays: t.exposeInt('retentionDays', {
      nullable: true,
      description:
        "Days a finished run (with its steps, attempts, events and outputs) is kept after it completed; null follows the server's RUN_RETENTION_DAYS, 0 keeps runs forever.",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the workspace was created.' }),
  }),
});

const CreateWorkspaceInput = builder.inputType('CreateWorkspaceInput', {
  description: 'A new workspace in your tenant.',
  validate: createWorkspaceSchema,
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name.' }),
    slug: t.string({ required: true, description: 'Lowercase letters, digits and -, unique within the tenant.' }),
    retentionDays: t.int({
      required: false,
      description: "Days finished runs are kept (0-36500, 0 = forever); omitted or null follows the server's RUN_RETENTION_DAYS.",
    }),
  }),
});

const UpdateWorkspaceInput = builder.inputType('UpdateWorkspaceInput', {
  description: 'Changes to a workspace; omitted fields stay as they are.',
  validate: withId(updateWorkspaceSchema),
  fields: (t) => ({
    id: t.id({
      required: false,
      description: 'The workspace (its `id`, as in X-Workspace-Id); required unless the deprecated `id` argument is given.',
    }),
    name: t.string({ required: false, description: 'New display name.' }),
    retentionDays: t.int({
      required: false,
      description: "Days finished runs are kept (0-36500, 0 = forever); null returns to the server's RUN_RETENTION_DAYS.",
    }),
  }),
});

builder.queryFields((t) => ({
  currentWorkspace: t.prismaField({
    type: 'Workspace',
    description: 'The workspace this request acts in.',
    resolve: (_query, _root, _args, ctx) => ctx.services.workspaces.resolve(ctx.principal.tenantId, { id: ctx.principal.workspaceId }),
  }),
  workspaces: t.field({
    type: [WorkspaceRef],
    description: 'Every workspace of your tenant your credentials may use.',
    resolve: (_root, _args, ctx) => ctx.services.workspaces.list(ctx.principal),
  }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.field({
    type: WorkspaceRef,
    description: 'Creates a workspace in your tenant (admins only).',
    errors: { types: [ValidationError, ConflictError, ForbiddenError] },
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true, description: 'The workspace.' }) },
    resolve: (_root, { input }, ctx) => ctx.services.workspaces.create(ctx.principal, input),
  }),
  updateWorkspace: t.field({
    type: WorkspaceRef,
    description:
      'Changes a workspace of your tenant: its name, or how long its finished runs are kept (admins only). Name it by `input.id`; the `id` argument is deprecated.',
    errors: { types: [NotFoundError, ValidationError, ForbiddenError] },
    args: {
      id: t.arg.id({ required: false, deprecationReason: 'Use input.id.', description: 'The workspace (its `id`, as in X-Workspace-Id).' }),
      input: t.arg({ type: UpdateWorkspaceInput, required: true, description: 'The workspace and the changes.' }),
    },
    resolve: (_root, { id, input }, ctx) => {
      const { id: inInput, ...changes } = input;
      return ctx.services.workspaces.update(
        ctx.principal,
        idOf('Workspace', String(fromEither('input.id', 'id', inInput, id))),
        changes as UpdateInput,
      );
    },
  }),
}));
