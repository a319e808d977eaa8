import { liveSource, liveValue } from '../live.ts';
import { builder } from '../builder.ts';
import { idOf } from '../ids.ts';

export const RunEventRef = builder.prismaNode('RunEvent', {
  description: "An entry of a run's append-only event log. `seq` increases by one per event of the run.",
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'Position in the run’s log: 1, 2, 3… with no gaps.' }),
    type: t.exposeString('type', {
      description:
        'What happened: run.created|started|completed|failed|cancelled|retried, step.started|completed|failed|retry_scheduled|skipped|cancelled|waiting|signalled|reused|interrupted|log.',
    }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'The step concerned, for step events.' }),
    payload: t.expose('payload', { type: 'JSON', description: 'Details of the event.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});

builder.subscriptionField('runEvents', (t) =>
  t.field({
    type: RunEventRef,
    description:
      'The run’s events after `afterSeq` from the log, then live ones as they are committed: no gap and no duplicate, so a client that reconnects with the last `seq` it saw resumes exactly there. A subscriber that falls far behind is disconnected with an error naming the `afterSeq` to resume from.',
    args: {
      runId: t.arg.id({ required: true, description: 'The run (global or database id).' }),
      afterSeq: t.arg.int({
        required: false,
        defaultValue: 0,
        description: 'Only events with a greater sequence (default 0: the whole log).',
      }),
    },
    subscribe: async (_root, args, ctx) => {
      // Authorization happens here, at subscribe time: a run of another workspace is not found.
      const run = await ctx.services.runs.get(ctx.principal, idOf('Run', String(args.runId)));
      return liveSource((signal) => ctx.streams.events(ctx.principal, run.id, args.afterSeq ?? 0, signal));
    },
    resolve: (event) => liveValue(event),
  }),
);
