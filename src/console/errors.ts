// Errors as the console shows them: urql's CombinedError (transport and GraphQL errors) and the
// typed error members of mutation results.

/** What the console reads of urql's CombinedError (the SDK hands it over as `error`). */
export interface ResultError {
  message: string;
  graphQLErrors: readonly { message: string; extensions?: Record<string, unknown> }[];
  networkError?: Error;
  response?: unknown;
}

/** Whether the server refused the request for want of a (valid) credential. */
export function isUnauthenticated(error: ResultError | null | undefined): boolean {
  if (!error) return false;
  if (error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return true;
  const status = (error.response as { status?: unknown } | undefined)?.status;
  return status === 401;
}

/** The message a person should read: the server's own words, without urql's "[GraphQL]" prefix. */
export function errorMessage(error: ResultError | Error | null | undefined): string {
  if (!error) return '';
  if ('graphQLErrors' in error) {
    if (error.graphQLErrors.length > 0) return error.graphQLErrors.map((e) => e.message).join('; ');
    if (error.networkError) return error.networkError.message;
  }
  return error.message.replace(/^\[(GraphQL|Network)\]\s*/, '');
}

/** A mutation's typed error member (ValidationError, InvalidStateError, ...), if the result is one. */
export function typedError(value: { __typename: string } | null | undefined): { code: string; message: string } | null {
  if (value && 'message' in value && 'code' in value && typeof value.message === 'string') {
    return { code: String(value.code), message: value.message };
  }
  return null;
}

/** Parses a JSON text area; a person's typo is a message, not an exception. */
export function parseJsonInput(text: string, what: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `${what} is not valid JSON: ${(error as Error).message}` };
  }
}
