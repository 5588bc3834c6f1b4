// The staff console's people part (issue 17): an administrator adds a supervisor through the
// Staff section; the supervisor's first sign-in sets up the TOTP (QR code and key shown once, a
// new secret on every try without a code); resetting the TOTP sends them back to that step and
// signs them out; a disabled account cannot sign in. The Sites section adds and edits a site
// (hours, capacity) and closes and reopens a day, and refuses to close a day with bookings. The
// Policy view shows the catalogue. axe on every screen, Arabic included.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PASSWORD, VIEWPORTS, checkA11y, launchBrowser, newPage, screenshot, signInConsole, startServer, totp } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Chromium logs every 4xx answer as a console error. `expected` maps a status to how many of
// them this test provoked; anything else (or another count) fails.
function expectOnlyStatuses(page, expected) {
  const counts = {};
  const other = [];
  for (const e of page.errors) {
    const m = /status of (\d{3})/.exec(e);
    if (m) counts[m[1]] = (counts[m[1]] || 0) + 1;
    else other.push(e);
  }
  assert.deepEqual(other, [], 'no page errors');
  assert.deepEqual(counts, expected, `4xx answers: ${JSON.stringify(page.errors)}`);
}

/** The key the enrolment step shows, without its spaces. */
async function shownKey(page) {
  const text = await page.locator('#enrol-key').textContent();
  assert.match(text, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'the key in groups of four');
  return text.replace(/\s+/g, '');
}

/** Waits until the element `id` has the focus (sections move it after drawing). */
async function focused(page, id) {
  await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 5000 });
}

