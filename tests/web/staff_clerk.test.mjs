// The clerk's day in the staff console (issue 17): today's appointments at the clerk's site (a
// booking made through the portal's API shows, is checked in and starts the enrollment form);
// an enrollment with a photo from Chromium's fake camera (fed by a .y4m file made here), the
// server's Latin spelling previewed and confirmed, documents evaluated as they are added, and the
// receipt in the applicant's language; a second applicant whose name is the first one's in
// Cyrillic with the same date of birth is flagged, enrolled with the keyboard only; a partner
// sees only their own site (page and API); axe on every step; Arabic; the document numbers typed
// are not in the page after submit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  checkA11y,
  daysAgo,
  inYears,
  launchBrowser,
  newPage,
  offsetForAfternoon,
  screenshot,
  signInConsole,
  staffSession,
  startServer,
  VIEWPORTS,
  writeY4m,
} from './harness.mjs';

let server;
let browser;
let tmp;
const SITE = 'city-hall';
const OTHER = 'east-library';
const PASSPORT_1 = 'P9876543210';
const PASSPORT_2 = 'X55501234';
const DOB = '1990-04-12';


async function book(name, language) {
  const day = new Date().toISOString().slice(0, 10);
  const to = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10);
  const slots = await (await fetch(`${server.url}/api/v1/sites/${SITE}/slots?from=${daysAgo(1)}&to=${to}`)).json();
  assert.ok(slots.slots.length > 0, JSON.stringify(slots));
  const res = await fetch(`${server.url}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: SITE, slot: slots.slots[0].start, name, language }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `${day}: ${text}`);
  return JSON.parse(text);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cityid-clerk-'));
  const video = path.join(tmp, 'face.y4m');
  writeY4m(video);
  server = await startServer();
  const tz = offsetForAfternoon();
  for (const [id, name] of [[SITE, 'City Hall'], [OTHER, 'East Library']]) {
    const r = server.cli([
      'site', 'add', '--data', server.dataDir, '--id', id, '--name', name, '--kind', 'city_hall', '--address', '1 Centre St',
      '--timezone', tz, '--hours', 'mon-sun 00:00-24:00', '--slot-minutes', '60', '--capacity', '5',
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
  browser = await launchBrowser([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Chromium logs every 4xx answer as a console error: the console's one probe for a session
// before signing in (401) is expected; anything else fails the test.
function expectNoErrors(page) {
  const probes = page.errors.filter((e) => /status of 401/.test(e));
  assert.equal(probes.length, 1, JSON.stringify(page.errors));
  assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), [], 'the page must not log errors or throw');
}

/** Fills a date's three labelled boxes (day, month, year) in the group named `name`. */
async function fillDate(page, name, iso) {
  const [y, m, d] = iso.split('-');
  const group = page.getByRole('group', { name, exact: true });
  await group.getByLabel('Day').fill(String(Number(d)));
  await group.getByLabel('Month').fill(String(Number(m)));
  await group.getByLabel('Year').fill(y);
}

/** Presses Tab (Shift+Tab with back) until the focused element matches `selector`. */
async function tabTo(page, selector, { back = false, max = 80 } = {}) {
  for (let i = 0; i < max; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('a clerk checks in a portal booking and enrolls from it, with a photo from the camera and a receipt in the applicant\'s language', async () => {
  const booking = await book('Rosa García', 'es');
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'carla', role: 'clerk', site: SITE });
  // A clerk lands on today's appointments at their site.
  assert.equal(new URL(page.url()).hash, '#today');
  await page.getByRole('heading', { level: 1, name: "Today's appointments" }).waitFor();
  const item = page.locator(`[data-ref="${booking.reference}"]`);
  await item.waitFor();
  assert.equal(await item.locator('.appt-name').textContent(), 'Rosa García');
  assert.equal(await item.locator('.appt-state').textContent(), 'Booked');
  assert.equal(await item.locator('.appt-ref').textContent(), booking.reference);
  // The PIN is never shown.
  assert.ok(!(await page.content()).includes(booking.pin));
  await checkA11y(page, 'today');
  await screenshot(page, 'staff-today');

  await item.getByRole('button', { name: 'Check in' }).click();
  await item.locator('.appt-state', { hasText: 'Checked in' }).waitFor();
  await checkA11y(page, 'today checked in');
  await item.getByRole('button', { name: 'Start enrollment' }).click();

  // The enrollment form, from the booking (in memory: the URL has only the section).
  await page.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  assert.equal(new URL(page.url()).hash, '#enroll');
  assert.match(await page.locator('.booking-notice').textContent(), new RegExp(booking.reference));
  assert.equal(await page.getByLabel("Applicant's language").inputValue(), 'es');

  await page.getByLabel('Given name(s)', { exact: true }).fill('José');
  await page.getByLabel('Family name(s)', { exact: true }).fill('García');
  // A Latin name prints as written: no confirmation needed.
  await page.locator('.latin-value', { hasText: 'José García' }).waitFor();
  assert.equal(await page.getByLabel('I read this spelling to the applicant and they agree').isVisible(), false);
  await fillDate(page, 'Date of birth', DOB);
  await page.getByRole('radio', { name: 'X' }).check();
  await page.getByLabel('Street and number').fill('12 Grand St');
  await page.getByLabel('City', { exact: true }).fill('New York');

  // The photo, from the fake camera, cropped to the card's 4:5 box.
  await page.getByRole('button', { name: 'Use the camera' }).click();
  await page.locator('.photo-guide').waitFor();
  await page.waitForFunction(() => document.querySelector('.photo-video')?.videoWidth > 0);
  await checkA11y(page, 'enroll camera');
  await page.getByRole('button', { name: 'Take the photo' }).click();
  await page.getByText('Photo ready.').waitFor();
  const size = await page.locator('.photo-img').evaluate((img) => new Promise((resolve) => {
    const done = () => resolve([img.naturalWidth, img.naturalHeight]);
    if (img.complete) done();
    else img.onload = done;
  }));
  assert.deepEqual(size, [600, 750]);
  assert.equal(await page.evaluate(() => document.querySelector('.photo-video')), null, 'the camera stops after the photo');

  // Documents: the evaluation says what is missing after each one.
  await page.getByLabel('Document type').selectOption('foreign_passport');
  await fillDate(page, 'Expiry date', inYears(4));
  await page.getByLabel('Document number').fill(PASSPORT_1);
  await page.getByRole('button', { name: 'Add this document' }).click();
  await page.locator('.doc-item', { hasText: 'number recorded' }).waitFor();
  // The number field is gone with the added document's draft; the number is not in the page.
  assert.equal(await page.locator('#enroll-doc-number').count(), 0);
  assert.ok(!(await page.content()).includes(PASSPORT_1), 'the number is not shown again');
  // page.content() has no typed values: no field holds it either.
  const values = await page.evaluate(() => [...document.querySelectorAll('input, textarea, select')].map((e) => e.value));
  assert.ok(!values.some((v) => v.includes(PASSPORT_1)), 'no field keeps the number');
  await page.locator('.eval-verdict', { hasText: 'Not enough yet.' }).waitFor();
  assert.match(await page.locator('.eval-missing').textContent(), /point for where you live/);
  await page.getByLabel('Document type').selectOption('utility_bill');
  await fillDate(page, 'Date of issue', daysAgo(10));
  await page.getByRole('button', { name: 'Add this document' }).click();
  await page.locator('.eval-verdict', { hasText: 'Enough' }).waitFor();
  await checkA11y(page, 'enroll filled');
  await screenshot(page, 'staff-enroll');

  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Enrollment recorded' }).waitFor();
  const ref = await page.locator('.result-ref').textContent();
  assert.match(ref, /^app_/);
  assert.match(await page.locator('.result-state').textContent(), /Documents checked/);
  // The receipt is in the applicant's language (Spanish), with the access code and the portal.
  const receipt = page.locator('#enroll-receipt');
  assert.equal(await receipt.getAttribute('lang'), 'es');
  assert.match(await receipt.textContent(), /Comprobante de inscripción/);
  assert.match(await receipt.locator('.receipt-code').textContent(), /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.equal(await receipt.locator('.receipt-url').textContent(), `${server.url}/#history`);
  assert.equal(await receipt.locator('.receipt-ref').textContent(), ref);
  // No document number anywhere in the page.
  const html = await page.content();
  assert.ok(!html.includes(PASSPORT_1));
  await checkA11y(page, 'enroll result');
  await screenshot(page, 'staff-enroll-result');
  // Print shows the receipt only.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.result-summary').evaluate((e) => getComputedStyle(e).visibility), 'hidden');
  assert.equal(await receipt.evaluate((e) => getComputedStyle(e).visibility), 'visible');
  await page.emulateMedia({ media: 'screen' });

  // The server has the application, from the booking's site; nothing personal in the browser's storage.
  const admin = await staffSession(server, { user: 'ada', role: 'admin' });
  const app = await admin.fetch(`/api/v1/applications/${ref}`);
  assert.equal(app.status, 200, app.text);
  assert.equal(app.json.site, SITE);
  const stored = await page.evaluate(() => ({ local: Object.keys(localStorage), session: sessionStorage.length }));
  assert.deepEqual(stored.local.filter((k) => k !== 'cityid.lang'), []);
  assert.equal(stored.session, 0);
  expectNoErrors(page);
  await page.context().close();
});

