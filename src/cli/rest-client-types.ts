// The TypeScript types of @flowdeck/sdk/rest, generated from an OpenAPI document by
// openapi-typescript's Node API. Shared by `npm run openapi` (which writes them to
// sdk/src/rest/openapi.ts) and test/rest/rest-client.test.ts (which regenerates them from the
// served /openapi.json and requires the committed file to be equal).
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

/** Where the generated types live, relative to the repository root. */
export const REST_CLIENT_TYPES_PATH = 'sdk/src/rest/openapi.ts';

/**
 * The generated module's text for `document`. Deterministic: the same document gives the same
 * text (the generator walks the document in its own key order and adds no date or version).
 */
export async function restClientTypes(document: object): Promise<string> {
  // defaultNonNullable off: a property is required where the document says so, not also where
  // it has a default (openapi-typescript's default would make AgentCreate demand timeout_ms).
  const ast = await openapiTS(document as OpenAPI3, { silent: true, defaultNonNullable: false });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}
