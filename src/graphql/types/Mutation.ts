import { builder } from '../builder.ts';

builder.mutationType({
  description: 'Writes. Expected failures come back as typed results (NotFoundError, ValidationError, ConflictError).',
});
