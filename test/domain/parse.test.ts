/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
import { describe, expect, it } from 'vitest';
import { fromV003 } from '../../src/domain/definition/legacy.ts';
import { validateDefinition } from '../../src/domain/definition/validate.ts';
import {
  type AgentInfo,
  confidenceOf,
  createLlmParser,
  extractJson,
  extractSchedule,
  type ParseContext,
  parseDeterministic,
  readCondition,
} from '../../src/domain/parse/index.ts';
import { knownAgents } from '../../src/domain/parse/finish.ts';
import { llmConfigFromEnv } from '../../src/domain/parse-service.ts';

const TOOLS = [
  'salesforce.query',
  'email.send',
  'slack.post_message',
  'jira.create_issue',
  'sheets.append_row',
  's3.upload',
  'twilio.send_sms',
  'stripe.refund',
  'hubspot.create_contact',
];
const AGENTS: AgentInfo[] = [
  { name: 'ReportGenerator', description: 'Generates summary reports from sales data', status: 'ACTIVE' },
  { name: 'DataExtractorAgent', description: 'Extracts data from external sources', status: 'ACTIVE' },
  { name: 'translator-bot', description: 'Translates documents into other languages', status: 'ACTIVE' },
  { name: 'SentimentAnalyzer', description: 'Scores the sentiment of customer feedback', status: 'ACTIVE' },
  { name: 'LegacyBilling', description: 'Creates invoices for customers', status: 'INACTIVE' },
];
const CONTEXT: ParseContext = { availableTools: TOOLS, agents: AGENTS };

interface Case {
  text: string;
  cron: string | null;
  timezone?: string;
  /** Agent steps by agent name, other steps by type (`condition`, `delay`, `wait`, `http`), in definition order. */
  steps: string[];
  valid: boolean;
  /** Part of an issue message expected when invalid. */
  issue?: string;
  /** The event that starts the workflow, when the text names one (it is not a step). */
  trigger?: string;
}

