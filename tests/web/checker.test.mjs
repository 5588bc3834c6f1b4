// "What to bring" in a real browser: an applicant on a phone, in Spanish, ticks documents, reads
// that they are not enough, what is missing and which documents would supply it, ticks more and
// reads that they are enough — and no request leaves the page meanwhile. In Arabic the page is
// right-to-left and the checker mirrors; switching language keeps the ticks. axe-core finds no
// violation in the empty, not-enough and enough states.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  VIEWPORTS,
  checkA11y,
  expectNoPageErrors,
  launchBrowser,
  newPage,
  screenshot,
  startServer,
} from './harness.mjs';
import { evaluate, presentedFrom } from '../../web/portal/policy_eval.js';

// The browser's clock is fixed, so "today" is known to the test too.
const TODAY = '2026-03-16';
const BROWSER_NOW = new Date('2026-03-16T10:00:00');

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** The checker's page, loaded and ready; `requests` records every request made after that. */
async function openChecker(server, { locale, viewport = VIEWPORTS.phone }) {
  const page = await newPage(browser, { locale, viewport });
  await page.clock.setFixedTime(BROWSER_NOW);
  await page.goto(`${server.url}/#bring`);
  await page.locator('#checker-root .checker').waitFor();
  page.requests = [];
  page.on('request', (r) => page.requests.push(`${r.method()} ${r.url()}`));
  return page;
}

const box = (page, id) => page.locator(`#checker-root input[type=checkbox][value="${id}"]`);
const result = (page) => page.locator('#checker-root .checker-result-body');

async function policyOf(server) {
  const res = await fetch(`${server.url}/api/v1/policy`);
  assert.equal(res.status, 200);
  return res.json();
}

