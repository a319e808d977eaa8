import { builder } from '../builder.ts';

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
