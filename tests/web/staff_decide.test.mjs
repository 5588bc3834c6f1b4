// The staff console's Decisions section (issue 17): a supervisor sees the flagged application
// first with its reason in plain words, opens it with a stated reason, reads the application it
// matched with its own reason, compares the two side by side, rejects the duplicate, approves the
// first and issues its card, then goes on to the print station; the access log holds both reads
// with their reasons. A decision someone else made first is one plain sentence. In Arabic, right
// to left. Clerks and partners get neither the section nor the API's decisions. axe on every
// screen.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  REPO,
  VIEWPORTS,
  adminSession,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signInConsole,
  staffSession,
  startServer,
} from './harness.mjs';

let server;
let browser;
let clerk;
let admin;
const PHOTO = fs.readFileSync(path.join(REPO, 'examples/portrait.png')).toString('base64');

// Dates relative to the real clock (the server's and the page's), as the policy checks them.
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

function applicant(given, family, dob, passport) {
  return {
    legal_name: { given, family },
    date_of_birth: dob,
    photo: PHOTO,
    language: 'es',
    address: { line1: '10 Main St', city: 'New York', state: 'NY', postal_code: '10002' },
    documents: [
      { type: 'foreign_passport', number: passport, expires: day(1500) },
      { type: 'utility_bill', issued: day(-10) },
    ],
  };
}

