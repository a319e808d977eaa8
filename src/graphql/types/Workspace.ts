import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';

const WorkspaceRef = builder.prismaObject('Workspace', {
  description: 'A scope inside a tenant. Requests choose one with X-Workspace-Id or X-Workspace-Slug (default: `default`).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Database id; pass it in X-Workspace-Id.' }),
    slug: t.exposeString('slug', { description: 'Unique within the tenant; pass it in X-Workspace-Slug.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the workspace was created.' }),
  }),
});

const CreateWorkspaceInput = builder.inputType('CreateWorkspaceInput', {
  description: 'A new workspace in your tenant.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name.' }),
    slug: t.string({ required: true, description: 'Lowercase letters, digits and -, unique within the tenant.' }),
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
    description: 'Every workspace of your tenant.',
    resolve: (_root, _args, ctx) => ctx.services.workspaces.list(ctx.principal),
  }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.field({
    type: WorkspaceRef,
    description: 'Creates a workspace in your tenant.',
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true, description: 'The workspace.' }) },
    resolve: (_root, { input }, ctx) => ctx.services.workspaces.create(ctx.principal, input),
  }),
}));