const CASES: Case[] = [
  // Schedules with sequencing.
  {
    text: 'Every Monday at 9am, pull the latest sales data, generate a summary report, and email it to the sales team.',
    cron: '0 9 * * 1',
    steps: ['salesforce.query', 'ReportGenerator', 'email.send'],
    valid: true,
  },
  {
    text: 'Daily at 18:30, query Salesforce for new opportunities and post them to #sales on Slack.',
    cron: '30 18 * * *',
    steps: ['salesforce.query', 'slack.post_message'],
    valid: true,
  },
  {
    text: 'On weekdays at 8, send a Slack message to #standup reminding everyone about the standup.',
    cron: '0 8 * * 1-5',
    steps: ['slack.post_message'],
    valid: true,
  },
  {
    text: "On the first day of every month, pull last month's sales data and append it to the finance sheet.",
    cron: '0 0 1 * *',
    steps: ['salesforce.query', 'sheets.append_row'],
    valid: true,
  },
  {
    text: 'Every hour, extract data from the partner API and upload it to S3.',
    cron: '0 * * * *',
    steps: ['DataExtractorAgent', 's3.upload'],
    valid: true,
  },
  {
    text: 'Every day at noon, translate the daily update into Spanish and email it to the Madrid office.',
    cron: '0 12 * * *',
    steps: ['translator-bot', 'email.send'],
    valid: true,
  },
  {
    text: 'At 7pm every Friday, generate the weekly report, then email it to leadership@example.com.',
    cron: '0 19 * * 5',
    steps: ['ReportGenerator', 'email.send'],
    valid: true,
  },
  {
    text: 'Every weekday at 8:00 America/New_York, pull the pipeline from Salesforce and send it to Slack.',
    cron: '0 8 * * 1-5',
    timezone: 'America/New_York',
    steps: ['salesforce.query', 'slack.post_message'],
    valid: true,
  },
  {
    text: 'Every Monday and Thursday at 10:30 EST, email the sales digest to the team.',
    cron: '30 10 * * 1,4',
    timezone: 'America/New_York',
    steps: ['email.send'],
    valid: true,
  },
  { text: 'Nightly, back up the database to S3.', cron: '0 0 * * *', steps: ['s3.upload'], valid: true },
  { text: 'Every 2 hours, sync new contacts to HubSpot.', cron: '0 */2 * * *', steps: ['hubspot.create_contact'], valid: true },
  { text: 'Every Sunday night at 11pm, archive the logs to S3.', cron: '0 23 * * 0', steps: ['s3.upload'], valid: true },
  { text: 'Send the weekly digest by email every Friday at 4pm.', cron: '0 16 * * 5', steps: ['email.send'], valid: true },
  {
    text: 'Every 30 minutes on weekdays, check for new leads in Salesforce.',
    cron: '*/30 * * * 1-5',
    steps: ['salesforce.query'],
    valid: true,
  },
  { text: 'On the 15th of each month at 6am, email the invoices to accounting.', cron: '0 6 15 * *', steps: ['email.send'], valid: true },
  {
    text: 'Every month, generate a summary report and upload it to S3.',
    cron: '0 0 1 * *',
    steps: ['ReportGenerator', 's3.upload'],
    valid: true,
  },
  { text: 'Every morning, email me the overnight alerts.', cron: '0 9 * * *', steps: ['email.send'], valid: true },
  {
    text: 'Every Friday at 5 PM Pacific time, send the timesheet reminder on Slack.',
    cron: '0 17 * * 5',
    timezone: 'America/Los_Angeles',
    steps: ['slack.post_message'],
    valid: true,
  },
  {
    text: 'Post the daily standup notes to Slack every weekday at 9:15.',
    cron: '15 9 * * 1-5',
    steps: ['slack.post_message'],
    valid: true,
  },
  {
    text: 'Every weekday morning, send the standup reminder to #standup on Slack.',
    cron: '0 9 * * 1-5',
    steps: ['slack.post_message'],
    valid: true,
  },
  { text: 'Once a week on Friday, email the sales digest to the team.', cron: '0 0 * * 5', steps: ['email.send'], valid: true },
  { text: 'every 5 min, ping the health endpoint https://status.example.com/health', cron: '*/5 * * * *', steps: ['http'], valid: true },
  {
    text: 'Every Tuesday and Thursday at 14:00 UTC, export the pipeline from Salesforce, then email it to sales-ops@example.com.',
    cron: '0 14 * * 2,4',
    timezone: 'UTC',
    steps: ['salesforce.query', 'email.send'],
    valid: true,
  },
  {
    text: 'Every day at 6pm Europe/Berlin, summarize today’s sales and email the summary to the team.',
    cron: '0 18 * * *',
    timezone: 'Europe/Berlin',
    steps: ['ReportGenerator', 'email.send'],
    valid: true,
  },
  // No schedule: a time alone repeats nothing.
  { text: 'At 9am, pull the sales data.', cron: null, steps: ['salesforce.query'], valid: true },
  // Sequencing words and matching by name / description.
  {
    text: 'Score the sentiment of the latest customer feedback and after that post the results to Slack.',
    cron: null,
    steps: ['SentimentAnalyzer', 'slack.post_message'],
    valid: true,
  },
  {
    text: 'Refund the payment in Stripe and email the customer a confirmation.',
    cron: null,
    steps: ['stripe.refund', 'email.send'],
    valid: true,
  },
  {
    text: 'Use salesforce.query to load open deals, then use email.send.',
    cron: null,
    steps: ['salesforce.query', 'email.send'],
    valid: true,
  },
  {
    text: 'Run DataExtractorAgent on the vendor portal and then the ReportGenerator.',
    cron: null,
    steps: ['DataExtractorAgent', 'ReportGenerator'],
    valid: true,
  },
  {
    text: 'Query salesforce for closed deals and append them to the revenue sheet and then notify the team on Slack',
    cron: null,
    steps: ['salesforce.query', 'sheets.append_row', 'slack.post_message'],
    valid: true,
  },
  {
    text: 'Translate the contract to German, then upload it to S3 and finally email it to legal@example.com.',
    cron: null,
    steps: ['translator-bot', 's3.upload', 'email.send'],
    valid: true,
  },
  {
    text: 'Pull sales data and email it, then wait for approval, then post to Slack.',
    cron: null,
    steps: ['salesforce.query', 'email.send', 'wait', 'slack.post_message'],
    valid: true,
  },
  // Built-in step types.
  { text: 'Wait 10 minutes, then send an SMS to the customer.', cron: null, steps: ['delay', 'twilio.send_sms'], valid: true },
  { text: 'Get approval from the manager, then refund the order.', cron: null, steps: ['wait', 'stripe.refund'], valid: true },
  {
    text: 'Fetch https://api.example.com/orders and append the rows to the orders sheet.',
    cron: null,
    steps: ['http', 'sheets.append_row'],
    valid: true,
  },
  // Conditions.
  {
    text: 'Pull the sales data. If the total is above 1000, email the manager, otherwise post it to #sales.',
    cron: null,
    steps: ['salesforce.query', 'condition', 'email.send', 'slack.post_message'],
    valid: true,
  },
  {
    text: 'When a deployment fails, create a Jira ticket and notify #ops on Slack.',
    cron: null,
    trigger: 'a deployment fails',
    steps: ['jira.create_issue', 'slack.post_message'],
    valid: true,
  },
  { text: 'Email the finance team if revenue drops below $5k.', cron: null, steps: ['condition', 'email.send'], valid: true },
  {
    text: 'If the sentiment score is below 0.3, create a Jira ticket, then text the on-call engineer.',
    cron: null,
    steps: ['condition', 'jira.create_issue', 'twilio.send_sms'],
    valid: true,
  },
  { text: 'If the order status is "shipped", text the customer.', cron: null, steps: ['condition', 'twilio.send_sms'], valid: true },
  {
    text: 'When a new lead arrives, add it to HubSpot and notify the sales channel on Slack.',
    cron: null,
    trigger: 'a new lead arrives',
    steps: ['hubspot.create_contact', 'slack.post_message'],
    valid: true,
  },
  { text: 'Create a Jira issue when the build fails', cron: null, trigger: 'the build fails', steps: ['jira.create_issue'], valid: true },
  {
    text: 'If the invoice amount is greater than 10000, wait for approval, then refund it in Stripe, otherwise email the customer.',
    cron: null,
    steps: ['condition', 'wait', 'stripe.refund', 'email.send'],
    valid: true,
  },
  // Invalid: unknown tools (placeholder agents), inactive agents, nothing to do, contradictions.
  {
    text: 'Every 15 minutes, check the support inbox and create a Jira ticket for each new email.',
    cron: '*/15 * * * *',
    steps: ['check_inbox', 'jira.create_issue'],
    valid: false,
    issue: 'agent "check_inbox" does not exist',
  },
  {
    text: 'Transcribe the meeting recording and email the transcript to the team.',
    cron: null,
    steps: ['transcribe_recording', 'email.send'],
    valid: false,
    issue: 'agent "transcribe_recording" does not exist',
  },
  {
    text: 'Check the inventory; if the stock is under 10, email purchasing.',
    cron: null,
    steps: ['check_inventory', 'condition', 'email.send'],
    valid: false,
    issue: 'agent "check_inventory" does not exist',
  },
  {
    text: 'Pull the tickets from Jira. Then, if the count is more than 50, post an alert to #support on Slack.',
    cron: null,
    steps: ['pull_tickets', 'condition', 'slack.post_message'],
    valid: false,
    issue: 'agent "pull_tickets" does not exist',
  },
  { text: 'Every 90 minutes, poll the API.', cron: null, steps: ['poll_api'], valid: false, issue: '"every 90 minutes" cannot be written' },
  {
    text: 'Bill the customer for the order.',
    cron: null,
    steps: ['LegacyBilling'],
    valid: false,
    issue: 'agent "LegacyBilling" is inactive',
  },
  { text: 'Every day at 9am.', cron: '0 9 * * *', steps: [], valid: false, issue: 'no actionable step found' },
  { text: "Don't send anything.", cron: null, steps: [], valid: false, issue: 'no actionable step found' },
  { text: 'The quarterly numbers are looking great.', cron: null, steps: [], valid: false, issue: 'no actionable step found' },
  // An unknown verb is still an action: a placeholder agent that validation reports.
  {
    text: 'Frobnicate the widgets.',
    cron: null,
    steps: ['frobnicate_widgets'],
    valid: false,
    issue: 'agent "frobnicate_widgets" does not exist',
  },
  { text: 'Hi.', cron: null, steps: [], valid: false, issue: 'no actionable step found' },
  {
    text: 'Every hour and every Monday at 9am, send the report by email.',
    cron: null,
    steps: ['email.send'],
    valid: false,
    issue: 'conflicts with the time of day 09:00',
  },
  {
    text: 'Daily at 9am and every 15 minutes, email the queue report.',
    cron: null,
    steps: ['email.send'],
    valid: false,
    issue: 'conflicting schedule phrases',
  },
  {
    text: 'On the first Monday of every month, email the board pack.',
    cron: null,
    steps: ['email.send'],
    valid: false,
    issue: 'cannot be written as a standard 5-field cron expression',
  },
];

