// Extra fields of a connection of runs: the opt-in `totalCount` every connection has, the status
// facets a runs list shows as tab badges (each costs one query, run only when asked for: the
// domain's run connection carries them as thunks), and when the page was read with the resume
// token that follows the list from that moment on.
import type { RunConnection } from '../domain/runs.ts';
import type { builder } from './builder.ts';
import { connectionFields } from './connections.ts';
import { encodeResumeToken } from './resume-tokens.ts';
import { RunStatusCountsRef } from './types/Analytics.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * `totalCount`, `statusCounts`, `readAt` and `resumeToken` for a run connection type (its parent
 * is the domain's {@link RunConnection}).
 */
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
    readAt: t.field({
      type: 'DateTime',
      description:
        'When this page was read, by the server’s clock, taken just before the page and its counts were read: the position `resumeToken` resumes from. A feed change (`changedAt`) stamped at or before it is reflected in this page and its `totalCount`, unless its write was still committing during the read; one stamped after it is not, unless it committed in the instant between this time and the read.',
      resolve: (connection: object) => (connection as RunConnection).readAt,
    }),
    resumeToken: t.string({
      description:
        'Pass as `after` to `runListChanges` (or `runsChanged`) with the same `filter` and `orderBy` to follow this list from when it was read (`readAt`): the feed first reports every run changed since, at least once and with its state now, including changes committed between reading this page and the feed starting, then goes on live. Changes from shortly before the read (as long as a write can take to commit) come again, so apply them by `runId`. The same opaque format as the feed’s own tokens, refused with RESUME_EXPIRED once older than an hour.',
      resolve: (connection: object) => encodeResumeToken({ updatedAt: (connection as RunConnection).readAt, id: '' }),
    }),
  });
}
