/**
 * Conditions with two outcomes through `parseWorkflow`: "if they pass …, if they fail …" is one
 * test with both branches, two thresholds on one reading are two tests on that reading, and a
 * test right after an approval wait reads what the wait received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { actions, gates, parseWith, stepsOf } from '../support/parsed.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** The conditions' tested values and comparisons, in order. */
function tests(parsed: Awaited<ReturnType<typeof parseWith>>): unknown[] {
  return stepsOf(parsed)
    .filter((s) => s.type === 'condition')
    .map((s) => s.condition);
}

describe('a test and its opposite are one condition with two branches', () => {
  it('"if they pass deploy …, if they fail post …" in one sentence', async () => {
    const parsed = await parseWith(
      t,
      "On every push to main, run the tests in CircleCI; if they pass deploy to staging on Render, if they fail post the failing job's link in #ci.",
      ['circleci.trigger_pipeline', 'render.deploy', 'render.rollback', 'slack.post'],
    );
    expect(actions(parsed)).toEqual(['circleci.trigger_pipeline', 'render.deploy', 'slack.post']);
    expect(gates(parsed)).toEqual(['render.deploy / slack.post']);
  });

  it('"If it passes, …; if it fails, …" across sentences, and "if approved …, if rejected …" after an approval', async () => {
    const screening = await parseWith(
      t,
      'Run the background check in SmartMove. If it passes, send the lease via DocuSign; if it fails, email the applicant.',
      ['smartmove.run_screening', 'docusign.send_envelope', 'email.send'],
    );
    expect(gates(screening)).toEqual(['docusign.send_envelope / email.send']);
    const approval = await parseWith(
      t,
      'When a contractor submits an invoice in Deel, get the project owner to approve it; if approved pay it, if rejected email the contractor the reason.',
      ['deel.pay_invoice', 'deel.get_invoice', 'email.send'],
    );
    expect(actions(approval)).toEqual(['wait', 'deel.pay_invoice', 'email.send']);
    expect(gates(approval)).toEqual(['deel.pay_invoice / email.send']);
    // The test reads what the approval wait received, not a workflow input.
    expect(tests(approval)).toEqual([{ value: '${step_1.output.approved}', operator: 'truthy' }]);
  });

  it('"if score > 70 create the deal else add to the journey": a test and its action without a comma', async () => {
    const parsed = await parseWith(
      t,
      'score it with the lead-scorer agent, if score > 70 create deal in pipedrive else add to nurture journey in mailchimp',
      ['lead.score', 'pipedrive.create_deal', 'mailchimp.add_to_journey'],
    );
    expect(gates(parsed)).toEqual(['pipedrive.create_deal / mailchimp.add_to_journey']);
  });
});

describe('two thresholds are two tests on the same reading', () => {
  it('"when it\'s over 1000 …, and when it drops under 100 …" both read the queue depth', async () => {
    const parsed = await parseWith(
      t,
      "Every 5 minutes read the SQS queue depth; when it's over 1000 messages add two workers to the ECS service, and when it drops under 100 scale it back to one.",
      ['sqs.get_queue_attributes', 'sqs.purge_queue', 'ecs.update_service', 'ecs.stop_task'],
    );
    expect(actions(parsed)).toEqual(['sqs.get_queue_attributes', 'ecs.update_service', 'ecs.update_service']);
    expect(gates(parsed)).toEqual(['ecs.update_service', 'ecs.update_service']);
    expect(tests(parsed)).toEqual([
      { value: '${step_1.output.value}', operator: 'gt', compareTo: 1000 },
      { value: '${step_1.output.value}', operator: 'lt', compareTo: 100 },
    ]);
  });

  it('"if less than 3 days" takes the subject of the test before, and "page them" pages', async () => {
    const parsed = await parseWith(
      t,
      'Check the SSL certificate on shop.example.org every morning. If it expires in less than 14 days, email the web team; if less than 3 days, page them as well.',
      ['ssl.check_certificate', 'email.send', 'pagerduty.trigger', 'slack.post'],
    );
    expect(actions(parsed)).toEqual(['ssl.check_certificate', 'email.send', 'pagerduty.trigger']);
    expect(tests(parsed)).toEqual([
      { value: '${step_1.output.expires}', operator: 'lt', compareTo: 14 },
      { value: '${step_1.output.expires}', operator: 'lt', compareTo: 3 },
    ]);
  });
});

describe('a test that closes or opens a sentence', () => {
  it('"reopen it and assign it back, unless the reply is just a thank-you" gates both actions', async () => {
    const parsed = await parseWith(
      t,
      'When a customer replies to a closed conversation in Intercom, reopen it and assign it back to the last teammate, unless the reply is just a thank-you.',
      ['intercom.reopen_conversation', 'intercom.assign_conversation', 'intercom.close_conversation'],
    );
    expect(actions(parsed)).toEqual(['intercom.reopen_conversation', 'intercom.assign_conversation']);
    expect(gates(parsed)).toEqual(['intercom.reopen_conversation']);
    expect(parsed.valid).toBe(true);
  });

  it('"…, but translate it to English first if it\'s not in English" puts the test and its action first', async () => {
    const parsed = await parseWith(
      t,
      "When a WhatsApp message comes in, open a Gorgias ticket for it, but translate it to English first if it's not in English.",
      ['deepl.translate', 'gorgias.create_ticket', 'gorgias.close_ticket'],
    );
    expect(actions(parsed)).toEqual(['deepl.translate', 'gorgias.create_ticket']);
    expect(gates(parsed)).toEqual(['deepl.translate']);
  });

  it('"check it every 10 minutes" after the test reads first; "either way save …" is not gated', async () => {
    const freezer = await parseWith(
      t,
      'If the freezer in store 12 reads warmer than -15°C, text the store manager; check it every 10 minutes.',
      ['sensorpush.get_reading', 'twilio.send_sms', 'email.send'],
    );
    expect(actions(freezer)).toEqual(['sensorpush.get_reading', 'twilio.send_sms']);
    expect(gates(freezer)).toEqual(['twilio.send_sms']);
    const either = await parseWith(
      t,
      'When a Typeform response comes in, add the person to our Mailchimp audience if they opted in to the newsletter, and either way save the response to Airtable.',
      ['mailchimp.add_member', 'airtable.create_record', 'typeform.get_response'],
    );
    expect(actions(either)).toEqual(['mailchimp.add_member', 'airtable.create_record']);
    expect(gates(either)).toEqual(['mailchimp.add_member']);
  });

  it('"ask dana to ok the discount and if she says yes …": the ok is an approval the run waits for', async () => {
    const parsed = await parseWith(
      t,
      "ask dana to ok the discount and if she says yes apply a 20% coupon to the customer's chargebee subscription",
      ['chargebee.apply_coupon', 'chargebee.cancel_subscription'],
    );
    expect(actions(parsed)).toEqual(['wait', 'chargebee.apply_coupon']);
  });
});
