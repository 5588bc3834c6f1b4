// "Who looked at my record" (issue 16): the access code of an enrollment receipt opens the
// applicant's access history in Arabic, right to left, each entry said in the reader's
// language (what, when, who by role and office, why); a wrong or malformed code is one plain
// sentence; a booking's reference and PIN open the booking's own history; the list follows a
// language change; axe-core finds nothing in any state.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { REPO, VIEWPORTS, adminSession, checkA11y, launchBrowser, newPage, screenshot, startServer } from './harness.mjs';

let server;
let browser;
let enrolled; // { person_id, access_code }
let booking; // { reference, pin }

const READ_REASON = 'benefits office inquiry';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  // An applicant enrolled at the counter (cityid enroll prints the receipt's access code).
  const ago = (days) => new Date(Date.now() - days * 86400e3).toISOString().slice(0, 10);
  const applicant = {
    legal_name: { given: 'Layla', family: 'Haddad' },
    date_of_birth: '1988-02-14',
    address: { line1: '12 Atlantic Ave', city: 'New York', state: 'NY', postal_code: '11201' },
    language: 'ar',
    photo: path.join(REPO, 'examples/portrait.png'),
    documents: [
      { type: 'foreign_passport', number: 'P7654321', expires: '2031-05-01' },
      { type: 'utility_bill', issued: ago(10) },
    ],
  };
  const file = path.join(server.tmp, 'applicant.json');
  fs.writeFileSync(file, JSON.stringify(applicant));
  const r = server.cli(['--json', 'enroll', '--data', server.dataDir, '--applicant', file]);
  assert.equal(r.code, 0, r.stderr);
  enrolled = JSON.parse(r.stdout);
  assert.match(enrolled.access_code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  // A member of staff reads the record, with a reason.
  const admin = await adminSession(server);
  const read = await admin.fetch(`/api/v1/persons/${enrolled.person_id}/read`, { method: 'POST', body: { reason: READ_REASON } });
  assert.equal(read.status, 200, read.text);
  // A booking, for the reference + PIN way in.
  const site = server.cli([
    'site', 'add', '--data', server.dataDir, '--id', 'city-hall', '--name', 'City Hall', '--kind', 'city_hall',
    '--address', '1 Centre St', '--timezone', 'America/New_York', '--hours', 'mon-sun 08:00-18:00', '--slot-minutes', '30', '--capacity', '2',
  ]);
  assert.equal(site.code, 0, site.stderr);
  const from = new Date().toISOString().slice(0, 10);
  const to = new Date(Date.now() + 7 * 86400e3).toISOString().slice(0, 10);
  const slots = await (await fetch(`${server.url}/api/v1/sites/city-hall/slots?from=${from}&to=${to}`)).json();
  const booked = await fetch(`${server.url}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: 'city-hall', slot: slots.slots[0].start, name: 'Layla', language: 'ar' }),
  });
  assert.equal(booked.status, 201);
  booking = await booked.json();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(locale, viewport = VIEWPORTS.phone) {
  const page = await newPage(browser, { locale, viewport });
  page.apiFailures = [];
  page.urls = [];
  page.on('request', (r) => page.urls.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) page.apiFailures.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${server.url}/#history`);
  await page.locator('#history-root [data-step="form"]').waitFor();
  return page;
}

// Chromium logs every answer of 400 or more as a console error, even when the page handles
// it; those the test provoked on purpose (and only those) are allowed.
function expectNoPageErrorsBut(page, expected = []) {
  const loads = page.errors.filter((e) => /^console\.error: Failed to load resource: the server responded with a status of \d+/.test(e));
  const others = page.errors.filter((e) => !loads.includes(e));
  assert.deepEqual(others, [], 'the page must not log errors or throw');
  assert.deepEqual([...page.apiFailures].sort(), [...expected].sort());
  assert.equal(loads.length, page.apiFailures.length);
}

const root = (page) => page.locator('#history-root');

async function summaryText(page) {
  const s = root(page).locator('[data-error-summary]');
  await s.waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.hasAttribute('data-error-summary'));
  return (await s.textContent()).trim();
}