async function enroll(given, family, dob, passport) {
  const r = await clerk.fetch('/api/v1/applications', { method: 'POST', body: applicant(given, family, dob, passport) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// Chromium logs every 4xx answer as a console error: exactly the ones a test provokes are
// allowed (`allowed` maps a status to its count); anything else fails the test.
function expectOnlyErrors(page, allowed) {
  const counts = {};
  const other = [];
  for (const e of page.errors) {
    const m = /status of (\d{3})/.exec(e);
    if (m && m[1] in allowed) counts[m[1]] = (counts[m[1]] || 0) + 1;
    else other.push(e);
  }
  assert.deepEqual(other, [], 'unexpected page errors');
  for (const [status, n] of Object.entries(allowed)) assert.equal(counts[status] || 0, n, `${status}s: ${JSON.stringify(page.errors)}`);
}

let first;
let duplicate;

// In the page: loads each URL as an image; 'load' or 'error' for each.
function loadImages(urls) {
  return Promise.all(
    urls.map(
      (u) =>
        new Promise((resolve) => {
          const img = new Image();
          img.onload = () => resolve('load');
          img.onerror = () => resolve('error');
          img.src = u;
        }),
    ),
  );
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  clerk = await staffSession(server, { user: 'carla', role: 'clerk' });
  admin = await adminSession(server);
  // A name and the same name in Cyrillic, with the same date of birth: a possible duplicate
  // (docs/dedup.md: the phonetic and joined keys match).
  first = await enroll('José', 'García', '1990-05-17', 'P31415926');
  duplicate = await enroll('Хосе', 'Гарсия', '1990-05-17', 'P27182818');
  assert.equal(first.state, 'documents_checked');
  assert.equal(duplicate.state, 'flagged');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a supervisor opens the flagged pair with reasons, rejects the duplicate, approves and issues the first', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'sam', role: 'supervisor' });
  // A supervisor lands on the queue.
  assert.equal(new URL(page.url()).hash, '#queue');
  const waiting = page.locator('#decide-waiting > li');
  await waiting.first().waitFor();
  assert.equal(await waiting.count(), 2);
  // The flagged one first, with its reason in plain words; no personal data in the list.
  assert.equal(await waiting.nth(0).getAttribute('data-application'), duplicate.id);
  const flaggedText = await waiting.nth(0).textContent();
  assert.match(flaggedText, /Possible duplicate/);
  assert.match(flaggedText, /A name that sounds the same, perhaps written in another script, with the same date of birth\./);
  assert.match(flaggedText, /city-hall/);
  assert.match(flaggedText, /Enrolled/);
  assert.equal(await waiting.nth(1).getAttribute('data-application'), first.id);
  assert.match(await waiting.nth(1).textContent(), /Documents checked/);
  const listText = await page.locator('#section-root').textContent();
  for (const name of ['José', 'García', 'Хосе', '1990']) assert.ok(!listText.includes(name), `the queue shows ${name}`);
  await checkA11y(page, 'decisions queue');
  await screenshot(page, 'staff-decisions-queue');

  // Opening asks why; no reason chosen is one sentence, focused.
  await page.getByRole('button', { name: `Open application ${duplicate.id}` }).click();
  await page.getByRole('heading', { name: `Why are you opening application ${duplicate.id}?` }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'decide-view-heading');
  await checkA11y(page, 'decisions reason form');
  await screenshot(page, 'staff-decisions-reason', { fullPage: false });
  await page.getByRole('button', { name: 'Open the record' }).click();
  await page.locator('#decide-error').waitFor();
  assert.match(await page.locator('#decide-error').textContent(), /Choose why you are opening this record\./);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'decide-error');
  await checkA11y(page, 'decisions reason form with an error');

  await page.getByLabel('Checking a possible duplicate').check();
  await page.getByLabel('In your own words (optional)').fill('flagged at enrollment');
  const readAnswer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/persons/${duplicate.person_id}/read`));
  await page.getByRole('button', { name: 'Open the record' }).click();
  const read = await readAnswer;
  assert.equal(read.status(), 200);
  assert.equal(read.headers()['cache-control'], 'no-store');
  await page.getByRole('heading', { name: `Application ${duplicate.id}`, exact: true }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'decide-view-heading');

  // This application's record; the one it matched is not read until asked with its own reason.
  const mine = page.locator(`article[data-application="${duplicate.id}"]`);
  const matched = page.locator(`article[data-application="${first.id}"]`);
  const mineText = await mine.textContent();
  for (const s of ['Хосе', 'Гарсия', 'Khose Garsiya', 'May 17, 1990', 'Machine-readable passport']) assert.ok(mineText.includes(s), `${s} in ${mineText}`);
  assert.match(await matched.textContent(), /Not opened yet/);
  assert.ok(!(await page.locator('#section-root').textContent()).includes('José'));
  await checkA11y(page, 'decisions pair, one side read');

  const readMatched = page.waitForResponse((r) => r.url().endsWith(`/api/v1/persons/${first.person_id}/read`));
  // The matched record's reason is preselected (a possible duplicate); the supervisor adds words.
  assert.equal(await matched.getByLabel('Checking a possible duplicate').isChecked(), true);
  await matched.getByLabel('In your own words (optional)').fill('compare with the flagged one');
  await matched.getByRole('button', { name: 'Open this record too' }).click();
  assert.equal((await readMatched).status(), 200);
  await matched.getByText('José García').first().waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), `panel-heading-${first.id}`);
  const compared = await page.locator('.comparison').textContent();
  assert.match(compared, /Same date of birth\./);
  // Both photos, as blob: URLs the page made from the records.
  const photos = await page.locator('img.record-photo').evaluateAll((imgs) => imgs.map((i) => ({ src: i.src, ok: i.complete && i.naturalWidth > 0 })));
  assert.equal(photos.length, 2);
  for (const p of photos) assert.ok(p.src.startsWith('blob:') && p.ok, JSON.stringify(p));
  // Side by side on a counter screen.
  const [a, b] = await Promise.all([mine.boundingBox(), matched.boundingBox()]);
  assert.ok(Math.abs(a.y - b.y) < 2 && a.x < b.x, `side by side: ${JSON.stringify([a, b])}`);
  await checkA11y(page, 'decisions pair, both read');
  await screenshot(page, 'staff-decisions-pair');

  // Approving a possible duplicate needs words (core::Approve); the page says so first.
  await mine.getByLabel('Approve').check();
  await mine.getByRole('button', { name: `Approve application ${duplicate.id}` }).click();
  await page.locator('#decide-error').waitFor();
  assert.match(await page.locator('#decide-error').textContent(), /Write why you approve an application flagged as a possible duplicate\./);
  // Reject the duplicate: a reject without a category is refused on the page, then done.
  await mine.getByLabel('Reject').check();
  await mine.getByLabel('Reason', { exact: true }).fill('same person as the application it matched');
  await mine.getByRole('button', { name: `Reject application ${duplicate.id}` }).click();
  await page.locator('#decide-error').waitFor();
  assert.match(await page.locator('#decide-error').textContent(), /Choose why you reject the application\./);
  await mine.getByLabel('A duplicate of another application').check();
  await mine.getByRole('button', { name: `Reject application ${duplicate.id}` }).click();
  const rejected = page.locator(`#panel-status-${duplicate.id}`);
  await rejected.waitFor();
  assert.match(await rejected.textContent(), new RegExp(`Application ${duplicate.id} is rejected\\.`));
  assert.equal(await page.evaluate(() => document.activeElement.id), `panel-status-${duplicate.id}`);
  assert.match(await mine.textContent(), /Rejected/);
  assert.equal(await page.locator('#decide-error').count(), 0);

  // Approve the first (not flagged: the reason is optional), then issue its card.
  await matched.getByLabel('Approve').check();
  await matched.getByRole('button', { name: `Approve application ${first.id}` }).click();
  await matched.getByText(`Application ${first.id} is approved.`).waitFor();
  await checkA11y(page, 'decisions after the decisions');
  await matched.getByRole('button', { name: `Issue the card for ${first.id}` }).click();
  const issued = page.locator(`#panel-status-${first.id}`);
  await issued.getByText(/Card .* is issued/).waitFor();
  const app = await admin.fetch(`/api/v1/applications/${first.id}`);
  assert.equal(app.json.state, 'issued');
  const card = app.json.cards[0].number;
  assert.match(await issued.textContent(), /Card .+ is issued for application/);
  await checkA11y(page, 'decisions card issued');
  await screenshot(page, 'staff-decisions-issued');

  // On to the print station: the section changes and the records are forgotten (URLs revoked).
  const blobs = photos.map((p) => p.src);
  assert.deepEqual(await page.evaluate(loadImages, blobs), ['load', 'load']);
  await issued.getByRole('button', { name: 'Go to the print station' }).click();
  await page.waitForFunction(() => location.hash === '#print');
  assert.equal(await page.locator('img.record-photo').count(), 0);
  const revoked = await page.evaluate(loadImages, blobs);
  assert.deepEqual(revoked, ['error', 'error'], 'the photos’ blob: URLs are revoked');
  assert.ok(!page.url().includes(card) && !page.url().includes(first.id), page.url());

  // The server agrees, and its log holds both reads with the reasons given.
  assert.equal((await admin.fetch(`/api/v1/applications/${duplicate.id}`)).json.state, 'rejected');
  const log = await admin.fetch('/api/v1/audit/entries?limit=1000');
  assert.equal(log.status, 200, log.text);
  const entries = log.json.entries;
  const reads = entries.filter((e) => e.action === 'person.read').map((e) => e.reason);
  assert.ok(reads.includes('decision review: possible duplicate: flagged at enrollment'), JSON.stringify(reads));
  assert.ok(reads.includes('decision review, matched record: possible duplicate: compare with the flagged one'), JSON.stringify(reads));
  const rejects = entries.filter((e) => e.action === 'application.reject').map((e) => e.reason);
  assert.deepEqual(rejects, ['duplicate: same person as the application it matched']);
  // 401: not signed in at the first load; the two revoked blob: URLs fail to load, each logged.
  const notFound = page.errors.filter((e) => e === 'console.error: Failed to load resource: net::ERR_FILE_NOT_FOUND');
  assert.equal(notFound.length, 2, JSON.stringify(page.errors));
  page.errors = page.errors.filter((e) => !notFound.includes(e));
  expectOnlyErrors(page, { 401: 1 });
  await page.context().close();
});

test('a decision someone else took first is one plain sentence; an approved application is issued from the queue', async () => {
  const other = await enroll('Ana', 'López', '1985-02-03', 'P16180339');
  assert.equal(other.state, 'documents_checked');
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'sofia', role: 'supervisor' });
  await page.getByRole('button', { name: `Open application ${other.id}` }).click();
  await page.getByLabel('Checking the documents').check();
  await page.getByRole('button', { name: 'Open the record' }).click();
  const mine = page.locator(`article[data-application="${other.id}"]`);
  await mine.getByText('Ana López').first().waitFor();
  // A single application: no pair, no comparison.
  assert.equal(await page.locator('article.record-panel').count(), 1);
  assert.equal(await page.locator('.comparison').count(), 0);
  // A language switch redraws the section in place and keeps the record and what was typed.
  await mine.getByLabel('Reason', { exact: true }).fill('typed before the switch');
  await page.locator('#language').selectOption('es');
  await page.getByRole('heading', { name: `Solicitud ${other.id}`, exact: true }).waitFor();
  assert.ok((await mine.textContent()).includes('Ana López'));
  assert.equal(await mine.getByLabel('Motivo', { exact: true }).inputValue(), 'typed before the switch');
  await page.locator('#language').selectOption('en');
  await page.getByRole('heading', { name: `Application ${other.id}`, exact: true }).waitFor();

  // Another supervisor approves it meanwhile.
  const colleague = await staffSession(server, { user: 'sven', role: 'supervisor' });
  const approved = await colleague.fetch(`/api/v1/applications/${other.id}/approve`, { method: 'POST', body: { reason: 'documents seen' } });
  assert.equal(approved.status, 200, approved.text);

  await mine.getByLabel('Reject').check();
  await mine.getByLabel('The documents are not right').check();
  await mine.getByLabel('Reason', { exact: true }).fill('utility bill too old');
  await mine.getByRole('button', { name: `Reject application ${other.id}` }).click();
  const problem = page.locator('#decide-error');
  await problem.waitFor();
  assert.match(await problem.textContent(), /This application has already been decided, or is not in a state for this\. Go back to the queue/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'decide-error');
  await checkA11y(page, 'decisions: already decided');

  // Back in the queue (which forgets the record), it waits for its card: issue it from there.
  await page.getByRole('button', { name: 'Back to the queue' }).click();
  await page.locator('#decide-approved').waitFor();
  assert.ok(!(await page.locator('#section-root').textContent()).includes('López'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'decide-queue-heading');
  await page.getByRole('button', { name: `Issue the card for ${other.id}` }).click();
  const notice = page.locator('#decide-notice');
  await notice.waitFor();
  assert.match(await notice.textContent(), new RegExp(`Card .+ is issued for application ${other.id}\\.`));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'decide-notice');
  assert.equal((await admin.fetch(`/api/v1/applications/${other.id}`)).json.state, 'issued');
  await checkA11y(page, 'decisions: issued from the queue');
  await notice.getByRole('button', { name: 'Go to the print station' }).click();
  await page.waitForFunction(() => location.hash === '#print');
  // 401: not signed in at the first load; 409: the decision taken meanwhile.
  expectOnlyErrors(page, { 401: 1, 409: 1 });
  await page.context().close();
});

