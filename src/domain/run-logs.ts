// A run's log, read from its event log: every event becomes one entry with a level and a
// human-readable message, in sequence order. Agent log lines (step.log), failures and every
// attempt's start, end and retry are all there, because the event log records all of them.
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Run, RunEvent } from '../db/models.ts';
import type { RunEventType } from '../db/run-events.ts';
import { type OffsetPage, offsetPage } from './offset-page.ts';
import { parseInput } from './schemas/issues.ts';

/** Severity of a log entry. */
export const LOG_LEVELS = ['info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One line of a run's log. */
export interface RunLogEntry {
  /** The event's sequence number in the run (a resume point for `afterSeq`). */
  seq: number;
  timestamp: Date;
  level: LogLevel;
  /** The event type (`step.log`, `step.failed`, `run.started`, …). */
  type: string;
  stepId: string | null;
  /** The attempt the event belongs to, when it belongs to one. */
  attempt: number | null;
  message: string;
  /** The event's payload as recorded. */
  data: Record<string, unknown>;
}

type Payload = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function errorText(payload: Payload): string {
  const error = payload.error as { message?: unknown } | null | undefined;
  return text(error?.message) ?? 'unknown error';
}

/** Agents name levels freely (debug, warn, ERROR, critical…); the log speaks three. */
export function logLevel(raw: unknown): LogLevel {
  const level = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (['error', 'err', 'fatal', 'critical', 'crit', 'alert', 'emergency'].includes(level)) return 'error';
  if (level === 'warn' || level === 'warning') return 'warning';
  return 'info';
}

function describe(type: string, step: string, p: Payload): { level: LogLevel; message: string } {
  const attempt = typeof p.attempt === 'number' ? ` (attempt ${p.attempt})` : '';
  switch (type as RunEventType) {
    case 'run.created':
      return { level: 'info', message: `Run created${typeof p.version === 'number' ? ` from version ${p.version}` : ''}` };
    case 'run.started':
      return { level: 'info', message: 'Run started' };
    case 'run.completed':
      return { level: 'info', message: 'Run completed' };
    case 'run.failed':
      return { level: 'error', message: `Run failed: ${text(p.message) ?? 'unknown error'}` };
    case 'run.cancelled':
      return { level: 'warning', message: `Run cancelled${text(p.reason) ? `: ${text(p.reason)}` : ''}` };
    case 'run.retried': {
      const steps = Array.isArray(p.steps) && p.steps.length > 0 ? `; steps to run again: ${p.steps.join(', ')}` : '';
      return { level: 'info', message: `Run retried from ${text(p.previousStatus) ?? 'a finished state'}${steps}` };
    }
    case 'step.started':
      return { level: 'info', message: `Step '${step}' started${attempt}` };
    case 'step.completed': {
      const took = typeof p.durationMs === 'number' ? ` in ${p.durationMs} ms` : '';
      return { level: 'info', message: `Step '${step}' completed${attempt}${took}` };
    }
    case 'step.failed':
      return { level: 'error', message: `Step '${step}' failed${attempt}: ${errorText(p)}` };
    case 'step.retry_scheduled': {
      const at = text(p.retryAt) ? `; retrying at ${text(p.retryAt)}` : '';
      return { level: 'warning', message: `Step '${step}' failed${attempt}: ${errorText(p)}${at}` };
    }
    case 'step.skipped':
      return { level: 'info', message: `Step '${step}' skipped${text(p.reason) ? `: ${text(p.reason)}` : ''}` };
    case 'step.cancelled':
      return { level: 'warning', message: `Step '${step}' cancelled` };
    case 'step.waiting':
      return {
        level: 'info',
        message: `Step '${step}' waiting for a ${text(p.for) ?? 'timer'}${text(p.until) ? ` until ${text(p.until)}` : ''}`,
      };
    case 'step.signalled':
      return { level: 'info', message: `Step '${step}' received a signal` };
    case 'step.reused':
      return { level: 'info', message: `Step '${step}' reused its output from run ${text(p.fromRunId) ?? 'its parent'}` };
    case 'step.interrupted':
      return { level: 'warning', message: `Step '${step}' interrupted${attempt}: its worker stopped; it will be tried again` };
    case 'step.log':
      return { level: logLevel(p.level), message: text(p.message) ?? '' };
    default:
      return { level: 'info', message: type };
  }
}

/** The log entry of one run event. */
export function logEntry(event: RunEvent): RunLogEntry {
  const payload = (event.payload ?? {}) as Payload;
  const { level, message } = describe(event.type, event.stepId ?? '', payload);
  return {
    seq: event.seq,
    timestamp: event.createdAt,
    level,
    type: event.type,
    stepId: event.stepId,
    attempt: typeof payload.attempt === 'number' ? payload.attempt : null,
    message,
    data: payload,
  };
}

/** Which part of a run's log to read. */
export const runLogQuerySchema = z.object({
  /** Only entries after this sequence number (what a client tailing the log saw last). */
  afterSeq: z.int().min(0).nullish(),
  offset: z.int().min(0).default(0),
  limit: z.int().min(1).max(1000).default(100),
});
export type RunLogQuery = z.input<typeof runLogQuerySchema>;

/**
 * A page of a run's log, in sequence order. `run` must already be known to be visible to the
 * caller. `total` counts the entries after `afterSeq`, so pages number from that point.
 */
export async function readRunLogs(db: Db, run: Run, raw: RunLogQuery): Promise<OffsetPage<RunLogEntry>> {
  const query = parseInput(runLogQuerySchema, raw);
  const where = { runId: run.id, ...(query.afterSeq != null ? { seq: { gt: query.afterSeq } } : {}) };
  const page = await offsetPage(db.runEvent, where, [{ seq: 'asc' }], query.offset, query.limit);
  return { items: page.items.map(logEntry), total: page.total };
}
