// The operationId and tag of every REST operation, in one explicit table. Generated clients turn
// operationIds into method names and tags into classes or namespaces, so both are part of the
// contract: an id written here stays the same when a route file is refactored, and
// test/rest/openapi.test.ts fails on an operation missing from this table or an entry that
// names no operation. Ids are camelCase verbs; every dialect but seed 004's (the fullest API,
// the one the others grew beside) and the operational probes prefixes its ids with its tag.

/** One dialect: its tag (the one tag of each of its operations) and its operations' ids. */
export interface DialectTag {
  /** Tag name, as generated clients name the group (`V1Api`, `MgxApi`, ...). */
  readonly name: string;
  /** The tag's description in the document's top-level `tags` list. */
  readonly description: string;
  /** operationId by `METHOD path`, the path exactly as the document spells it. */
  readonly operations: Readonly<Record<string, string>>;
}

/** Every dialect's tag and operationIds, in the order the top-level `tags` list gives them. */
export const DIALECT_TAGS: readonly DialectTag[] = [
  {
    name: 'v1',
    description:
      "Workflow Management API (seed 004): agents, workflows and their versions, execution and run monitoring under `/api/v1`. `GET /api/v1/workflows/{workflow_id}` also answers seed 000's descriptor lookup by key (`getWorkflowOrDescriptor`).",
    operations: {
      'POST /api/v1/agents': 'createAgent',
      'GET /api/v1/agents': 'listAgents',
      'GET /api/v1/agents/{agent_id}': 'getAgent',
      'PUT /api/v1/agents/{agent_id}': 'updateAgent',
      'DELETE /api/v1/agents/{agent_id}': 'deleteAgent',
      'GET /api/v1/agents/{agent_id}/health': 'checkAgentHealth',
      'POST /api/v1/workflows': 'createWorkflow',
      'GET /api/v1/workflows': 'listWorkflows',
      'GET /api/v1/workflows/{workflow_id}': 'getWorkflowOrDescriptor',
      'PUT /api/v1/workflows/{workflow_id}': 'updateWorkflow',
      'DELETE /api/v1/workflows/{workflow_id}': 'deleteWorkflow',
      'GET /api/v1/workflows/{workflow_id}/versions': 'listWorkflowVersions',
      'POST /api/v1/workflows/{workflow_id}/execute': 'executeWorkflow',
      'GET /api/v1/runs': 'listRuns',
      'GET /api/v1/runs/{run_id}': 'getRun',
      'GET /api/v1/runs/{run_id}/steps': 'listRunSteps',
      'POST /api/v1/runs/{run_id}/retry': 'retryRun',
      'POST /api/v1/runs/{run_id}/cancel': 'cancelRun',
      'GET /api/v1/runs/{run_id}/logs': 'getRunLogs',
      'GET /api/v1/runs/{run_id}/events': 'streamRunEvents',
    },
  },
  {
    name: 'v2',
    description:
      'Workflows API (seed 003) under `/api/v2/workflows`: workflow CRUD, natural-language parsing, execution and schedules, answered in a `{"success": true, ...}` envelope.',
    operations: {
      'GET /api/v2/workflows/health': 'v2GetHealth',
      'POST /api/v2/workflows/parse': 'v2ParseWorkflow',
      'GET /api/v2/workflows': 'v2ListWorkflows',
      'POST /api/v2/workflows': 'v2CreateWorkflow',
      'GET /api/v2/workflows/{id}': 'v2GetWorkflow',
      'PATCH /api/v2/workflows/{id}': 'v2UpdateWorkflow',
      'DELETE /api/v2/workflows/{id}': 'v2DeleteWorkflow',
      'GET /api/v2/workflows/{id}/schema': 'v2GetWorkflowSchema',
      'POST /api/v2/workflows/{id}/execute': 'v2ExecuteWorkflow',
      'GET /api/v2/workflows/{id}/runs': 'v2ListRuns',
      'GET /api/v2/workflows/{id}/runs/{runId}': 'v2GetRun',
      'DELETE /api/v2/workflows/{id}/runs/{runId}': 'v2TerminateRun',
      'POST /api/v2/workflows/{id}/schedules': 'v2CreateSchedule',
      'GET /api/v2/workflows/{id}/schedules': 'v2ListSchedules',
      'PATCH /api/v2/workflows/{id}/schedules/{scheduleId}': 'v2UpdateSchedule',
      'DELETE /api/v2/workflows/{id}/schedules/{scheduleId}': 'v2DeleteSchedule',
    },
  },
  {
    name: 'mgx',
    description:
      'MGX workflow API (seed 002) under `/api/workflows/`: workspace-scoped workflow definitions, executions and telemetry, errors as `{"detail": ...}`.',
    operations: {
      'GET /api/workflows/': 'mgxListWorkflows',
      'POST /api/workflows/': 'mgxCreateWorkflow',
      'GET /api/workflows/{workflow_id}': 'mgxGetWorkflow',
      'PATCH /api/workflows/{workflow_id}': 'mgxUpdateWorkflow',
      'DELETE /api/workflows/{workflow_id}': 'mgxDeleteWorkflow',
      'POST /api/workflows/validate': 'mgxValidateWorkflow',
      'GET /api/workflows/templates': 'mgxListTemplates',
      'POST /api/workflows/{workflow_id}/execute': 'mgxExecuteWorkflow',
      'GET /api/workflows/{workflow_id}/executions': 'mgxListExecutions',
      'GET /api/workflows/executions/{execution_id}': 'mgxGetExecution',
      'GET /api/workflows/executions/{execution_id}/status': 'mgxGetExecutionStatus',
      'POST /api/workflows/executions/{execution_id}/cancel': 'mgxCancelExecution',
      'GET /api/workflows/executions/stats': 'mgxGetExecutionStats',
      'GET /api/workflows/executions/{execution_id}/timeline': 'mgxGetExecutionTimeline',
      'GET /api/workflows/{workflow_id}/metrics': 'mgxGetWorkflowMetrics',
    },
  },
  {
    name: 'history',
    description:
      "Run history and descriptors (seed 000): the tenant's runs under `/api/v1/workflows/runs`, their control actions and live events. Seed 000's descriptor lookup, `GET /api/v1/workflows/{workflow_key}`, has the same path template as seed 004's `GET /api/v1/workflows/{workflow_id}` (OpenAPI allows one), so it is documented there, under `v1`, as `getWorkflowOrDescriptor`.",
    operations: {
      'GET /api/v1/workflows/runs': 'historyListRuns',
      'POST /api/v1/workflows/runs/{run_id}/cancel': 'historyCancelRun',
      'POST /api/v1/workflows/runs/{run_id}/retry': 'historyRetryRun',
      'GET /api/v1/workflows/runs/{run_id}/stream': 'historyStreamRunEvents',
    },
  },
  {
    name: 'engine',
    description: 'Workflow engine API (seed 001) under `/workflows`: create (and start), status, start and stop.',
    operations: {
      'POST /workflows': 'engineCreateWorkflow',
      'POST /workflows/{id}/start': 'engineStartWorkflow',
      'GET /workflows/{id}': 'engineGetWorkflowStatus',
      'POST /workflows/{id}/stop': 'engineStopWorkflow',
    },
  },
  {
    name: 'ops',
    description:
      "Probes and metrics (seed 004's System & Health): liveness at `/health` and `/healthz`, readiness at `/health/ready`, Prometheus metrics at `/metrics`.",
    operations: {
      'GET /health': 'getHealth',
      'GET /healthz': 'getHealthz',
      'GET /health/ready': 'getReadiness',
      'GET /metrics': 'getMetrics',
    },
  },
];
