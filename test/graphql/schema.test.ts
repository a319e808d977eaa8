import { readFileSync } from 'node:fs';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { printSdl } from '../../src/graphql/sdl.ts';
import { testProvider } from '../support/database.ts';

const root = new URL('../../', import.meta.url);

// The schema and codegen never touch a database: CI's SQLite pass proves them, the PostgreSQL pass skips them.
describe.skipIf(testProvider === 'postgres')('schema-first SDK pipeline', () => {
  it('codegen/schema.graphql is exactly the built schema (run `npm run codegen` after changing types)', () => {
    expect(readFileSync(new URL('codegen/schema.graphql', root), 'utf8')).toBe(printSdl());
  });

  it('the committed generated code (sdk/src/gql, sdk/src/hooks.ts, sdk/src/introspection.ts, test/gql) is what codegen makes of the committed schema and operations', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: new URL('codegen.yml', root).pathname });
    const outputs = await generate({ ...config, cwd: root.pathname, silent: true }, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const committed = readFileSync(new URL(output.filename, root), 'utf8');
      expect(committed, `${output.filename} is stale: run npm run codegen`).toBe(output.content);
    }
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
      if (isUnionType(type) && !type.description) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });
});
