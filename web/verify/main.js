// The card verifier page (/verify): for a guard, a librarian or a bank teller. It loads the
// city's key set and status lists first (through its service worker, which keeps them for
// offline use), then checks every card in the browser with web/common/card/: no request leaves
// the page while a card is checked, and no payload is ever sent anywhere. Inputs: a handheld
// scanner or pasted text (a text field), the camera, an image file. Nothing of a verification
// is stored: the next scan clears the result and its photo's blob URL.
import jsQR from 'jsqr';

import { api } from '../common/api.js';
import { parseKeySet, verifyPayload, verifyStatusList } from '../common/card/index.js';
import { announce, clear, h, replace } from '../common/dom.js';
import { formatAge, formatDate, formatDateTime, initI18n, onLanguageChange, t, translateStatic } from '../common/i18n.js';
import { forgetOnLeave } from '../common/leave.js';
import { mountShell } from '../common/shell.js';

const REFRESH_MS = 5 * 60 * 1000;
const LOOKS_LIKE_PAYLOAD = /^(CP1:)?[0-9A-Z $%*+\-./:]{32,}$/;

const state = {
  policy: null,
  keySet: null,
  keysAt: null,       // ms: when the key set was fetched
  keysProblem: null,  // 'unavailable' | 'invalid'
  lists: [],          // verified status lists
  listsAt: null,      // ms: the oldest list's fetch time
  listsProblem: null, // 'none' | 'invalid'
  loading: true,
  result: null,       // what is on screen now: {kind: 'verdict', r} or {kind: 'error', key}
  photoUrl: null,
  camera: null,       // {stream, timer}
  cameraMessage: null,
};

const el = {};
const nowSec = () => Math.floor(Date.now() / 1000);

// ---- trust data: keys and status lists -----------------------------------------------------

/** Asks the service worker for the key set and lists (it fetches, stores and falls back). */
async function trustFromWorker() {
  if (!('serviceWorker' in navigator)) return null;
  let reg;
  try {
    reg = await Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(() => r(null), 8000))]);
  } catch {
    return null;
  }
  const worker = reg && reg.active;
  if (!worker) return null;
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), 15000);
    channel.port1.onmessage = (e) => {
      clearTimeout(timer);
      resolve(e.data && !e.data.error ? e.data : null);
    };
    worker.postMessage({ type: 'trust' }, [channel.port2]);
  });
}

/** Without a service worker: the key set and the first list straight from the server. */
async function trustDirect() {
  const out = { keys: null, lists: [] };
  const k = await api('/.well-known/cityid-keys');
  if (k.ok) out.keys = { text: JSON.stringify(k.data), storedAt: Date.now() };
  if (out.keys) {
    const l = await api('/api/v1/status-lists/1');
    if (l.ok) out.lists.push({ id: '1', text: JSON.stringify(l.data), storedAt: Date.now() });
  }
  return out;
}

async function loadTrust() {
  const data = (await trustFromWorker()) || (await trustDirect());
  const now = nowSec();
  let keySet = null;
  state.keysProblem = null;
  if (data.keys) {
    try {
      keySet = parseKeySet(data.keys.text);
    } catch {
      state.keysProblem = 'invalid';
    }
  } else {
    state.keysProblem = 'unavailable';
  }
  // A fresh key set that loads replaces the old one; a failed refresh keeps what the page had.
  if (keySet) {
    state.keySet = keySet;
    state.keysAt = data.keys.storedAt;
  } else if (state.keySet) {
    state.keysProblem = null;
  }
  if (state.keySet) {
    const lists = [];
    let invalid = false;
    let oldest = null;
    for (const l of data.lists) {
      try {
        lists.push(verifyStatusList(l.text, state.keySet, now, { allowStale: true }));
        oldest = oldest === null ? l.storedAt : Math.min(oldest, l.storedAt);
      } catch {
        invalid = true;
      }
    }
    if (lists.length) {
      state.lists = lists;
      state.listsAt = oldest;
      state.listsProblem = null;
    } else if (!state.lists.length) {
      state.listsProblem = invalid ? 'invalid' : 'none';
    }
  }
  state.loading = false;
  renderTrust();
}

