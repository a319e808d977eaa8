// Worker pools (`Query.workers`), from the heartbeats each pool keeps in the shared database.
import type { WorkerHeartbeat } from '../../db/models.ts';
import { ForbiddenError } from '../../domain/errors.ts';
import { builder } from '../builder.ts';

const WorkerRef = builder.objectRef<WorkerHeartbeat & { alive: boolean }>('Worker').implement({
  description:
    'A worker pool: the runs one process executes, in any process sharing the database. Known by the heartbeat it renews while it runs.',
  fields: (t) => ({
    workerId: t.exposeString('workerId', {
      description: 'The pool’s id, `<host>:<pid>:<random>`, as it signs its leases on runs (not a global id).',
    }),
    concurrency: t.exposeInt('concurrency', { description: 'Runs it executes at once.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the pool started.' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', description: 'Its latest heartbeat.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'When it stops counting as alive unless it beats again (its runs are taken over once their leases expire).',
    }),
    alive: t.exposeBoolean('alive', {
      description:
        'Whether its heartbeat is current. A pool that stopped cleanly removes its row; one listed as not alive crashed or lost the database.',
    }),
  }),
});

builder.queryFields((t) => ({
  workers: t.field({
    type: [WorkerRef],
    description:
      'Every worker pool with a heartbeat, oldest first: the live ones and dead ones not yet swept (admins only: workers are infrastructure shared by every tenant).',
    errors: {
      types: [ForbiddenError],
      result: { description: 'The worker pools.' },
      dataField: { description: 'The pools, oldest first.' },
    },
    resolve: (_root, _args, ctx) => ctx.services.workers.list(ctx.principal),
  }),
}));