describe('New York (points)', () => {
  let server;
  let policy;
  before(async () => {
    server = await startServer({ policy: 'new-york-points' });
    policy = await policyOf(server);
  });
  after(async () => {
    await server?.stop();
  });

  test('in Spanish on a phone: not enough, what is missing and what helps, then enough; no request', async () => {
    const page = await openChecker(server, { locale: 'es-MX' });
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    const name = (id) => policy.documents.find((d) => d.id === id).names.es;

    // Empty: the page says what is needed and that nothing is ticked yet.
    await assert.doesNotReject(result(page).getByText('Todavía no ha marcado ningún documento').waitFor());
    assert.match(await page.locator('#checker-root .checker-needs').innerText(), /3 puntos de identidad/);
    await checkA11y(page, 'checker, empty, es');

    // Each document's name in Spanish, with a checkbox a thumb can hit.
    const label = page.locator('#checker-root label[for="chk-birth_certificate"]');
    assert.equal(await label.innerText(), name('birth_certificate'));
    const lb = await label.boundingBox();
    assert.ok(lb.height >= 44, `label height ${lb.height}`);

    // A birth certificate and a lease: 2 identity points, no photo.
    await page.getByLabel(name('birth_certificate')).check();
    await page.getByLabel(name('lease')).check();
    await result(page).getByText('Todavía no es suficiente.').waitFor();
    const missing = await result(page).locator('.checker-missing li').allInnerTexts();
    assert.deepEqual(missing, ['1 punto de identidad más', 'un documento con su foto']);
    assert.match(await result(page).innerText(), /Puntos de identidad: 2 de 3/);

    // The suggestions are the evaluator's, in its order, named in Spanish.
    const docs = ['birth_certificate', 'lease'].map((id) => presentedFrom(policy.documents.find((d) => d.id === id), {}, TODAY));
    const expected = evaluate(policy, docs, TODAY).suggested;
    assert.ok(expected.length > 0);
    const shown = await result(page).locator('.checker-suggestions li').evaluateAll((lis) => lis.map((li) => li.dataset.type));
    assert.deepEqual(shown, expected);
    const firstLine = await result(page).locator('.checker-suggestions li').first().innerText();
    assert.ok(firstLine.startsWith(`${name(expected[0])}: da `), firstLine);
    await checkA11y(page, 'checker, not enough, es');

    // A U.S. passport that has expired does not count, and the page says why.
    await page.getByLabel(name('us_passport')).check();
    await page.getByRole('radio', { name: 'Sí, está vencido' }).check();
    await result(page).getByText(`${name('us_passport')}: está vencido`).waitFor();
    assert.equal(await result(page).locator('.checker-verdict').innerText(), 'Todavía no es suficiente.');

    // It has not expired after all: enough.
    await page.getByRole('radio', { name: 'No, no está vencido' }).check();
    await result(page).getByText('Suficiente: con estos documentos puede solicitar la tarjeta.').waitFor();
    assert.equal(await result(page).locator('.checker-missing').count(), 0);
    assert.match(await result(page).innerText(), /Puntos de identidad: 5 de 3/);
    await checkA11y(page, 'checker, enough, es');
    // For docs/images: the verdict on the phone's screen, not the whole catalogue above it.
    await page.locator('#checker-result-title').scrollIntoViewIfNeeded();
    // The bar that keeps the verdict in sight steps aside once the result itself is on screen.
    await page.locator('#checker-root .checker-bar').waitFor({ state: 'hidden' });
    await screenshot(page, 'checker-es-phone', { fullPage: false });

    // The verdict was announced: it lives in a polite live region.
    assert.equal(await result(page).getAttribute('role'), 'status');
    assert.equal(await result(page).getAttribute('aria-live'), 'polite');
    assert.deepEqual(page.requests, [], 'checking sends nothing');
    expectNoPageErrors(page);
    await page.context().close();
  });

  test('a grace-period passport and a bill too old are answered with plain questions', async () => {
    const page = await openChecker(server, { locale: 'en-US', viewport: VIEWPORTS.desktop });
    await box(page, 'foreign_passport').check();
    const q = page.locator('#chk-foreign_passport-q');
    await q.getByRole('radio', { name: 'Yes, less than 3 years ago' }).check();
    await box(page, 'utility_bill').check();
    await page.locator('#chk-utility_bill-q').getByRole('radio', { name: 'No, it is older' }).check();
    // The passport counts 2 points; the bill does not count; 1 point and an address are missing.
    await result(page).getByText('Points for who you are: 2 of 3').waitFor();
    assert.match(await result(page).innerText(), /Utility bill .*: it is older than 60 days/);
    const missing = await result(page).locator('.checker-missing li').allInnerTexts();
    assert.deepEqual(missing, ['1 more point for who you are', '1 more point for where you live']);
    // The bill presented too old is the first suggestion for the address (a fresher one).
    const types = await result(page).locator('.checker-suggestions li').evaluateAll((lis) => lis.map((li) => li.dataset.type));
    const docs = [
      presentedFrom(policy.documents.find((d) => d.id === 'foreign_passport'), { expired: 'recently_expired' }, TODAY),
      presentedFrom(policy.documents.find((d) => d.id === 'utility_bill'), { issued: 'old' }, TODAY),
    ];
    const ev = evaluate(policy, docs, TODAY);
    assert.deepEqual(types, ev.suggested);
    assert.equal(types[ev.suggested_for.indexOf('residency_points')], 'utility_bill');
    // More than 3 years ago: the passport does not count either.
    await q.getByRole('radio', { name: 'Yes, more than 3 years ago' }).check();
    await result(page).getByText('Points for who you are: 0 of 3').waitFor();
    assert.deepEqual(page.requests, [], 'checking sends nothing');
    expectNoPageErrors(page);
    await page.context().close();
  });

  test('at 320 px nothing scrolls sideways, and the keyboard alone works the checker', async () => {
    const page = await openChecker(server, { locale: 'es-MX', viewport: VIEWPORTS.narrow });
    // Keyboard: Space ticks the focused document, arrows move between a question's answers.
    await box(page, 'ny_state_id_with_city_address').focus();
    await page.keyboard.press('Space');
    await result(page).locator('.checker-verdict-ok').waitFor();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement.id);
    assert.equal(focused, 'chk-ny_state_id_with_city_address-expired-valid', 'Tab goes to the question under the ticked document');
    await page.keyboard.press('ArrowDown');
    await result(page).locator('.checker-verdict-bad').waitFor();
    assert.match(await result(page).innerText(), /está vencido/);
    await page.keyboard.press('ArrowUp');
    await result(page).locator('.checker-verdict-ok').waitFor();
    // Every answer is a target a thumb can hit.
    for (const label of await page.locator('#chk-ny_state_id_with_city_address-q label').all()) {
      const b = await label.boundingBox();
      assert.ok(b.height >= 44, `answer label height ${b.height}`);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
    expectNoPageErrors(page);
    await page.context().close();
  });
});