let refreshing = null;
function refresh() {
  if (!refreshing) {
    refreshing = loadTrust().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

// ---- the trust bar: how old the keys and lists are -------------------------------------------

function ageText(at) {
  return at ? formatAge((Date.now() - at) / 1000) : t('verify.trust.unknownAge');
}

function staleLists() {
  const now = nowSec();
  return state.lists.filter((l) => l.validUntil <= now);
}

function renderTrust() {
  if (!el.trust) return;
  const items = [];
  if (state.loading) {
    items.push(h('p', { class: 'trust-line' }, t('verify.trust.loading')));
  } else {
    if (state.keySet) {
      items.push(h('p', { class: 'trust-line', id: 'keys-age' }, t('verify.trust.keys', { age: ageText(state.keysAt) })));
    }
    if (state.lists.length) {
      items.push(h('p', { class: 'trust-line', id: 'lists-age' }, t('verify.trust.lists', { age: ageText(state.listsAt) })));
    }
  }
  const warnings = [];
  if (!state.loading && !state.keySet) {
    warnings.push(h('div', { class: 'notice bad', id: 'keys-problem' },
      h('p', { class: 'notice-title' }, t('verify.errors.keysTitle')),
      h('p', {}, t(state.keysProblem === 'invalid' ? 'verify.errors.keysInvalid' : 'verify.errors.keys'))));
  } else if (!state.loading && !state.lists.length) {
    warnings.push(h('div', { class: 'notice warn', id: 'lists-problem' }, h('p', {}, t('verify.errors.noLists'))));
  } else {
    const stale = staleLists();
    if (stale.length) {
      const until = Math.min(...stale.map((l) => l.validUntil));
      warnings.push(h('div', { class: 'notice warn', id: 'lists-stale' },
        h('p', { class: 'notice-title' }, t('verify.errors.staleTitle')),
        h('p', {}, t('verify.errors.stale', { when: formatDateTime(until * 1000) }))));
    }
  }
  const hadFocus = document.activeElement && document.activeElement.id === 'refresh';
  replace(el.trust,
    h('h2', { class: 'visually-hidden', id: 'trust-heading' }, t('verify.trust.heading')),
    ...items, ...warnings,
    h('button', { type: 'button', class: 'secondary', id: 'refresh', onClick: onRefreshClick, disabled: state.loading }, t('verify.trust.refresh')));
  if (hadFocus && !state.loading) document.getElementById('refresh').focus();
}

async function onRefreshClick() {
  state.loading = true;
  renderTrust();
  await refresh();
  const btn = document.getElementById('refresh');
  if (btn) btn.focus();
  announce(state.keySet ? t('verify.trust.refreshed') : t('verify.errors.keys'));
}

// ---- the result ------------------------------------------------------------------------------

/** Clears the previous result: its DOM and its photo's blob URL. */
function clearResult() {
  if (state.photoUrl) {
    URL.revokeObjectURL(state.photoUrl);
    state.photoUrl = null;
  }
  state.result = null;
  if (el.result) clear(el.result);
}

// Icons drawn as SVG strokes (a text glyph could come out as a colour emoji in some fonts).
const ICON_PATHS = { check: 'M5 12.5l4.5 4.5L19 7.5', cross: 'M7 7l10 10M17 7L7 17', bang: 'M12 5.5v8M12 17.5v1' };
const VERDICTS = {
  valid: { word: 'verify.verdict.valid', icon: 'check', cls: 'valid' },
  revoked: { word: 'verify.verdict.revoked', icon: 'cross', cls: 'revoked' },
  expired: { word: 'verify.verdict.expired', icon: 'bang', cls: 'expired' },
  invalid: { word: 'verify.verdict.invalid', icon: 'cross', cls: 'invalid' },
};

function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICON_PATHS[name]);
  svg.appendChild(path);
  return svg;
}

