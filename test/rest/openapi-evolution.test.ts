// The REST API only grows: the OpenAPI document the routes build is compared with the document
// of the last release (codegen/openapi-baseline.json) by test/support/openapi-diff.ts, and every
// breaking change must be listed, with its reason, in codegen/openapi-breaks.json. A listed break
// that no longer happens fails too, so the list stays true. The checker itself is tested on small
// hand-made documents: each kind of break is found, in the right direction, and additive changes
// are not.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { restOpenApi } from '../../src/rest/app.ts';
import { type BreakKind, type OpenApiBreak, openApiBreaks } from '../support/openapi-diff.ts';

type Json = Record<string, unknown>;

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Intentional {
  kind: string;
  at: string;
  reason: string;
}

const baseline = JSON.parse(read('codegen/openapi-baseline.json')) as Json;
const intentional = (JSON.parse(read('codegen/openapi-breaks.json')) as { intentional: Intentional[] }).intentional;
const current = () => JSON.parse(JSON.stringify(restOpenApi())) as Json;

const listed = (change: OpenApiBreak) => intentional.some((entry) => entry.kind === change.kind && entry.at === change.at);

describe('REST API evolution', () => {
  it('makes no breaking change since the last release that codegen/openapi-breaks.json does not list', () => {
    expect(openApiBreaks(baseline, current()).filter((change) => !listed(change))).toEqual([]);
  });

  it('lists only breaks that happen, each with a reason', () => {
    const happening = openApiBreaks(baseline, current());
    for (const entry of intentional) {
      expect(entry.reason.trim().length, `${entry.kind} ${entry.at}: give a reason`).toBeGreaterThan(0);
      expect(
        happening.some((change) => change.kind === entry.kind && change.at === entry.at),
        `${entry.kind} ${entry.at} is listed but no longer happens`,
      ).toBe(true);
    }
  });

  it('would catch a removed response property, a new required parameter and a new response enum value in the real document', () => {
    const broken = current() as {
      paths: Record<string, Record<string, { parameters: unknown[] }>>;
      components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
    };
    delete broken.components.schemas.Agent?.properties.url;
    broken.components.schemas.Agent?.properties.status?.enum?.push('archived');
    broken.paths['/api/v1/agents']?.get?.parameters.push({ name: 'needed', in: 'query', required: true, schema: { type: 'string' } });
    const found = openApiBreaks(current(), broken as unknown as Json).map(({ kind, at }) => `${kind} ${at}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'response-property-removed Agent.url',
        'response-enum-value-added Agent.status = "archived"',
        'request-parameter-required GET /api/v1/agents query needed',
      ]),
    );
  });
});

/** A small document: a list, a create and a read of things, with a shared response schema. */
function things(): Json {
  const json = (schema: Json) => ({ 'application/json': { schema } });
  const thing = { $ref: '#/components/schemas/Thing' };
  return {
    openapi: '3.1.0',
    info: { title: 'things', version: '1' },
    paths: {
      '/things': {
        get: {
          operationId: 'listThings',
          parameters: [{ name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['on', 'off'] } }],
          responses: { '200': { description: 'Things.', content: json({ type: 'array', items: thing }) } },
        },
        post: {
          operationId: 'createThing',
          requestBody: { content: json({ $ref: '#/components/schemas/ThingCreate' }) },
          responses: { '201': { description: 'Created.', content: json(thing) } },
        },
      },
      '/things/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { operationId: 'getThing', responses: { '200': { description: 'A thing.', content: json(thing) } } },
        delete: { operationId: 'deleteThing', responses: { '204': { description: 'Deleted.' } } },
      },
    },
    components: {
      schemas: {
        Thing: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            size: { type: 'integer' },
            kind: { type: 'string', enum: ['a', 'b'] },
            note: { type: ['string', 'null'] },
            owner: { anyOf: [{ $ref: '#/components/schemas/Owner' }, { type: 'null' }] },
          },
          required: ['id', 'name', 'kind'],
        },
        Owner: { type: 'object', properties: { login: { type: 'string' } }, required: ['login'] },
        ThingCreate: {
          type: 'object',
          properties: {
            name: { type: 'string', maxLength: 50 },
            kind: { type: 'string', enum: ['a', 'b'] },
            note: { type: ['string', 'null'] },
            size: { type: 'number' },
          },
          required: ['name'],
        },
      },
    },
  };
}

// Paths into things(): what each change edits.
type Doc = {
  paths: Record<string, Json & Record<string, Json & { parameters?: Json[]; operationId?: string }>>;
  components: { schemas: Record<string, Json & { properties: Record<string, Json>; required: string[] }> };
};
const schema = (doc: Doc, name: string) => doc.components.schemas[name] as Doc['components']['schemas'][string];
const property = (doc: Doc, name: string, prop: string) => schema(doc, name).properties[prop] as Json;

/** `before` changed by `change`. */
function changed(change: (doc: Doc) => void, before: Json = things()): Json {
  const doc = structuredClone(before);
  change(doc as unknown as Doc);
  return doc;
}

describe('the OpenAPI breaking-change checker', () => {
  const breaking: [string, (doc: Doc) => void, BreakKind, string][] = [
    ['a removed path', (d) => delete d.paths['/things/{id}'], 'path-removed', '/things/{id}'],
    ['a removed operation', (d) => delete d.paths['/things/{id}']?.delete, 'operation-removed', 'DELETE /things/{id}'],
    ['a renamed operationId', (d) => void (d.paths['/things']!.get!.operationId = 'things'), 'operation-id-changed', 'GET /things'],
    ['a dropped operationId', (d) => delete d.paths['/things']!.get!.operationId, 'operation-id-removed', 'GET /things'],
    [
      'a removed parameter',
      (d) => void (d.paths['/things']!.get!.parameters = []),
      'request-parameter-removed',
      'GET /things query status',
    ],
    [
      'a new required parameter',
      (d) => d.paths['/things']!.get!.parameters!.push({ name: 'owner', in: 'query', required: true, schema: { type: 'string' } }),
      'request-parameter-required',
      'GET /things query owner',
    ],
    [
      'a request body that became required',
      (d) => void ((d.paths['/things']!.post!.requestBody as Json).required = true),
      'request-body-required',
      'POST /things',
    ],
    [
      'a request property that became required',
      (d) => schema(d, 'ThingCreate').required.push('kind'),
      'request-property-required',
      'ThingCreate.kind',
    ],
    [
      'an enum value a request may no longer send',
      (d) => void (property(d, 'ThingCreate', 'kind').enum = ['a']),
      'request-enum-value-removed',
      'ThingCreate.kind = "b"',
    ],
    [
      'a request property that no longer accepts null',
      (d) => void (property(d, 'ThingCreate', 'note').type = 'string'),
      'request-type-narrowed',
      'ThingCreate.note (null)',
    ],
    [
      'a request number that became an integer',
      (d) => void (property(d, 'ThingCreate', 'size').type = 'integer'),
      'request-type-narrowed',
      'ThingCreate.size (number)',
    ],
    [
      'a lower maximum length on a request string',
      (d) => void (property(d, 'ThingCreate', 'name').maxLength = 20),
      'request-range-narrowed',
      'ThingCreate.name maxLength',
    ],
    ['a removed response property', (d) => delete schema(d, 'Thing').properties.size, 'response-property-removed', 'Thing.size'],
    [
      'a response property that became optional',
      (d) => void (schema(d, 'Thing').required = ['id', 'kind']),
      'response-property-optional',
      'Thing.name',
    ],
    [
      'a property removed from a component reached through anyOf',
      (d) => delete schema(d, 'Owner').properties.login,
      'response-property-removed',
      'Owner.login',
    ],
    [
      'an enum value a response may now hold',
      (d) => void (property(d, 'Thing', 'kind').enum = ['a', 'b', 'c']),
      'response-enum-value-added',
      'Thing.kind = "c"',
    ],
    [
      'a response property that may now be null',
      (d) => void (property(d, 'Thing', 'name').type = ['string', 'null']),
      'response-type-widened',
      'Thing.name (null)',
    ],
  ];

  it.each(breaking)('finds %s (once, however many operations share the schema)', (_name, change, kind, at) => {
    expect(openApiBreaks(things(), changed(change)).map((found) => ({ kind: found.kind, at: found.at }))).toEqual([{ kind, at }]);
  });

  const additive: [string, (doc: Doc) => void][] = [
    ['a new path and a new operation', (d) => void (d.paths['/other'] = { get: { responses: { '200': { description: 'Ok.' } } } })],
    [
      'a new optional parameter',
      (d) => d.paths['/things']!.get!.parameters!.push({ name: 'q', in: 'query', required: false, schema: { type: 'string' } }),
    ],
    ['a new optional request property', (d) => void (schema(d, 'ThingCreate').properties.color = { type: 'string' })],
    ['a request property that became optional', (d) => void (schema(d, 'ThingCreate').required = [])],
    ['an enum value a request may now send', (d) => void (property(d, 'ThingCreate', 'kind').enum = ['a', 'b', 'c'])],
    ['a request property that now accepts null', (d) => void (property(d, 'ThingCreate', 'name').type = ['string', 'null'])],
    ['a higher maximum length on a request string', (d) => void (property(d, 'ThingCreate', 'name').maxLength = 100)],
    ['a new response property', (d) => void (schema(d, 'Thing').properties.color = { type: 'string' })],
    ['a response property that became required', (d) => schema(d, 'Thing').required.push('size')],
    ['an enum value a response no longer holds', (d) => void (property(d, 'Thing', 'kind').enum = ['a'])],
    ['a response property that is no longer nullable', (d) => void (property(d, 'Thing', 'note').type = 'string')],
    [
      'a component inlined where it was referred to',
      (d) => {
        const inline = structuredClone(schema(d, 'Thing'));
        (d.paths['/things/{id}']!.get!.responses as Json)['200'] = {
          description: 'A thing.',
          content: { 'application/json': { schema: inline } },
        };
      },
    ],
  ];

  it.each(additive)('passes %s', (_name, change) => {
    expect(openApiBreaks(things(), changed(change))).toEqual([]);
  });

  it('passes operationIds given to operations that had none (the baseline of issue 16 had none)', () => {
    const before = changed((d) => {
      delete d.paths['/things']!.get!.operationId;
      delete d.paths['/things']!.post!.operationId;
    });
    expect(openApiBreaks(before, things())).toEqual([]);
  });

  it('matches a path whose parameter was renamed, and reports the renamed parameter rather than a removed path', () => {
    const renamed = changed((d) => {
      const item = d.paths['/things/{id}'] as Json;
      item.parameters = [{ name: 'thing_id', in: 'path', required: true, schema: { type: 'string' } }];
      d.paths['/things/{thing_id}'] = item as Doc['paths'][string];
      delete d.paths['/things/{id}'];
    });
    expect(openApiBreaks(things(), renamed).map(({ kind, at }) => `${kind} ${at}`)).toEqual([
      'request-parameter-removed DELETE /things/{id} path id',
      'request-parameter-removed GET /things/{id} path id',
      'request-parameter-required DELETE /things/{id} path thing_id',
      'request-parameter-required GET /things/{id} path thing_id',
    ]);
  });
});
