// Deleting a schedule while a backfill chunk of it is in flight. A chunk locks its job row, then
// takes the schedule's key as it inserts ticks and runs (a foreign key check). Deleting the
// schedule and letting the cascade reach the job locked the two the other way round, and on
// PostgreSQL the pair deadlocked: deleteSchedule failed with an internal error. This test plays
// the chunk with a transaction of its own (job row, then the schedule's key), holds it until
// the delete is waiting on a lock, and requires both to finish. SQLite serializes writers, so
// the interleaving cannot happen there.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackfillScheduleDocument,
  CreateScheduleDocument,
  CreateWorkflowDocument,
  DeleteScheduleDocument,
  ScheduleDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { testProvider } from '../support/database.ts';
import { dbId } from '../support/flows.ts';

const clock = new ManualClock('2027-01-20T00:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock }, { WORKER_POLL_MS: '20' });
});
afterAll(async () => {
  await t?.close();
});

/** Waits (bounded) until a DELETE in this test's database is blocked on a lock. */
async function deleteIsWaiting(client: pg.Client): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'DELETE%'`,
    );
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the delete never waited on the held backfill job');
}

describe.skipIf(testProvider !== 'postgres')('deleteSchedule during a backfill chunk (PostgreSQL)', () => {
  it('waits for the chunk instead of deadlocking with it: both commit, the schedule and its job are gone', async () => {
    const wf = (
      await t.ok(CreateWorkflowDocument, {
        input: { name: 'backfilled', definition: { steps: [{ id: 'noop', type: 'transform', expression: '"ok"' }] } },
      })
    ).createWorkflow;
    if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
    const s = (await t.ok(CreateScheduleDocument, { workflowId: wf.id, input: { cronExpression: '0 * * * *' } })).createSchedule;
    if (s.__typename !== 'Schedule') throw new Error(JSON.stringify(s));
    const job = (await t.ok(BackfillScheduleDocument, { id: s.id, from: '2027-01-18T00:00:00Z', to: '2027-01-18T23:59:59Z' }))
      .backfillSchedule;
    if (job.__typename !== 'BackfillJob') throw new Error(JSON.stringify(job));

    const chunk = new pg.Client({ connectionString: t.databaseUrl });
    const watcher = new pg.Client({ connectionString: t.databaseUrl });
    await chunk.connect();
    await watcher.connect();
    try {
      await chunk.query('BEGIN');
      await chunk.query('SELECT id FROM "BackfillJob" WHERE id = $1 FOR UPDATE', [dbId(job.id)]);

      const deleting = t.gql(DeleteScheduleDocument, { id: s.id });
      await deleteIsWaiting(watcher);
      // The chunk goes on: its next tick needs the schedule's key. Before the fix this waited
      // on the delete, which waited on this transaction, and PostgreSQL aborted one of them.
      await chunk.query('SELECT id FROM "Schedule" WHERE id = $1 FOR KEY SHARE', [dbId(s.id)]);
      await chunk.query('COMMIT');

      const deleted = await deleting;
      expect(deleted.errors).toBeUndefined();
      expect(deleted.data?.deleteSchedule).toEqual({ __typename: 'Schedule', id: s.id });
      expect((await t.ok(ScheduleDocument, { id: s.id, count: 1, last: 1 })).schedule.__typename).toBe('NotFoundError');
      const { rows } = await watcher.query('SELECT count(*) AS n FROM "BackfillJob" WHERE id = $1', [dbId(job.id)]);
      expect(Number((rows[0] as { n: string }).n)).toBe(0);
    } finally {
      await chunk.query('ROLLBACK').catch(() => undefined);
      await chunk.end();
      await watcher.end();
    }
  });
});
