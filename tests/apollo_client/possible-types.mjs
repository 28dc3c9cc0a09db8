#!/usr/bin/env node
// Apollo Client's `possibleTypes` from schema.graphql: every interface and union with the
// object types that can stand for it. InMemoryCache needs it to match `... on Error` (or
// `... on Node`) against a concrete __typename such as ValidationError.
//
//   node tests/apollo_client/possible-types.mjs [schema.graphql] > possibleTypes.json
//
// pagination.mjs imports it and derives the map from the committed schema.graphql at start,
// as an app's build step would, so there is no second generated file to keep in sync.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, isAbstractType } from 'graphql';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

export function possibleTypes(sdl) {
  const schema = buildSchema(sdl);
  const map = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (isAbstractType(type) && !type.name.startsWith('__')) {
      map[type.name] = schema.getPossibleTypes(type).map((member) => member.name).sort();
    }
  }
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? SCHEMA_FILE;
  console.log(JSON.stringify(possibleTypes(readFileSync(file, 'utf8')), null, 2));
}
