// Languages: every string a page shows comes from web/messages/<lang>/<namespace>.json (merged
// by build.mjs into /messages/<lang>.json). The language follows the reader's choice on this
// device, else the browser's languages, else English; the policy's `languages` decide which
// are offered. Arabic is right-to-left: <html dir="rtl"> mirrors the whole layout (the CSS uses
// logical properties only).

export const SHIPPED = ['en', 'es', 'zh', 'ar'];
// Each language's own name, in its own script: a reader who cannot read the page's current
// language must still find theirs.
export const NATIVE_NAMES = { en: 'English', es: 'Español', zh: '中文', ar: 'العربية' };
const RTL = new Set(['ar']);
// Intl locales: simplified Chinese explicitly.
const LOCALES = { en: 'en', es: 'es', zh: 'zh-Hans', ar: 'ar' };
// The reader's choice of language is not personal data; it is the one thing kept on the device.
const STORAGE_KEY = 'cityid.lang';

let current = 'en';
let offered = ['en'];
let messages = {};
const listeners = new Set();
const cache = new Map();

/** Picks the language among `offered` and loads its messages. */
export async function initI18n(options = {}) {
  offered = (options.offered || SHIPPED).filter((l) => SHIPPED.includes(l));
  if (!offered.includes('en')) offered.unshift('en');
  await load(pick());
}

export function offeredLanguages() {
  return [...offered];
}

function pick() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage disabled: follow the browser
  }
  if (saved && offered.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (offered.includes(base)) return base;
  }
  return 'en';
}

async function load(code) {
  if (!cache.has(code)) {
    const res = await fetch(`/messages/${code}.json`);
    if (!res.ok) throw new Error(`messages for ${code}: HTTP ${res.status}`);
    cache.set(code, await res.json());
  }
  messages = cache.get(code);
  current = code;
  const html = document.documentElement;
  html.lang = code === 'zh' ? 'zh-Hans' : code;
  html.dir = RTL.has(code) ? 'rtl' : 'ltr';
}

/** Switches the page to `code`, remembers the choice and re-renders every listener. */
export async function setLanguage(code) {
  if (!offered.includes(code) || code === current) return;
  await load(code);
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // not remembered: the page still switches
  }
  translateStatic(document);
  for (const cb of listeners) cb(code);
}

/** `cb(code)` runs after every language change; returns a function that unsubscribes. */
export function onLanguageChange(cb) {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

export function lang() {
  return current;
}

export function dir() {
  return RTL.has(current) ? 'rtl' : 'ltr';
}

export function locale() {
  return LOCALES[current] || current;
}

function lookup(key) {
  let v = messages;
  for (const part of key.split('.')) {
    if (v == null || typeof v !== 'object') return undefined;
    v = v[part];
  }
  return v;
}

/**
 * The message `key` ("booking.title") with `{name}` placeholders filled from `params`. A
 * message may be an object of plural forms ({one, other, ...}): `params.count` selects one.
 * A missing key shows the key itself (a test keeps every key in every language).
 */
export function t(key, params = {}) {
  let m = lookup(key);
  if (m && typeof m === 'object') {
    const form = typeof params.count === 'number' ? new Intl.PluralRules(locale()).select(params.count) : 'other';
    m = m[form] ?? m.other;
  }
  if (typeof m !== 'string') return key;
  return m.replace(/\{(\w+)\}/g, (all, name) => {
    if (!(name in params)) return all;
    const v = params[name];
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}

/** True when `key` has a message in the current language. */
export function has(key) {
  return lookup(key) !== undefined;
}

export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

function format(date, defaults, opts) {
  const d = date instanceof Date ? date : new Date(date);
  try {
    return new Intl.DateTimeFormat(locale(), { ...defaults, ...opts }).format(d);
  } catch {
    // An unknown time zone: the reader's own zone rather than nothing.
    const { timeZone, ...rest } = opts || {};
    return new Intl.DateTimeFormat(locale(), { ...defaults, ...rest }).format(d);
  }
}

/** "Tuesday, 8 December 2026" in the reader's locale (pass { timeZone } for a site's zone). */
export function formatDate(date, opts = {}) {
  return format(date, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }, opts);
}

export function formatTime(date, opts = {}) {
  return format(date, { hour: 'numeric', minute: '2-digit' }, opts);
}

export function formatDateTime(date, opts = {}) {
  return format(date, { dateStyle: 'medium', timeStyle: 'short' }, opts);
}

/** "3 minutes ago" in the reader's language. */
export function formatAge(seconds) {
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return rtf.format(-s, 'second');
  if (s < 3600) return rtf.format(-Math.floor(s / 60), 'minute');
  if (s < 86400) return rtf.format(-Math.floor(s / 3600), 'hour');
  return rtf.format(-Math.floor(s / 86400), 'day');
}

/**
 * Fills the static text of `root`: `data-i18n="key"` sets the text, `data-i18n-<attr>="key"`
 * (aria-label, placeholder, title, alt, content) sets that attribute.
 */
export function translateStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['aria-label', 'placeholder', 'title', 'alt', 'content']) {
    const data = `data-i18n-${attr}`;
    for (const el of root.querySelectorAll(`[${data}]`)) el.setAttribute(attr, t(el.getAttribute(data)));
  }
}
