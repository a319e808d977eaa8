// Seed 000's run-history request and response bodies (GET /api/v1/workflows/runs, cancel,
// retry). Seed 000 names a status field and filter but no values, so statuses are the engine's,
// lower-cased (src/rest/statuses.ts), as a closed enum; times are ISO 8601.
import { z } from '@hono/zod-openapi';
import { FINAL_OUTPUT_SNIPPET_CHARS, RUN_HISTORY_MAX_LIMIT, type RunHistoryItem } from '../../domain/run-history.ts';
import { RUN_STATUSES, type RunStatus } from '../../domain/statuses.ts';
import { iso } from '../schemas.ts';
import { HISTORY_RUN_STATUSES, historyRunStatus, internalStatusesOf, type HistoryRunStatus as Status } from '../statuses.ts';
import { instant } from '../v1/run-schemas.ts';

const STATUS_TEXT =
  '`pending` (accepted, waiting for a worker), `running` (executing, or waiting on a timer or a signal), `completed`, `failed` (a step failed for good, or the run timed out), `cancelled`.';

/** A run status as the history dialect writes it. */
export const HistoryRunStatus = z.enum(HISTORY_RUN_STATUSES).openapi('HistoryRunStatus', { description: `Run status: ${STATUS_TEXT}` });

/** Query of GET /api/v1/workflows/runs. */
export const HistoryRunListQuery = z.object({
  workflow_key: z
    .string()
    .min(1)
    .optional()
    .openapi({ description: "Only runs of the workflow with this key (a deleted workflow's runs keep its key)." }),
  status: HistoryRunStatus.optional().openapi({ description: `Only runs in this status: ${STATUS_TEXT}` }),
  started_after: instant(
    'Only runs started strictly after this instant (ISO 8601; without an offset it is UTC; a bare date means midnight UTC).',
  ),
  started_before: instant(
    'Only runs started strictly before this instant (ISO 8601; without an offset it is UTC; a bare date means midnight UTC).',
  ),
  conversation_id: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: 'Only runs started for this conversation (the `conversation_id` they were executed with).' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(RUN_HISTORY_MAX_LIMIT)
    .default(20)
    .openapi({ description: `Runs per page (1-${RUN_HISTORY_MAX_LIMIT}, default 20).` }),
  cursor: z.string().min(1).optional().openapi({
    description:
      "The `next_cursor` of the previous page: this page starts right after that page's last run. Pages followed this way never repeat or skip a run, even while new runs start. 400 for a cursor this list did not return.",
  }),
  offset: z.coerce.number().int().min(0).default(0).openapi({
    description: 'Runs to skip (default 0), for numbered pages; counted from the cursor when one is given.',
  }),
});

/** One run in the light list view. */
export const HistoryRunListItem = z
  .object({
    id: z.string().openapi({ description: 'Run identifier (the `run_id` of the other run endpoints and of GraphQL).' }),
    workflow_key: z.string().openapi({ description: "The workflow's key." }),
    status: HistoryRunStatus,
    started_at: z
      .string()
      .openapi({ format: 'date-time', description: 'When the run was started: accepted and stored, before a worker picks it up.' }),
    ended_at: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'When it reached `completed`, `failed` or `cancelled`; null while active.' }),
    user_id: z.string().nullable().openapi({ description: 'The end user it was started for (`user_id` at execution), if given.' }),
    conversation_id: z
      .string()
      .nullable()
      .openapi({ description: 'The conversation it was started for (`conversation_id` at execution), if given.' }),
    step_count: z
      .number()
      .int()
      .openapi({ description: 'Steps of the run: one per step of the workflow version it runs, whatever their state.' }),
    duration_ms: z
      .number()
      .int()
      .nullable()
      .openapi({ description: '`ended_at` − `started_at` in milliseconds (queueing included); null while active.' }),
    final_output_text: z
      .string()
      .nullable()
      .openapi({
        description: `The run's final output as one line of text: when the output is a string, or an object whose single member is (at any depth, e.g. \`{"summarize": {"text": "…"}}\`), that string; otherwise the whole output as compact JSON with keys sorted. At most ${FINAL_OUTPUT_SNIPPET_CHARS} characters, the last being \`…\` when cut. Null until the run completes.`,
      }),
  })
  .openapi('HistoryRunListItem');

/** A page of the run list. */
export const HistoryRunList = z
  .object({
    items: z.array(HistoryRunListItem).openapi({ description: 'Runs, newest first (by `started_at`, then `id`, descending).' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` to get the next page; null when this page is the last.' }),
    total: z.number().int().openapi({ description: 'Runs matching the filters, across all pages.' }),
    limit: z.number().int().openapi({ description: 'The page size used.' }),
    offset: z.number().int().openapi({ description: 'The offset used.' }),
  })
  .openapi('HistoryRunList');

/** The `{run_id}` path parameter. */
export const HistoryRunIdParam = z.object({
  run_id: z.string().openapi({ param: { name: 'run_id', in: 'path' }, description: 'Run identifier.' }),
});

/** Optional body of POST /api/v1/workflows/runs/{run_id}/cancel. */
export const HistoryCancelRequest = z
  .object({
    reason: z.string().max(2000).nullish().openapi({ description: 'Why the run is cancelled; recorded on the run.' }),
  })
  .openapi('HistoryCancelRequest', { description: 'Optional; `{}` or no body cancels without a reason.' });

/** A run in the list view. */
export function historyItem(item: RunHistoryItem): z.infer<typeof HistoryRunListItem> {
  return {
    id: item.id,
    workflow_key: item.workflowKey,
    status: historyRunStatus(item.status),
    started_at: item.startedAt.toISOString(),
    ended_at: iso(item.endedAt),
    user_id: item.userId,
    conversation_id: item.conversationId,
    step_count: item.stepCount,
    duration_ms: item.durationMs,
    final_output_text: item.finalOutputText,
  };
}

/** The domain's status for a list filter (the mapping is one-to-one, so exactly one). */
export function runStatusOf(status: Status): RunStatus {
  const [internal] = internalStatusesOf(RUN_STATUSES, historyRunStatus, status);
  if (!internal) throw new Error(`no internal run status shows as "${status}"`);
  return internal;
}
