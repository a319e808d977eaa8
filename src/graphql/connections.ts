import type { Connection } from '../domain/pagination.ts';
import type { builder } from './builder.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * Extra fields for every connection type: an opt-in `totalCount`, counted only when asked for
 * (the domain's connection carries the count as a thunk).
 */
export function connectionFields(noun: string) {
  return (t: PothosSchemaTypes.ObjectFieldBuilder<Types, object>) => ({
    totalCount: t.int({
      description: `How many ${noun} match the filters, across all pages. Costs a count query; ask only when shown.`,
      resolve: (connection: object) => (connection as Connection<unknown>).totalCount(),
    }),
  });
}
