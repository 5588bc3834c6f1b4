// The staff console attacked from the edge (issue 17): what a second tab, a shared counter
// computer or a single administrator can do that they should not.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { PASSWORD, REPO, daysAgo, launchBrowser, newPage, offsetForAfternoon, signInConsole, startServer, staffSession, totp } from './harness.mjs';

const SITE = 'city-hall';
let server;
let browser;

async function book(name) {
  const to = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10);
  const slots = await (await fetch(`${server.url}/api/v1/sites/${SITE}/slots?from=${daysAgo(1)}&to=${to}`)).json();
  const res = await fetch(`${server.url}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: SITE, slot: slots.slots[0].start, name, language: 'en' }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text);
}

before(async () => {
  server = await startServer();
  const r = server.cli([
    'site', 'add', '--data', server.dataDir, '--id', SITE, '--name', 'City Hall', '--kind', 'city_hall', '--address', '1 Centre St',
    '--timezone', offsetForAfternoon(), '--hours', 'mon-sun 00:00-24:00', '--slot-minutes', '60', '--capacity', '5',
  ]);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('signing out in one tab clears the console in the other tabs of the same browser', async () => {
  await book('Rosa Tabbed');
  const a = await newPage(browser, { locale: 'en-US' });
  await signInConsole(a, server, { user: 'tabby', role: 'clerk', site: SITE });
  await a.locator('.appt-name', { hasText: 'Rosa Tabbed' }).waitFor();
  // A second tab of the same browser (same cookie) on the same list.
  const b = await a.context().newPage();
  b.errors = [];
  b.on('pageerror', (e) => b.errors.push(`pageerror: ${e.message}`));
  await b.goto(`${server.url}/staff#today`);
  await b.locator('.appt-name', { hasText: 'Rosa Tabbed' }).waitFor();

  await a.locator('#sign-out').click();
  await a.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  // The other tab, untouched, must not go on showing the name to the next person at the counter.
  await b.getByRole('heading', { name: 'Staff sign-in' }).waitFor({ timeout: 5000 });
  assert.equal(await b.locator('#section-root').count(), 0);
  assert.ok(!(await b.content()).includes('Rosa Tabbed'));
  assert.deepEqual(b.errors, []);
  await a.context().close();
});

test('after a check-in and a sign-out, the screen reader\'s live region no longer holds the name', async () => {
  await book('Rosa Announced');
  const page = await newPage(browser, { locale: 'en-US' });
  await signInConsole(page, server, { user: 'announcer', role: 'clerk', site: SITE });
  const item = page.locator('li', { has: page.locator('.appt-name', { hasText: 'Rosa Announced' }) });
  await item.getByRole('button', { name: 'Check in' }).click();
  await page.locator('#announcer', { hasText: 'Rosa Announced' }).waitFor({ state: 'attached' });
  await page.locator('#sign-out').click();
  await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  await page.locator('#announcer', { hasText: 'You are signed out' }).waitFor({ state: 'attached' });
  assert.ok(!(await page.content()).includes('Rosa Announced'), 'the name is left in the page');
  await page.context().close();
});

test('a print station that selects more cards than one sheet holds is told so before anything is asked of the server', async () => {
  const clerkApi = await staffSession(server, { user: 'printapi', role: 'clerk' });
  const supervisorApi = await staffSession(server, { user: 'printsup', role: 'supervisor' });
  const template = JSON.parse(fs.readFileSync(path.join(REPO, 'examples/applicant-jose.json'), 'utf8'));
  const photo = fs.readFileSync(path.join(REPO, 'examples/portrait.png')).toString('base64');
  const letters = 'bcdfghjklmnpqrstvwz';
  for (let i = 0; i < 51; i += 1) {
    // Distinct names, birth dates and passports: nobody is flagged as someone else.
    const applicant = structuredClone(template);
    applicant.legal_name = { given: `Ka${letters[i % 19]}${letters[Math.floor(i / 19)]}o`, family: `Pr${letters[(i * 7) % 19]}i${letters[Math.floor(i / 19)]}` };
    applicant.date_of_birth = new Date(Date.UTC(1950, 0, 1) + i * 400 * 86400e3).toISOString().slice(0, 10);
    applicant.documents[0].number = `Q${String(1000000 + i * 7919)}`;
    applicant.photo = photo;
    const enrolled = await clerkApi.fetch('/api/v1/applications', { method: 'POST', body: applicant });
    assert.equal(enrolled.status, 201, enrolled.text);
    assert.equal(enrolled.json.state, 'documents_checked', enrolled.text);
    const approved = await supervisorApi.fetch(`/api/v1/applications/${enrolled.json.id}/approve`, { method: 'POST', body: { reason: 'documents seen' } });
    assert.equal(approved.status, 200, approved.text);
    const issued = await clerkApi.fetch(`/api/v1/applications/${enrolled.json.id}/issue`, { method: 'POST', body: {} });
    assert.equal(issued.status, 201, issued.text);
  }
  const page = await newPage(browser, { locale: 'en-US' });
  const requests = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/print-sheets')) requests.push(r.url());
  });
  await signInConsole(page, server, { user: 'printer', role: 'clerk', site: SITE });
  await page.evaluate(() => {
    location.hash = 'print';
  });
  const boxes = page.locator('#section-root input[type=checkbox]');
  await boxes.nth(50).waitFor();
  assert.equal(await boxes.count(), 51);
  for (let i = 0; i < 51; i += 1) await boxes.nth(i).check();
  await page.getByRole('button', { name: 'Download sheet of selected cards' }).click();
  const summary = page.locator('#section-root [role=alert]');
  await summary.waitFor();
  assert.match(await summary.textContent(), /One sheet holds at most 50 cards; 51 are selected/);
  assert.deepEqual(requests, []);
  await page.context().close();
});

