// The staff console's whole story (issue 17, "What it must show", first bullet), through the real
// pages, each actor in their own browser context: an administrator signs in with TOTP and adds a
// clerk, a supervisor and an auditor on the Staff page; the clerk (first sign-in, password only)
// checks in an appointment booked through the portal's API and enrolls that applicant with a
// photo from Chromium's fake camera, then enrolls a walk-in whose name is the first one's in
// Cyrillic with the same date of birth and sees the duplicate flag; the supervisor (first
// sign-in: sets up the TOTP from the page) opens the pair, rejects the duplicate, approves the
// first and issues its card; the print station downloads the PDF, which the test rasterizes and
// whose QR `cityid verify --image` finds valid; the card desk replaces the card as lost and the
// old card's QR verifies as revoked against the server's refreshed status list; the auditor's
// in-browser proof of the replacement passes, and fails when the entry is changed in transit.
// axe on every screen the story passes.
//
// The second bullet: what a clerk cannot reach is tested where each section lives
// (staff_decide.test.mjs: no Decisions in the nav, #queue refused, approve/reject 403;
// staff_people.test.mjs: no Staff or Sites in a clerk's nav; staff_desk.test.mjs: no Revoke, 403;
// staff_audit.test.mjs: an auditor refused #enroll and the personal-data API); here the story's
// own clerk is checked for the admin section (nav, hash, API). And a session that times out
// with the enrollment form holding a name shows the sign-in page with the name nowhere in it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
  PASSWORD,
  screenshot,
  signInConsole,
  staffSession,
  startServer,
  totp,
  VIEWPORTS,
  writeY4m,
} from './harness.mjs';

const SITE = 'city-hall';
const DOB = '1990-04-12';
const PASSPORT_1 = 'P9876543210';
const PASSPORT_2 = 'X55501234';
const CLERK = 'carla.story';
const SUPERVISOR = 'sam.story';
const AUDITOR = 'olga.story';

let server;
let browser;
let work;
let checker; // an admin's API session, to check results only


before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cityid-story-'));
  const video = path.join(work, 'face.y4m');
  writeY4m(video);
  server = await startServer();
  // The site (not part of the story: the admin's Sites page has its own test).
  const r = server.cli([
    'site', 'add', '--data', server.dataDir, '--id', SITE, '--name', 'City Hall', '--kind', 'city_hall', '--address', '1 Centre St',
    '--timezone', offsetForAfternoon(), '--hours', 'mon-sun 00:00-24:00', '--slot-minutes', '60', '--capacity', '5',
  ]);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  checker = await staffSession(server, { user: 'checker', role: 'admin' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// Chromium logs every 4xx answer as a console error: exactly the ones the story provokes are
// allowed (`allowed` maps a status to its count); anything else fails.
function expectOnlyErrors(page, allowed) {
  const counts = {};
  const other = [];
  for (const e of page.errors) {
    const m = /status of (\d{3})/.exec(e);
    if (m) counts[m[1]] = (counts[m[1]] || 0) + 1;
    else other.push(e);
  }
  assert.deepEqual(other, [], 'the page must not log errors or throw');
  assert.deepEqual(counts, allowed, `4xx answers: ${JSON.stringify(page.errors)}`);
}

async function openSection(page, name) {
  await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name, exact: true }).click();
  await page.locator('#section-heading', { hasText: name }).waitFor();
}

async function addStaff(admin, user, role) {
  await admin.getByLabel('User name', { exact: true }).fill(user);
  await admin.getByLabel('Role').selectOption(role);
  await admin.getByLabel('First password').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Add staff member' }).click();
  await admin.locator('#admin-notice', { hasText: `${user} is added` }).waitFor();
  await admin.locator(`#staff-${user.replace('.', '\\.')}`).waitFor();
}

/** Fills a date's three labelled boxes (day, month, year) in the group named `name`. */
async function fillDate(page, name, iso) {
  const [y, m, d] = iso.split('-');
  const group = page.getByRole('group', { name, exact: true });
  await group.getByLabel('Day').fill(String(Number(d)));
  await group.getByLabel('Month').fill(String(Number(m)));
  await group.getByLabel('Year').fill(y);
}

