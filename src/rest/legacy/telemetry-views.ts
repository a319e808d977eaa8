// Seed 002's telemetry responses (the execution timeline, workspace statistics and workflow
// metrics), built from the domain's analytics. Durations are in seconds, rates in percent.
import { z } from '@hono/zod-openapi';
import type { DurationStats, RunStats, RunTimeline, WorkspaceStats } from '../../domain/analytics.ts';
import type { ExecutionDetail } from '../../domain/workflow-executions.ts';
import { RUN_STATUSES } from '../../domain/statuses.ts';
import { iso } from '../schemas.ts';
import {
  LEGACY_ATTEMPT_STATUSES,
  LEGACY_EXECUTION_STATUSES,
  legacyAttemptStatus,
  legacyExecutionStatus,
  type LegacyExecutionStatus,
  legacyStepStatus,
  type LegacyStepStatus,
} from '../statuses.ts';
import { ExecutionStatus, Json, messageOf, sec, seconds, StepStatus, timestamp } from './execution-views.ts';
import { stepsOf } from './views.ts';

const Durations = z
  .object({
    count: z.number().int().openapi({ description: 'Completed executions measured.' }),
    total_seconds: z.number().openapi({ description: 'Sum of the durations (0 when none).' }),
    average_seconds: z.number().nullable().openapi({ description: 'Mean duration.' }),
    min_seconds: z.number().nullable().openapi({ description: 'Shortest duration.' }),
    max_seconds: z.number().nullable().openapi({ description: 'Longest duration.' }),
    p50_seconds: z.number().nullable().openapi({ description: 'Median (nearest rank).' }),
    p95_seconds: z.number().nullable().openapi({ description: '95th percentile (nearest rank).' }),
    p99_seconds: z.number().nullable().openapi({ description: '99th percentile (nearest rank).' }),
  })
  .openapi('LegacyDurationStats', {
    description: 'Durations (`completed_at - started_at`) of completed executions only; nearest-rank percentiles; null when none.',
  });

const SUCCESS_RATE =
  'Percentage (0-100) of finished executions that completed: completed / (completed + failed + cancelled) × 100; 0 when none has finished.';

/** Workspace-wide execution statistics. */
export const LegacyExecutionStats = z
  .object({
    total_executions: z.number().int().openapi({ description: 'Every execution of the workspace.' }),
    recent_executions_24h: z.number().int().openapi({ description: 'Executions created in the last 24 hours.' }),
    status_counts: z
      .object(
        Object.fromEntries(
          LEGACY_EXECUTION_STATUSES.map((s) => [
            s,
            z
              .number()
              .int()
              .openapi({ description: `Executions now ${s}.` }),
          ]),
        ),
      )
      .openapi({ description: 'Executions per status.' }),
    success_rate: z.number().openapi({ description: SUCCESS_RATE }),
    durations: Durations,
    workflow_engine_stats: z
      .object({
        running_executions: z.number().int().openapi({ description: 'Executions running now.' }),
        pending_executions: z.number().int().openapi({ description: 'Executions waiting for a worker now.' }),
        live_workers: z.number().int().openapi({ description: 'Worker pools alive now, in any server process.' }),
      })
      .openapi({ description: 'What the engine is doing now.' }),
  })
  .openapi('LegacyExecutionStats');

const TimelineStep = z
  .object({
    step_id: z.string().openapi({ description: 'The step (as `id` in the workflow steps).' }),
    step_name: z.string().openapi({ description: 'Its name in the workflow.' }),
    step_order: z.number().int().openapi({ description: 'Its `step_order`.' }),
    step_type: z.string().openapi({ description: 'Flowdeck step type (`agent`, `transform`, `condition`, ...).' }),
    status: StepStatus,
    depends_on: z.array(z.string()).openapi({ description: 'Step ids it waited for.' }),
    ready_at: timestamp('When its dependencies had all finished (the execution start for a first step).'),
    started_at: timestamp('When it started.'),
    completed_at: timestamp('When it finished.'),
    duration_seconds: seconds('`completed_at - started_at` (attempts, back-off and timers included)'),
    wait_time_seconds: seconds('`started_at - ready_at`'),
    retry_count: z.number().int().openapi({ description: 'Attempts after the first.' }),
    error_message: z.string().nullable().openapi({ description: 'Why it failed, or null.' }),
    input_summary: Json.openapi({ description: 'Its resolved input.' }),
    output_summary: Json.openapi({ description: 'Its output.' }),
    attempts: z
      .array(
        z.object({
          attempt: z.number().int().openapi({ description: 'Attempt number, from 1.' }),
          status: z.enum(LEGACY_ATTEMPT_STATUSES).openapi({
            description:
              '`running`, `succeeded`, `failed`, `cancelled` (cut off by a cancel or by the run failing) or `interrupted` (its worker died; not counted against retries).',
          }),
          started_at: z.string().openapi({ format: 'date-time', description: 'When it started.' }),
          finished_at: timestamp('When it ended.'),
          duration_seconds: seconds('Its duration'),
        }),
      )
      .openapi({ description: "The step's attempts, oldest first." }),
  })
  .openapi('LegacyTimelineStep');

