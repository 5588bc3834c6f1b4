// Makes real cards and presentations with the cityid binary, for the verifier's tests
// (card.test.mjs, verify.test.mjs): init, enroll, approve, issue, present, revoke, keys and
// status-list export, `cityid verify --json` as the oracle. Each applicant is a different person
// (a second enrollment of one person would be flagged as a duplicate).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cityidBin = () => process.env.CITYID_BIN || join(REPO, 'build', 'bin', 'cityid');

/** Runs the binary: {code, stdout, stderr, json()}. */
export function runCityid(args, { input, env } = {}) {
  const r = spawnSync(cityidBin(), args, {
    input, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return {
    code: r.status, stdout: r.stdout, stderr: r.stderr,
    json() {
      try {
        return JSON.parse(r.stdout);
      } catch {
        throw new Error(`cityid ${args.join(' ')}: not JSON (exit ${r.status}): ${r.stdout}${r.stderr}`);
      }
    },
  };
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}: ${r.stdout}${r.stderr}`);
  return { ...r, json: () => JSON.parse(r.stdout) };
}

const PEOPLE = [
  ['Ana', 'Ruiz', '1985-02-03'], ['Wei', 'Zhang', '1992-07-19'], ['Layla', 'Haddad', '1979-11-30'],
  ['Tomás', 'Ortega', '2001-05-14'], ['Grace', 'Okafor', '1968-09-02'], ['Minh', 'Tran', '1995-01-25'],
  ['Sofía', 'Benítez', '1988-03-08'], ['Kwame', 'Mensah', '1974-12-12'], ['Irina', 'Volkova', '1990-06-21'],
  ['Omar', 'Farouk', '2004-10-10'],
];

/**
 * A city: a data folder made with `cityid init`, and helpers that act on it.
 * `run(args, opts)` runs the binary (default: runCityid); every call gets `--data dir`.
 */
export function makeCity({ dir, run = runCityid, policy = 'new-york-points' } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'cityid-cards-'));
  const data = dir ?? join(work, 'data');
  let person = 0;
  const city = {
    data, work,
    init() {
      must(run(['init', '--data', data, '--policy', join(REPO, 'policies', `${policy}.toml`)]), 'init');
      return city;
    },
    /** enroll → approve → issue a new person's card; {number, qr, issuedAt, expiresAt}. */
    issue({ now, dob } = {}) {
      const [given, family, birth] = PEOPLE[person % PEOPLE.length];
      const n = person++;
      const photo = join(work, 'portrait.png');
      copyFileSync(join(REPO, 'examples', 'portrait.png'), photo);
      const file = join(work, `applicant-${n}.json`);
      writeFileSync(file, JSON.stringify({
        legal_name: { given: n < PEOPLE.length ? given : `${given}a`, family },
        date_of_birth: dob ?? birth,
        address: { line1: `${10 + n} Main St`, city: 'New York', state: 'NY', postal_code: '10002' },
        gender: n % 2 ? 'F' : 'X', language: 'es', photo,
        documents: [
          { type: 'foreign_passport', number: `P${String(31415926 + n * 7919)}`, expires: '2031-03-01' },
          { type: 'utility_bill', issued: '2026-11-02' },
        ],
      }));
      const e = must(run(['--json', 'enroll', '--data', data, '--applicant', file]), 'enroll').json();
      must(run(['approve', '--data', data, '--application', e.application_id]), 'approve');
      const clock = now === undefined ? [] : ['--now', String(now)];
      const env = now === undefined ? undefined : { CITYID_ALLOW_CLOCK_OVERRIDE: '1' };
      const i = must(run([...clock, '--json', 'issue', '--data', data, '--application', e.application_id], { env }), 'issue').json();
      return { number: i.card_number, qr: i.qr_payload, issuedAt: i.issued_at, expiresAt: i.expires_at };
    },
    /** `cityid present --disclose names` → the CP1: text. */
    present(number, disclose) {
      return must(run(['--json', 'present', '--data', data, '--card', number, '--disclose', disclose]), 'present').json().qr_payload;
    },
    revoke(number) {
      must(run(['revoke', '--data', data, '--card', number, '--reason', 'test: card reported as fraudulent']), 'revoke');
    },
    keysJson() {
      const out = join(work, 'keys.json');
      must(run(['keys', 'export', '--data', data, '--out', out]), 'keys export');
      return readFileSync(out, 'utf8');
    },
    statusListJson(id = '1') {
      const out = join(work, `status-${id}.json`);
      must(run(['status-list', 'export', '--data', data, '--out', out]), 'status-list export');
      return readFileSync(out, 'utf8');
    },
    /** `cityid render --card N --out card.png` → the PNG's path. */
    render(number) {
      const out = join(work, `card-${number}.png`);
      must(run(['render', '--data', data, '--card', number, '--out', out, '--side', 'back']), 'render');
      return out;
    },
  };
  return city;
}

/** `cityid verify --json` on `text` with the given key set and status lists (JSON texts). */
export function oracleVerify(text, keysJson, statusJsons = [], { now } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'cityid-oracle-'));
  const keys = join(work, 'keys.json');
  writeFileSync(keys, keysJson);
  const args = ['--json'];
  if (now !== undefined) args.push('--now', String(now));
  args.push('verify', '--file', join(work, 'payload.txt'), '--keys', keys);
  writeFileSync(join(work, 'payload.txt'), text);
  statusJsons.forEach((s, i) => {
    const f = join(work, `status-${i}.json`);
    writeFileSync(f, s);
    args.push('--status', f);
  });
  const r = runCityid(args);
  return { code: r.code, ...r.json() };
}
