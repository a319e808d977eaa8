// Issue 17, point 2: the parser matches A2A agents on the skills their cards publish. Cards are
// served by real loopback servers (test/support/agents.ts's HTTP agent answers every path with
// the handler's reply), which count what they are asked; unreadable cards never fail a parse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAgentDocument, CreateWorkspaceDocument, ParseWorkflowDocument, type ParseWorkflowMutation } from '../gql/graphql.ts';
import { type AgentHandler, AgentReply, gate, startHttpAgent, type TestAgent, testAgentCard } from '../support/agents.ts';
import type { AgentCard } from '@a2a-js/sdk';
import { startTestApp, type TestApp } from '../support/app.ts';

type Parsed = Extract<ParseWorkflowMutation['parseWorkflow'], { __typename: 'ParsedWorkflow' }>;

const CARD_PATH = '/.well-known/agent-card.json';
const GEOCODE = 'Geocode the customer addresses and store the coordinates';

let t: TestApp;
const servers: TestAgent[] = [];
// Opened in afterAll, so the card server that never answers lets go of its requests.
const never = gate();

/** A v1.0 agent card publishing `skills`. */
function card(url: string, skills: Record<string, unknown>[]): unknown {
  // Skills as a test writes them (some without the fields the SDK's type requires): the parser must cope.
  const published = skills as unknown as AgentCard['skills'];
  return testAgentCard(url, { name: 'Card of a test agent', description: 'Served by a test', skills: published });
}

/** A loopback server answering its card path with `reply(url)` (404 elsewhere); it records every request. */
async function cardServer(reply: (url: string) => unknown): Promise<TestAgent> {
  let url = '';
  const handler: AgentHandler = (_body, call) => (call.path === CARD_PATH ? reply(url) : new AgentReply(404, { error: 'not here' }));
  const server = await startHttpAgent(handler);
  url = server.url;
  servers.push(server);
  return server;
}

const cardRequests = (server: TestAgent) => server.calls.filter((call) => call.path === CARD_PATH);

/** A fresh workspace, so each test's agents are the only ones its parses match against. */
async function workspace(slug: string): Promise<string> {
  const created = (await t.ok(CreateWorkspaceDocument, { input: { name: slug, slug } })).createWorkspace;
  if (created.__typename !== 'Workspace') throw new Error(`setup failed: ${JSON.stringify(created)}`);
  return slug;
}

async function createAgent(
  slug: string,
  input: { name: string; url: string; description: string; protocol: 'A2A' | 'HTTP'; authType?: 'BEARER'; authConfig?: unknown },
): Promise<void> {
  const created = (await t.ok(CreateAgentDocument, { input }, { workspaceSlug: slug })).createAgent;
  if (created.__typename !== 'Agent') throw new Error(`setup failed: ${JSON.stringify(created)}`);
}

async function parse(slug: string, instruction: string): Promise<Parsed> {
  const result = (await t.ok(ParseWorkflowDocument, { instruction, context: { availableTools: [] } }, { workspaceSlug: slug }))
    .parseWorkflow;
  if (result.__typename !== 'ParsedWorkflow') throw new Error(`expected a ParsedWorkflow, got ${JSON.stringify(result)}`);
  return result;
}

const cardNote = (name: string) =>
  new RegExp(`^the A2A card of agent "${name}" could not be read \\(.+\\); matched on its name and description only$`);

beforeAll(async () => {
  // A card deadline well under the default keeps the card that never answers from slowing the file.
  t = await startTestApp({ agentCards: { timeoutMs: 1_000 } });
});
afterAll(async () => {
  never.open();
  await Promise.all(servers.map((server) => server.close()));
  await t?.close();
});