async function fillApplicant(page, { given, family, passport, latin, confirm }) {
  await page.getByLabel('Given name(s)', { exact: true }).fill(given);
  await page.getByLabel('Family name(s)', { exact: true }).fill(family);
  await page.locator('.latin-value', { hasText: latin }).waitFor();
  if (confirm) await page.getByLabel('I read this spelling to the applicant and they agree').check();
  await fillDate(page, 'Date of birth', DOB);
  await page.getByLabel('Street and number').fill('12 Grand St');
  await page.getByLabel('City', { exact: true }).fill('New York');
  // The photo from the fake camera.
  await page.getByRole('button', { name: 'Use the camera' }).click();
  await page.locator('.photo-guide').waitFor();
  await page.waitForFunction(() => document.querySelector('.photo-video')?.videoWidth > 0);
  await checkA11y(page, `enroll ${given}: camera`);
  await page.getByRole('button', { name: 'Take the photo' }).click();
  await page.getByText('Photo ready.').waitFor();
  // The documents checked.
  await page.getByLabel('Document type').selectOption('foreign_passport');
  await fillDate(page, 'Expiry date', inYears(4));
  await page.getByLabel('Document number').fill(passport);
  await page.getByRole('button', { name: 'Add this document' }).click();
  await page.locator('.eval-verdict', { hasText: 'Not enough yet.' }).waitFor();
  await page.getByLabel('Document type').selectOption('utility_bill');
  await fillDate(page, 'Date of issue', daysAgo(10));
  await page.getByRole('button', { name: 'Add this document' }).click();
  await page.locator('.eval-verdict', { hasText: 'Enough' }).waitFor();
  assert.ok(!(await page.content()).includes(passport), 'the document number is not shown again');
  await checkA11y(page, `enroll ${given}: filled`);
}

