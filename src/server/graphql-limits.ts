import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { type ExecutionResult, GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { Config, GraphqlLimits } from './config.ts';
import { costLimitPlugin } from './graphql-cost.ts';

/**
 * A refusal for a document over one of the limits: HTTP 400 whatever the client accepts (a
 * refused request, where a plain validation error would be a 200 under `application/json`),
 * and a code naming the limit. Thrown, not reported, so nothing after it (validation of a
 * huge document, execution) runs.
 */
export function limitError(code: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status: 400 } } });
}

/** Counts from graphql-armor's own (English) rejection message, e.g. "…, found 41." */
function foundIn(error: GraphQLError): number | undefined {
  const found = /found (\d+)/.exec(error.message)?.[1];
  return found === undefined ? undefined : Number(found);
}

/** graphql-armor's reject callback, replaced by a thrown error of ours (armor's own has no code). */
function refuse(code: string, what: string, variable: string, limit: number) {
  return [
    (_context: unknown, error: GraphQLError) => {
      const found = foundIn(error);
      throw limitError(code, `${what}${found === undefined ? '' : ` ${found}`} exceeds the limit of ${limit} (${variable})`, {
        limit,
        ...(found === undefined ? {} : { found }),
      });
    },
  ];
}

/**
 * Refuses a document with more than `maxTokens` lexical tokens before it is parsed (comments do
 * not count). Done here rather than with graphql-armor's max-tokens parser because a thrown
 * error from inside parsing is decorated by yoga as a syntax error, answered 200 under
 * `application/json`; this hook throws before parsing, so the refusal is a 400 like the others.
 * Lexing stops at the limit, so a huge document costs no more than a small one.
 */
export function maxTokensPlugin(maxTokens: number): Plugin {
  return {
    onParse({ params: { source } }) {
      const lexer = new Lexer(typeof source === 'string' ? new Source(source) : source);
      let tokens = 0;
      try {
        while (lexer.advance().kind !== TokenKind.EOF) {
          if (++tokens > maxTokens) {
            throw limitError('MAX_TOKENS_EXCEEDED', `Document has more than ${maxTokens} tokens, the limit (GRAPHQL_MAX_TOKENS)`, {
              limit: maxTokens,
            });
          }
        }
      } catch (error) {
        // A lexical error is the parser's to report, with its location.
        if (error instanceof GraphQLError && error.extensions.code === 'MAX_TOKENS_EXCEEDED') throw error;
      }
    },
  };
}

/** "Did you mean …?" in graphql-js messages (fields, arguments, types, enum values, input fields). */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestions(error: unknown): void {
  if (error instanceof GraphQLError) error.message = error.message.replace(SUGGESTION, '');
}

/**
 * Removes graphql-js's "Did you mean …?" hints from validation errors and from execution
 * errors (bad variables), so a production schema cannot be mapped by guessing names. The
 * messages are edited because neither switch is whole: graphql-armor's block-field-suggestions
 * edits validation messages only and misses enum-value hints, and yoga's executor does not pass
 * graphql-js's `hideSuggestions` on when it coerces input objects in variables.
 */
export function hideSuggestionsPlugin(): Plugin {
  const clean = ({ result }: { result: ExecutionResult }) => {
    for (const error of result.errors ?? []) withoutSuggestions(error);
  };
  return {
    onValidate() {
      return ({ result }) => {
        for (const error of result) withoutSuggestions(error);
      };
    },
    onExecute() {
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, clean) };
    },
    onSubscribe() {
      return { onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, clean) };
    },
  };
}

/**
 * The per-document limits of GRAPHQL_MAX_* (see README "Limits"), checked before anything
 * runs, for every transport that goes through yoga's envelop (HTTP, graphql-ws, graphql-sse):
 * tokens (before parsing), aliases, depth and directives (graphql-armor validation rules),
 * estimated cost (src/server/graphql-cost.ts, after validation, with the request's variables).
 * Field suggestions are removed in production. Introspection stays possible: depth ignores it
 * (graphql-js limits nested introspection itself) and it costs nothing.
 */
export function graphqlLimitPlugins(config: Pick<Config, 'env'> & { graphqlLimits: GraphqlLimits }): Plugin[] {
  const limits = config.graphqlLimits;
  const plugins: Plugin[] = [
    maxTokensPlugin(limits.maxTokens),
    EnvelopArmorPlugin({
      maxAliases: {
        n: limits.maxAliases,
        onReject: refuse('MAX_ALIASES_EXCEEDED', 'Alias count', 'GRAPHQL_MAX_ALIASES', limits.maxAliases),
      },
      maxDepth: {
        n: limits.maxDepth,
        // Depth counts fields: fragments (named or inline) add no level of their own.
        flattenFragments: true,
        ignoreIntrospection: true,
        onReject: refuse('MAX_DEPTH_EXCEEDED', 'Query depth', 'GRAPHQL_MAX_DEPTH', limits.maxDepth),
      },
      maxDirectives: {
        n: limits.maxDirectives,
        onReject: refuse('MAX_DIRECTIVES_EXCEEDED', 'Directive count', 'GRAPHQL_MAX_DIRECTIVES', limits.maxDirectives),
      },
      // Ours multiplies by page sizes given in variables too (armor's reads literals only).
      costLimit: { enabled: false },
      maxTokens: { enabled: false },
      blockFieldSuggestion: { enabled: false },
    }),
    costLimitPlugin(limits.maxCost),
  ];
  if (config.env === 'production') plugins.push(hideSuggestionsPlugin());
  return plugins;
}
