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

/** Agent level names (lower-cased) that mean error, and those that mean warning; anything else is info. */
export const ERROR_LEVEL_NAMES: readonly string[] = ['error', 'err', 'fatal', 'critical', 'crit', 'alert', 'emergency'];
export const WARNING_LEVEL_NAMES: readonly string[] = ['warn', 'warning'];

/** Agents name levels freely (debug, warn, ERROR, critical…); the log speaks three. */
export function logLevel(raw: unknown): LogLevel {
  const level = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (ERROR_LEVEL_NAMES.includes(level)) return 'error';
  if (WARNING_LEVEL_NAMES.includes(level)) return 'warning';
  return 'info';
}

/**
 * The level of each event type, or `payload` when the event's payload names it (an agent's
 * log line, through {@link logLevel}); unknown types are info. One table, so that entries and
 * the log's SQL level filter (run-log-pages.ts) can never disagree.
 */
export const EVENT_LEVELS = {
  'run.created': 'info',
  'run.started': 'info',
  'run.completed': 'info',
  'run.failed': 'error',
  'run.cancelled': 'warning',
  'run.retried': 'info',
  'step.started': 'info',
  'step.completed': 'info',
  'step.failed': 'error',
  'step.retry_scheduled': 'warning',
  'step.skipped': 'info',
  'step.cancelled': 'warning',
  'step.waiting': 'info',
  'step.signalled': 'info',
  'step.reused': 'info',
  'step.interrupted': 'warning',
  'step.log': 'payload',
} as const satisfies Record<RunEventType, LogLevel | 'payload'>;

/** The level of an event of `type` with `payload`. */
export function eventLevel(type: string, payload: Payload): LogLevel {
  const level: LogLevel | 'payload' = (EVENT_LEVELS as Record<string, LogLevel | 'payload'>)[type] ?? 'info';
  return level === 'payload' ? logLevel(payload.level) : level;
}

function describe(type: string, step: string, p: Payload): string {
  const attempt = typeof p.attempt === 'number' ? ` (attempt ${p.attempt})` : '';
  switch (type as RunEventType) {
    case 'run.created':
      return `Run created${typeof p.version === 'number' ? ` from version ${p.version}` : ''}`;
    case 'run.started':
      return 'Run started';
    case 'run.completed':
      return 'Run completed';
    case 'run.failed':
      return `Run failed: ${text(p.message) ?? 'unknown error'}`;
    case 'run.cancelled':
      return `Run cancelled${text(p.reason) ? `: ${text(p.reason)}` : ''}`;
    case 'run.retried': {
      const steps = Array.isArray(p.steps) && p.steps.length > 0 ? `; steps to run again: ${p.steps.join(', ')}` : '';
      return `Run retried from ${text(p.previousStatus) ?? 'a finished state'}${steps}`;
    }
    case 'step.started':
      return `Step '${step}' started${attempt}`;
    case 'step.completed': {
      const took = typeof p.durationMs === 'number' ? ` in ${p.durationMs} ms` : '';
      return `Step '${step}' completed${attempt}${took}`;
    }
    case 'step.failed':
      return `Step '${step}' failed${attempt}: ${errorText(p)}`;
    case 'step.retry_scheduled': {
      const at = text(p.retryAt) ? `; retrying at ${text(p.retryAt)}` : '';
      return `Step '${step}' failed${attempt}: ${errorText(p)}${at}`;
    }
    case 'step.skipped':
      return `Step '${step}' skipped${text(p.reason) ? `: ${text(p.reason)}` : ''}`;
    case 'step.cancelled':
      return `Step '${step}' cancelled`;
    case 'step.waiting':
      return `Step '${step}' waiting for a ${text(p.for) ?? 'timer'}${text(p.until) ? ` until ${text(p.until)}` : ''}`;
    case 'step.signalled':
      return `Step '${step}' received a signal`;
    case 'step.reused':
      return `Step '${step}' reused its output from run ${text(p.fromRunId) ?? 'its parent'}`;
    case 'step.interrupted':
      return `Step '${step}' interrupted${attempt}: its worker stopped; it will be tried again`;
    case 'step.log':
      return text(p.message) ?? '';
    default:
      return type;
  }
}

/** The log entry of one run event. */
export function logEntry(event: RunEvent): RunLogEntry {
  const payload = (event.payload ?? {}) as Payload;
  return {
    seq: event.seq,
    timestamp: event.createdAt,
    level: eventLevel(event.type, payload),
    type: event.type,
    stepId: event.stepId,
    attempt: typeof payload.attempt === 'number' ? payload.attempt : null,
    message: describe(event.type, event.stepId ?? '', payload),
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
