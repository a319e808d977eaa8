// How many steps of a run are in each status (`Run.stepCounts`): a runs list's progress column
// without loading every run's steps.
import type { StepStatusCounts } from '../../domain/run-console.ts';
import { builder } from '../builder.ts';
import { RunRef } from './Run.ts';

const StepStatusCountsRef = builder.objectRef<StepStatusCounts>('StepStatusCounts').implement({
  description: 'How many steps of a run are in each status.',
  fields: (t) => ({
    pending: t.exposeInt('PENDING', { description: 'PENDING steps (not started, or waiting for their next attempt).' }),
    running: t.exposeInt('RUNNING', { description: 'RUNNING steps.' }),
    waiting: t.exposeInt('WAITING', { description: 'WAITING steps (a delay timer or a signal).' }),
    completed: t.exposeInt('COMPLETED', { description: 'COMPLETED steps.' }),
    failed: t.exposeInt('FAILED', { description: 'FAILED steps.' }),
    cancelled: t.exposeInt('CANCELLED', { description: 'CANCELLED steps.' }),
    skipped: t.exposeInt('SKIPPED', { description: 'SKIPPED steps.' }),
    total: t.exposeInt('total', { description: 'Every step of the run.' }),
  }),
});

builder.objectField(RunRef, 'stepCounts', (t) =>
  t.field({
    type: StepStatusCountsRef,
    description: 'How many of its steps are in each status. A page of runs asking for it costs one GROUP BY for all of them.',
    resolve: async (r, _args, ctx) =>
      (await ctx.loaders.stepCounts.load(r.id)) ?? {
        PENDING: 0,
        RUNNING: 0,
        WAITING: 0,
        COMPLETED: 0,
        FAILED: 0,
        CANCELLED: 0,
        SKIPPED: 0,
        total: 0,
      },
  }),
);
