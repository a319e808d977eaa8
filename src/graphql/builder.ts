// Configures the schema builder and nothing else; types live in ./types, one file per type.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import type PrismaTypes from '../db/generated/pothos-types.ts';
import { getDatamodel } from '../db/generated/pothos-types.ts';
import { ValidationError } from '../domain/errors.ts';
import { formatPath } from '../domain/schemas/issues.ts';
import type { Context } from '../server/context.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ErrorsPlugin, PrismaPlugin, RelayPlugin, ValidationPlugin],
  prisma: {
    // The request's own client: domain services and relation loading share one connection.
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    nodeQueryOptions: {
      description: 'Fetches any object by its global id; null when it does not exist or is not visible to you.',
      args: { id: { description: 'A global id, as returned in any `id` field.' } },
    },
    nodesQueryOptions: {
      description: 'Fetches several objects by global id, in order; null for each one that is missing or not visible.',
      args: { ids: { description: 'Global ids, as returned in `id` fields.' } },
    },
    nodeTypeOptions: { description: 'An object with a globally unique, opaque id.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a connection, and cursors to move from it.' },
    idFieldOptions: { description: 'Global, opaque id; use it with `node(id:)`.' },
    cursorFieldOptions: { description: 'Opaque cursor of this item; pass it as `after` or `before`.' },
    nodeFieldOptions: { description: 'The item.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor.' },
    // Lists that need no cursor per item read `nodes` alone (src/graphql/scalar-selection.ts reads both).
    nodesOnConnection: { description: 'The items of this page, in order (the nodes of `edges`, without their cursors).' },
    pageInfoFieldOptions: { description: 'Where this page sits, and cursors to fetch the next or previous one.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page.' },
    firstArgOptions: { description: 'Page size walking forward (default 20, at most 100).' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    lastArgOptions: { description: 'Page size walking backward (at most 100).' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
  },
  errors: {
    directResult: true,
    // Query.agent → AgentResult, Mutation.createAgent → CreateAgentResult, Workflow.version → WorkflowVersionResult.
    defaultUnionOptions: {
      name: ({ parentTypeName, fieldName }) =>
        `${parentTypeName === 'Query' || parentTypeName === 'Mutation' ? '' : parentTypeName}${fieldName[0]?.toUpperCase()}${fieldName.slice(1)}Result`,
      description: 'The object asked for, or one of the typed errors this field can fail with (all implement `Error`).',
    },
    // Validation plugin failures become the typed ValidationError result instead of a thrown error.
    unsafelyHandleInputErrors: true,
  },
  validation: {
    validationError: (result) =>
      new ValidationError(
        result.issues.map((issue) => ({
          // The first segment is the argument's name (`input`); paths are relative to it, as the
          // domain's own issues are, so one ValidationError never mixes two styles.
          path: formatPath((issue.path ?? []).slice(1).map((p) => (typeof p === 'object' ? p.key : p))),
          message: issue.message,
        })),
      ),
  },
});