// Every camera stream the page opens, and a getUserMedia that answers only when the test says
// (a permission prompt the clerk takes a while to answer).
function holdCamera() {
  window.__streams = [];
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  const waiting = [];
  window.__cameraAsked = 0;
  window.__releaseCamera = () => {
    for (const release of waiting.splice(0)) release();
  };
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    window.__cameraAsked += 1;
    await new Promise((resolve) => waiting.push(resolve));
    const stream = await real(constraints);
    window.__streams.push(stream);
    return stream;
  };
}
const liveTracks = (page) =>
  page.evaluate(() => window.__streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length);

test('a camera the browser opens after the clerk left the form, or for a second click, is stopped', async () => {
  const page = await newPage(browser, { locale: 'en-US' });
  await page.addInitScript(holdCamera);
  await signInConsole(page, server, { user: 'camclerk', role: 'clerk', site: SITE });
  await page.evaluate(() => {
    location.hash = 'enroll';
  });
  await page.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();

  // Two clicks while the browser is still asking: one camera, not two.
  const camera = page.locator('.photo-camera');
  await camera.click();
  await camera.click();
  await page.waitForFunction(() => window.__cameraAsked === 2);
  await page.evaluate(() => window.__releaseCamera());
  await page.locator('.photo-video').waitFor();
  await page.waitForFunction(() => window.__streams.length === 2);
  assert.equal(await liveTracks(page), 1);

  // Cancel, ask again, and sign out before the browser answers: the camera must not come on
  // for the next person at the counter.
  await page.getByRole('button', { name: 'Stop the camera' }).click();
  assert.equal(await liveTracks(page), 0);
  await page.evaluate(() => {
    window.__streams.length = 0;
  });
  await page.locator('.photo-camera').click();
  await page.waitForFunction(() => window.__cameraAsked === 3);
  await page.locator('#sign-out').click();
  await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  await page.evaluate(() => window.__releaseCamera());
  await page.waitForFunction(() => window.__streams.length === 1);
  assert.equal(await liveTracks(page), 0);
  await page.context().close();
});

// The two-person rule of the emergency destruction held between accounts, not people: one
// administrator requested, created a second admin account with POST /api/v1/staff, set up its
// TOTP at its first sign-in (the secret comes back to whoever knows the password they chose)
// and approved. Now the approver's account may not be one the requester created (or whose code
// they reset), nor younger than the cooling-off period (core/destruction.h): 403
// two-person-rule, and the keys stay.
test('one administrator alone cannot approve their own destruction request through a second account they create', async () => {
  const admin = await staffSession(server, { user: 'solo', role: 'admin' });
  const request = await admin.fetch('/api/v1/destruction-requests', { method: 'POST', body: { reason: 'drill', confirm: true } });
  assert.equal(request.status, 201, request.text);
  const sockPassword = `${PASSWORD} again`;
  const added = await admin.fetch('/api/v1/staff', { method: 'POST', body: { user: 'sock', role: 'admin', password: sockPassword } });
  assert.equal(added.status, 201, added.text);
  const login = (body) =>
    fetch(`${server.url}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const offer = await (await login({ user: 'sock', password: sockPassword })).json();
  const secret = new URL(offer.otpauth_uri).searchParams.get('secret');
  const signedIn = await login({ user: 'sock', password: sockPassword, totp: totp(secret, Date.now() / 1000) });
  assert.equal(signedIn.status, 201);
  const { csrf_token: csrf } = await signedIn.json();
  const cookie = signedIn.headers.get('set-cookie').split(';')[0];
  const approve = await fetch(`${server.url}/api/v1/destruction-requests/${request.json.id}/approve`, {
    method: 'POST',
    headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify({ confirm: true }),
  });
  const refused = await approve.json();
  assert.equal(approve.status, 403, JSON.stringify(refused));
  assert.match(refused.type, /\/two-person-rule$/);
  assert.match(refused.detail, /was created by the admin who requested destruction/);
  assert.equal(approve.headers.get('cache-control'), 'no-store');
  const status = await admin.fetch('/api/v1/keys/status');
  assert.equal(status.json.data_keys.state, 'present');
  assert.equal((await admin.fetch('/api/v1/destruction-requests')).json.requests[0].state, 'pending');

  // In the console, an admin made a moment ago (by someone else) is refused too, and told why in
  // one sentence (not "you made this request", which would be untrue).
  const page = await newPage(browser, { locale: 'en-US' });
  await signInConsole(page, server, { user: 'newbie', role: 'admin' });
  await page.evaluate(() => {
    location.hash = 'records';
  });
  const item = page.locator('#rec-destroy-requests li');
  await item.waitFor();
  await page.getByLabel('To confirm, type: destroy the keys').fill('destroy the keys');
  await page.getByRole('button', { name: 'Approve and destroy the keys' }).click();
  const alert = page.getByRole('alert').getByText('Your account cannot approve this request.', { exact: false });
  await alert.waitFor();
  assert.doesNotMatch(await page.getByRole('alert').first().textContent(), /You made this request/);
  assert.equal(page.errors.filter((e) => /status of 403/.test(e)).length, 1);
  // (The console's session check before signing in answers 401, as in staff_records.)
  assert.deepEqual(page.errors.filter((e) => !/status of (401|403)/.test(e)), []);
  assert.equal((await admin.fetch('/api/v1/keys/status')).json.data_keys.state, 'present');
  await page.context().close();
});
