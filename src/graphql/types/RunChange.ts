import type { RunChange as Change } from '../../engine/run-changes.ts';
import { parseRunFilter } from '../../domain/run-filter.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';
import { liveSource, liveValue } from '../live.ts';
import { RunRef, RunStatus } from './Run.ts';
import { RunFilter } from './RunConnection.ts';

const RunChangeKind = builder.enumType('RunChangeKind', {
  description: 'What happened to a run.',
  values: {
    CREATED: { description: 'The run was created.' },
    STATUS_CHANGED: { description: 'The run moved to another status (started, finished, cancelled, retried).' },
  } satisfies Record<Change['kind'], unknown>,
});

const RunChangeRef = builder.objectRef<Change>('RunChange').implement({
  description: 'An entry of the workspace’s live run feed: what happened and the run as it is now.',
  fields: (t) => ({
    kind: t.field({ type: RunChangeKind, description: 'Created, or a status change.', resolve: (c) => c.kind }),
    run: t.field({ type: RunRef, description: 'The run after the change.', resolve: (c) => c.run }),
    previousStatus: t.field({
      type: RunStatus,
      nullable: true,
      description: 'The status the run left; null for a new run.',
      resolve: (c) => c.previousStatus,
    }),
  }),
});

builder.subscriptionField('runsChanged', (t) =>
  t.field({
    type: RunChangeRef,
    description:
      'Live feed for run lists: each run of the workspace that is created or changes status, filtered like `runs` (a status filter matches the status entered or the one left). Changes closer together than the server reads them arrive once, with the newest state. Falling far behind ends the feed with a SLOW_SUBSCRIBER error; resubscribe and refetch the list.',
    args: { filter: t.arg({ type: RunFilter, required: false, description: 'Which runs to report (like `runs`).' }) },
    subscribe: (_root, args, ctx) => {
      // Validated here, at subscribe time, so a bad filter is an error and nothing is opened.
      const filter = parseRunFilter({
        ...args.filter,
        workflowId: args.filter?.workflowId ? idOf('Workflow', String(args.filter.workflowId)) : null,
      });
      return liveSource((signal) => ctx.runChanges.changes(ctx.principal, filter, signal));
    },
    resolve: (change) => liveValue(change),
  }),
);