/** WorkflowExecutionTimeline. */
export const LegacyExecutionTimeline = z
  .object({
    execution_id: z.string().openapi({ description: 'The execution.' }),
    workflow_id: z.string().openapi({ description: 'The workflow.' }),
    status: ExecutionStatus,
    created_at: z.string().openapi({ format: 'date-time', description: 'When it was submitted.' }),
    started_at: timestamp('When a worker started it.'),
    completed_at: timestamp('When it finished.'),
    queue_time_seconds: seconds('`started_at - created_at`'),
    total_duration_seconds: seconds('`completed_at - started_at`'),
    step_count: z.number().int().openapi({ description: 'Steps of the execution.' }),
    completed_step_count: z.number().int().openapi({ description: 'Steps completed.' }),
    failed_step_count: z.number().int().openapi({ description: 'Steps failed.' }),
    skipped_step_count: z.number().int().openapi({ description: 'Steps skipped (branches not taken).' }),
    step_timeline: z.array(TimelineStep).openapi({ description: 'Every step, in `step_order`.' }),
    error_message: z.string().nullable().openapi({ description: 'Why the execution failed, or `Cancelled`; null otherwise.' }),
  })
  .openapi('LegacyExecutionTimeline');

/** WorkflowMetricsSummary. */
export const LegacyWorkflowMetrics = z
  .object({
    total_duration_seconds: z.number().openapi({ description: 'Sum of the durations of completed executions.' }),
    success_rate: z.number().openapi({ description: SUCCESS_RATE }),
    total_executions: z.number().int().openapi({ description: 'Every execution of the workflow.' }),
    successful_executions: z.number().int().openapi({ description: 'Completed executions.' }),
    failed_executions: z.number().int().openapi({ description: 'Failed executions.' }),
    cancelled_executions: z.number().int().openapi({ description: 'Cancelled executions.' }),
    running_executions: z.number().int().openapi({ description: 'Pending or running now.' }),
    average_duration_seconds: z.number().openapi({ description: 'Mean duration of completed executions; 0 when none.' }),
    min_duration_seconds: z.number().nullable().openapi({ description: 'Shortest duration of a completed execution; null when none.' }),
    max_duration_seconds: z.number().nullable().openapi({ description: 'Longest duration; null when none.' }),
    p50_duration_seconds: z.number().nullable().openapi({ description: 'Median duration (nearest rank); null when none.' }),
    p95_duration_seconds: z.number().nullable().openapi({ description: '95th percentile (nearest rank); null when none.' }),
    p99_duration_seconds: z.number().nullable().openapi({ description: '99th percentile (nearest rank); null when none.' }),
  })
  .openapi('LegacyWorkflowMetrics');

