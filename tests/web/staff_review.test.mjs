// Fixes from the review of the staff console (issue 17), one test each.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, offsetForAfternoon, signInConsole, startServer, VIEWPORTS } from './harness.mjs';

let server;
let browser;
const SITE = 'city-hall';

before(async () => {
  server = await startServer();
  const r = server.cli([
    'site', 'add', '--data', server.dataDir, '--id', SITE, '--name', 'City Hall', '--kind', 'city_hall', '--address', '1 Centre St',
    '--timezone', offsetForAfternoon(), '--hours', 'mon-sun 00:00-24:00', '--slot-minutes', '60', '--capacity', '5',
  ]);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// The camera's permission prompt can still be open when the clerk leaves the enrollment form.
// The camera granted after that must be turned off at once, not left running unseen.
test('a camera granted after the enrollment form was left is turned off', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  // getUserMedia answers only when the test says so, with a stream drawn from a canvas.
  await page.addInitScript(() => {
    window.cameraTracks = [];
    navigator.mediaDevices.getUserMedia = () => new Promise((resolve) => {
      window.grantCamera = () => {
        const canvas = document.createElement('canvas');
        canvas.width = 320;
        canvas.height = 240;
        canvas.getContext('2d').fillRect(0, 0, 10, 10);
        const stream = canvas.captureStream(5);
        window.cameraTracks.push(...stream.getTracks());
        resolve(stream);
      };
    });
  });
  await signInConsole(page, server, { user: 'cam', role: 'clerk', site: SITE });
  await page.evaluate(() => {
    location.hash = 'enroll';
  });
  await page.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  await page.getByRole('button', { name: 'Use the camera' }).click();
  await page.waitForFunction(() => typeof window.grantCamera === 'function');
  // The clerk leaves for today's list while the prompt is open; then the camera is granted.
  await page.evaluate(() => {
    location.hash = 'today';
  });
  await page.locator('#section-heading').waitFor();
  assert.equal(await page.locator('.photo-video').count(), 0);
  await page.evaluate(() => window.grantCamera());
  await page.waitForFunction(() => window.cameraTracks.length === 1);
  await page.waitForFunction(() => window.cameraTracks.every((track) => track.readyState === 'ended'), null, { timeout: 5000 });
  assert.equal(await page.locator('.photo-video').count(), 0);
  // Only the sign-in page's probe for a session (401) is logged.
  assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), []);
  await page.context().close();
});

// The skip link ("#staff-root") changes the URL's hash like the nav does. It is no section: the
// console must keep the section mounted with what was typed, not remount the home section with
// a "you cannot use that section" notice.
test('the skip link keeps the section and what was typed', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.phone });
  await signInConsole(page, server, { user: 'skip', role: 'clerk', site: SITE });
  await page.evaluate(() => {
    location.hash = 'enroll';
  });
  await page.getByRole('heading', { level: 1, name: 'Enroll an applicant' }).waitFor();
  await page.getByLabel('Given name(s)', { exact: true }).fill('Ana');
  await page.locator('.skip-link').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash !== '#staff-root', null, { timeout: 5000 });
  assert.equal(await page.evaluate(() => location.hash), '#enroll');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'staff-root', 'the skip link moves focus to the main content');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Enroll an applicant');
  assert.equal(await page.getByLabel('Given name(s)', { exact: true }).inputValue(), 'Ana');
  assert.equal(await page.locator('#section-refused').count(), 0);
  // The nav still moves between sections.
  await page.locator('#nav-today').click();
  await page.waitForFunction(() => location.hash === '#today');
  assert.equal(await page.locator('#section-refused').count(), 0);
  assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), []);
  await page.context().close();
});

// The same in the applicant portal (issue 16): the skip link left the view for the home page.
test('portal: the skip link keeps the view the applicant is in', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.phone });
  await page.goto(`${server.url}/#book`);
  await page.locator('#book h1').waitFor();
  await page.locator('.skip-link').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash !== '#main', null, { timeout: 5000 });
  assert.equal(await page.evaluate(() => location.hash), '#book');
  assert.equal(await page.locator('#book').isVisible(), true);
  assert.equal(await page.locator('#home').isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  // Back still goes home.
  await page.locator('#book .back-link').click();
  await page.locator('#home').waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
