import { type CreatedApiKey, createApiKeySchema } from '../../domain/api-keys.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { Role } from '../../domain/principal.ts';
import { builder } from '../builder.ts';
import { idArgs, idFrom, idInput } from '../input-shapes.ts';
import { idOf } from '../ids.ts';

/** A role as GraphQL spells it. */
export const RoleEnum = builder.enumType('Role', {
  description: 'What a user or API key may do.',
  values: {
    VIEWER: { value: 'viewer', description: 'Read everything in its workspaces; change nothing.' },
    EDITOR: { value: 'editor', description: 'Read and change workflows, agents, runs and schedules.' },
    ADMIN: { value: 'admin', description: 'Everything an editor may, plus managing API keys and workspaces.' },
  } as const,
});

const ApiKeyRef = builder.prismaNode('ApiKey', {
  description: 'A credential for machine callers, sent as `X-API-Key` (or `Authorization: Bearer`). Its secret is shown only when created.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  // Only admins see keys; for anyone else, and in another tenant, a key does not exist.
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.role === 'admin' ? ctx.principal.tenantId : '' }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the key is for.' }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to tell keys apart.' }),
    role: t.field({ type: RoleEnum, description: 'What the key may do.', resolve: (k) => k.role as Role }),
    workspace: t.relation('workspace', {
      nullable: true,
      description: 'The one workspace the key may use; null = every workspace of the tenant.',
    }),
    createdBy: t.exposeString('createdBy', { nullable: true, description: 'Who created it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working; null = never.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was last used (recorded at most once a minute); null = never.',
    }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked; null = still valid.' }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<CreatedApiKey>('CreatedApiKey').implement({
  description: 'A key just created, with its secret: store the secret now, it is never shown again.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The key.', resolve: (created) => created.apiKey }),
    secret: t.exposeString('secret', { description: 'The whole key, to send as `X-API-Key`. Flowdeck keeps only its hash.' }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key of your tenant.',
  validate: createApiKeySchema,
  fields: (t) => ({
    name: t.string({ required: true, description: 'What the key is for.' }),
    role: t.field({ type: RoleEnum, required: true, description: 'What the key may do.' }),
    workspace: t.string({ required: false, description: 'Slug of the one workspace the key may use; omitted = every workspace.' }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'When the key stops working; omitted = never.' }),
  }),
});

builder.queryFields((t) => ({
  apiKeys: t.field({
    type: [ApiKeyRef],
    description: "Your tenant's API keys, newest first, revoked ones included (admins only).",
    errors: {
      types: [ForbiddenError],
      result: { description: "Your tenant's API keys." },
      dataField: { description: 'The keys, newest first.' },
    },
    resolve: (_root, _args, ctx) => ctx.services.apiKeys.list(ctx.principal),
  }),
}));

const RevokeApiKeyInput = idInput('RevokeApiKeyInput', 'API key to revoke');

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    description: 'Creates an API key (admins only). The answer carries the secret, the only time it is shown.',
    errors: { types: [ValidationError, ForbiddenError] },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key.' }) },
    resolve: (_root, { input }, ctx) => ctx.services.apiKeys.create(ctx.principal, input),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes an API key (admins only): requests with it fail from now on. Revoking twice is harmless.',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: idArgs(t.arg, RevokeApiKeyInput, 'key (its global id)'),
    resolve: (_root, args, ctx) => ctx.services.apiKeys.revoke(ctx.principal, idOf('ApiKey', idFrom(args))),
  }),
}));
