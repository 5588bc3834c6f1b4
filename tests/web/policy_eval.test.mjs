// The portal's in-browser checker (web/portal/policy_eval.js) must reach the same verdict as the
// server (POST /api/v1/policy/evaluate) for both shipped policies. The real server runs with a
// fixed today (--now), the module gets the same today, and every field is compared: the verdict,
// totals, each document's verdict, reason and points, what is missing (sentences and codes) and
// the suggestions in their order (sentences and catalogue ids).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './harness.mjs';
import {
  addDays,
  answersFor,
  dayNumber,
  evaluate,
  presentedFrom,
  questionsFor,
} from '../../web/portal/policy_eval.js';

// 2026-03-15 12:00 UTC: the server's today is the UTC date of --now.
const TODAY = '2026-03-15';
const NOW = Date.UTC(2026, 2, 15, 12, 0, 0) / 1000;

const ago = (n) => addDays(TODAY, -n);
const ahead = (n) => addDays(TODAY, n);
const valid = (type, extra = {}) => ({ type, expires: ahead(400), has_number: true, ...extra });
const bill = (type, daysAgo) => ({ type, issued: ago(daysAgo) });
const plain = (type) => ({ type, has_number: true });

// [name, documents]. Each row is evaluated by both engines.
const NEW_YORK_CASES = [
  ['none', []],
  ['one primary', [valid('us_passport')]],
  ['primary and a fresh bill', [valid('us_passport'), bill('utility_bill', 10)]],
  ['both document alone', [valid('ny_state_id_with_city_address')]],
  ['points short by one, photo missing', [plain('birth_certificate'), bill('utility_bill', 5)]],
  ['two 2-point documents', [plain('birth_certificate'), valid('foreign_national_id'), plain('lease')]],
  ['dob missing', [valid('school_id'), plain('lease')]],
  ['photo and dob from two documents', [valid('school_id'), plain('birth_certificate'), plain('lease')]],
  ['two points only', [valid('foreign_national_id'), plain('lease')]],
  ['expired passport within the grace window', [{ type: 'foreign_passport', expires: ago(100), has_number: true }, bill('utility_bill', 1)]],
  ['expired passport exactly at the grace limit', [{ type: 'foreign_passport', expires: ago(1095), has_number: true }, plain('lease')]],
  ['expired passport beyond the grace window', [{ type: 'foreign_passport', expires: ago(1096), has_number: true }, plain('lease')]],
  ['grace passport and a birth certificate', [{ type: 'foreign_passport', expires: ago(30), has_number: true }, plain('birth_certificate'), plain('lease')]],
  ['expired U.S. passport', [{ type: 'us_passport', expires: ago(1), has_number: true }, plain('lease')]],
  ['passport expiring today', [{ type: 'us_passport', expires: TODAY, has_number: true }, plain('lease')]],
  ['utility bill 59 days', [valid('us_passport'), bill('utility_bill', 59)]],
  ['utility bill 60 days', [valid('us_passport'), bill('utility_bill', 60)]],
  ['utility bill 61 days', [valid('us_passport'), bill('utility_bill', 61)]],
  ['tax return 365 and 366 days', [valid('consular_id'), bill('tax_return', 366), bill('property_tax_bill', 365)]],
  ['two bills count once', [valid('us_passport'), bill('utility_bill', 3), bill('utility_bill', 4)]],
  ['expired then valid passport: the valid one counts', [{ type: 'us_passport', expires: ago(3), has_number: true }, valid('us_passport'), plain('lease')]],
  ['grace passport then a valid one: the 3 points count', [{ type: 'foreign_passport', expires: ago(5), has_number: true }, valid('foreign_passport'), plain('lease')]],
  ['unknown type', [{ type: 'visa' }, valid('us_passport')]],
  ['unprintable and odd type ids', [{ type: "a'b" }, { type: '' }, { type: 'pasaporte_ñ' }, plain('lease')]],
  ['number not recorded', [{ type: 'us_passport', expires: ahead(10) }, plain('lease')]],
  ['expiry missing', [{ type: 'us_passport', has_number: true }, plain('lease')]],
  ['issue date missing', [valid('us_passport'), { type: 'utility_bill' }]],
  ['issued in the future', [valid('us_passport'), bill('utility_bill', -2)]],
  ['issued after expiry', [{ type: 'us_drivers_license', issued: ago(10), expires: ago(20), has_number: true }, plain('lease')]],
  ['rejected pay stub is suggested first', [valid('us_passport'), bill('pay_stub', 90)]],
  ['residency only', [bill('utility_bill', 1), bill('bank_statement', 2), plain('lease')]],
  ['residency missing', [valid('us_drivers_license'), plain('birth_certificate')]],
  ['everything at once', [valid('us_passport'), valid('state_id'), plain('birth_certificate'), valid('school_id'), bill('utility_bill', 1), plain('lease'), valid('ny_state_id_with_city_address')]],
  ['both document expired', [{ type: 'ny_state_id_with_city_address', expires: ago(2), has_number: true }]],
];

