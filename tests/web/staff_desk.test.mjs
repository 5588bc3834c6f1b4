// The print station and the card desk (issue 17): cards issued through the API wait in the
// print station; a clerk downloads one card's PDF (rasterized with pdftoppm, its QR scanned by
// `cityid verify --image` → valid), marks it printed (it leaves the list and the record loses
// the address), downloads a batch sheet; at the card desk a clerk replaces a card (both numbers
// shown, the old one revoked on the status list, the new one offered to the print station) and
// sees no Revoke (the API answers 403); a supervisor revokes, in Arabic. axe on every screen.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { oracleVerify } from './cards.mjs';
import {
  REPO,
  VIEWPORTS,
  checkA11y,
  expectNoPageErrors,
  launchBrowser,
  newPage,
  screenshot,
  signInConsole,
  staffSession,
  startServer,
} from './harness.mjs';

let server;
let browser;
let clerkApi;
let supervisorApi;
let adminApi;
let work;

const PHOTO = fs.readFileSync(path.join(REPO, 'examples/portrait.png')).toString('base64');
const TEMPLATE = JSON.parse(fs.readFileSync(path.join(REPO, 'examples/applicant-jose.json'), 'utf8'));

// Distinct people (the same person twice would be flagged as a duplicate).
const PEOPLE = [
  ['Layla', 'Haddad', '1979-11-30', 'L1234567'],
  ['Kwame', 'Mensah', '1974-12-12', 'K2345678'],
  ['Irina', 'Volkova', '1990-06-21', 'V3456789'],
  ['Tomás', 'Ortega', '2001-05-14', 'T4567890'],
  ['Minh', 'Tran', '1995-01-25', 'M5678901'],
];
let nextPerson = 0;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cityid-desk-'));
  clerkApi = await staffSession(server, { user: 'clerk-api', role: 'clerk' });
  supervisorApi = await staffSession(server, { user: 'sup-api', role: 'supervisor' });
  adminApi = await staffSession(server, { user: 'admin-api', role: 'admin' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** enroll (clerk) → approve (supervisor) → issue (clerk), through the API. */
async function issueCard() {
  const [given, family, dob, passport] = PEOPLE[nextPerson++];
  const applicant = structuredClone(TEMPLATE);
  applicant.legal_name = { given, family };
  applicant.date_of_birth = dob;
  applicant.documents[0].number = passport;
  applicant.photo = PHOTO;
  const enrolled = await clerkApi.fetch('/api/v1/applications', { method: 'POST', body: applicant });
  assert.equal(enrolled.status, 201, enrolled.text);
  const app = enrolled.json;
  const approved = await supervisorApi.fetch(`/api/v1/applications/${app.id}/approve`, { method: 'POST', body: { reason: 'documents seen' } });
  assert.equal(approved.status, 200, approved.text);
  const issued = await clerkApi.fetch(`/api/v1/applications/${app.id}/issue`, { method: 'POST', body: {} });
  assert.equal(issued.status, 201, issued.text);
  return { number: issued.json.card_number, formatted: issued.json.formatted, qr: issued.json.qr_payload, personId: app.person_id };
}

async function readRecord(personId) {
  const r = await adminApi.fetch(`/api/v1/persons/${personId}/read`, { method: 'POST', body: { reason: 'test: check retention after print' } });
  assert.equal(r.status, 200, r.text);
  return r.json.record;
}

/** Each page of `pdf` as a 300 dpi PNG; the paths. */
function rasterize(pdf, name) {
  const file = path.join(work, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  const prefix = path.join(work, name);
  const r = spawnSync('pdftoppm', ['-r', '300', '-png', file, prefix], { encoding: 'utf8' });
  assert.equal(r.status, 0, `pdftoppm (Debian poppler-utils): ${r.stderr}`);
  return fs
    .readdirSync(work)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => path.join(work, f));
}

function pdfPages(pdf) {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
}

async function downloadBytes(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = await download.path();
  return { bytes: fs.readFileSync(file), name: download.suggestedFilename() };
}

// Chromium logs every 4xx answer as a console error: the console's own check for a session
// before signing in (401) is expected, once; anything else fails the test.
function expectOnlySignInErrors(page) {
  const signIn = page.errors.filter((e) => /status of 401/.test(e));
  assert.equal(signIn.length, 1, JSON.stringify(page.errors));
  page.errors = page.errors.filter((e) => !/status of 401/.test(e));
  expectNoPageErrors(page);
}

async function openSection(page, name) {
  await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name }).click();
  await page.locator('#section-heading', { hasText: name }).waitFor();
}

