// Run activity over time for charts (`Query.runActivity`); the definitions (UTC buckets, what
// counts where, durations) are in src/domain/run-activity.ts.
import { ValidationError } from '../../domain/errors.ts';
import { MAX_ACTIVITY_BUCKETS, type RunActivityBucket, type TIME_BUCKETS } from '../../domain/run-activity.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';
import { DurationStatsRef, RunStatusCountsRef } from './Analytics.ts';
import { RunFilter } from './RunConnection.ts';

const TimeBucket = builder.enumType('TimeBucket', {
  description: 'Size of a time bucket; buckets are aligned to UTC (a DAY starts at 00:00 UTC).',
  values: {
    MINUTE: { description: 'One minute.' },
    HOUR: { description: 'One hour.' },
    DAY: { description: 'One day, midnight to midnight UTC.' },
  } satisfies Record<(typeof TIME_BUCKETS)[number], unknown>,
});

const RunActivityBucketRef = builder.objectRef<RunActivityBucket>('RunActivityBucket').implement({
  description: 'The runs created in one time bucket, by current status, and how long the completed ones took.',
  fields: (t) => ({
    start: t.expose('start', {
      type: 'DateTime',
      description: 'Start of the bucket (a UTC boundary of its size); it ends where the next one starts.',
    }),
    counts: t.field({
      type: RunStatusCountsRef,
      description: 'Runs created in the bucket (and inside from/to), by their current status.',
      resolve: (b) => b.counts,
    }),
    durationMs: t.field({
      type: DurationStatsRef,
      description: 'Durations of the COMPLETED runs among them, in milliseconds (count 0 and nulls when none).',
      resolve: (b) => b.durationMs,
    }),
  }),
});

builder.queryFields((t) => ({
  runActivity: t.field({
    type: [RunActivityBucketRef],
    description: `Runs created in [from, to) per time bucket, oldest first, computed by the database in one query: every bucket from the one holding \`from\` to the one holding the last instant before \`to\`, empty ones with zeros, so a chart can plot them. At most ${MAX_ACTIVITY_BUCKETS} buckets (a ValidationError otherwise).`,
    errors: {
      types: [ValidationError],
      result: { description: 'The buckets.' },
      dataField: { description: 'The buckets, oldest first.' },
    },
    args: {
      filter: t.arg({
        type: RunFilter,
        required: false,
        description: 'Which runs to count, as in `runs` (its createdAfter/createdBefore narrow from/to further).',
      }),
      from: t.arg({ type: 'DateTime', required: true, description: 'Runs created at or after this instant.' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'Runs created strictly before this instant.' }),
      bucket: t.arg({ type: TimeBucket, required: true, description: 'Size of each bucket.' }),
    },
    resolve: (_root, args, ctx) => {
      const workflowId = args.filter?.workflowId ? idOf('Workflow', String(args.filter.workflowId)) : null;
      return ctx.services.runs.dashboard.activity(
        ctx.principal,
        { ...args.filter, workflowId },
        { from: args.from, to: args.to },
        args.bucket,
      );
    },
  }),
}));
