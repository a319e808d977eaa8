import { builder } from '../builder.ts';

builder.queryType({ description: 'Reads. Every read is scoped to the workspace the request acts in.' });
