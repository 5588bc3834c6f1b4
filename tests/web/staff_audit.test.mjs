// The auditor's console (issue 17): the access log filtered by action, the signed tree head, an
// entry's inclusion proof and the log's consistency checked in the browser (and failing on an
// entry tampered with in transit), the transparency report's charts with their tables and the
// CSV's figures, what an auditor may not see or do, axe on every screen, and Arabic.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  REPO, VIEWPORTS, checkA11y, launchBrowser, newPage, screenshot, signInConsole, staffSession, startServer,
} from './harness.mjs';

let server;
let browser;
let admin;
let enrolled;

const READ_REASON = 'supervisor review';

function head() {
  const r = server.cli(['--json', 'audit', 'head', '--data', server.dataDir]);
  assert.equal(r.code, 0, r.stderr);
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  // Activity to audit: an enrollment, a read with a reason, an approval and a card.
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
  admin = await staffSession(server, { user: 'ada', role: 'admin' });
  const read = await admin.fetch(`/api/v1/persons/${enrolled.person_id}/read`, { method: 'POST', body: { reason: READ_REASON } });
  assert.equal(read.status, 200, read.text);
  const approve = await admin.fetch(`/api/v1/applications/${enrolled.application_id ?? enrolled.id}/approve`, { method: 'POST', body: {} });
  assert.equal(approve.status, 200, approve.text);
  const issue = await admin.fetch(`/api/v1/applications/${enrolled.application_id ?? enrolled.id}/issue`, { method: 'POST', body: {} });
  assert.equal(issue.status, 201, issue.text);
  head();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Chromium logs every 4xx answer as a console error: the one 401 of the sign-in page asking for
// a session before anyone signed in is expected; anything else fails the test.
function expectOnlySignIn401(page) {
  const signIn = page.errors.filter((e) => /status of 401/.test(e));
  assert.equal(signIn.length, 1, JSON.stringify(page.errors));
  assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), []);
}

const verdicts = (page) => page.locator('.audit-head .verdict');

test('an auditor filters the log by action and checks the head, an entry and the log\'s growth in the browser', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'olga', role: 'auditor' });
  assert.equal(new URL(page.url()).hash, '#audit');
  await page.getByRole('heading', { level: 1, name: 'Access log' }).waitFor();
  // The auditor's nav: oversight only, no enrollment or decisions.
  const nav = await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link').allTextContents();
  assert.deepEqual(nav, ['Data requests', 'Access log', 'Transparency report']);

  // The signed head, checked here; the page remembers it.
  const size = (await admin.fetch('/api/v1/audit/head')).json.signed_tree_head.tree_size;
  await verdicts(page).first().waitFor();
  assert.match(await verdicts(page).first().textContent(), new RegExp(`Verified in this browser.*covers ${size} entries`));
  await page.getByText('This browser will remember this head').waitFor();
  const kid = (await admin.fetch('/api/v1/audit/head')).json.log_key.kid;
  assert.match(await page.locator('.key-id').textContent(), new RegExp(`Log key id: ${kid}`));
  await page.locator('.audit-table').waitFor();
  await checkA11y(page, 'access log');
  await screenshot(page, 'staff-audit');

  // Filter by action: only card.issue entries, and the API did the filtering.
  const asked = page.waitForRequest((r) => r.url().includes('/api/v1/audit/entries') && r.url().includes('action=card.issue'));
  await page.getByLabel('Action').fill('card.issue');
  await page.getByRole('button', { name: 'Show entries' }).click();
  await asked;
  await page.getByText('Showing 1 entry.').waitFor();
  const actions = await page.locator('.audit-table tbody td[data-label="Action"]').allTextContents();
  assert.deepEqual(actions, ['card.issue']);

  // That entry's inclusion proof, checked in the browser.
  const seq = Number(await page.locator('.audit-table tbody th').first().textContent());
  await page.getByRole('button', { name: `Check entry ${seq} in this browser` }).click();
  const result = page.locator('.audit-result');
  await result.getByText('Verified in this browser').waitFor();
  assert.match(await result.textContent(), new RegExp(`Entry ${seq} is in the signed log of ${size} entries, exactly as shown`));
  assert.equal(await page.evaluate(() => document.activeElement.className), 'audit-result');
  await checkA11y(page, 'access log, entry verified');

  // The log grows and a new head is signed; checking again proves the old head is a prefix.
  const again = await admin.fetch(`/api/v1/persons/${enrolled.person_id}/read`, { method: 'POST', body: { reason: READ_REASON } });
  assert.equal(again.status, 200);
  head();
  const bigger = (await admin.fetch('/api/v1/audit/head')).json.signed_tree_head.tree_size;
  assert.ok(bigger > size);
  await page.getByRole('button', { name: 'Check the log again' }).click();
  await page.getByText(`The log grew from ${size} to ${bigger} entries and none of the first ${size} entries changed.`).waitFor();
  assert.equal(await verdicts(page).count(), 2);
  await checkA11y(page, 'access log, consistency verified');

  // Days: a range long before any activity finds nothing; today finds the card again. The page
  // turns the days into Unix seconds (local midnights) and the API filters.
  await page.getByLabel('From day').fill('2020-01-01');
  await page.getByLabel('To day').fill('2020-01-31');
  const ranged = page.waitForRequest((r) => /since=\d+&until=\d+/.test(r.url()));
  await page.getByRole('button', { name: 'Show entries' }).click();
  await ranged;
  await page.getByText('No entries match these filters.').waitFor();
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });
  await page.getByLabel('From day').fill(today);
  await page.getByLabel('To day').fill(today);
  await page.getByRole('button', { name: 'Show entries' }).click();
  await page.getByText('Showing 1 entry.').waitFor();
  // Clearing the filters shows the whole log, newest first.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  // (the head signed last covers the whole log: entries 0 to bigger - 1).
  await page.getByText(`Showing ${bigger} entries.`).waitFor();
  assert.equal(await page.locator('.audit-table tbody th').first().textContent(), String(bigger - 1));
  expectOnlySignIn401(page);
  await page.context().close();
});

