// The schema only grows: the built schema is compared with the schema of the last release
// (codegen/schema-baseline.graphql) by graphql-js's findBreakingChanges, and every breaking
// change must be listed, with its reason, in codegen/schema-breaks.json. A listed break that no
// longer happens fails too, so the list stays true. Deprecating a field is not a break.
import { readFileSync } from 'node:fs';
import { type BreakingChange, buildSchema, findBreakingChanges, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSdl } from '../../src/graphql/sdl.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Intentional {
  type: string;
  description: string;
  reason: string;
}

const baseline = buildSchema(read('codegen/schema-baseline.graphql'));
const intentional = (JSON.parse(read('codegen/schema-breaks.json')) as { intentional: Intentional[] }).intentional;

/** The breaking changes from the baseline to `schema` that the changelog does not list. */
function unlisted(schema: GraphQLSchema): BreakingChange[] {
  return findBreakingChanges(baseline, schema).filter(
    (change) => !intentional.some((entry) => entry.type === String(change.type) && entry.description === change.description),
  );
}

describe('schema evolution', () => {
  it('makes no breaking change since the last release that codegen/schema-breaks.json does not list', () => {
    expect(unlisted(buildSchema(printSdl()))).toEqual([]);
  });

  it('lists only breaks that happen, each with a reason', () => {
    const happening = findBreakingChanges(baseline, buildSchema(printSdl()));
    for (const entry of intentional) {
      expect(entry.reason.trim().length, `${entry.description}: give a reason`).toBeGreaterThan(0);
      expect(
        happening.some((change) => String(change.type) === entry.type && change.description === entry.description),
        `${entry.description} is listed but no longer happens`,
      ).toBe(true);
    }
  });

  it('would catch a removed field, a narrowed argument and a removed enum value', () => {
    const sdl = printSdl();
    const broken = sdl
      .replace('  """Why it was cancelled."""\n  cancelReason: String\n', '')
      .replace('  runs(\n', '  runs(\n    needed: Int!\n')
      .replace(/ {2}"""Cancelled by a caller[^\n]*"""\n {2}CANCELLED\n/, '');
    expect(broken).not.toBe(sdl);
    const types = unlisted(buildSchema(broken)).map((change) => String(change.type));
    expect(types).toEqual(expect.arrayContaining(['FIELD_REMOVED', 'REQUIRED_ARG_ADDED', 'VALUE_REMOVED_FROM_ENUM']));
  });
});
