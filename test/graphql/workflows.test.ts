/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveWorkflowDocument,
  CreateAgentDocument,
  CreateWorkflowDocument,
  type CreateWorkflowInput,
  type DefinitionFormat,
  DeleteAgentDocument,
  DeleteWorkflowDocument,
  UpdateAgentDocument,
  UpdateWorkflowDocument,
  ValidateWorkflowDocument,
  WorkflowDocument,
  type WorkflowFilter,
  WorkflowsDocument,
  WorkflowVersionsDocument,
} from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;

// Agents the definitions use: two live ones, one switched off and one deleted.
const A = 'extractor-agent';
const B = 'transformer-agent';
const SLEEPY = 'sleepy-agent';
const GONE = 'gone-agent';

beforeAll(async () => {
  t = await startTestApp();
  const ids: Record<string, string> = {};
  for (const name of [A, B, SLEEPY, GONE]) {
    const created = (await t.ok(CreateAgentDocument, { input: { name, url: `http://${name}.example.com` } })).createAgent;
    if (created.__typename !== 'Agent') throw new Error(`setup failed: ${JSON.stringify(created)}`);
    ids[name] = created.id;
  }
  await t.ok(UpdateAgentDocument, { id: ids[SLEEPY] ?? '', input: { status: 'INACTIVE' } });
  await t.ok(DeleteAgentDocument, { id: ids[GONE] ?? '' });
});
afterAll(async () => {
  await t?.close();
});

const source = '${workflow.input.source}';
const data = '${extract.output.data}';

/** The 2-step chain extract (A) → transform (B), in each shape it can be posted in. */
function chain(agentA = A, agentB = B) {
  return {
    canonical: {
      steps: [
        { id: 'extract', type: 'agent', agent: agentA, input: { source } },
        { id: 'transform', type: 'agent', agent: agentB, dependsOn: ['extract'], input: { data } },
      ],
    },
    v004: {
      start_step: 'extract',
      steps: {
        extract: { id: 'extract', agent_name: agentA, next_step: 'transform', input_mapping: { source } },
        transform: { id: 'transform', agent_name: agentB, next_step: null, input_mapping: { data } },
      },
    },
    v003: {
      nodes: [
        { id: 'extract', type: 'agent', action: agentA, config: { input_mapping: { source } } },
        { id: 'transform', type: 'agent', action: agentB, input_from: 'extract', config: { input_mapping: { data } } },
      ],
      inputs: {},
      outputs: {},
    },
    v002: {
      steps: [
        {
          name: 'extract',
          step_type: 'agent',
          step_order: 1,
          depends_on_steps: [],
          config: { agent_name: agentA, input_mapping: { source } },
        },
        {
          name: 'transform',
          step_type: 'agent',
          step_order: 2,
          depends_on_steps: ['extract'],
          config: { agent_name: agentB, input_mapping: { data } },
        },
      ],
    },
  };
}

/** The canonical, normalized form of {@link chain}. */
const normalizedChain = {
  steps: [
    { id: 'extract', type: 'agent', dependsOn: [], input: { source }, agent: A },
    { id: 'transform', type: 'agent', dependsOn: ['extract'], input: { data }, agent: B },
  ],
  inputs: [],
  outputs: {},
};

const agentStep = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'agent', agent: A, ...extra });

/** Creates a workflow and fails the test unless it was created. */
async function createWorkflow(input: CreateWorkflowInput) {
  const result = (await t.ok(CreateWorkflowDocument, { input })).createWorkflow;
  if (result.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(result)}`);
  return result;
}

async function readWorkflow(id: string) {
  const result = (await t.ok(WorkflowDocument, { id })).workflow;
  if (result.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(result)}`);
  return result;
}

async function versionsOf(id: string, number = 1) {
  const result = (await t.ok(WorkflowVersionsDocument, { id, number, first: 50 })).workflow;
  if (result.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(result)}`);
  return result;
}

async function workflowCount(filter?: WorkflowFilter): Promise<number> {
  return (await t.ok(WorkflowsDocument, { filter })).workflows.totalCount;
}

async function validate(definition: unknown, format?: DefinitionFormat) {
  const result = await t.gql(ValidateWorkflowDocument, { definition, format });
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result)}`);
  return result.data.validateWorkflow;
}

