// The web foundation: the pages are served by `cityid serve` with the strict security headers,
// load without an error in every language, mirror in Arabic, fit a 320 px screen, and pass
// axe-core; API answers that carry personal data are never cached.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { VIEWPORTS, checkA11y, expectNoPageErrors, launchBrowser, newPage, screenshot, startServer } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const PAGES = ['/', '/verify'];

test('every page and asset carries the strict security headers', async () => {
  for (const p of [...PAGES, '/assets/portal.js', '/assets/portal.css', '/messages/ar.json', '/sw.js']) {
    const res = await fetch(server.url + p);
    assert.equal(res.status, 200, p);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/, p);
    assert.match(csp, /script-src 'self';/, p);
    assert.match(csp, /style-src 'self';/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.doesNotMatch(csp, /unsafe|\*/, p);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', p);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', p);
  }
  // A page is sent compressed to a browser that accepts it, and revalidated by its ETag.
  const page = await fetch(`${server.url}/`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(page.headers.get('content-encoding'), 'gzip');
  const etag = page.headers.get('etag');
  const again = await fetch(`${server.url}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  // Only GET and HEAD; anything else is a problem document, not the page.
  const post = await fetch(`${server.url}/verify`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  assert.equal(post.headers.get('content-type'), 'application/problem+json');
  // API answers get the closed policy of a document that loads nothing.
  const keys = await fetch(`${server.url}/.well-known/cityid-keys`);
  assert.equal(keys.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
});

test('API answers that carry personal data are not cached', async () => {
  const sites = await (await fetch(`${server.url}/api/v1/sites`)).json();
  assert.ok(Array.isArray(sites.sites));
  // A booking (name to call, reference, PIN) and its lookup.
  const add = server.cli([
    'site', 'add', '--data', server.dataDir, '--id', 'library', '--name', 'Central Library', '--kind', 'library',
    '--address', '1 Main St', '--timezone', 'UTC', '--hours', 'mon-sun 08:00-20:00', '--slot-minutes', '30', '--capacity', '2',
  ]);
  assert.equal(add.code, 0, add.stderr);
  const day = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10);
  const slots = await (await fetch(`${server.url}/api/v1/sites/library/slots?from=${day}&to=${day}`)).json();
  assert.ok(slots.slots.length > 0, JSON.stringify(slots));
  const booked = await fetch(`${server.url}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site: 'library', slot: slots.slots[0].start, name: 'Ana', language: 'es' }),
  });
  assert.equal(booked.status, 201);
  assert.equal(booked.headers.get('cache-control'), 'no-store');
  const { reference, pin } = await booked.json();
  const found = await fetch(`${server.url}/api/v1/appointments/${reference}`, { headers: { 'X-Booking-PIN': pin } });
  assert.equal(found.status, 200);
  assert.equal(found.headers.get('cache-control'), 'no-store');
  const history = await fetch(`${server.url}/api/v1/access-history`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ reference, pin }),
  });
  assert.equal(history.status, 200);
  assert.equal(history.headers.get('cache-control'), 'no-store');
});

for (const [locale, lang, dir] of [
  ['en-US', 'en', 'ltr'],
  ['es-MX', 'es', 'ltr'],
  ['zh-CN', 'zh-Hans', 'ltr'],
  ['ar-EG', 'ar', 'rtl'],
]) {
  test(`the pages follow the browser's language: ${locale}`, async () => {
    const page = await newPage(browser, { locale });
    for (const p of PAGES) {
      await page.goto(server.url + p);
      await page.waitForSelector('#language');
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await page.getAttribute('html', 'dir'), dir);
      await checkA11y(page, `${p} in ${lang}`);
      if (p === '/' && (lang === 'en' || lang === 'ar')) await screenshot(page, `portal-${lang}-phone`);
    }
    expectNoPageErrors(page);
    await page.context().close();
  });
}

test('the language can be switched on every page, and the layout mirrors in Arabic', async () => {
  const page = await newPage(browser, { locale: 'en-US', viewport: VIEWPORTS.desktop });
  for (const p of PAGES) {
    await page.goto(server.url + p);
    await page.waitForSelector('#language');
    const brandLtr = await page.locator('.brand').boundingBox();
    await page.selectOption('#language', 'ar');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    const brandRtl = await page.locator('.brand').boundingBox();
    if (p === '/') await screenshot(page, 'portal-ar-desktop', { fullPage: false });
    // The service's name moves from the left edge to the right edge.
    assert.ok(brandLtr.x < 400, `LTR brand at x=${brandLtr.x}`);
    assert.ok(brandRtl.x + brandRtl.width > 880, `RTL brand ends at x=${brandRtl.x + brandRtl.width}`);
    assert.equal(await page.locator('label[for=language]').textContent(), 'اللغة');
    await page.selectOption('#language', 'en');
    await page.waitForFunction(() => document.documentElement.dir === 'ltr');
  }
  expectNoPageErrors(page);
  await page.context().close();
});

test('the pages fit a 320 px screen without sideways scrolling', async () => {
  const page = await newPage(browser, { locale: 'ar', viewport: VIEWPORTS.narrow });
  for (const p of PAGES) {
    await page.goto(server.url + p);
    await page.waitForSelector('#language');
    const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(width <= 320, `${p}: ${width} px wide`);
  }
  expectNoPageErrors(page);
  await page.context().close();
});
