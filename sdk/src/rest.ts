// The `@flowdeck/sdk/rest` entry point: a typed client for the REST compatibility layer and the
// types generated from /openapi.json. Separate from the package root so REST-only callers do
// not load React, urql or graphql.
export type { paths, components, operations } from './rest/openapi.js';
export { createFlowdeckRestClient, type FlowdeckRestClient, type FlowdeckRestClientOptions } from './rest/client.js';
