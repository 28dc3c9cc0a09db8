#!/usr/bin/env node
// Runs the GraphQL-over-HTTP server audits of `graphql-http` against a running server.
//
//   npm ci --prefix tests/http_audit
//   node tests/http_audit/audit.mjs http://127.0.0.1:8000/graphql
//
// Prints one line per audit (status, id, name, and the reason when it did not pass), then a
// final line with a JSON summary. Exits 1 when any MUST or SHOULD audit did not pass (MAY
// audits are reported but never fail the run), 2 on bad usage.
//
// Statuses are graphql-http's own: `ok`; for a failed audit `error` (MUST), `warn` (SHOULD)
// or `notice` (MAY). `fatal` is ours: the audit threw (server unreachable, timeout, ...).

import { readFileSync } from 'node:fs';
import { serverAudits } from 'graphql-http';

const REQUEST_TIMEOUT_MS = 10_000;
const LEVELS = ['MUST', 'SHOULD', 'MAY'];
const BLOCKING = new Set(['MUST', 'SHOULD']);

const url = process.argv[2];
if (!url || !/^https?:\/\//.test(url)) {
  console.error('usage: node audit.mjs <server url, e.g. http://127.0.0.1:8000/graphql>');
  process.exit(2);
}

const version = JSON.parse(
  readFileSync(new URL('./node_modules/graphql-http/package.json', import.meta.url), 'utf8'),
).version;

// A server that never answers must fail the audit, not hang it.
const fetchWithTimeout = (input, init = {}) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

/** The requirement level an audit name starts with ("MAY NOT ..." is a MAY). */
const levelOf = (name) => LEVELS.find((level) => name.startsWith(`${level} `)) ?? 'MAY';

async function bodySnippet(response) {
  try {
    return (await response.text()).slice(0, 300);
  } catch {
    return undefined; // the audit already consumed the body
  }
}

async function run(audit) {
  try {
    const result = await audit.fn();
    if (result.status === 'ok') return { id: result.id, name: result.name, status: 'ok' };
    return {
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason,
      httpStatus: result.response?.status,
      body: await bodySnippet(result.response),
    };
  } catch (err) {
    return { id: audit.id, name: audit.name, status: 'fatal', reason: String(err?.cause ?? err) };
  }
}

const results = [];
// One at a time: the output order is stable and the server sees no burst.
for (const audit of serverAudits({ url, fetchFn: fetchWithTimeout })) {
  const result = { ...(await run(audit)), level: levelOf(audit.name) };
  results.push(result);
  let line = `${result.status.padEnd(6)} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    line += ` -- ${result.reason}`;
    if (result.httpStatus !== undefined) line += ` (HTTP ${result.httpStatus})`;
    if (result.body) line += ` body: ${result.body}`;
  }
  console.log(line);
}

const counts = Object.fromEntries(
  LEVELS.map((level) => {
    const mine = results.filter((r) => r.level === level);
    return [level, { total: mine.length, ok: mine.filter((r) => r.status === 'ok').length }];
  }),
);
for (const level of LEVELS) counts[level].failed = counts[level].total - counts[level].ok;

const failures = results
  .filter((r) => BLOCKING.has(r.level) && r.status !== 'ok')
  .map(({ id, name, status, reason, httpStatus, body }) => ({
    id, name, status, reason, httpStatus, body,
  }));
const notices = results
  .filter((r) => !BLOCKING.has(r.level) && r.status !== 'ok')
  .map(({ id, name, reason }) => ({ id, name, reason }));

console.log(
  JSON.stringify({
    summary: true,
    url,
    graphqlHttp: version,
    passed: failures.length === 0,
    counts,
    failures,
    notices,
  }),
);
process.exit(failures.length === 0 ? 0 : 1);
