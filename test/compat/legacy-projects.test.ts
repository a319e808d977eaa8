// Seed 002 (/api/workflows): `project_id` on create, on update and in the list filter. The seed
// lists "400 – validation errors, invalid project/workspace scoping" among its common statuses.
// Flowdeck keeps no project registry, so a project id is checked for its form: a malformed one
// is a 400 in FastAPI's `{"detail": [...]}` shape naming `project_id`, and changes nothing; a
// well-formed one is the caller's label, kept as sent and filtered on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Body, RestClient } from '../support/rest.ts';
import { DOCUMENTED_CREATE, expectWorkflow, type LegacyApp, startLegacyApp } from './legacy-fixtures.ts';

let app: LegacyApp;
let rest: RestClient;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

beforeAll(async () => {
  app = await startLegacyApp();
  ({ rest } = app);
});
afterAll(async () => {
  await app?.close();
});

/** Project ids that are not one: empty, blank, too long, with control characters (C0, DEL, C1), or not strings. */
const MALFORMED: [string, unknown][] = [
  ['empty', ''],
  ['blank', '   '],
  ['over 255 characters', 'p'.repeat(256)],
  ['a NUL', 'proj\u0000docs'],
  ['a newline', 'proj\ndocs'],
  ['a DEL', 'proj\u007Fdocs'],
  ['a C1 control (NEL)', 'proj\u0085docs'],
  ['a number', 42],
  ['a boolean', true],
  ['an object', { id: 'proj-docs' }],
  ['a list', ['proj-docs']],
];

/** A FastAPI validation 400 whose only problem is `project_id` at `where`. */
function expectProjectRefused(response: { status: number; body: Body; text: string }, where: 'body' | 'query', what: string): void {
  expect(response.status, `${what}: ${response.text}`).toBe(400);
  const detail = response.body.detail as { loc: unknown[]; msg: string; type: string }[];
  expect(Array.isArray(detail), `${what}: detail is a list`).toBe(true);
  expect(
    detail.map((d) => d.loc),
    what,
  ).toEqual([[where, 'project_id']]);
  expect(detail[0]?.msg, what).toEqual(expect.any(String));
}

/** Every workflow name in the workspace. */
async function names(): Promise<string[]> {
  const listed = await rest.get('/api/workflows/?limit=100');
  expect(listed.status, listed.text).toBe(200);
  return listed.body.items.map((w: Body) => w.name);
}

describe('400 – validation errors, invalid project/workspace scoping: a malformed project_id', () => {
  it('POST /api/workflows/ answers 400 naming project_id and creates nothing', async () => {
    for (const [what, project_id] of MALFORMED) {
      const name = unique('malformed');
      expectProjectRefused(await rest.post('/api/workflows/', { ...DOCUMENTED_CREATE, name, project_id }), 'body', what);
      expect(await names(), what).not.toContain(name);
    }
  });

  it('POST /api/workflows/validate refuses it the same way (the body is a WorkflowCreate)', async () => {
    expectProjectRefused(await rest.post('/api/workflows/validate', { ...DOCUMENTED_CREATE, project_id: '' }), 'body', 'empty');
    expectProjectRefused(await rest.post('/api/workflows/validate', { ...DOCUMENTED_CREATE, project_id: 7 }), 'body', 'a number');
  });

  it('GET /api/workflows/?project_id=... answers 400 naming project_id', async () => {
    const malformed: [string, string][] = [
      ['empty', ''],
      ['blank', '%20%20'],
      ['over 255 characters', 'p'.repeat(256)],
      ['a NUL', 'proj%00docs'],
      ['a tab', 'proj%09docs'],
    ];
    for (const [what, value] of malformed) {
      expectProjectRefused(await rest.get(`/api/workflows/?skip=0&limit=10&project_id=${value}&is_active=true`), 'query', what);
    }
  });

  it('PATCH /api/workflows/{workflow_id} answers 400 naming project_id and changes nothing', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('kept'), project_id: 'proj-kept' });
    for (const [what, project_id] of MALFORMED) {
      expectProjectRefused(await rest.patch(`/api/workflows/${wf.id}`, { project_id, description: 'changed' }), 'body', what);
    }
    const after = await rest.get(`/api/workflows/${wf.id}`);
    expect(after.body).toMatchObject({ project_id: 'proj-kept', description: 'A simple 3-step workflow', updated_at: wf.updated_at });
  });
});

describe('"project_id": "<optional project id>": a well-formed one is kept as sent', () => {
  it('accepts any well-formed id (UUID, slug, words, other scripts), null or none', async () => {
    for (const project_id of [
      '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      'proj-docs',
      'Marketing Q3',
      'projet-été-北京',
      ' padded ',
      'p'.repeat(255),
    ]) {
      const created = await app.create({ ...DOCUMENTED_CREATE, name: unique('labelled'), project_id });
      expectWorkflow(created);
      expect(created.project_id).toBe(project_id);
      const listed = await rest.get(`/api/workflows/?project_id=${encodeURIComponent(project_id)}`);
      expect(listed.status, listed.text).toBe(200);
      expect(listed.body.items.map((w: Body) => w.id)).toEqual([created.id]);
    }
    const none = await app.create({ ...DOCUMENTED_CREATE, name: unique('no-project'), project_id: null });
    expect(none.project_id).toBeNull();
    const { project_id: _omitted, ...withoutProject } = DOCUMENTED_CREATE;
    expect((await app.create({ ...withoutProject, name: unique('no-project') })).project_id).toBeNull();
  });

  it('a well-formed project no workflow carries is not refused: the filter lists nothing (there is no project registry to consult)', async () => {
    const listed = await rest.get('/api/workflows/?skip=0&limit=10&project_id=never-used-project&is_active=true');
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual({ items: [], total: 0, skip: 0, limit: 10 });
  });

  it('PATCH moves a workflow to another project (null: to none); the list filter follows', async () => {
    const wf = await app.create({ ...DOCUMENTED_CREATE, name: unique('moving'), project_id: 'proj-from' });
    const moved = await rest.patch(`/api/workflows/${wf.id}`, { project_id: 'proj-to' });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.project_id).toBe('proj-to');
    expect((await rest.get('/api/workflows/?project_id=proj-from')).body.total).toBe(0);
    expect((await rest.get('/api/workflows/?project_id=proj-to')).body.items.map((w: Body) => w.id)).toEqual([wf.id]);
    const untouched = await rest.patch(`/api/workflows/${wf.id}`, { description: 'still in proj-to' });
    expect(untouched.body.project_id).toBe('proj-to');
    const cleared = await rest.patch(`/api/workflows/${wf.id}`, { project_id: null });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.project_id).toBeNull();
  });
});
