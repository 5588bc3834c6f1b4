// The staff console's sign-in (issue 17, first slice): an administrator signs in with password
// and TOTP, sees who is signed in and when the session ends, and signs out; a wrong code is a
// plain sentence; nothing is left in the browser's storage; axe on every state.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PASSWORD, VIEWPORTS, checkA11y, launchBrowser, newPage, screenshot, startServer, totp } from './harness.mjs';

let server;
let browser;
let secret;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const added = server.cli(
    ['--json', 'staff', 'add', '--data', server.dataDir, '--user', 'ada', '--role', 'admin', '--password-stdin'],
    { input: `${PASSWORD}\n` },
  );
  assert.equal(added.code, 0, added.stderr);
  secret = new URL(JSON.parse(added.stdout).totp_uri).searchParams.get('secret');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Chromium logs every 4xx answer as a console error: the ones this test provokes (not signed in
// yet, a wrong code) are expected; anything else fails the test.
function unexpectedErrors(page, allowed401) {
  const expected = page.errors.filter((e) => /status of 401/.test(e));
  assert.equal(expected.length, allowed401, `401s: ${JSON.stringify(page.errors)}`);
  return page.errors.filter((e) => !/status of 401/.test(e));
}

test('an administrator signs in with a TOTP code, sees the session, and signs out', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await page.goto(`${server.url}/staff`);
  await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  await checkA11y(page, 'staff sign-in');

  // A wrong code: one plain sentence, focused; the user name stays, the password does not.
  await page.getByLabel('User name').fill('ada');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Code from your authenticator app').fill('000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const problem = page.locator('#staff-error');
  await problem.waitFor();
  assert.match(await problem.textContent(), /The user name, password or code is not right/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'staff-error');
  assert.equal(await page.getByLabel('User name').inputValue(), 'ada');
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  await checkA11y(page, 'staff sign-in error');

  // The right code, from the keyboard.
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Code from your authenticator app').fill(totp(secret, Date.now() / 1000));
  await page.getByLabel('Code from your authenticator app').press('Enter');
  await page.locator('#session-user').waitFor();
  assert.equal(await page.locator('#session-user').textContent(), 'ada');
  assert.equal(await page.locator('#session-role').textContent(), 'Administrator');
  assert.match(await page.locator('#session-times').textContent(), /after 30 minutes without activity/);
  // An administrator lands on the staff list, and the nav lists what the role may use.
  assert.equal(new URL(page.url()).hash, '#staff');
  const nav = await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link').allTextContents();
  assert.ok(nav.includes('Staff') && nav.includes('Access log') && nav.includes('Decisions'), nav.join());
  await checkA11y(page, 'staff signed in');
  await screenshot(page, 'staff-signed-in', { fullPage: false });

  // A reload keeps the session (the HttpOnly cookie), and the page gets its CSRF token again.
  await page.reload();
  await page.locator('#session-user').waitFor();

  // Nothing but the language choice in the browser's storage; the cookie is HttpOnly.
  const stored = await page.evaluate(async () => ({
    local: Object.keys(localStorage),
    session: sessionStorage.length,
    caches: await caches.keys(),
    cookie: document.cookie,
  }));
  assert.deepEqual(stored, { local: [], session: 0, caches: [], cookie: '' });

  // Signing out ends the session on the server too.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  assert.match(await page.locator('.notice.ok').textContent(), /You are signed out/);
  const after = await page.evaluate(async () => (await fetch('/api/v1/sessions/current')).status);
  assert.equal(after, 401);
  await checkA11y(page, 'staff signed out');
  // 401s: not signed in at the first load, the wrong code, and the check after signing out.
  assert.deepEqual(unexpectedErrors(page, 3), []);
  await page.context().close();
});

test('the sign-in page is in Arabic, right to left, with every string translated', async () => {
  const page = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.phone });
  await page.goto(`${server.url}/staff`);
  await page.getByRole('heading', { name: 'تسجيل دخول الموظفين' }).waitFor();
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.title(), 'تسجيل دخول الموظفين · بطاقة هوية المدينة');
  await checkA11y(page, 'staff sign-in in Arabic');
  assert.deepEqual(unexpectedErrors(page, 1), []);
  await page.context().close();
});

test('the idle timeout is announced two minutes before it strikes, can be pushed back, and clears the page when it does', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  // The page's own clock (the server's stays real): 30 minutes pass in the page at once.
  await page.clock.install();
  await page.goto(`${server.url}/staff`);
  await page.getByLabel('User name').fill('ada');
  await page.getByLabel('Password').fill(PASSWORD);
  // A code of the next step: the first test used this step's, and a code is good only once.
  await page.getByLabel('Code from your authenticator app').fill(totp(secret, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#session-user').waitFor();
  assert.equal(await page.locator('#session-warning').count(), 0);

  await page.clock.runFor('28:05');
  const warning = page.locator('#session-warning');
  await warning.waitFor();
  assert.match(await warning.textContent(), /signed out in 2 minutes/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'session-warning');
  await checkA11y(page, 'staff idle warning');
  // Staying asks the server (which restarts its idle clock) and takes the warning away.
  await page.getByRole('button', { name: 'Stay signed in' }).click();
  await warning.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#session-user').textContent(), 'ada');

  // Nothing for 30 minutes more: the page forgets the session and says why.
  await page.clock.runFor('30:10');
  const ended = page.locator('#session-ended');
  await ended.waitFor();
  assert.match(await ended.textContent(), /signed out because nothing happened/);
  assert.equal(await page.locator('#session-user').count(), 0);
  await checkA11y(page, 'staff signed out after idling');
  // 401s: not signed in at the first load; the sign-out after idling may meet a session the
  // server still holds (its clock is real), so it answers 204 or 401.
  const left = unexpectedErrorsAtMost(page, 2);
  assert.deepEqual(left, []);
  await page.context().close();
});

function unexpectedErrorsAtMost(page, max401) {
  const expected = page.errors.filter((e) => /status of 401/.test(e));
  assert.ok(expected.length >= 1 && expected.length <= max401, `401s: ${JSON.stringify(page.errors)}`);
  return page.errors.filter((e) => !/status of 401/.test(e));
}