test('the same name in Cyrillic with the same date of birth is flagged; enrolled with the keyboard only', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'kim', role: 'clerk', site: SITE });
  await page.getByRole('heading', { level: 1, name: "Today's appointments" }).waitFor();
  const key = (k) => page.keyboard.press(k);
  const type = (text) => page.keyboard.type(text);

  // Walk-in, from the keyboard.
  await tabTo(page, 'button.walk-in');
  await key('Enter');
  await page.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  await tabTo(page, '#enroll-given');
  await type('Хосе');
  await key('Tab');
  await type('Гарсия');
  // The server's spelling, shown as the clerk types, to confirm with the applicant.
  await page.locator('.latin-value', { hasText: 'Khose Garsiya' }).waitFor();
  await checkA11y(page, 'enroll cyrillic preview');
  await tabTo(page, '#enroll-confirm');
  await key('Space');
  assert.equal(await page.locator('#enroll-confirm').isChecked(), true);
  // The date of birth in three boxes, month first in English.
  await tabTo(page, '#enroll-dob');
  await type('4');
  await key('Tab');
  await type('12');
  await key('Tab');
  await type('1990');
  await tabTo(page, '#enroll-line1');
  await type('12 Grand St');
  await tabTo(page, '#enroll-city');
  await type('New York');
  await tabTo(page, 'button.photo-camera');
  await key('Enter');
  await tabTo(page, 'button.photo-take');
  await page.waitForFunction(() => document.querySelector('.photo-video')?.videoWidth > 0);
  await key('Enter');
  await page.getByText('Photo ready.').waitFor();
  // The passport: type-ahead in the select, the expiry date, the number, Enter adds it.
  await tabTo(page, '#enroll-doc-type');
  await type('Machine');
  assert.equal(await page.locator('#enroll-doc-type').inputValue(), 'foreign_passport');
  await tabTo(page, '#enroll-doc-expires');
  const [y, m, d] = inYears(4).split('-');
  await type(m);
  await key('Tab');
  await type(d);
  await key('Tab');
  await type(y);
  await tabTo(page, '#enroll-doc-number');
  await type(PASSPORT_2);
  await key('Enter');
  await page.locator('.doc-item').waitFor();
  // The utility bill.
  await tabTo(page, '#enroll-doc-type');
  await type('Utility');
  assert.equal(await page.locator('#enroll-doc-type').inputValue(), 'utility_bill');
  await tabTo(page, '#enroll-doc-issued');
  const [iy, im, id] = daysAgo(5).split('-');
  await type(im);
  await key('Tab');
  await type(id);
  await key('Tab');
  await type(iy);
  await tabTo(page, '#enroll-doc-add');
  await key('Enter');
  await page.locator('.eval-verdict', { hasText: 'Enough' }).waitFor();
  await tabTo(page, '#enroll-submit');
  await key('Enter');

  await page.getByRole('heading', { level: 1, name: 'Enrollment recorded' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'section-heading');
  assert.match(await page.locator('.result-summary').textContent(), /flagged for review/);
  assert.match(await page.locator('.result-flag').textContent(), /may be a duplicate/);
  assert.match(await page.locator('.result-state').textContent(), /Flagged for review/);
  // The receipt in English (the applicant's language chosen: the page's).
  assert.equal(await page.locator('#enroll-receipt').getAttribute('lang'), 'en');
  assert.ok(!(await page.content()).includes(PASSPORT_2));
  await checkA11y(page, 'enroll flagged');
  expectNoErrors(page);
  await page.context().close();
});

