// The admin's "Records and keys" section and the data-request register (issue 17): legal holds
// placed by card number, listed and released; retention status numbers against a seeded state;
// key status against /.well-known/cityid-keys; the register recorded and answered by an admin and
// read-only for an auditor; and the two-person emergency destruction by two admins in two
// browser contexts, after which the API refuses records with the documented problem. axe on
// every screen; Arabic at phone size.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BIN, PASSWORD, REPO, VIEWPORTS, checkA11y, launchBrowser, newPage as newBrowserPage, screenshot, signInConsole, staffSession, startServer } from './harness.mjs';

const DAY = 86400;
const NOW = 1796644800; // 2026-12-07 12:00 UTC: the server's clock
const THEN = NOW - 100 * DAY; // 2026-08-29: old applications, past the retention periods

let server;
let browser;
let admin; // an API session (the test's own hands)
let supervisor; // signed in before destruction, to read a record afterwards
const people = {};

// A page whose clock reads the server's (the console times sessions on the page's clock).
async function newPage(b, opts) {
  const page = await newBrowserPage(b, opts);
  await page.clock.setFixedTime(new Date(NOW * 1000));
  return page;
}

// The CLI at another time than the server's (enrolling in the past).
function cliAt(now, args) {
  const r = spawnSync(BIN, ['--now', String(now), '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CITYID_ALLOW_CLOCK_OVERRIDE: '1' },
  });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

function enroll(now, given, family, dob, billIssued) {
  const file = path.join(server.tmp, `applicant-${family}.json`);
  fs.copyFileSync(path.join(REPO, 'examples', 'portrait.png'), path.join(server.tmp, 'portrait.png'));
  fs.writeFileSync(
    file,
    JSON.stringify({
      legal_name: { given, family },
      date_of_birth: dob,
      address: { line1: '1 Centre St', city: 'New York', state: 'NY', postal_code: '10007' },
      gender: 'X',
      language: 'en',
      photo: path.join(server.tmp, 'portrait.png'),
      documents: [
        { type: 'foreign_passport', number: `P${family.length}${dob.replace(/-/g, '')}`, expires: '2031-03-01' },
        { type: 'utility_bill', issued: billIssued },
      ],
    }),
  );
  return cliAt(now, ['enroll', '--data', server.dataDir, '--applicant', file]);
}

before(async () => {
  server = await startServer({ now: NOW });
  browser = await launchBrowser();
  // 100 days ago: one application rejected (past 90 days), one never finished (past 30 days),
  // one rejected but held. Today: one person with a card.
  const a = enroll(THEN, 'Ana', 'Ruiz', '1985-02-03', '2026-08-20');
  cliAt(THEN, ['reject', '--data', server.dataDir, '--application', a.application_id, '--reason', 'documents not genuine']);
  enroll(THEN, 'Wei', 'Zhang', '1992-07-19', '2026-08-20');
  const c = enroll(THEN, 'Layla', 'Haddad', '1979-11-30', '2026-08-20');
  cliAt(THEN, ['reject', '--data', server.dataDir, '--application', c.application_id, '--reason', 'documents not genuine']);
  const d = enroll(NOW, 'Grace', 'Okafor', '1968-09-02', '2026-11-20');
  cliAt(NOW, ['approve', '--data', server.dataDir, '--application', d.application_id]);
  const card = cliAt(NOW, ['issue', '--data', server.dataDir, '--application', d.application_id]);
  people.held = c;
  people.cardholder = { ...d, card: card.card_number };
  admin = await staffSession(server, { user: 'root', role: 'admin' });
  supervisor = await staffSession(server, { user: 'sam', role: 'supervisor' });
  const app = await admin.fetch(`/api/v1/applications/${c.application_id}`);
  people.held.person_id = app.json.person_id;
  const app2 = await admin.fetch(`/api/v1/applications/${d.application_id}`);
  people.cardholder.person_id = app2.json.person_id;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Chromium logs every 4xx answer as a console error: a test allows exactly the ones it provokes.
// Each sign-in page first asks for the current session: one 401 per console sign-in.
function onlyExpectedErrors(page, expected) {
  const signIns = page.errors.filter((e) => /status of 401/.test(e));
  assert.ok(signIns.length <= 1, `401s: ${JSON.stringify(page.errors)}`);
  page.errors = page.errors.filter((e) => !/status of 401/.test(e));
  const provoked = page.errors.filter((e) => expected.some((re) => re.test(e)));
  const others = page.errors.filter((e) => !expected.some((re) => re.test(e)));
  assert.deepEqual(others, [], 'the page must not log other errors or throw');
  return provoked.length;
}

async function openRecords(page, user, { step = 0, add = true, secret = null } = {}) {
  const who = await signInConsole(page, server, { user, role: 'admin', step, add, secret });
  await page.goto(`${server.url}/staff#records`);
  await page.locator('#section-heading').waitFor();
  return who;
}

test('legal holds: placed by card number, listed, released', async () => {
  const page = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await openRecords(page, 'ada');
  await page.getByRole('heading', { level: 1, name: 'Records and keys' }).waitFor();
  await page.locator('#rec-holds-empty').waitFor();
  await checkA11y(page, 'records: holds empty');

  const formatted = people.cardholder.card.replace(/(\d{4})(?=\d)/g, '$1 ');
  await page.getByLabel('Person id or card number').fill(formatted);
  await page.getByLabel('Reason', { exact: true }).selectOption('court_order');
  await page.getByLabel('Note (optional)').fill('Index 4521/2026');
  await page.getByRole('button', { name: 'Place the hold' }).click();
  await page.getByText('The hold is placed (Court order).').waitFor();
  const row = page.locator('#rec-holds-table tbody tr');
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), new RegExp(people.cardholder.person_id));
  assert.match(await row.textContent(), /Court order/);
  assert.match(await row.textContent(), /Yes \(encrypted\)/);
  // The note never comes back to the page.
  assert.doesNotMatch(await page.locator('main').textContent(), /4521/);
  await checkA11y(page, 'records: a hold');
  await screenshot(page, 'staff-records');

  // The API agrees, and a second hold on the same person is one plain sentence.
  const listed = await admin.fetch('/api/v1/holds');
  assert.equal(listed.status, 200);
  assert.equal(listed.headers.get('cache-control'), 'no-store');
  assert.deepEqual(listed.json.holds.map((x) => x.person_id), [people.cardholder.person_id]);
  await page.getByLabel('Person id or card number').fill(people.cardholder.person_id);
  await page.getByRole('button', { name: 'Place the hold' }).click();
  await page.getByRole('alert').getByText('This record is already held.').waitFor();
  await checkA11y(page, 'records: hold error');

  // Release asks first, then the list is empty.
  await page.getByRole('button', { name: `Release: ${people.cardholder.person_id}` }).click();
  await page.getByRole('button', { name: 'Yes, release the hold' }).click();
  await page.getByText('The hold is released.').waitFor();
  await page.locator('#rec-holds-empty').waitFor();
  assert.deepEqual((await admin.fetch('/api/v1/holds')).json.holds, []);
  assert.equal(onlyExpectedErrors(page, [/status of 409/]), 1);
});

test('retention status matches the seeded records; running it asks first and removes them', async () => {
  const hold = await admin.fetch(`/api/v1/persons/${people.held.person_id}/hold`, { method: 'POST', body: { category: 'litigation' } });
  assert.equal(hold.status, 201, hold.text);
  const page = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await openRecords(page, 'bo');
  const facts = page.locator('#rec-retention-facts');
  await facts.waitFor();
  const text = await facts.textContent();
  assert.match(text, /Records of unfinished applications older than 30 days\s*1/);
  assert.match(text, /Records of applications rejected more than 90 days ago\s*1/);
  assert.match(text, /Cards past their expiry date, to be marked expired\s*0/);
  // Issuing a card drops the address ("retention after print"): not the job's doing.
  assert.match(text, /Last time the job removed or expired something\s*Never/);
  assert.equal(await page.locator('#rec-retention-total').textContent(), '2');
  assert.equal(await page.locator('#rec-retention-held').textContent(), '1');
  const preview = await admin.fetch('/api/v1/retention');
  assert.equal(preview.json.persons_to_purge.total, 2);
  assert.equal(preview.json.held, 1);

  await page.getByRole('button', { name: 'Run the retention job now' }).click();
  await page.getByRole('heading', { name: 'Check before you run it' }).waitFor();
  assert.match(await page.locator('#rec-run-check').textContent(), /This removes 2 records for good/);
  await checkA11y(page, 'records: retention check');
  await page.getByRole('button', { name: 'Yes, run it now' }).click();
  await page.getByText('The retention job ran: 2 records removed, 0 cards marked expired. Records on hold were kept.').waitFor();
  await page.locator('#rec-retention-total').getByText('0').waitFor();
  assert.equal(await page.locator('#rec-retention-held').textContent(), '1');
  assert.doesNotMatch(await facts.textContent(), /something\s*Never/);
  onlyExpectedErrors(page, []);
});

test('key status shows the issuer key published at /.well-known/cityid-keys, never key material', async () => {
  const page = await newPage(browser, { viewport: VIEWPORTS.phone });
  await openRecords(page, 'cy');
  const table = page.locator('#rec-issuer-keys');
  await table.waitFor();
  const jwks = await (await fetch(`${server.url}/.well-known/cityid-keys`)).json();
  assert.equal(jwks.keys.length, 1);
  assert.equal(await table.locator('tbody tr td code').textContent(), jwks.keys[0].kid);
  assert.match(await table.textContent(), /Active: signs new cards/);
  assert.equal(await page.locator('#rec-data-keys').textContent(), 'Present on this server');
  assert.doesNotMatch(await page.locator('main').textContent(), new RegExp(jwks.keys[0].x.slice(0, 16)));
  await page.locator('#rec-keys-h').scrollIntoViewIfNeeded();
  await checkA11y(page, 'records: keys (phone)');
  onlyExpectedErrors(page, []);
});

test('the data-request register: an admin records and answers; an auditor only reads', async () => {
  const page = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'dee', role: 'admin' });
  await page.goto(`${server.url}/staff#register`);
  await page.getByRole('heading', { level: 1, name: 'Data requests' }).waitFor();
  await page.locator('#reg-empty').waitFor();
  await checkA11y(page, 'register: empty (admin)');

  const form = page.locator('#reg-record-form');
  await form.getByLabel('Kind of request').selectOption('subpoena');
  await form.getByLabel('Received on').fill('2026-12-01');
  await form.getByLabel('Who sent it').fill('Kings County District Attorney');
  await form.getByLabel('Legal basis').fill('Grand jury subpoena');
  // A scope that names a person is refused in plain words.
  await form.getByLabel('What was asked').fill('Records of card 123456789012');
  await form.getByRole('button', { name: 'Record the request' }).click();
  await page.getByRole('alert').getByText('This text seems to name a person').waitFor();
  await form.getByLabel('What was asked').fill('Enrollment counts at City Hall, January to March 2026');
  await form.getByRole('button', { name: 'Record the request' }).click();
  await page.getByText('The request is recorded as not answered yet.').waitFor();
  const row = page.locator('#reg-table tbody tr');
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /Subpoena.*Kings County District Attorney.*Not answered yet/);
  await checkA11y(page, 'register: one request (admin)');

  await page.getByRole('button', { name: /Record the answer: request received .* from Kings County District Attorney/ }).click();
  const answer = page.locator('#reg-answer-form');
  await answer.getByLabel('Answer', { exact: true }).selectOption('narrowed');
  await answer.getByLabel('Answered on').fill('2026-12-05');
  await answer.getByLabel('Counts only').check();
  await answer.getByLabel('Number of people whose data was handed over').fill('0');
  await checkA11y(page, 'register: answer form');
  await answer.getByRole('button', { name: 'Save the answer' }).click();
  await page.getByText('The answer is saved: Narrowed.').waitFor();
  assert.match(await row.textContent(), /Narrowed/);
  assert.match(await row.textContent(), /Counts only/);
  await screenshot(page, 'staff-register');
  // The filter hides what does not match.
  await page.getByLabel('Answer', { exact: true }).selectOption('refused');
  await page.getByText('No requests match.').waitFor();
  await page.getByLabel('Answer', { exact: true }).selectOption('');
  await row.waitFor();
  assert.equal(onlyExpectedErrors(page, [/status of 400/]), 1);

  // The auditor: the same list, no form, no buttons; the API refuses them the writes.
  const auditorPage = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await signInConsole(auditorPage, server, { user: 'audrey', role: 'auditor' });
  await auditorPage.goto(`${server.url}/staff#register`);
  await auditorPage.locator('#reg-table tbody tr').waitFor();
  assert.match(await auditorPage.locator('#reg-table').textContent(), /Narrowed/);
  await auditorPage.locator('#reg-readonly').waitFor();
  assert.equal(await auditorPage.locator('#reg-record-form').count(), 0);
  assert.equal(await auditorPage.locator('#section-root button').count(), 0);
  await checkA11y(auditorPage, 'register: auditor');
  const auditorApi = await staffSession(server, { user: 'audra', role: 'auditor' });
  const refused = await auditorApi.fetch('/api/v1/data-requests', {
    method: 'POST',
    body: { kind: 'other', received_on: '2026-12-01', requesting_body: 'x', legal_basis: 'y', scope: 'z' },
  });
  assert.equal(refused.status, 403);
  assert.match(refused.json.type, /role-not-allowed$/);
  // An auditor's console has no Records and keys section.
  const nav = await auditorPage.getByRole('navigation', { name: 'Console sections' }).getByRole('link').allTextContents();
  assert.ok(!nav.includes('Records and keys'), nav.join());
  onlyExpectedErrors(auditorPage, []);
});