function cardNumber(n) {
  return String(n).replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** 'YYYY-MM-DD' → a date in the reader's locale (dates on a card are calendar days, UTC). */
function day(iso) {
  return formatDate(`${iso}T00:00:00Z`, { timeZone: 'UTC', weekday: undefined });
}

// ISO 639-3 codes a card's native name may carry → a BCP 47 tag for lang=.
const LANG3 = { ara: 'ar', zho: 'zh', spa: 'es', eng: 'en', rus: 'ru', hin: 'hi', ben: 'bn', kor: 'ko', jpn: 'ja', fas: 'fa', heb: 'he', urd: 'ur', ell: 'el', ukr: 'uk', tha: 'th', vie: 'vi', fra: 'fr', por: 'pt', hat: 'ht', pol: 'pl', yid: 'yi', amh: 'am', tir: 'ti', pan: 'pa', tam: 'ta', nep: 'ne' };

// `dir` and `lang` go on an inner span: the text keeps its own direction (a Latin name on the
// Arabic page) while the field stays aligned with the page.
function row(label, value, { dir, lang, ...attrs } = {}) {
  return [h('dt', {}, label), h('dd', attrs, dir || lang ? h('span', { dir, lang }, value) : value)];
}

function photoElement(bytes, type) {
  if (!bytes || !type) return null;
  state.photoUrl = URL.createObjectURL(new Blob([bytes], { type }));
  return h('img', { class: 'result-photo', src: state.photoUrl, alt: t('verify.fields.photoAlt') });
}

function cardDetails(r) {
  const c = r.claims;
  const rows = [
    ...row(t('verify.fields.name'), c.full_name, { class: 'holder-name', dir: 'auto' }),
  ];
  if (c.full_name_native) {
    rows.push(...row(t('verify.fields.nativeName'), c.full_name_native, { dir: 'auto', lang: LANG3[c.native_language] || undefined }));
  }
  rows.push(...row(t('verify.fields.dateOfBirth'), day(c.date_of_birth)));
  if (c.gender) rows.push(...row(t('verify.fields.gender'), t(`verify.gender.${c.gender}`)));
  rows.push(...row(t('verify.fields.cardNumber'), h('span', { dir: 'ltr' }, cardNumber(c.card_number))));
  rows.push(...row(t('verify.fields.expires'), formatDate(r.expiresAt * 1000, { timeZone: 'UTC', weekday: undefined })));
  rows.push(...row(t('verify.fields.issuer'), h('span', { dir: 'ltr' }, c.issuer)));
  return [
    photoElement(c.photo, c.photo_type),
    h('dl', { class: 'result-fields' }, rows),
  ];
}

const DISCLOSED_ORDER = ['full_name', 'date_of_birth', 'card_number', 'gender', 'address', 'age_over_18', 'age_over_21', 'age_over_65'];

function presentationDetails(r) {
  const c = r.claims;
  const rows = [];
  for (const k of DISCLOSED_ORDER) {
    if (!(k in c)) continue;
    let v = c[k];
    if (k.startsWith('age_over_')) v = h('strong', {}, t(v ? 'verify.yes' : 'verify.no'));
    else if (k === 'date_of_birth') v = day(v);
    else if (k === 'card_number') v = h('span', { dir: 'ltr' }, cardNumber(v));
    else if (k === 'gender') v = t(`verify.gender.${v}`);
    rows.push(...row(t(`verify.disclosed.${k}`), v, k === 'full_name' || k === 'address' ? { dir: 'auto' } : {}));
  }
  return [
    h('p', { class: 'result-note' }, t('verify.presentation.only')),
    photoElement(c.photo, c.photo_type),
    h('dl', { class: 'result-fields' }, rows),
    h('p', { class: 'result-note' }, t('verify.presentation.expires', { date: formatDate(r.expiresAt * 1000, { timeZone: 'UTC' }) })),
  ];
}

function verdictSentence(r) {
  const city = state.policy?.city?.name || t('common.service');
  switch (r.verdict) {
    case 'valid': return t(r.kind === 'presentation' ? 'verify.sentence.validPresentation' : 'verify.sentence.valid');
    case 'revoked': return t('verify.sentence.revoked');
    case 'expired': return t('verify.sentence.expired', { date: formatDate(r.expiresAt * 1000, { timeZone: 'UTC' }) });
    default: return t('verify.sentence.invalid', { city });
  }
}

function renderResult() {
  if (!el.result) return;
  if (state.photoUrl) {
    URL.revokeObjectURL(state.photoUrl);
    state.photoUrl = null;
  }
  const res = state.result;
  if (!res) {
    replace(el.result);
    return;
  }
  if (res.kind === 'error') {
    replace(el.result, h('div', { class: 'notice bad result-error', id: 'result-error' },
      h('p', { class: 'notice-title' }, t(`verify.errors.${res.key}Title`)),
      h('p', {}, t(`verify.errors.${res.key}`))));
    reveal();
    return;
  }
  const r = res.r;
  const v = VERDICTS[r.verdict];
  const children = [
    h('p', { class: 'verdict', id: 'verdict', 'data-verdict': r.verdict },
      h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, icon(v.icon)),
      h('span', { class: 'verdict-word' }, t(v.word))),
    h('p', { class: 'verdict-sentence' }, verdictSentence(r)),
  ];
  if (r.verdict === 'valid' && r.revocation === 'stale') {
    children.push(h('p', { class: 'notice warn', id: 'result-stale' }, t('verify.sentence.staleList')));
  } else if (r.verdict === 'valid' && r.revocation === 'not-checked') {
    children.push(h('p', { class: 'notice warn' }, t('verify.sentence.notChecked')));
  }
  if (r.claims) children.push(...(r.kind === 'presentation' ? presentationDetails(r) : cardDetails(r)));
  replace(el.result, h('div', { class: `result result-${v.cls}`, id: 'result-box' }, children));
  reveal();
}

