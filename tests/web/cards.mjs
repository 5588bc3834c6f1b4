// Makes real cards and presentations with the cityid binary, for the verifier's tests
// (card.test.mjs, verify.test.mjs): init, enroll, approve, issue, present, revoke, keys and
// status-list export, `cityid verify --json` as the oracle. Each applicant is a different person
// (a second enrollment of one person would be flagged as a duplicate).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
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

// ---- cards signed here, for what cityid's own cards never carry (a photo thumbnail) ----------

const webRequire = createRequire(join(REPO, 'web', 'package.json'));

/** Minimal CBOR encoder (preferred serialization) for test payloads: ints, text, bytes, arrays,
 *  Maps, booleans. */
export function cbor(v) {
  const head = (major, n) => {
    const m = major << 5;
    if (n < 24) return [m | n];
    if (n < 0x100) return [m | 24, n];
    if (n < 0x10000) return [m | 25, n >> 8, n & 0xff];
    return [m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  };
  const out = [];
  const enc = (x) => {
    if (typeof x === 'number') out.push(...(x >= 0 ? head(0, x) : head(1, -1 - x)));
    else if (typeof x === 'string') { const b = Buffer.from(x, 'utf8'); out.push(...head(3, b.length), ...b); }
    else if (x instanceof Uint8Array) out.push(...head(2, x.length), ...x);
    else if (Array.isArray(x)) { out.push(...head(4, x.length)); x.forEach(enc); }
    else if (x instanceof Map) { out.push(...head(5, x.size)); for (const [k, y] of x) { enc(k); enc(y); } }
    else if (x === true || x === false) out.push(x ? 0xf5 : 0xf4);
    else throw new Error(`cbor: cannot encode ${x}`);
  };
  enc(v);
  return Uint8Array.from(out);
}

/** A signing key made here: {secretKey, x, kid, jwk}. */
export function testKey() {
  const { ed25519 } = webRequire('@noble/curves/ed25519');
  const { sha256 } = webRequire('@noble/hashes/sha2');
  const secretKey = ed25519.utils.randomPrivateKey();
  const x = ed25519.getPublicKey(secretKey);
  const kid = Buffer.from(sha256(x).slice(0, 8)).toString('base64url');
  return {
    secretKey, x, kid,
    jwk: { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid, x: Buffer.from(x).toString('base64url'), status: 'active' },
  };
}

/**
 * A card laid out as docs/card-format.md §3-§6 say, signed with `key`, carrying a photo: the
 * QR text. Digests are random 16-byte strings (a full-card verifier cannot recompute them).
 */
export function signedCardWithPhoto({ key, issuer, photo, listId = '1', index = 12345, fullName = 'Ana Ruiz', now = Math.floor(Date.now() / 1000) }) {
  const { ed25519 } = webRequire('@noble/curves/ed25519');
  const pako = webRequire('pako');
  const attrs = new Map([[1, '123456789012'], [4, fullName], [8, '19850203'], [16, photo], [17, 1]]);
  const digests = new Map([...attrs.keys()].map((k) => [k, new Uint8Array(16).fill(k)]));
  const identity = new Map([...attrs, [98, [listId, index]], [99, digests]]);
  const payload = cbor(new Map([[1, issuer], [4, now + 86400 * 365], [6, now - 60], [169, identity]]));
  const protectedBytes = cbor(new Map([[1, -8], [4, Buffer.from(key.kid, 'base64url')]]));
  const sig = ed25519.sign(cbor(['Signature1', protectedBytes, new Uint8Array(0), payload]), key.secretKey);
  const cose = Uint8Array.from([0xd2, ...cbor([protectedBytes, new Map(), payload, sig])]);
  const b45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  const z = pako.deflate(cose, { level: 0 });
  let text = '';
  for (let i = 0; i + 1 < z.length; i += 2) {
    let n = z[i] * 256 + z[i + 1];
    for (let k = 0; k < 3; k++) { text += b45[n % 45]; n = Math.floor(n / 45); }
  }
  if (z.length % 2) text += b45[z[z.length - 1] % 45] + b45[Math.floor(z[z.length - 1] / 45)];
  return text;
}
