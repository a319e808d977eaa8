/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAgentDocument, CreateWorkspaceDocument, ParseWorkflowDocument, type ParseWorkflowMutation } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type ScriptedLlm, startAppWithLlm, startScriptedLlm } from '../support/scripted-llm.ts';

const SEED_INSTRUCTION = 'Every Monday at 9am, pull the latest sales data, generate a summary report, and email it to the sales team.';
const SEED_TOOLS = ['salesforce.query', 'email.send'];

type Parsed = Extract<ParseWorkflowMutation['parseWorkflow'], { __typename: 'ParsedWorkflow' }>;

let t: TestApp;

/** Parses through GraphQL and fails the test unless a ParsedWorkflow came back. */
async function parse(app: TestApp, instruction: string, availableTools: string[] = SEED_TOOLS, workspaceSlug?: string): Promise<Parsed> {
  const result = (await app.ok(ParseWorkflowDocument, { instruction, context: { availableTools } }, { workspaceSlug })).parseWorkflow;
  if (result.__typename !== 'ParsedWorkflow') throw new Error(`expected a ParsedWorkflow, got ${JSON.stringify(result)}`);
  return result;
}

/** Agent steps by agent, other steps by type. */
function labels(definition: unknown): string[] {
  return ((definition as { steps?: Record<string, unknown>[] }).steps ?? []).map((s) => String(s.type === 'agent' ? s.agent : s.type));
}

async function createAgent(app: TestApp, name: string, description: string, workspaceSlug?: string): Promise<void> {
  const created = (
    await app.ok(CreateAgentDocument, { input: { name, url: `http://${name}.example.com`, description } }, { workspaceSlug })
  ).createAgent;
  if (created.__typename !== 'Agent') throw new Error(`setup failed: ${JSON.stringify(created)}`);
}

beforeAll(async () => {
  t = await startTestApp();
  await createAgent(t, 'report-generator', 'Generates summary reports from sales data');
  await createAgent(t, 'insight-bot', 'Scores the sentiment of customer feedback');
  const workspace = (await t.ok(CreateWorkspaceDocument, { input: { name: 'Other team', slug: 'other-team' } })).createWorkspace;
  if (workspace.__typename !== 'Workspace') throw new Error(`setup failed: ${JSON.stringify(workspace)}`);
});
afterAll(async () => {
  await t?.close();
});

describe('parseWorkflow (deterministic parser)', () => {
  it('parses the seed 003 example: Monday 9am schedule, salesforce.query → report agent → email.send', async () => {
    const parsed = await parse(t, SEED_INSTRUCTION);
    expect(parsed.schedule).toEqual({ cron: '0 9 * * 1', timezone: null, description: 'every Monday at 09:00' });
    expect(labels(parsed.definition)).toEqual(['salesforce.query', 'report-generator', 'email.send']);
    expect(parsed.definition).toMatchObject({
      steps: [
        { id: 'step_1', agent: 'salesforce.query', action: 'query', dependsOn: [] },
        { id: 'step_2', agent: 'report-generator', dependsOn: ['step_1'], input: { input: '${step_1.output}' } },
        { id: 'step_3', agent: 'email.send', action: 'send', dependsOn: ['step_2'], input: { input: '${step_2.output}' } },
      ],
    });
    expect(parsed.nodes).toMatchObject({
      nodes: [
        { id: 'step_1', type: 'integration', action: 'salesforce.query' },
        { id: 'step_2', type: 'agent', action: 'report-generator', input_from: 'step_1' },
        { id: 'step_3', type: 'integration', action: 'email.send', input_from: 'step_2' },
      ],
    });
    expect(parsed).toMatchObject({ valid: true, issues: [], source: 'DETERMINISTIC', name: 'Weekly Sales Summary Report' });
    expect(parsed.confidence).toBeGreaterThanOrEqual(0);
    expect(parsed.confidence).toBeLessThanOrEqual(1);
    expect(parsed.parseTimeMs).toBeGreaterThanOrEqual(0);
    expect(parsed.matches.map((m) => [m.kind, m.target])).toEqual([
      ['TOOL', 'salesforce.query'],
      ['AGENT', 'report-generator'],
      ['TOOL', 'email.send'],
    ]);
  });

  it('matches registered agents by name and by description', async () => {
    const byName = await parse(t, 'Run the report generator on the sales data, then email it.');
    expect(labels(byName.definition)).toEqual(['report-generator', 'email.send']);
    const byDescription = await parse(t, 'Score the sentiment of the latest reviews and email the results.');
    expect(labels(byDescription.definition)).toEqual(['insight-bot', 'email.send']);
    expect(byDescription.valid).toBe(true);
  });

  it('only knows the agents of the workspace the request acts in', async () => {
    const parsed = await parse(t, SEED_INSTRUCTION, SEED_TOOLS, 'other-team');
    expect(labels(parsed.definition)).toEqual(['salesforce.query', 'generate_report', 'email.send']);
    expect(parsed.valid).toBe(false);
    expect(parsed.issues).toEqual([
      { path: 'steps[1].agent', stepId: 'step_2', message: 'step "step_2": agent "generate_report" does not exist' },
    ]);
    expect(parsed.confidence).toBeLessThan(1);
  });

  it('reports an unknown tool through validation, with the step it concerns', async () => {
    const parsed = await parse(t, 'Post the weekly numbers to the Teams channel.', ['email.send']);
    expect(parsed.valid).toBe(false);
    expect(parsed.issues[0]).toMatchObject({ stepId: 'step_1' });
    expect(parsed.issues[0]?.message).toMatch(/agent "post_numbers" does not exist/);
  });

  it('rejects an instruction shorter than 5 characters (after trimming) or longer than 10 000 with a ValidationError', async () => {
    for (const instruction of ['Hi', '   hey   ', 'x'.repeat(10_001)]) {
      const result = (await t.ok(ParseWorkflowDocument, { instruction })).parseWorkflow;
      expect(result.__typename).toBe('ValidationError');
      if (result.__typename !== 'ValidationError') continue;
      expect(result.issues.map((i) => i.path)).toEqual(['instruction']);
    }
  });

  it('works without a context', async () => {
    const result = (await t.ok(ParseWorkflowDocument, { instruction: 'Every day at noon, email the menu.' })).parseWorkflow;
    expect(result).toMatchObject({ __typename: 'ParsedWorkflow', schedule: { cron: '0 12 * * *' }, valid: false });
  });
});

