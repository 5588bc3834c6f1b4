// What the booking, "my booking" and access-history parts share: a site's time zone, opening
// hours in the reader's words, the error summary, radio groups, and one plain sentence per
// failed answer. Nothing here keeps anything beyond the page's memory.

import { t, formatDate, formatTime, locale } from '../common/i18n.js';
import { h, newId } from '../common/dom.js';
import { problemSlug } from '../common/api.js';

const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/** Seconds east of UTC for a fixed-offset site ("-05:00"), or null for an IANA zone. */
function fixedOffset(site) {
  const m = OFFSET.exec(site && site.timezone ? site.timezone : '');
  if (!m) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

// A UTC instant shown as the site's wall-clock time: Intl with the site's IANA zone; for a
// fixed offset, the instant shifted by it and shown in UTC (the same wall clock).
function inSite(utc, site) {
  const when = utc instanceof Date ? utc : new Date(utc);
  const off = fixedOffset(site);
  if (off === null) return { when, opts: { timeZone: site.timezone } };
  return { when: new Date(when.getTime() + off * 1000), opts: { timeZone: 'UTC' } };
}

/** "9:00" (reader's locale) of a UTC slot start, in the site's time. */
export function siteTime(utc, site) {
  const { when, opts } = inSite(utc, site);
  return formatTime(when, opts);
}

/** "Tuesday, 8 December 2026" of a UTC instant, in the site's time. */
export function siteDate(utc, site) {
  const { when, opts } = inSite(utc, site);
  return formatDate(when, opts);
}

/** A local date "2026-12-08" shown in the reader's words (no zone arithmetic: it is a day). */
export function localDay(ymd, opts = {}) {
  const [y, m, d] = ymd.split('-').map(Number);
  return formatDate(new Date(Date.UTC(y, m - 1, d, 12)), { timeZone: 'UTC', ...opts });
}

/** Today's date in the site's zone, "YYYY-MM-DD". */
export function siteToday(site, now = new Date()) {
  const off = fixedOffset(site);
  if (off !== null) return new Date(now.getTime() + off * 1000).toISOString().slice(0, 10);
  try {
    // Built from the parts: no locale's date order is assumed.
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: site.timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(now)
      .reduce((o, p) => ({ ...o, [p.type]: p.value }), {});
    return `${parts.year}-${parts.month}-${parts.day}`;
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

export function addDays(ymd, n) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function dayName(i) {
  // 2024-01-01 was a Monday.
  return new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + i, 12)));
}

function clock(hhmm) {
  const [hh, mm] = hhmm.split(':').map(Number);
  return formatTime(new Date(Date.UTC(2024, 0, 1, hh, mm)), { timeZone: 'UTC' });
}

/** Opening hours {"mon": [["09:00","12:00"]], ...} as "Mon–Fri 9:00–12:00; Sat 10:00–13:00". */
export function hoursText(hours) {
  if (!hours || typeof hours !== 'object') return '';
  const list = (items) => {
    try {
      return new Intl.ListFormat(locale(), { type: 'conjunction' }).format(items);
    } catch {
      return items.join(', ');
    }
  };
  const text = DAYS.map((d) => (Array.isArray(hours[d]) ? list(hours[d].map(([a, b]) => `${clock(a)}–${clock(b)}`)) : ''));
  const parts = [];
  let i = 0;
  while (i < 7) {
    if (!text[i]) {
      i += 1;
      continue;
    }
    let j = i;
    while (j + 1 < 7 && text[j + 1] === text[i]) j += 1;
    const days = j === i ? dayName(i) : `${dayName(i)}–${dayName(j)}`;
    parts.push(`${days} ${text[i]}`);
    i = j + 1;
  }
  return parts.join(t('booking.site.daySeparator'));
}

/** Names of the policy language codes a site offers, in the reader's language. */
export function languagesText(codes) {
  if (!Array.isArray(codes) || codes.length === 0) return '';
  let names;
  try {
    names = new Intl.DisplayNames([locale()], { type: 'language' });
  } catch {
    names = null;
  }
  const list = codes.map((c) => (names ? names.of(c) || c : c));
  try {
    return new Intl.ListFormat(locale(), { type: 'conjunction' }).format(list);
  } catch {
    return list.join(', ');
  }
}

/**
 * The message `key` as nodes, with the parameter `name` isolated in a <bdi> (text from the
 * server, such as an English access note on an Arabic page, keeps its own direction).
 */
export function tIsolated(key, params, name) {
  const marker = '\u0000';
  const [before, after = ''] = t(key, { ...params, [name]: marker }).split(marker);
  return [before, h('bdi', { text: String(params[name]) }), after];
}

/** Whole minutes to wait, from a Retry-After in seconds (at least 1). */
export function minutesOf(seconds) {
  return Math.max(1, Math.ceil((Number(seconds) || 60) / 60));
}

// The problems each part words itself (web/messages/<lang>/<ns>.json, errors.<slug>).
const OWN_SENTENCES = {
  booking: new Set(['slot-full', 'slot-unavailable', 'booking-not-found', 'booking-limit-reached', 'site-not-found', 'failed-precondition']),
  history: new Set(['invalid-credentials', 'invalid-argument']),
};
const BUSY = new Set(['store-busy', 'store-read-only', 'store-full', 'io-error', 'http-503']);

/**
 * One plain sentence for a failed answer, saying what to do next. `ns` is the message
 * namespace ("booking" or "history").
 */
