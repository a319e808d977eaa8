/**
 * Reshaping clauses through `parseWorkflow`: "dedupe it by SKU", "strip out the IP addresses",
 * "drop the ones under $300k" with no offered tool for them become `transform` steps whose
 * JSONata expression does what the words say, and a parsed workflow built of them runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOnLoopback, startTestApp, type TestApp, type Loopback } from '../support/app.ts';
import { flows } from '../support/flows.ts';
import { actions, parseWith, stepsOf, type Parsed } from '../support/parsed.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let feed: Loopback;
const ROWS = [
  { sku: 'A-1', price: 120, ip_address: '10.0.0.1', internal_note: 'x' },
  { sku: 'B-2', price: 450, ip_address: '10.0.0.2', internal_note: 'y' },
  { sku: 'A-1', price: 130, ip_address: '10.0.0.3', internal_note: 'z' },
];

beforeAll(async () => {
  t = await startTestApp();
  feed = serveOnLoopback(() => Response.json(ROWS));
});
afterAll(async () => {
  await feed?.close();
  await t?.close();
});

const parse = (instruction: string, tools: string[]): Promise<Parsed> => parseWith(t, instruction, tools);

/** The transform steps' expressions, in order. */
function expressions(parsed: Parsed): string[] {
  return stepsOf(parsed)
    .filter((s) => s.type === 'transform')
    .map((s) => String(s.expression));
}

describe('reshaping clauses become transform steps', () => {
  it('"dedupe it by SKU" keeps the first row of each SKU, reading the previous step\'s output', async () => {
    const parsed = await parse('Every day at 5am, pull the product feed from Akeneo, dedupe it by SKU and push it to our Algolia index.', [
      'akeneo.export_products',
      'algolia.save_objects',
      'algolia.search',
    ]);
    expect(actions(parsed)).toEqual(['akeneo.export_products', 'transform', 'algolia.save_objects']);
    const transform = stepsOf(parsed)[1];
    expect(transform?.input).toBe('${step_1.output}');
    expect(transform?.expression).toContain('`sku` in $kept.`sku`');
    expect(parsed.valid).toBe(true);
  });

  it('fields removed, redacted or picked out are named as written, singular and snake_case', async () => {
    const tools = ['mixpanel.export_events', 'bigquery.insert_rows', 'ocr.extract_text', 'postgres.insert'];
    const strip = await parse('Copy the Mixpanel events into BigQuery, then strip out the IP addresses and dates of birth.', tools);
    expect(expressions(strip)).toEqual(['$map($, function($row) { $row ~> |$|{}, ["ip_address", "date_of_birth"]| })']);
    const pick = await parse('OCR the PDF, pull out the invoice number, date and amount, and insert them into Postgres.', tools);
    expect(actions(pick)).toEqual(['ocr.extract_text', 'transform', 'postgres.insert']);
    expect(expressions(pick)).toEqual(['$.{"invoice_number": `invoice_number`, "date": `date`, "amount": `amount`}']);
  });

  it('a comparison filters rows, "keep only the top 10" takes the first ten, and "sort … by" sorts', async () => {
    const tools = ['zillow.search_listings', 'slack.post'];
    const drop = await parse('Fetch the new listings from Zillow, drop the ones under $300k and post the rest to #agents.', tools);
    expect(actions(drop)).toEqual(['zillow.search_listings', 'transform', 'slack.post']);
    expect(expressions(drop)).toEqual(['[$filter($, function($row) { $not($row.`value` < 300000) })]']);
    const top = await parse(
      'Fetch the listings from Zillow, sort them by price descending, keep only the top 10 and post them to #agents.',
      tools,
    );
    expect(expressions(top)).toEqual(['$ ^(>`price`)', '[($)[[0..9]]]']);
  });

  it('a reshaping the words do not spell out passes its input through, and a note says to write it', async () => {
    const parsed = await parse("Export last month's attendance from PowerSchool, convert it to CSV and upload it to Google Drive.", [
      'powerschool.export_attendance',
      'gdrive.upload_file',
    ]);
    expect(actions(parsed)).toEqual(['powerschool.export_attendance', 'transform', 'gdrive.upload_file']);
    expect(expressions(parsed)).toEqual(['$']);
    expect(parsed.notes).toContain(
      '"convert it to CSV" became a transform step that passes its input through: write its JSONata expression',
    );
    expect(parsed.confidence).toBeLessThan(1);
  });

  it('a reshaping verb on a system with only a read tool reads, then reshapes', async () => {
    const parsed = await parse("dedupe the contacts in hubspot by email then push the cleaned list to the mailchimp audience 'Customers'", [
      'hubspot.list_contacts',
      'hubspot.delete_contact',
      'mailchimp.add_members',
    ]);
    expect(actions(parsed)).toEqual(['hubspot.list_contacts', 'transform', 'mailchimp.add_members']);
  });

  it('an offered tool for the reshaping wins, and one naming a product that is not offered stays unmatched', async () => {
    const offered = await parse('Pull the orders from Shopify and dedupe them.', ['shopify.list_orders', 'records.dedupe']);
    expect(actions(offered)).toEqual(['shopify.list_orders', 'records.dedupe']);
    const missing = await parse('Pull the orders from Shopify and convert them to PDF with CloudConvert.', ['shopify.list_orders']);
    expect(actions(missing)).not.toContain('transform');
    expect(missing.valid).toBe(false);
    // A read is no reshaping: without a tool for it the workflow is invalid, not a pass-through.
    const read = await parse('Every morning pull the test results and email them to QA.', ['email.send']);
    expect(actions(read)).toEqual(['pull_results', 'email.send']);
    expect(read.valid).toBe(false);
  });
});

describe('a parsed reshaping workflow runs', () => {
  it('downloads rows, dedupes them by SKU, strips two fields, and keeps the rows over a price', async () => {
    const url = `${await feed.url()}/feed.json`;
    const parsed = await parse(
      `Download the product feed from ${url}, dedupe it by SKU, strip out the IP addresses and internal notes, then keep only the rows where the price is over 125.`,
      [],
    );
    expect(actions(parsed)).toEqual(['http', 'transform', 'transform', 'transform']);
    expect(parsed.valid).toBe(true);
    const f = flows(t);
    const workflow = await f.workflow('reshape', parsed.definition as Record<string, unknown>);
    const run = await waitForRun(t, (await f.execute(workflow.id)).id);
    expect(run.status).toBe('COMPLETED');
    const last = run.steps.find((s) => s.stepId === 'step_4');
    expect(last?.output).toEqual([{ sku: 'B-2', price: 450 }]);
  });
});
