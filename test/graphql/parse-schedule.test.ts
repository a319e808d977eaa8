/**
 * The schedule phrase of an instruction, read through GraphQL parseWorkflow: each family of
 * phrase (twice a day, every quarter, midnight, workdays, days of the month, …) gives the right
 * cron or a schedule issue, never an approximate cron, and leaves nothing of itself behind in
 * the steps the rest of the instruction asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParseWorkflowDocument, type ParseWorkflowMutation } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

type Parsed = Extract<ParseWorkflowMutation['parseWorkflow'], { __typename: 'ParsedWorkflow' }>;

const TOOLS = ['salesforce.query', 'email.send', 'slack.post_message', 's3.upload', 'sheets.append_row', 'payroll.export'];

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

async function parse(instruction: string): Promise<Parsed> {
  const result = (await t.ok(ParseWorkflowDocument, { instruction, context: { availableTools: TOOLS } })).parseWorkflow;
  if (result.__typename !== 'ParsedWorkflow') throw new Error(`expected a ParsedWorkflow, got ${JSON.stringify(result)}`);
  return result;
}

/** Agent steps by agent, other steps by type. */
function steps(parsed: Parsed): string[] {
  return ((parsed.definition as { steps?: Record<string, unknown>[] }).steps ?? []).map((s) =>
    String(s.type === 'agent' ? s.agent : s.type),
  );
}

/** The cron, the steps and the validity: what a user checks first. */
async function reading(instruction: string): Promise<{ cron: string | null; steps: string[]; valid: boolean }> {
  const parsed = await parse(instruction);
  return { cron: parsed.schedule?.cron ?? null, steps: steps(parsed), valid: parsed.valid };
}

/** A schedule phrase one cron expression cannot hold: no schedule, an issue saying why, the actions still read. */
async function expectScheduleIssue(instruction: string, message: string, actions: string[]): Promise<void> {
  const parsed = await parse(instruction);
  expect(parsed.schedule).toBeNull();
  expect(parsed.valid).toBe(false);
  expect(parsed.issues.filter((i) => i.path === 'schedule').map((i) => i.message)).toEqual([expect.stringContaining(message)]);
  expect(steps(parsed)).toEqual(actions);
}

