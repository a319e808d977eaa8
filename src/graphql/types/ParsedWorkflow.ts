import { ValidationError } from '../../domain/errors.ts';
import type { NodeForm, NodesDocument, ParsedSchedule, ParseResult, ParseSource as Source, StepMatch } from '../../domain/parse/index.ts';
import { builder } from '../builder.ts';
import { fromEither } from '../input-shapes.ts';
import { DefinitionIssueRef } from './Workflow.ts';

export const ParseSource = builder.enumType('ParseSource', {
  description: 'Which parser produced a parsed workflow.',
  values: {
    DETERMINISTIC: { value: 'deterministic', description: 'The built-in offline parser (the default).' },
    LLM: { value: 'llm', description: 'The configured LLM; its output went through the same validation.' },
    LLM_FALLBACK: {
      value: 'llm-fallback',
      description: 'An LLM is configured but failed or answered junk, so the built-in parser answered (see `notes`).',
    },
  } satisfies Record<string, { value: Source; description: string }>,
});

export const ParsedStepKind = builder.enumType('ParsedStepKind', {
  description: 'How a step was derived from the instruction.',
  values: {
    TOOL: { value: 'tool', description: 'Matched to one of the available tools.' },
    AGENT: { value: 'agent', description: 'Matched to a registered agent, by its name or description.' },
    BUILTIN: { value: 'builtin', description: 'A built-in step: delay, wait (e.g. an approval) or http.' },
    UNKNOWN: { value: 'unknown', description: 'Nothing matched: a placeholder agent named after the action, reported by validation.' },
    CONDITION: { value: 'condition', description: 'A condition step from an "if …" / "when …" clause.' },
  } satisfies Record<string, { value: StepMatch['kind']; description: string }>,
});

const ParsedScheduleRef = builder.objectRef<ParsedSchedule>('ParsedSchedule').implement({
  description: 'When the instruction says the workflow repeats.',
  fields: (t) => ({
    cron: t.exposeString('cron', {
      description: 'Standard 5-field cron expression (minute hour day-of-month month day-of-week, Sunday = 0), e.g. `0 9 * * 1`.',
    }),
    timezone: t.exposeString('timezone', {
      nullable: true,
      description: 'IANA time zone the text named (e.g. `America/New_York` for "EST"); null when it named none.',
    }),
    description: t.exposeString('description', { description: 'The schedule in words, e.g. "every Monday at 09:00".' }),
  }),
});

const ParsedStepMatchRef = builder.objectRef<StepMatch>('ParsedStepMatch').implement({
  description: 'How one step of a parsed workflow was derived from the text; explains the confidence.',
  fields: (t) => ({
    stepId: t.exposeString('stepId', { description: 'The step in `definition`.' }),
    text: t.exposeString('text', { description: 'The clause of the instruction it came from.' }),
    kind: t.field({ type: ParsedStepKind, description: 'What the clause was matched to.', resolve: (m) => m.kind }),
    target: t.exposeString('target', { nullable: true, description: 'The tool or agent chosen, when one was.' }),
    score: t.exposeFloat('score', {
      description: 'Match score of the chosen tool or agent (0 when not scored); 1.4 is enough, 2 is confident.',
    }),
    ambiguousWith: t.exposeStringList('ambiguousWith', { description: 'Other tools or agents that matched about as well.' }),
  }),
});

const NODE_TYPES = ['integration', 'agent', 'condition', 'http', 'transform', 'delay', 'wait'] as const;
type NodeType = (typeof NODE_TYPES)[number];

export const WorkflowNodeType = builder.enumType('WorkflowNodeType', {
  description: 'What a node of the /api/v2 nodes form does.',
  values: {
    INTEGRATION: { value: 'integration', description: 'Calls one of the available tools (an `agent` step naming the tool).' },
    AGENT: { value: 'agent', description: 'Calls a registered agent.' },
    CONDITION: { value: 'condition', description: 'Checks a field of its input (`config.field`, `operator`, `value`).' },
    HTTP: { value: 'http', description: 'Calls an HTTP endpoint (`config` is the request).' },
    TRANSFORM: { value: 'transform', description: 'Computes its output with `config.expression`.' },
    DELAY: { value: 'delay', description: 'Waits `config.duration_ms`.' },
    WAIT: { value: 'wait', description: 'Waits for a signal (`config.signal`).' },
  } satisfies { [K in NodeType as Uppercase<K>]: { value: K; description: string } },
});

const WorkflowNodeRef = builder.objectRef<NodeForm>('WorkflowNode').implement({
  description: 'One node of the /api/v2 nodes form.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The node (step) id.' }),
    type: t.field({
      type: WorkflowNodeType,
      nullable: true,
      description: 'What it does; null when the parsed step has a type Flowdeck does not know (`issues` then says so).',
      resolve: (n) => ((NODE_TYPES as readonly string[]).includes(n.type) ? (n.type as NodeType) : null),
    }),
    name: t.exposeString('name', { nullable: true, description: 'Its display name (what the clause said).' }),
    action: t.exposeString('action', {
      nullable: true,
      description: 'The tool or agent, for agent-like nodes; `check_<field>` for conditions.',
    }),
    inputFrom: t.stringList({
      description: 'The nodes it follows (`input_from`, always as a list).',
      resolve: (n) => (n.input_from === undefined ? [] : typeof n.input_from === 'string' ? [n.input_from] : n.input_from),
    }),
    config: t.expose('config', { type: 'JSON', description: 'Its settings, shaped by its type (see WorkflowNodeType).' }),
  }),
});