describe('San Francisco (list)', () => {
  let server;
  let policy;
  before(async () => {
    server = await startServer({ policy: 'san-francisco-list' });
    policy = await policyOf(server);
  });
  after(async () => {
    await server?.stop();
  });

  test('in Arabic the page is right-to-left and the checker mirrors; a language switch keeps the ticks', async () => {
    const page = await openChecker(server, { locale: 'en-US' });
    // Left to right: each checkbox lies left of its label.
    const ltrBox = await box(page, 'birth_certificate').boundingBox();
    const ltrLabel = await page.locator('label[for="chk-birth_certificate"]').boundingBox();
    assert.ok(ltrBox.x + ltrBox.width <= ltrLabel.x, `LTR: box ends at ${ltrBox.x + ltrBox.width}, label starts at ${ltrLabel.x}`);

    // Two secondary documents (photo, date of birth) and no address: not enough.
    await box(page, 'school_id').check();
    await box(page, 'birth_certificate').check();
    await result(page).getByText('Not enough yet.').waitFor();
    assert.deepEqual(await result(page).locator('.checker-missing li').allInnerTexts(), ['a document that shows your address']);

    await page.selectOption('#language', 'ar');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');
    // The ticks survive the re-render, and everything is now in Arabic.
    assert.equal(await box(page, 'school_id').isChecked(), true);
    assert.equal(await box(page, 'birth_certificate').isChecked(), true);
    await result(page).getByText('غير كافية بعد.').waitFor();
    assert.deepEqual(await result(page).locator('.checker-missing li').allInnerTexts(), ['وثيقة تُظهر عنوانك']);
    // Switching language loads that language's messages (and nothing else); checking again
    // sends nothing.
    assert.deepEqual(page.requests.map((r) => r.replace(server.url, '')), ['GET /messages/ar.json']);
    page.requests = [];
    const arName = policy.documents.find((d) => d.id === 'birth_certificate').names.ar;
    assert.equal(await page.locator('label[for="chk-birth_certificate"]').innerText(), arName);
    // Right to left: each checkbox lies right of its label.
    const rtlBox = await box(page, 'birth_certificate').boundingBox();
    const rtlLabel = await page.locator('label[for="chk-birth_certificate"]').boundingBox();
    assert.ok(rtlBox.x >= rtlLabel.x + rtlLabel.width, `RTL: box starts at ${rtlBox.x}, label ends at ${rtlLabel.x + rtlLabel.width}`);
    await checkA11y(page, 'checker, not enough, ar');

    // A utility bill dated within the last 30 days: enough (two secondary documents).
    await box(page, 'utility_bill').check();
    await result(page).locator('.checker-verdict-ok').waitFor();
    assert.equal(await result(page).locator('.checker-verdict').innerText(), 'كافية: هذه الوثائق تكفي لتقديم الطلب.');
    await checkA11y(page, 'checker, enough, ar');
    await page.locator('#checker-result-title').scrollIntoViewIfNeeded();
    // The bar that keeps the verdict in sight steps aside once the result itself is on screen.
    await page.locator('#checker-root .checker-bar').waitFor({ state: 'hidden' });
    await screenshot(page, 'checker-ar-phone', { fullPage: false });
    // Not dated within the last 30 days: not counted, and a fresher one is suggested first.
    await page.locator('#chk-utility_bill-q').getByRole('radio', { name: 'لا، تاريخها أقدم' }).check();
    await result(page).getByText('غير كافية بعد.').waitFor();
    const first = await result(page).locator('.checker-suggestions li').first().getAttribute('data-type');
    assert.equal(first, 'utility_bill');
    assert.deepEqual(page.requests, [], 'checking sends nothing');
    expectNoPageErrors(page);
    await page.context().close();
  });

  test('the lists are grouped as the rule reads: first list, second list, address', async () => {
    const page = await openChecker(server, { locale: 'en-US', viewport: VIEWPORTS.desktop });
    await checkA11y(page, 'checker, empty, en, list rule');
    const groups = await page.locator('#checker-root .checker-group').evaluateAll((els) =>
      els.map((g) => [g.dataset.group, [...g.querySelectorAll('input[type=checkbox]')].map((i) => i.value)]),
    );
    const ids = (fn) => policy.documents.filter(fn).map((d) => d.id);
    assert.deepEqual(groups, [
      ['primary', ids((d) => d.tier === 'primary')],
      ['secondary', ids((d) => d.tier === 'secondary')],
      ['residency', ids((d) => d.category === 'residency')],
    ]);
    // One secondary document: one more from the second list (with the photo the birth
    // certificate lacks), and the first-list documents that would settle it on their own.
    await box(page, 'birth_certificate').check();
    await box(page, 'lease').check();
    await result(page).getByText('Not enough yet.').waitFor();
    assert.deepEqual(await result(page).locator('.checker-missing li').allInnerTexts(), [
      'one document from the first list, or 1 more from the second list',
      'a document from the second list with your photo',
    ]);
    const lines = await result(page).locator('.checker-suggestions li').allInnerTexts();
    assert.match(lines[0], /: proves who you are on its own \(must not be expired\)$/);
    assert.ok(lines.some((l) => /counts as a document from the second list/.test(l)), lines.join('\n'));
    await box(page, 'military_id').check();
    await result(page).locator('.checker-verdict-ok').waitFor();
    await page.locator('#checker-root .checker-result a[href="#book"]').waitFor();
    assert.deepEqual(page.requests, [], 'checking sends nothing');
    expectNoPageErrors(page);
    await page.context().close();
  });
});
