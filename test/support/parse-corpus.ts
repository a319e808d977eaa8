/**
 * Running the parser evaluation corpus (test/domain/parse/corpus.json) through GraphQL
 * `parseWorkflow`: each entry with its available tools, in a workspace holding exactly its
 * registered agents. Shared by the deterministic parser's acceptance test and the LLM path's.
 */
import type { CorpusEntry } from '../domain/parse/corpus.ts';
import { CreateAgentDocument, CreateWorkspaceDocument, ParseWorkflowDocument, type ParseWorkflowMutation } from '../gql/graphql.ts';
import type { TestApp } from './app.ts';

export type Parsed = Extract<ParseWorkflowMutation['parseWorkflow'], { __typename: 'ParsedWorkflow' }>;

/** Entries with the same agents (in any order) share a workspace. */
export const agentSetOf = (entry: CorpusEntry): string =>
  (entry.agents ?? [])
    .map((a) => a.name)
    .sort()
    .join(',');

/** Workspace slugs by agent set, as {@link registerAgents} made them; entries without agents use the default workspace. */
export type Workspaces = Map<string, string>;

/** Creates one workspace per distinct agent set of the entries and registers the set's agents in it. */
export async function registerAgents(app: TestApp, entries: readonly CorpusEntry[]): Promise<Workspaces> {
  const sets = new Map<string, NonNullable<CorpusEntry['agents']>>();
  for (const entry of entries) if (entry.agents?.length) sets.set(agentSetOf(entry), entry.agents);
  const out: Workspaces = new Map();
  let n = 0;
  for (const [key, agents] of sets) {
    const slug = `agents-${++n}`;
    const workspace = (await app.ok(CreateWorkspaceDocument, { input: { name: `Agents ${n}`, slug } })).createWorkspace;
    if (workspace.__typename !== 'Workspace') throw new Error(`setup failed: ${JSON.stringify(workspace)}`);
    for (const { name, description } of agents) {
      const input = { name, description, url: `http://${name.toLowerCase()}.example.com` };
      const created = (await app.ok(CreateAgentDocument, { input }, { workspaceSlug: slug })).createAgent;
      if (created.__typename !== 'Agent') throw new Error(`setup failed: ${JSON.stringify(created)}`);
    }
    out.set(key, slug);
  }
  return out;
}

/** Parses an entry's instruction through GraphQL, with its tools, in its agents' workspace. */
export async function parseEntry(app: TestApp, workspaces: Workspaces, entry: CorpusEntry): Promise<Parsed> {
  const variables = { instruction: entry.instruction, context: { availableTools: entry.availableTools } };
  const result = (await app.ok(ParseWorkflowDocument, variables, { workspaceSlug: workspaces.get(agentSetOf(entry)) })).parseWorkflow;
  if (result.__typename !== 'ParsedWorkflow') throw new Error(`${entry.id}: expected a ParsedWorkflow, got ${JSON.stringify(result)}`);
  return result;
}

/** Parses every entry, a few at a time (the requests are independent). */
export async function parseAll(app: TestApp, workspaces: Workspaces, entries: readonly CorpusEntry[]): Promise<Map<string, Parsed>> {
  const results = new Map<string, Parsed>();
  const queue = [...entries];
  const worker = async (): Promise<void> => {
    for (let entry = queue.shift(); entry !== undefined; entry = queue.shift())
      results.set(entry.id, await parseEntry(app, workspaces, entry));
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}