const SAN_FRANCISCO_CASES = [
  ['none', []],
  ['one primary', [valid('us_passport')]],
  ['primary and a bill 29 days old', [valid('consular_id'), bill('utility_bill', 29)]],
  ['bill 30 days old', [valid('consular_id'), bill('utility_bill', 30)]],
  ['bill 31 days old', [valid('consular_id'), bill('utility_bill', 31)]],
  ['residency missing', [valid('state_id')]],
  ['one secondary with dob, no photo', [plain('birth_certificate'), plain('lease')]],
  ['one secondary with photo and dob', [valid('military_id'), plain('lease')]],
  ['one secondary with photo, no dob', [valid('school_id'), plain('lease')]],
  ['two secondaries: photo and dob', [valid('school_id'), plain('birth_certificate'), plain('lease')]],
  ['two secondaries with photo and dob each', [valid('foreign_drivers_license'), valid('foreign_national_id'), plain('lease')]],
  ['two birth certificates count once', [plain('birth_certificate'), plain('birth_certificate'), plain('lease')]],
  ['two school ids count once', [valid('school_id'), valid('school_id'), plain('lease')]],
  ['three secondaries', [valid('school_id'), plain('birth_certificate'), valid('military_id'), bill('pay_stub', 2)]],
  ['secondary and primary', [plain('birth_certificate'), valid('foreign_passport'), plain('lease')]],
  ['expired foreign passport (no grace here)', [{ type: 'foreign_passport', expires: ago(10), has_number: true }, plain('lease')]],
  ['expired secondary with photo', [{ type: 'military_id', expires: ago(1), has_number: true }, plain('birth_certificate'), plain('lease')]],
  ['expired school id and a birth certificate', [{ type: 'school_id', expires: ago(400) }, plain('birth_certificate')]],
  ['unknown type', [{ type: 'green_card' }, plain('lease')]],
  ['primary without a number', [{ type: 'consular_id', expires: ahead(30) }, plain('lease')]],
  ['shelter letter 31 days', [valid('us_passport'), bill('shelter_letter', 31)]],
  ['old bill, fresh statement', [valid('us_passport'), bill('utility_bill', 45), bill('bank_statement', 3)]],
  ['tax return too old', [valid('us_drivers_license'), bill('tax_return', 40)]],
  ['residency only', [bill('utility_bill', 1), plain('lease')]],
  ['secondary government document with a birth certificate', [valid('other_government_document'), plain('birth_certificate'), bill('insurance_bill', 12)]],
  ['expired primary then valid primary', [{ type: 'us_passport', expires: ago(1), has_number: true }, valid('us_passport'), plain('lease')]],
  ['issued in the future', [valid('us_passport'), bill('bank_statement', -1)]],
  ['everything at once', [valid('us_passport'), valid('school_id'), plain('birth_certificate'), bill('utility_bill', 1), plain('lease'), valid('other_government_photo_id')]],
];

// The server's fields only: the module adds reason_code/reason_params for the portal's sentences.
function serverShape(result) {
  return {
    ...result,
    documents: result.documents.map(({ reason_code: _c, reason_params: _p, ...rest }) => rest),
  };
}

function compare(server, local, label) {
  // Field by field first, so a failure names the field; then the whole object.
  for (const key of Object.keys(server)) {
    assert.ok(key in local, `${label}: the module has no field ${key}`);
  }
  for (const key of [
    'satisfied', 'rule', 'identity_points', 'residency_points', 'identity_required',
    'residency_required', 'has_photo_document', 'has_dob_document',
  ]) {
    assert.equal(local[key], server[key], `${label}: ${key}`);
  }
  assert.deepEqual(local.documents, server.documents, `${label}: documents`);
  assert.deepEqual(local.missing_codes, server.missing_codes, `${label}: missing_codes`);
  assert.deepEqual(local.missing, server.missing, `${label}: missing`);
  assert.deepEqual(local.suggested, server.suggested, `${label}: suggested (order)`);
  assert.deepEqual(local.suggested_for, server.suggested_for, `${label}: suggested_for`);
  assert.deepEqual(local.suggestions, server.suggestions, `${label}: suggestions`);
  assert.deepEqual(local, server, `${label}: whole answer`);
}

