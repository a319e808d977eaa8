// The names NotFoundError reports in `entity` (domain/errors.ts); adapters expose them as an enum.

/** Every kind of object a lookup can fail to find. */
export const ENTITY_NAMES = [
  'Agent',
  'ApiKey',
  'BackfillJob',
  'BulkRunOperation',
  'Run',
  'Schedule',
  'Step',
  'Workflow',
  'WorkflowTemplate',
  'WorkflowVersion',
  'Workspace',
] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];
