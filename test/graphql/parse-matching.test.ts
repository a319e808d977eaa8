/**
 * Tool matching through `parseWorkflow` on words new users write: a verb done again ("reassign"),
 * a system written the long way ("Google Analytics" for `ga4`), and the system a clause says it
 * acts with outranking a better-sounding verb elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { actions, parseWith } from '../support/parsed.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('tool matching on everyday words', () => {
  it('"reassign", "rebuild", "resend" are the verb done again, and start a clause of their own after "and"', async () => {
    const parsed = await parseWith(
      t,
      'every 15 min find intercom conversations that have waited over 2h for a reply and reassign them to the support lead',
      ['intercom.search_conversations', 'intercom.assign_conversation', 'intercom.reply_conversation'],
    );
    expect(actions(parsed)).toEqual(['intercom.search_conversations', 'intercom.assign_conversation']);
  });

  it('a system written the long way names the tool spelled short ("Google Analytics" → ga4)', async () => {
    const parsed = await parseWith(
      t,
      "At 7:15 on weekdays, grab yesterday's Google Analytics sessions and drop the number into the #marketing channel.",
      ['ga4.run_report', 'ga4.list_properties', 'slack.post'],
    );
    expect(actions(parsed)).toEqual(['ga4.run_report', 'slack.post']);
  });

  it('"… with Argo CD" picks Argo CD, however well "deploy" fits a GitHub release', async () => {
    const parsed = await parseWith(
      t,
      'When a tag is pushed to GitHub, build the Docker image, push it to ECR and deploy it to the staging cluster with Argo CD.',
      ['docker.build_image', 'ecr.push_image', 'argocd.sync_app', 'github.create_release'],
    );
    expect(actions(parsed)).toEqual(['docker.build_image', 'ecr.push_image', 'argocd.sync_app']);
  });
});

describe('idioms', () => {
  it('"drop the table into the Notion page" puts it there (a system spelled short: gam for Google Ad Manager)', async () => {
    const parsed = await parseWith(
      t,
      "Every Monday morning, pull last week's ad revenue per advertiser from Google Ad Manager and drop the table into the sales team's Notion page.",
      ['gam.run_report', 'gam.list_orders', 'notion.create_page'],
    );
    expect(actions(parsed)).toEqual(['gam.run_report', 'notion.create_page']);
  });
});

describe('direction', () => {
  it('"load them into the table" writes: an insert, not a query', async () => {
    const parsed = await parseWith(
      t,
      "Every day at 6am, pull yesterday's Stripe payouts and load them into the 'payouts' table in BigQuery.",
      ['stripe.list_payouts', 'bigquery.insert_rows', 'bigquery.run_query'],
    );
    expect(actions(parsed)).toEqual(['stripe.list_payouts', 'bigquery.insert_rows']);
  });
});

describe('what cannot be done is reported invalid', () => {
  it('a destination product that is not offered ("over to Brevo") leaves the step unmatched', async () => {
    const parsed = await parseWith(t, 'Move all our contacts from Mailchimp over to Brevo.', [
      'mailchimp.list_members',
      'mailchimp.archive_member',
      'sendgrid.add_contact',
    ]);
    expect(parsed.valid).toBe(false);
    expect(actions(parsed)).not.toContain('sendgrid.add_contact');
  });

  it('"When the Terraform plan shows changes to production." is an event with nothing to do', async () => {
    const parsed = await parseWith(t, 'When the Terraform plan shows changes to production.', [
      'terraform.plan',
      'terraform.apply',
      'slack.post',
    ]);
    expect(parsed.trigger).toBe('the Terraform plan shows changes to production');
    expect(actions(parsed)).toEqual([]);
    expect(parsed.valid).toBe(false);
  });
});
