// The applicant's access history shows reasons that staff typed. A reason with a bidirectional
// override (U+202E) must not read to the applicant differently from what was logged: the API
// refuses such a reason (400 invalid-argument, the one rule for free text), and the page drops
// such characters from any entry logged before that rule (the log cannot be rewritten).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { adminSession, expectNoPageErrors, launchBrowser, newPage, REPO, startServer } from './harness.mjs';

let server;
let browser;
let enrolled;
const REASON = 'routine check \u202Enoitagitsevni duarf\u202C done';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const file = path.join(server.tmp, 'applicant.json');
  fs.writeFileSync(file, JSON.stringify({
    legal_name: { given: 'Rosa', family: 'Parks' },
    date_of_birth: '1980-02-04',
    address: { line1: '3 Pine St', city: 'New York', state: 'NY', postal_code: '10005' },
    language: 'en',
    photo: path.join(REPO, 'examples/portrait.png'),
    documents: [
      { type: 'foreign_passport', number: 'P5550001', expires: '2031-05-01' },
      { type: 'utility_bill', issued: new Date(Date.now() - 10 * 86400e3).toISOString().slice(0, 10) },
    ],
  }));
  const r = server.cli(['--json', 'enroll', '--data', server.dataDir, '--applicant', file]);
  assert.equal(r.code, 0, r.stderr);
  enrolled = JSON.parse(r.stdout);
  const admin = await adminSession(server);
  const refused = await admin.fetch(`/api/v1/persons/${enrolled.person_id}/read`, { method: 'POST', body: { reason: REASON } });
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.json.type, 'https://cityid.example/problems/invalid-argument');
  const read = await admin.fetch(`/api/v1/persons/${enrolled.person_id}/read`, { method: 'POST', body: { reason: 'routine check' } });
  assert.equal(read.status, 200, read.text);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a reason with a bidi override reads in the history as it was logged', async () => {
  const page = await newPage(browser);
  // An entry logged before the server refused such reasons: the real answer, with its reason
  // replaced by the spoofed one.
  await page.route('**/api/v1/access-history', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    for (const e of body.entries) if (e.reason === 'routine check') e.reason = REASON;
    await route.fulfill({ response: res, json: body });
  });
  await page.goto(`${server.url}/#history`);
  await page.locator('#hi-code').fill(enrolled.access_code);
  await page.locator('#history-root button[type=submit]').click();
  const why = page.locator('#history-root bdi', { hasText: 'routine check' });
  await why.waitFor();
  const text = await why.textContent();
  assert.equal(/[\u202A-\u202E\u2066-\u2069]/.test(text), false, `no bidi control may reach the page: ${JSON.stringify(text)}`);
  assert.equal(text, 'routine check noitagitsevni duarf done');
  expectNoPageErrors(page);
  await page.context().close();
});