/** The single issue at `path` of an invalid definition. */
async function issueAt(definition: unknown, path: string) {
  const result = await validate(definition);
  expect(result.valid).toBe(false);
  expect(result.definition).toBeNull();
  const found = result.issues.filter((i) => i.path === path);
  expect(found, `issues at ${path} in ${JSON.stringify(result.issues, null, 1)}`).toHaveLength(1);
  return { issue: found[0] as (typeof found)[number], all: result.issues };
}

describe('createWorkflow', () => {
  it('creates a workflow from a canonical definition as version 1', async () => {
    const before = await workflowCount();
    const workflow = await createWorkflow({
      name: 'Data Pipeline',
      description: 'ETL',
      definition: chain().canonical,
      versionLabel: '1.0.0',
      metadata: { team: 'data' },
    });
    expect(workflow).toMatchObject({
      key: 'data-pipeline',
      name: 'Data Pipeline',
      description: 'ETL',
      status: 'ACTIVE',
      currentVersion: 1,
      metadata: { team: 'data' },
      deletedAt: null,
    });
    expect(workflow.latestVersion).toMatchObject({
      version: 1,
      label: '1.0.0',
      definition: normalizedChain,
      sourceFormat: 'CANONICAL',
      source: chain().canonical,
    });
    expect(await workflowCount()).toBe(before + 1);

    const read = await readWorkflow(workflow.id);
    expect(read).toEqual(workflow);
    const byKey = (await t.ok(WorkflowDocument, { key: 'data-pipeline' })).workflow;
    expect(byKey.__typename === 'Workflow' && byKey.id).toBe(workflow.id);
  });

  it('derives a free key when the derived one is taken', async () => {
    const first = await createWorkflow({ name: 'Weekly Sales Report', definition: chain().canonical });
    expect(first.key).toBe('weekly-sales-report');
    const second = await createWorkflow({ name: 'Weekly  sales REPORT!', definition: chain().canonical });
    expect(second.key).toBe('weekly-sales-report-2');
  });

  it('stores the three legacy shapes of one chain as the same canonical definition', async () => {
    const shapes = chain();
    const canonical = await createWorkflow({ name: 'Chain canonical', definition: shapes.canonical, format: 'CANONICAL' });
    const v004 = await createWorkflow({ name: 'Chain v004', definition: shapes.v004, format: 'AUTO' });
    const v003 = await createWorkflow({ name: 'Chain v003', definition: shapes.v003, format: 'AUTO' });
    const v002 = await createWorkflow({ name: 'Chain v002', definition: shapes.v002, format: 'AUTO' });

    expect(v004.latestVersion?.sourceFormat).toBe('START_STEP_CHAIN');
    expect(v003.latestVersion?.sourceFormat).toBe('NODES');
    expect(v002.latestVersion?.sourceFormat).toBe('STEP_LIST');
    expect(v004.latestVersion?.source).toEqual(shapes.v004);
    expect(v003.latestVersion?.source).toEqual(shapes.v003);
    expect(v002.latestVersion?.source).toEqual(shapes.v002);

    expect(canonical.latestVersion?.definition).toEqual(normalizedChain);
    expect(v004.latestVersion?.definition).toEqual(canonical.latestVersion?.definition);
    expect(v003.latestVersion?.definition).toEqual(canonical.latestVersion?.definition);
    expect(v002.latestVersion?.definition).toEqual(canonical.latestVersion?.definition);

    // Read back from the database, not just from the mutation's answer.
    for (const created of [v004, v003, v002]) {
      expect((await readWorkflow(created.id)).latestVersion?.definition).toEqual(normalizedChain);
    }
  });

  it('accepts an explicitly named legacy format', async () => {
    const shapes = chain();
    const v004 = await createWorkflow({ name: 'Explicit v004', definition: shapes.v004, format: 'START_STEP_CHAIN' });
    expect(v004.latestVersion).toMatchObject({ sourceFormat: 'START_STEP_CHAIN', definition: normalizedChain });
    const v002 = await createWorkflow({ name: 'Explicit v002', definition: shapes.v002, format: 'STEP_LIST' });
    expect(v002.latestVersion).toMatchObject({ sourceFormat: 'STEP_LIST', definition: normalizedChain });
  });

  it('reports the same problem for the same broken definition in every shape', async () => {
    const shapes = chain(A, 'Ghost');
    const results = await Promise.all([shapes.canonical, shapes.v004, shapes.v003, shapes.v002].map((definition) => validate(definition)));
    expect(results.map((r) => r.format)).toEqual(['CANONICAL', 'START_STEP_CHAIN', 'NODES', 'STEP_LIST']);
    for (const result of results) {
      expect(result.valid).toBe(false);
      expect(result.definition).toBeNull();
      expect(result.issues.map((i) => [i.stepId, i.message])).toEqual([['transform', 'step "transform": agent "Ghost" does not exist']]);
    }
  });

  it('lists every problem of the input and of the definition, with definition paths prefixed, and writes nothing', async () => {
    const before = await workflowCount();
    const result = (
      await t.ok(CreateWorkflowDocument, {
        input: {
          name: '   ',
          definition: {
            steps: [
              agentStep('start', { agent: 'Ghost' }),
              agentStep('a', { dependsOn: ['start', 'b'] }),
              agentStep('b', { dependsOn: ['a'] }),
            ],
          },
        },
      })
    ).createWorkflow;
    if (result.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(result)}`);
    expect(await workflowCount()).toBe(before);
    // The definition is checked even though the name is already wrong: every problem is listed at once.
    expect(result.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['definition.steps[0].agent', 'definition.steps[1].dependsOn[1]']),
    );
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'must not be empty' },
        { path: 'definition.steps[0].agent', message: expect.stringContaining('agent "Ghost" does not exist') },
        { path: 'definition.steps[1].dependsOn[1]', message: 'cycle: a → b → a' },
      ]),
    );
    expect(result.issues).toHaveLength(3);
  });

  it('lists every definition problem with paths prefixed by "definition."', async () => {
    const before = await workflowCount();
    const result = (
      await t.ok(CreateWorkflowDocument, {
        input: {
          name: 'Broken definition',
          definition: {
            steps: [
              agentStep('start', { agent: 'Ghost' }),
              agentStep('a', { dependsOn: ['start', 'b'] }),
              agentStep('b', { dependsOn: ['a'] }),
            ],
          },
        },
      })
    ).createWorkflow;
    if (result.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(result)}`);
    expect(result.issues).toEqual([
      { path: 'definition.steps[0].agent', message: 'step "start": agent "Ghost" does not exist' },
      { path: 'definition.steps[1].dependsOn[1]', message: 'cycle: a → b → a' },
    ]);
    expect(await workflowCount()).toBe(before);
    expect(await workflowCount({ nameContains: 'Broken definition', status: 'DELETED' })).toBe(0);
    expect((await t.ok(WorkflowDocument, { key: 'broken-definition' })).workflow.__typename).toBe('NotFoundError');
  });

  it.each([
    ['a string', 'steps: a then b'],
    ['an empty object', {}],
    ['an array', [{ id: 'a', type: 'agent', agent: A }]],
    ['a number', 42],
    ['an empty step list', { steps: [] }],
  ])('answers a definition that is %s with a ValidationError, not a GraphQL error', async (_what, definition) => {
    const before = await workflowCount();
    const result = await t.gql(CreateWorkflowDocument, { input: { name: 'Malformed', definition } });
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    const created = result.data?.createWorkflow;
    if (created?.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(result)}`);
    expect(created.issues.length).toBeGreaterThan(0);
    for (const issue of created.issues) expect(issue.path).toMatch(/^definition(\.|\[|$)/);
    expect(await workflowCount()).toBe(before);
  });

  it('answers a null definition with a client error naming the field, not an internal error', async () => {
    const before = await workflowCount();
    const result = await t.gql(CreateWorkflowDocument, { input: { name: 'Null definition', definition: null } });
    expect(result.status).toBeLessThan(500);
    expect(result.data?.createWorkflow).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(result.errors?.[0]?.message).toContain('input.definition');
    expect(await workflowCount()).toBe(before);
  });

  it('rejects a bad key and a bad version label', async () => {
    const before = await workflowCount();
    const result = (
      await t.ok(CreateWorkflowDocument, {
        input: { name: 'Bad key', key: 'Bad Key!', versionLabel: 'v1', definition: chain().canonical },
      })
    ).createWorkflow;
    if (result.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(result)}`);
    expect(await workflowCount()).toBe(before);
    expect(result.issues.map((i) => i.path).sort()).toEqual(['key', 'versionLabel']);
  });
});

