// Shared by the seed 004 workflow tests: the documented request bodies, and an app with the
// documented agents registered through REST (all answering through one A2A test agent).

import { expect } from 'vitest';
import { startA2AAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** "Request Body" of Create Workflow. */
export const ETL = {
  name: 'data-processing-pipeline',
  description: 'ETL pipeline for data processing',
  start_step: 'extract',
  steps: {
    extract: {
      id: 'extract',
      agent_name: 'DataExtractorAgent',
      next_step: 'transform',
      input_mapping: { source_url: '${workflow.input.data_source}', format: '${workflow.input.format}' },
    },
    transform: {
      id: 'transform',
      agent_name: 'DataTransformerAgent',
      next_step: 'load',
      input_mapping: { raw_data: '${extract.output.data}', schema: '${workflow.input.schema}' },
    },
    load: {
      id: 'load',
      agent_name: 'DataLoaderAgent',
      next_step: null,
      input_mapping: { transformed_data: '${transform.output.data}', destination: '${workflow.input.destination}' },
    },
  },
};

/** "Example Request" of Create Workflow (the same name as the request body above). */
export const ETL_EXAMPLE = {
  name: 'data-processing-pipeline',
  description: 'ETL pipeline for data processing',
  start_step: 'extract',
  steps: {
    extract: {
      id: 'extract',
      agent_name: 'DataExtractorAgent',
      next_step: 'transform',
      input_mapping: { source_url: '${workflow.input.data_source}' },
    },
    transform: {
      id: 'transform',
      agent_name: 'DataTransformerAgent',
      next_step: null,
      input_mapping: { raw_data: '${extract.output.data}' },
    },
  },
};

/** Step 2 of "Workflow 1: Complete Setup and Execution". */
export const DATA_PIPELINE = {
  name: 'data-pipeline',
  description: 'ETL pipeline',
  start_step: 'extract',
  steps: {
    extract: {
      id: 'extract',
      agent_name: 'DataExtractorAgent',
      next_step: 'transform',
      input_mapping: { source: '${workflow.input.source}' },
    },
    transform: { id: 'transform', agent_name: 'DataTransformerAgent', next_step: null, input_mapping: { data: '${extract.output.data}' } },
  },
};

/** Step 2 of "Workflow 3: Update Workflow Version". */
export const WITH_VALIDATION = {
  description: 'Updated ETL pipeline with validation step',
  steps: {
    extract: {
      id: 'extract',
      agent_name: 'DataExtractorAgent',
      next_step: 'validate',
      input_mapping: { source: '${workflow.input.source}' },
    },
    validate: {
      id: 'validate',
      agent_name: 'DataValidatorAgent',
      next_step: 'transform',
      input_mapping: { data: '${extract.output.data}' },
    },
    transform: {
      id: 'transform',
      agent_name: 'DataTransformerAgent',
      next_step: null,
      input_mapping: { data: '${validate.output.validated_data}' },
    },
  },
};

/** A one-step chain named `name` on the echo agent. */
export const single = (name: string, agent = 'DataExtractorAgent') => ({
  name,
  start_step: 'only',
  steps: { only: { id: 'only', agent_name: agent, next_step: null, input_mapping: { v: '${workflow.input.v}' } } },
});

/** An app with DataExtractorAgent, DataTransformerAgent, DataLoaderAgent and DataValidatorAgent registered. */
export interface WorkflowApp {
  t: TestApp;
  rest: RestClient;
  echo: TestAgent;
  /** Creates a workflow through REST, failing the test unless it answers 201. */
  created(body: object): Promise<Body>;
  close(): Promise<void>;
}

/** Starts a {@link WorkflowApp}. */
export async function startWorkflowApp(): Promise<WorkflowApp> {
  const t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  const rest = restClient(t);
  // Seed 004's agents speak A2A (the REST default protocol).
  const echo = await startA2AAgent((input: unknown) => ({ data: { got: input }, validated_data: 'ok' }));
  for (const name of ['DataExtractorAgent', 'DataTransformerAgent', 'DataLoaderAgent', 'DataValidatorAgent']) {
    const agent = await rest.post('/api/v1/agents', { name, url: echo.url, description: `${name} for tests` });
    expect(agent.status, agent.text).toBe(201);
  }
  return {
    t,
    rest,
    echo,
    async created(body) {
      const response = await rest.post('/api/v1/workflows', body);
      expect(response.status, response.text).toBe(201);
      return response.body;
    },
    async close() {
      await t.close();
      await echo.close();
    },
  };
}
