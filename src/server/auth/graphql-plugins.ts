import { type ExecutionResult, getOperationAST, GraphQLError, Kind, OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { hasRole } from '../../domain/principal.ts';
import type { Context } from '../context.ts';

/** Mutations that only compute an answer from their arguments, which a viewer may call. */
const READ_ONLY_MUTATIONS: ReadonlySet<string> = new Set(['parseWorkflow', 'validateWorkflow']);

/**
 * Refuses every mutation that changes something to a viewer, before it runs. Checked on the
 * operation's root fields, so a mutation added later is protected without anyone remembering
 * to protect it; finer rules (admin-only keys and workspaces) live in the domain services.
 */
export function useViewerReadOnly(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      if (hasRole(context.principal.role, 'editor')) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== OperationTypeNode.MUTATION) return;
      const writes = operation.selectionSet.selections.some(
        (selection) => selection.kind !== Kind.FIELD || !READ_ONLY_MUTATIONS.has(selection.name.value),
      );
      if (!writes) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`Your role (${context.principal.role}) may not change anything; it needs the editor role`, {
            extensions: { code: 'FORBIDDEN' },
          }),
        ],
      });
    },
  };
}

/**
 * Ends a subscription with an UNAUTHENTICATED error when the credential it was opened with
 * expires: a token is checked once, at subscribe time, and must not keep a stream open after.
 */
export function useCredentialExpiry(): Plugin<Context> {
  return {
    onSubscribe({ args }) {
      const expiresAt = (args.contextValue as Context).identity?.expiresAt;
      if (!expiresAt) return undefined;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          setResult(untilExpiry(result, expiresAt));
        },
      };
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Passes results through until `expiresAt`, then yields one error and ends (closing the source). */
async function* untilExpiry(source: AsyncIterable<ExecutionResult>, expiresAt: Date): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const remaining = Math.max(0, expiresAt.getTime() - Date.now());
  const expired = new Promise<'expired'>((resolve) => {
    // setTimeout cannot wait past about 24.8 days; a credential living longer is not timed.
    if (remaining < 2 ** 31 - 1) timer = setTimeout(() => resolve('expired'), remaining);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next === 'expired') {
        yield {
          errors: [
            new GraphQLError('Your credentials expired; subscribe again with a fresh token', { extensions: { code: 'UNAUTHENTICATED' } }),
          ],
        };
        return;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    await iterator.return?.();
  }
}