describe('parseWorkflow: schedule phrases', () => {
  it('twice a day at two times is one cron with both hours', async () => {
    expect(await reading('Twice a day, at 8:00 and 16:00, query Salesforce for new leads and post them to Slack.')).toEqual({
      cron: '0 8,16 * * *',
      steps: ['salesforce.query', 'slack.post_message'],
      valid: true,
    });
    // Hours chrono reads only the first of: "at 8, 12 and 16".
    expect(await reading('Three times a day at 8, 12 and 16, query Salesforce for new leads.')).toEqual({
      cron: '0 8,12,16 * * *',
      steps: ['salesforce.query'],
      valid: true,
    });
  });

  it('twice daily without its times is an issue, not a guessed midnight', async () => {
    await expectScheduleIssue('Twice daily, email the team the open tickets.', 'say at which 2 times of day', ['email.send']);
    await expectScheduleIssue('Twice a day at 9am, email the team the open tickets.', 'needs 2 times of day', ['email.send']);
  });

  it('every quarter starts in January, April, July and October', async () => {
    const quarter = await parse('Every quarter, export the pipeline from Salesforce and email it to finance@example.com.');
    expect(quarter.schedule).toEqual({
      cron: '0 0 1 */3 *',
      timezone: null,
      description: 'on day 1 of January, April, July and October at 00:00',
    });
    expect(steps(quarter)).toEqual(['salesforce.query', 'email.send']);
    expect(await reading('Quarterly, upload the archive to S3.')).toEqual({ cron: '0 0 1 */3 *', steps: ['s3.upload'], valid: true });
    // A day and a time said after the quarter belong to it; "the quarterly report" is a thing, not a schedule.
    expect(await reading('Each quarter, on the first day at 9 am, email the board the quarterly report.')).toEqual({
      cron: '0 9 1 */3 *',
      steps: ['email.send'],
      valid: true,
    });
    expect(await reading('On the last day of every quarter at 17:00, email the board the numbers.')).toMatchObject({
      cron: '0 17 L 3,6,9,12 *',
    });
  });

  it('midnight is 00:00, not noon', async () => {
    expect(await reading('Every night at midnight, back up the orders table to S3.')).toEqual({
      cron: '0 0 * * *',
      steps: ['s3.upload'],
      valid: true,
    });
    expect(await reading('At midnight on Sundays, email the team the weekly digest.')).toMatchObject({ cron: '0 0 * * 0' });
  });

  it('an hour said with night or evening is read in that part of the day', async () => {
    expect(await reading('Every night at 2, back up the orders table to S3.')).toEqual({
      cron: '0 2 * * *',
      steps: ['s3.upload'],
      valid: true,
    });
    expect(await reading('Every day at 5 in the evening, email the team the summary.')).toEqual({
      cron: '0 17 * * *',
      steps: ['email.send'],
      valid: true,
    });
  });

  it('every workday is Monday to Friday, and Workday the product is no schedule', async () => {
    expect(await reading('Every workday at 8, post the standup reminder to Slack.')).toEqual({
      cron: '0 8 * * 1-5',
      steps: ['slack.post_message'],
      valid: true,
    });
    const product = await parse('For each new hire in Workday, email the IT team.');
    expect(product.schedule).toBeNull();
    expect(product.issues).toEqual([]);
  });

  it('day names typed with spaces alone ("every mon wed fri 7am") are one weekly cron', async () => {
    expect(await reading('every mon wed fri 7am post the shift roster to #floor-staff')).toEqual({
      cron: '0 7 * * 1,3,5',
      steps: ['slack.post_message'],
      valid: true,
    });
  });

  it('the 1st and 15th of the month is one cron with both days', async () => {
    expect(await reading('On the 1st and the 15th of each month at 6, email the invoices to accounting.')).toEqual({
      cron: '0 6 1,15 * *',
      steps: ['email.send'],
      valid: true,
    });
    // The day after "every month" is that month's day, not the 1st.
    expect(await reading('Every month on the 15th at 9:00, append the totals to the finance sheet and email the summary.')).toEqual({
      cron: '0 9 15 * *',
      steps: ['sheets.append_row', 'email.send'],
      valid: true,
    });
  });

  it('the schedule phrase leaves none of its words in the steps', async () => {
    const backup = await parse('Back up the orders table to S3 on the 1st and 15th of every month at 4am and email the team.');
    expect(backup.schedule?.cron).toBe('0 4 1,15 * *');
    expect(steps(backup)).toEqual(['s3.upload', 'email.send']);
    expect(backup.matches.map((m) => m.text)).toEqual(['Back up the orders table to S3', 'email the team']);
    const payroll = await parse('Run the payroll export on the 25th of each month at noon and email it to accounting.');
    expect(payroll.schedule?.cron).toBe('0 12 25 * *');
    expect(payroll.matches.map((m) => m.text)).toEqual(['Run the payroll export', 'email it to accounting']);
  });

  it('on the hour is minute 0 of the schedule, not a step', async () => {
    const hourly = await parse('Every hour on the hour, query Salesforce for new leads and post them to Slack.');
    expect(hourly.schedule?.cron).toBe('0 * * * *');
    expect(steps(hourly)).toEqual(['salesforce.query', 'slack.post_message']);
    expect(hourly.matches.map((m) => m.text)).toEqual(['query Salesforce for new leads', 'post them to Slack']);
    expect(await reading('Every hour at 15 past the hour, query Salesforce for new leads.')).toMatchObject({ cron: '15 * * * *' });
  });

  it('every other week is an issue, not a weekly cron', async () => {
    await expectScheduleIssue('On Mondays every other week, email the team the sprint summary.', 'no count of weeks', ['email.send']);
    await expectScheduleIssue('Every 2 weeks, upload the archive to S3.', 'no count of weeks', ['s3.upload']);
  });

  it('every 30 seconds is an issue: cron counts minutes', async () => {
    await expectScheduleIssue('Every 30 seconds, query Salesforce for new leads.', 'smallest unit is the minute', ['salesforce.query']);
  });

  it('every 6 hours starting at 1am runs at 1, 7, 13 and 19', async () => {
    expect(await reading('Every 6 hours starting at 1am, back up the orders table to S3.')).toEqual({
      cron: '0 1-23/6 * * *',
      steps: ['s3.upload'],
      valid: true,
    });
  });

  it('every hour from 9am to 5pm runs within that window', async () => {
    expect(await reading('Every hour from 9am to 5pm on weekdays, query Salesforce for new leads.')).toEqual({
      cron: '0 9-17 * * 1-5',
      steps: ['salesforce.query'],
      valid: true,
    });
  });

  it("a time of day that belongs to the action is not the schedule's", async () => {
    const parsed = await parse('Every Monday at 9am, email the team that the review is at 3pm.');
    expect(parsed.schedule?.cron).toBe('0 9 * * 1');
    expect(parsed.matches.map((m) => m.text)).toEqual(['email the team that the review is at 3pm']);
  });

  it('times that go with different days are an issue, not one cron for every pair', async () => {
    await expectScheduleIssue('Every weekday at 9am and every Saturday at 10am, email the team.', 'go with different days', ['email.send']);
  });
});

