// The browser tests' harness: the real `cityid serve` on a free port of 127.0.0.1 with its own
// temporary data folder and the build's web pages, the real CLI on the same folder, Debian's
// chromium driven by playwright-core, axe-core for accessibility, and a staff admin logged in
// through the API for the steps only staff can take. One copy, so every browser test starts,
// checks and stops things the same way.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.CITYID_BIN || path.join(REPO, 'build/bin/cityid');
// The pages to serve: ctest names the build's (<build>/web); a test run by hand bundles this
// checkout's own web/ once (so it never tests another checkout's pages).
export const WEB_DIR = process.env.CITYID_WEB_DIR || bundleOnce();

function bundleOnce() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cityid-web-dist-'));
  const r = spawnSync(process.execPath, [path.join(REPO, 'web/build.mjs'), '--out', path.join(out, 'web')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`web/build.mjs failed:\n${r.stderr}`);
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  return path.join(out, 'web');
}
export const CHROMIUM = process.env.CITYID_CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery staple';

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  narrow: { width: 320, height: 640 },
  desktop: { width: 1280, height: 800 },
};

/**
 * Starts `cityid serve` on a new data folder with `policy` (a file name under policies/, without
 * .toml). `now` (Unix seconds) fixes the server's clock. Returns { url, port, dataDir, cli, stop }.
 */
export async function startServer({ policy = 'new-york-points', args = [], env = {}, now = null } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cityid-web-'));
  const dataDir = path.join(tmp, 'data');
  const fullEnv = { ...process.env, ...env };
  const clock = [];
  if (now !== null) {
    fullEnv.CITYID_ALLOW_CLOCK_OVERRIDE = '1';
    clock.push('--now', String(now));
  }
  const policyFile = path.join(REPO, 'policies', `${policy}.toml`);
  const argv = [
    ...clock, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--policy', policyFile,
    '--web-dir', WEB_DIR, '--tree-head-minutes', '0', ...args,
  ];
  const errFile = path.join(tmp, 'server.err');
  const errFd = fs.openSync(errFile, 'w');
  const child = spawn(BIN, argv, { env: fullEnv, stdio: ['ignore', 'pipe', errFd] });
  fs.closeSync(errFd);
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`cityid serve did not start:\n${readTail(errFile)}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cityid serve exited with ${code}:\n${readTail(errFile)}`));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGTERM' ? 15 : 9))));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir,
    tmp,
    now,
    policy: policyFile,
    /** Runs the CLI (same clock as the server); `args` as given (name --data dataDir yourself). */
    cli(cliArgs, { input = '', env: extraEnv = {} } = {}) {
      const r = spawnSync(BIN, [...clock, ...cliArgs], {
        input,
        env: { ...fullEnv, ...extraEnv },
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    /** The server's log so far (for a failing assertion's message). */
    log() {
      return readTail(errFile);
    },
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      fs.rmSync(tmp, { recursive: true, force: true });
      assert.equal(code, 0, 'cityid serve should exit cleanly on SIGTERM');
    },
  };
}

function readTail(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

/** Debian's chromium, headless, with nothing reaching for the network on its own. */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}

/**
 * A page in a new context (its own cookies, storage and service workers). Records every
 * uncaught page error, console error and CSP violation in `page.errors`; `locale` sets the
 * browser's languages (the pages follow them).
 */
export async function newPage(browser, { locale = 'en-US', viewport = VIEWPORTS.phone, ...options } = {}) {
  const context = await browser.newContext({ locale, viewport, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console.error: ${m.text()}`);
  });
  return page;
}

export function expectNoPageErrors(page) {
  assert.deepEqual(page.errors, [], 'the page must not log errors or throw');
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is now: 0 violations of WCAG 2.1 A and AA. */
export async function checkA11y(page, label) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const lines = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`,
  );
  assert.equal(result.violations.length, 0, `axe-core on "${label}":\n${lines.join('\n')}`);
}

/** An RFC 6238 code (SHA-1, 6 digits, 30 s) of the base32 `secret` at Unix time `t`. */
export function totp(secret, t) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => Number.parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1e6;
  return String(code).padStart(6, '0');
}

/**
 * A staff member added with `cityid staff add` and logged in through the API (TOTP at the
 * server's clock). Returns { user, cookie, csrf, fetch(path, { method, body }) → { status,
 * json, headers } } with the session's cookie and CSRF header on every call.
 */
