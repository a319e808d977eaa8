import type { InputDecl } from './definition/schema.ts';
import type { FieldIssue } from './errors.ts';

function typeOk(type: InputDecl['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'json':
      return true;
  }
}

/**
 * Checks a run's input against the workflow's declared inputs and fills in defaults.
 * Undeclared keys pass through (legacy workflows declare nothing and read whatever they map).
 */
export function checkRunInput(
  decls: readonly InputDecl[],
  input: Record<string, unknown>,
): { input: Record<string, unknown>; issues: FieldIssue[] } {
  const out: Record<string, unknown> = { ...input };
  const issues: FieldIssue[] = [];
  for (const decl of decls) {
    const value = out[decl.name];
    if (value === undefined || value === null) {
      if (decl.default !== undefined) out[decl.name] = decl.default;
      else if (decl.required)
        issues.push({ path: `input.${decl.name}`, message: `is required${decl.description ? ` (${decl.description})` : ''}` });
      continue;
    }
    if (!typeOk(decl.type, value)) issues.push({ path: `input.${decl.name}`, message: `must be of type ${decl.type}` });
  }
  return { input: out, issues };
}
