// The portal's booking on a phone in Spanish (issue 16): choose a site, a day and a time, book
// with a name to call, get the reference and PIN once with a printable slip; find the booking
// with them, move it and cancel it. A place taken meanwhile, a closed day, a wrong PIN, a lost
// connection and rate limiting are each one plain sentence. The PIN never appears in a URL,
// nothing of the booking is kept in the browser, the whole booking also completes from the
// keyboard alone, and axe-core finds nothing on any step.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { VIEWPORTS, checkA11y, launchBrowser, newPage, screenshot, startServer } from './harness.mjs';

let server;
let browser;
const requests = []; // every request URL any page of this file made

before(async () => {
  // Browser and test share 127.0.0.1: lift the per-client booking caps so the tests' own
  // bookings through the API do not count against the page's.
  server = await startServer({ args: ['--max-bookings-per-client', '50', '--max-bookings-per-client-site-day', '50'] });
  browser = await launchBrowser();
  const sites = [
    // Open every day, so there are free times whatever day the test runs; with the languages
    // its staff speak and access notes.
    ['ayuntamiento', 'Ayuntamiento', 'city_hall', '1 Centre St', 'America/New_York', 'mon-sun 08:00-12:00, 13:00-18:00', '3',
      ['--languages', 'es,en', '--accessibility', 'Entrada sin escalones por Chambers St']],
    // One place per time, a fixed UTC offset (sites made before time zones were supported).
    ['biblioteca', 'Biblioteca Central', 'library', '455 Fifth Ave', '-05:00', 'mon-sun 09:00-17:00', '1', []],
  ];
  for (const [id, name, kind, address, tz, hours, capacity, extra] of sites) {
    const r = server.cli([
      'site', 'add', '--data', server.dataDir, '--id', id, '--name', name, '--kind', kind, '--address', address,
      '--timezone', tz, '--hours', hours, '--slot-minutes', '30', '--capacity', capacity, ...extra,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(hash, { viewport = VIEWPORTS.phone } = {}) {
  const page = await newPage(browser, { locale: 'es-ES', viewport });
  page.apiFailures = [];
  page.on('request', (r) => requests.push({ url: r.url(), headers: r.headers() }));
  page.on('response', (r) => {
    if (r.status() >= 400) page.apiFailures.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${server.url}/${hash}`);
  await page.waitForFunction(() => document.documentElement.lang === 'es');
  return page;
}

// Chromium logs every answer of 400 or more as a console error, even when the page handles
// it; those the test provoked on purpose (and only those) are allowed, everything else fails.
function expectNoPageErrorsBut(page, expected = [], extra = []) {
  const loads = page.errors.filter((e) => /^console\.error: Failed to load resource: the server responded with a status of \d+/.test(e));
  const others = page.errors.filter((e) => !loads.includes(e) && !extra.some((re) => re.test(e)));
  assert.deepEqual(others, [], 'the page must not log errors or throw');
  assert.deepEqual([...page.apiFailures].sort(), [...expected].sort(), 'only the failures the test provoked');
  assert.equal(loads.length, page.apiFailures.length);
}

async function apiJson(path, { method = 'GET', body, headers = {} } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

async function bookThroughApi(site, slot, name = 'Prueba') {
  const r = await apiJson('/api/v1/appointments', { method: 'POST', body: { site, slot, name, language: 'es' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

const root = (page) => page.locator('#booking-root');
const manage = (page) => page.locator('#manage-root');
const step = (scope, name) => scope.locator(`[data-step="${name}"]`);
const radios = (scope) => scope.locator('input[type=radio]');
const submit = (scope) => scope.locator('button[type=submit]');

// Waits for the error summary to say `re` (a new summary may replace an old one), then
// checks that it has the focus.
async function expectSummary(page, scope, re) {
  const s = scope.locator('[data-error-summary]');
  try {
    await s.filter({ hasText: re }).waitFor({ timeout: 20000 });
  } catch {
    assert.fail(`the error summary should say ${re}; it says: ${(await s.allTextContents()).join(' | ') || '(nothing)'}`);
  }
  await expectFocusOnSummary(page);
  return (await s.textContent()).trim();
}

async function expectFocusOnSummary(page) {
  await page.waitForFunction(() => document.activeElement && document.activeElement.hasAttribute('data-error-summary'));
}

// "9:00" as es-ES writes the local time "2026-12-08T09:00".
const esTime = (local) => {
  const [hh, mm] = local.slice(11, 16).split(':');
  return `${Number(hh)}:${mm}`;
};

async function chooseSite(page, name) {
  await step(root(page), 'site').waitFor();
  await root(page).getByLabel(name, { exact: true }).check();
  await submit(root(page)).click();
  await step(root(page), 'day').locator('input[type=radio]').first().waitFor();
}

test('book, find, move and cancel on a phone in Spanish', async () => {
  const page = await open('#book');
  const booking = root(page);

  // Site: name, address and hours in Spanish words.
  await step(booking, 'site').waitFor();
  await assert.doesNotReject(booking.getByText('1 Centre St').waitFor());
  const siteText = await booking.textContent();
  assert.match(siteText, /Horario: lun–dom 8:00–12:00 y 13:00–18:00/);
  assert.match(siteText, /Se habla: español [ye] inglés/);
  assert.match(siteText, /Accesibilidad: Entrada sin escalones por Chambers St/);
  await checkA11y(page, 'booking: site');
  // Continue without a choice: the error summary takes the focus and says what to do.
  await submit(booking).click();
  await expectSummary(page, booking, /Elija una oficina\./);
  await checkA11y(page, 'booking: site, nothing chosen');

  await chooseSite(page, 'Ayuntamiento');
  assert.match(await booking.locator('legend').textContent(), /¿Qué día\?/);
  await checkA11y(page, 'booking: day');
  // A week at a time; more on request, and the focus goes to the first day added.
  assert.equal(await radios(booking).count(), 7);
  await booking.getByRole('button', { name: 'Ver más días' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#booking-root input[name="bk-day"]').length === 14);
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('#booking-root input[name="bk-day"]')].indexOf(document.activeElement)), 7);
  // The second day offered: a whole day of free times, whatever the hour the test runs at
  // (today may have one time left, or none).
  const dayValue = await radios(booking).nth(1).getAttribute('value');
  await radios(booking).nth(1).check();
  await submit(booking).click();

  // Times in the site's time zone (America/New_York), written the Spanish way.
  await step(booking, 'time').waitFor();
  const api = await apiJson(`/api/v1/sites/ayuntamiento/slots?from=${dayValue}&to=${dayValue}`);
  assert.equal(api.status, 200);
  const labels = await booking.locator('[data-step="time"] .bk-choice label').allTextContents();
  assert.deepEqual(labels, api.json.slots.map((s) => esTime(s.local)));
  await checkA11y(page, 'booking: time');
  await screenshot(page, 'portal-booking-time-es');
  const first = api.json.slots[0];
  await booking.getByLabel(esTime(first.local), { exact: true }).check();
  await submit(booking).click();

  // Name to call (required) and an optional contact.
  await step(booking, 'details').waitFor();
  await submit(booking).click();
  await expectSummary(page, booking, /Escriba un nombre para llamarle\./);
  await checkA11y(page, 'booking: details, no name');
  await booking.getByLabel('Nombre para llamarle').fill('Ana López');
  await booking.getByLabel('Teléfono o correo electrónico (opcional)').fill('555-0100');
  await checkA11y(page, 'booking: details');
  await submit(booking).click();

  // Check your answers, then book.
  await step(booking, 'check').waitFor();
  const check = await booking.textContent();
  assert.match(check, /Revise sus respuestas/);
  assert.match(check, /Ayuntamiento, 1 Centre St/);
  assert.match(check, /Ana López/);
  assert.match(check, new RegExp(esTime(first.local)));
  await checkA11y(page, 'booking: check your answers');
  await screenshot(page, 'portal-booking-check-es');
  // A language change redraws the step in the new language and keeps every answer.
  await page.selectOption('#language', 'ar');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  await booking.getByRole('heading', { name: 'راجع إجاباتك' }).waitFor();
  assert.match(await booking.textContent(), /Ana López/);
  await checkA11y(page, 'booking: check your answers (ar)');
  await page.selectOption('#language', 'es');
  await booking.getByRole('heading', { name: 'Revise sus respuestas' }).waitFor();
  await page.evaluate(() => {
    window.printed = 0;
    window.print = () => {
      window.printed += 1;
    };
  });
  await booking.getByRole('button', { name: 'Reservar la cita' }).click();

  // Reference and PIN, once, with the slip.
  await step(booking, 'done').waitFor();
  const reference = (await booking.locator('[data-reference]').textContent()).trim();
  const pin = (await booking.locator('[data-pin]').textContent()).trim();
  assert.match(reference, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  assert.match(pin, /^[A-Z2-9]{8}$/);
  const slip = (await booking.locator('[data-slip]').textContent()).replace(/\s+/g, ' ');
  assert.match(slip, /Su cita está reservada/);
  assert.match(slip, /Ayuntamiento/);
  assert.match(slip, /1 Centre St/);
  assert.match(slip, new RegExp(esTime(first.local)));
  assert.match(slip, /Qué debe traer/);
  assert.match(slip, /al menos 3 puntos para probar quién es/);
  assert.match(slip, /Pasaporte o tarjeta pasaporte de EE\. UU\. — 3 puntos — sin vencer/);
  assert.match(slip, /Traiga los documentos originales, no copias\./);
  assert.ok(slip.includes(reference) && slip.includes(pin));
  await checkA11y(page, 'booking: booked');
  await screenshot(page, 'portal-booking-slip-es');
  // Print: the slip alone is printed.
  await booking.getByRole('button', { name: 'Imprimir el comprobante' }).click();
  assert.equal(await page.evaluate(() => window.printed), 1);
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => ({
    header: getComputedStyle(document.querySelector('#site-header')).visibility,
    slip: getComputedStyle(document.querySelector('[data-slip]')).visibility,
    pin: getComputedStyle(document.querySelector('[data-pin]')).visibility,
    buttons: getComputedStyle(document.querySelector('[data-print]').closest('.bk-no-print')).display,
  }));
  assert.deepEqual(printed, { header: 'hidden', slip: 'visible', pin: 'visible', buttons: 'none' });
  await page.emulateMedia({ media: 'screen' });

  // Nothing of the booking is kept in the browser.
  const kept = await page.evaluate(() => ({
    local: Object.keys(localStorage).filter((k) => k !== 'cityid.lang'),
    session: sessionStorage.length,
    cookies: document.cookie,
  }));
  assert.deepEqual(kept, { local: [], session: 0, cookies: '' });

  // Find it with reference and PIN.
  await page.goto(`${server.url}/#my-booking`);
  const mine = manage(page);
  await step(mine, 'find').waitFor();
  await checkA11y(page, 'manage: find');
  await mine.getByLabel('Referencia').fill(reference.toLowerCase());
  await mine.getByLabel('PIN', { exact: true }).fill(pin);
  await submit(mine).click();
  await step(mine, 'show').waitFor();
  let shown = await mine.textContent();
  assert.match(shown, /Su cita/);
  assert.match(shown, /Ana López/);
  assert.match(shown, /Reservada/);
  assert.match(shown, new RegExp(esTime(first.local)));
  await checkA11y(page, 'manage: booking shown');

  // Move it to another time of the same day.
  await mine.getByRole('button', { name: 'Cambiar la hora' }).click();
  await step(mine, 'day').locator('input[type=radio]').first().waitFor();
  await checkA11y(page, 'manage: move, day');
  await mine.locator(`input[value="${dayValue}"]`).check();
  await submit(mine).click();
  await step(mine, 'time').waitFor();
  const second = api.json.slots[1];
  await mine.getByLabel(esTime(second.local), { exact: true }).check();
  await checkA11y(page, 'manage: move, time');
  await submit(mine).click();
  await step(mine, 'confirm-move').waitFor();
  await checkA11y(page, 'manage: move, confirm');
  await mine.getByRole('button', { name: 'Cambiar mi cita' }).click();
  await mine.getByText('Su cita ha cambiado.').waitFor();
  shown = await mine.textContent();
  assert.match(shown, /Reservada \(cambiada\)/);
  assert.match(shown, new RegExp(esTime(second.local)));
  await checkA11y(page, 'manage: moved');
  const afterMove = await apiJson(`/api/v1/appointments/${reference}`, { headers: { 'X-Booking-PIN': pin } });
  assert.equal(afterMove.json.slot, second.start);

  // Cancel it: confirm first.
  await mine.getByRole('button', { name: 'Cancelar la cita' }).click();
  await step(mine, 'cancel').waitFor();
  await checkA11y(page, 'manage: cancel, confirm');
  await mine.getByRole('button', { name: 'No, mantenerla' }).click();
  await step(mine, 'show').waitFor();
  await mine.getByRole('button', { name: 'Cancelar la cita' }).click();
  await mine.getByRole('button', { name: 'Sí, cancelarla' }).click();
  await mine.getByText('Su cita está cancelada.').waitFor();
  assert.match(await mine.textContent(), /Cancelada/);
  assert.equal(await mine.getByRole('button', { name: 'Cambiar la hora' }).count(), 0);
  await checkA11y(page, 'manage: cancelled');
  const afterCancel = await apiJson(`/api/v1/appointments/${reference}`, { headers: { 'X-Booking-PIN': pin } });
  assert.equal(afterCancel.json.state, 'cancelled');

  // The PIN travelled in the header only, never in a URL.
  const withPin = requests.filter((r) => r.url.includes('/api/v1/appointments/'));
  assert.equal(withPin.length, 3); // find, move, cancel
  for (const r of withPin) assert.equal(r.headers['x-booking-pin'], pin, r.url);
  for (const r of requests) {
    assert.ok(!r.url.includes(pin), `the PIN must not be in ${r.url}`);
    assert.ok(!r.url.includes('L%C3%B3pez') && !r.url.includes('López'), r.url);
  }
  expectNoPageErrorsBut(page);
  await page.context().close();
});

test('a place taken meanwhile and a closed day are sentences with a way on', async () => {
  const page = await open('#book');
  const booking = root(page);
  await chooseSite(page, 'Biblioteca Central');
  // The second day offered: a whole day of free times, whatever the hour the test runs at
  // (today may have one time left, or none).
  const dayValue = await radios(booking).nth(1).getAttribute('value');
  await radios(booking).nth(1).check();
  await submit(booking).click();
  await step(booking, 'time').waitFor();
  const times = booking.locator('[data-step="time"] input[type=radio]');
  const taken = await times.first().getAttribute('value');
  const other = await times.nth(1).getAttribute('value');
  await times.first().check();
  await submit(booking).click();
  await booking.getByLabel('Nombre para llamarle').fill('Luis');
  await submit(booking).click();
  await step(booking, 'check').waitFor();

  // Someone else takes the last place of that time between listing and submitting.
  await bookThroughApi('biblioteca', taken);
  await booking.getByRole('button', { name: 'Reservar la cita' }).click();
  await step(booking, 'time').waitFor();
  await expectSummary(page, booking, /Alguien acaba de tomar el último lugar a esa hora\. Elija otra hora\./);
  // The times were reloaded: the one taken is gone, the others are still there.
  assert.equal(await booking.locator(`input[value="${taken}"]`).count(), 0);
  assert.equal(await booking.locator(`input[value="${other}"]`).count(), 1);
  await checkA11y(page, 'booking: slot full');
  await screenshot(page, 'portal-booking-slot-full-es');

  // The office closes that day before the applicant submits.
  await booking.locator(`input[value="${other}"]`).check();
  await submit(booking).click();
  await submit(booking).click(); // the name is still there
  await step(booking, 'check').waitFor();
  const closed = server.cli(['site', 'close', '--data', server.dataDir, '--site', 'biblioteca', '--date', dayValue]);
  assert.equal(closed.code, 0, closed.stderr);
  await booking.getByRole('button', { name: 'Reservar la cita' }).click();
  await step(booking, 'day').waitFor();
  await expectSummary(page, booking, /Esa hora ya no se puede reservar: la oficina está cerrada ese día o la hora ya pasó\. Elija otra hora\./);
  assert.equal(await booking.locator(`input[value="${dayValue}"]`).count(), 0, 'the closed day is no longer offered');
  await checkA11y(page, 'booking: day closed');

  expectNoPageErrorsBut(page, ['409 /api/v1/appointments', '409 /api/v1/appointments']);
  await page.context().close();
});

test('the whole booking completes from the keyboard alone', async () => {
  const page = await open('#book');
  const booking = root(page);
  await step(booking, 'site').locator('input[type=radio]').first().waitFor();

  // Tab until `selector` has the focus (Shift+Tab with `back`); no mouse anywhere.
  const tabTo = async (selector, { back = false, max = 40 } = {}) => {
    for (let i = 0; i < max; i += 1) {
      if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    }
    assert.fail(`Tab never reached ${selector}`);
  };

  await tabTo('#booking-root input[name="bk-site"]');
  await page.keyboard.press('ArrowDown'); // second site: Biblioteca Central
  await page.keyboard.press('ArrowUp'); // back to the first: Ayuntamiento
  await page.keyboard.press('Space');
  assert.equal(await booking.locator('input[name="bk-site"]:checked').getAttribute('value'), 'ayuntamiento');
  await tabTo('#booking-root button[type=submit]');
  await page.keyboard.press('Enter');

  await step(booking, 'day').locator('input[type=radio]').first().waitFor();
  // The focus moved to the question.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '¿Qué día?');
  await tabTo('#booking-root input[name="bk-day"]');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown'); // the second day: a whole day of free times
  await tabTo('#booking-root button[type=submit]');
  await page.keyboard.press('Enter');

  await step(booking, 'time').locator('input[type=radio]').first().waitFor();
  await tabTo('#booking-root input[name="bk-time"]');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown'); // the second time
  const chosen = await booking.locator('input[name="bk-time"]:checked').getAttribute('value');
  assert.equal(chosen, await booking.locator('input[name="bk-time"]').nth(1).getAttribute('value'));
  await tabTo('#booking-root button[type=submit]');
  await page.keyboard.press('Enter');

  await step(booking, 'details').waitFor();
  await tabTo('#bk-name');
  await page.keyboard.type('Karim');
  await page.keyboard.press('Enter'); // submits the form

  await step(booking, 'check').waitFor();
  // Back one step and forward again with Shift+Tab and Enter.
  await tabTo('#booking-root .bk-back', { back: true });
  await page.keyboard.press('Enter');
  await step(booking, 'details').waitFor();
  assert.equal(await booking.locator('#bk-name').inputValue(), 'Karim');
  await tabTo('#booking-root button[type=submit]');
  await page.keyboard.press('Enter');
  await step(booking, 'check').waitFor();
  await tabTo('#booking-root button[type=submit]');
  await page.keyboard.press('Enter');

  await step(booking, 'done').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Su cita está reservada');
  assert.match(await booking.locator('[data-reference]').textContent(), /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await tabTo('#booking-root [data-print]');
  await checkA11y(page, 'keyboard: booked');
  expectNoPageErrorsBut(page);
  await page.context().close();
});

test('a wrong PIN, a lost connection and rate limiting are plain sentences', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const later = new Date(Date.now() + 20 * 86400e3).toISOString().slice(0, 10);
  const slots = await apiJson(`/api/v1/sites/ayuntamiento/slots?from=${today}&to=${later}`);
  const mine = await bookThroughApi('ayuntamiento', slots.json.slots.at(-1).start, 'Rosa');

  const page = await open('#my-booking');
  const form = manage(page);
  await step(form, 'find').waitFor();
  // Nothing typed: both fields are named.
  await submit(form).click();
  const empty = await expectSummary(page, form, /Escriba su referencia\./);
  assert.match(empty, /Escriba su PIN\./);
  await checkA11y(page, 'manage: empty form');

  // A wrong PIN.
  await form.getByLabel('Referencia').fill(mine.reference);
  await form.getByLabel('PIN', { exact: true }).fill('ZZZZZZZZ');
  await submit(form).click();
  const wrong = await expectSummary(page, form, /No encontramos ninguna cita con esa referencia y ese PIN\. Revise los dos e inténtelo de nuevo\./);
  assert.doesNotMatch(wrong, /Escriba/);
  await checkA11y(page, 'manage: wrong PIN');

  // The connection drops.
  await page.route('**/api/v1/appointments/**', (route) => route.abort('internetdisconnected'));
  await form.getByLabel('PIN', { exact: true }).fill(mine.pin);
  await submit(form).click();
  await expectSummary(page, form, /No pudimos conectar con el servicio\. Revise su conexión a internet y vuelva a intentarlo\./);
  await checkA11y(page, 'manage: offline');
  await page.unroute('**/api/v1/appointments/**');

  // Someone guesses PINs for this booking until the server stops answering for it.
  let limited = null;
  for (let i = 0; i < 15 && !limited; i += 1) {
    const r = await apiJson(`/api/v1/appointments/${mine.reference}`, { headers: { 'X-Booking-PIN': `WRONG${i}` } });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 404);
  }
  assert.ok(limited, 'wrong PINs for one booking are limited');
  const wait = Number(limited.headers.get('retry-after'));
  assert.ok(wait > 540 && wait <= 600, String(wait));
  // Even the right PIN waits now; the page says how long, in minutes.
  await submit(form).click();
  await expectSummary(page, form, /Demasiados intentos\. Espere 10 minutos y vuelva a intentarlo\./);
  await checkA11y(page, 'manage: rate limited');

  expectNoPageErrorsBut(
    page,
    ['404 /api/v1/appointments/' + mine.reference, '429 /api/v1/appointments/' + mine.reference],
    [/^console\.error: Failed to load resource: net::ERR_INTERNET_DISCONNECTED$/],
  );
  await page.context().close();
});

test('one booking too many is a sentence that says what to do', async () => {
  // A server whose clients may hold one live booking; the test's own booking (same address as
  // the browser) uses it up.
  const small = await startServer({ args: ['--max-bookings-per-client', '1'] });
  try {
    const add = small.cli([
      'site', 'add', '--data', small.dataDir, '--id', 'ayuntamiento', '--name', 'Ayuntamiento', '--kind', 'city_hall',
      '--address', '1 Centre St', '--timezone', 'America/New_York', '--hours', 'mon-sun 08:00-18:00', '--slot-minutes', '30',
      '--capacity', '3',
    ]);
    assert.equal(add.code, 0, add.stderr);
    const from = new Date().toISOString().slice(0, 10);
    const to = new Date(Date.now() + 7 * 86400e3).toISOString().slice(0, 10);
    const slots = await (await fetch(`${small.url}/api/v1/sites/ayuntamiento/slots?from=${from}&to=${to}`)).json();
    const held = await fetch(`${small.url}/api/v1/appointments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ site: 'ayuntamiento', slot: slots.slots.at(-1).start, name: 'Otra', language: 'es' }),
    });
    assert.equal(held.status, 201);

    // On the narrowest phone: no step scrolls sideways.
    const page = await newPage(browser, { locale: 'es-ES', viewport: VIEWPORTS.narrow });
    const fits = async (label) =>
      assert.deepEqual(await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]), [320, 320], label);
    page.apiFailures = [];
    page.on('response', (r) => {
      if (r.status() >= 400) page.apiFailures.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${small.url}/#book`);
    const booking = root(page);
    await step(booking, 'site').waitFor();
    await fits('site');
    await chooseSite(page, 'Ayuntamiento');
    await fits('day');
    await radios(booking).first().check();
    await submit(booking).click();
    await step(booking, 'time').waitFor();
    await fits('time');
    await radios(booking).first().check();
    await submit(booking).click();
    await booking.getByLabel('Nombre para llamarle').fill('Ana');
    await fits('details');
    await submit(booking).click();
    await step(booking, 'check').waitFor();
    await fits('check');
    await booking.getByRole('button', { name: 'Reservar la cita' }).click();
    await expectSummary(
      page,
      booking,
      /Ya tiene todas las citas permitidas\. Cancele una que ya no necesite, elija otro día o reserve en la ventanilla\./,
    );
    assert.equal(await step(booking, 'check').count(), 1, 'the answers stay, to book at another time');
    await fits('limit reached');
    await checkA11y(page, 'booking: limit reached');
    expectNoPageErrorsBut(page, ['429 /api/v1/appointments']);
    await page.context().close();
  } finally {
    await small.stop();
  }
});
