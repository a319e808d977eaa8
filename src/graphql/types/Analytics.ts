// Run analytics: Workflow.stats, Query.workspaceStats and Run.timeline. The definitions (window,
// success rate, nearest-rank percentiles, what durations include) are in src/domain/analytics.ts.
// Millisecond values are Float because runs (a wait step for a human, say) can outlast the
// 24.8 days a 32-bit Int holds; they are always whole numbers.
import type { ArgBuilder } from '@pothos/core';
import type {
  DurationStats,
  RunStats,
  RunTimeline,
  StatsWindow,
  StatusCounts,
  StepTimelineEntry,
  TimelineAttempt,
  WorkflowRunStats,
  WorkspaceStats,
} from '../../domain/analytics.ts';
import { STEP_TYPES } from '../../domain/definition/schema.ts';
import { ValidationError } from '../../domain/errors.ts';
import { asStatus } from '../../domain/statuses.ts';
import { builder } from '../builder.ts';
import { RunRef, RunStatus } from './Run.ts';
import { AttemptStatus } from './StepAttempt.ts';
import { StepStatus } from './StepRun.ts';
import { StepType } from './StepType.ts';
import { WorkflowRef } from './Workflow.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

const StatsWindowRef = builder.objectRef<RunStats['window']>('StatsWindow').implement({
  description: 'The creation-time window runs were counted in: `from` inclusive, `to` exclusive; null means open-ended.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', nullable: true, description: 'Runs created at or after this instant.' }),
    to: t.expose('to', { type: 'DateTime', nullable: true, description: 'Runs created strictly before this instant.' }),
  }),
});

export const RunStatusCountsRef = builder.objectRef<StatusCounts>('RunStatusCounts').implement({
  description: 'How many runs are in each status.',
  fields: (t) => ({
    pending: t.exposeInt('PENDING', { description: 'PENDING runs.' }),
    running: t.exposeInt('RUNNING', { description: 'RUNNING runs.' }),
    completed: t.exposeInt('COMPLETED', { description: 'COMPLETED runs.' }),
    failed: t.exposeInt('FAILED', { description: 'FAILED runs.' }),
    cancelled: t.exposeInt('CANCELLED', { description: 'CANCELLED runs.' }),
  }),
});

export const DurationStatsRef = builder.objectRef<DurationStats>('DurationStats').implement({
  description:
    'How long COMPLETED runs took (`completedAt - startedAt`, whole milliseconds; FAILED and CANCELLED runs are left out). Percentiles are nearest-rank: pXX is the duration at rank ceil(XX/100 × count) in ascending order, always a duration that occurred. Every value is null when `count` is 0.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many durations the statistics cover.' }),
    p50: t.exposeFloat('p50', { nullable: true, description: 'Median (nearest rank), in milliseconds.' }),
    p95: t.exposeFloat('p95', { nullable: true, description: '95th percentile (nearest rank), in milliseconds.' }),
    p99: t.exposeFloat('p99', { nullable: true, description: '99th percentile (nearest rank), in milliseconds.' }),
    avg: t.exposeFloat('avg', { nullable: true, description: 'Arithmetic mean, in milliseconds (not rounded).' }),
    min: t.exposeFloat('min', { nullable: true, description: 'Shortest, in milliseconds.' }),
    max: t.exposeFloat('max', { nullable: true, description: 'Longest, in milliseconds.' }),
  }),
});

/** Fields RunStats and WorkspaceStats share. */
function runStatsFields<P extends RunStats>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, P>) {
  return {
    window: t.field({ type: StatsWindowRef, description: 'The window the runs were counted in.', resolve: (s) => s.window }),
    counts: t.field({ type: RunStatusCountsRef, description: 'Runs created in the window, by current status.', resolve: (s) => s.counts }),
    total: t.int({ description: 'Runs created in the window, whatever their status.', resolve: (s) => s.total }),
    successRate: t.float({
      nullable: true,
      description:
        'COMPLETED / (COMPLETED + FAILED + CANCELLED) among the runs of the window, from 0 to 1; null when none has finished. PENDING and RUNNING runs count neither way.',
      resolve: (s) => s.successRate,
    }),
    durationMs: t.field({
      type: DurationStatsRef,
      description: 'Durations of the COMPLETED runs of the window, in milliseconds.',
      resolve: (s) => s.durationMs,
    }),
  };
}

const RunStatsRef = builder.objectRef<RunStats>('RunStats').implement({
  description: 'Statistics of the runs created in a window, computed by the database.',
  fields: (t) => runStatsFields(t),
});

const WorkflowRunStatsRef = builder.objectRef<WorkflowRunStats>('WorkflowRunStats').implement({
  description: 'One workflow and the statistics of its runs in the window.',
  fields: (t) => ({
    workflow: t.field({ type: WorkflowRef, description: 'The workflow (possibly archived or deleted).', resolve: (e) => e.workflow }),
    stats: t.field({ type: RunStatsRef, description: 'Its runs created in the window.', resolve: (e) => e.stats }),
  }),
});

const WorkspaceStatsRef = builder.objectRef<WorkspaceStats>('WorkspaceStats').implement({
  description: 'Statistics of the runs of every workflow of the workspace created in a window, plus what is in flight now.',
  fields: (t) => ({
    ...runStatsFields(t),
    running: t.exposeInt('running', { description: 'Runs RUNNING now, whenever they were created (the window does not apply).' }),
    pending: t.exposeInt('pending', { description: 'Runs PENDING now, whenever they were created (the window does not apply).' }),
    topWorkflows: t.field({
      type: [WorkflowRunStatsRef],
      description: 'The workflows with the most runs created in the window, most first (ties by id), each with its statistics.',
      args: { limit: t.arg.int({ defaultValue: 10, description: 'How many workflows (default 10; clamped to 0..100).' }) },
      resolve: (s, args, ctx) => ctx.services.analytics.topWorkflows(ctx.principal, s.window, args.limit ?? 10),
    }),
  }),
});

