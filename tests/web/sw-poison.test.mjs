// The verifier's offline store must survive a wrong answer. A careless operator's proxy that
// shows a maintenance page with status 200 (or a captive portal on plain HTTP) answered the key
// set and status list requests with HTML; the service worker stored that over the good copies,
// and the next offline load could check no card at all. A 200 that is not the document asked
// for now counts as a failing server: the stored copy answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { makeCity } from './cards.mjs';
import { expectNoPageErrors, launchBrowser, newPage, startServer } from './harness.mjs';

let server;
let browser;
let card;

before(async () => {
  server = await startServer();
  card = makeCity({ dir: server.dataDir, run: server.cli }).issue();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const DATA = /\/(\.well-known\/cityid-keys|api\/v1\/status-lists\/\d+|api\/v1\/policy)$/;
const stored = (page) => page.evaluate(async () => {
  const c = await caches.open('cityid-verify-public-data');
  const out = {};
  for (const r of await c.keys()) out[new URL(r.url).pathname] = (await (await c.match(r)).text()).slice(0, 1);
  return out;
});

test('a 200 maintenance page does not replace the stored key set and status list', async () => {
  const page = await newPage(browser);
  const context = page.context();
  await page.goto(`${server.url}/verify`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  await page.locator('#lists-age').waitFor();
  assert.deepEqual(await stored(page), { '/api/v1/policy': '{', '/.well-known/cityid-keys': '{', '/api/v1/status-lists/1': '{' });

  await context.route(DATA, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<html><body>Down for maintenance</body></html>' }));
  await page.locator('#refresh').click();
  await page.waitForFunction(() => !document.getElementById('refresh').disabled);
  await context.unroute(DATA);
  assert.deepEqual(await stored(page), { '/api/v1/policy': '{', '/.well-known/cityid-keys': '{', '/api/v1/status-lists/1': '{' },
    'only the JSON copies are stored');

  // Offline, a fresh load still checks cards against the stored keys and list.
  await context.setOffline(true);
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  assert.equal(await page.locator('#keys-problem').count(), 0, 'the keys must still load offline');
  await page.locator('#lists-age').waitFor();
  await page.fill('#scan-input', card.qr);
  await page.press('#scan-input', 'Enter');
  assert.equal((await page.locator('#verdict .verdict-word').textContent()).trim(), 'VALID');
  assert.equal(await page.locator('#result-box .notice.warn').count(), 0, 'revocation was checked');
  expectNoPageErrors(page);
  await context.close();
});
