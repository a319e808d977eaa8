// How the console writes times, durations, ids and JSON.

import { useEffect, useState } from 'react';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 });

/** A date and time in the reader's locale and time zone; an em dash for none. */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** A time of day with milliseconds (event log lines are close together). */
export function formatTime(iso: string): string {
  return timeOnly.format(new Date(iso));
}

/** A duration a person reads at a glance: 850 ms, 12.3 s, 4 min 5 s, 2 h 3 min. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/**
 * How long something took, or has been going on: the server's figure once finished, else
 * now - start (the server leaves durations null while a run is running).
 */
export function elapsed(
  durationMs: number | null | undefined,
  startedAt: string | null | undefined,
  finishedAt: string | null | undefined,
  now: number,
): number | null {
  if (durationMs !== null && durationMs !== undefined) return durationMs;
  if (!startedAt) return null;
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return end - Date.parse(startedAt);
}

/** The current time, re-read every `intervalMs` while `active` (running durations tick). */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

/**
 * A short form of a run's id for lists: the first 8 characters of its database id, which the
 * runs search also finds it by. The API's ids are Relay global ids (base64 of `Run:<uuid>`).
 */
export function shortRunId(id: string): string {
  try {
    const decoded = window.atob(id);
    const match = /^[A-Za-z]+:(.+)$/.exec(decoded);
    if (match?.[1]) return match[1].slice(0, 8);
  } catch {
    // Not base64: a database id already.
  }
  return id.slice(0, 8);
}

/** JSON for a <pre>, or a dash for none. */
export function prettyJson(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return JSON.stringify(value, null, 2);
}
