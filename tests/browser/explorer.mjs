#!/usr/bin/env node
// Opens the GraphiQL explorer in headless Chromium with no network beyond the server, signs in
// from the page, runs a query twice (the access token renews in between), then a subscription
// (over the page's WebSocket) that receives the event of a grant, and checks the answers.
//
//   node tests/browser/explorer.mjs <base url> <email> <password> <screenshot.png>
//
// CHROMIUM names the browser binary (default: Debian's /usr/bin/chromium; never a download).
// Prints one JSON line: what was requested, what was blocked, CSP violations, console errors,
// the answers. Exits 1 when a step failed, 2 on bad usage.

import { chromium } from 'playwright-core';

const [base, email, password, screenshot] = process.argv.slice(2);
if (!base || !password || !screenshot) {
  console.error('usage: node explorer.mjs <base url> <email> <password> <screenshot.png>');
  process.exit(2);
}
const origin = new URL(base).origin;
const QUERY = '{ me { email role company { name } } }';
const STEP_TIMEOUT_MS = 20_000;
const SUBSCRIPTION = 'subscription Balance { creditBalanceEvents { kind amount balance } }';

const report = { requests: [], blocked: [], csp: [], consoleErrors: [], answers: [] };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'], // root in CI
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  // The page may reach its own server and nothing else (data: URIs never hit the network).
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (new URL(request.url()).origin !== origin) {
      report.blocked.push(request.url());
      await route.abort('blockedbyclient');
      return;
    }
    let operation = null;
    try {
      operation = JSON.parse(request.postData() || 'null')?.query?.match(/^\s*\w+\s+(\w+)/)?.[1];
    } catch {}
    report.requests.push({
      path: new URL(request.url()).pathname,
      operation: operation ?? null,
      authorization: request.headers().authorization ?? null,
    });
    await route.continue();
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('console', (message) => {
    if (message.type() === 'error') report.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => report.consoleErrors.push(String(error)));

  await page.goto(`${base}/graphql`, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  report.prefilledEmail = await page.inputValue('#signin-email');
  report.editorAtStart = await page.evaluate(
    () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue(),
  );

  await page.fill('#signin-email', email);
  await page.fill('#signin-password', password);
  await page.click('#signin-submit');
  await page.waitForSelector('#signin-user:not([hidden])');
  report.signedInAs = await page.textContent('#signin-user');
  report.storedSession = await page.evaluate(() =>
    Object.keys(JSON.parse(sessionStorage.getItem('fleet.explorer.session')) || {}),
  );

  const run = async () => {
    await page.evaluate((query) => {
      document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query);
      document.querySelector('.graphiql-response .CodeMirror').CodeMirror.setValue('');
    }, QUERY);
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(() =>
      document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes('"data"'),
    );
    const text = await page.evaluate(() =>
      document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue(),
    );
    report.answers.push(JSON.parse(text));
  };
  await run();
  await page.screenshot({ path: screenshot });
  // Past the access token's lifetime (the test server's is 2 s): the fetcher renews it.
  await page.waitForTimeout(2_500);
  await run();

  // The subscription: GraphiQL runs it through the page's fetcher, a grant made meanwhile
  // (with the session's fresh token) arrives in the response pane.
  await page.evaluate((query) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query);
    document.querySelector('.graphiql-response .CodeMirror').CodeMirror.setValue('');
  }, SUBSCRIPTION);
  await page.click('.graphiql-execute-button');
  await page.waitForTimeout(500); // subscribed before the change
  report.grant = await page.evaluate(async () => {
    const { accessToken } = JSON.parse(sessionStorage.getItem('fleet.explorer.session'));
    const call = (query, variables) =>
      fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ query, variables }),
      }).then((response) => response.json());
    const me = await call('{ me { company { id } } }');
    const grant = await call(
      'mutation Grant($i: CreditGrantInput!) { creditGrant(input: $i) { __typename } }',
      { i: { companyId: me.data.me.company.id, amount: 7 } },
    );
    return grant.data.creditGrant.__typename;
  });
  await page.waitForFunction(() =>
    document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes('"creditBalanceEvents"'),
  );
  report.streamed = JSON.parse(
    await page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()),
  );
  report.csp = await page.evaluate(() => window.__csp);
  report.ok = true;
} catch (error) {
  report.ok = false;
  report.error = String(error && error.stack ? error.stack : error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
