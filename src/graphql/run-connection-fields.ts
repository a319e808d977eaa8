// Extra fields of a connection of runs: the opt-in `totalCount` every connection has, and the
// status facets a runs list shows as tab badges. Each costs one query, run only when asked for
// (the domain's run connection carries them as thunks).
import type { RunConnection } from '../domain/runs.ts';
import type { builder } from './builder.ts';
import { connectionFields } from './connections.ts';
import { RunStatusCountsRef } from './types/Analytics.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** `totalCount` and `statusCounts` for a run connection type (its parent is the domain's {@link RunConnection}). */
export function runConnectionFields() {
  const counted = connectionFields('runs');
  return (t: PothosSchemaTypes.ObjectFieldBuilder<Types, object>) => ({
    ...counted(t),
    statusCounts: t.field({
      type: RunStatusCountsRef,
      description:
        'How many runs match the filters in each status, across all pages, ignoring the `status` filter itself (tab badges show every status under the other filters). One GROUP BY; ask only when shown.',
      resolve: (connection: object) => (connection as RunConnection).statusCounts(),
    }),
  });
}