test('print station: one card as PDF that scans valid, mark printed drops the address, a batch sheet', async () => {
  const a = await issueCard();
  const b = await issueCard();
  const c = await issueCard();
  // Issuing keeps the address the card prints.
  assert.ok((await readRecord(a.personId)).address, 'the address stays until the card is printed');

  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'carla', role: 'clerk' });
  await openSection(page, 'Print station');
  const list = page.locator('.print-queue');
  await list.locator(`[data-card="${c.number}"]`).waitFor();
  const listed = await list.locator('li').evaluateAll((els) => els.map((e) => e.dataset.card));
  assert.deepEqual(listed.filter((n) => [a.number, b.number, c.number].includes(n)).sort(), [a.number, b.number, c.number].sort());
  assert.match(await page.locator('#print-count').textContent(), /3 cards are waiting/);
  await checkA11y(page, 'print station');
  await screenshot(page, 'staff-print');

  // One card's PDF: front and back pages; the back's QR scans as a valid card.
  const one = await downloadBytes(page, () => page.getByRole('button', { name: `Download PDF for card ${a.formatted}` }).click());
  assert.equal(one.name, `card-${a.number}.pdf`);
  assert.equal(one.bytes.subarray(0, 4).toString(), '%PDF');
  assert.equal(pdfPages(one.bytes), 2);
  const verdicts = rasterize(one.bytes, 'one').map((png) => {
    const v = server.cli(['--json', 'verify', '--image', png, '--data', server.dataDir]);
    return v.code === 0 ? JSON.parse(v.stdout) : null;
  });
  const valid = verdicts.filter((v) => v && v.verdict === 'valid');
  assert.equal(valid.length, 1, `one page carries the QR: ${JSON.stringify(verdicts)}`);
  assert.equal(valid[0].disclosed.card_number, a.number);
  await page.locator('#print-done').waitFor();
  assert.match(await page.locator('#print-done').textContent(), new RegExp(`The PDF for card \u2066${a.formatted}\u2069 is downloaded`));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'print-done');
  await checkA11y(page, 'print station: PDF downloaded');

  // Mark printed: a confirmation first, then the card leaves the list and the address the record.
  // From the keyboard: Enter on the button, focus moves to the confirmation, Enter again.
  await page.getByRole('button', { name: `Mark printed for card ${a.formatted}` }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), `confirm-yes-${a.number}`);
  await checkA11y(page, 'print station: confirm mark printed');
  await page.keyboard.press('Enter');
  await page.locator('#print-done', { hasText: `Card \u2066${a.formatted}\u2069 is marked printed` }).waitFor();
  assert.equal(await list.locator(`[data-card="${a.number}"]`).count(), 0);
  const queue = await clerkApi.fetch('/api/v1/print-queue');
  assert.equal(queue.status, 200);
  assert.equal(queue.headers.get('cache-control'), 'no-store');
  assert.ok(!queue.json.cards.some((x) => x.number === a.number), 'marked printed: out of the queue');
  assert.equal((await readRecord(a.personId)).address, undefined, 'retention after print: the address is gone');
  assert.ok((await readRecord(b.personId)).address, 'another holder keeps theirs until printed');

  // A batch sheet with nothing selected: one plain sentence, focused.
  await page.getByRole('button', { name: 'Download sheet of selected cards' }).click();
  await page.locator('#print-error').waitFor();
  assert.match(await page.locator('#print-error').textContent(), /Select at least one card/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'print-error');
  await checkA11y(page, 'print station: error');

  // Two cards on a Letter sheet: a front page and a mirrored back page.
  await page.getByLabel(`Select card ${b.formatted}`).check();
  await page.getByLabel(`Select card ${c.formatted}`).check();
  await page.getByLabel('Paper size').selectOption('letter');
  const sheet = await downloadBytes(page, () => page.getByRole('button', { name: 'Download sheet of selected cards' }).click());
  assert.equal(sheet.name, 'cards-letter.pdf');
  assert.equal(sheet.bytes.subarray(0, 4).toString(), '%PDF');
  assert.equal(pdfPages(sheet.bytes), 2);
  assert.ok(sheet.bytes.toString('latin1').includes('/MediaBox [ 0 0 612 792 ]'), 'US Letter pages');
  await page.locator('#print-done', { hasText: 'The sheet with 2 cards is downloaded' }).waitFor();

  // Unmounting forgets the PDF: its blob: URL is revoked (the CSP keeps the page itself from
  // fetching blob: URLs, so the test watches URL.revokeObjectURL).
  const href = await page.locator('#print-done a.pdf-link').getAttribute('href');
  assert.match(href, /^blob:/);
  await page.evaluate(() => {
    window.revokedUrls = [];
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.revokeObjectURL = (u) => {
      window.revokedUrls.push(u);
      revoke(u);
    };
  });
  await openSection(page, 'Card desk');
  assert.deepEqual(await page.evaluate(() => window.revokedUrls), [href]);
  // Nothing personal in the browser's storage.
  const stored = await page.evaluate(async () => ({ session: sessionStorage.length, caches: (await caches.keys()).length }));
  assert.deepEqual(stored, { session: 0, caches: 0 });
  expectOnlySignInErrors(page);
  await page.close();
});

