// The package root of @flowdeck/sdk: everything an app imports comes from here.
// Typed documents (<Name>Document) and their result and variable types, one per operation in
// sdk/operations; fragment helpers for components that own a fragment (masking is on).
export * from './gql/graphql.js';
export { getFragmentData, isFragmentReady, makeFragmentData, type FragmentType } from './gql/fragment-masking.js';
// One urql hook per operation: use<Name>Query, use<Name>Mutation, use<Name>Subscription.
export * from './hooks.js';
// The client, the live-run hooks, and a plain typed request function for scripts and servers.
export * from './client.js';
export * from './run-stream.js';
export * from './live-runs.js';
export * from './request.js';
export { Provider as FlowdeckProvider } from 'urql';
