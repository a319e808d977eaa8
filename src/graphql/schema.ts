// Imports every type file (each registers itself with the builder), then builds the schema.
import { builder } from './builder.ts';
import './types/scalars.ts';
import './types/Query.ts';
import './types/Mutation.ts';
import './types/Subscription.ts';
import './types/errors.ts';
import './types/ordering.ts';
import './types/Agent.ts';
import './types/WorkflowVersion.ts';
import './types/Workflow.ts';
import './types/WorkflowTemplate.ts';
import './types/Workspace.ts';
import './types/ApiKey.ts';
import './types/StepAttempt.ts';
import './types/StepRun.ts';
import './types/RunEvent.ts';
import './types/Run.ts';
import './types/RunConnection.ts';
import './types/RunMutations.ts';
import './types/RunChange.ts';
import './types/Analytics.ts';
import './types/Schedule.ts';
import './types/ParsedWorkflow.ts';

export const schema = builder.toSchema({ sortSchema: true });