export function failureSentence(ns, answer) {
  if (answer.network) return t(`${ns}.errors.network`);
  const slug = problemSlug(answer);
  if (OWN_SENTENCES[ns] && OWN_SENTENCES[ns].has(slug)) return t(`${ns}.errors.${slug}`);
  if (slug === 'booking-rate-limited' || slug === 'http-429') {
    return t(`${ns}.errors.rate-limited`, { count: minutesOf(answer.retryAfter) });
  }
  if (BUSY.has(slug)) return t(`${ns}.errors.busy`);
  return t(`${ns}.errors.other`);
}

/**
 * The error summary (GOV.UK pattern): a heading and one line per error, each a link that
 * moves focus to the field when there is one. Focus it after rendering (focusSummary).
 */
export function errorSummary(ns, errors) {
  if (!errors || errors.length === 0) return null;
  const headingId = newId('err-title');
  return h(
    'div',
    { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': headingId, 'data-error-summary': '' },
    h('h2', { id: headingId, class: 'error-summary-title', text: t(`${ns}.errors.title`) }),
    h(
      'ul',
      { class: 'error-list' },
      errors.map((e) =>
        h(
          'li',
          {},
          e.field
            ? h('a', {
                href: `#${e.field}`,
                text: e.text,
                onClick: (ev) => {
                  ev.preventDefault();
                  const target = document.getElementById(e.field);
                  if (target) target.focus();
                },
              })
            : h('span', { text: e.text }),
        ),
      ),
    ),
  );
}

export function focusSummary(root) {
  const s = root.querySelector('[data-error-summary]');
  if (s) s.focus();
  return Boolean(s);
}

/**
 * A radio group as a fieldset whose legend is the question. options: [{value, label, hint?,
 * extra?: Node[]}]. Returns {node, firstId}. The first radio's id is the target of error links.
 */
export function radioGroup({ name, legend, legendClass, hint, options, selected, error, onChange }) {
  const hintId = hint ? newId('hint') : null;
  const errId = error ? newId('err') : null;
  const described = [hintId, errId].filter(Boolean).join(' ') || null;
  let firstId = null;
  const items = options.map((o, i) => {
    const id = newId(name);
    if (i === 0) firstId = id;
    const optHintId = o.hint || (o.extra && o.extra.length) ? newId('opt-hint') : null;
    return h(
      'div',
      { class: 'choice bk-choice' },
      h('input', {
        type: 'radio',
        id,
        name,
        value: o.value,
        checked: o.value === selected,
        'aria-describedby': optHintId,
        onChange: () => onChange && onChange(o.value),
      }),
      h(
        'div',
        { class: 'bk-choice-text' },
        h('label', { for: id }, h('bdi', { text: o.label })),
        optHintId ? h('div', { id: optHintId, class: 'hint bk-option-hint' }, o.hint ? h('span', { class: 'bk-hint-line' }, h('bdi', { text: o.hint })) : null, o.extra || null) : null,
      ),
    );
  });
  const node = h(
    'fieldset',
    { class: error ? 'field field-error' : 'field', 'aria-describedby': described },
    h('legend', { class: legendClass || 'bk-question' }, legend),
    hint ? h('p', { id: hintId, class: 'hint', text: hint }) : null,
    error ? h('p', { id: errId, class: 'error-message', text: error }) : null,
    h('div', { class: 'bk-options' }, items),
  );
  return { node, firstId };
}

/** A labelled text input with hint and error. Returns {node, input}. */
export function textField({ id, label, hint, error, value, autocomplete, inputmode, maxlength, spellcheck, autocapitalize }) {
  const hintId = hint ? `${id}-hint` : null;
  const errId = error ? `${id}-error` : null;
  const input = h('input', {
    type: 'text',
    id,
    name: id,
    value: value || '',
    autocomplete: autocomplete || 'off',
    inputmode,
    maxlength,
    spellcheck: spellcheck === false ? 'false' : null,
    autocapitalize,
    'aria-describedby': [hintId, errId].filter(Boolean).join(' ') || null,
    'aria-invalid': error ? 'true' : null,
  });
  const node = h(
    'div',
    { class: error ? 'field field-error' : 'field' },
    h('label', { for: id, text: label }),
    hint ? h('p', { id: hintId, class: 'hint', text: hint }) : null,
    error ? h('p', { id: errId, class: 'error-message', text: error }) : null,
    input,
  );
  return { node, input };
}

/** The site's name to show for an id, from a sites list (or the id). */
export function siteName(sites, id) {
  const s = (sites || []).find((x) => x.id === id);
  return s ? s.name : id;
}

/**
 * The step machine both booking flows share, over their state `s` ({step, errors, fieldError}):
 * `go(step, focus)` moves on with a clean slate, `fail(errors, fieldError)` shows the error
 * summary and focuses it, `rerender(focus, errors?, fieldError?)` draws again.
 */
export function stepper(s, render) {
  return {
    go(step, focus = 'heading') {
      s.step = step;
      s.errors = [];
      s.fieldError = null;
      render(focus);
    },
    fail(errors, fieldError = null) {
      s.errors = errors;
      s.fieldError = fieldError;
      render('summary');
    },
    rerender(focus, errors, fieldError) {
      if (errors) {
        s.errors = errors;
        s.fieldError = fieldError || null;
      }
      render(focus);
    },
  };
}