test('a partner sees only their own site, in Arabic; the API answers another site like a missing one', async () => {
  await book('ليلى', 'ar');
  const page = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'pat', role: 'partner', site: OTHER });
  await page.getByRole('heading', { level: 1, name: 'مواعيد اليوم' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  // No site to choose, their own site named, and none of City Hall's bookings.
  assert.equal(await page.locator('#section-root select').count(), 0);
  assert.match(await page.locator('.today-site').textContent(), /East Library/);
  await page.getByText('لا توجد مواعيد في هذا اليوم.').waitFor();
  assert.ok(!(await page.content()).includes('ليلى'));
  await checkA11y(page, 'today partner arabic');
  await screenshot(page, 'staff-today-ar');
  // The enrollment form in Arabic, with a name in Arabic script and its preview.
  await page.getByRole('button', { name: 'بدون موعد: تسجيل شخص لم يحجز' }).click();
  await page.getByRole('heading', { level: 1, name: 'تسجيل مقدّم طلب' }).waitFor();
  await page.locator('#enroll-given').fill('ليلى');
  await page.locator('.latin-value').waitFor();
  assert.match(await page.locator('.latin-value').textContent(), /^[A-Za-z ]+$/);
  await checkA11y(page, 'enroll arabic');
  await screenshot(page, 'staff-enroll-ar');
  expectNoErrors(page);
  await page.context().close();

  const partner = await staffSession(server, { user: 'pat2', role: 'partner', site: OTHER });
  const own = await partner.fetch(`/api/v1/sites/${OTHER}/appointments`);
  assert.equal(own.status, 200, own.text);
  assert.equal(own.headers.get('cache-control'), 'no-store');
  const other = await partner.fetch(`/api/v1/sites/${SITE}/appointments`);
  assert.equal(other.status, 404);
  assert.match(other.json.type, /site-not-found$/);
  assert.ok(!other.text.includes('ليلى'));
  const auditor = await staffSession(server, { user: 'audrey', role: 'auditor' });
  assert.equal((await auditor.fetch(`/api/v1/sites/${SITE}/appointments`)).status, 403);
  assert.equal((await auditor.fetch('/api/v1/names/latin', { method: 'POST', body: { name: 'Хосе' } })).status, 403);
});