function rasterize(pdf, name) {
  const file = path.join(work, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  const r = spawnSync('pdftoppm', ['-r', '300', '-png', file, path.join(work, name)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `pdftoppm (Debian poppler-utils): ${r.stderr}`);
  return fs
    .readdirSync(work)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => path.join(work, f));
}

/** `cityid verify --json --image png ...trust`: the parsed verdict (exit code aside). */
function verifyImage(png, trust) {
  const r = server.cli(['--json', 'verify', '--image', png, ...trust]);
  try {
    return { code: r.code, ...JSON.parse(r.stdout) };
  } catch {
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }
}

test('the whole story: admin, clerk, supervisor, print station, card desk, auditor', async () => {
  // ---- 1. The administrator signs in with TOTP and adds a clerk, a supervisor and an auditor.
  const admin = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await signInConsole(admin, server, { user: 'ada', role: 'admin' });
  await admin.getByRole('heading', { level: 1, name: 'Staff' }).waitFor();
  await checkA11y(admin, 'admin: staff');
  await addStaff(admin, CLERK, 'clerk');
  assert.match(await admin.locator(`#staff-carla\\.story`).textContent(), /Not needed for this role/);
  await addStaff(admin, SUPERVISOR, 'supervisor');
  assert.match(await admin.locator(`#staff-sam\\.story`).textContent(), /Not set up yet/);
  await addStaff(admin, AUDITOR, 'auditor');
  await checkA11y(admin, 'admin: three added');
  await screenshot(admin, 'staff-story-admin');
  const listed = (await checker.fetch('/api/v1/staff')).json.staff.map((s) => [s.user, s.role]);
  for (const pair of [[CLERK, 'clerk'], [SUPERVISOR, 'supervisor'], [AUDITOR, 'auditor']]) {
    assert.ok(listed.some(([u, r]) => u === pair[0] && r === pair[1]), JSON.stringify(listed));
  }
  expectOnlyErrors(admin, { 401: 1 });
  await admin.context().close();

  // ---- 2. An applicant books through the portal's API; the clerk signs in and checks them in.
  const to = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10);
  const slots = await (await fetch(`${server.url}/api/v1/sites/${SITE}/slots?from=${daysAgo(1)}&to=${to}`)).json();
  assert.ok(slots.slots.length > 0, JSON.stringify(slots));
  const bookedRes = await fetch(`${server.url}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: SITE, slot: slots.slots[0].start, name: 'José García', language: 'es' }),
  });
  const booking = await bookedRes.json();
  assert.equal(bookedRes.status, 201, JSON.stringify(booking));

  const clerk = await newPage(browser, { viewport: VIEWPORTS.desktop });
  // A clerk signs in with the password only (no TOTP for the role).
  await clerk.goto(`${server.url}/staff`);
  await clerk.getByRole('heading', { level: 1, name: 'Staff sign-in' }).waitFor();
  await checkA11y(clerk, 'clerk: sign-in');
  await clerk.getByLabel('User name').fill(CLERK);
  await clerk.getByLabel('Password').fill(PASSWORD);
  await clerk.getByRole('button', { name: 'Sign in' }).click();
  await clerk.getByRole('heading', { level: 1, name: "Today's appointments" }).waitFor();
  assert.equal(await clerk.locator('#session-user').textContent(), CLERK);
  // The second bullet, for the admin's actions: not in the clerk's nav, the hash refused.
  const nav = await clerk.getByRole('navigation', { name: 'Console sections' }).getByRole('link').allTextContents();
  for (const hidden of ['Staff', 'Sites', 'Decisions', 'Access log']) assert.ok(!nav.includes(hidden), nav.join());
  await clerk.goto(`${server.url}/staff#staff`);
  await clerk.locator('#section-refused').waitFor();
  assert.equal(await clerk.getByRole('button', { name: 'Add staff member' }).count(), 0);
  await checkA11y(clerk, 'clerk: admin section refused');
  await openSection(clerk, "Today's appointments");

  const item = clerk.locator(`[data-ref="${booking.reference}"]`);
  await item.waitFor();
  assert.equal(await item.locator('.appt-name').textContent(), 'José García');
  await checkA11y(clerk, 'clerk: today');
  await item.getByRole('button', { name: 'Check in' }).click();
  await item.locator('.appt-state', { hasText: 'Checked in' }).waitFor();
  await screenshot(clerk, 'staff-story-today');
  await item.getByRole('button', { name: 'Start enrollment' }).click();
  await clerk.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  assert.match(await clerk.locator('.booking-notice').textContent(), new RegExp(booking.reference));

  // ---- 3. The first enrollment, photo from the camera.
  await fillApplicant(clerk, { given: 'José', family: 'García', passport: PASSPORT_1, latin: 'José García', confirm: false });
  await screenshot(clerk, 'staff-story-enroll');
  await clerk.getByRole('button', { name: 'Enroll', exact: true }).click();
  await clerk.getByRole('heading', { level: 1, name: 'Enrollment recorded' }).waitFor();
  const firstId = await clerk.locator('.result-ref').textContent();
  assert.match(firstId, /^app_/);
  assert.match(await clerk.locator('.result-state').textContent(), /Documents checked/);
  assert.equal(await clerk.locator('.result-flag').count(), 0);
  assert.equal(await clerk.locator('#enroll-receipt').getAttribute('lang'), 'es');
  await checkA11y(clerk, 'clerk: first enrollment recorded');
  // The server has the check-in: the booking is attended.
  const day = (await checker.fetch(`/api/v1/sites/${SITE}/appointments`)).json;
  const appt = day.appointments.find((a) => a.reference === booking.reference);
  assert.equal(appt?.state, 'attended', JSON.stringify(day));

  // The second: the same name in Cyrillic, the same date of birth, a walk-in.
  await clerk.getByRole('button', { name: 'Next applicant' }).click();
  await clerk.getByRole('heading', { level: 1, name: "Today's appointments" }).waitFor();
  await clerk.getByRole('button', { name: 'Walk-in: enroll someone without a booking' }).click();
  await clerk.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  await fillApplicant(clerk, { given: 'Хосе', family: 'Гарсия', passport: PASSPORT_2, latin: 'Khose Garsiya', confirm: true });
  await clerk.getByRole('button', { name: 'Enroll', exact: true }).click();
  await clerk.getByRole('heading', { level: 1, name: 'Enrollment recorded' }).waitFor();
  const dupId = await clerk.locator('.result-ref').textContent();
  assert.notEqual(dupId, firstId);
  assert.match(await clerk.locator('.result-summary').textContent(), /flagged for review/);
  assert.match(await clerk.locator('.result-flag').textContent(), /may be a duplicate/);
  assert.match(await clerk.locator('.result-state').textContent(), /Flagged for review/);
  assert.ok(!(await clerk.content()).includes(PASSPORT_2));
  await checkA11y(clerk, 'clerk: duplicate flagged');
  await screenshot(clerk, 'staff-story-flagged');
  // The clerk stays signed in: the card desk comes back to them (step 6).

  // ---- 4. The supervisor's first sign-in sets up the TOTP; the pair is decided; the card issued.
  const sup = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await sup.goto(`${server.url}/staff`);
  await sup.getByLabel('User name').fill(SUPERVISOR);
  await sup.getByLabel('Password').fill(PASSWORD);
  await sup.getByRole('button', { name: 'Sign in' }).click();
  await sup.getByRole('heading', { level: 1, name: 'Set up your sign-in code' }).waitFor();
  await checkA11y(sup, 'supervisor: TOTP enrolment');
  const key = (await sup.locator('#enrol-key').textContent()).replace(/\s+/g, '');
  await sup.getByLabel('Password').fill(PASSWORD);
  await sup.getByLabel('6-digit code from the app').fill(totp(key, Date.now() / 1000));
  await sup.getByRole('button', { name: 'Confirm and sign in' }).click();
  await sup.locator('#session-user').waitFor();
  assert.equal(await sup.locator('#session-user').textContent(), SUPERVISOR);
  assert.equal(new URL(sup.url()).hash, '#queue');
  assert.equal(await sup.locator('#enrol-key').count(), 0, 'the key is shown once');

  const waiting = sup.locator('#decide-waiting > li');
  await waiting.first().waitFor();
  assert.deepEqual(await waiting.evaluateAll((lis) => lis.map((li) => li.dataset.application)), [dupId, firstId], 'flagged first');
  assert.match(await waiting.nth(0).textContent(), /Possible duplicate/);
  await checkA11y(sup, 'supervisor: queue');
  await sup.getByRole('button', { name: `Open application ${dupId}` }).click();
  await sup.getByRole('heading', { name: `Why are you opening application ${dupId}?` }).waitFor();
  await checkA11y(sup, 'supervisor: reason to open');
  await sup.getByLabel('Checking a possible duplicate').check();
  await sup.getByRole('button', { name: 'Open the record' }).click();
  await sup.getByRole('heading', { name: `Application ${dupId}`, exact: true }).waitFor();
  const mine = sup.locator(`article[data-application="${dupId}"]`);
  const matched = sup.locator(`article[data-application="${firstId}"]`);
  await mine.getByText('Хосе').first().waitFor();
  await matched.getByRole('button', { name: 'Open this record too' }).click();
  await matched.getByText('José García').first().waitFor();
  const compared = await sup.locator('.comparison').textContent();
  assert.match(compared, /Same date of birth\./);
  const photos = await sup.locator('img.record-photo').evaluateAll((imgs) => imgs.map((i) => i.complete && i.naturalWidth > 0));
  assert.deepEqual(photos, [true, true], 'both camera photos shown');
  await checkA11y(sup, 'supervisor: the pair');
  await screenshot(sup, 'staff-story-pair');

  await mine.getByLabel('Reject').check();
  await mine.getByLabel('A duplicate of another application').check();
  await mine.getByLabel('Reason', { exact: true }).fill('same person as the first application');
  await mine.getByRole('button', { name: `Reject application ${dupId}` }).click();
  await sup.locator(`#panel-status-${dupId}`, { hasText: `Application ${dupId} is rejected.` }).waitFor();
  await matched.getByLabel('Approve').check();
  await matched.getByRole('button', { name: `Approve application ${firstId}` }).click();
  await matched.getByText(`Application ${firstId} is approved.`).waitFor();
  await matched.getByRole('button', { name: `Issue the card for ${firstId}` }).click();
  const issued = sup.locator(`#panel-status-${firstId}`);
  await issued.getByText(/Card .* is issued/).waitFor();
  await checkA11y(sup, 'supervisor: card issued');
  const firstApp = (await checker.fetch(`/api/v1/applications/${firstId}`)).json;
  assert.equal(firstApp.state, 'issued');
  assert.equal((await checker.fetch(`/api/v1/applications/${dupId}`)).json.state, 'rejected');
  const card = firstApp.cards[0].number;
  assert.match(card, /^[0-9]{12}$/);

  // ---- 5. The print station downloads the PDF; its QR scans as a valid card.
  await issued.getByRole('button', { name: 'Go to the print station' }).click();
  await sup.locator('#section-heading', { hasText: 'Print station' }).waitFor();
  const queued = sup.locator(`.print-queue [data-card="${card}"]`);
  await queued.waitFor();
  await checkA11y(sup, 'print station');
  const [download] = await Promise.all([
    sup.waitForEvent('download'),
    queued.getByRole('button', { name: /^Download PDF for card/ }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `card-${card}.pdf`);
  const pdf = fs.readFileSync(await download.path());
  assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
  await sup.locator('#print-done').waitFor();
  await checkA11y(sup, 'print station: PDF downloaded');
  await screenshot(sup, 'staff-story-print');
  const pages = rasterize(pdf, 'card');
  const scanned = pages.map((png) => ({ png, v: verifyImage(png, ['--data', server.dataDir]) }));
  const valid = scanned.filter((s) => s.v.verdict === 'valid');
  assert.equal(valid.length, 1, `one page carries the QR: ${JSON.stringify(scanned.map((s) => s.v))}`);
  assert.equal(valid[0].v.code, 0);
  assert.equal(valid[0].v.disclosed.card_number, card);
  const oldQr = valid[0].png;
  // The keys and the status list as the server publishes them before the replacement: valid.
  const keysFile = path.join(work, 'keys.json');
  const keys = await fetch(`${server.url}/.well-known/cityid-keys`);
  assert.equal(keys.status, 200);
  fs.writeFileSync(keysFile, await keys.text());
  const listId = (await checker.fetch(`/api/v1/cards/${card}`)).json.status_list.id;
  const publishedList = async (name) => {
    const res = await fetch(`${server.url}/api/v1/status-lists/${listId}`);
    assert.equal(res.status, 200);
    const file = path.join(work, name);
    fs.writeFileSync(file, await res.text());
    return file;
  };
  const before = verifyImage(oldQr, ['--keys', keysFile, '--status', await publishedList('status-before.json')]);
  assert.equal(before.verdict, 'valid', JSON.stringify(before));
  expectOnlyErrors(sup, { 401: 2 }); // not signed in at load; the TOTP set-up answer
  await sup.context().close();

  // ---- 6. The card desk (the clerk again) replaces the card as lost.
  await openSection(clerk, 'Card desk');
  await checkA11y(clerk, 'card desk');
  await clerk.getByLabel('Card number').fill(card);
  await clerk.getByRole('button', { name: 'Look up' }).click();
  await clerk.locator('#desk-card-state', { hasText: 'Active' }).waitFor();
  await clerk.getByRole('button', { name: 'Replace' }).click();
  await clerk.getByLabel('Lost').check();
  await checkA11y(clerk, 'card desk: replace');
  await clerk.getByRole('button', { name: 'Replace the card' }).click();
  await clerk.locator('#desk-result').waitFor();
  const newCard = (await clerk.locator('#desk-new-number').textContent()).replace(/\D/g, '');
  assert.match(newCard, /^[0-9]{12}$/);
  assert.notEqual(newCard, card);
  assert.equal((await clerk.locator('#desk-old-number').textContent()).replace(/\D/g, ''), card);
  await clerk.locator('#desk-card-state', { hasText: 'Revoked' }).waitFor();
  await checkA11y(clerk, 'card desk: replaced');
  await screenshot(clerk, 'staff-story-replaced');
  expectOnlyErrors(clerk, { 401: 1 });
  await clerk.context().close();

  // The old card's printed QR, against the status list as the server publishes it now (a
  // verifier refreshing its list): revoked.
  const revoked = verifyImage(oldQr, ['--keys', keysFile, '--status', await publishedList('status-after.json')]);
  assert.equal(revoked.verdict, 'revoked', JSON.stringify(revoked));
  assert.notEqual(revoked.code, 0);
  const oldState = (await checker.fetch(`/api/v1/cards/${card}`)).json;
  assert.equal(oldState.state, 'revoked');
  assert.equal(oldState.replaced_by, newCard);

  // ---- 7. The auditor checks the replacement's entry in the browser; a tampered copy fails.
  const head = server.cli(['--json', 'audit', 'head', '--data', server.dataDir]);
  assert.equal(head.code, 0, head.stderr);
  const aud = await newPage(browser, { viewport: VIEWPORTS.desktop });
  await aud.goto(`${server.url}/staff`);
  await aud.getByLabel('User name').fill(AUDITOR);
  await aud.getByLabel('Password').fill(PASSWORD);
  await aud.getByRole('button', { name: 'Sign in' }).click();
  await aud.getByRole('heading', { level: 1, name: 'Access log' }).waitFor();
  const verdict = aud.locator('.audit-head .verdict').first();
  await verdict.waitFor();
  assert.match(await verdict.textContent(), /Verified in this browser/);
  await aud.locator('.audit-table').waitFor();
  await checkA11y(aud, 'auditor: access log');
  await aud.getByLabel('Action').fill('card.replace');
  await aud.getByRole('button', { name: 'Show entries' }).click();
  await aud.getByText('Showing 1 entry.').waitFor();
  const seq = Number(await aud.locator('.audit-table tbody th').first().textContent());
  await aud.getByRole('button', { name: `Check entry ${seq} in this browser` }).click();
  const result = aud.locator('.audit-result');
  await result.getByText('Verified in this browser').waitFor();
  assert.match(await result.textContent(), new RegExp(`Entry ${seq} is in the signed log of \\d+ entries, exactly as shown`));
  await checkA11y(aud, 'auditor: entry verified');
  await screenshot(aud, 'staff-story-audit');

  // Someone between the server and the page changes the replacement's reason.
  await aud.route('**/api/v1/audit/entries**', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    for (const e of body.entries) if (e.action === 'card.replace') e.reason = 'damaged';
    await route.fulfill({ response, json: body });
  });
  await aud.getByRole('button', { name: 'Show entries' }).click();
  await aud.locator('.audit-table tbody td[data-label="Reason"]', { hasText: 'damaged' }).waitFor();
  await aud.getByRole('button', { name: `Check entry ${seq} in this browser` }).click();
  await result.getByText('Check failed').waitFor();
  assert.match(await result.textContent(), new RegExp(`Entry ${seq} as shown on this page is not the entry the log signed`));
  assert.doesNotMatch(await result.textContent(), /Verified/);
  await checkA11y(aud, 'auditor: tampered entry');
  await screenshot(aud, 'staff-story-audit-tampered');
  expectOnlyErrors(aud, { 401: 1 });
  await aud.context().close();

  // The API stays the authority for the admin's actions too.
  const clerkApi = await staffSession(server, { user: 'carl.api', role: 'clerk' });
  const refused = await clerkApi.fetch('/api/v1/staff', { method: 'POST', body: { user: 'x.y', role: 'admin', password: PASSWORD } });
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.json.type, /\/role-not-allowed$/);
});

test('a session that times out with a name in the enrollment form shows the sign-in page and no personal data', async () => {
  const page = await newPage(browser, { viewport: VIEWPORTS.phone });
  // The page's own clock; the server's stays real.
  await page.clock.install();
  await signInConsole(page, server, { user: 'tim.story', role: 'clerk', site: SITE });
  await page.getByRole('button', { name: 'Walk-in: enroll someone without a booking' }).click();
  await page.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  const NAME = 'Zénobie';
  await page.getByLabel('Given name(s)', { exact: true }).fill(NAME);
  await page.getByLabel('Family name(s)', { exact: true }).fill('Quarterman');
  await fillDate(page, 'Date of birth', '1971-03-09');
  await page.locator('.latin-value', { hasText: 'Zénobie Quarterman' }).waitFor();
  const personal = [NAME, 'Quarterman', '1971'];
  const leftOver = () =>
    page.evaluate((words) => {
      const html = document.documentElement.outerHTML + document.title;
      const values = [...document.querySelectorAll('input, textarea, select')].map((e) => e.value);
      return words.filter((w) => html.includes(w) || values.some((v) => v.includes(w)));
    }, personal);
  // The probe sees what the form holds (the date only as a field's value).
  assert.deepEqual(await leftOver(), personal);

  await page.clock.runFor('30:10');
  await page.locator('#session-ended').waitFor();
  assert.match(await page.locator('#session-ended').textContent(), /signed out because nothing happened/);
  await page.getByRole('heading', { level: 1, name: 'Staff sign-in' }).waitFor();
  assert.equal(await page.locator('#session-user').count(), 0);
  assert.deepEqual(await leftOver(), [], 'nothing the form held is left in the page');
  const stored = await page.evaluate(async () => ({ local: Object.keys(localStorage), session: sessionStorage.length, caches: (await caches.keys()).length }));
  assert.deepEqual(stored, { local: [], session: 0, caches: 0 });
  await checkA11y(page, 'signed out after idling');
  await screenshot(page, 'staff-story-timed-out');
  // 401s: not signed in at the first load; the sign-out after idling may meet a session the
  // server still holds (its clock is real), so it answers 204 or 401.
  const probes = page.errors.filter((e) => /status of 401/.test(e));
  assert.ok(probes.length >= 1 && probes.length <= 2, JSON.stringify(page.errors));
  assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), []);
  await page.context().close();
});