async function signInForm(page, user) {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('an admin adds a supervisor, who sets up their code at the first sign-in; reset and disable', async () => {
  const admin = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await signInConsole(admin, server, { user: 'ada', role: 'admin' });
  // An administrator lands on Staff.
  await admin.getByRole('heading', { level: 1, name: 'Staff' }).waitFor();
  await admin.locator('#staff-ada').waitFor();
  await checkA11y(admin, 'staff list');

  // A weak password: one plain sentence, focused; what was typed stays (but the password).
  await admin.getByLabel('User name', { exact: true }).fill('sam');
  await admin.getByLabel('Role').selectOption('supervisor');
  await admin.getByLabel('First password').fill('short');
  await admin.getByRole('button', { name: 'Add staff member' }).click();
  await admin.locator('#staff-admin-error').waitFor();
  assert.match(await admin.locator('#staff-admin-error').textContent(), /too short or too common/);
  await focused(admin, 'staff-admin-error');
  assert.equal(await admin.getByLabel('User name', { exact: true }).inputValue(), 'sam');
  assert.equal(await admin.getByLabel('Role').inputValue(), 'supervisor');
  await checkA11y(admin, 'staff add error');

  await admin.getByLabel('First password').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Add staff member' }).click();
  await admin.locator('#admin-notice').waitFor();
  assert.match(await admin.locator('#admin-notice').textContent(), /sam is added\. At their first sign-in they set up their sign-in code/);
  const card = admin.locator('#staff-sam');
  assert.match(await card.textContent(), /Supervisor/);
  assert.match(await card.textContent(), /Not set up yet/);
  await screenshot(admin, 'staff-admin');

  // The supervisor's first sign-in: the QR code and key, shown once.
  const sam = await newPage(browser, { viewport: VIEWPORTS.phone });
  await sam.goto(`${server.url}/staff`);
  await signInForm(sam, 'sam');
  await sam.getByRole('heading', { level: 1, name: 'Set up your sign-in code' }).waitFor();
  assert.equal(await sam.evaluate(() => document.activeElement.id), 'staff-heading');
  assert.match(await sam.locator('#enrol-once').textContent(), /shown only this once/);
  const qr = sam.locator('#enrol-qr');
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code image loads');
  const first = await shownKey(sam);
  await checkA11y(sam, 'totp enrolment');
  await screenshot(sam, 'staff-enrol');

  // Leaving and trying again gives a new secret.
  await sam.getByRole('button', { name: 'Cancel' }).click();
  await signInForm(sam, 'sam');
  await sam.getByRole('heading', { level: 1, name: 'Set up your sign-in code' }).waitFor();
  const second = await shownKey(sam);
  assert.notEqual(second, first);

  // A code of the first (void) secret is refused; one of the new secret signs in.
  const now = Date.now() / 1000;
  await sam.getByLabel('Password').fill(PASSWORD);
  await sam.getByLabel('6-digit code from the app').fill(totp(first, now));
  await sam.getByRole('button', { name: 'Confirm and sign in' }).click();
  await sam.locator('#staff-error').waitFor();
  assert.match(await sam.locator('#staff-error').textContent(), /password or code is not right/);
  assert.equal(await shownKey(sam), second, 'a wrong code keeps the secret on screen');
  await checkA11y(sam, 'totp enrolment error');
  await sam.getByLabel('Password').fill(PASSWORD);
  await sam.getByLabel('6-digit code from the app').fill(totp(second, now));
  await sam.getByLabel('6-digit code from the app').press('Enter');
  await sam.locator('#session-user').waitFor();
  assert.equal(await sam.locator('#session-user').textContent(), 'sam');
  assert.equal(await sam.locator('#enrol-key').count(), 0);

  await admin.reload();
  await admin.locator('#staff-sam').waitFor();
  assert.match(await admin.locator('#staff-sam').textContent(), /Sign-in code\s*Set up/);

  // Reset: a confirm step, then sam is signed out and back to the enrolment step.
  await admin.getByRole('button', { name: 'Reset sign-in code sam' }).click();
  await focused(admin, 'confirm-text');
  await checkA11y(admin, 'staff reset confirm');
  await admin.getByRole('button', { name: 'No, keep it as it is' }).click();
  await focused(admin, 'reset-sam');
  await admin.getByRole('button', { name: 'Reset sign-in code sam' }).click();
  await admin.getByRole('button', { name: 'Yes, reset the code of sam' }).click();
  await admin.locator('#admin-notice').waitFor();
  assert.match(await admin.locator('#admin-notice').textContent(), /The sign-in code of sam is reset/);
  assert.match(await admin.locator('#staff-sam').textContent(), /Not set up yet/);

  await sam.reload();
  await sam.getByRole('heading', { level: 1, name: 'Staff sign-in' }).waitFor();
  await signInForm(sam, 'sam');
  await sam.getByRole('heading', { level: 1, name: 'Set up your sign-in code' }).waitFor();
  const third = await shownKey(sam);
  assert.ok(third !== first && third !== second);

  // Disable: sam can no longer sign in (the answer says no more than for a wrong password).
  // From the keyboard: the confirm step takes the focus, the next Tab is its "Yes".
  await admin.getByRole('button', { name: 'Disable sam' }).focus();
  await admin.keyboard.press('Enter');
  await focused(admin, 'confirm-text');
  assert.match(await admin.locator('#confirm-text').textContent(), /Disable sam\? They are signed out at once/);
  await admin.keyboard.press('Tab');
  await focused(admin, 'confirm-yes');
  await admin.keyboard.press('Enter');
  await admin.locator('#admin-notice').waitFor();
  assert.match(await admin.locator('#staff-sam').textContent(), /Status\s*Disabled/);
  await checkA11y(admin, 'staff disabled');
  // A code of the next step: the step before may have been used by the first enrolment.
  await sam.getByLabel('Password').fill(PASSWORD);
  await sam.getByLabel('6-digit code from the app').fill(totp(third, Date.now() / 1000 + 30));
  await sam.getByRole('button', { name: 'Confirm and sign in' }).click();
  await sam.locator('#staff-error').waitFor();
  assert.match(await sam.locator('#staff-error').textContent(), /password or code is not right/);
  await sam.getByRole('button', { name: 'Cancel' }).click();
  await signInForm(sam, 'sam');
  await sam.locator('#staff-error').waitFor();
  assert.match(await sam.locator('#staff-error').textContent(), /The user name, password or code is not right/);

  // Nothing of the secret stays in the browser's storage.
  const stored = await sam.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(third) && !stored.includes(second), stored);

  // The admin: not signed in at load (401), the weak password (400). Sam: not signed in at
  // each load (2), three enrolment answers, the void code, the disabled account twice (401s).
  expectOnlyStatuses(admin, { 400: 1, 401: 1 });
  expectOnlyStatuses(sam, { 401: 8 });
  await admin.context().close();
  await sam.context().close();
});