/** How a step reads in the table: its agent, or its type. */
function label(step: Record<string, unknown>): string {
  return step.type === 'agent' ? String(step.agent) : String(step.type);
}

describe('deterministic parser: instruction table', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(CASES.filter((c) => !c.valid).length).toBeGreaterThanOrEqual(8);
  });

  it.each(CASES)('$text', (c) => {
    const result = parseDeterministic(c.text, CONTEXT);
    const steps = ((result.definition as { steps?: Record<string, unknown>[] }).steps ?? []).map(label);
    expect({ cron: result.schedule?.cron ?? null, steps, valid: result.valid }).toEqual({ cron: c.cron, steps: c.steps, valid: c.valid });
    if (c.timezone !== undefined) expect(result.schedule?.timezone).toBe(c.timezone);
    expect(result.trigger).toBe(c.trigger ?? null);
    expect(steps.includes('condition')).toBe(c.steps.includes('condition'));
    expect(result.confidence).toBeGreaterThanOrEqual(0);
    expect(result.confidence).toBeLessThanOrEqual(1);
    expect(result.source).toBe('deterministic');
    if (c.valid) expect(result.issues).toEqual([]);
    else {
      expect(result.issues.length).toBeGreaterThan(0);
      if (c.issue !== undefined) expect(result.issues.map((i) => i.message).join('\n')).toContain(c.issue);
    }
    if (c.steps.length === 0) expect(result.confidence).toBe(0);
    expect(result.nodes.nodes.map((n) => n.id)).toEqual(((result.definition as { steps?: { id: string }[] }).steps ?? []).map((s) => s.id));
  });

  it('is deterministic: the same instruction gives the same result', () => {
    const strip = ({ parseTimeMs: _t, ...rest }: ReturnType<typeof parseDeterministic>) => rest;
    for (const c of CASES.slice(0, 10))
      expect(strip(parseDeterministic(c.text, CONTEXT))).toEqual(strip(parseDeterministic(c.text, CONTEXT)));
  });
});