test('an entry changed in transit fails the in-browser check with the right sentence', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  // Whoever sits between the server and the page rewrites the reason of every person.read entry.
  await page.route('**/api/v1/audit/entries**', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    for (const e of body.entries) if (e.action === 'person.read') e.reason = 'routine check';
    await route.fulfill({ response, json: body });
  });
  await signInConsole(page, server, { user: 'otto', role: 'auditor' });
  await page.getByLabel('Action').fill('person.read');
  await page.getByRole('button', { name: 'Show entries' }).click();
  await page.locator('.audit-table tbody tr').first().waitFor();
  const reasons = await page.locator('.audit-table tbody td[data-label="Reason"]').allTextContents();
  assert.ok(reasons.length >= 1 && reasons.every((r) => r === 'routine check'), reasons.join());
  const seq = Number(await page.locator('.audit-table tbody th').first().textContent());
  await page.getByRole('button', { name: `Check entry ${seq} in this browser` }).click();
  const result = page.locator('.audit-result');
  await result.getByText('Check failed').waitFor();
  assert.match(await result.textContent(), new RegExp(`Entry ${seq} as shown on this page is not the entry the log signed: its contents were changed`));
  assert.doesNotMatch(await result.textContent(), /Verified/);
  // The untouched entries still verify.
  await page.getByLabel('Action').fill('card.issue');
  await page.getByRole('button', { name: 'Show entries' }).click();
  await page.getByText('Showing 1 entry.').waitFor();
  await page.locator('.audit-table tbody button').first().click();
  await result.getByText('Verified in this browser').waitFor();
  await checkA11y(page, 'access log, tampered entry');
  expectOnlySignIn401(page);
  await page.context().close();
});

