// `Subscription.runStream`: one subscription that keeps a run page live, in batches a client
// cache applies as they come (the events, and the run as of the last of them).
import type { Run, RunEvent } from '../../db/models.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { isTerminalRun, type RunStatus } from '../../domain/statuses.ts';
import { SlowSubscriberError } from '../../engine/run-streams.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';
import { liveSource } from '../live.ts';
import { RunRef } from './Run.ts';
import { RunEventRef } from './RunEvent.ts';

/** Bounds of `batchSize`: one message never carries an unbounded part of a long log. */
const MAX_BATCH_SIZE = 1000;

interface Batch {
  kind: 'batch';
  events: RunEvent[];
  lastSeq: number;
  hasMorePastEvents: boolean;
  run: Run;
}

interface ResumeRequired {
  kind: 'resume';
  afterSeq: number;
  message: string;
}

type Payload = Batch | ResumeRequired;

const RunEventBatchRef = builder.objectRef<Batch>('RunEventBatch').implement({
  description:
    'Events of a run in sequence order, with the run as it is once the last of them is in its log: a client applies both to its cache as they come.',
  fields: (t) => ({
    events: t.field({
      type: [RunEventRef],
      description:
        'The events, oldest first, continuing the previous batch with no gap or duplicate (empty only in a first batch with nothing after `afterSeq`).',
      resolve: (b) => b.events,
    }),
    lastSeq: t.exposeInt('lastSeq', {
      description: 'The sequence of the last event delivered so far: the `afterSeq` to resubscribe with.',
    }),
    hasMorePastEvents: t.exposeBoolean('hasMorePastEvents', {
      description:
        'True while events already in the log follow at once (the backlog is not through yet); false once the stream has caught up.',
    }),
    run: t.field({
      type: RunRef,
      description:
        'The run’s state as of `lastSeq` (read once per batch for every subscriber of the run, so it may already include what later events of the log say).',
      resolve: (b) => b.run,
    }),
  }),
});

const StreamResumeRequiredRef = builder.objectRef<ResumeRequired>('StreamResumeRequired').implement({
  description:
    'The last message of a stream that fell too far behind the run’s events: nothing after `afterSeq` was sent, and the stream completes. Resubscribe with this `afterSeq` to lose nothing.',
  fields: (t) => ({
    afterSeq: t.exposeInt('afterSeq', { description: 'The sequence of the last event delivered: resubscribe with it.' }),
    message: t.exposeString('message', { description: 'What happened, phrased for a person.' }),
  }),
});

const RunStreamPayload = builder.unionType('RunStreamPayload', {
  description: 'A message of `runStream`: a batch of events, or the final notice that the subscriber must resume.',
  types: [RunEventBatchRef, StreamResumeRequiredRef],
  resolveType: (payload: Payload) => {
    switch (payload.kind) {
      case 'batch':
        return RunEventBatchRef;
      case 'resume':
        return StreamResumeRequiredRef;
    }
  },
});

/** True once `run`, read as of `lastSeq`, is finished and nothing after `lastSeq` is logged. */
function finishedAt(run: Run, lastSeq: number): boolean {
  return isTerminalRun(run.status as RunStatus) && run.lastEventSeq <= lastSeq;
}

builder.subscriptionField('runStream', (t) =>
  t.field({
    type: RunStreamPayload,
    description:
      'Keeps a run page live through one subscription: the log after `afterSeq` in batches of at most `batchSize` (`hasMorePastEvents` true until the backlog is through; there is always a first batch, possibly empty), then live events in batches as they are committed (events committed together arrive together), each batch with the run as of its `lastSeq`. With `untilFinished` the stream completes after the batch holding the run’s final event (run.completed, run.failed or run.cancelled), or right after the backlog if the run is already finished; a later retryRun re-opens the run, so subscribe again with the last `lastSeq` to follow it (a retry committed before that batch is simply streamed on). A subscriber that falls too far behind receives a final StreamResumeRequired and the stream completes. An unknown run, or one of another workspace, is a NOT_FOUND error at subscribe time, as for runEvents.',
    args: {
      runId: t.arg.id({ required: true, description: 'The run (global or database id).' }),
      afterSeq: t.arg.int({
        required: false,
        defaultValue: 0,
        description: 'Only events with a greater sequence (default 0: the whole log).',
      }),
      batchSize: t.arg.int({
        required: false,
        defaultValue: 100,
        description: `Most events in one batch, 1 to ${MAX_BATCH_SIZE} (default 100).`,
      }),
      untilFinished: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'Complete once the run is finished (default false: follow it until unsubscribed).',
      }),
    },
    subscribe: async (_root, args, ctx) => {
      const batchSize = args.batchSize ?? 100;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
        throw new ValidationError([{ path: 'batchSize', message: `must be between 1 and ${MAX_BATCH_SIZE}` }]);
      }
      // Authorization happens here, at subscribe time: a run of another workspace is not found.
      const run = await ctx.services.runs.get(ctx.principal, idOf('Run', String(args.runId)));
      const untilFinished = args.untilFinished ?? false;
      return liveSource<Batch>(async function* (signal) {
        for await (const batch of ctx.streams.batches(ctx.principal, run.id, args.afterSeq ?? 0, batchSize, signal)) {
          // One read per batch position for all of this run's subscribers; visibility was checked above.
          const now = await ctx.streams.runAt(run.id, batch.lastSeq);
          // Deleted meanwhile (retention): nothing more will come.
          if (!now) throw new NotFoundError('Run', String(args.runId));
          yield { kind: 'batch', ...batch, run: now };
          if (untilFinished && !batch.hasMorePastEvents && finishedAt(now, batch.lastSeq)) return;
        }
      });
    },
    resolve: (value): Payload =>
      value instanceof SlowSubscriberError ? { kind: 'resume', afterSeq: value.lastSeq ?? 0, message: value.message } : value,
  }),
);