describe('parseWorkflow with A2A agent cards', () => {
  it("chooses an A2A agent by its card's skill when its name and description say nothing about the task", async () => {
    const slug = await workspace('skills-geocode');
    const geocoder = await cardServer((url) =>
      card(url, [
        {
          id: 'geocode',
          name: 'Geocode addresses',
          description: 'Turns postal addresses into latitude/longitude',
          tags: ['geocoding', 'maps'],
          examples: ['Where is 10 Downing Street?'],
        },
      ]),
    );
    await createAgent(slug, {
      name: 'atlas',
      url: geocoder.url,
      description: 'Internal helper',
      protocol: 'A2A',
      authType: 'BEARER',
      authConfig: { token: 'card-token' },
    });

    const parsed = await parse(slug, GEOCODE);

    expect(cardRequests(geocoder)).toHaveLength(1);
    // The card is read with the agent's credentials, as the A2A caller reads it.
    expect(cardRequests(geocoder)[0]?.headers.authorization).toBe('Bearer card-token');
    expect(parsed.notes.filter((note) => note.includes('A2A card'))).toEqual([]);
    // Needs the matcher to score card skills (src/domain/parse/catalog.ts).
    expect(parsed.matches).toContainEqual(expect.objectContaining({ kind: 'AGENT', target: 'atlas' }));
  });

  it('parses with a note, matching on name and description, when a card answers 500, junk or never', async () => {
    const slug = await workspace('skills-unreadable');
    const failing = await cardServer(() => new AgentReply(500, { error: 'card store down' }));
    const junk = await cardServer(() => new AgentReply(200, '<html>not a card</html>'));
    const silent = await cardServer(() => never.wait);
    await createAgent(slug, {
      name: 'mapper',
      url: failing.url,
      description: 'Geocodes postal addresses into coordinates',
      protocol: 'A2A',
    });
    await createAgent(slug, { name: 'junk-card', url: junk.url, description: 'Internal helper', protocol: 'A2A' });
    await createAgent(slug, { name: 'silent-card', url: silent.url, description: 'Internal helper', protocol: 'A2A' });

    const parsed = await parse(slug, GEOCODE);

    for (const server of [failing, junk, silent]) expect(cardRequests(server)).toHaveLength(1);
    const notes = parsed.notes.filter((note) => note.includes('A2A card'));
    expect(notes).toHaveLength(3);
    expect(notes).toContainEqual(expect.stringMatching(cardNote('mapper')));
    expect(notes).toContainEqual(expect.stringMatching(cardNote('junk-card')));
    expect(notes).toContainEqual(expect.stringMatching(cardNote('silent-card')));
    expect(notes).toContain(
      'the A2A card of agent "mapper" could not be read (answered HTTP 500); matched on its name and description only',
    );
    expect(notes).toContain(
      'the A2A card of agent "junk-card" could not be read (it is not JSON); matched on its name and description only',
    );
    // Its description still matches.
    expect(parsed.matches).toContainEqual(expect.objectContaining({ kind: 'AGENT', target: 'mapper' }));
  });

  it('never asks an HTTP agent for a card', async () => {
    const slug = await workspace('skills-http');
    const http = await cardServer((url) => card(url, [{ id: 'x', name: 'Geocode addresses' }]));
    const a2a = await cardServer((url) => card(url, []));
    await createAgent(slug, { name: 'plain-http', url: http.url, description: 'Geocodes postal addresses', protocol: 'HTTP' });
    await createAgent(slug, { name: 'plain-a2a', url: a2a.url, description: 'Internal helper', protocol: 'A2A' });

    const parsed = await parse(slug, GEOCODE);

    expect(http.calls).toEqual([]);
    // The same parse did read the A2A agent's card, so cards were being read.
    expect(cardRequests(a2a)).toHaveLength(1);
    expect(parsed.notes.filter((note) => note.includes('A2A card'))).toEqual([]);
    expect(parsed.matches).toContainEqual(expect.objectContaining({ kind: 'AGENT', target: 'plain-http' }));
  });

  it('reads a (v0.3) card once for two parses in a row (cached per agent URL)', async () => {
    const slug = await workspace('skills-cache');
    // A v0.3 card, which the SDK's resolver translates.
    const server = await cardServer((url) => ({
      name: 'Old card',
      description: 'Served by a test',
      url,
      protocolVersion: '0.3.0',
      version: '1.0.0',
      capabilities: {},
      defaultInputModes: ['application/json'],
      defaultOutputModes: ['application/json'],
      skills: [{ id: 'geo', name: 'Geocode addresses', description: 'Addresses to coordinates', tags: ['geocoding'] }],
    }));
    await createAgent(slug, { name: 'cartographer', url: server.url, description: 'Internal helper', protocol: 'A2A' });

    const first = await parse(slug, GEOCODE);
    const second = await parse(slug, 'Geocode the supplier addresses, then store them');

    expect(cardRequests(server)).toHaveLength(1);
    expect(server.calls).toHaveLength(1);
    for (const parsed of [first, second]) expect(parsed.notes.filter((note) => note.includes('A2A card'))).toEqual([]);
  });
});
