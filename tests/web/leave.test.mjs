// A shared computer (a library, a kiosk): after an applicant books, or a guard checks a card,
// and the browser goes on to another page, the next person's Back button must not bring the
// page back from the back/forward cache with the reference and PIN, or the holder's name, on
// it. Playwright turns that cache off by default (--disable-back-forward-cache); these tests
// turn it back on, as every real browser has it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { makeCity } from './cards.mjs';
import { CHROMIUM, expectNoPageErrors, newPage, startServer } from './harness.mjs';

let server;
let browser;
let card;

before(async () => {
  server = await startServer();
  const r = server.cli(['site', 'add', '--data', server.dataDir, '--id', 'branch', '--name', 'Branch Library',
    '--kind', 'library', '--address', '5 Elm St', '--timezone', 'America/New_York', '--hours', 'mon-sun 00:00-23:30']);
  assert.equal(r.code, 0, r.stderr);
  card = makeCity({ dir: server.dataDir, run: server.cli }).issue();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Goes to another page, then presses Back; resolves once the page shows either a fresh start
 * (`fresh`) or what it showed before (`before`): a visible body, so a copy that is being
 * replaced by a reload does not count.
 */
async function leaveAndComeBack(page, fresh, before) {
  const here = page.url();
  await page.goto('about:blank');
  await page.goBack({ waitUntil: 'commit' });
  assert.equal(page.url(), here);
  await page.locator(`body:not([hidden]) ${fresh}, body:not([hidden]) ${before}`).first().waitFor();
}

test('Back after booking does not show the reference and PIN again', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/#book`);
  const root = page.locator('#booking-root');
  const submit = root.locator('button[type=submit]');
  await root.locator('[data-step="site"]').waitFor();
  await root.getByLabel('Branch Library', { exact: true }).check();
  await submit.click();
  await root.locator('[data-step="day"] input[type=radio]').nth(1).check();
  await submit.click();
  await root.locator('[data-step="time"] input[type=radio]').first().check();
  await submit.click();
  await root.getByLabel('Name to call').fill('Quiet Applicant');
  await submit.click();
  await root.getByRole('button', { name: 'Book the appointment' }).click();
  const pin = (await root.locator('[data-pin]').textContent()).trim();
  assert.match(pin, /^[0-9A-Z]{8}$/);

  await leaveAndComeBack(page, '#booking-root [data-step="site"]', '[data-pin]');
  assert.equal(await page.locator('[data-pin]').count(), 0, 'the PIN must not come back');
  const text = await page.evaluate(() => document.body.innerText);
  assert.equal(text.includes(pin), false, 'the PIN must not come back');
  assert.equal(text.includes('Quiet Applicant'), false, 'the name must not come back');
  expectNoPageErrors(page);
  await page.context().close();
});

test('Back after a card check does not show the holder again', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/verify`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  await page.fill('#scan-input', card.qr);
  await page.press('#scan-input', 'Enter');
  assert.equal((await page.locator('#verdict .verdict-word').textContent()).trim(), 'VALID');
  const name = (await page.locator('.holder-name').textContent()).trim();
  assert.ok(name.length > 2);

  await leaveAndComeBack(page, '#scan-input:focus', '#verdict');
  assert.equal(await page.locator('#verdict').count(), 0, 'no verdict after Back');
  assert.equal((await page.evaluate(() => document.body.innerText)).includes(name), false, 'the name must not come back');
  expectNoPageErrors(page);
  await page.context().close();
});
