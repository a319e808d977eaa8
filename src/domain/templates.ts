/**
 * Built-in starter workflows (the GET /api/workflows/templates "starter JSON" of the v002 API):
 * data, not database rows, so every workspace sees the same ones and they change only with a
 * release. Each is a canonical definition with declared inputs. Steps that need a real service
 * are `agent` steps naming a placeholder agent (`extractor`, `transformer`, `loader`) that
 * `instantiate` maps to the workspace's own agents; everything else is `transform`,
 * `condition` and `wait` steps, so the sequential, parallel, conditional and approval
 * templates use no agent at all and run as soon as they are instantiated.
 */
import { normalizeDefinition, type WorkflowDefinition, type WorkflowDefinitionInput } from './definition/schema.ts';
import { type FieldIssue, NotFoundError, ValidationError } from './errors.ts';
import type { Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import type { WorkflowService } from './workflows.ts';

/** Broad groupings of templates for pickers, in display order. */
export const TEMPLATE_CATEGORIES = ['basics', 'patterns', 'human-in-the-loop', 'data'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** A starter workflow. */
export interface WorkflowTemplate {
  /** Stable slug, e.g. `parallel-fan-out`. */
  id: string;
  name: string;
  description: string;
  /** Broad grouping for pickers. */
  category: TemplateCategory;
  tags: readonly string[];
  /** Placeholder agent names its agent steps use, in order of first use; empty when it needs none. */
  agents: readonly string[];
  /** The canonical (normalized) definition, with placeholder agent names. */
  definition: WorkflowDefinition;
}

/** What instantiating a template takes. */
export interface InstantiateTemplateInput {
  name: string;
  key?: string | null;
  /** Defaults to the template's description. */
  description?: string | null;
  /** Placeholder agent name → the name of an agent registered in the workspace. */
  agentMap?: Record<string, unknown> | null;
}

interface TemplateSource extends Omit<WorkflowTemplate, 'agents' | 'definition'> {
  definition: WorkflowDefinitionInput;
}

/** A reference to a workflow input, `${workflow.input.<name>}`. */
const wfInput = (name: string) => `\${workflow.input.${name}}`;

const SOURCES: readonly TemplateSource[] = [
  {
    id: 'sequential',
    name: 'Sequential steps',
    description:
      'Three steps run one after another, each reading the previous step’s output: prepare the text, process it, summarize it. ' +
      'Replace any transform with an agent step to call a real service at that point.',
    category: 'basics',
    tags: ['sequential', 'transform', 'starter', 'no-agents'],
    definition: {
      inputs: [
        { name: 'text', type: 'string', required: true, description: 'Text to process' },
        { name: 'uppercase', type: 'boolean', default: false, description: 'Upper-case the text while processing it' },
      ],
      steps: [
        {
          id: 'prepare',
          type: 'transform',
          name: 'Prepare',
          description: 'Trims the text.',
          input: { text: wfInput('text') },
          expression: '{"text": $trim(text)}',
        },
        {
          id: 'process',
          type: 'transform',
          name: 'Process',
          description: 'Optionally upper-cases the text and counts its words.',
          dependsOn: ['prepare'],
          input: { text: '${prepare.output.text}', uppercase: wfInput('uppercase') },
          expression: '{"text": uppercase ? $uppercase(text) : text, "words": $count($split(text, " ")[$ != ""])}',
        },
        {
          id: 'finalize',
          type: 'transform',
          name: 'Finalize',
          description: 'Builds the result and a one-line summary.',
          dependsOn: ['process'],
          input: { text: '${process.output.text}', words: '${process.output.words}' },
          expression: '{"result": text, "words": words, "summary": text & " (" & $string(words) & " words)"}',
        },
      ],
      outputs: {
        result: '${finalize.output.result}',
        words: '${finalize.output.words}',
        summary: '${finalize.output.summary}',
      },
    },
  },
  {
    id: 'parallel-fan-out',
    name: 'Parallel fan-out / fan-in',
    description:
      'One step fans out to four independent steps that run in parallel (count, sum, min, max), and a final step waits for all of them ' +
      'and combines their results. Swap the parallel transforms for agent steps to call several services at once.',
    category: 'patterns',
    tags: ['parallel', 'fan-out', 'fan-in', 'transform', 'starter', 'no-agents'],
    definition: {
      inputs: [
        { name: 'numbers', type: 'array', required: true, description: 'Numbers to analyse (items that are not numbers are ignored)' },
      ],
      steps: [
        {
          id: 'split',
          type: 'transform',
          name: 'Fan out',
          description: 'Keeps the numeric items; the four steps after it start together.',
          input: { items: wfInput('numbers') },
          expression: '{"values": [items[$type($) = "number"]]}',
        },
        ...(
          [
            ['count', 'Count', '$count(values)'],
            ['sum', 'Sum', '$sum(values)'],
            ['min', 'Minimum', '$count(values) > 0 ? $min(values) : null'],
            ['max', 'Maximum', '$count(values) > 0 ? $max(values) : null'],
          ] as const
        ).map(([id, name, expression]) => ({
          id,
          type: 'transform' as const,
          name,
          dependsOn: ['split'],
          input: { values: '${split.output.values}' },
          expression,
        })),
        {
          id: 'combine',
          type: 'transform',
          name: 'Fan in',
          description: 'Runs once all four parallel steps have finished, and combines their outputs.',
          dependsOn: ['count', 'sum', 'min', 'max'],
          input: { count: '${count.output}', sum: '${sum.output}', min: '${min.output}', max: '${max.output}' },
          expression: '{"count": count, "sum": sum, "min": min, "max": max, "mean": count > 0 ? sum / count : null}',
        },
      ],
      outputs: {
        count: '${combine.output.count}',
        sum: '${combine.output.sum}',
        min: '${combine.output.min}',
        max: '${combine.output.max}',
        mean: '${combine.output.mean}',
      },
    },
  },
  {
    id: 'conditional-branch',
    name: 'Conditional branch',
    description:
      'A condition sends the run down one of two branches (amounts at or above a threshold go to review, smaller ones are approved), ' +
      'and a final step joins the branches. The branch not taken is skipped.',
    category: 'patterns',
    tags: ['condition', 'branch', 'transform', 'starter', 'no-agents'],
    definition: {
      inputs: [
        { name: 'amount', type: 'number', required: true, description: 'Amount to check, e.g. an order total' },
        { name: 'threshold', type: 'number', default: 1000, description: 'Amounts at or above this go to review' },
      ],
      steps: [
        {
          id: 'check',
          type: 'condition',
          name: 'Amount at or above threshold?',
          condition: { value: wfInput('amount'), operator: 'gte', compareTo: wfInput('threshold') },
          onTrue: ['review'],
          onFalse: ['auto_approve'],
        },
        {
          id: 'review',
          type: 'transform',
          name: 'Send to review',
          description: 'Taken when the amount is at or above the threshold.',
          dependsOn: ['check'],
          input: { amount: wfInput('amount') },
          expression: '{"decision": "review", "amount": amount}',
        },
        {
          id: 'auto_approve',
          type: 'transform',
          name: 'Approve automatically',
          description: 'Taken when the amount is below the threshold.',
          dependsOn: ['check'],
          input: { amount: wfInput('amount') },
          expression: '{"decision": "approved", "amount": amount}',
        },
        {
          id: 'result',
          type: 'transform',
          name: 'Join',
          description: 'Runs after whichever branch was taken (a skipped branch’s output is null).',
          dependsOn: ['review', 'auto_approve'],
          input: { review: '${review.output}', approved: '${auto_approve.output}' },
          expression: 'review ? review : approved',
        },
      ],
      outputs: { decision: '${result.output.decision}', amount: '${result.output.amount}' },
    },
  },
  {
    id: 'human-approval',
    name: 'Human approval',
    description:
      'Prepares a request, then waits for a person to approve or reject it: send signalRun(stepId: "approval", ' +
      'payload: {approved: true|false, comment: "…"}). The run then follows the approved or rejected branch. ' +
      'A waiting run holds no worker, however long the approval takes.',
    category: 'human-in-the-loop',
    tags: ['approval', 'wait', 'signal', 'condition', 'starter', 'no-agents'],
    definition: {
      inputs: [
        { name: 'request', type: 'string', required: true, description: 'What is being asked for' },
        { name: 'requester', type: 'string', default: 'someone', description: 'Who is asking' },
      ],
      steps: [
        {
          id: 'prepare',
          type: 'transform',
          name: 'Prepare request',
          input: { request: wfInput('request'), requester: wfInput('requester') },
          expression: '{"summary": requester & " asks: " & request}',
        },
        {
          id: 'approval',
          type: 'wait',
          name: 'Wait for approval',
          description: 'Completed by signalRun(stepId: "approval", payload: {approved: true|false, comment}); the payload is its output.',
          dependsOn: ['prepare'],
          signal: 'approval',
        },
        {
          id: 'decide',
          type: 'condition',
          name: 'Approved?',
          dependsOn: ['approval'],
          condition: { value: '${approval.output.approved}', operator: 'equals', compareTo: true },
          onTrue: ['approved'],
          onFalse: ['rejected'],
        },
        {
          id: 'approved',
          type: 'transform',
          name: 'Approved',
          dependsOn: ['decide'],
          input: { summary: '${prepare.output.summary}', comment: '${approval.output.comment}' },
          expression: '{"outcome": "approved", "summary": summary, "comment": comment}',
        },
        {
          id: 'rejected',
          type: 'transform',
          name: 'Rejected',
          dependsOn: ['decide'],
          input: { summary: '${prepare.output.summary}', comment: '${approval.output.comment}' },
          expression: '{"outcome": "rejected", "summary": summary, "comment": comment}',
        },
        {
          id: 'result',
          type: 'transform',
          name: 'Join',
          dependsOn: ['approved', 'rejected'],
          input: { approved: '${approved.output}', rejected: '${rejected.output}' },
          expression: 'approved ? approved : rejected',
        },
      ],
      outputs: {
        outcome: '${result.output.outcome}',
        summary: '${result.output.summary}',
        comment: '${result.output.comment}',
      },
    },
  },
  {
    id: 'etl-with-retries',
    name: 'ETL with retries',
    description:
      'Extract, transform and load through three agents, each retried with exponential backoff and jitter on network errors, ' +
      'timeouts, 5xx and 429 (the load also on 409). A transform step between them checks the batch. Map the placeholder agents ' +
      '`extractor`, `transformer` and `loader` to your own agents when instantiating. Each agent receives {input: …} and answers with ' +
      'its output: the extractor and transformer with {records: […]}.',
    category: 'data',
    tags: ['etl', 'agents', 'retries', 'backoff'],
    definition: {
      inputs: [
        { name: 'source', type: 'string', required: true, description: 'Where to extract from (a URL, table or bucket path)' },
        { name: 'destination', type: 'string', required: true, description: 'Where to load the records into' },
        { name: 'batchSize', type: 'integer', default: 500, description: 'Records per extraction batch' },
      ],
      steps: [
        {
          id: 'extract',
          type: 'agent',
          name: 'Extract',
          input: { source: wfInput('source'), batchSize: wfInput('batchSize') },
          agent: 'extractor',
          timeoutMs: 60_000,
          retry: { maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, backoffMultiplier: 2, jitter: 0.2 },
        },
        {
          id: 'transform',
          type: 'agent',
          name: 'Transform',
          dependsOn: ['extract'],
          input: { records: '${extract.output.records}' },
          agent: 'transformer',
          timeoutMs: 60_000,
          retry: { maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, backoffMultiplier: 2, jitter: 0.2 },
        },
        {
          id: 'check',
          type: 'transform',
          name: 'Check batch',
          description: 'Fails the run (no retry) unless the transformer returned a records array.',
          dependsOn: ['transform'],
          input: { records: '${transform.output.records}' },
          expression:
            '$type(records) = "array" ? {"records": records, "count": $count(records)} : $error("the transformer returned no \\"records\\" array")',
        },
        {
          id: 'load',
          type: 'agent',
          name: 'Load',
          dependsOn: ['check'],
          input: { destination: wfInput('destination'), records: '${check.output.records}' },
          agent: 'loader',
          timeoutMs: 120_000,
          retry: { maxRetries: 5, initialDelayMs: 2000, maxDelayMs: 60_000, backoffMultiplier: 2, jitter: 0.2, retryOn: [409] },
        },
      ],
      outputs: { records: '${check.output.count}', load: '${load.output}' },
    },
  },
];

function agentsOf(definition: WorkflowDefinition): string[] {
  return [...new Set(definition.steps.flatMap((step) => (step.type === 'agent' ? [step.agent] : [])))];
}

/** The built-in templates, in display order. */
export const WORKFLOW_TEMPLATES: readonly WorkflowTemplate[] = SOURCES.map((source) => {
  const definition = normalizeDefinition(source.definition);
  return { ...source, agents: agentsOf(definition), definition };
});

/** A template's definition with its placeholder agents replaced; unmapped ones stay as they are. */
export function withAgents(definition: WorkflowDefinition, agentMap: Readonly<Record<string, string>>): WorkflowDefinition {
  return {
    ...definition,
    steps: definition.steps.map((step) =>
      step.type === 'agent' && Object.hasOwn(agentMap, step.agent) ? { ...step, agent: agentMap[step.agent] as string } : step,
    ),
  };
}

/** Checks an agentMap against a template's placeholders, reporting every problem. */
function parseAgentMap(template: WorkflowTemplate, raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError([{ path: 'agentMap', message: 'must be an object mapping placeholder agent names to agent names' }]);
  }
  const issues: FieldIssue[] = [];
  const out: Record<string, string> = {};
  const placeholders = template.agents.length > 0 ? `its placeholders are ${template.agents.join(', ')}` : 'it uses no agents';
  for (const [placeholder, agent] of Object.entries(raw as Record<string, unknown>)) {
    const path = `agentMap.${placeholder}`;
    if (!template.agents.includes(placeholder)) {
      issues.push({ path, message: `"${placeholder}" is not a placeholder agent of template "${template.id}"; ${placeholders}` });
    } else if (typeof agent !== 'string' || agent.trim() === '') {
      issues.push({ path, message: 'must be the name of an agent registered in this workspace' });
    } else {
      Object.defineProperty(out, placeholder, { value: agent.trim(), enumerable: true });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

/** Built-in templates: listing them and creating workflows from them. */
export function createTemplateService(res: Resources, workflows: WorkflowService) {
  const service = {
    /** Every template, optionally only one category's, in display order. */
    list(filter: { category?: string | null } = {}): readonly WorkflowTemplate[] {
      return filter.category ? WORKFLOW_TEMPLATES.filter((t) => t.category === filter.category) : WORKFLOW_TEMPLATES;
    },

    /** One template by id. */
    get(id: string): WorkflowTemplate {
      const template = WORKFLOW_TEMPLATES.find((t) => t.id === id);
      if (!template) throw new NotFoundError('WorkflowTemplate', `"${id}"`);
      return template;
    },

    /**
     * Creates a workflow (version 1) from a template through the workflow service, so names,
     * keys and the definition are validated, and clashes reported, exactly as for
     * createWorkflow: a placeholder agent left unmapped must exist under that name. The
     * workflow's metadata records `{templateId}`.
     */
    async instantiate(principal: Principal, id: string, input: InstantiateTemplateInput) {
      const template = service.get(id);
      const agentMap = parseAgentMap(template, input.agentMap);
      const workflow = await workflows.create(principal, {
        name: input.name,
        key: input.key ?? undefined,
        description: input.description ?? template.description,
        definition: withAgents(template.definition, agentMap),
        format: 'canonical',
        metadata: { templateId: template.id },
      });
      res.logger.info({ templateId: template.id, workflowId: workflow.id }, 'workflow created from template');
      return workflow;
    },
  };
  return service;
}

/** The service's type, for code that receives it. */
export type TemplateService = ReturnType<typeof createTemplateService>;