/** Brings a new result into view (the camera and picture inputs sit below it). */
function reveal() {
  if (el.result && el.result.firstChild && el.result.scrollIntoView) el.result.scrollIntoView({ block: 'nearest' });
}

/** One verification: everything in memory, nothing fetched, nothing stored. */
function check(text) {
  clearResult();
  const payload = String(text || '').replace(/^[ \r\n]+|[ \r\n]+$/g, '');
  if (!payload) return;
  if (!state.keySet) {
    state.result = { kind: 'error', key: 'keys' };
  } else {
    performance.mark('cityid-verify-start');
    const r = verifyPayload(payload, { keySet: state.keySet, statusLists: state.lists, now: nowSec() });
    performance.measure('cityid-verify', 'cityid-verify-start');
    if (r.verdict === 'invalid' && !LOOKS_LIKE_PAYLOAD.test(payload)) {
      state.result = { kind: 'error', key: 'notCard' };
    } else if (r.verdict === 'invalid' && r.check === 'bad-status-list') {
      state.result = { kind: 'error', key: 'listMissing' };
    } else {
      state.result = { kind: 'verdict', r };
    }
  }
  renderResult();
  const res = state.result;
  announce(res.kind === 'error' ? t(`verify.errors.${res.key}`) : `${t(VERDICTS[res.r.verdict].word)}. ${verdictSentence(res.r)}`);
}

function showError(key) {
  clearResult();
  state.result = { kind: 'error', key };
  renderResult();
  announce(t(`verify.errors.${key}`));
}

// ---- inputs ----------------------------------------------------------------------------------

// One canvas for every decode: a camera reads several frames a second.
let scratch = null;

/** The text of a QR code in `source` drawn at width × height, or null. */
function decodeQr(source, width, height, inversionAttempts = 'attemptBoth') {
  if (!scratch) scratch = document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  const ctx = scratch.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, width, height);
  const img = ctx.getImageData(0, 0, width, height);
  const code = jsQR(img.data, width, height, { inversionAttempts });
  // Nothing of the picture stays behind.
  scratch.width = 1;
  scratch.height = 1;
  return code ? code.data : null;
}

