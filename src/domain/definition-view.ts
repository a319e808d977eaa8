// Typed readings of a workflow definition for adapters that show it piece by piece (a DAG, a
// step table, an input form) rather than as the document an editor posts back.
import { type Step, type StepOfType, type WorkflowDefinition, workflowDefinitionSchema } from './definition/schema.ts';

/** One request header of an `http` step. */
export interface HttpHeader {
  name: string;
  value: string;
}

/**
 * A definition the database holds. Only canonical definitions are ever stored (every write
 * goes through `validateDefinition`), so it is read as one without parsing it again, as the
 * engine reads it.
 */
export function storedDefinition(stored: unknown): WorkflowDefinition {
  return stored as WorkflowDefinition;
}

/**
 * A definition that was built or checked but not saved (a parsed instruction, a validation):
 * the canonical definition with its defaults applied when it is structurally sound, else null.
 */
export function draftDefinition(candidate: unknown): WorkflowDefinition | null {
  if (candidate === null || candidate === undefined) return null;
  const parsed = workflowDefinitionSchema.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}

/** The steps of a definition, in definition order. */
export function stepsOf(definition: WorkflowDefinition): Step[] {
  return [...definition.steps];
}

/** An `http` step's headers as name/value pairs, in the order the definition keeps them (canonical: by name). */
export function headersOf(step: StepOfType<'http'>): HttpHeader[] {
  return Object.entries(step.request.headers ?? {}).map(([name, value]) => ({ name, value }));
}