describe('deterministic parser: what the steps contain', () => {
  it('builds the seed 003 example: chained agent steps, tools with their action, placeholder for the unmatched report step', () => {
    const result = parseDeterministic(
      'Every Monday at 9am, pull the latest sales data, generate a summary report, and email it to the sales team.',
      { availableTools: ['salesforce.query', 'email.send'] },
    );
    expect(result.schedule).toEqual({ cron: '0 9 * * 1', timezone: null, description: 'every Monday at 09:00' });
    expect(result.name).toBe('Weekly Sales Summary Report');
    expect(result.definition).toEqual({
      steps: [
        {
          id: 'step_1',
          type: 'agent',
          name: 'Pull the latest sales data',
          dependsOn: [],
          input: {},
          agent: 'salesforce.query',
          action: 'query',
        },
        {
          id: 'step_2',
          type: 'agent',
          name: 'Generate a summary report',
          dependsOn: ['step_1'],
          input: { input: '${step_1.output}' },
          agent: 'generate_report',
        },
        {
          id: 'step_3',
          type: 'agent',
          name: 'Email it to the sales team',
          dependsOn: ['step_2'],
          input: { input: '${step_2.output}', to: 'sales team' },
          agent: 'email.send',
          action: 'send',
        },
      ],
      inputs: [],
      outputs: {},
    });
    expect(result.valid).toBe(false);
    expect(result.issues).toEqual([
      { path: 'steps[1].agent', stepId: 'step_2', message: 'step "step_2": agent "generate_report" does not exist' },
    ]);
    // (1 + 0.3 + 1) / 3: one of three steps matched nothing.
    expect(result.confidence).toBe(0.77);
    expect(result.nodes).toEqual({
      nodes: [
        { id: 'step_1', type: 'integration', name: 'Pull the latest sales data', action: 'salesforce.query', config: {} },
        { id: 'step_2', type: 'agent', name: 'Generate a summary report', action: 'generate_report', input_from: 'step_1', config: {} },
        {
          id: 'step_3',
          type: 'integration',
          name: 'Email it to the sales team',
          action: 'email.send',
          input_from: 'step_2',
          config: { to: 'sales team' },
        },
      ],
      inputs: {},
      outputs: {},
    });
  });

  it('turns "if X, Y, otherwise Z" into a condition on the previous output with both branches', () => {
    const result = parseDeterministic(
      'Pull the sales data. If the total is above 1000, email the manager, otherwise post it to #sales.',
      CONTEXT,
    );
    const steps = (result.definition as { steps: Record<string, unknown>[] }).steps;
    expect(steps[1]).toMatchObject({
      id: 'step_2',
      type: 'condition',
      dependsOn: ['step_1'],
      condition: { value: '${step_1.output.total}', operator: 'gt', compareTo: 1000 },
      onTrue: ['step_3'],
      onFalse: ['step_4'],
    });
    expect(steps[2]).toMatchObject({ dependsOn: ['step_2'], input: { input: '${step_1.output}' } });
    expect(steps[3]).toMatchObject({ dependsOn: ['step_2'], input: { input: '${step_1.output}', channel: '#sales' } });
  });

  it('reads a leading condition from a workflow input and declares that input', () => {
    const result = parseDeterministic('If the region is EU, email the sales data.', CONTEXT);
    expect(result.definition).toMatchObject({
      steps: [
        { condition: { value: '${workflow.input.region}', operator: 'equals', compareTo: 'EU' }, onTrue: ['step_2'] },
        { agent: 'email.send' },
      ],
      inputs: [{ name: 'region', type: 'string', required: false }],
    });
  });

  it('runs what follows a conditional block whichever branch was taken', () => {
    const result = parseDeterministic('If the total is over 10, email the manager. Then post the total to Slack.', CONTEXT);
    const steps = (result.definition as { steps: Record<string, unknown>[] }).steps;
    expect(steps.map(label)).toEqual(['condition', 'email.send', 'slack.post_message']);
    expect(steps[2]?.dependsOn).toEqual(['step_1', 'step_2']);
    expect(result.valid).toBe(true);
  });

  it('makes delay, wait and http steps', () => {
    const delay = parseDeterministic('Wait 2 hours, then email the team.', CONTEXT).definition as { steps: Record<string, unknown>[] };
    expect(delay.steps[0]).toMatchObject({ type: 'delay', durationMs: 7_200_000 });
    const wait = parseDeterministic('Pull the sales data, then wait for approval.', CONTEXT).definition as {
      steps: Record<string, unknown>[];
    };
    expect(wait.steps[1]).toMatchObject({ type: 'wait', signal: 'approval', dependsOn: ['step_1'] });
    const http = parseDeterministic('Pull the sales data and post it to https://hooks.example.com/in.', CONTEXT).definition as {
      steps: Record<string, unknown>[];
    };
    expect(http.steps[1]).toMatchObject({
      type: 'http',
      request: { method: 'POST', url: 'https://hooks.example.com/in', body: '${step_1.output}' },
    });
  });

  it('explains ambiguous matches and lowers the confidence', () => {
    const result = parseDeterministic('Send the report.', CONTEXT);
    expect(result.matches[0]).toMatchObject({ kind: 'tool', target: 'email.send', ambiguousWith: ['twilio.send_sms'] });
    expect(result.confidence).toBe(0.6);
    expect(result.notes.join('\n')).toContain('about equally');
  });

  it('matches registered agents by name and by description', () => {
    const byDescription = parseDeterministic('Score the sentiment of the reviews.', { agents: AGENTS });
    expect(byDescription.matches[0]).toMatchObject({ kind: 'agent', target: 'SentimentAnalyzer' });
    const byName = parseDeterministic('Run the data extractor on the portal.', { agents: AGENTS });
    expect(byName.matches[0]).toMatchObject({ kind: 'agent', target: 'DataExtractorAgent' });
  });

  it('gives nodes that convert back (fromV003) to the same canonical steps, tool actions aside', () => {
    for (const text of [
      'Every Monday at 9am, pull the latest sales data, generate a summary report, and email it to the sales team.',
      'If the region is EU, email the sales data.',
      'Pull the sales data. If the total is above 1000, email it to boss@example.com.',
      'Wait 10 minutes, then send an SMS to the customer.',
    ]) {
      const result = parseDeterministic(text, CONTEXT);
      const back = fromV003(result.nodes);
      expect(back.issues).toEqual([]);
      const checked = validateDefinition(back.definition, { agents: knownAgents(CONTEXT, back.definition) });
      const withoutActions = (def: unknown) =>
        JSON.parse(JSON.stringify(def), (key, value: unknown) => (key === 'action' ? undefined : value)) as unknown;
      expect(checked.ok ? withoutActions(checked.definition) : checked.issues).toEqual(withoutActions(result.definition));
    }
  });
});