for (const [file, cases] of [
  ['new-york-points', NEW_YORK_CASES],
  ['san-francisco-list', SAN_FRANCISCO_CASES],
]) {
  describe(`policy_eval.js matches the server on ${file}`, () => {
    let server;
    let policy;
    const post = async (documents) => {
      const res = await fetch(`${server.url}/api/v1/policy/evaluate`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ documents }),
      });
      assert.equal(res.status, 200, `evaluate answered ${res.status}: ${await res.clone().text()}`);
      return res.json();
    };

    before(async () => {
      server = await startServer({ policy: file, now: NOW });
      const res = await fetch(`${server.url}/api/v1/policy`);
      assert.equal(res.status, 200);
      policy = await res.json();
      assert.deepEqual(policy.city.languages, ['en', 'es', 'zh', 'ar']);
    });
    after(async () => {
      await server?.stop();
    });

    test(`the table has at least 25 combinations (${cases.length})`, () => {
      assert.ok(cases.length >= 25);
      assert.equal(new Set(cases.map(([name]) => name)).size, cases.length, 'case names are unique');
    });

    test('the server uses the fixed today', async () => {
      // A bill dated exactly at the window's edge is accepted, a day older is not: only true
      // when the server's today is TODAY.
      const type = policy.documents.find((d) => d.validity.issued_within_days);
      const n = type.validity.issued_within_days;
      const e = await post([{ type: type.id, issued: ago(n) }, { type: type.id, issued: ago(n + 1) }]);
      assert.equal(e.documents[0].accepted, true);
      assert.equal(e.documents[1].accepted, false);
      assert.equal(e.documents[1].reason, `issued on ${ago(n + 1)}, more than ${n} days ago`);
    });

    for (const [name, documents] of cases) {
      test(name, async () => {
        const server = await post(documents);
        const local = evaluate(policy, documents, TODAY);
        compare(server, serverShape(local), name);
        // The structured fields the portal's sentences are built from stay consistent.
        assert.equal(local.missing_codes.length, local.missing.length);
        assert.equal(local.suggested.length, local.suggestions.length);
        assert.equal(new Set(local.suggested).size, local.suggested.length, 'each id once');
        for (const r of local.documents) assert.equal(r.reason_code === '', r.accepted, `${name}: reason_code of ${r.type}`);
      });
    }

    // Every answer the checker can give about every document becomes dates that both engines
    // judge the same way, and the way the answer says.
    test('answers to the checker questions become dates both engines agree on', async () => {
      let checked = 0;
      for (const doc of policy.documents) {
        const questions = questionsFor(doc);
        const combos = [{}];
        for (const q of questions) {
          const next = [];
          for (const c of combos) for (const a of answersFor(q)) next.push({ ...c, [q.kind]: a });
          combos.splice(0, combos.length, ...next);
        }
        for (const answers of combos) {
          const presented = presentedFrom(doc, answers, TODAY);
          const server = await post([presented]);
          const local = evaluate(policy, [presented], TODAY);
          compare(server, serverShape(local), `${doc.id} ${JSON.stringify(answers)}`);
          const expectAccepted = Object.values(answers).every((a) => a === 'valid' || a === 'recent' || a === 'recently_expired');
          assert.equal(server.documents[0].accepted, expectAccepted, `${doc.id} ${JSON.stringify(answers)}: ${server.documents[0].reason}`);
          if (answers.expired === 'recently_expired') {
            assert.equal(server.documents[0].identity_points, doc.expired_identity_points ?? doc.identity_points);
          }
          checked += 1;
        }
      }
      assert.ok(checked > policy.documents.length, `checked ${checked} answer sets`);
    });
  });
}

describe('policy_eval.js dates', () => {
  test('dayNumber accepts real calendar dates only', () => {
    assert.equal(dayNumber('1970-01-01'), 0);
    assert.equal(dayNumber('2024-02-29'), dayNumber('2024-02-28') + 1);
    for (const bad of ['2025-02-29', '2025-13-01', '2025-00-10', '2025-1-01', '999-01-01', '', null, 20250101]) {
      assert.equal(dayNumber(bad), null, String(bad));
    }
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addDays('2024-12-31', 1), '2025-01-01');
  });

  test('a Date today is its local calendar day', () => {
    const local = new Date(2026, 2, 15, 23, 30);
    const a = evaluate({ documents: [], rule: { kind: 'list', residency_min: 1, secondary_min: 2 } }, [], local);
    const b = evaluate({ documents: [], rule: { kind: 'list', residency_min: 1, secondary_min: 2 } }, [], '2026-03-15');
    assert.deepEqual(a, b);
    assert.throws(() => evaluate({ documents: [], rule: { kind: 'points' } }, [], '2026-02-30'), RangeError);
  });
});