test('Arabic: the records section reads right to left at phone size', async () => {
  const page = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'eid', role: 'admin' });
  await page.goto(`${server.url}/staff#records`);
  await page.locator('#rec-issuer-keys').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await page.locator('#section-heading').textContent(), 'السجلات والمفاتيح');
  await checkA11y(page, 'records: Arabic');
  await screenshot(page, 'staff-records-ar');
  onlyExpectedErrors(page, []);
});

test('two admins destroy the keys on their own sessions; then records are refused plainly', async () => {
  const pageA = await newPage(browser, { viewport: VIEWPORTS.desktop });
  const pageB = await newPage(browser, { viewport: VIEWPORTS.desktop });
  // B's account must be older than the approver's cooling-off period (7 days before the
  // request; docs/operations.md). Made first: the log is read backwards in time order.
  const added = spawnSync(BIN, ['--now', String(NOW - 8 * DAY), '--json', 'staff', 'add', '--data', server.dataDir, '--user', 'gus', '--role', 'admin', '--password-stdin'], {
    encoding: 'utf8',
    input: `${PASSWORD}\n`,
    env: { ...process.env, CITYID_ALLOW_CLOCK_OVERRIDE: '1' },
  });
  assert.equal(added.status, 0, added.stderr);
  const gusSecret = new URL(JSON.parse(added.stdout).totp_uri).searchParams.get('secret');
  await openRecords(pageA, 'fay');
  await pageA.locator('#rec-destroy-none').waitFor();
  await checkA11y(pageA, 'destruction: none');

  // A asks: a reason and the typed phrase (a wrong phrase is one sentence, nothing is sent).
  await pageA.getByLabel('Why is this needed?').fill('Servers to be seized under a court order');
  await pageA.getByLabel('To confirm, type: destroy the keys').fill('destroy');
  await pageA.getByRole('button', { name: 'Ask for destruction' }).click();
  await pageA.getByRole('alert').getByText('Type the words exactly as shown: destroy the keys').waitFor();
  await pageA.getByLabel('To confirm, type: destroy the keys').fill('Destroy the keys');
  await pageA.getByRole('button', { name: 'Ask for destruction' }).click();
  await pageA.getByText('Your request is recorded. Nothing is destroyed yet.').waitFor();
  const item = pageA.locator('#rec-destroy-requests li');
  assert.match(await item.textContent(), /Waiting for a second administrator/);
  assert.match(await item.textContent(), /fay \(you\)/);
  await checkA11y(pageA, 'destruction: pending (requester)');

  // A cannot approve their own request: the two-person rule as a plain sentence.
  await pageA.getByLabel('To confirm, type: destroy the keys').fill('destroy the keys');
  await pageA.getByRole('button', { name: 'Approve and destroy the keys' }).click();
  await pageA.getByRole('alert').getByText('You made this request, so you cannot approve it.').waitFor();
  assert.equal(await pageA.evaluate(() => document.activeElement.closest('[role=alert]') !== null), true);
  assert.ok(fs.existsSync(path.join(server.dataDir, 'keys', 'kek.key')));

  // B, on their own session, sees it and approves.
  await openRecords(pageB, 'gus', { add: false, secret: gusSecret });
  const itemB = pageB.locator('#rec-destroy-requests li');
  await itemB.waitFor();
  assert.match(await itemB.textContent(), /Asked by\s*fay/);
  assert.doesNotMatch(await itemB.textContent(), /\(you\)/);
  await checkA11y(pageB, 'destruction: pending (approver)');
  await screenshot(pageB, 'staff-records-destruction');
  // From the keyboard: type the phrase, Tab to the button, Enter.
  await pageB.getByLabel('To confirm, type: destroy the keys').fill('destroy the keys');
  await pageB.keyboard.press('Tab');
  assert.equal(await pageB.evaluate(() => document.activeElement.textContent), 'Approve and destroy the keys');
  await pageB.keyboard.press('Enter');
  const outcome = pageB.locator('#rec-destroyed');
  await outcome.waitFor();
  assert.match(await outcome.textContent(), /The data keys are destroyed/);
  assert.match(await outcome.textContent(), /key files? (was|were) overwritten and removed/);
  assert.match(await outcome.textContent(), /no one can sign in again/);
  await pageB.locator('#rec-data-keys').getByText('Destroyed: no record can be opened').waitFor();
  assert.match(await itemB.textContent(), /Done: keys destroyed/);
  await checkA11y(pageB, 'destruction: done');
  assert.ok(!fs.existsSync(path.join(server.dataDir, 'keys', 'kek.key')));

  // The API afterwards: reading a record is 409 keys-missing (docs/api.md), signing in too;
  // verifying keeps working and the log stays readable.
  const read = await supervisor.fetch(`/api/v1/persons/${people.cardholder.person_id}/read`, {
    method: 'POST',
    body: { reason: 'check after destruction' },
  });
  assert.equal(read.status, 409, read.text);
  assert.match(read.json.type, /\/keys-missing$/);
  assert.match(read.json.detail, /data keys were destroyed/);
  const login = await fetch(`${server.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: 'sam', password: 'x' }),
  });
  assert.equal(login.status, 409);
  assert.equal((await fetch(`${server.url}/.well-known/cityid-keys`)).status, 200);
  assert.equal((await admin.fetch('/api/v1/audit/head')).status, 200);

  assert.equal(onlyExpectedErrors(pageA, [/status of 403/]), 1);
  onlyExpectedErrors(pageB, []);
});