test('missing fields and a photo the server refuses are plain sentences in a focused summary', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'lee', role: 'clerk', site: SITE });
  await page.getByRole('button', { name: 'Walk-in: enroll someone without a booking' }).click();
  await page.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  // Nothing filled in: one summary, focused, naming each thing to do.
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  const summary = page.locator('#enroll-error');
  await summary.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'enroll-error');
  const items = await summary.locator('li').allTextContents();
  assert.deepEqual(items, [
    'Enter the given name, the family name or both.',
    'Enter the date of birth.',
    'Enter the street and the city.',
    "Take the applicant's photo or choose a photo file.",
    'Add the documents you checked.',
  ]);
  await checkA11y(page, 'enroll errors');
  // A date that does not exist is named as such.
  await fillDate(page, 'Date of birth', '1990-02-31');
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await summary.getByText('Enter a real date for “Date of birth”.').waitFor();
  // A file with a PNG signature that is no image: the page sends it, the server refuses it.
  await page.getByLabel('Given name(s)', { exact: true }).fill('Ana');
  await page.getByLabel('Family name(s)', { exact: true }).fill('Lopez');
  await fillDate(page, 'Date of birth', '1985-02-03');
  await page.getByLabel('Street and number').fill('1 Main St');
  await page.getByLabel('City', { exact: true }).fill('New York');
  const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
  await page.getByLabel('Or choose a photo file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: fake });
  await page.getByText('Photo ready.').waitFor();
  await page.getByLabel('Document type').selectOption('foreign_passport');
  await fillDate(page, 'Expiry date', inYears(2));
  await page.getByLabel('Document number').fill('Z1234567');
  await page.getByRole('button', { name: 'Add this document' }).click();
  await page.getByLabel('Document type').selectOption('utility_bill');
  await fillDate(page, 'Date of issue', daysAgo(3));
  await page.getByRole('button', { name: 'Add this document' }).click();
  await page.locator('.eval-verdict', { hasText: 'Enough' }).waitFor();
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await page.locator('#enroll-error', { hasText: 'The photo was refused' }).waitFor();
  assert.match(await page.locator('#enroll-error').textContent(), /add the documents again/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'enroll-error');
  // The numbers typed are gone with the documents: they are checked again.
  assert.ok(!(await page.content()).includes('Z1234567'));
  await page.locator('#enroll-evaluation', { hasText: 'No documents added yet.' }).waitFor();
  await checkA11y(page, 'enroll server error');
  // Expected console errors: the sign-in probe (401) and the refused photo (400).
  const bad = page.errors.filter((e) => /status of 400/.test(e));
  assert.equal(bad.length, 1, JSON.stringify(page.errors));
  page.errors = page.errors.filter((e) => !/status of 400/.test(e));
  expectNoErrors(page);
  await page.context().close();
});
