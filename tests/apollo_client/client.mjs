#!/usr/bin/env node
// Apollo Client with its persisted-queries link against a running server, for
// tests/test_persisted_documents.py.
//
//   node tests/apollo_client/client.mjs apq|allowlist <url of /graphql> <email> <password>
//
// The operations are operations/*.graphql (one document each, as a client app would hold
// them; `cli.py allowlist` builds the server's allowlist from the same files). Every request
// the link sends is recorded: method, whether it carried the document, its hash, the error
// codes answered. Prints one JSON line; exits 1 when a step threw.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { parse } from 'graphql';

const [mode, url, email, password] = process.argv.slice(2);
const operation = (name) =>
  parse(readFileSync(new URL(`./operations/${name}.graphql`, import.meta.url), 'utf8'));
const SIGN_IN = operation('SignIn');
const ME = operation('Me');
// Not in operations/, so never in the allowlist.
const OTHER = parse('query Other { me { email } }');

const requests = [];
async function recordingFetch(input, init = {}) {
  const target = new URL(typeof input === 'string' ? input : input.url);
  const body = init.body ? JSON.parse(init.body) : Object.fromEntries(target.searchParams);
  const extensions =
    typeof body.extensions === 'string' ? JSON.parse(body.extensions) : body.extensions;
  const response = await fetch(input, { ...init, signal: AbortSignal.timeout(10_000) });
  const answer = await response.clone().json();
  requests.push({
    operation: body.operationName,
    method: init.method || 'GET',
    sentDocument: Boolean(body.query),
    hash: extensions?.persistedQuery?.sha256Hash ?? null,
    status: response.status,
    codes: (answer.errors || []).map((e) => e.extensions?.code),
  });
  return response;
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const client = (options = {}) =>
  new ApolloClient({
    cache: new InMemoryCache(),
    link: new PersistedQueryLink({ sha256, ...options }).concat(
      new HttpLink({ uri: url, fetch: recordingFetch }),
    ),
  });

const outcome = ({ data, error }) => ({
  data: data ?? null,
  codes: error?.errors ? error.errors.map((e) => e.extensions?.code) : error ? [String(error)] : [],
});

async function signIn(apollo) {
  const result = await apollo.mutate({
    mutation: SIGN_IN,
    variables: { input: { email, password } },
    errorPolicy: 'all',
  });
  return outcome(result);
}

const me = async (apollo, token, query = ME) =>
  outcome(
    await apollo.query({
      query,
      fetchPolicy: 'network-only',
      errorPolicy: 'all',
      context: { headers: { authorization: `Bearer ${token}` } },
    }),
  );

const report = { mode, steps: {}, requests };
try {
  if (mode === 'apq') {
    // A first client: every document is unknown, sent by hash, then registered.
    const first = client();
    report.steps.signIn = await signIn(first);
    const token = report.steps.signIn.data.login.accessToken;
    report.steps.me = await me(first, token);
    // Another client (another browser tab, say), queries by GET: known hashes only.
    const second = client({ useGETForHashedQueries: true });
    report.steps.meByGet = await me(second, token);
    report.steps.signInAgain = await signIn(second);
    report.steps.otherByGet = await me(second, token, OTHER);
  } else if (mode === 'allowlist') {
    const apollo = client();
    report.steps.signIn = await signIn(apollo);
    const token = report.steps.signIn.data.login.accessToken;
    report.steps.me = await me(apollo, token);
    report.steps.other = await me(apollo, token, OTHER);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  report.ok = true;
} catch (error) {
  report.ok = false;
  report.error = String(error && error.stack ? error.stack : error);
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