// Times of day said the way people say them (issue 17, held-out misses): each is the right cron
// or a schedule issue, and leaves none of its words in the steps.
describe('parseWorkflow: times of day', () => {
  /** The cron and the text of each step: what the schedule phrase left behind. */
  async function cut(instruction: string): Promise<{ cron: string | null; matches: string[] }> {
    const parsed = await parse(instruction);
    return { cron: parsed.schedule?.cron ?? null, matches: parsed.matches.map((m) => m.text) };
  }

  it('a quarter past or to an hour is 15 minutes after or before it', async () => {
    expect(await cut('At a quarter past seven on weekdays, email the team the open tickets.')).toEqual({
      cron: '15 7 * * 1-5',
      matches: ['email the team the open tickets'],
    });
    expect(await cut('Every weekday at quarter to eight, post the standup reminder to Slack.')).toEqual({
      cron: '45 7 * * 1-5',
      matches: ['post the standup reminder to Slack'],
    });
    // The American "quarter after" and "quarter of".
    expect(await reading('Each Monday at a quarter after nine, email the team.')).toMatchObject({ cron: '15 9 * * 1' });
    expect(await reading('Each Monday at quarter of nine, email the team.')).toMatchObject({ cron: '45 8 * * 1' });
  });

  it('half past an hour is 30 minutes after it, and the British "half seven" is 7:30', async () => {
    expect(await reading('Every day at half past six, email the team the summary.')).toEqual({
      cron: '30 6 * * *',
      steps: ['email.send'],
      valid: true,
    });
    expect(await cut('Every Monday and Thursday at half past eight in the evening, back up the orders table to S3.')).toEqual({
      cron: '30 20 * * 1,4',
      matches: ['back up the orders table to S3'],
    });
    expect(await cut('Every day at half seven, email the team the summary.')).toEqual({
      cron: '30 7 * * *',
      matches: ['email the team the summary'],
    });
  });

  it('minutes past or to an hour in words: five past nine, twenty to ten', async () => {
    expect(await reading('Every day at five past nine, email the team.')).toMatchObject({ cron: '5 9 * * *', valid: true });
    expect(await reading('Every day at twenty to ten, email the team.')).toMatchObject({ cron: '40 9 * * *', valid: true });
    expect(await reading('Every day at twenty-five past six, email the team.')).toMatchObject({ cron: '25 6 * * *', valid: true });
    // With no hour after it, the minutes are past every hour.
    expect(await cut('Every hour at ten past the hour, query Salesforce for new leads.')).toEqual({
      cron: '10 * * * *',
      matches: ['query Salesforce for new leads'],
    });
    expect(await reading('Every hour at quarter past, query Salesforce for new leads.')).toMatchObject({ cron: '15 * * * *' });
    // "from nine to five" is a range of hours, not 4:51.
    expect(await cut('Every hour from nine to five on weekdays, query Salesforce for new leads.')).toEqual({
      cron: '0 9-17 * * 1-5',
      matches: ['query Salesforce for new leads'],
    });
  });

  it('24-hour times with a leading zero and 00:xx are never moved to the afternoon', async () => {
    expect(await cut('Every night at 00:30, back up the orders table to S3.')).toEqual({
      cron: '30 0 * * *',
      matches: ['back up the orders table to S3'],
    });
    expect(await reading('Every evening at 07:00, email the team.')).toMatchObject({ cron: '0 7 * * *' });
    expect(await reading('Every night at 00:30 and 01:30, back up the orders table to S3.')).toMatchObject({ cron: '30 0,1 * * *' });
    expect(await reading('Every day at 0:15, email the team.')).toMatchObject({ cron: '15 0 * * *' });
    expect(await reading('Every day at 00:00, email the team.')).toMatchObject({ cron: '0 0 * * *' });
    expect(await reading('Every day at 12:30 am, email the team.')).toMatchObject({ cron: '30 0 * * *' });
    expect(await reading('Every day at 12:30 pm, email the team.')).toMatchObject({ cron: '30 12 * * *' });
  });

  it("hours in words, one to twelve: at seven, at seven thirty, seven o'clock", async () => {
    expect(await cut('Every day at seven, email the team the summary.')).toEqual({
      cron: '0 7 * * *',
      matches: ['email the team the summary'],
    });
    expect(await reading('Every weekday at eleven, email the team.')).toMatchObject({ cron: '0 11 * * 1-5' });
    expect(await reading('Every day at seven thirty, email the team.')).toMatchObject({ cron: '30 7 * * *' });
    expect(await reading("Every day at eight o'clock in the evening, email the team.")).toMatchObject({ cron: '0 20 * * *' });
    expect(await reading('Every weekday at seven and nine, email the team.')).toMatchObject({ cron: '0 7,9 * * 1-5' });
    expect(await reading('Every Friday at around seven, email the team.')).toMatchObject({ cron: '0 7 * * 5' });
  });

  it('sharp and on the dot belong to the time, not to the steps', async () => {
    expect(await cut('Every day at 7 sharp, email the team the summary.')).toEqual({
      cron: '0 7 * * *',
      matches: ['email the team the summary'],
    });
    expect(await cut("Every day at 7 o'clock in the morning, email the team the summary.")).toEqual({
      cron: '0 7 * * *',
      matches: ['email the team the summary'],
    });
    expect(await cut('Every day at 7 on the dot, email the team the summary.')).toEqual({
      cron: '0 7 * * *',
      matches: ['email the team the summary'],
    });
  });

  it('in the morning, in the evening and at night after the hours place each of them', async () => {
    expect(await reading('Every day at 8 in the morning, email the team.')).toMatchObject({ cron: '0 8 * * *' });
    expect(await reading('Every day at 8 at night, email the team.')).toMatchObject({ cron: '0 20 * * *' });
    expect(await cut('Every day at 7:30 at night, email the team the summary.')).toEqual({
      cron: '30 19 * * *',
      matches: ['email the team the summary'],
    });
    expect(await reading('Every day at 7 and 9 in the evening, email the team.')).toMatchObject({ cron: '0 19,21 * * *' });
    expect(await reading('Every evening at 7 and 9, email the team.')).toMatchObject({ cron: '0 19,21 * * *', valid: true });
  });

  it('noon and midnight together are two hours, with or without a 12 before them', async () => {
    expect(await reading('Every day at noon and midnight, back up the orders table to S3.')).toMatchObject({ cron: '0 0,12 * * *' });
    expect(await cut('Every day at 12 noon and 12 midnight, back up the orders table to S3.')).toEqual({
      cron: '0 0,12 * * *',
      matches: ['back up the orders table to S3'],
    });
    expect(await cut('Every day at twelve midnight, back up the orders table to S3.')).toEqual({
      cron: '0 0 * * *',
      matches: ['back up the orders table to S3'],
    });
  });

  it('a dot or an h between hours and minutes: 9.30, 9h30, 21h', async () => {
    expect(await reading('Every day at 9.30, email the team.')).toMatchObject({ cron: '30 9 * * *' });
    expect(await cut('Every day at 9h30, email the team the summary.')).toEqual({
      cron: '30 9 * * *',
      matches: ['email the team the summary'],
    });
    expect(await reading('Every weekday at 21h, email the team.')).toMatchObject({ cron: '0 21 * * 1-5' });
    expect(await reading('Every weekday at 21h00, email the team.')).toMatchObject({ cron: '0 21 * * 1-5' });
  });

  it('a time said next to the schedule that cannot be read is an issue, not midnight', async () => {
    await expectScheduleIssue('Every day at seven-ish, email the team.', 'could not read the time of day "at seven-ish"', ['email.send']);
    await expectScheduleIssue('Daily at 0700, email the team.', 'could not read the time of day "at 0700"', ['email.send']);
    await expectScheduleIssue('Every day at quarter to, email the team.', 'could not read the time of day', ['email.send']);
  });
});
