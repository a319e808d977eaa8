import { builder } from '../builder.ts';

builder.subscriptionType({
  description:
    'Live views of the run event log, over graphql-ws (WebSocket) or Server-Sent Events at /graphql. Streams are scoped to the workspace, like queries.',
});
