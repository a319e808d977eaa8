/**
 * Legacy definition shapes still found in stored data and older clients. Each converter
 * turns one shape into a canonical candidate that must then go through `validateDefinition`.
 */
import { fromV002 } from './legacy-v002.ts';
import { fromV003 } from './legacy-v003.ts';
import { fromV004, type LegacyConversion } from './legacy-v004.ts';
import { isPlainObject, STEP_TYPES } from './schema.ts';

export { fromV002, slugStepId } from './legacy-v002.ts';
export { fromV003, jsonPathToReference } from './legacy-v003.ts';
export { fromV004, type LegacyConversion } from './legacy-v004.ts';

export type DefinitionFormat = 'canonical' | 'v004' | 'v003' | 'v002';

function isStepType(value: unknown): boolean {
  return typeof value === 'string' && (STEP_TYPES as readonly string[]).includes(value);
}

/**
 * Guesses which shape a submitted definition has, or null when it matches none.
 * A `steps` array whose items look like steps but are broken (e.g. a misspelt type) is
 * still reported as canonical, so the validator can say precisely what is wrong.
 */
export function detectFormat(body: unknown): DefinitionFormat | null {
  if (!isPlainObject(body)) return null;
  const { steps } = body;
  if (Array.isArray(steps)) {
    if (steps.length === 0) return 'canonical';
    const items = steps.filter(isPlainObject);
    if (items.some((s) => 'step_type' in s)) return 'v002';
    if (items.some((s) => typeof s.id === 'string' && isStepType(s.type))) return 'canonical';
    if (items.some((s) => 'name' in s && !('id' in s))) return 'v002';
    if (items.some((s) => 'id' in s && 'type' in s)) return 'canonical';
  }
  if ('start_step' in body || isPlainObject(steps)) return 'v004';
  if (Array.isArray(body.nodes)) return 'v003';
  if (isPlainObject(body.definition) && Array.isArray(body.definition.nodes)) return 'v003';
  return null;
}

/**
 * Detects the shape of `body` and converts it to a canonical candidate (canonical bodies
 * are returned as they are). An unrecognised shape yields a single issue.
 */
export function toCanonicalCandidate(body: unknown): LegacyConversion & { format: DefinitionFormat | null } {
  const format = detectFormat(body);
  switch (format) {
    case 'canonical':
      return { format, definition: body, issues: [] };
    case 'v004':
      return { format, ...fromV004(body) };
    case 'v003':
      return { format, ...fromV003(body) };
    case 'v002':
      return { format, ...fromV002(body) };
    case null:
      return {
        format,
        definition: body,
        issues: [
          {
            path: '',
            message: 'unrecognised definition format: expected "steps" as a list of { id, type } (or a legacy v002/v003/v004 shape)',
          },
        ],
      };
  }
}
