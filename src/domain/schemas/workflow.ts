import { z } from 'zod';

/** The shapes a definition may be posted in; `auto` detects it. */
export const DEFINITION_FORMATS = ['auto', 'canonical', 'v004', 'v003', 'v002'] as const;
export type DefinitionFormatInput = (typeof DEFINITION_FORMATS)[number];

const name = z.string().trim().min(1, 'must not be empty').max(255);
const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be 1-100 lowercase letters, digits, "-" or "_", starting with a letter or digit');
const label = z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.2.0');
const definition = z.custom<unknown>((v) => v !== undefined && v !== null, { message: 'is required' });

/** Input of createWorkflow. */
export const createWorkflowSchema = z.object({
  name,
  key: key.optional(),
  description: z.string().max(5000).nullish(),
  definition,
  format: z.enum(DEFINITION_FORMATS).default('auto'),
  versionLabel: label.nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  projectId: z.string().max(255).nullish(),
  timeoutSeconds: z.int().min(1).max(31_536_000).nullish(),
  maxRetries: z.int().min(0).max(10).nullish(),
  createdBy: z.string().max(255).nullish(),
});
export type CreateWorkflowInput = z.input<typeof createWorkflowSchema>;

/** Input of updateWorkflow: only given fields change; a changed definition makes a new version. */
export const updateWorkflowSchema = z.object({
  name: name.optional(),
  description: z.string().max(5000).nullish(),
  definition: definition.optional(),
  format: z.enum(DEFINITION_FORMATS).default('auto'),
  versionLabel: label.nullish(),
  status: z.enum(['ACTIVE', 'INACTIVE', 'ARCHIVED']).optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  projectId: z.string().max(255).nullish(),
  timeoutSeconds: z.int().min(1).max(31_536_000).nullish(),
  maxRetries: z.int().min(0).max(10).nullish(),
});
export type UpdateWorkflowInput = z.input<typeof updateWorkflowSchema>;
