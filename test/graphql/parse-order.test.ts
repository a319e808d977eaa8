/**
 * Events and order through `parseWorkflow`, as new users write them: the thing that arrives named
 * as the object ("put every new response from the Typeform into Airtable"), pauses written as
 * "an hour later" or "three days after", and sentences that say where they go ("… before you
 * start", "Before the texts go out, …", "… - but first …").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { actions, parseWith, stepsOf } from '../support/parsed.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('the event named as the object', () => {
  it('"Put every new response from the … Typeform into Airtable": the response arrives, nothing reads it', async () => {
    const parsed = await parseWith(
      t,
      'Put every new response from the volunteer signup Typeform into Airtable and send the volunteer a welcome email.',
      ['typeform.get_responses', 'airtable.create_record', 'gmail.send_email'],
    );
    expect(parsed.trigger).toBe('new response from the volunteer signup Typeform');
    expect(actions(parsed)).toEqual(['airtable.create_record', 'gmail.send_email']);
  });

  it('"every lead that fills the demo form -> …" is a trigger; "email every customer" and a schedule\'s "every new row" are not', async () => {
    const heading = await parseWith(
      t,
      'every lead that fills the demo form on webflow -> enrich w/ clearbit, then create a deal in pipedrive',
      ['clearbit.enrich_person', 'pipedrive.create_deal'],
    );
    expect(heading.trigger).toBe('every lead that fills the demo form on webflow');
    const everyone = await parseWith(t, 'Email every customer the new price list.', ['email.send']);
    expect(everyone.trigger).toBeNull();
    const polled = await parseWith(t, 'Every hour, copy every new row of the Leads sheet into Airtable.', [
      'sheets.read_rows',
      'airtable.create_record',
    ]);
    expect(polled.trigger).toBeNull();
  });
});

describe('what the event brings is not read again', () => {
  it('"When a change order is approved in Procore, … email the subcontractor the signed change order" reads no change order', async () => {
    const parsed = await parseWith(
      t,
      'When a change order is approved in Procore, update the budget line in Sage Intacct, and 24 hours later email the subcontractor the signed change order.',
      ['procore.get_change_order', 'intacct.update_budget', 'email.send'],
    );
    expect(actions(parsed)).toEqual(['intacct.update_budget', 'delay', 'email.send']);
  });

  it('"Each time Dexcom sends a new reading, check it: if …" has no read step; a run\'s job log is still read', async () => {
    const reading = await parseWith(
      t,
      "Each time Dexcom sends a new glucose reading for an enrolled patient, check it: if it's over 250 mg/dL, message the care team in Microsoft Teams.",
      ['dexcom.get_readings', 'teams.post_message', 'salesforce.create_task'],
    );
    expect(actions(reading)).toEqual(['teams.post_message']);
    const log = await parseWith(t, "When a GitHub Actions run fails on main, post the failing job's log to #ci and create a Jira ticket.", [
      'github.get_job_log',
      'slack.post',
      'jira.create_issue',
    ]);
    expect(actions(log)).toEqual(['github.get_job_log', 'slack.post', 'jira.create_issue']);
  });
});

describe('pauses', () => {
  it('"tweet the link an hour later", "and 24 hours later email …" and "wait 2 hours then …" after an event are delays', async () => {
    const later = await parseWith(t, 'Publish the episode on Transistor and tweet the link an hour later.', [
      'transistor.publish_episode',
      'twitter.post_tweet',
    ]);
    expect(actions(later)).toEqual(['transistor.publish_episode', 'delay', 'twitter.post_tweet']);
    expect(stepsOf(later)[1]?.durationMs).toBe(3_600_000);
    const guest = await parseWith(t, 'when a guest checks out in mews wait 2 hours then email them the feedback survey', [
      'sendgrid.send_email',
      'mews.get_reservation',
    ]);
    expect(guest.trigger).toBe('a guest checks out in mews');
    expect(actions(guest)).toEqual(['delay', 'sendgrid.send_email']);
  });

  it('"…, but only after Legal signs off" waits before the action; "wait a minute and try again" repeats the last action', async () => {
    const signoff = await parseWith(t, 'Publish the draft to WordPress, but only after Legal signs off.', [
      'wordpress.publish_post',
      'wordpress.create_draft',
    ]);
    expect(actions(signoff)).toEqual(['wait', 'wordpress.publish_post']);
    const retry = await parseWith(
      t,
      "Every 2 minutes hit https://status.example.com/health; if it doesn't return 200, wait a minute and try again, and if it still fails call the on-call phone through Twilio.",
      ['twilio.make_call', 'twilio.send_sms'],
    );
    expect(actions(retry)).toEqual(['http', 'delay', 'http', 'twilio.make_call']);
  });

  it('"Three days after a ticket is solved, …" starts at the event and waits three days', async () => {
    const parsed = await parseWith(t, 'Three days after a ticket is solved, send the customer a CSAT survey with Delighted.', [
      'delighted.send_survey',
      'zendesk.get_ticket',
    ]);
    expect(parsed.trigger).toBe('a ticket is solved');
    expect(actions(parsed)).toEqual(['delay', 'delighted.send_survey']);
    expect(stepsOf(parsed)[0]?.durationMs).toBe(3 * 86_400_000);
  });
});

describe('sentences that say where they go', () => {
  it('"Post to #platform before you start." goes first; "once the upgrade finishes" is the order, not a wait', async () => {
    const parsed = await parseWith(
      t,
      "Every Sunday at 4am, drain the 'batch' node pool in GKE, upgrade it to the latest version, and uncordon the nodes once the upgrade finishes. Post to #platform before you start.",
      ['gke.drain_nodes', 'gke.upgrade_node_pool', 'gke.uncordon_nodes', 'slack.post'],
    );
    expect(actions(parsed)).toEqual(['slack.post', 'gke.drain_nodes', 'gke.upgrade_node_pool', 'gke.uncordon_nodes']);
  });

  it('"Before the texts go out, remove …" goes before the texting; "- but first …" before what it follows', async () => {
    const texts = await parseWith(
      t,
      "Every night at 11:30 pm, pull tomorrow's appointments from athenahealth and text each patient a reminder. Before the texts go out, remove anyone who has opted out of SMS from the list.",
      ['athena.list_appointments', 'twilio.send_sms'],
    );
    expect(actions(texts)).toEqual(['athena.list_appointments', 'transform', 'twilio.send_sms']);
    const first = await parseWith(
      t,
      "When a Freshdesk ticket is tagged 'no-internet', escalate it to tier 2 - but first run a line test on the customer's modem in Calix and add the results to the ticket as a private note.",
      ['freshdesk.escalate_ticket', 'freshdesk.add_note', 'calix.run_line_test'],
    );
    expect(actions(first)).toEqual(['calix.run_line_test', 'freshdesk.add_note', 'freshdesk.escalate_ticket']);
  });
});

describe('a step put before a transfer runs between its read and its write', () => {
  it('"Copy yesterday\'s Mixpanel events into BigQuery, but strip out the IP addresses first"', async () => {
    const parsed = await parseWith(
      t,
      "Copy yesterday's Mixpanel events into BigQuery every night at 2am, but strip out the IP addresses first.",
      ['mixpanel.export_events', 'bigquery.insert_rows', 'bigquery.run_query'],
    );
    expect(actions(parsed)).toEqual(['mixpanel.export_events', 'transform', 'bigquery.insert_rows']);
  });

  it('"Add the webinar attendees from Zoom to Mailchimp, but tag them in HubSpot before that"', async () => {
    const parsed = await parseWith(
      t,
      "Add the webinar attendees from Zoom to Mailchimp, but tag them 'webinar-may' in HubSpot before that.",
      ['zoom.list_webinar_participants', 'hubspot.update_contact', 'mailchimp.add_member'],
    );
    expect(actions(parsed)).toEqual(['zoom.list_webinar_participants', 'hubspot.update_contact', 'mailchimp.add_member']);
  });
});

describe('phrases that are not steps of their own', () => {
  it('"After exporting the gradebook from Canvas, …" is the first step, not an event', async () => {
    const parsed = await parseWith(t, 'After exporting the gradebook from Canvas, import the file into Skyward.', [
      'canvas.export_gradebook',
      'skyward.import_grades',
    ]);
    expect(parsed.trigger).toBeNull();
    expect(actions(parsed)).toEqual(['canvas.export_gradebook', 'skyward.import_grades']);
  });

  it('", assigned to the contract owner" describes the task before it', async () => {
    const parsed = await parseWith(
      t,
      'Pull the contracts expiring in the next 90 days from Ironclad and create a renewal task in Asana for each one, assigned to the contract owner.',
      ['ironclad.search_contracts', 'asana.create_task', 'asana.complete_task'],
    );
    expect(actions(parsed)).toEqual(['ironclad.search_contracts', 'asana.create_task']);
  });
});

describe('lists written the short way', () => {
  it('"get approval from the department head and then from finance" is two approvals', async () => {
    const parsed = await parseWith(
      t,
      'When a travel request is submitted, get approval from the department head and then from finance, then book the flight on Navan and email the itinerary to the traveller.',
      ['navan.book_flight', 'email.send', 'slack.post'],
    );
    expect(actions(parsed)).toEqual(['wait', 'wait', 'navan.book_flight', 'email.send']);
  });

  it('passives with their auxiliary left out ("…, the duplicates removed, and the result uploaded …") are steps', async () => {
    const parsed = await parseWith(
      t,
      "Every Friday at 5 pm, the list of VIP ticket buyers on Eventbrite this week should be exported, the duplicates removed, and the result uploaded to the sponsorship sales team's Dropbox folder.",
      ['eventbrite.list_attendees', 'eventbrite.list_events', 'dropbox.upload_file'],
    );
    expect(actions(parsed)).toEqual(['eventbrite.list_attendees', 'transform', 'dropbox.upload_file']);
    const recap = await parseWith(
      t,
      'Each Saturday at noon the loyalty points of inactive members should be expired in Smile.io and a recap emailed to the CRM team.',
      ['smile.expire_points', 'smile.list_members', 'email.send'],
    );
    expect(actions(recap)).toEqual(['smile.expire_points', 'email.send']);
  });

  it('a passive title before a dash and a list is the list\'s heading; "roll the test fleet back" rolls back', async () => {
    const heading = await parseWith(
      t,
      'the HR headcount report gets rebuilt every monday at 5am - read employees from personio, join w/ cost centers from the finance db, write it all to the People dashboard sheet',
      ['personio.list_employees', 'postgres.query', 'records.join', 'sheets.write_range'],
    );
    expect(actions(heading)[0]).toBe('personio.list_employees');
    expect(actions(heading)).not.toContain('rebuild');
    const roll = await parseWith(t, 'If the smoke tests fail, roll the test fleet back and post in #firmware.', [
      'mender.deploy',
      'mender.rollback',
      'slack.post',
    ]);
    expect(actions(roll)).toEqual(['mender.rollback', 'slack.post']);
  });
});
