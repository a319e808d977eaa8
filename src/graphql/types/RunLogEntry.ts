// A run's log as GraphQL shows it (the RunLogEntry type) and `Run.logs`, its keyset-paginated
// connection; what an entry says is defined in src/domain/run-logs.ts.
import { runEventDetails, runEventType } from '../../domain/run-event-details.ts';
import type { RunLogEntry } from '../../domain/run-logs.ts';
import { builder } from '../builder.ts';
import { connectionFields } from '../connections.ts';
import { LogLevel } from './LogLevel.ts';
import { RunRef } from './Run.ts';
import { RunEventKind } from './RunEvent.ts';
import { RunEventDetailsRef } from './RunEventDetails.ts';

export const RunLogEntryRef = builder.objectRef<RunLogEntry>('RunLogEntry').implement({
  description: 'One line of a run’s log: one event of its event log, with a level and a message a person can read.',
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'The event’s sequence number in the run; pass it as `afterSeq` to read only what follows.' }),
    timestamp: t.expose('timestamp', { type: 'DateTime', description: 'When it happened.' }),
    level: t.field({
      type: LogLevel,
      description: 'Severity: fixed by the kind of event, or, for an agent’s log line, the level the agent gave (mapped to these three).',
      resolve: (e) => e.level,
    }),
    message: t.exposeString('message', { description: 'What happened, in a sentence (an agent’s log line as it wrote it).' }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'The step it concerns; null for the run’s own entries.' }),
    attempt: t.exposeInt('attempt', { nullable: true, description: 'The attempt it belongs to, when it belongs to one.' }),
    kind: t.field({
      type: RunEventKind,
      description: 'The kind of event the entry is.',
      resolve: (e) => runEventType(e.type),
    }),
    details: t.field({
      type: RunEventDetailsRef,
      description: 'What the event carries, typed by its kind (as `RunEvent.details`).',
      resolve: (e) => runEventDetails({ type: e.type, stepId: e.stepId, payload: e.data as never, createdAt: e.timestamp }),
    }),
    data: t.expose('data', {
      type: 'JSON',
      description: 'The event’s payload as recorded.',
      deprecationReason: 'Use `details`, the same payload typed by its kind.',
    }),
  }),
});

builder.objectField(RunRef, 'logs', (t) =>
  t.connection(
    {
      type: RunLogEntryRef,
      description:
        'The run’s log (every event as a log line), oldest first, filtered in the database. Cursors are positions in the log, stable as it grows; a page of runs asking for their logs costs one read.',
      args: {
        level: t.arg({ type: LogLevel, required: false, description: 'Only entries of this level.' }),
        stepId: t.arg.string({ required: false, description: 'Only entries of this step (the run’s own entries have none).' }),
        afterSeq: t.arg.int({
          required: false,
          description: 'Only entries with a greater `seq` (what a client tailing the log saw last); combines with the cursors.',
        }),
      },
      resolve: async (r, args, ctx) => {
        const page = await ctx.loaders.logs(r.id, { level: args.level, stepId: args.stepId, afterSeq: args.afterSeq }, args);
        // A run the caller can see always gets a page; an empty one is the loader's answer for no rows.
        return page ?? { edges: [], pageInfo: emptyPageInfo(), totalCount: () => Promise.resolve(0) };
      },
    },
    { name: 'RunLogConnection', description: 'A page of a run’s log.', fields: connectionFields('log entries') },
    { name: 'RunLogEdge', description: 'A log entry in a page.' },
  ),
);

function emptyPageInfo() {
  return { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };
}
