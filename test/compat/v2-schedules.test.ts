// Seed 003 (/api/v2/workflows/:id/schedules): the create, list, update and delete examples
// replayed in order, next_run_at checked against fire times computed here independently (in
// the schedule's timezone, daylight saving included), GraphQL seeing the same schedules, and
// the documented errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleDocument } from '../gql/graphql.ts';
import { expectMember } from '../support/flows.ts';
import { AWAITS_APPROVAL, BASE, expectFailure, expectSchedule, startV2App, UUID, type V2App, WEEKLY_SALES } from './v2-fixtures.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * The first instant after `after` that reads `hour:minute` on one of `weekdays` (0 = Sunday) in
 * `timeZone`, found by reading candidate instants through Intl (whole minutes, so every zone
 * offset is covered).
 */
function nextLocal(after: Date, timeZone: string, hour: number, minute: number, weekdays: number[] = [0, 1, 2, 3, 4, 5, 6]): Date {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
  let at = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < 9 * 24 * 60; i++, at += 60_000) {
    const parts = Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
    if (Number(parts.hour) === hour && Number(parts.minute) === minute && weekdays.includes(DAYS.indexOf(parts.weekday ?? ''))) {
      return new Date(at);
    }
  }
  throw new Error('no fire time within nine days');
}

let x: V2App;
let weekly: { id: string };
let other: { id: string };

beforeAll(async () => {
  x = await startV2App();
  weekly = await x.create(WEEKLY_SALES);
  other = await x.create(AWAITS_APPROVAL('Other workflow'));
});
afterAll(async () => {
  await x?.close();
});