describe('conflicts', () => {
  it('rejects a duplicate name', async () => {
    await createWorkflow({ name: 'Unique Flow', definition: chain().canonical });
    const before = await workflowCount();
    const result = (await t.ok(CreateWorkflowDocument, { input: { name: 'Unique Flow', key: 'other-key', definition: chain().canonical } }))
      .createWorkflow;
    if (result.__typename !== 'ConflictError') throw new Error(`expected a ConflictError, got ${JSON.stringify(result)}`);
    expect(result.field).toBe('name');
    expect(result.message).toContain('Unique Flow');
    expect(await workflowCount()).toBe(before);
  });

  it('rejects a duplicate explicit key', async () => {
    await createWorkflow({ name: 'Keyed one', key: 'shared-key', definition: chain().canonical });
    const before = await workflowCount();
    const result = (await t.ok(CreateWorkflowDocument, { input: { name: 'Keyed two', key: 'shared-key', definition: chain().canonical } }))
      .createWorkflow;
    if (result.__typename !== 'ConflictError') throw new Error(`expected a ConflictError, got ${JSON.stringify(result)}`);
    expect(result.field).toBe('key');
    expect(result.message).toContain('shared-key');
    expect(await workflowCount()).toBe(before);
  });

  it('frees the name and key of a deleted workflow', async () => {
    const first = await createWorkflow({ name: 'Reusable', definition: chain().canonical });
    expect(first.key).toBe('reusable');
    await t.ok(DeleteWorkflowDocument, { id: first.id });
    const second = await createWorkflow({ name: 'Reusable', definition: chain().canonical });
    expect(second.id).not.toBe(first.id);
    expect(second.key).toBe('reusable');
    const byKey = (await t.ok(WorkflowDocument, { key: 'reusable' })).workflow;
    expect(byKey.__typename === 'Workflow' && byKey.id).toBe(second.id);
    // The deleted one is still there, by id.
    expect((await readWorkflow(first.id)).status).toBe('DELETED');
  });
});