test('sites: add, edit hours and capacity, close and reopen a day; a day with bookings stays open', async () => {
  const page = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'root', role: 'admin', step: 1 });
  await page.getByRole('link', { name: 'Sites' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sites' }).waitFor();
  await page.getByRole('button', { name: 'Add a site' }).click();
  await page.getByRole('heading', { level: 2, name: 'New site' }).waitFor();
  await page.getByLabel('Site id').fill('east-library');
  await page.getByLabel('Name').fill('East Library');
  await page.getByLabel('Kind of site').selectOption('library');
  await page.getByLabel('Address').fill('12 Grand St');
  await page.getByLabel('Time zone').fill('America/New_York');
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
    await page.getByLabel(day, { exact: true }).fill('09:00-17:00');
  }
  await page.getByLabel('Appointment length').fill('30');
  await page.getByLabel('Appointments at the same time').fill('1');
  await page.getByLabel('Español').check();
  // A language switch keeps what was typed.
  await page.locator('#language').selectOption('es');
  await page.getByRole('heading', { level: 2, name: 'Centro nuevo' }).waitFor();
  assert.equal(await page.getByLabel('Nombre', { exact: true }).inputValue(), 'East Library');
  assert.equal(await page.getByLabel('Identificador del centro').inputValue(), 'east-library');
  assert.equal(await page.getByLabel('lunes').inputValue(), '09:00-17:00');
  await page.locator('#language').selectOption('en');
  await page.getByRole('heading', { level: 2, name: 'New site' }).waitFor();
  await checkA11y(page, 'site new');
  await page.getByRole('button', { name: 'Add site' }).click();
  await page.locator('#admin-notice').waitFor();
  assert.match(await page.locator('#admin-notice').textContent(), /East Library is added/);
  await page.locator('#site-east-library').waitFor();
  await checkA11y(page, 'sites list');
  await screenshot(page, 'staff-sites');

  // Book the first free slot through the public API.
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  const slots = await (
    await fetch(`${server.url}/api/v1/sites/east-library/slots?from=${iso(today)}&to=${iso(new Date(today.getTime() + 20 * 86400e3))}`)
  ).json();
  const slot = slots.slots[0];
  const booked = await fetch(`${server.url}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: 'east-library', slot: slot.start, name: 'Ana', language: 'en' }),
  });
  assert.equal(booked.status, 201);
  const bookedDay = slot.local.slice(0, 10);

  // Edit: Saturday hours and a larger capacity.
  await page.getByRole('button', { name: 'Edit East Library' }).click();
  await page.getByRole('heading', { level: 2, name: 'Edit East Library' }).waitFor();
  await focused(page, 'site-form-heading');
  assert.equal(await page.getByLabel('Monday', { exact: true }).inputValue(), '09:00-17:00');
  assert.ok(await page.getByLabel('Español').isChecked());
  await page.getByLabel('Saturday', { exact: true }).fill('10:00-13:00');
  await page.getByLabel('Appointments at the same time').fill('3');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('#admin-notice').waitFor();
  assert.match(await page.locator('#admin-notice').textContent(), /The changes to East Library are saved/);
  let site = (await (await fetch(`${server.url}/api/v1/sites`)).json()).sites.find((s) => s.id === 'east-library');
  assert.equal(site.capacity, 3);
  assert.deepEqual(site.hours.sat, [['10:00', '13:00']]);

  // Hours that leave the booking outside: refused in a plain sentence, what was typed kept.
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
    await page.getByLabel(day, { exact: true }).fill('');
  }
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('#sites-admin-error').waitFor();
  assert.match(await page.locator('#sites-admin-error').textContent(), /Some booked appointments would no longer fit/);
  await focused(page, 'sites-admin-error');
  assert.equal(await page.getByLabel('Monday', { exact: true }).inputValue(), '');
  await checkA11y(page, 'site edit error');

  // Closures: close a day with a reason, refuse the booked day, reopen.
  await page.getByLabel('Date').fill('2026-12-24');
  await page.getByLabel('Reason').fill('Public holiday');
  await page.getByRole('button', { name: 'Close this day' }).click();
  await page.locator('#admin-notice').waitFor();
  assert.match(await page.locator('#admin-notice').textContent(), /The site is closed on Thursday, December 24, 2026/);
  assert.match(await page.locator('#closure-list').textContent(), /Thursday, December 24, 2026 — Public holiday/);
  site = (await (await fetch(`${server.url}/api/v1/sites`)).json()).sites.find((s) => s.id === 'east-library');
  assert.deepEqual(site.closures, [{ date: '2026-12-24', reason: 'Public holiday' }]);
  assert.equal(site.capacity, 3, 'the refused edit changed nothing');
  await checkA11y(page, 'site closures');
  await screenshot(page, 'staff-site-edit');

  await page.getByLabel('Date').fill(bookedDay);
  await page.getByRole('button', { name: 'Close this day' }).click();
  await page.locator('#sites-admin-error').waitFor();
  assert.match(await page.locator('#sites-admin-error').textContent(), /Appointments are booked on that day/);

  await page.getByRole('button', { name: /^Reopen/ }).click();
  await page.locator('#admin-notice').waitFor();
  assert.match(await page.locator('#admin-notice').textContent(), /open again on Thursday, December 24, 2026/);
  assert.equal(await page.locator('#closure-list').count(), 0);
  site = (await (await fetch(`${server.url}/api/v1/sites`)).json()).sites.find((s) => s.id === 'east-library');
  assert.deepEqual(site.closed, []);

  await page.getByRole('button', { name: 'Back to the list' }).click();
  await focused(page, 'edit-east-library');
  // 401: not signed in at load; 409: the refused edit and the refused closure.
  expectOnlyStatuses(page, { 401: 1, 409: 2 });
  await page.context().close();
});

test('the policy view shows the catalogue and rules, in English and in Arabic', async () => {
  const page = await newPage(browser, { viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'carla', role: 'clerk' });
  await page.getByRole('link', { name: 'Policy' }).click();
  await page.getByRole('heading', { level: 1, name: 'Policy' }).waitFor();
  const identity = page.getByRole('table').first();
  assert.match(await identity.textContent(), /U\.S\. passport or passport card/);
  assert.match(await page.locator('#policy-rule').textContent(), /at least 3 points for identity/);
  assert.match(await page.locator('#policy-retention').textContent(), /The address is deleted once the card is printed/);
  // A clerk sees neither Staff nor Sites.
  const nav = await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link').allTextContents();
  assert.ok(!nav.includes('Staff') && !nav.includes('Sites'), nav.join());
  await checkA11y(page, 'policy');
  expectOnlyStatuses(page, { 401: 1 });
  await page.context().close();

  const ar = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.phone });
  await signInConsole(ar, server, { user: 'amal', role: 'admin' });
  assert.equal(await ar.evaluate(() => document.documentElement.dir), 'rtl');
  await ar.getByRole('heading', { level: 2, name: 'إضافة موظف' }).waitFor();
  await checkA11y(ar, 'staff in Arabic');
  await screenshot(ar, 'staff-admin-ar');
  await ar.goto(`${server.url}/staff#policy`);
  await ar.getByRole('heading', { level: 2, name: 'الوثائق المقبولة' }).waitFor();
  assert.match(await ar.getByRole('table').first().textContent(), /جواز سفر أمريكي/);
  await checkA11y(ar, 'policy in Arabic');
  await screenshot(ar, 'staff-policy-ar');
  expectOnlyStatuses(ar, { 401: 1 });
  await ar.context().close();
});
