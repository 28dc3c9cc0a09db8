#!/usr/bin/env node
// Apollo Client's cache as an app would set it up, against a running server, for
// tests/test_apollo_cache.py:
//
//   node tests/apollo_client/pagination.mjs <url of /graphql> <spec as JSON>
//
// The spec gives an access token, the lists to walk (field, variables, the cursor to open at,
// a page size) and the mutation calls to make. Each list is opened in the middle (`after`
// a cursor), read forwards with fetchMore(first/after) to its end, then backwards with
// fetchMore(last/before) to its start; `relayStylePagination()` merges every page into one
// cached list, which is reported as the cache holds it. The mutations answer unions read
// through `... on Error`, which InMemoryCache can only match with `possibleTypes` (derived
// from schema.graphql by possible-types.mjs); each is also run on a cache without them, to
// show what they change. Prints one JSON line; exits 1 when a step threw.

import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { parse } from 'graphql';
import { SCHEMA_FILE, possibleTypes } from './possible-types.mjs';

const [url, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const MAX_FETCHES = 50;

const PAGE = `
  edges { cursor node { __typename id ...Row } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
`;
const DOCUMENTS = {
  devices: parse(`
    query DeviceList($companyId: ID, $status: DeviceStatus,
                     $first: Int, $after: String, $last: Int, $before: String) {
      devices(companyId: $companyId, status: $status,
              first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
    }
    fragment Row on Device { serialNumber name status }
  `),
  ledgerEntries: parse(`
    query Ledger($companyId: ID!, $kinds: [EntryKind!],
                 $first: Int, $after: String, $last: Int, $before: String) {
      ledgerEntries(companyId: $companyId, kinds: $kinds,
                    first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
    }
    fragment Row on LedgerEntry { kind amount balanceAfter }
  `),
};
const RESULT = `
  __typename
  ... on DevicePayload { device { id name } }
  ...ErrorFields
  ... on ValidationError { maximum }
`;
const ERROR_FIELDS = 'fragment ErrorFields on Error { code field message }';
const RENAME = parse(`
  mutation DeviceRename($input: DeviceRenameInput!) { deviceRename(input: $input) { ${RESULT} } }
  ${ERROR_FIELDS}
`);
// The same selection read back from the cache's ROOT_MUTATION object.
const RENAME_RESULT = parse(`
  fragment Renamed on Mutation { deviceRename(input: $input) { ${RESULT} } }
  ${ERROR_FIELDS}
`);

const client = (types) =>
  new ApolloClient({
    cache: new InMemoryCache({
      possibleTypes: types,
      typePolicies: {
        Query: {
          fields: {
            // keyArgs: the arguments that choose the rows; paging arguments are merged.
            devices: relayStylePagination([
              'companyId',
              'includeDescendants',
              'status',
              'accountId',
            ]),
            ledgerEntries: relayStylePagination(['companyId', 'kinds', 'since', 'until']),
          },
        },
      },
    }),
    link: new HttpLink({
      uri: url,
      headers: { authorization: `Bearer ${spec.token}` },
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(10_000) }),
    }),
  });

const NO_PAGE = { first: null, after: null, last: null, before: null };
// The variables a list is opened with: one page right after `startAfter`.
const openedAt = ({ variables, pageSize, startAfter }) => ({
  ...variables,
  ...NO_PAGE,
  first: pageSize,
  after: startAfter,
});

// Opens `field` after `startAfter`, then walks to the end and back to the start.
async function walk(apollo, listing) {
  const { field, pageSize } = listing;
  const query = DOCUMENTS[field];
  const opened = openedAt(listing);
  const first = await apollo.query({ query, variables: opened });
  // fetchMore belongs to a watched query: the app's list component.
  const observable = apollo.watchQuery({ query, variables: opened });
  const subscription = observable.subscribe({});
  const pages = [];
  const cached = () => apollo.readQuery({ query, variables: opened })[field];
  try {
    pages.push({ direction: 'opened', ids: first.data[field].edges.map((e) => e.node.id) });
    const more = async (direction, extra) => {
      if (pages.length > MAX_FETCHES) throw new Error(`${field}: more than ${MAX_FETCHES} pages`);
      const page = await observable.fetchMore({ variables: { ...NO_PAGE, ...extra } });
      pages.push({ direction, ids: page.data[field].edges.map((e) => e.node.id) });
    };
    while (cached().pageInfo.hasNextPage) {
      await more('forward', { first: pageSize, after: cached().pageInfo.endCursor });
    }
    while (cached().pageInfo.hasPreviousPage) {
      await more('backward', { last: pageSize, before: cached().pageInfo.startCursor });
    }
    const list = cached();
    return {
      pages,
      ids: list.edges.map((edge) => edge.node.id),
      cursors: list.edges.map((edge) => edge.cursor),
      rows: list.edges.map((edge) => edge.node),
      pageInfo: list.pageInfo,
    };
  } finally {
    subscription.unsubscribe();
  }
}

// A mutation's result as the server sent it and as the cache gives it back.
async function rename(apollo, input) {
  const variables = { input };
  // keepRootFields: the result stays on ROOT_MUTATION, to be read back through the fragments.
  const result = await apollo.mutate({
    mutation: RENAME,
    variables,
    errorPolicy: 'all',
    keepRootFields: true,
  });
  const fromCache = apollo.cache.readFragment({
    id: 'ROOT_MUTATION',
    fragment: RENAME_RESULT,
    fragmentName: 'Renamed',
    variables,
    returnPartialData: true,
  });
  return {
    data: result.data?.deviceRename ?? null,
    error: result.error ? String(result.error) : null,
    cached: fromCache?.deviceRename ?? null,
  };
}

const report = { steps: {} };
try {
  const types = possibleTypes(readFileSync(SCHEMA_FILE, 'utf8'));
  report.possibleTypes = types;
  const apollo = client(types);
  for (const [name, listing] of Object.entries(spec.lists)) {
    report.steps[name] = await walk(apollo, listing);
  }
  report.steps.renames = [];
  for (const input of spec.renames) {
    report.steps.renames.push(await rename(apollo, input));
  }
  // The devices list, read from the cache after the renames: the renamed row changed in place.
  report.steps.devicesAfterRenames = apollo
    .readQuery({ query: DOCUMENTS.devices, variables: openedAt(spec.lists.devices) })
    .devices.edges.map((edge) => edge.node);
  // The same calls on a cache without possibleTypes.
  const bare = client({});
  report.steps.renamesWithoutPossibleTypes = [];
  for (const input of spec.renames) {
    report.steps.renamesWithoutPossibleTypes.push(await rename(bare, input));
  }
  report.ok = true;
} catch (error) {
  report.ok = false;
  report.error = String(error && error.stack ? error.stack : error);
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