describe('schedule phrases', () => {
  it.each([
    ['every Monday at 9am', '0 9 * * 1', 'every Monday at 09:00'],
    ['daily at 18:30', '30 18 * * *', 'every day at 18:30'],
    ['every 15 minutes', '*/15 * * * *', 'every 15 minutes'],
    ['on weekdays at 8', '0 8 * * 1-5', 'on weekdays at 08:00'],
    ['first day of every month', '0 0 1 * *', 'on day 1 of every month at 00:00'],
    ['every hour', '0 * * * *', 'every hour at minute 0'],
    ['every day at noon', '0 12 * * *', 'every day at 12:00'],
    ['at 7pm every Friday', '0 19 * * 5', 'every Friday at 19:00'],
    ['at 9am and 5pm every day', '0 9,17 * * *', 'every day at 09:00 and 17:00'],
    ['on weekends at 10:00', '0 10 * * 0,6', 'on weekends at 10:00'],
    ['on the last day of the month at 23:00', '0 23 L * *', 'on the last day of every month at 23:00'],
    ['every other day at 7am', '0 7 */2 * *', 'every 2 days at 07:00'],
    ['yearly', '0 0 1 1 *', 'every year on January 1 at 00:00'],
    ['every minute', '* * * * *', 'every minute'],
  ])('%s → %s', (phrase, cron, description) => {
    expect(extractSchedule(`${phrase}, email the team`).schedule).toEqual({ cron, timezone: null, description });
  });

  it('names the time zone and removes the phrase from the text', () => {
    const extraction = extractSchedule('Every Friday at 5 PM in Eastern time, send the report to Slack.');
    expect(extraction.schedule).toMatchObject({ cron: '0 17 * * 5', timezone: 'America/New_York' });
    expect(extraction.text).toBe('send the report to Slack.');
    expect(extractSchedule('every day at 9am London time, post the menu').schedule?.timezone).toBe('Europe/London');
  });
});