const TimelineAttemptRef = builder.objectRef<TimelineAttempt>('TimelineAttempt').implement({
  description: 'One attempt at a step, on a run timeline.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: 'Attempt number, from 1.' }),
    status: t.field({ type: AttemptStatus, description: 'How it ended.', resolve: (a) => a.status }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended; null while running.' }),
    durationMs: t.exposeFloat('durationMs', {
      nullable: true,
      description: 'How long it took: as recorded, else `finishedAt - startedAt`; null while running.',
    }),
  }),
});

const StepTimelineEntryRef = builder.objectRef<StepTimelineEntry>('StepTimelineEntry').implement({
  description: 'When one step of a run could start, when it did, how long it waited and ran, and its attempts.',
  fields: (t) => ({
    stepId: t.exposeString('stepId', { description: 'The step id in the workflow definition.' }),
    type: t.exposeString('type', {
      description: 'Step type: agent, http, condition, transform, delay or wait.',
      deprecationReason: 'Use `stepType`, the same as an enum (agent is AGENT).',
    }),
    stepType: t.field({ type: StepType, description: 'What the step does.', resolve: (s) => asStatus(STEP_TYPES, s.type) }),
    status: t.field({ type: StepStatus, description: 'Lifecycle state.', resolve: (s) => s.status }),
    dependsOn: t.exposeStringList('dependsOn', { description: 'The steps it waits for, from the definition.' }),
    readyAt: t.expose('readyAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'When it became ready: the latest `completedAt` of its dependencies, or the run’s `startedAt` for a step without any; null while a dependency is not COMPLETED or SKIPPED.',
    }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When its first attempt (or timer) started; retryRun restarts it. Null if it never started.',
    }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it reached a final state.' }),
    durationMs: t.exposeFloat('durationMs', {
      nullable: true,
      description: '`completedAt - startedAt`, retries, back-off and timers included; null unless both are set.',
    }),
    waitTimeMs: t.exposeFloat('waitTimeMs', {
      nullable: true,
      description:
        '`startedAt - readyAt`: how long it waited once it could run; null if it never started or never became ready. Never negative (a start stamped a few milliseconds before a dependency’s recorded end counts as 0).',
    }),
    attemptCount: t.exposeInt('attemptCount', { description: 'How many attempts were made (delay and wait steps make none).' }),
    attempts: t.field({ type: [TimelineAttemptRef], description: 'Every attempt, oldest first.', resolve: (s) => s.attempts }),
  }),
});

const RunTimelineRef = builder.objectRef<RunTimeline>('RunTimeline').implement({
  description: 'Where a run’s time went: its queue time and duration, and each step in definition order.',
  fields: (t) => ({
    status: t.field({ type: RunStatus, description: 'The run’s lifecycle state.', resolve: (r) => r.status }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the run was accepted.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When a worker first started it.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it finished.' }),
    queueTimeMs: t.exposeFloat('queueTimeMs', {
      nullable: true,
      description: '`startedAt - createdAt`: how long it waited for a worker; null until it started.',
    }),
    durationMs: t.exposeFloat('durationMs', {
      nullable: true,
      description: '`completedAt - startedAt`; null until it finished (or if it never started).',
    }),
    steps: t.field({ type: [StepTimelineEntryRef], description: 'Every step, in definition order.', resolve: (r) => r.steps }),
  }),
});

const windowArgs = (arg: ArgBuilder<Types>) => ({
  from: arg({ type: 'DateTime', required: false, description: 'Count runs created at or after this instant (default: no lower bound).' }),
  to: arg({ type: 'DateTime', required: false, description: 'Count runs created strictly before this instant (default: no upper bound).' }),
});

const windowOf = (args: { from?: Date | null; to?: Date | null }): StatsWindow => ({ from: args.from ?? null, to: args.to ?? null });

builder.objectField(WorkflowRef, 'stats', (t) =>
  t.field({
    type: RunStatsRef,
    description: 'Counts by status, success rate and duration percentiles of this workflow’s runs created in a window.',
    errors: { types: [ValidationError] },
    args: windowArgs(t.arg),
    resolve: (w, args, ctx) => ctx.services.analytics.workflowStats(ctx.principal, w.id, windowOf(args)),
  }),
);

builder.queryFields((t) => ({
  workspaceStats: t.field({
    type: WorkspaceStatsRef,
    description:
      'Counts by status, success rate and duration percentiles of every run of the workspace created in a window, plus the runs RUNNING and PENDING now.',
    errors: { types: [ValidationError] },
    args: windowArgs(t.arg),
    resolve: (_root, args, ctx) => ctx.services.analytics.workspaceStats(ctx.principal, windowOf(args)),
  }),
}));

builder.objectFields(RunRef, (t) => ({
  timeline: t.field({
    type: RunTimelineRef,
    description: 'Where the run’s time went: queue time, duration, and each step’s readiness, start, wait, duration and attempts.',
    resolve: (r, _args, ctx) => ctx.services.analytics.runTimeline(ctx.principal, r.id),
  }),
}));
