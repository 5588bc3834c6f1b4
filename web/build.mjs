// Builds web/dist, the folder `cityid serve` serves: each page's HTML, one bundled script and
// one stylesheet per page (esbuild, minified), the service worker, one message file per
// language, and a gzip copy beside every file that gzip makes smaller (the server sends it as
// is to a browser that accepts gzip). Run by the CMake build (target web) and by hand:
//   node web/build.mjs [--out DIR]
// Deterministic: the same sources give the same bytes, so the service worker's cache name (a
// hash of every other output) changes exactly when something it caches changes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import * as esbuild from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'dist');

// The pages: the URL path's file in dist, its HTML source, its script and its stylesheet.
const PAGES = [
  { html: 'index.html', src: 'portal/index.html', script: 'portal', dir: 'portal' },
  { html: 'verify.html', src: 'verify/index.html', script: 'verify', dir: 'verify' },
  { html: 'staff.html', src: 'staff/index.html', script: 'staff', dir: 'staff' },
];
const LANGUAGES = ['en', 'es', 'zh', 'ar'];
// Browsers this project supports: what Debian's chromium and current phones run.
const TARGET = ['chrome100', 'firefox100', 'safari15'];

function write(rel, data) {
  const file = path.join(staging, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

const staging = `${out}.tmp-${process.pid}`;
fs.rmSync(staging, { recursive: true, force: true });
fs.mkdirSync(staging, { recursive: true });

try {
  const pages = PAGES.filter((p) => fs.existsSync(path.join(root, p.src)));
  // Scripts and stylesheets, one of each per page.
  const entryPoints = {};
  for (const p of pages) {
    entryPoints[`assets/${p.script}`] = path.join(root, p.dir, 'main.js');
    entryPoints[`assets/${p.script}.css`] = path.join(root, p.dir, `${p.script}.css`);
  }
  const result = await esbuild.build({
    entryPoints: Object.entries(entryPoints).map(([o, i]) => ({ in: i, out: o.replace(/\.css$/, '') })),
    outdir: staging,
    bundle: true,
    format: 'esm',
    minify: true,
    target: TARGET,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length) throw new Error('esbuild failed');
  for (const p of pages) {
    fs.copyFileSync(path.join(root, p.src), path.join(staging, p.html));
  }
  // Message files: web/messages/<lang>/<namespace>.json → dist/messages/<lang>.json as
  // { namespace: {...} }. Keys are checked for equality across languages by a test.
  for (const lang of LANGUAGES) {
    const dir = path.join(root, 'messages', lang);
    const merged = {};
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      merged[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    }
    write(`messages/${lang}.json`, JSON.stringify(merged));
  }
  // Static files kept as they are (icons).
  const staticDir = path.join(root, 'static');
  if (fs.existsSync(staticDir)) {
    for (const f of fs.readdirSync(staticDir).sort()) {
      write(f, fs.readFileSync(path.join(staticDir, f)));
    }
  }
  // The service worker last, named for a hash of everything else it may cache.
  const sw = path.join(root, 'verify', 'sw.js');
  if (fs.existsSync(sw)) {
    const hash = createHash('sha256');
    for (const f of listFiles(staging)) {
      hash.update(f).update('\0').update(fs.readFileSync(path.join(staging, f)));
    }
    await esbuild.build({
      entryPoints: [sw],
      outfile: path.join(staging, 'sw.js'),
      bundle: true,
      format: 'iife',
      minify: true,
      target: TARGET,
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'warning',
      define: { __CITYID_BUILD__: JSON.stringify(hash.digest('hex').slice(0, 16)) },
    });
  }
  // gzip copies (level 9, no file name, mtime 0: deterministic).
  for (const f of listFiles(staging)) {
    const data = fs.readFileSync(path.join(staging, f));
    const gz = zlib.gzipSync(data, { level: 9 });
    if (gz.length < data.length) fs.writeFileSync(path.join(staging, `${f}.gz`), gz);
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(staging, out);
} catch (e) {
  fs.rmSync(staging, { recursive: true, force: true });
  console.error(`web/build.mjs: ${e.message}`);
  process.exit(1);
}

function listFiles(dir, prefix = '') {
  const names = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) names.push(...listFiles(path.join(dir, e.name), rel));
    else if (!e.name.endsWith('.gz')) names.push(rel);
  }
  return names;
}
