// `Subscription.runsChanged` and `Subscription.runListChanges`: the live feed behind run lists,
// each change placed in the list's order (cursor) and resumable after a disconnect
// (resumeToken / after). `runListChanges` also reports deleted runs, whose `run` is null;
// `runsChanged` keeps its `run` non-null, as its clients were built against, and so refuses DELETED.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { Run } from '../../db/models.ts';
import { ValidationError } from '../../domain/errors.ts';
import { encodeCursor, type KeysetOrder } from '../../domain/pagination.ts';
import { parseLiveRunFilter } from '../../domain/run-filter.ts';
import {
  type RunChange as Change,
  type RunChangeKind as ChangeKind,
  changePosition,
  DEFAULT_CHANGE_KINDS,
} from '../../engine/run-changes.ts';
import type { Context } from '../../server/context.ts';
import { builder } from '../builder.ts';
import { liveSource, liveValue } from '../live.ts';
import { decodeResumeToken, encodeResumeToken } from '../resume-tokens.ts';
import { RunRef, RunStatus } from './Run.ts';
import { decodeRunFilter, orderOf, RunFilter, RunOrder } from './RunConnection.ts';

/** A change as one subscriber sees it: with the order its list is sorted by. */
type Delivered = Change & { order: KeysetOrder };

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

const RunChangeKind = builder.enumType('RunChangeKind', {
  description: 'What happened to a run.',
  values: {
    CREATED: { description: 'The run was created.' },
    STATUS_CHANGED: { description: 'The run moved to another status (started, finished, cancelled, retried).' },
    PROGRESSED: {
      description:
        'One or more of its steps finished without the run changing status (see `completedSteps`); reported only when asked for in `kinds`.',
    },
    DELETED: {
      description:
        'The run was deleted for good (by retention, or with its workflow): `run` is null, `runId` names it, `previousStatus` is the status it had. Reported only by `runListChanges`, when asked for in `kinds`.',
    },
  } satisfies Record<ChangeKind, unknown>,
});

/** The fields both feeds' entries share; only `run` differs (non-null on RunChange, nullable on RunListChange). */
function changeFields(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Delivered>) {
  return {
    kind: t.field({ type: RunChangeKind, description: 'Created, a status change, step progress, or deleted.', resolve: (c) => c.kind }),
    runId: t.id({
      description: 'The run’s global id (its `Run.id`), also once it is DELETED: the key to apply the change to a client cache by.',
      resolve: (c) => encodeGlobalID('Run', changePosition(c).id),
    }),
    previousStatus: t.field({
      type: RunStatus,
      nullable: true,
      description:
        'The status the run left; for DELETED, the status it had when deleted; null for a new run, for progress, and for changes reported by a resume.',
      resolve: (c) => c.previousStatus,
    }),
    cursor: t.string({
      description:
        'The run’s cursor in a `runs` list sorted by this subscription’s `orderBy`, equal to the edge cursor that list gives it: place or move the run in a sorted list, or page from it. For DELETED, where the run was in that list.',
      resolve: (c) => encodeCursor(c.order, c.run ?? { ...c.tombstone, id: c.tombstone.runId }),
    }),
    resumeToken: t.string({
      description:
        'Resubscribe with `after` set to the token of the last change received to get every change since, at least once: runs changed several times meanwhile come once, with their state now, and changes from shortly before the token (as long as a write can take to commit) come again, so none committed out of timestamp order is missed. Apply changes by `runId`: a repeat is then harmless. Tokens of both feeds are interchangeable, and `RunConnection.resumeToken` is one too.',
      resolve: (c) => encodeResumeToken(changePosition(c)),
    }),
    changedAt: t.field({
      type: 'DateTime',
      description:
        'When the change was stamped, by the clock of the process that wrote it: the run’s `updatedAt` after the change, or, for DELETED, when the run was deleted (the position `resumeToken` stands for). A list compares it with `RunConnection.readAt` to tell whether the page it read already reflected the change: stamped at or before, it did, unless its write was still committing during the read.',
      resolve: (c) => changePosition(c).updatedAt,
    }),
    completedSteps: t.exposeInt('completedSteps', { description: 'Steps of the run that are COMPLETED or SKIPPED; 0 for DELETED.' }),
    totalSteps: t.exposeInt('totalSteps', { description: 'Steps of the run; 0 for DELETED.' }),
  };
}

/** The run of a change on `runsChanged`, which never reports DELETED (its subscribe refuses that kind). */
function existingRun(change: Delivered): Run {
  if (change.run) return change.run;
  throw new Error('runsChanged reported a deleted run, whose `run` it cannot give');
}

const RunChangeRef = builder.objectRef<Delivered>('RunChange').implement({
  description: 'An entry of the workspace’s live run feed (`runsChanged`): what happened and the run as it is now.',
  fields: (t) => ({
    ...changeFields(t),
    run: t.field({ type: RunRef, description: 'The run after the change.', resolve: existingRun }),
  }),
});