describe('conditions', () => {
  it.each([
    ['the total is above 1000', { field: 'total', operator: 'gt', compareTo: 1000 }],
    ['the amount is at least $2,500', { field: 'amount', operator: 'gte', compareTo: 2500 }],
    ['stock is under 10', { field: 'stock', operator: 'lt', compareTo: 10 }],
    ['the score is at most 0.5', { field: 'score', operator: 'lte', compareTo: 0.5 }],
    ['the status equals "done"', { field: 'status', operator: 'equals', compareTo: 'done' }],
    ['the region is not EU', { field: 'region', operator: 'notEquals', compareTo: 'EU' }],
    ['the subject contains "urgent"', { field: 'subject', operator: 'contains', compareTo: 'urgent' }],
    ['the deployment fails', { field: 'deployment_status', operator: 'equals', compareTo: 'failed' }],
    ['a new lead arrives', { field: 'lead', operator: 'exists' }],
    ['revenue exceeds 5k', { field: 'revenue', operator: 'gt', compareTo: 5000 }],
  ])('"%s"', (text, expected) => {
    expect(readCondition(text)).toEqual({ ...expected, explicit: true });
  });

  it('falls back to "is truthy" and says so', () => {
    expect(readCondition('it rains')).toEqual({ field: 'rains', operator: 'truthy', explicit: false });
    const result = parseDeterministic('If it rains, email the team.', CONTEXT);
    expect(result.notes.join('\n')).toContain('truthy');
    expect(result.confidence).toBe(0.95);
  });
});

