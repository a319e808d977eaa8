import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { Context } from '../server/context.ts';
import { Kind } from 'graphql';

/**
 * Field names a selection set asks for at `path` below the current field (e.g. edges → node),
 * through fragments and inline fragments. Directives are ignored: a field skipped by
 * `@skip` is counted as asked for, which only ever selects a column too many.
 */
function fieldsAt(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  const found = new Set<string>();
  const walk = (set: SelectionSetNode | undefined, depth: number): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (depth === path.length) found.add(selection.name.value);
        else if (selection.name.value === path[depth]) walk(selection.selectionSet, depth + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, depth);
      } else {
        walk(info.fragments[selection.name.value]?.selectionSet, depth);
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet, 0);
  return found;
}

/**
 * A Prisma `select` naming only the columns a list's nodes ask for, when every field asked for
 * is a plain column (`columns` maps GraphQL field names to column names); null when any field
 * needs more (a relation, a computed field), so the caller loads whole rows as before.
 * Lists are the hot path: a page of 50 runs with every column costs several times more to read
 * and decode than the four columns a list view shows (wide JSON outputs above all).
 */
export function columnsFor(
  info: GraphQLResolveInfo,
  paths: readonly (readonly string[])[],
  columns: Readonly<Record<string, string>>,
  always: readonly string[],
): Record<string, true> | null {
  const select: Record<string, true> = {};
  for (const column of always) select[column] = true;
  for (const field of paths.flatMap((path) => [...fieldsAt(info, path)])) {
    if (field === '__typename') continue;
    const column = columns[field];
    if (!column) return null;
    select[column] = true;
  }
  return select;
}

/** GraphQL field names that are plain columns of the same name, as {@link columnsFor} takes them. */
export const sameNames = (...names: string[]): Record<string, string> => Object.fromEntries(names.map((name) => [name, name]));

/** Where a connection's items are selected: under `edges { node }` and under `nodes` (a query may ask for both). */
export const NODE_PATHS: readonly (readonly string[])[] = [['edges', 'node'], ['nodes']];

/**
 * What a connection page loads: only the columns its nodes ask for when they are all plain
 * (plus id and the sort column, which cursors need), else whole rows with the relations the
 * selection asks for, loaded with the page. Both `edges.node` and `nodes` count.
 */
export function pageQuery(
  ctx: Context,
  info: GraphQLResolveInfo,
  typeName: 'Run' | 'Workflow',
  columns: Readonly<Record<string, string>>,
  sortField: string,
) {
  const select = columnsFor(info, NODE_PATHS, columns, ['id', sortField]);
  return select ? { select } : queryFromInfo({ context: ctx, info, typeName, paths: NODE_PATHS.map((path) => [...path]) });
}