test('the Decisions section in Arabic, right to left, on a phone; signing out forgets the records', async () => {
  const a = await enroll('Yuliya', 'Shcherbakova', '1988-08-08', 'P14142135');
  const b = await enroll('Юлия', 'Щербакова', '1988-08-08', 'P17320508');
  assert.equal(b.state, 'flagged');
  const page = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'samira', role: 'supervisor' });
  await page.getByRole('heading', { name: 'القرارات', level: 1 }).waitFor();
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  const waiting = page.locator('#decide-waiting > li');
  await waiting.first().waitFor();
  // Possible duplicates first (the first test's pair may still be waiting when run alone).
  const order = await waiting.evaluateAll((lis) => lis.map((li) => ({ id: li.dataset.application, flagged: li.classList.contains('flagged') })));
  const firstPlain = order.findIndex((o) => !o.flagged);
  assert.ok(firstPlain > 0 && order.slice(firstPlain).every((o) => !o.flagged), JSON.stringify(order));
  assert.ok(order.find((o) => o.id === b.id).flagged);
  await checkA11y(page, 'decisions queue in Arabic');
  await screenshot(page, 'staff-decisions-queue-ar');
  await page.setViewportSize(VIEWPORTS.narrow);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'the queue: no sideways scrolling at 320 px');
  await checkA11y(page, 'decisions queue in Arabic at 320 px');
  await page.setViewportSize(VIEWPORTS.phone);

  // The application the flagged one matched says so in the queue, and opening it (from the
  // keyboard) shows the pair from its side.
  const other = page.locator(`#decide-waiting > li[data-application="${a.id}"]`);
  assert.ok((await other.textContent()).includes(b.id));
  await other.getByRole('button').click();
  await page.locator(`#read-category-${a.id}-duplicate`).check();
  await page.locator(`#read-words-${a.id}`).fill('تحقق من التكرار');
  await page.locator(`#read-category-${a.id}-duplicate`).press('Enter');
  const flagged = page.locator(`article[data-application="${b.id}"]`);
  await flagged.waitFor();
  assert.match(await flagged.locator('h3').textContent(), /تكرار محتمل لهذا الطلب/);
  await flagged.locator('button[type="submit"]').focus();
  await page.keyboard.press('Enter');
  await flagged.getByText('Юлия').first().waitFor();
  // One above the other on a phone, the flagged record second; nothing wider than the screen,
  // even at 320 px.
  const [top, bottom] = await Promise.all([page.locator(`article[data-application="${a.id}"]`).boundingBox(), flagged.boundingBox()]);
  assert.ok(bottom.y > top.y + top.height - 1, 'stacked on a phone');
  await checkA11y(page, 'decisions pair in Arabic');
  await screenshot(page, 'staff-decisions-pair-ar');
  await page.setViewportSize(VIEWPORTS.narrow);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'no sideways scrolling at 320 px');

  // Signing out forgets the records: no name left in the page, the photos' URLs revoked.
  const blobs = await page.locator('img.record-photo').evaluateAll((imgs) => imgs.map((i) => i.src));
  assert.equal(blobs.length, 2);
  await page.locator('#sign-out').click();
  await page.locator('#staff-heading').waitFor();
  const left = await page.locator('body').textContent();
  for (const s of ['Юлия', 'Yuliya', '1988']) assert.ok(!left.includes(s), `${s} left after signing out`);
  assert.deepEqual(await page.evaluate(loadImages, blobs), ['error', 'error']);
  // 401: not signed in at the first load; the revoked blob: URLs fail to load, each logged.
  const notFound = page.errors.filter((e) => e === 'console.error: Failed to load resource: net::ERR_FILE_NOT_FOUND');
  assert.equal(notFound.length, 2, JSON.stringify(page.errors));
  page.errors = page.errors.filter((e) => !notFound.includes(e));
  expectOnlyErrors(page, { 401: 1 });
  await page.context().close();
});

