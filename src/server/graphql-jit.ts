// Query and mutation execution compiled by graphql-jit (through @envelop/graphql-jit), with the
// behaviour callers see kept the same as graphql-js's: variables are coerced by graphql-js first
// (an operation whose variables do not coerce runs through graphql-js, so its errors read the
// same), and the errors jit returns are turned back into graphql-js GraphQLErrors, which the
// request-id and masking hooks recognise. Subscriptions run through graphql-js as before.
// A page of 50 runs resolves some 300 fields; compiled, that costs about half as much (B1).
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Plugin } from 'graphql-yoga';
import {
  type DocumentNode,
  type ExecutionResult,
  getNamedType,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  isScalarType,
  Kind,
  OperationTypeNode,
  type Source,
  TypeInfo,
  type ValueNode,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';

/** What a jit error carries (its own GraphQLError class, not graphql-js's). */
interface JitError {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  originalError?: Error | null;
  extensions?: Record<string, unknown>;
}

/**
 * A graphql-js GraphQLError with the jit error's message, path, cause and extensions, and its
 * locations as positions in `source` (graphql-js derives locations from those, and later
 * steps that rebuild an error keep source and positions, not locations).
 */
function asGraphqlError(error: JitError, source: Source | undefined): GraphQLError {
  const lines = source?.body.split('\n') ?? [];
  const offset = (line: number, column: number) => lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1;
  const positions = source && error.locations?.length ? error.locations.map((l) => offset(l.line, l.column)) : undefined;
  return new GraphQLError(error.message, {
    ...(positions ? { source, positions } : {}),
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
}

/**
 * Whether jit built this error: its errors pass `instanceof GraphQLError` but are frozen (a
 * read-only message), unlike graphql-js's, which later hooks may adjust (src/server/graphql-limits.ts).
 */
const jitMade = (error: GraphQLError): boolean => Object.getOwnPropertyDescriptor(error, 'message')?.writable === false;

function normalizeErrors(): Plugin {
  return {
    onExecute({ args }) {
      const source = args.document.loc?.source;
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          const single = result as ExecutionResult;
          if (!single.errors?.some(jitMade)) return;
          setResult({ ...single, errors: single.errors.map((e) => (jitMade(e) ? asGraphqlError(e as unknown as JitError, source) : e)) });
        },
      };
    },
  };
}

/** Documents already looked at by {@link jitCanParse} (yoga's parser cache hands out the same object per text). */
const parsable = new WeakMap<DocumentNode, boolean>();

/**
 * Whether jit reads every literal of `document` as graphql-js does. It parses a literal of a
 * scalar whose parser takes variables (JSON: `input: { name: $name }`) without them, losing the
 * variables (and logs a complaint for every such literal); those documents run through graphql-js.
 */
function jitCanParse(schema: GraphQLSchema, document: DocumentNode): boolean {
  const known = parsable.get(document);
  if (known !== undefined) return known;
  let ok = true;
  const typeInfo = new TypeInfo(schema);
  const check = (node: ValueNode) => {
    const type = typeInfo.getInputType();
    const named = type ? getNamedType(type) : null;
    if (node.kind !== Kind.VARIABLE && isScalarType(named) && named.parseLiteral.length > 1) ok = false;
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: (node) => check(node.value),
      ObjectField: (node) => check(node.value),
    }),
  );
  parsable.set(document, ok);
  return ok;
}

/**
 * The plugins, in order: the error normaliser must come before every plugin that looks at
 * execution errors (request ids, metrics, masking), so it goes first in the list.
 */
export function jitExecution(): { first: Plugin; execute: Plugin } {
  return {
    first: normalizeErrors(),
    // The envelop plugin is typed for a bare context; yoga's adds to it and the plugin reads none of it.
    execute: useGraphQlJit(
      {},
      {
        enableIf: (args) => {
          const operation = getOperationAST(args.document, args.operationName);
          if (!operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return false;
          if (!jitCanParse(args.schema, args.document)) return false;
          const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
          return coerced.errors === undefined;
        },
      },
    ) as Plugin,
  };
}