test('card desk: a clerk replaces a lost card; the old number is revoked; no Revoke for a clerk', async () => {
  const card = await issueCard();
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'dana', role: 'clerk' });
  await openSection(page, 'Card desk');
  await checkA11y(page, 'card desk');

  // A malformed number: a sentence in the error summary and on the field, no request sent.
  await page.getByLabel('Card number').fill('1234');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.locator('#desk-error').waitFor();
  assert.match(await page.locator('#desk-error').textContent(), /Enter the 12 digits/);
  assert.equal(await page.getByLabel('Card number').getAttribute('aria-invalid'), 'true');
  await checkA11y(page, 'card desk: error');

  await page.getByLabel('Card number').fill(card.formatted.replace(/ /g, '-'));
  await page.getByLabel('Card number').press('Enter');
  await page.locator('#desk-card-state', { hasText: 'Active' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'desk-card-heading');
  assert.equal(await page.getByRole('button', { name: 'Revoke' }).count(), 0, 'a clerk sees no Revoke');
  assert.equal(await page.getByRole('button', { name: 'Renew' }).count(), 1);
  await checkA11y(page, 'card desk: card');
  // The API is the authority: a clerk's revoke is refused.
  const refused = await clerkApi.fetch(`/api/v1/cards/${card.number}/revoke`, { method: 'POST', body: { reason: 'trying' } });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.type, 'https://cityid.example/problems/role-not-allowed');

  await page.getByRole('button', { name: 'Replace' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'desk-form-title');
  await page.getByLabel('Lost').check();
  await checkA11y(page, 'card desk: replace');
  await screenshot(page, 'staff-desk-replace');
  await page.getByRole('button', { name: 'Replace the card' }).click();
  await page.locator('#desk-result').waitFor();
  const newNumber = (await page.locator('#desk-new-number').textContent()).replace(/ /g, '');
  assert.match(newNumber, /^[0-9]{12}$/);
  assert.notEqual(newNumber, card.number);
  assert.equal((await page.locator('#desk-old-number').textContent()).replace(/ /g, ''), card.number);
  await page.locator('#desk-card-state', { hasText: 'Revoked' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'desk-result');
  await checkA11y(page, 'card desk: replaced');
  await screenshot(page, 'staff-desk');

  // The old card: revoked by the API, and on a freshly exported status list.
  const old = await clerkApi.fetch(`/api/v1/cards/${card.number}`);
  assert.equal(old.json.state, 'revoked');
  assert.equal(old.json.replaced_by, newNumber);
  const keysFile = path.join(work, 'keys.json');
  const statusFile = path.join(work, 'status.json');
  assert.equal(server.cli(['keys', 'export', '--data', server.dataDir, '--out', keysFile]).code, 0);
  assert.equal(server.cli(['status-list', 'export', '--data', server.dataDir, '--out', statusFile]).code, 0);
  const verdict = oracleVerify(card.qr, fs.readFileSync(keysFile, 'utf8'), [fs.readFileSync(statusFile, 'utf8')]);
  assert.equal(verdict.verdict, 'revoked', JSON.stringify(verdict));

  // Print the new card: the print station opens with it marked as just issued.
  await page.getByRole('button', { name: 'Print the new card' }).click();
  await page.locator('#section-heading', { hasText: 'Print station' }).waitFor();
  const item = page.locator(`.print-card.highlight[data-card="${newNumber}"]`);
  await item.waitFor();
  assert.match(await item.textContent(), /New card from the card desk/);
  assert.equal(new URL(page.url()).hash, '#print', 'no card number in the URL');
  await checkA11y(page, 'print station from the desk');
  expectOnlySignInErrors(page);
  await page.close();
});

test('card desk in Arabic: a supervisor revokes a card with a reason', async () => {
  const card = await issueCard();
  const page = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'samira', role: 'supervisor' });
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  await page.goto(`${server.url}/staff#desk`);
  await page.locator('#section-heading', { hasText: 'مكتب' }).waitFor();
  await page.locator('#desk-number').fill(card.number);
  await page.locator('#desk-number').press('Enter');
  await page.locator('#desk-card-state', { hasText: 'سارية' }).waitFor();
  await page.locator('#desk-open-revoke').click();
  // No reason: refused on the page, in Arabic, before anything is sent.
  await page.locator('#desk-form button[type=submit]').click();
  await page.locator('#desk-error', { hasText: 'اذكر سبب إلغاء البطاقة' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'desk-error');
  await checkA11y(page, 'card desk (ar): revoke error');
  await page.locator('#desk-revoke-reason').fill('بطاقة مزورة');
  await checkA11y(page, 'card desk (ar): revoke');
  await screenshot(page, 'staff-desk-revoke-ar');
  await page.locator('#desk-form button[type=submit]').click();
  await page.locator('#desk-result').waitFor();
  await page.locator('#desk-card-state', { hasText: 'ملغاة' }).waitFor();
  await checkA11y(page, 'card desk (ar): revoked');
  const after = await supervisorApi.fetch(`/api/v1/cards/${card.number}`);
  assert.equal(after.json.state, 'revoked');
  // A revoked card offers no action.
  await page.locator('#desk-inactive').waitFor();
  expectOnlySignInErrors(page);
  await page.close();
});
