import { STEP_TYPES } from '../../domain/definition/schema.ts';
import { readStepFailure } from '../../domain/failures.ts';
import { asStatus } from '../../domain/statuses.ts';
import type { StepStatus as Status } from '../../domain/statuses.ts';
import type { STEP_STATUSES } from '../../domain/statuses.ts';
import { builder } from '../builder.ts';
import { AgentRef } from './Agent.ts';
import { StepAttemptRef } from './StepAttempt.ts';
import { StepErrorRef } from './StepError.ts';
import { StepType } from './StepType.ts';

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
    type: t.exposeString('stepType', {
      description: 'Step type: agent, http, condition, transform, delay or wait.',
      deprecationReason: 'Use `stepType`, the same as an enum (agent is AGENT).',
    }),
    stepType: t.field({ type: StepType, description: 'What the step does.', resolve: (s) => asStatus(STEP_TYPES, s.stepType) }),
    status: t.field({ type: StepStatus, description: 'Lifecycle state.', resolve: (s) => s.status as Status }),
    attemptCount: t.exposeInt('attempt', { description: 'Attempts made so far.' }),
    input: t.expose('input', { type: 'JSON', nullable: true, description: 'Input of the latest attempt, mappings resolved.' }),
    output: t.expose('output', { type: 'JSON', nullable: true, description: 'The step result, once COMPLETED.' }),
    error: t.expose('error', {
      type: 'JSON',
      nullable: true,
      description: 'The last error: message, kind, statusCode, truncated body, attempt.',
      deprecationReason: 'Use `failure`, the same typed.',
    }),
    failure: t.field({
      type: StepErrorRef,
      nullable: true,
      description: 'Why its last attempt failed (kept while a retry is pending); null once it completes.',
      resolve: (s) => readStepFailure(s.error, { attempt: s.attempt }),
    }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a scheduled retry, delay or wait timeout is due.',
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When its first attempt started.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it reached a final state.' }),
    attempts: t.relation('attempts', { description: 'Every attempt, oldest first.', query: { orderBy: { attempt: 'asc' } } }),
    agent: t.field({
      type: AgentRef,
      nullable: true,
      description:
        'The registered agent an `agent` step calls: the one recorded on the step when there is one, else the live agent of the workspace with the name its definition gives (the one the engine calls). Null for other step types, and when no live agent has that name.',
      // Batched: every step of a page of runs is answered by one read of agents.
      resolve: (s, _args, ctx) => ctx.loaders.agentOf(s),
    }),
    dependsOn: t.stringList({
      description: 'The steps it waits for (their ids), as the run’s workflow version defines them.',
      // The definition is read once per request for all the run’s steps (and once for all runs of a page).
      resolve: async (s, _args, ctx) => [
        ...((await ctx.loaders.definition(s.runId))?.steps.find((d) => d.id === s.stepId)?.dependsOn ?? []),
      ],
    }),
  }),
});

void StepAttemptRef;
