#!/usr/bin/env node
// The customer portal (/portal) in headless Chromium, nothing reachable but the server, for
// tests/test_portal_browser.py. Two phases, each printing one JSON line (its report):
//
//   node tests/browser/portal.mjs admin   <base url> <json: email, password, screenshots, axe>
//   node tests/browser/portal.mjs invitee <base url> <json: link, email, name, password, newPassword, company, screenshots, axe>
//
// admin: signs in (after the form refused it empty), creates a child and a grandchild, renames,
// archives (blocked, showing the blocker; then the grandchild, allowed), searches, opens the
// profile and switches the language, survives a reload (the refresh token), returns to sign-in
// with the page kept when the session is refused, signs out, and opens the forgotten-password
// and reset screens. invitee: follows the invitation link read from the mail, sets a name and
// password (a common one refused by the server first), sees no action button (a USER), signs
// out and in again, renames themself, changes the password (a wrong current one refused first)
// and signs in with the new one.
//
// On every screen: the GraphQL requests sent when it opened (by operation name), axe-core's
// serious and critical violations, the horizontal overflow at 375 px and 1440 px, and a
// screenshot at each width in <screenshots>. CHROMIUM names the browser (default Debian's).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [phase, base, rawArgs] = process.argv.slice(2);
if (!['admin', 'invitee'].includes(phase) || !base || !rawArgs) {
  console.error('usage: node portal.mjs admin|invitee <base url> <json arguments>');
  process.exit(2);
}
const args = JSON.parse(rawArgs);
const origin = new URL(base).origin;
const AXE = readFileSync(args.axe, 'utf8');
const WIDTHS = [1440, 375];
const HEIGHT = { 1440: 900, 375: 812 };
const SETTLE_MS = 400; // after a screen shows: any request it would still send has started

