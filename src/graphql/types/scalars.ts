import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { builder } from '../builder.ts';

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An instant in time, as an ISO-8601 string with a timezone (UTC on output).',
});
builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value: object, array, string, number, boolean or null.',
});
