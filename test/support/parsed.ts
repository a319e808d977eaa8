/**
 * Reading `parseWorkflow` results in tests: the parsed definition's steps, its actions in the
 * order they run, and what each condition gates.
 */
import { ParseWorkflowDocument, type ParseWorkflowMutation } from '../gql/graphql.ts';
import type { TestApp } from './app.ts';

export type Parsed = Extract<ParseWorkflowMutation['parseWorkflow'], { __typename: 'ParsedWorkflow' }>;
export type ParsedStep = Record<string, unknown> & { id: string; type: string };

/** Parses `instruction` with `availableTools`, failing the test unless a ParsedWorkflow comes back. */
export async function parseWith(t: TestApp, instruction: string, availableTools: string[]): Promise<Parsed> {
  const result = (await t.ok(ParseWorkflowDocument, { instruction, context: { availableTools } })).parseWorkflow;
  if (result.__typename !== 'ParsedWorkflow') throw new Error(`expected a ParsedWorkflow, got ${JSON.stringify(result)}`);
  return result;
}

/** The parsed definition's steps. */
export function stepsOf(parsed: Parsed): ParsedStep[] {
  return ((parsed.definition as { steps?: ParsedStep[] }).steps ?? []).map((s) => s);
}

/** The actions in the order they run: agent steps by agent, built-ins by type; conditions left out. */
export function actions(parsed: Parsed): string[] {
  return stepsOf(parsed)
    .filter((s) => s.type !== 'condition')
    .map((s) => (s.type === 'agent' ? String(s.agent) : s.type));
}

/** Each condition as the first action of its true branch (and of its false branch, when it has one). */
export function gates(parsed: Parsed): string[] {
  const steps = stepsOf(parsed);
  const label = (id: unknown): string => {
    const step = steps.find((s) => s.id === id);
    return step === undefined ? '(nothing)' : step.type === 'agent' ? String(step.agent) : step.type;
  };
  return steps
    .filter((s) => s.type === 'condition')
    .map((s) => {
      const [yes] = s.onTrue as string[];
      const [no] = s.onFalse as string[];
      return no === undefined ? label(yes) : `${label(yes)} / ${label(no)}`;
    });
}