describe('workflow schedules', () => {
  let mondays: { id: string; created_at: string };
  let daily: { id: string };

  it('POST /:id/schedules creates the documented example (201), next_run_at in its timezone', async () => {
    const before = new Date();
    const response = await x.rest.post(`${BASE}/${weekly.id}/schedules`, {
      cron_expression: '0 9 * * 1',
      timezone: 'America/New_York',
      inputs: { date_range: 'LAST_WEEK' },
      missed_execution_policy: 'run_immediately',
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.success).toBe(true);
    expectSchedule(response.body.schedule);
    const expected = nextLocal(before, 'America/New_York', 9, 0, [1]);
    expect(response.body.schedule).toEqual({
      id: expect.stringMatching(UUID),
      workflow_id: weekly.id,
      cron_expression: '0 9 * * 1',
      timezone: 'America/New_York',
      inputs: { date_range: 'LAST_WEEK' },
      missed_execution_policy: 'run_immediately',
      enabled: true,
      next_run_at: expected.toISOString(),
      last_run_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // 9am in New York is 13:00 or 14:00 UTC depending on daylight saving.
    expect([13, 14]).toContain(expected.getUTCHours());
    mondays = response.body.schedule;

    // GraphQL sees the same schedule.
    const g = expectMember((await x.t.ok(ScheduleDocument, { id: mondays.id, count: 1 })).schedule, 'Schedule');
    expect(g).toMatchObject({
      cronExpression: '0 9 * * 1',
      timezone: 'America/New_York',
      inputs: { date_range: 'LAST_WEEK' },
      missedRunPolicy: 'RUN_IMMEDIATELY',
      enabled: true,
      lastRunAt: null,
    });
    expect(new Date(g.nextRunAt as string).toISOString()).toBe(expected.toISOString());
  });

  it('defaults the timezone to UTC and the inputs to {}', async () => {
    const before = new Date();
    const response = await x.rest.post(`${BASE}/${weekly.id}/schedules`, { cron_expression: '30 6 * * *' });
    expect(response.status, response.text).toBe(201);
    expect(response.body.schedule).toMatchObject({
      timezone: 'UTC',
      inputs: {},
      enabled: true,
      next_run_at: nextLocal(before, 'UTC', 6, 30).toISOString(),
    });
    daily = response.body.schedule;
  });

  it('GET /:id/schedules lists them (the documented example) with last_run_at', async () => {
    const response = await x.rest.get(`${BASE}/${weekly.id}/schedules`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, schedules: expect.any(Array), count: 2 });
    for (const [i, s] of response.body.schedules.entries()) expectSchedule(s, `schedules[${i}]`);
    expect(response.body.schedules.map((s: { id: string }) => s.id)).toEqual([mondays.id, daily.id]);
    expect(response.body.schedules[0]).toMatchObject({ ...mondays, last_run_at: null });
    expect((await x.rest.get(`${BASE}/${other.id}/schedules`)).body).toEqual({ success: true, schedules: [], count: 0 });
    expectFailure(await x.rest.get(`${BASE}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/schedules`), 404);
  });

  it('PATCH /:id/schedules/:scheduleId applies the documented example and recomputes next_run_at', async () => {
    const before = new Date();
    const response = await x.rest.patch(`${BASE}/${weekly.id}/schedules/${mondays.id}`, { cron_expression: '0 9 * * 1,4', enabled: true });
    expect(response.status, response.text).toBe(200);
    expectSchedule(response.body.schedule);
    expect(response.body).toEqual({
      success: true,
      schedule: {
        ...mondays,
        cron_expression: '0 9 * * 1,4',
        next_run_at: nextLocal(before, 'America/New_York', 9, 0, [1, 4]).toISOString(),
        updated_at: expect.any(String),
      },
    });
    expect(Date.parse(response.body.schedule.updated_at)).toBeGreaterThanOrEqual(Date.parse(mondays.created_at));

    const tokyo = await x.rest.patch(`${BASE}/${weekly.id}/schedules/${mondays.id}`, { timezone: 'Asia/Tokyo' });
    expect(tokyo.body.schedule.next_run_at).toBe(nextLocal(new Date(), 'Asia/Tokyo', 9, 0, [1, 4]).toISOString());
    const off = await x.rest.patch(`${BASE}/${weekly.id}/schedules/${mondays.id}`, { enabled: false });
    expect(off.body.schedule).toMatchObject({ enabled: false, next_run_at: null });
    const on = await x.rest.patch(`${BASE}/${weekly.id}/schedules/${mondays.id}`, {
      enabled: true,
      inputs: { date_range: 'LAST_MONTH' },
      missed_execution_policy: 'queue',
    });
    expect(on.body.schedule).toMatchObject({
      enabled: true,
      inputs: { date_range: 'LAST_MONTH' },
      missed_execution_policy: 'queue',
      next_run_at: nextLocal(new Date(), 'Asia/Tokyo', 9, 0, [1, 4]).toISOString(),
    });
    const g = expectMember((await x.t.ok(ScheduleDocument, { id: mondays.id, count: 1 })).schedule, 'Schedule');
    expect(g).toMatchObject({ cronExpression: '0 9 * * 1,4', timezone: 'Asia/Tokyo', missedRunPolicy: 'QUEUE' });
  });

  it('answers 400 for an invalid cron expression, timezone or policy, changing nothing', async () => {
    const url = `${BASE}/${weekly.id}/schedules`;
    const fourFields = await x.rest.post(url, { cron_expression: '0 9 * *' });
    expectFailure(fourFields, 400);
    expect(fourFields.body.error).toMatch(/5 fields/);
    expectFailure(await x.rest.post(url, { cron_expression: '61 9 * * 1' }), 400);
    const zone = await x.rest.post(url, { cron_expression: '0 9 * * 1', timezone: 'Mars/Olympus_Mons' });
    expectFailure(zone, 400);
    expect(zone.body.error).toMatch(/Mars\/Olympus_Mons/);
    expectFailure(await x.rest.post(url, { cron_expression: '0 9 * * 1', missed_execution_policy: 'later' }), 400);
    expectFailure(await x.rest.post(url, { timezone: 'UTC' }), 400);
    expectFailure(await x.rest.post(url, { cron_expression: '0 9 * * 1', inputs: ['x'] }), 400);
    expectFailure(await x.rest.patch(`${url}/${daily.id}`, { cron_expression: 'every day' }), 400);
    expectFailure(await x.rest.patch(`${url}/${daily.id}`, { timezone: 'Nowhere' }), 400);
    expectFailure(await x.rest.patch(`${url}/${daily.id}`, { enabled: 'yes' }), 400);
    expect((await x.rest.get(url)).body.count).toBe(2);
    expect((await x.rest.get(url)).body.schedules[1]).toMatchObject({ cron_expression: '30 6 * * *', timezone: 'UTC' });
  });

  it('answers 404 for an unknown workflow or a schedule of another workflow', async () => {
    expectFailure(await x.rest.post(`${BASE}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/schedules`, { cron_expression: '0 9 * * 1' }), 404);
    expectFailure(await x.rest.patch(`${BASE}/${other.id}/schedules/${daily.id}`, { enabled: false }), 404);
    expectFailure(await x.rest.delete(`${BASE}/${other.id}/schedules/${daily.id}`), 404);
    expectFailure(await x.rest.patch(`${BASE}/${weekly.id}/schedules/f6a7b8c9-d0e1-2345-f678-901234567890`, { enabled: false }), 404);
    expect((await x.rest.get(`${BASE}/${weekly.id}/schedules`)).body.schedules[1]).toMatchObject({ id: daily.id, enabled: true });
  });

  it('DELETE /:id/schedules/:scheduleId deletes it (the documented message)', async () => {
    const response = await x.rest.delete(`${BASE}/${weekly.id}/schedules/${mondays.id}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Schedule deleted successfully' });
    expect((await x.rest.get(`${BASE}/${weekly.id}/schedules`)).body).toMatchObject({ count: 1, schedules: [{ id: daily.id }] });
    expectFailure(await x.rest.delete(`${BASE}/${weekly.id}/schedules/${mondays.id}`), 404);
    expect((await x.t.ok(ScheduleDocument, { id: mondays.id })).schedule?.__typename).toBe('NotFoundError');
  });
});