describe('parseWorkflow with the LLM parser (fake OpenAI-compatible server)', () => {
  let llm: ScriptedLlm;
  let withLlm: TestApp;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    withLlm = await startAppWithLlm(llm.url, { apiKey: 'sk-test', model: 'fake-model' });
    await createAgent(withLlm, 'report-generator', 'Generates summary reports from sales data');
  });
  afterAll(async () => {
    await withLlm?.close();
    await llm?.close();
  });

  it('uses a valid reply as it is (source LLM), after validating it', async () => {
    llm.reply = {
      status: 200,
      content: JSON.stringify({
        name: 'Weekly Sales Report',
        description: 'Pull sales data, generate summary, and email to team',
        steps: [
          { id: 'fetch', type: 'agent', agent: 'salesforce.query', input: { query: 'SELECT Amount FROM Opportunity' } },
          { id: 'report', type: 'agent', agent: 'report-generator', dependsOn: ['fetch'], input: { rows: '${fetch.output}' } },
          { id: 'mail', type: 'agent', agent: 'email.send', dependsOn: ['report'], input: { body: '${report.output}' } },
        ],
        schedule: { cron: '0 9 * * 1', timezone: 'America/New_York' },
      }),
    };
    const parsed = await parse(withLlm, SEED_INSTRUCTION);
    expect(parsed).toMatchObject({ source: 'LLM', valid: true, issues: [], name: 'Weekly Sales Report', confidence: 1 });
    expect(parsed.schedule).toMatchObject({ cron: '0 9 * * 1', timezone: 'America/New_York' });
    expect(labels(parsed.definition)).toEqual(['salesforce.query', 'report-generator', 'email.send']);
    expect(parsed.nodes).toMatchObject({
      nodes: [
        { id: 'fetch', type: 'integration', action: 'salesforce.query', config: { query: 'SELECT Amount FROM Opportunity' } },
        {
          id: 'report',
          type: 'agent',
          action: 'report-generator',
          input_from: 'fetch',
          config: { input_mapping: { rows: '${fetch.output}' } },
        },
        { id: 'mail', type: 'integration', action: 'email.send', input_from: 'report' },
      ],
    });

    const request = llm.requests[llm.requests.length - 1];
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({ model: 'fake-model', response_format: { type: 'json_object' } });
    const messages = request?.body.messages as { role: string; content: string }[];
    expect(messages[0]?.content).toContain('- salesforce.query');
    expect(messages[0]?.content).toContain('- report-generator: Generates summary reports from sales data');
    expect(messages[1]).toEqual({ role: 'user', content: SEED_INSTRUCTION });
  });

  it('holds an invalid step graph from the LLM to the same validation: valid false, with every issue', async () => {
    llm.reply = {
      status: 200,
      content:
        'Sure! ```json\n' +
        JSON.stringify({
          name: 'Broken',
          steps: [
            { id: 'a', type: 'agent', agent: 'salesforce.query', dependsOn: ['b'] },
            { id: 'b', type: 'agent', agent: 'no.such_tool', dependsOn: ['a'] },
          ],
        }) +
        '\n```',
    };
    const parsed = await parse(withLlm, SEED_INSTRUCTION);
    expect(parsed).toMatchObject({ source: 'LLM', valid: false, schedule: null });
    const messages = parsed.issues.map((i) => i.message);
    expect(messages).toContain('step "b": agent "no.such_tool" does not exist');
    expect(messages.some((m) => m.startsWith('cycle: a → b → a'))).toBe(true);
    expect(parsed.matches.map((m) => m.kind)).toEqual(['TOOL', 'UNKNOWN']);
    expect(parsed.confidence).toBe(0.65);
  });

  it('falls back to the deterministic parser when the LLM answers 500 (source LLM_FALLBACK)', async () => {
    llm.reply = { status: 500 };
    const parsed = await parse(withLlm, SEED_INSTRUCTION);
    expect(parsed.source).toBe('LLM_FALLBACK');
    expect(parsed.notes[0]).toContain('HTTP 500');
    expect(parsed.schedule?.cron).toBe('0 9 * * 1');
    expect(labels(parsed.definition)).toEqual(['salesforce.query', 'report-generator', 'email.send']);
    expect(parsed.valid).toBe(true);
  });

  it('falls back when the reply is not a workflow', async () => {
    llm.reply = { status: 200, content: '{"answer": "I would pull the data first."}' };
    const parsed = await parse(withLlm, SEED_INSTRUCTION);
    expect(parsed.source).toBe('LLM_FALLBACK');
    expect(parsed.notes[0]).toContain('no "steps" list');
  });

  it('still rejects a short instruction before calling the LLM', async () => {
    const before = llm.requests.length;
    const result = (await withLlm.ok(ParseWorkflowDocument, { instruction: 'Go' })).parseWorkflow;
    expect(result.__typename).toBe('ValidationError');
    expect(llm.requests.length).toBe(before);
  });
});
