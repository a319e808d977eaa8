import type { AttemptStatus as Status } from '../../domain/statuses.ts';
import type { ATTEMPT_STATUSES } from '../../domain/statuses.ts';
import { readStepFailure } from '../../domain/failures.ts';
import { builder } from '../builder.ts';
import { StepErrorRef } from './StepError.ts';

export const AttemptStatus = builder.enumType('AttemptStatus', {
  description: 'How one attempt at a step ended.',
  values: {
    RUNNING: { description: 'In progress.' },
    SUCCEEDED: { description: 'Produced the step output.' },
    FAILED: { description: 'Failed; see `error` and whether a retry was scheduled (`retryAt`).' },
    CANCELLED: { description: 'Aborted because the run was cancelled or failed elsewhere.' },
    INTERRUPTED: { description: 'Its worker stopped mid-attempt; the step was tried again (does not count against retries).' },
  } satisfies Record<(typeof ATTEMPT_STATUSES)[number], unknown>,
});

export const StepAttemptRef = builder.prismaNode('StepAttempt', {
  description: 'One try at executing a step: its input, how it ended, and what it returned or why it failed.',
  id: { field: 'id', description: 'Global id.' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: ctx.principal.tenantId, workspaceId: ctx.principal.workspaceId }),
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: 'Attempt number, from 1.' }),
    status: t.field({ type: AttemptStatus, description: 'How it ended.', resolve: (a) => a.status as Status }),
    input: t.expose('input', { type: 'JSON', nullable: true, description: 'The resolved input sent.' }),
    output: t.expose('output', { type: 'JSON', nullable: true, description: 'What it returned, when it succeeded.' }),
    error: t.expose('error', {
      type: 'JSON',
      nullable: true,
      description: 'Why it failed: `{message, kind, statusCode, body (truncated), retryable, attempt}`.',
      deprecationReason: 'Use `failure`, the same typed.',
    }),
    failure: t.field({
      type: StepErrorRef,
      nullable: true,
      description: 'Why it failed, or why it was interrupted; null when it succeeded, runs or was cancelled.',
      resolve: (a) => readStepFailure(a.error, { attempt: a.attempt, interrupted: a.status === 'INTERRUPTED' }),
    }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'HTTP status the agent answered with, if any.' }),
    workerId: t.exposeString('workerId', { nullable: true, description: 'The worker process that ran it.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'How long it took.' }),
    retryAt: t.expose('retryAt', { type: 'DateTime', nullable: true, description: 'When the next attempt is due, if one was scheduled.' }),
  }),
});