export async function staffSession(server, { user = 'admin', role = 'admin', site = '' } = {}) {
  const args = ['--json', 'staff', 'add', '--data', server.dataDir, '--user', user, '--role', role, '--password-stdin'];
  if (site) args.push('--site', site);
  const added = server.cli(args, { input: `${PASSWORD}\n` });
  assert.equal(added.code, 0, added.stderr);
  const body = { user, password: PASSWORD };
  const uri = JSON.parse(added.stdout).totp_uri;
  if (uri) {
    const secret = new URL(uri).searchParams.get('secret');
    body.totp = totp(secret, server.now ?? Date.now() / 1000);
  }
  const login = await fetch(`${server.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const loginText = await login.text();
  assert.equal(login.status, 201, loginText);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const csrf = JSON.parse(loginText).csrf_token;
  return {
    user,
    cookie,
    csrf,
    async fetch(p, { method = 'GET', body: b } = {}) {
      const res = await fetch(`${server.url}${p}`, {
        method,
        headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(b !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: b !== undefined ? JSON.stringify(b) : undefined,
      });
      const text = await res.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: res.status, json, text, headers: res.headers };
    },
  };
}

/** The admin of the brief: staffSession with role admin. */
export function adminSession(server) {
  return staffSession(server, { user: 'admin', role: 'admin' });
}

/**
 * Waits until `fn()` returns a truthy value (polled every 25 ms, up to `timeout` ms); returns
 * it. For conditions outside the page (the server's state); inside the page use Playwright's
 * auto-waiting locators.
 */
export async function waitFor(fn, { timeout = 10000, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * With CITYID_SCREENSHOTS=DIR set (docs/images when the README's pictures are remade:
 * `scripts/screenshots`), saves the page as DIR/<name>.png; otherwise does nothing. The
 * pictures come from the tests' own runs, so they show what the tests checked.
 */
export async function screenshot(page, name, { fullPage = true } = {}) {
  const dir = process.env.CITYID_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage, animations: 'disabled' });
}

/**
 * Adds a staff member with `cityid staff add` and signs them in through the console's own
 * sign-in form on `page` (opened at /staff). `step` picks a later TOTP time step (a code is good
 * once; sign the same user in again within 30 s with step 1, 2...). Returns { user, secret }
 * once the console shows the session. `add: false` signs in an existing user (give `secret`).
 */
export async function signInConsole(page, server, { user, role = 'clerk', site = '', step = 0, add = true, secret = null } = {}) {
  let totpSecret = secret;
  if (add) {
    const args = ['--json', 'staff', 'add', '--data', server.dataDir, '--user', user, '--role', role, '--password-stdin'];
    if (site) args.push('--site', site);
    const added = server.cli(args, { input: `${PASSWORD}\n` });
    assert.equal(added.code, 0, added.stderr);
    const uri = JSON.parse(added.stdout).totp_uri;
    totpSecret = uri ? new URL(uri).searchParams.get('secret') : null;
  }
  await page.goto(`${server.url}/staff`);
  await page.locator('#user').fill(user);
  await page.locator('#password').fill(PASSWORD);
  if (totpSecret) {
    const now = await page.evaluate(() => Date.now() / 1000);
    await page.locator('#totp').fill(totp(totpSecret, (server.now ?? now) + 30 * step));
  }
  await page.locator('#password').press('Enter');
  await page.locator('#session-user').waitFor();
  return { user, secret: totpSecret };
}

// For the staff tests. A 4-frame 320x240 I420 video: a light oval "face" on a darker background, for the fake camera.
export function writeY4m(file) {
  const W = 320;
  const H = 240;
  const frames = [];
  for (let f = 0; f < 4; f += 1) {
    const y = Buffer.alloc(W * H);
    for (let r = 0; r < H; r += 1) {
      for (let c = 0; c < W; c += 1) {
        const dx = (c - W / 2) / 60;
        const dy = (r - H / 2) / 80;
        y[r * W + c] = dx * dx + dy * dy < 1 ? 200 : 60 + ((r + c + f * 8) % 40);
      }
    }
    const uv = Buffer.alloc((W / 2) * (H / 2), 128);
    frames.push(Buffer.from('FRAME\n'), y, uv, uv);
  }
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F5:1 Ip A1:1 C420jpeg\n`), ...frames]));
}

// A fixed UTC offset that makes the site's local time early afternoon now, so that the first
// free slot is today at the site whatever time the test runs.
export function offsetForAfternoon() {
  let hours = 12 - new Date().getUTCHours();
  if (hours < -12) hours += 24;
  if (hours > 14) hours -= 24;
  const sign = hours < 0 ? '-' : '+';
  return `${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}

export const daysAgo = (n) => new Date(Date.now() - n * 86400e3).toISOString().slice(0, 10);
export const inYears = (n) => new Date(Date.now() + n * 365 * 86400e3).toISOString().slice(0, 10);
