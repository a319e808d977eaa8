import type { EgressPolicy } from '../egress/policy.ts';
import type { AgentService } from './agents.ts';
import { detectFormat, fromV002, fromV003, fromV004 } from './definition/legacy.ts';
import { isPlainObject, type WorkflowDefinition } from './definition/schema.ts';
import { agentNamesIn, type Issue, validateDefinition } from './definition/validate.ts';
import type { Principal } from './principal.ts';
import type { DefinitionFormatInput } from './schemas/workflow.ts';

/** The shape a stored definition was posted in. */
export type SourceFormat = Exclude<DefinitionFormatInput, 'auto'>;

/** Result of checking a posted definition: the canonical form when valid, and every problem. */
export interface DefinitionCheck {
  format: SourceFormat | null;
  definition: WorkflowDefinition | null;
  issues: Issue[];
}

/**
 * Issues for `http` steps whose URL is written out (no `${…}` reference) and refused by the
 * egress policy as it stands; templated URLs are checked when the step runs.
 */
export function egressIssues(candidate: unknown, egress: Pick<EgressPolicy, 'checkStatic'>): Issue[] {
  const steps = isPlainObject(candidate) && Array.isArray(candidate.steps) ? candidate.steps : [];
  return steps.flatMap((step: unknown, index): Issue[] => {
    if (!isPlainObject(step) || step.type !== 'http' || !isPlainObject(step.request)) return [];
    const url = step.request.url;
    if (typeof url !== 'string' || url.includes('${')) return [];
    const refused = egress.checkStatic(url);
    if (!refused) return [];
    const id = typeof step.id === 'string' ? step.id : undefined;
    const label = id === undefined ? `steps[${index}]` : `step "${id}"`;
    return [{ path: `steps[${index}].request.url`, ...(id === undefined ? {} : { stepId: id }), message: `${label}: ${refused.message}` }];
  });
}

/**
 * Converts a definition posted in any supported shape to the canonical form and validates it
 * against the workspace's agents and, when given, the egress policy (literal `http` step URLs).
 * Converter and validator problems are reported together.
 */
export async function checkDefinition(
  agents: AgentService,
  principal: Principal,
  body: unknown,
  requested: DefinitionFormatInput,
  egress?: Pick<EgressPolicy, 'checkStatic'>,
): Promise<DefinitionCheck> {
  const format = requested === 'auto' ? detectFormat(body) : requested;
  if (format === null) {
    return {
      format: null,
      definition: null,
      issues: [
        {
          path: '',
          message:
            'unrecognised definition shape: expected canonical {steps:[{id,type,...}]}, {start_step, steps:{...}}, {nodes:[...]} or {steps:[{name, step_type, ...}]}',
        },
      ],
    };
  }
  const converted =
    format === 'canonical'
      ? { definition: body, issues: [] as Issue[] }
      : format === 'v004'
        ? fromV004(body)
        : format === 'v003'
          ? fromV003(body)
          : fromV002(body);
  const known = await agents.statusesByName(principal, agentNamesIn(converted.definition));
  const result = validateDefinition(converted.definition, { agents: known });
  const issues = [...converted.issues, ...result.issues, ...(egress ? egressIssues(converted.definition, egress) : [])];
  return { format, definition: result.ok && issues.length === 0 ? result.definition : null, issues };
}