test('the access code opens the history in Arabic', async () => {
  const page = await open('ar');
  assert.deepEqual(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), ['ar', 'rtl']);
  const hist = root(page);
  await checkA11y(page, 'history: form (ar)');

  // Nothing typed.
  await hist.getByRole('button', { name: 'اعرض سجلي' }).click();
  assert.match(await summaryText(page), /اكتب رمز الدخول\./);
  await checkA11y(page, 'history: empty (ar)');

  // A code that is no code, then a well-formed code that matches nobody.
  await hist.getByLabel('رمز الدخول', { exact: true }).fill('abc');
  await hist.getByRole('button', { name: 'اعرض سجلي' }).click();
  assert.match(await summaryText(page), /هذا الرمز لا يبدو صحيحًا\. رمز الدخول مكوّن من 16 حرفًا ورقمًا\./);
  await hist.getByLabel('رمز الدخول', { exact: true }).fill('7KQ2-M9XD-0RTB-Z4HF');
  await hist.getByRole('button', { name: 'اعرض سجلي' }).click();
  assert.match(
    await summaryText(page),
    /^هناك مشكلةهذه البيانات لا تفتح أي سجل\. تحقق من الرمز، أو من الرقم المرجعي ورمز PIN، ثم حاول مرة أخرى\.$/,
  );
  await checkA11y(page, 'history: wrong code (ar)');

  // The right code.
  await hist.getByLabel('رمز الدخول', { exact: true }).fill(enrolled.access_code.toLowerCase());
  await hist.getByRole('button', { name: 'اعرض سجلي' }).click();
  await hist.locator('[data-step="result"]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'من اطّلع على ملفك');
  const entries = hist.locator('.hi-entry');
  const whats = await hist.locator('.hi-what').allTextContents();
  assert.ok(whats.includes('تقديم الطلب'), whats.join(' | ')); // application.enroll
  assert.ok(whats.includes('الاطلاع على الملف'), whats.join(' | ')); // person.read
  assert.equal(whats.at(-1), 'فُتح هذا السجل'); // history.view, the view itself, last
  const read = entries.filter({ hasText: 'الاطلاع على الملف' });
  const readText = await read.textContent();
  assert.match(readText, /مسؤول النظام/); // role: admin
  assert.match(readText, new RegExp(READ_REASON));
  // When: the server's instant, written in the reader's locale.
  const times = await hist.locator('.hi-entry time').evaluateAll((ts) => ts.map((t) => [t.getAttribute('datetime'), t.textContent]));
  for (const [iso, text] of times) {
    assert.match(iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(text.length > 0 && !text.includes('T'), text);
  }
  assert.match(await hist.locator('.hi-count').textContent(), /سجل/);
  await checkA11y(page, 'history: entries (ar)');
  await screenshot(page, 'portal-history-ar');

  // The language changes: the same list, now in Spanish.
  await page.selectOption('#language', 'es');
  await page.waitForFunction(() => document.documentElement.lang === 'es');
  await hist.getByText('Expediente consultado').waitFor();
  assert.match(await hist.textContent(), /Quién consultó su expediente/);
  assert.equal(await hist.locator('.hi-entry').count(), whats.length);
  await checkA11y(page, 'history: entries (es)');

  // The code went in the body, never in a URL.
  for (const u of page.urls) assert.ok(!u.toUpperCase().includes(enrolled.access_code.slice(0, 9)), u);
  expectNoPageErrorsBut(page, ['400 /api/v1/access-history', '401 /api/v1/access-history']);
  await page.context().close();
});

test("a booking's reference and PIN open its history", async () => {
  const page = await open('ar', VIEWPORTS.desktop);
  const hist = root(page);
  await hist.getByLabel('بالرقم المرجعي ورمز PIN لحجز', { exact: true }).check();
  await hist.getByLabel('الرقم المرجعي للحجز', { exact: true }).fill(booking.reference);
  await hist.getByLabel('رمز PIN', { exact: true }).fill(booking.pin);
  await checkA11y(page, 'history: booking form (ar)');
  await hist.getByRole('button', { name: 'اعرض سجلي' }).click();
  await hist.locator('[data-step="result"]').waitFor();
  const whats = await hist.locator('.hi-what').allTextContents();
  assert.deepEqual(whats, ['حجز موعد', 'فُتح هذا السجل']); // appointment.book, history.view
  await checkA11y(page, 'history: booking entries (ar)');
  // Close: the list is gone, the form is back.
  await hist.getByRole('button', { name: 'أغلق سجلي' }).click();
  await hist.locator('[data-step="form"]').waitFor();
  assert.equal(await hist.locator('.hi-entry').count(), 0);
  for (const u of page.urls) assert.ok(!u.includes(booking.pin), u);
  expectNoPageErrorsBut(page);
  await page.context().close();
});