test('the transparency report: charts with their tables, and the CSV with the same figures', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  await signInConsole(page, server, { user: 'rita', role: 'auditor' });
  await page.getByRole('link', { name: 'Transparency report' }).click();
  await page.getByRole('heading', { level: 1, name: 'Transparency report' }).waitFor();
  await page.locator('#report-period').waitFor();
  const from = await page.getByLabel('First month').inputValue();
  const to = await page.getByLabel('Last month').inputValue();
  const json = (await admin.fetch(`/api/v1/reports/transparency?from=${from}&to=${to}`)).json;

  // Every table with activity has a chart (an SVG with a title and a description) and its
  // numbers beside it; a table with none is one sentence.
  const issued = page.locator('section[data-table="cards_issued"]');
  await issued.locator('svg.chart').waitFor();
  assert.equal(await issued.locator('svg.chart title').textContent(), 'Cards issued');
  assert.match(await issued.locator('svg.chart desc').textContent(), /Striped bars are fewer than 10/);
  assert.equal(await issued.locator('svg.chart .bar-small').count(), 1, 'one card in one month: one striped bar');
  assert.match(await issued.locator('svg.chart').textContent(), /<10/);
  const table = json.tables.find((x) => x.id === 'cards_issued');
  const active = table.rows.slice(0, -1).filter((r) => r.cells.slice(0, -1).some((c) => c !== 0));
  assert.equal(await issued.locator('table tbody tr').count(), active.length + 1, 'the active rows and the totals');
  // Only the months with a card issued, then the total: no zero-filled columns.
  const months = table.columns.slice(0, -1).map((_, i) => i).filter((i) => active.some((r) => r.cells[i] !== 0));
  const shown = [...months, table.columns.length - 1];
  assert.equal(await issued.locator('table thead th').count(), shown.length + 1);
  const words = (c) => (c === '<10' ? 'fewer than 10' : c === 'withheld' ? 'withheld' : String(c));
  const firstRow = await issued.locator('table tbody tr').first().locator('td').allTextContents();
  assert.deepEqual(firstRow, shown.map((i) => words(active[0].cells[i])));
  const totals = await issued.locator('table tbody tr.total td').allTextContents();
  assert.deepEqual(totals, shown.map((i) => words(table.rows.at(-1).cells[i])));
  // Tables with nothing are one list, without charts.
  const quiet = page.locator('.report-quiet');
  await quiet.getByRole('heading', { name: 'Nothing in these months' }).waitFor();
  assert.equal(await quiet.locator('li[data-table="holds_placed"]').textContent(), 'Legal holds placed');
  assert.equal(await page.locator('section[data-table="holds_placed"]').count(), 0);
  const drawn = await page.locator('section[data-table] svg.chart').count();
  const withActivity = json.tables.filter((x) => x.rows.slice(0, -1).some((r) => r.cells.slice(0, -1).some((c) => c !== 0))).length;
  assert.equal(drawn, withActivity);
  assert.equal(await quiet.locator('li').count(), json.tables.length - withActivity);
  await checkA11y(page, 'transparency report');
  await screenshot(page, 'staff-report');

  // The CSV: the API's own figures, cell for cell the JSON's.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the figures (CSV)' }).click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r\n/);
  assert.equal(lines[0], 'table,row,column,value');
  const csv = new Map(lines.slice(1).map((l) => {
    const parts = l.split(',');
    return [parts.slice(0, 3).join(','), parts[3]];
  }));
  let compared = 0;
  for (const t of json.tables) {
    for (const r of t.rows) {
      r.cells.forEach((c, i) => {
        assert.equal(csv.get(`${t.id},${r.label},${t.columns[i]}`), String(c), `${t.id} ${r.label} ${t.columns[i]}`);
        compared += 1;
      });
    }
  }
  assert.equal(compared, lines.length - 1);
  assert.equal(csv.get(`cards_issued,Total,Total`), 'withheld');
  await page.getByText('The CSV file is downloaded.').waitFor();
  expectOnlySignIn401(page);
  await page.context().close();
});

test('an auditor sees no enrollment or decision sections, and the API refuses them', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'ines', role: 'auditor' });
  await page.goto(`${server.url}/staff#enroll`);
  await page.locator('#section-refused').waitFor();
  assert.equal(new URL(page.url()).hash, '#audit');
  assert.equal(await page.getByRole('link', { name: 'Enroll' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Decisions' }).count(), 0);
  await checkA11y(page, 'access log on a phone');
  expectOnlySignIn401(page);
  await page.context().close();

  const auditor = await staffSession(server, { user: 'ivo', role: 'auditor' });
  const id = enrolled.application_id ?? enrolled.id;
  for (const [method, p, body] of [
    ['GET', '/api/v1/applications'],
    ['POST', '/api/v1/applications', {}],
    ['POST', `/api/v1/applications/${id}/approve`, {}],
    ['POST', `/api/v1/applications/${id}/reject`, { reason: 'x', category: 'other' }],
    ['POST', `/api/v1/persons/${enrolled.person_id}/read`, { reason: READ_REASON }],
  ]) {
    const r = await auditor.fetch(p, { method, body });
    assert.equal(r.status, 403, `${method} ${p}: ${r.text}`);
    assert.match(r.json.type, /role-not-allowed$/);
  }
});

test('in Arabic, right to left, on a phone', async () => {
  const page = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'amal', role: 'auditor' });
  await page.getByRole('heading', { level: 1, name: 'سجل الوصول' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  await verdicts(page).first().getByText('تم التحقق في هذا المتصفح').waitFor();
  await page.locator('.audit-table').waitFor();
  await checkA11y(page, 'access log in Arabic');
  await screenshot(page, 'staff-audit-ar');
  await page.getByRole('link', { name: 'تقرير الشفافية' }).click();
  await page.locator('section[data-table="cards_issued"] svg.chart').waitFor();
  await checkA11y(page, 'report in Arabic');
  await screenshot(page, 'staff-report-ar');
  expectOnlySignIn401(page);
  await page.context().close();
});
