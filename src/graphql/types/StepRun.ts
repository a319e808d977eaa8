import type { StepStatus as Status } from '../../domain/statuses.ts';
import type { STEP_STATUSES } from '../../domain/statuses.ts';
import { builder } from '../builder.ts';
import { StepAttemptRef } from './StepAttempt.ts';

export const StepStatus = builder.enumType('StepStatus', {
  description: 'Lifecycle of one step in a run.',
  values: {
    PENDING: { description: 'Not started yet (or waiting for its next attempt; see `nextAttemptAt`).' },
    RUNNING: { description: 'An attempt is executing.' },
    WAITING: { description: 'Holding no worker: a delay timer or a wait for a signal.' },
    COMPLETED: { description: 'Done; `output` holds its result.' },
    FAILED: { description: 'Failed after its last allowed attempt.' },
    CANCELLED: { description: 'Stopped because the run was cancelled or failed.' },
    SKIPPED: { description: 'Only reachable through a condition branch that was not taken.' },
  } satisfies Record<(typeof STEP_STATUSES)[number], unknown>,
});

export const StepRunRef = builder.prismaNode('StepRun', {
  description: 'The state of one step of a run, with its attempt history.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    stepId: t.exposeString('stepId', { description: 'The step id in the workflow definition.' }),
    type: t.exposeString('stepType', { description: 'Step type: agent, http, condition, transform, delay or wait.' }),
    status: t.field({ type: StepStatus, description: 'Lifecycle state.', resolve: (s) => s.status as Status }),
    attemptCount: t.exposeInt('attempt', { description: 'Attempts made so far.' }),
    input: t.expose('input', { type: 'JSON', nullable: true, description: 'Input of the latest attempt, mappings resolved.' }),
    output: t.expose('output', { type: 'JSON', nullable: true, description: 'The step result, once COMPLETED.' }),
    error: t.expose('error', {
      type: 'JSON',
      nullable: true,
      description: 'The last error: message, kind, statusCode, truncated body, attempt.',
    }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a scheduled retry, delay or wait timeout is due.',
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When its first attempt started.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it reached a final state.' }),
    attempts: t.relation('attempts', { description: 'Every attempt, oldest first.', query: { orderBy: { attempt: 'asc' } } }),
  }),
});

void StepAttemptRef;