test('clerks and partners get no decisions: no section, no buttons, and the API refuses them', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'cleo', role: 'clerk' });
  const nav = await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link').allTextContents();
  assert.ok(!nav.includes('Decisions'), nav.join());
  await page.goto(`${server.url}/staff#queue`);
  await page.locator('#section-refused').waitFor();
  assert.notEqual(new URL(page.url()).hash, '#queue');
  assert.equal(await page.getByRole('button', { name: /Approve|Reject|Open application/ }).count(), 0);
  assert.equal(await page.locator('#decide-waiting, .decision-form').count(), 0);
  await checkA11y(page, 'clerk refused the Decisions section');
  expectOnlyErrors(page, { 401: 1 });
  await page.context().close();

  const pending = await enroll('Nguyễn Văn', 'An', '1979-11-30', 'P11235813');
  const partner = await staffSession(server, { user: 'pat', role: 'partner', site: 'city-hall' });
  for (const [who, session] of [['clerk', clerk], ['partner', partner]]) {
    for (const [action, body] of [['approve', { reason: 'looks fine' }], ['reject', { reason: 'duplicate', category: 'duplicate' }]]) {
      const r = await session.fetch(`/api/v1/applications/${pending.id}/${action}`, { method: 'POST', body });
      assert.equal(r.status, 403, `${who} ${action}: ${r.text}`);
      assert.match(r.json.type, /\/role-not-allowed$/, `${who} ${action}`);
    }
  }
  assert.equal((await admin.fetch(`/api/v1/applications/${pending.id}`)).json.state, 'documents_checked');
});
