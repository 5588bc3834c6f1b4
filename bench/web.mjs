// Figures of issue 16 (the public web), measured in one run on this machine:
//   1. the portal's first load: bytes transferred (compressed, as the browser received them),
//      fonts aside (the pages use the system's fonts and load none) — target < 150 KB;
//   2. the verifier, cold cache over loopback: time from opening /verify to ready (key set and
//      status lists loaded, the scanner field focused);
//   3. in-browser verification time per payload with Chromium's CPU throttled 4× (target
//      < 50 ms), beside the same payload's `cityid verify` (the whole process, as a verifier
//      at a desk would run it) and without throttling.
//
//   node bench/web.mjs [--runs N]          # from the repository root, after scripts/build
//
// Environment: CITYID_BIN (default build/bin/cityid), CITYID_WEB_DIR (default: the binary's
// build's web folder, <build>/web). The payload is a card issued by the real binary on a
// temporary data folder (New York policy, examples/applicant-jose.json).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { BIN, REPO, launchBrowser, startServer } from '../tests/web/harness.mjs';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const fmt = (ms) => `${ms.toFixed(1)} ms`;

function cli(server, args) {
  const r = server.cli(args);
  if (r.code !== 0) throw new Error(`cityid ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function issueCard(server) {
  const app = JSON.parse(
    cli(server, ['--json', 'enroll', '--data', server.dataDir, '--applicant', path.join(REPO, 'examples/applicant-jose.json')]),
  ).application_id;
  cli(server, ['approve', '--data', server.dataDir, '--application', app]);
  return JSON.parse(cli(server, ['--json', 'issue', '--data', server.dataDir, '--application', app])).qr_payload;
}

/** Bytes the browser received for a cold load of `url` (CDP's encodedDataLength), by type. */
async function firstLoad(browser, url) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const types = new Map();
  const byType = {};
  let total = 0;
  let requests = 0;
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
  cdp.on('Network.loadingFinished', (e) => {
    const type = types.get(e.requestId) || 'Other';
    if (type === 'Font') return;
    total += e.encodedDataLength;
    byType[type] = (byType[type] || 0) + e.encodedDataLength;
    requests += 1;
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  await context.close();
  return { total, byType, requests };
}

const server = await startServer({ args: ['--public-requests-per-minute', '100000'] });
const browser = await launchBrowser();
try {
  console.log(`cityid web figures (${new Date().toISOString()}; binary ${path.relative(REPO, BIN)}; ${RUNS} runs)`);
  const payload = await issueCard(server);
  console.log(`payload: the example applicant's card (New York policy), ${payload.length} characters of QR text`);

  // 1. The portal's first load.
  const portal = await firstLoad(browser, `${server.url}/`);
  const parts = Object.entries(portal.byType)
    .map(([t, b]) => `${t} ${(b / 1024).toFixed(1)} KB`)
    .join(', ');
  console.log(
    `portal first load: ${(portal.total / 1024).toFixed(1)} KB transferred in ${portal.requests} requests (${parts}); target < 150 KB`,
  );
  const verifyLoad = await firstLoad(browser, `${server.url}/verify`);
  console.log(`verifier first load: ${(verifyLoad.total / 1024).toFixed(1)} KB transferred in ${verifyLoad.requests} requests`);

  // 2. /verify to ready, cold cache (a new context each run: no HTTP cache, no service worker).
  const ready = [];
  for (let i = 0; i < Math.min(RUNS, 10); i += 1) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${server.url}/verify`);
    await page.waitForSelector('html[data-ready="true"]');
    ready.push(Date.now() - t0);
    await context.close();
  }
  console.log(`verifier cold open to ready: median ${fmt(median(ready))}, max ${fmt(Math.max(...ready))} (${ready.length} runs)`);

  // 3. Verification in the browser: the page's own timing of its verifier module
  // (performance.measure "cityid-verify" around each verification), throttled and not.
  for (const rate of [4, 1]) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/verify`);
    await page.waitForSelector('html[data-ready="true"]');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    const times = [];
    for (let i = 0; i < RUNS; i += 1) {
      await page.evaluate(() => performance.clearMeasures('cityid-verify'));
      await page.fill('#scan-input', payload);
      await page.press('#scan-input', 'Enter');
      await page.waitForSelector('[data-verdict="valid"]');
      times.push(await page.evaluate(() => performance.getEntriesByName('cityid-verify').at(-1).duration));
    }
    console.log(
      `in-browser verification, CPU throttled ${rate}×: median ${fmt(median(times))}, p95 ${fmt(pct(times, 95))}${rate === 4 ? ' (target < 50 ms)' : ''}`,
    );
    await context.close();
  }

  // The same payload with `cityid verify` (a process per check, the data folder's keys and lists).
  const cliTimes = [];
  for (let i = 0; i < Math.min(RUNS, 20); i += 1) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(BIN, ['verify', '--data', server.dataDir, payload], { encoding: 'utf8' });
    cliTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`cityid verify: exit ${r.status} ${r.stderr}`);
  }
  console.log(`cityid verify (whole process, same payload): median ${fmt(median(cliTimes))}, p95 ${fmt(pct(cliTimes, 95))}`);
} finally {
  await browser.close();
  await server.stop();
}