const report = {
  phase,
  steps: [],
  opened: {}, // screen -> GraphQL operations sent while it opened
  axe: {}, // screen -> serious/critical violations (id: nodes)
  overflow: {}, // screen -> {width: px wider than the viewport}
  buttons: {},
  texts: {},
  csp: [],
  consoleErrors: [],
  blocked: [],
};
const operations = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'], // root in CI
});
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: HEIGHT[1440] } });
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (new URL(request.url()).origin !== origin) {
      report.blocked.push(request.url());
      await route.abort('blockedbyclient');
      return;
    }
    if (new URL(request.url()).pathname === '/graphql' && request.method() === 'POST') {
      const body = JSON.parse(request.postData() || '{}');
      operations.push(body.operationName ?? body.query?.match(/^\s*\w+\s+(\w+)/)?.[1] ?? '?');
    }
    await route.continue();
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => {
    if (message.type() === 'error') report.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => report.consoleErrors.push(String(error)));

  const step = (name) => report.steps.push(name);
  const main = () => page.locator('main');
  const heading = (name) => page.getByRole('heading', { level: 1, name, exact: true });

  /** Runs `open`, waits for `ready`, and records the GraphQL operations sent meanwhile. */
  async function opened(screen, open, ready) {
    const before = operations.length;
    await open();
    await ready.waitFor();
    await page.waitForTimeout(SETTLE_MS);
    report.opened[screen] = operations.slice(before);
  }

  /** axe-core, overflow at both widths, and a screenshot at each. */
  async function inspect(screen) {
    report.csp.push(...(await page.evaluate(() => window.__csp.splice(0))));
    await page.evaluate(AXE); // DevTools' evaluate: not subject to the page's CSP
    const result = await page.evaluate(async () => {
      const run = await window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      });
      return run.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    report.axe[screen] = result;
    report.overflow[screen] = {};
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: HEIGHT[width] });
      await page.waitForTimeout(100);
      report.overflow[screen][width] = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      await page.screenshot({ path: join(args.screenshots, `${screen}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1440, height: HEIGHT[1440] });
  }

  /** The error shown for an input: the element its aria-describedby names. */
  async function errorOf(input) {
    return input.evaluate((el) => {
      const ids = (el.getAttribute('aria-describedby') || '').split(' ');
      const error = ids.map((id) => document.getElementById(id)).find((e) => e?.classList.contains('error'));
      return error ? error.textContent : null;
    });
  }

  async function actionButtons() {
    return main()
      .getByRole('button')
      .evaluateAll((buttons) => buttons.map((b) => b.textContent.trim()));
  }

  async function signIn(email, password) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function createChild(name, country) {
    const form = page.getByRole('form', { name: 'Create a company under this one' });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Country code').fill(country);
    await form.getByRole('button', { name: 'Create' }).click();
    await main().locator('.children').getByRole('link', { name, exact: true }).waitFor();
  }

  if (phase === 'admin') {
    await opened('sign-in', () => page.goto(`${base}/portal/`), heading('Sign in'));
    report.texts.signInUrl = new URL(page.url()).pathname;
    const before = operations.length;
    await page.getByRole('button', { name: 'Sign in' }).click();
    report.texts.emptySignIn = await main().locator('.error').allTextContents();
    report.texts.emptySignInSent = operations.length - before;
    await inspect('sign-in');
    step('sign-in refused empty');

    await opened('company-tree', () => signIn(args.email, args.password), heading('Platform'));
    report.buttons.admin = await actionButtons();
    step('signed in');

    // The country code is checked before anything is sent.
    const form = page.getByRole('form', { name: 'Create a company under this one' });
    await form.getByLabel('Name').fill('Hotel Sol');
    await form.getByLabel('Country code').fill('E');
    const beforeBad = operations.length;
    await form.getByRole('button', { name: 'Create' }).click();
    report.texts.badCountry = await form.locator('.error').allTextContents();
    report.texts.badCountrySent = operations.length - beforeBad;
    await createChild('Hotel Sol', 'es');
    await inspect('company-tree');
    step('child created');

    await opened(
      'company',
      () => main().locator('.children').getByRole('link', { name: 'Hotel Sol' }).click(),
      heading('Hotel Sol'),
    );
    report.texts.hotelSolPath = new URL(page.url()).pathname;
    report.texts.breadcrumb = await page.getByRole('navigation', { name: 'Where you are' }).innerText();
    await createChild('Sol Norte', 'ES');
    step('grandchild created');

    await opened(
      'grandchild',
      () => main().locator('.children').getByRole('link', { name: 'Sol Norte' }).click(),
      heading('Sol Norte'),
    );
    await main().getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('form', { name: 'Rename' });
    await rename.getByLabel('New name').fill('');
    await rename.getByRole('button', { name: 'Save' }).click();
    report.texts.emptyRename = await rename.locator('.error').allTextContents();
    await rename.getByLabel('New name').fill('Sol Norte Playa');
    await rename.getByRole('button', { name: 'Save' }).click();
    await heading('Sol Norte Playa').waitFor();
    step('renamed');

    await opened(
      'company-again',
      () => page.getByRole('navigation', { name: 'Where you are' }).getByRole('link', { name: 'Hotel Sol' }).click(),
      heading('Hotel Sol'),
    );
    await main().getByRole('button', { name: 'Archive' }).click();
    await main().getByRole('group', { name: 'Archive' }).getByRole('button', { name: 'Archive' }).click();
    const blocked = main().locator('.blockers');
    await blocked.waitFor();
    report.texts.blockers = await blocked.locator('li').evaluateAll((items) =>
      items.map((li) => `${li.dataset.blocker}: ${li.textContent}`),
    );
    await inspect('company');
    step('archive blocked');

    await main().getByRole('searchbox', { name: 'Search companies' }).fill('Norte');
    await main().getByRole('button', { name: 'Search' }).click();
    await main().locator('.results').getByRole('link', { name: 'Sol Norte Playa' }).waitFor();
    report.texts.searchResults = await main().locator('.results li').allInnerTexts();
    step('searched');

    await main().locator('.results').getByRole('link', { name: 'Sol Norte Playa' }).click();
    await heading('Sol Norte Playa').waitFor();
    await main().getByRole('button', { name: 'Archive' }).click();
    await opened(
      'after-archive',
      () => main().getByRole('group', { name: 'Archive' }).getByRole('button', { name: 'Archive' }).click(),
      heading('Hotel Sol'),
    );
    report.texts.childrenAfterArchive = await main().locator('.children li a').allTextContents();
    step('grandchild archived');

    await opened('profile', () => page.getByRole('link', { name: 'Profile' }).click(), heading('Profile'));
    await inspect('profile');
    await main().getByLabel('Language').selectOption('es');
    await heading('Perfil').waitFor();
    report.texts.spanishNav = await page.locator('header nav').innerText();
    await main().getByLabel('Idioma').selectOption('en');
    await heading('Profile').waitFor();
    step('language switched');

    // A reload keeps the session (the refresh token renews the access token).
    await page.goto(`${base}${report.texts.hotelSolPath}`);
    await heading('Hotel Sol').waitFor();
    step('reload kept the session');

    // The server refuses the session: back to sign-in, and to the same page after it.
    await page.evaluate(() => sessionStorage.setItem('fleet.portal.refresh', 'not-a-token'));
    await page.reload();
    await heading('Sign in').waitFor();
    report.texts.expiredUrl = page.url().replace(origin, '');
    report.texts.expiredNotice = await page.getByRole('status').innerText();
    await signIn(args.email, args.password);
    await heading('Hotel Sol').waitFor();
    report.texts.backTo = new URL(page.url()).pathname;
    step('expired session came back to its page');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading('Sign in').waitFor();
    report.texts.signedOut = await page.getByRole('status').innerText();
    report.texts.storedAfterSignOut = await page.evaluate(() => sessionStorage.getItem('fleet.portal.refresh'));
    step('signed out');

    await opened(
      'forgot-password',
      () => page.getByRole('link', { name: 'Forgotten your password?' }).click(),
      heading('Forgotten password'),
    );
    await inspect('forgot-password');
    await main().getByLabel('Email').fill(args.email);
    await main().getByRole('button', { name: 'Send the link' }).click();
    report.texts.resetSent = await main().getByRole('status').innerText();
    step('reset requested');

    await opened(
      'reset-password',
      () => page.goto(`${base}/portal/reset-password?token=not-a-real-token`),
      heading('Choose a new password'),
    );
    await inspect('reset-password');
    await main().getByLabel('New password', { exact: true }).fill('lantern orchard velvet');
    await main().getByLabel('Repeat the new password').fill('lantern orchard velvet');
    await main().getByRole('button', { name: 'Set the password' }).click();
    report.texts.resetRefused = await main().locator('.form-error').innerText();
    step('reset link refused');
  } else {
    await opened('accept-invitation', () => page.goto(args.link), heading('Accept your invitation'));
    await inspect('accept-invitation');
    await main().getByLabel('Your name').fill(args.name);
    // Long enough for the client; the server refuses it as too common, next to the field.
    await main().getByLabel('Password', { exact: true }).fill('password1234');
    await main().getByLabel('Repeat the password').fill('password1234');
    await main().getByRole('button', { name: 'Create my account' }).click();
    await main().locator('.field-invalid').waitFor();
    report.texts.commonPassword = await errorOf(main().getByLabel('Password', { exact: true }));
    await main().getByLabel('Password', { exact: true }).fill(args.password);
    await main().getByLabel('Repeat the password').fill(args.password);
    await opened(
      'invitee-company',
      () => main().getByRole('button', { name: 'Create my account' }).click(),
      heading(args.company),
    );
    report.buttons.invitee = await actionButtons();
    await inspect('user-company');
    report.texts.createForms = await page.getByRole('form', { name: 'Create a company under this one' }).count();
    step('invitation accepted');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading('Sign in').waitFor();
    await signIn(args.email, args.password);
    await heading(args.company).waitFor();
    await opened('invitee-profile', () => page.getByRole('link', { name: 'Profile' }).click(), heading('Profile'));
    report.texts.inviteeFacts = await main().locator('dl.facts').innerText();
    report.texts.inviteeName = await main().getByLabel('Name').inputValue();
    step('invitee signed in again');

    await main().getByLabel('Name').fill(`${args.name} Gil`);
    await main().getByRole('button', { name: 'Save' }).click();
    report.texts.nameSaved = await main().getByRole('status').innerText();
    await main().getByLabel('Current password').fill('not my password at all');
    await main().getByLabel('New password', { exact: true }).fill(args.newPassword);
    await main().getByLabel('Repeat the new password').fill(args.newPassword);
    await main().getByRole('button', { name: 'Change password' }).click();
    await main().locator('.field-invalid').waitFor();
    report.texts.wrongCurrent = await errorOf(main().getByLabel('Current password'));
    await main().getByLabel('Current password').fill(args.password);
    await main().getByRole('button', { name: 'Change password' }).click();
    await main().getByText('Password changed.', { exact: false }).waitFor();
    step('profile changed');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading('Sign in').waitFor();
    await signIn(args.email, args.newPassword);
    await heading(args.company).waitFor();
    step('signed in with the new password');
  }

  report.csp.push(...(await page.evaluate(() => window.__csp.splice(0))));
  report.ok = true;
} catch (error) {
  report.ok = false;
  report.error = String(error?.stack || error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