const RunListChangeRef = builder.objectRef<Delivered>('RunListChange').implement({
  description:
    'An entry of the workspace’s live run feed with deletions (`runListChanges`): what happened and the run as it is now, or, once deleted, which run it was.',
  fields: (t) => ({
    ...changeFields(t),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: 'The run after the change; null when it was DELETED (`runId` names it).',
      resolve: (c) => c.run,
    }),
  }),
});

/** The arguments both feeds take. */
const feedArgs = (t: PothosSchemaTypes.SubscriptionFieldBuilder<Types, object>, defaultKinds: string) => ({
  filter: t.arg({
    type: RunFilter,
    required: false,
    description: 'Which runs to report (like `runs`; a deleted run is matched as it was).',
  }),
  orderBy: t.arg({
    type: RunOrder,
    required: false,
    description: 'The order of the list the changes are placed in (`cursor`); default CREATED_AT DESC, like `runs`.',
  }),
  after: t.arg.string({
    required: false,
    description:
      'A `resumeToken` from either feed, or a `runs` page’s `RunConnection.resumeToken`: first report every change after it (with the run’s state now, at least once), then go on live.',
  }),
  kinds: t.arg({
    type: [RunChangeKind],
    required: false,
    defaultValue: [...DEFAULT_CHANGE_KINDS],
    description: `Which kinds of change to report (${defaultKinds}).`,
  }),
});

/** Validates a feed's arguments at subscribe time (a bad filter or token is an error and nothing is opened), then opens it. */
function openFeed(
  ctx: Context,
  args: { filter?: Parameters<typeof decodeRunFilter>[0]; after?: string | null; kinds?: readonly ChangeKind[] | null },
) {
  const filter = parseLiveRunFilter(decodeRunFilter(args.filter));
  const after = args.after ? decodeResumeToken(args.after) : null;
  if (after && !ctx.runChanges.canResume(after)) {
    throw new GraphQLError('the resume token is too old to resume from; refetch the list and subscribe again without `after`', {
      extensions: { code: 'RESUME_EXPIRED' },
    });
  }
  const kinds = args.kinds ?? DEFAULT_CHANGE_KINDS;
  return liveSource((signal) => ctx.runChanges.changes(ctx.principal, filter, signal, { kinds, after }));
}

const RESUMING =
  'Each change carries the run’s `runId`, its `cursor` in the list’s order and a `resumeToken`: resubscribing with `after` reports every change since, at least once (a change from shortly before the token may come again, so apply changes by `runId`), then goes on live; opened with the `resumeToken` of a `runs` page, it reports every change since that page was read, so a list misses nothing between reading its first page and following it. A token older than an hour is refused with a RESUME_EXPIRED error, and falling far behind ends the feed with a SLOW_SUBSCRIBER error; after either, refetch the list and resubscribe.';

builder.subscriptionField('runsChanged', (t) =>
  t.field({
    type: RunChangeRef,
    deprecationReason: 'Use runListChanges: the same feed, which also reports deleted runs.',
    description: `Live feed for run lists: each run of the workspace that is created or changes status (and, when asked for in \`kinds\`, whose steps progress), filtered like \`runs\` (a status filter matches the status entered or the one left). Changes closer together than the server reads them arrive once, with the newest state. ${RESUMING} Deleted runs are not reported here (a list learns of them when it refetches): \`runListChanges\` is the same feed with them.`,
    args: feedArgs(t, 'default CREATED and STATUS_CHANGED; DELETED is refused: use `runListChanges`'),
    subscribe: (_root, args, ctx) => {
      if (args.kinds?.includes('DELETED')) {
        throw new ValidationError([
          { path: 'kinds', message: 'DELETED is reported by `runListChanges`, whose `run` can be null; `runsChanged` always has a run' },
        ]);
      }
      return openFeed(ctx, args);
    },
    resolve: (change, args): Delivered => ({ ...liveValue(change), order: orderOf(args.orderBy) }),
  }),
);

builder.subscriptionField('runListChanges', (t) =>
  t.field({
    type: RunListChangeRef,
    description: `\`runsChanged\` with deletions: each run of the workspace that is created, changes status, and, when asked for in \`kinds\`, whose steps progress or which is deleted for good (by retention, or with its workflow; \`run\` is then null), filtered like \`runs\` (a status filter matches the status entered or the one left; a deleted run is matched as it was). Changes closer together than the server reads them arrive once, with the newest state. ${RESUMING}`,
    args: feedArgs(t, 'default CREATED and STATUS_CHANGED; add DELETED to hear of deleted runs'),
    subscribe: (_root, args, ctx) => openFeed(ctx, args),
    resolve: (change, args): Delivered => ({ ...liveValue(change), order: orderOf(args.orderBy) }),
  }),
);
