// Why a schedule tick did not simply fire, told from the text the scheduler stores in
// `ScheduleTick.reason` (engine/scheduler-firing.ts), so adapters can expose it as an enum.
import type { TickStatus } from './schedule-statuses.ts';

/** Why a tick started no run, waits, or fired outside the schedule's own loop. */
export const TICK_REASONS = [
  'overlap_active_run',
  'tick_already_buffered',
  'waiting_for_active_run',
  'workflow_not_active',
  'backfill',
] as const;
export type TickReason = (typeof TICK_REASONS)[number];

/** The texts the scheduler writes, each with what it means. */
const REASON_TEXTS: Readonly<Record<string, TickReason>> = {
  'the previous run was still active': 'overlap_active_run',
  'a tick is already buffered': 'tick_already_buffered',
  'waiting for the active run to finish': 'waiting_for_active_run',
  'the workflow is not active': 'workflow_not_active',
  backfill: 'backfill',
};

/**
 * The reason of a tick as stored (`status`, `reason`); null when it has none (it fired on its
 * schedule). A backfill tick whose workflow was not active keeps the text `backfill` with
 * status SKIPPED, since nothing else can skip one. Throws on a text the scheduler does not write.
 */
export function tickReasonOf(status: TickStatus, reason: string | null): TickReason | null {
  if (reason === null) return null;
  const known = REASON_TEXTS[reason];
  if (known === undefined) throw new Error(`unexpected stored schedule tick reason ${JSON.stringify(reason)}`);
  return known === 'backfill' && status === 'SKIPPED' ? 'workflow_not_active' : known;
}