/** The timeline of a run: analytics' per-step timeline, named and ordered as the workflow's steps. */
export function timelineView(timeline: RunTimeline, d: ExecutionDetail): z.output<typeof LegacyExecutionTimeline> {
  const definitions = stepsOf(d.workflow.id, d.version);
  const executed = new Map(d.steps.map((s) => [s.step.stepId, s]));
  const steps = timeline.steps
    .map((entry) => {
      const definition = definitions.find((s) => s.id === entry.stepId);
      const execution = executed.get(entry.stepId);
      return {
        step_id: entry.stepId,
        step_name: definition?.name ?? entry.stepId,
        step_order: definition?.step_order ?? 0,
        step_type: entry.type,
        status: legacyStepStatus(entry.status),
        depends_on: entry.dependsOn,
        ready_at: iso(entry.readyAt),
        started_at: iso(entry.startedAt),
        completed_at: iso(entry.completedAt),
        duration_seconds: sec(entry.durationMs),
        wait_time_seconds: sec(entry.waitTimeMs),
        retry_count: Math.max(0, entry.attemptCount - 1),
        error_message: messageOf(execution?.step.error),
        input_summary: execution?.input ?? null,
        output_summary: execution?.step.output ?? null,
        attempts: entry.attempts.map((a) => ({
          attempt: a.attempt,
          status: legacyAttemptStatus(a.status),
          started_at: a.startedAt.toISOString(),
          finished_at: iso(a.finishedAt),
          duration_seconds: sec(a.durationMs),
        })),
      };
    })
    .sort((a, b) => a.step_order - b.step_order);
  const count = (status: LegacyStepStatus) => steps.filter((s) => s.status === status).length;
  return {
    execution_id: timeline.runId,
    workflow_id: d.run.workflowId,
    status: legacyExecutionStatus(timeline.status),
    created_at: timeline.createdAt.toISOString(),
    started_at: iso(timeline.startedAt),
    completed_at: iso(timeline.completedAt),
    queue_time_seconds: sec(timeline.queueTimeMs),
    total_duration_seconds: sec(timeline.durationMs),
    step_count: steps.length,
    completed_step_count: count('completed'),
    failed_step_count: count('failed'),
    skipped_step_count: count('skipped'),
    step_timeline: steps,
    error_message: messageOf(d.run.error),
  };
}

/** Percent, 0 when nothing has finished (the field is a number in this API). */
const percent = (rate: number | null) => (rate === null ? 0 : rate * 100);
/** The sum of the durations: the mean times the count is a whole number of milliseconds. */
const totalSeconds = (d: DurationStats) => (d.avg === null ? 0 : Math.round(d.avg * d.count) / 1000);

// Each engine status counted under the word this API shows it as, so the keys are the statuses an execution can have.
function statusCounts(counts: WorkspaceStats['counts']): Record<LegacyExecutionStatus, number> {
  const out = Object.fromEntries(LEGACY_EXECUTION_STATUSES.map((s) => [s, 0])) as Record<LegacyExecutionStatus, number>;
  for (const status of RUN_STATUSES) out[legacyExecutionStatus(status)] += counts[status];
  return out;
}

/** Workspace-wide statistics: all executions, plus those created in the last 24 hours. */
export function statsView(all: WorkspaceStats, recent: RunStats, liveWorkers: number): z.output<typeof LegacyExecutionStats> {
  const d = all.durationMs;
  return {
    total_executions: all.total,
    recent_executions_24h: recent.total,
    status_counts: statusCounts(all.counts),
    success_rate: percent(all.successRate),
    durations: {
      count: d.count,
      total_seconds: totalSeconds(d),
      average_seconds: sec(d.avg),
      min_seconds: sec(d.min),
      max_seconds: sec(d.max),
      p50_seconds: sec(d.p50),
      p95_seconds: sec(d.p95),
      p99_seconds: sec(d.p99),
    },
    workflow_engine_stats: { running_executions: all.running, pending_executions: all.pending, live_workers: liveWorkers },
  };
}

/** A workflow's aggregated metrics. */
export function metricsView(stats: RunStats): z.output<typeof LegacyWorkflowMetrics> {
  const d = stats.durationMs;
  return {
    total_duration_seconds: totalSeconds(d),
    success_rate: percent(stats.successRate),
    total_executions: stats.total,
    successful_executions: stats.counts.COMPLETED,
    failed_executions: stats.counts.FAILED,
    cancelled_executions: stats.counts.CANCELLED,
    running_executions: stats.counts.PENDING + stats.counts.RUNNING,
    average_duration_seconds: sec(d.avg) ?? 0,
    min_duration_seconds: sec(d.min),
    max_duration_seconds: sec(d.max),
    p50_duration_seconds: sec(d.p50),
    p95_duration_seconds: sec(d.p95),
    p99_duration_seconds: sec(d.p99),
  };
}
