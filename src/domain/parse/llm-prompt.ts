/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
/**
 * The LLM parser's system prompt. It spells out the readings the deterministic parser and the
 * evaluation corpus (test/domain/parse/corpus.json) hold instructions to — trigger vs condition,
 * consequences as branches, run order, destinations as steps, offered tools only, nothing
 * invented when nothing is actionable — so that a model's answer can be scored on the same
 * corpus (`npm run eval:parse -- --llm <url>`).
 */
import type { AgentInfo, ParseContext } from './types.ts';

// One worked answer: a trigger, a source step, a condition with both branches, a builtin wait
// and a destination tool. Models follow an example more reliably than rules alone.
const EXAMPLE_INSTRUCTION =
  'When an order comes in, look it up in Shopify; if the total is over $500, wait for a manager to approve it, otherwise post it to #orders on Slack.';
const EXAMPLE_ANSWER = {
  name: 'Review large orders',
  description: 'Large orders wait for approval; the others are posted to #orders',
  trigger: 'an order comes in',
  steps: [
    { id: 'get_order', type: 'agent', agent: 'shopify.get_order', input: { order: '${workflow.input.order}' } },
    {
      id: 'is_large',
      type: 'condition',
      dependsOn: ['get_order'],
      condition: { value: '${get_order.output.total}', operator: 'gt', compareTo: 500 },
      onTrue: ['approval'],
      onFalse: ['post'],
    },
    { id: 'approval', type: 'wait', signal: 'approval', dependsOn: ['is_large'] },
    {
      id: 'post',
      type: 'agent',
      agent: 'slack.post',
      dependsOn: ['is_large'],
      input: { channel: '#orders', order: '${get_order.output}' },
    },
  ],
  inputs: [{ name: 'order', type: 'json' }],
  schedule: null,
};

/** An A2A agent's published skills, as a suffix of its line (what it can do beyond its description). */
function skillsOf(agent: AgentInfo): string {
  const skills = (agent.skills ?? []).map((skill) => (skill.description ? `${skill.name} (${skill.description})` : skill.name));
  return skills.length === 0 ? '' : `; skills: ${skills.join('; ')}`;
}

/** The system prompt: how to read an instruction, the canonical step shapes, and what the workspace offers. */
export function systemPrompt(context: ParseContext): string {
  const tools = (context.availableTools ?? []).map((t) => `- ${t}`).join('\n') || '- (none)';
  const agents =
    (context.agents ?? [])
      .filter((a) => a.status !== 'DELETED')
      .map((a) => `- ${a.name}${a.description ? `: ${a.description}` : ''}${skillsOf(a)}`)
      .join('\n') || '- (none)';
  return [
    'You turn a natural-language workflow instruction into a Flowdeck workflow definition.',
    'Reply with ONE JSON object and nothing else:',
    '{"name": string, "description": string, "trigger": string or null, "steps": [step, ...], "inputs": [{"name": string, "type": "json"}], "schedule": {"cron": "<minute hour day-of-month month day-of-week>", "timezone": "<IANA zone>" or null} or null}',
    'Each step has a unique "id" (letters, digits, "_", "-", "."; starting with a letter or "_"), a "type", optional "name" and "dependsOn" (ids of the steps it runs after), and one of these shapes:',
    '- {"type": "agent", "agent": "<offered tool or agent>", "action": "<optional operation>", "input": {...}}',
    '- {"type": "condition", "condition": {"value": "${<stepId>.output.<field>}" or "${workflow.input.<name>}", "operator": "equals|notEquals|gt|gte|lt|lte|contains|in|exists|truthy", "compareTo": <value>}, "onTrue": [ids], "onFalse": [ids]}',
    '- {"type": "wait", "signal": "<name>"}: until a person or system answers (an approval, a signature, a reply)',
    '- {"type": "delay", "durationMs": <integer>}: a fixed pause ("wait 10 minutes")',
    '- {"type": "http", "request": {"method": "GET|POST|PUT|PATCH|DELETE", "url": "...", "body": ...}}: a call to a URL written in the text when no tool does it',
    '- {"type": "transform", "expression": "<JSONata>"}: reshaping data',
    'How to read the instruction:',
    '1. "trigger" is the event that starts the workflow ("When a new lead arrives, …", "whenever the webhook fires", "for every new ticket", "after each deploy" → "a new lead arrives", …), or null. It is never a step and never a condition.',
    '2. One step per action, listed in the order they must run: the order of the text unless it says otherwise ("…, but anonymize it first", "24 hours after …"). Each step depends on the one it runs after.',
    '3. A destination an offered tool writes to is a step of its own: "sync new payments from Stripe into the finance sheet" is a Stripe step, then a sheet step.',
    '4. A condition ("if …", "only when …", "unless …") is a "condition" step placed just before its consequence: "onTrue" lists the first step to run when it holds, "onFalse" the first step of the "otherwise" branch ([] when there is none); both depend on the condition. It reads the output of an earlier step it depends on, or "${workflow.input.<name>}" declared in "inputs".',
    '5. Use only the offered tools and agents listed below, or the builtins wait, delay, http and transform; never a tool that does something else. When an action needs a tool that is not offered and no builtin does it, still write its agent step, named after the action in snake_case ("fax_contract"), so that the missing tool is reported.',
    '6. When nothing in the text can run (only a schedule, a trigger or a condition with no action, a negated action, no verb, gibberish), reply with "steps": [] and invent nothing.',
    '7. "schedule" only when the text says when the workflow repeats ("tomorrow" does not). Sunday is 0; "morning" is 09:00 and "evening" 18:00; daily, weekly (Sunday) and monthly (the 1st) without a time are at 00:00; quarters start in January, April, July and October.',
    'A step may only reference "${<id>.output}" of steps it (indirectly) depends on; no cycles.',
    'Offered tools (use them as "agent"):',
    tools,
    'Registered agents (use them as "agent"):',
    agents,
    `Example, with shopify.get_order and slack.post offered: "${EXAMPLE_INSTRUCTION}"`,
    JSON.stringify(EXAMPLE_ANSWER),
  ].join('\n');
}