describe('confidence formula', () => {
  it('is the mean step quality minus the penalties, clamped to [0, 1]', () => {
    expect(confidenceOf({ qualities: [], ignored: 0, implicitConditions: 0, scheduleIssues: 0 })).toBe(0);
    expect(confidenceOf({ qualities: [1, 0.3, 1], ignored: 0, implicitConditions: 0, scheduleIssues: 0 })).toBe(0.77);
    expect(confidenceOf({ qualities: [1, 1], ignored: 1, implicitConditions: 1, scheduleIssues: 1 })).toBe(0.75);
    expect(confidenceOf({ qualities: [0.3], ignored: 9, implicitConditions: 0, scheduleIssues: 0 })).toBe(0);
  });
});

describe('LLM parser (stubbed fetch)', () => {
  const reply = (content: string, status = 200) =>
    (async () => new Response(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }), { status })) as typeof fetch;

  it('reads JSON inside a code fence and validates it', async () => {
    const content =
      '```json\n{"name":"Digest","description":"d","steps":[{"id":"q","type":"agent","agent":"salesforce.query"}],"schedule":{"cron":"0 9 * * 1","timezone":"Europe/Paris"}}\n```';
    const result = await createLlmParser({ url: 'http://llm.invalid/v1', fetch: reply(content) }).parse('every monday pull sales', CONTEXT);
    expect(result).toMatchObject({ source: 'llm', valid: true, name: 'Digest', confidence: 1 });
    expect(result.schedule).toMatchObject({ cron: '0 9 * * 1', timezone: 'Europe/Paris' });
  });

  it('reports a bad cron from the model as an issue', async () => {
    const content = '{"name":"x","steps":[{"id":"q","type":"agent","agent":"salesforce.query"}],"schedule":"every monday"}';
    const result = await createLlmParser({ url: 'http://llm.invalid/v1', fetch: reply(content) }).parse('pull sales weekly', CONTEXT);
    expect(result.valid).toBe(false);
    expect(result.issues[0]?.path).toBe('schedule.cron');
  });

  it('falls back on junk, on a network error and on a timeout', async () => {
    const junk = await createLlmParser({ url: 'http://llm.invalid/v1', fetch: reply('I cannot help with that.') }).parse(
      'email the team',
      CONTEXT,
    );
    expect(junk.source).toBe('llm-fallback');
    expect(junk.notes[0]).toContain('no JSON object');
    const down = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
    }) as typeof fetch;
    const network = await createLlmParser({ url: 'http://llm.invalid/v1', fetch: down }).parse('email the team', CONTEXT);
    expect(network.source).toBe('llm-fallback');
    expect(network.notes[0]).toContain('ECONNREFUSED');
    const slow = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
      )) as typeof fetch;
    const timedOut = await createLlmParser({ url: 'http://llm.invalid/v1', fetch: slow, timeoutMs: 20 }).parse('email the team', CONTEXT);
    expect(timedOut.source).toBe('llm-fallback');
    expect(timedOut.notes[0]).toContain('no reply within 20 ms');
    expect(timedOut.matches[0]?.target).toBe('email.send');
  });

  it('extracts JSON surrounded by prose', () => {
    expect(extractJson('Here you go: {"steps": []} Enjoy!')).toEqual({ steps: [] });
  });
});

describe('LLM configuration from the environment', () => {
  it('is off without LLM_PARSER_URL and fills in the defaults', () => {
    expect(llmConfigFromEnv({})).toBeNull();
    expect(llmConfigFromEnv({ LLM_PARSER_URL: '  ' })).toBeNull();
    expect(llmConfigFromEnv({ LLM_PARSER_URL: 'http://localhost:1234/v1' })).toEqual({
      url: 'http://localhost:1234/v1',
      apiKey: null,
      model: 'gpt-4o-mini',
    });
    expect(llmConfigFromEnv({ LLM_PARSER_URL: 'https://x/v1', LLM_PARSER_API_KEY: 'k', LLM_PARSER_MODEL: 'm' })).toEqual({
      url: 'https://x/v1',
      apiKey: 'k',
      model: 'm',
    });
  });
});
