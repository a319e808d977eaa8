import { afterAll, describe, expect, it } from 'vitest';
import { CreateScheduleDocument, CreateWorkflowDocument, ScheduleDocument, ScheduledRunsDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testProvider } from '../support/database.ts';
import { type FlowdeckProcess, startProcess } from '../support/process.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

const newYork = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Every Monday 09:00 in New York from `first` up to `until`, worked out without the cron library. */
function mondaysAtNineNewYork(first: string, until: Date): string[] {
  const out: string[] = [];
  for (let day = new Date(`${first}T00:00:00Z`); ; day = new Date(day.getTime() + 7 * 86_400_000)) {
    const date = day.toISOString().slice(0, 10);
    // 09:00 EDT is 13:00Z, 09:00 EST is 14:00Z; the right one reads 09:00 in New York.
    const instant = [`${date}T13:00:00.000Z`, `${date}T14:00:00.000Z`].find((iso) => newYork.format(new Date(iso)) === 'Mon 09:00');
    if (!instant || new Date(instant) > until) return out;
    out.push(instant);
  }
}

describe.runIf(testProvider === 'postgres')('schedules with several processes', () => {
  it('two scheduler processes fire each "0 9 * * 1" America/New_York tick once, at 09:00 local across DST', async () => {
    const api: TestApp = await startTestApp({}, { WORKER_CONCURRENCY: '0' });
    cleanups.push(() => api.close());
    const wf = (
      await api.ok(CreateWorkflowDocument, {
        input: { name: 'weekly', definition: { steps: [{ id: 'noop', type: 'transform', expression: '"ok"' }] } },
      })
    ).createWorkflow;
    if (wf.__typename !== 'Workflow') throw new Error(JSON.stringify(wf));
    const s = (
      await api.ok(CreateScheduleDocument, {
        workflowId: wf.id,
        input: { cronExpression: '0 9 * * 1', timezone: 'America/New_York', missedRunPolicy: 'QUEUE', queueLimit: 1000 },
      })
    ).createSchedule;
    if (s.__typename !== 'Schedule') throw new Error(JSON.stringify(s));
    // Simulate an outage since February: every Monday since then is due, on both sides of DST.
    const scheduleId = Buffer.from(s.id, 'base64').toString().split(':')[1] as string;
    await api.app.resources.db.prisma.schedule.update({ where: { id: scheduleId }, data: { nextRunAt: new Date('2026-02-23T14:00:00Z') } });

    const env = { DATABASE_URL: api.databaseUrl, WORKER_CONCURRENCY: '4', WORKER_POLL_MS: '20' };
    const workers: FlowdeckProcess[] = await Promise.all([startProcess('worker', env), startProcess('worker', env)]);
    for (const w of workers) {
      cleanups.push(async () => {
        w.child.kill('SIGKILL');
        await w.exited;
      });
    }
    const expected = mondaysAtNineNewYork('2026-02-23', new Date());
    let ticks: { tickAt: string; status: string }[] = [];
    for (let i = 0; i < 1500; i++) {
      const seen = (await api.ok(ScheduleDocument, { id: s.id, last: 100 })).schedule;
      if (seen.__typename === 'Schedule' && seen.nextRunAt && new Date(seen.nextRunAt) > new Date()) {
        ticks = seen.ticks;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(ticks.map((k) => k.tickAt).sort()).toEqual(expected);
    expect(ticks.every((k) => k.status === 'FIRED')).toBe(true);
    expect(new Set(ticks.map((k) => k.tickAt.slice(11, 13)))).toEqual(new Set(['13', '14']));
    expect((await api.ok(ScheduledRunsDocument, { workflowId: wf.id, first: 1 })).runs.totalCount).toBe(expected.length);
  }, 120_000);
});
