// Document transform for the SDK's documents (codegen.yml): client-preset's, which selects
// __typename in every selection set. The persisted-operation manifest is printed from the
// transformed documents, so what the server runs for a hash carries every __typename urql's
// normalized cache (Graphcache) needs: a client that sends only the hash cannot add them itself.
// graphql-codegen loads a transform named by path as a module exporting `transform`.
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

export const transform = addTypenameSelectionDocumentTransform.transform;
