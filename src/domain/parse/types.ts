/** Shapes shared by the instruction parsers (deterministic and LLM-backed). */
import type { AgentStatus, Issue } from '../definition/validate.ts';
import type { ParsedSchedule } from './schedule.ts';

export type { ParsedSchedule } from './schedule.ts';

/** A skill an agent's A2A card publishes (`skills[]` of the card). */
export interface AgentSkill {
  name: string;
  description?: string | null;
  tags?: readonly string[];
  examples?: readonly string[];
}

/** A registered agent the parser may match clauses against. */
export interface AgentInfo {
  name: string;
  description?: string | null;
  status: AgentStatus;
  /** The skills its A2A card publishes, when it is an A2A agent whose card could be read. */
  skills?: readonly AgentSkill[];
}

/** What the caller knows besides the instruction (seed 003's `context`, plus the workspace's agents). */
export interface ParseContext {
  /** Tool names such as `salesforce.query`; steps may use them as agents, and validation treats them as active agents. */
  availableTools?: readonly string[];
  /** Accepted for compatibility with `/api/v2/workflows/parse`; the workspace comes from the request, not from this. */
  organizationId?: string | null;
  /** Registered agents of the workspace (deleted ones excluded). */
  agents?: readonly AgentInfo[];
}

/** Which parser produced a result. `llm-fallback`: the LLM failed or answered junk, so the deterministic parser did. */
export type ParseSource = 'deterministic' | 'llm' | 'llm-fallback';

/** One node of seed 003's `{ nodes: [...] }` definition form. */
export interface NodeForm {
  id: string;
  /** `integration` (an available tool), `agent`, `condition`, `http`, `transform`, `delay` or `wait`. */
  type: string;
  /** The step's display name (what the clause said). */
  name?: string;
  /** The tool or agent for agent-like nodes; `check_<field>` for conditions. */
  action?: string;
  /** The node(s) this one follows: one id, or a list when it follows several. */
  input_from?: string | string[];
  config: Record<string, unknown>;
}

/** Seed 003's definition document. */
export interface NodesDocument {
  nodes: NodeForm[];
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** How one step was derived from the text (explains the confidence). */
export interface StepMatch {
  stepId: string;
  /** The clause it came from. */
  text: string;
  /** `tool`/`agent`: matched one; `builtin`: a delay, wait or http step; `unknown`: a placeholder agent; `condition`. */
  kind: 'tool' | 'agent' | 'builtin' | 'unknown' | 'condition';
  /** The tool or agent chosen, when one was. */
  target: string | null;
  score: number;
  /** Other tools/agents that scored within the ambiguity margin. */
  ambiguousWith: string[];
}

export interface ParseResult {
  name: string;
  description: string;
  /** The canonical definition: normalized when it is structurally sound, else the candidate as built. */
  definition: unknown;
  /** The same workflow in seed 003's nodes form (for the REST layer). */
  nodes: NodesDocument;
  schedule: ParsedSchedule | null;
  /**
   * The event that starts the workflow, as the text names it ("a new lead arrives", "the orders
   * webhook fires"), or null when only a run or the schedule starts it. Informational: Flowdeck
   * starts runs by API call or schedule, so a trigger is wired up by whoever calls executeWorkflow.
   */
  trigger: string | null;
  /** In [0, 1]; see `confidence.ts` for the formula. */
  confidence: number;
  /** True when there are no issues: the definition would be accepted by createWorkflow as it stands. */
  valid: boolean;
  /** Schedule problems and every validation issue of the definition. */
  issues: Issue[];
  source: ParseSource;
  /** Wall time spent parsing, in milliseconds. */
  parseTimeMs: number;
  /** Remarks: ignored fragments, ambiguous matches, why the LLM was not used… */
  notes: string[];
  matches: StepMatch[];
}

/** Anything that turns an instruction into a workflow. */
export interface Parser {
  parse(instruction: string, context: ParseContext): Promise<ParseResult>;
}