const NodesDocumentRef = builder.objectRef<NodesDocument>('WorkflowNodesDocument').implement({
  description: 'A workflow in the /api/v2 nodes form.',
  fields: (t) => ({
    nodes: t.field({ type: [WorkflowNodeRef], description: 'Its nodes, in step order.', resolve: (d) => d.nodes }),
    inputs: t.expose('inputs', { type: 'JSON', description: 'Its declared inputs, as the form writes them.' }),
    outputs: t.expose('outputs', { type: 'JSON', description: 'Its output mapping.' }),
  }),
});

export const ParsedWorkflowRef = builder.objectRef<ParseResult>('ParsedWorkflow').implement({
  description:
    'A workflow read from a natural-language instruction. Nothing is saved: review it, then pass `definition` to createWorkflow (and `schedule` to a schedule).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'A suggested name, e.g. "Weekly Sales Summary Report".' }),
    description: t.exposeString('description', { description: 'What the workflow does, in words.' }),
    definition: t.expose('definition', {
      type: 'JSON',
      description:
        'The canonical definition (`{ steps, inputs, outputs }`), normalized when structurally sound, as one document: what to review and post to createWorkflow. To show it, read the typed `steps` and `inputs`.',
    }),
    nodes: t.expose('nodes', {
      type: 'JSON',
      description:
        'The same workflow in the /api/v2 nodes form: `{ nodes: [{ id, type, action, input_from, config }], inputs, outputs }`; tools are `integration` nodes.',
      deprecationReason: 'Use `nodesForm`, the same document typed (send `nodes` as is only to /api/v2).',
    }),
    nodesForm: t.field({
      type: NodesDocumentRef,
      description: 'The same workflow in the /api/v2 nodes form; tools are INTEGRATION nodes.',
      resolve: (r) => r.nodes,
    }),
    schedule: t.field({
      type: ParsedScheduleRef,
      nullable: true,
      description: 'The schedule, when the instruction says when to repeat ("every Monday at 9am"); else null.',
      resolve: (r) => r.schedule,
    }),
    trigger: t.exposeString('trigger', {
      nullable: true,
      description:
        'The event the instruction says starts the workflow ("a new lead arrives"), or null when only a run or the schedule starts it. It is not a step: whoever receives that event starts the run (executeWorkflow).',
    }),
    confidence: t.exposeFloat('confidence', {
      description:
        'In [0, 1]: the mean quality of the steps (1 confident match, 0.85 weak, 0.6 ambiguous, 0.3 unmatched), minus 0.1 per ignored fragment (up to 3), 0.05 per condition without a recognised comparison and 0.1 per unusable schedule phrase.',
    }),
    valid: t.exposeBoolean('valid', { description: 'True when there are no issues: createWorkflow would accept `definition` as it is.' }),
    issues: t.field({
      type: [DefinitionIssueRef],
      description: 'Schedule problems and every validation problem of the definition (e.g. an agent that does not exist), all at once.',
      resolve: (r) => r.issues,
    }),
    source: t.field({ type: ParseSource, description: 'Which parser answered.', resolve: (r) => r.source }),
    parseTimeMs: t.exposeFloat('parseTimeMs', { description: 'Time spent parsing, in milliseconds.' }),
    notes: t.exposeStringList('notes', {
      description: 'Remarks: ignored fragments, ambiguous matches, placeholder agents, why the LLM was not used.',
    }),
    matches: t.field({ type: [ParsedStepMatchRef], description: 'How each step was derived, in step order.', resolve: (r) => r.matches }),
  }),
});

const ParseContextInput = builder.inputType('ParseContextInput', {
  description: 'What the caller knows besides the instruction (the `context` of POST /api/v2/workflows/parse).',
  fields: (t) => ({
    availableTools: t.stringList({
      required: false,
      description: 'Tool names such as `salesforce.query`; actions are matched to them, and validation treats them as active agents.',
    }),
    organizationId: t.string({
      required: false,
      description: 'Accepted for compatibility; the workspace is always the one the request acts in.',
    }),
  }),
});

const ParseWorkflowInput = builder.inputType('ParseWorkflowInput', {
  description: 'An instruction to turn into a workflow.',
  fields: (t) => ({
    instruction: t.string({ required: true, description: 'What the workflow should do, in plain English (5 to 10 000 characters).' }),
    context: t.field({ type: ParseContextInput, required: false, description: 'Available tools and the organization.' }),
  }),
});

builder.mutationFields((t) => ({
  parseWorkflow: t.field({
    type: ParsedWorkflowRef,
    description:
      'Turns a natural-language instruction into a workflow definition, schedule and confidence, matching actions to the available tools and the workspace’s agents, and validates it. Saves nothing. A mutation rather than a query because it is an action, not a read: it may call an external LLM (cost, latency, varying answers), so clients must not cache or re-fetch it automatically.',
    errors: { types: [ValidationError] },
    args: {
      input: t.arg({ type: ParseWorkflowInput, required: false, description: 'The instruction and its context.' }),
      instruction: t.arg.string({
        required: false,
        deprecationReason: 'Use input.instruction.',
        description: 'What the workflow should do, in plain English (5 to 10 000 characters).',
      }),
      context: t.arg({
        type: ParseContextInput,
        required: false,
        deprecationReason: 'Use input.context.',
        description: 'Available tools and the organization.',
      }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.parse.parse(ctx.principal, {
        instruction: fromEither('input.instruction', 'instruction', args.input?.instruction, args.instruction),
        context: args.input ? args.input.context : args.context,
      }),
  }),
}));