async function onImage(event) {
  const input = event.target;
  const file = input.files && input.files[0];
  if (!file) return;
  clearResult();
  let text = null;
  try {
    const bitmap = await createImageBitmap(file);
    // Full size first (capped), then smaller copies: a 300 dpi card rendering is large, and
    // jsQR finds a big QR code more easily at a modest size.
    const longest = Math.max(bitmap.width, bitmap.height);
    for (const target of [Math.min(longest, 2000), 1000, 640]) {
      if (target > longest) continue;
      const scale = target / longest;
      text = decodeQr(bitmap, Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
      if (text) break;
    }
    bitmap.close();
  } catch {
    text = null;
  }
  input.value = '';
  if (text === null) showError('noQr');
  else check(text);
}

function onScan(event) {
  event.preventDefault();
  const text = el.scanInput.value;
  el.scanInput.value = '';
  if (!text.trim()) {
    showError('empty');
    return;
  }
  check(text);
  el.scanInput.focus();
}

function stopCamera() {
  const cam = state.camera;
  if (!cam) return;
  state.camera = null;
  clearTimeout(cam.timer);
  for (const track of cam.stream.getTracks()) track.stop();
  el.video.srcObject = null;
  el.video.hidden = true;
  renderCameraControls();
}

async function startCamera() {
  state.cameraMessage = null;
  clearResult();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    state.cameraMessage = 'cameraMissing';
    renderCameraControls();
    showError('cameraMissing');
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (e) {
    const key = e && (e.name === 'NotFoundError' || e.name === 'OverconstrainedError' || e.name === 'NotReadableError') ? 'cameraMissing' : 'cameraRefused';
    state.cameraMessage = key;
    renderCameraControls();
    showError(key);
    return;
  }
  state.camera = { stream, timer: null };
  el.video.srcObject = stream;
  el.video.hidden = false;
  try {
    await el.video.play();
  } catch {
    // autoplay of a muted stream is allowed; if not, frames still arrive
  }
  renderCameraControls();
  const tick = () => {
    const cam = state.camera;
    if (!cam) return;
    const v = el.video;
    if (v.videoWidth > 0) {
      const scale = Math.min(1, 800 / Math.max(v.videoWidth, v.videoHeight));
      const text = decodeQr(v, Math.round(v.videoWidth * scale), Math.round(v.videoHeight * scale), 'dontInvert');
      if (text) {
        stopCamera();
        check(text);
        const again = document.getElementById('camera-start');
        if (again) again.focus();
        return;
      }
    }
    cam.timer = setTimeout(tick, 150);
  };
  tick();
}

function renderCameraControls() {
  if (!el.cameraControls) return;
  replace(el.cameraControls,
    state.camera
      ? h('button', { type: 'button', class: 'secondary', id: 'camera-stop', onClick: () => { stopCamera(); document.getElementById('camera-start')?.focus(); } }, t('verify.camera.stop'))
      : h('button', { type: 'button', id: 'camera-start', onClick: startCamera }, t('verify.camera.start')),
    state.camera ? h('p', { class: 'hint' }, t('verify.camera.hint')) : null);
}

// ---- the page --------------------------------------------------------------------------------

function renderPage() {
  const root = document.getElementById('verify-root');
  el.trust = h('section', { class: 'trust', id: 'trust', 'aria-labelledby': 'trust-heading' });
  el.result = h('div', { id: 'result' });
  el.scanInput = h('input', {
    type: 'text', id: 'scan-input', name: 'payload', autocomplete: 'off', autocapitalize: 'off',
    spellcheck: 'false', 'aria-describedby': 'scan-hint', dir: 'ltr', enterkeyhint: 'go',
  });
  el.video = h('video', { id: 'camera-video', class: 'camera-video', playsinline: true, muted: true, hidden: true, 'aria-label': t('verify.camera.videoLabel') });
  el.cameraControls = h('div', { class: 'camera-controls', id: 'camera-controls' });
  replace(root,
    h('h1', { id: 'verify-heading' }, t('verify.heading')),
    h('p', { class: 'intro' }, t('verify.intro')),
    el.trust,
    h('form', { id: 'scan-form', class: 'scan-form', onSubmit: onScan, novalidate: true, 'aria-labelledby': 'scan-label' },
      h('label', { for: 'scan-input', id: 'scan-label' }, t('verify.scan.label')),
      h('p', { class: 'hint', id: 'scan-hint' }, t('verify.scan.hint')),
      h('div', { class: 'scan-row' }, el.scanInput, h('button', { type: 'submit', id: 'scan-submit' }, t('verify.scan.submit')))),
    h('section', { class: 'result-section', 'aria-labelledby': 'result-heading' },
      h('h2', { id: 'result-heading', class: 'visually-hidden' }, t('verify.resultHeading')),
      el.result),
    h('section', { class: 'inputs', 'aria-labelledby': 'inputs-heading' },
      h('h2', { id: 'inputs-heading' }, t('verify.inputsHeading')),
      h('div', { class: 'input-block' },
        h('h3', {}, t('verify.camera.heading')),
        el.cameraControls,
        el.video),
      h('div', { class: 'input-block' },
        h('h3', {}, t('verify.image.heading')),
        h('label', { for: 'image-input' }, t('verify.image.label')),
        h('p', { class: 'hint', id: 'image-hint' }, t('verify.image.hint')),
        h('input', { type: 'file', id: 'image-input', accept: 'image/png,image/jpeg,image/webp,image/*', 'aria-describedby': 'image-hint', onChange: onImage }))),
    h('p', { class: 'privacy' }, t('verify.privacy')));
  renderTrust();
  renderCameraControls();
  renderResult();
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/verify' });
  } catch {
    // No offline copy (a private window, an old browser): the page still works online.
  }
}

async function start() {
  forgetOnLeave();
  registerWorker();
  const policy = await api('/api/v1/policy');
  state.policy = policy.ok ? policy.data : null;
  try {
    await initI18n({ offered: state.policy?.city?.languages });
  } catch {
    // Messages unreachable (offline before the first visit): the page cannot speak; say so.
    replace(document.getElementById('verify-root'), h('p', { class: 'notice bad', lang: 'en' }, 'This page could not load. Connect to the internet and reload it.'));
    return;
  }
  translateStatic(document);
  mountShell({ page: 'verify', city: state.policy?.city?.name || '' });
  renderPage();
  onLanguageChange(() => {
    const keep = document.activeElement && document.activeElement.id;
    const live = state.camera;
    if (live) stopCamera();
    renderPage();
    if (keep && document.getElementById(keep)) document.getElementById(keep).focus();
  });
  await refresh();
  el.scanInput.focus();
  document.documentElement.dataset.ready = 'true';
  window.addEventListener('online', () => refresh());
  setInterval(() => {
    if (navigator.onLine) refresh();
    else renderTrust();
  }, REFRESH_MS);
  setInterval(renderTrust, 30 * 1000);
}

start();