describe('updateWorkflow', () => {
  it('edits description and metadata in place, without a new version', async () => {
    const workflow = await createWorkflow({ name: 'Metadata only', definition: chain().canonical });
    const result = (
      await t.ok(UpdateWorkflowDocument, { id: workflow.id, input: { description: 'now described', metadata: { owner: 'ops' } } })
    ).updateWorkflow;
    if (result.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(result)}`);
    expect(result).toMatchObject({ description: 'now described', metadata: { owner: 'ops' }, currentVersion: 1, name: 'Metadata only' });
    expect(result.latestVersion?.version).toBe(1);
    expect(result.latestVersion?.id).toBe(workflow.latestVersion?.id);
    const versions = await versionsOf(workflow.id);
    expect(versions.versions.totalCount).toBe(1);
  });

  it('makes version 2 for a changed definition and keeps version 1 unchanged', async () => {
    const workflow = await createWorkflow({ name: 'Versioned', definition: chain().canonical });
    const changed = {
      steps: [
        { id: 'extract', type: 'agent', agent: A, input: { source } },
        { id: 'transform', type: 'agent', agent: B, dependsOn: ['extract'], input: { data, mode: 'fast' } },
      ],
    };
    const result = (await t.ok(UpdateWorkflowDocument, { id: workflow.id, input: { definition: changed, versionLabel: '2.0.0' } }))
      .updateWorkflow;
    if (result.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(result)}`);
    expect(result.currentVersion).toBe(2);
    expect(result.latestVersion).toMatchObject({ version: 2, label: '2.0.0', sourceFormat: 'CANONICAL', source: changed });
    expect(result.latestVersion?.definition).toEqual({
      ...normalizedChain,
      steps: [normalizedChain.steps[0], { ...normalizedChain.steps[1], input: { data, mode: 'fast' } }],
    });

    const versions = await versionsOf(workflow.id, 1);
    expect(versions.versions.totalCount).toBe(2);
    expect(versions.versions.edges.map((e) => e.node.version)).toEqual([2, 1]);
    expect(versions.version).toMatchObject({
      __typename: 'WorkflowVersion',
      version: 1,
      definition: normalizedChain,
      source: chain().canonical,
      id: workflow.latestVersion?.id,
    });
  });

  it('makes no new version when the same definition is posted again, in any shape', async () => {
    const workflow = await createWorkflow({ name: 'Same again', definition: chain().canonical });
    const same = (await t.ok(UpdateWorkflowDocument, { id: workflow.id, input: { definition: chain().canonical } })).updateWorkflow;
    if (same.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(same)}`);
    expect(same.currentVersion).toBe(1);
    const legacy = (await t.ok(UpdateWorkflowDocument, { id: workflow.id, input: { definition: chain().v004 } })).updateWorkflow;
    expect(legacy.__typename === 'Workflow' && legacy.currentVersion).toBe(1);
    const normalized = (await t.ok(UpdateWorkflowDocument, { id: workflow.id, input: { definition: normalizedChain } })).updateWorkflow;
    expect(normalized.__typename === 'Workflow' && normalized.currentVersion).toBe(1);
    expect((await versionsOf(workflow.id)).versions.totalCount).toBe(1);
  });

  it('rejects an invalid definition without adding a version or changing anything', async () => {
    const workflow = await createWorkflow({ name: 'Guarded', definition: chain().canonical });
    const result = (
      await t.ok(UpdateWorkflowDocument, {
        id: workflow.id,
        input: { description: 'should not stick', definition: { steps: [agentStep('x', { agent: 'Ghost' })] } },
      })
    ).updateWorkflow;
    if (result.__typename !== 'ValidationError') throw new Error(`expected a ValidationError, got ${JSON.stringify(result)}`);
    expect(result.issues).toEqual([{ path: 'definition.steps[0].agent', message: 'step "x": agent "Ghost" does not exist' }]);
    const after = await readWorkflow(workflow.id);
    expect(after.currentVersion).toBe(1);
    expect(after.description).toBeNull();
    expect(after.latestVersion?.definition).toEqual(normalizedChain);
    expect((await versionsOf(workflow.id)).versions.totalCount).toBe(1);
  });

  it('changes the status', async () => {
    const workflow = await createWorkflow({ name: 'Switchable', definition: chain().canonical });
    const result = (await t.ok(UpdateWorkflowDocument, { id: workflow.id, input: { status: 'INACTIVE' } })).updateWorkflow;
    expect(result.__typename === 'Workflow' && result.status).toBe('INACTIVE');
    expect((await readWorkflow(workflow.id)).status).toBe('INACTIVE');
    expect(await workflowCount({ nameContains: 'Switchable', status: 'INACTIVE' })).toBe(1);
  });

  it('reports NotFoundError for an unknown id', async () => {
    const result = (await t.ok(UpdateWorkflowDocument, { id: 'no-such-workflow', input: { description: 'x' } })).updateWorkflow;
    expect(result.__typename).toBe('NotFoundError');
  });

  it("rejects renaming onto another workflow's name", async () => {
    await createWorkflow({ name: 'Taken flow', definition: chain().canonical });
    const other = await createWorkflow({ name: 'Wants flow', definition: chain().canonical });
    const result = (await t.ok(UpdateWorkflowDocument, { id: other.id, input: { name: 'Taken flow', description: 'renamed' } }))
      .updateWorkflow;
    if (result.__typename !== 'ConflictError') throw new Error(`expected a ConflictError, got ${JSON.stringify(result)}`);
    expect(result.field).toBe('name');
    const after = await readWorkflow(other.id);
    expect(after.name).toBe('Wants flow');
    expect(after.description).toBeNull();
  });
});

describe('archive and delete', () => {
  it('archives a workflow', async () => {
    const workflow = await createWorkflow({ name: 'Old news', definition: chain().canonical });
    const result = (await t.ok(ArchiveWorkflowDocument, { id: workflow.id })).archiveWorkflow;
    expect(result.__typename === 'Workflow' && result.status).toBe('ARCHIVED');
    expect((await readWorkflow(workflow.id)).status).toBe('ARCHIVED');
    expect(await workflowCount({ nameContains: 'Old news', status: 'ARCHIVED' })).toBe(1);
  });

  it('soft-deletes a workflow', async () => {
    const workflow = await createWorkflow({ name: 'Doomed flow', definition: chain().canonical });
    const deleted = (await t.ok(DeleteWorkflowDocument, { id: workflow.id })).deleteWorkflow;
    if (deleted.__typename !== 'Workflow') throw new Error(`expected a Workflow, got ${JSON.stringify(deleted)}`);
    expect(deleted.status).toBe('DELETED');
    expect(deleted.deletedAt).not.toBeNull();
    expect(Number.isNaN(Date.parse(deleted.deletedAt ?? ''))).toBe(false);

    expect(await workflowCount({ nameContains: 'Doomed flow' })).toBe(0);
    const listedDeleted = await t.ok(WorkflowsDocument, { filter: { nameContains: 'Doomed flow', status: 'DELETED' } });
    expect(listedDeleted.workflows.edges.map((e) => e.node.id)).toEqual([workflow.id]);
    expect((await t.ok(WorkflowDocument, { key: workflow.key })).workflow.__typename).toBe('NotFoundError');
    const byId = await readWorkflow(workflow.id);
    expect(byId).toMatchObject({ id: workflow.id, status: 'DELETED', deletedAt: deleted.deletedAt });
    expect(byId.latestVersion?.definition).toEqual(normalizedChain);

    const update = (await t.ok(UpdateWorkflowDocument, { id: workflow.id, input: { description: 'zombie' } })).updateWorkflow;
    expect(update.__typename).toBe('NotFoundError');
    expect((await t.ok(ArchiveWorkflowDocument, { id: workflow.id })).archiveWorkflow.__typename).toBe('NotFoundError');
    expect((await t.ok(DeleteWorkflowDocument, { id: workflow.id })).deleteWorkflow.__typename).toBe('NotFoundError');
  });
});

describe('workflow lookup', () => {
  it('finds a workflow by id and by key', async () => {
    const workflow = await createWorkflow({ name: 'Findable', definition: chain().canonical });
    expect(await readWorkflow(workflow.id)).toEqual(workflow);
    const byKey = (await t.ok(WorkflowDocument, { key: 'findable' })).workflow;
    expect(byKey).toEqual(workflow);
  });

  it('reports NotFoundError for an unknown id or key', async () => {
    const byKey = (await t.ok(WorkflowDocument, { key: 'no-such-key' })).workflow;
    expect(byKey.__typename).toBe('NotFoundError');
    expect(byKey.__typename === 'NotFoundError' && byKey.message).toContain('no-such-key');
    expect((await t.ok(WorkflowDocument, { id: 'no-such-id' })).workflow.__typename).toBe('NotFoundError');
  });

  it('needs an id or a key', async () => {
    const result = await t.gql(WorkflowDocument, {});
    expect(result.errors).toBeUndefined();
    const workflow = result.data?.workflow;
    expect(workflow?.__typename).toBe('ValidationError');
    expect(workflow?.__typename === 'ValidationError' && workflow.message).toMatch(/id or key/);
  });

  it('reports NotFoundError for a version that does not exist', async () => {
    const workflow = await createWorkflow({ name: 'One version', definition: chain().canonical });
    const versions = await versionsOf(workflow.id, 99);
    expect(versions.version.__typename).toBe('NotFoundError');
    expect(versions.versions.totalCount).toBe(1);
  });
});

describe('validateWorkflow', () => {
  it('returns the canonical form of a valid definition and saves nothing', async () => {
    const before = await workflowCount();
    const result = await validate(chain().v003);
    expect(result).toEqual({ valid: true, format: 'NODES', definition: normalizedChain, issues: [] });
    expect(await validate(chain().canonical)).toEqual({ valid: true, format: 'CANONICAL', definition: normalizedChain, issues: [] });
    expect(await workflowCount()).toBe(before);
  });

  it('reports a duplicate step id', async () => {
    const { issue } = await issueAt({ steps: [agentStep('a'), agentStep('b', { dependsOn: ['a'] }), agentStep('a')] }, 'steps[2].id');
    expect(issue.stepId).toBe('a');
    expect(issue.message).toContain('step "a" is defined 2 times');
  });

  it('reports a dependency on an unknown step, with a hint', async () => {
    const { issue } = await issueAt(
      { steps: [agentStep('extract'), agentStep('load', { dependsOn: ['extrct'] })] },
      'steps[1].dependsOn[0]',
    );
    expect(issue.stepId).toBe('load');
    expect(issue.message).toContain('unknown step "extrct"; did you mean "extract"?');
  });

  it('reports an unknown agent', async () => {
    const { issue, all } = await issueAt({ steps: [agentStep('load', { agent: 'DataLoaderAgent' })] }, 'steps[0].agent');
    expect(issue.stepId).toBe('load');
    expect(issue.message).toBe('step "load": agent "DataLoaderAgent" does not exist');
    expect(all).toHaveLength(1);
  });

  it('reports an inactive agent', async () => {
    const { issue } = await issueAt({ steps: [agentStep('nap', { agent: SLEEPY })] }, 'steps[0].agent');
    expect(issue.stepId).toBe('nap');
    expect(issue.message).toBe(`step "nap": agent "${SLEEPY}" is inactive`);
  });

  it('reports a deleted agent', async () => {
    const { issue } = await issueAt({ steps: [agentStep('old', { agent: GONE })] }, 'steps[0].agent');
    expect(issue.stepId).toBe('old');
    expect(issue.message).toContain(`agent "${GONE}" is inactive (it has been deleted)`);
  });

  it('reports a cycle with its path', async () => {
    const { issue, all } = await issueAt(
      {
        steps: [
          agentStep('start'),
          agentStep('a', { dependsOn: ['start', 'c'] }),
          agentStep('b', { dependsOn: ['a'] }),
          agentStep('c', { dependsOn: ['b'] }),
        ],
      },
      'steps[1].dependsOn[1]',
    );
    expect(issue).toEqual({ path: 'steps[1].dependsOn[1]', stepId: 'a', message: 'cycle: a → b → c → a' });
    expect(all).toHaveLength(1);
  });

  it('reports a step of a start_step chain that the chain skips as unreachable', async () => {
    const definition = {
      start_step: 'extract',
      steps: {
        extract: { agent_name: A, next_step: 'load', input_mapping: { source } },
        transform: { agent_name: B, next_step: 'load' },
        load: { agent_name: B, next_step: null },
      },
    };
    const result = await validate(definition);
    expect(result.format).toBe('START_STEP_CHAIN');
    expect(result.valid).toBe(false);
    expect(result.issues).toEqual([
      { path: 'steps[2]', stepId: 'transform', message: 'step "transform" is unreachable from the entry steps ("extract")' },
    ]);
  });

  it('reports a reference to a step that is not upstream', async () => {
    const { issue } = await issueAt(
      {
        steps: [
          agentStep('a'),
          agentStep('b', { dependsOn: ['a'] }),
          agentStep('c', { dependsOn: ['a'], input: { ok: '${a.output}', bad: 'x ${b.output.v}' } }),
        ],
      },
      'steps[2].input.bad',
    );
    expect(issue.stepId).toBe('c');
    expect(issue.message).toContain('"b" is not upstream of "c"');
  });

  it('reports a reference to an unknown step and to its own output', async () => {
    const unknown = await issueAt({ steps: [agentStep('a', { input: { raw: '${extract.output.data}' } })] }, 'steps[0].input.raw');
    expect(unknown.issue).toMatchObject({ stepId: 'a', message: 'step "a" references unknown step "extract"' });
    const own = await issueAt({ steps: [agentStep('a', { input: { me: '${a.output}' } })] }, 'steps[0].input.me');
    expect(own.issue).toMatchObject({ stepId: 'a', message: expect.stringContaining('references its own output') });
  });

  it('reports a malformed ${...} expression', async () => {
    const { issue } = await issueAt(
      { steps: [agentStep('extract'), agentStep('load', { dependsOn: ['extract'], input: { rows: '${extract.outptu}' } })] },
      'steps[1].input.rows',
    );
    expect(issue.stepId).toBe('load');
    expect(issue.message).toContain('malformed expression "${extract.outptu}"');
    const unclosed = await issueAt({ steps: [agentStep('a', { input: { q: 'id-${workflow.input.id' } })] }, 'steps[0].input.q');
    expect(unclosed.issue.message).toContain('missing closing "}"');
  });

  it('reports a condition branch target that does not depend on the condition', async () => {
    const { issue } = await issueAt(
      {
        steps: [
          {
            id: 'check',
            type: 'condition',
            condition: { value: '${workflow.input.n}', operator: 'exists' },
            onTrue: ['yes'],
            onFalse: ['no'],
          },
          agentStep('yes', { dependsOn: ['check'] }),
          agentStep('no'),
        ],
      },
      'steps[0].onFalse[0]',
    );
    expect(issue.stepId).toBe('check');
    expect(issue.message).toContain('onFalse target "no" must depend on "check"');
  });

  it('reports structural problems of a step', async () => {
    const result = await validate({ steps: [agentStep('a'), { id: 'b', type: 'fetch', dependsOn: ['a'] }, agentStep('c', { agnt: 1 })] });
    expect(result.valid).toBe(false);
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'steps[1].type', stepId: 'b', message: expect.stringContaining('unknown step type "fetch"') },
        { path: 'steps[2].agnt', stepId: 'c', message: 'step "c": unknown field "agnt"' },
      ]),
    );
  });

  it('reports outputs referencing an unknown step and duplicate input declarations', async () => {
    const result = await validate({
      steps: [agentStep('a')],
      inputs: [{ name: 'region' }, { name: 'region' }],
      outputs: { report: '${rep.output}' },
    });
    expect(result.valid).toBe(false);
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'outputs.report', stepId: null, message: 'output expression "${rep.output}" references unknown step "rep"' },
        { path: 'inputs[1].name', stepId: null, message: 'input "region" is declared 2 times' },
      ]),
    );
    expect(result.issues).toHaveLength(2);
  });

  it('reports an unrecognised shape for the whole document', async () => {
    const result = await validate({ foo: 1 });
    expect(result.valid).toBe(false);
    expect(result.format).toBeNull();
    expect(result.issues).toEqual([{ path: '', stepId: null, message: expect.stringContaining('unrecognised definition') }]);
  });

  it('reports every problem of a definition at once', async () => {
    const result = await validate({
      steps: [
        agentStep('load', { agent: 'Ghost', input: { raw: '${later.output}' } }),
        agentStep('load'),
        agentStep('later', { dependsOn: ['load', 'missing'], input: { q: '${load.outptu}' } }),
        agentStep('x', { dependsOn: ['x'], agent: SLEEPY }),
      ],
    });
    expect(result.valid).toBe(false);
    expect(result.definition).toBeNull();
    expect(result.issues.map((i) => i.path).sort()).toEqual(
      [
        'steps[0].agent',
        'steps[0].input.raw',
        'steps[1].id',
        'steps[2].dependsOn[1]',
        'steps[2].input.q',
        'steps[3]',
        'steps[3].agent',
        'steps[3].dependsOn[0]',
      ].sort(),
    );
    const messages = result.issues.map((i) => i.message).join('\n');
    expect(messages).toContain('agent "Ghost" does not exist');
    expect(messages).toContain('is defined 2 times');
    expect(messages).toContain('unknown step "missing"');
    expect(messages).toContain('malformed expression');
    expect(messages).toContain('cycle: x → x');
    expect(messages).toContain(`agent "${SLEEPY}" is inactive`);
  });
});
