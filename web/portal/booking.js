// Book an appointment, and find, move or cancel one (docs/api.md, "Sites and appointments").
//
// One question per step, GOV.UK style: a site, a day, a time, a name to call (and an optional
// contact), "check your answers", then the reference and PIN, shown once, with a printable
// slip. Everything lives in this module's memory only: nothing of a booking is written to
// storage, cookies or the URL, and the PIN travels only in the X-Booking-PIN header.

import { t, lang, onLanguageChange } from '../common/i18n.js';
import { api, problemSlug } from '../common/api.js';
import { h, replace, announce } from '../common/dom.js';
import {
  stepper,
  siteTime,
  siteDate,
  localDay,
  siteToday,
  addDays,
  hoursText,
  languagesText,
  failureSentence,
  errorSummary,
  focusSummary,
  radioGroup,
  textField,
  tIsolated,
} from './booking-common.js';

const WINDOW_DAYS = 28; // one slots request
const MAX_AHEAD_DAYS = 119; // the server offers nothing further ahead (120 days)
const DAYS_PER_PAGE = 7;

// ---- slots: loading and grouping by the site's local day ----

async function fetchSlots(site, from, to) {
  const q = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  return api(`/api/v1/sites/${encodeURIComponent(site.id)}/slots?${q}`);
}

/** A fresh chooser for `site`: days with free slots, loaded a window at a time. */
function newChooser(site) {
  const today = siteToday(site);
  return { site, today, loadedTo: null, days: [], shown: DAYS_PER_PAGE, day: null, slot: null };
}

function groupDays(slots) {
  const byDay = new Map();
  for (const s of slots) {
    const day = String(s.local).slice(0, 10);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(s);
  }
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, list]) => ({ date, slots: list }));
}

// Loads the next window of days (or reloads everything loaded so far when `reload`).
async function loadWindow(ch, { reload = false } = {}) {
  const from = reload || ch.loadedTo === null ? ch.today : addDays(ch.loadedTo, 1);
  const last = addDays(ch.today, MAX_AHEAD_DAYS);
  let to = reload && ch.loadedTo ? ch.loadedTo : addDays(from, WINDOW_DAYS - 1);
  if (to > last) to = last;
  const answer = await fetchSlots(ch.site, from, to);
  if (!answer.ok) return answer;
  const fresh = groupDays((answer.data && answer.data.slots) || []);
  ch.days = reload ? fresh : ch.days.concat(fresh);
  ch.loadedTo = to;
  if (ch.day && !ch.days.some((d) => d.date === ch.day)) ch.day = null;
  const day = ch.days.find((d) => d.date === ch.day);
  if (ch.slot && !(day && day.slots.some((s) => s.start === ch.slot))) ch.slot = null;
  return answer;
}

function canLoadMore(ch) {
  return ch.loadedTo === null || ch.loadedTo < addDays(ch.today, MAX_AHEAD_DAYS);
}

function slotOf(ch) {
  const day = ch.days.find((d) => d.date === ch.day);
  return day ? day.slots.find((s) => s.start === ch.slot) || null : null;
}

// ---- pieces every step uses ----

function heading(text) {
  return h('h2', { class: 'bk-heading', tabindex: '-1', 'data-step-heading': '', text });
}

function backButton(onClick) {
  return h('button', { type: 'button', class: 'secondary bk-back', onClick }, t('booking.back'));
}

function continueButton(label) {
  return h('button', { type: 'submit', class: 'bk-continue' }, label || t('booking.continue'));
}

function form(onSubmit, ...children) {
  return h(
    'form',
    {
      class: 'bk-form',
      novalidate: true,
      onSubmit: (ev) => {
        ev.preventDefault();
        onSubmit(ev);
      },
    },
    ...children,
  );
}

function loading(text) {
  return h('p', { class: 'bk-loading', role: 'status', text });
}

function focusAfterRender(root, focus) {
  if (focus === 'summary' && focusSummary(root)) return;
  if (focus === 'heading' || focus === 'summary') {
    const hd = root.querySelector('[data-step-heading]');
    if (hd) hd.focus();
  }
}

function siteOptionExtras(site) {
  const extras = [];
  const hours = hoursText(site.hours);
  if (hours) extras.push(h('span', { class: 'bk-hint-line', text: t('booking.site.hours', { hours }) }));
  const langs = languagesText(site.languages);
  if (langs) extras.push(h('span', { class: 'bk-hint-line', text: t('booking.site.languages', { languages: langs }) }));
  if (site.accessibility) {
    extras.push(h('span', { class: 'bk-hint-line' }, tIsolated('booking.site.accessibility', { notes: site.accessibility }, 'notes')));
  }
  return extras;
}

function dayLabel(d) {
  return localDay(d.date);
}

// The day question. `ch` is a chooser; callbacks: onPick(), onBack(), rerender(focus).
function dayStep(ch, { ns, errors, fieldError, onPick, onBack, rerender, intro, prefix }) {
  const shown = ch.days.slice(0, ch.shown);
  const more = ch.days.length > ch.shown || canLoadMore(ch);
  const question = heading(t('booking.day.question'));
  const parts = [backButton(onBack), errorSummary(ns, errors), intro || null];
  if (ch.days.length === 0) {
    parts.push(question, h('p', { class: 'notice warn', text: t('booking.day.none') }));
    if (canLoadMore(ch)) {
      parts.push(
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onClick: () => showMore(ch, rerender, prefix) }, t('booking.day.later'))),
      );
    }
    return parts;
  }
  const group = radioGroup({
    name: `${prefix}-day`,
    legend: question,
    hint: t('booking.day.hint', { site: ch.site.name }),
    options: shown.map((d) => ({ value: d.date, label: dayLabel(d), hint: t('booking.day.times', { count: d.slots.length }) })),
    selected: ch.day,
    error: fieldError,
    onChange: (v) => {
      ch.day = v;
      ch.slot = null;
    },
  });
  ch.firstDayId = group.firstId;
  parts.push(
    form(
      () => {
        if (!ch.day) return rerender('summary', [{ text: t('booking.day.required'), field: group.firstId }], t('booking.day.required'));
        return onPick();
      },
      group.node,
      more ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onClick: () => showMore(ch, rerender, prefix) }, t('booking.day.more'))) : null,
      h('div', { class: 'actions' }, continueButton()),
    ),
  );
  return parts;
}

// Shows the next days (loading another window when needed); the focus goes to the first day
// added, so a keyboard or screen reader user goes on where the list grew.
async function showMore(ch, rerender, prefix) {
  const before = Math.min(ch.shown, ch.days.length);
  if (ch.days.length <= ch.shown && canLoadMore(ch)) {
    const answer = await loadWindow(ch);
    if (!answer.ok) {
      rerender('summary', [{ text: failureSentence('booking', answer) }]);
      return;
    }
  }
  ch.shown = Math.max(ch.shown, before) + DAYS_PER_PAGE;
  rerender('none');
  const days = document.querySelectorAll(`input[name="${prefix}-day"]`);
  if (days.length > before) {
    days[before].focus();
    announce(t('booking.day.loaded'));
  } else if (days.length > 0) {
    days[days.length - 1].focus();
    announce(t('booking.day.noMore'));
  } else {
    announce(t('booking.day.none'));
  }
}

// The time question for the chosen day.
function timeStep(ch, { ns, errors, fieldError, onPick, onBack, rerender, prefix }) {
  const day = ch.days.find((d) => d.date === ch.day);
  const question = heading(t('booking.time.question', { day: localDay(ch.day) }));
  const parts = [backButton(onBack), errorSummary(ns, errors)];
  if (!day || day.slots.length === 0) {
    parts.push(question, h('p', { class: 'notice warn', text: t('booking.time.none') }));
    return parts;
  }
  const group = radioGroup({
    name: `${prefix}-time`,
    legend: question,
    hint: t('booking.time.hint', { site: ch.site.name }),
    options: day.slots.map((s) => ({ value: s.start, label: siteTime(s.start, ch.site), hint: t('booking.time.free', { count: s.free }) })),
    selected: ch.slot,
    error: fieldError,
    onChange: (v) => {
      ch.slot = v;
    },
  });
  group.node.classList.add('bk-times');
  parts.push(
    form(
      () => {
        if (!ch.slot) return rerender('summary', [{ text: t('booking.time.required'), field: group.firstId }], t('booking.time.required'));
        return onPick();
      },
      group.node,
      h('div', { class: 'actions' }, continueButton()),
    ),
  );
  return parts;
}

// ---- the slip: what to bring, from the policy, in the reader's language ----

function docName(d) {
  const names = d.names || {};
  return names[lang()] || names.en || d.id;
}

function validityText(d) {
  const v = d.validity || {};
  if (typeof v.expired_within_days === 'number') return t('booking.validity.expiredWithin', { count: v.expired_within_days });
  if (v.not_expired) return t('booking.validity.notExpired');
  if (typeof v.issued_within_days === 'number') return t('booking.validity.issuedWithin', { count: v.issued_within_days });
  return '';
}

function docItem(d, points) {
  const bits = [docName(d)];
  if (points) bits.push(points);
  const v = validityText(d);
  if (v) bits.push(v);
  return h('li', { text: bits.join(' — ') });
}

function docList(title, docs, points) {
  if (docs.length === 0) return null;
  return [h('h4', { class: 'bk-doc-title', text: title }), h('ul', { class: 'bk-docs' }, docs.map((d) => docItem(d, points ? points(d) : '')))];
}

/** The documents to bring, summarised plainly from the policy's rule and catalogue. */
export function documentsToBring(policy) {
  if (!policy || !Array.isArray(policy.documents)) return [h('p', { text: t('booking.slip.docsUnknown') })];
  const rule = policy.rule || {};
  const docs = policy.documents;
  const out = [];
  if (rule.kind === 'points') {
    out.push(h('p', { text: t('booking.slip.pointsRule', { identity: rule.identity_min, residency: rule.residency_min }) }));
    if (rule.require_photo || rule.require_dob) out.push(h('p', { text: t('booking.slip.photoDob') }));
    const pts = (n) => t('booking.slip.points', { count: n });
    out.push(docList(t('booking.slip.identityDocs'), docs.filter((d) => d.category === 'identity'), (d) => pts(d.identity_points)));
    out.push(docList(t('booking.slip.bothDocs'), docs.filter((d) => d.category === 'both'), (d) => t('booking.slip.bothPoints', { identity: d.identity_points, residency: d.residency_points })));
    out.push(docList(t('booking.slip.residencyDocs'), docs.filter((d) => d.category === 'residency'), (d) => pts(d.residency_points)));
  } else if (rule.kind === 'list') {
    out.push(h('p', { text: t('booking.slip.listRule', { secondary: rule.secondary_min, residency: rule.residency_min }) }));
    if (rule.secondary_require_photo || rule.secondary_require_dob) out.push(h('p', { text: t('booking.slip.secondaryPhotoDob') }));
    out.push(docList(t('booking.slip.primaryDocs'), docs.filter((d) => d.tier === 'primary')));
    out.push(docList(t('booking.slip.secondaryDocs'), docs.filter((d) => d.tier === 'secondary')));
    out.push(docList(t('booking.slip.residencyDocs'), docs.filter((d) => d.category === 'residency' || d.category === 'both')));
  } else {
    out.push(docList(t('booking.slip.anyDocs'), docs));
  }
  out.push(h('p', { class: 'bk-slip-note', text: t('booking.slip.originals') }));
  return out;
}

function summaryRow(label, value, change) {
  return h(
    'div',
    { class: 'bk-row' },
    h('dt', { text: label }),
    h('dd', {}, h('bdi', { class: 'bk-value', text: value }), change || null),
  );
}

// ---- booking ----

/** The booking part of the portal (`#booking-root`). */
export function mountBooking(el, ctx = {}) {
  const s = {
    step: 'site',
    sites: null,
    siteId: null,
    ch: null,
    name: '',
    contact: '',
    receipt: null,
    errors: [],
    fieldError: null,
    busy: false,
  };

  const site = () => (s.sites || []).find((x) => x.id === s.siteId) || null;

  const { go, fail, rerender } = stepper(s, (focus) => render(focus));

  async function loadSites(focus) {
    const answer = await api('/api/v1/sites');
    if (!answer.ok) {
      s.sites = [];
      s.loadError = failureSentence('booking', answer);
      render(focus === 'none' ? 'none' : 'summary');
      return;
    }
    s.loadError = null;
    s.sites = (answer.data && answer.data.sites) || [];
    if (s.siteId && !site()) s.siteId = null;
    render(focus);
  }

  function siteView() {
    if (s.sites === null) return [heading(t('booking.site.question')), loading(t('booking.loading'))];
    if (s.loadError) {
      return [
        errorSummary('booking', [{ text: s.loadError }]),
        heading(t('booking.site.question')),
        h('div', { class: 'actions' }, h('button', { type: 'button', onClick: () => { s.sites = null; render('none'); loadSites('summary'); } }, t('booking.retry'))),
      ];
    }
    if (s.sites.length === 0) return [heading(t('booking.site.question')), h('p', { class: 'notice', text: t('booking.site.none') })];
    const group = radioGroup({
      name: 'bk-site',
      legend: heading(t('booking.site.question')),
      hint: t('booking.site.hint'),
      options: s.sites.map((x) => ({ value: x.id, label: x.name, hint: x.address, extra: siteOptionExtras(x) })),
      selected: s.siteId,
      error: s.fieldError,
      onChange: (v) => {
        s.siteId = v;
      },
    });
    return [
      errorSummary('booking', s.errors),
      form(
        async () => {
          if (!site()) return fail([{ text: t('booking.site.required'), field: group.firstId }], t('booking.site.required'));
          if (!s.ch || s.ch.site.id !== s.siteId) s.ch = newChooser(site());
          s.step = 'day';
          s.errors = [];
          s.fieldError = null;
          s.loadingSlots = true;
          render('none');
          const answer = await loadWindow(s.ch, { reload: s.ch.loadedTo !== null });
          s.loadingSlots = false;
          if (!answer.ok) {
            s.step = 'site';
            return fail([{ text: failureSentence('booking', answer) }]);
          }
          return render('heading');
        },
        group.node,
        h('div', { class: 'actions' }, continueButton()),
      ),
    ];
  }

  function detailsView() {
    const nameErr = s.fieldError && s.fieldError.name;
    const contactErr = s.fieldError && s.fieldError.contact;
    const name = textField({ id: 'bk-name', label: t('booking.details.name'), hint: t('booking.details.nameHint'), error: nameErr, value: s.name, maxlength: 120 });
    const contact = textField({
      id: 'bk-contact',
      label: t('booking.details.contact'),
      hint: t('booking.details.contactHint'),
      error: contactErr,
      value: s.contact,
      maxlength: 200,
    });
    name.input.addEventListener('input', () => {
      s.name = name.input.value;
    });
    contact.input.addEventListener('input', () => {
      s.contact = contact.input.value;
    });
    return [
      backButton(() => go('time')),
      errorSummary('booking', s.errors),
      form(
        () => {
          s.name = name.input.value.trim();
          s.contact = contact.input.value.trim();
          const errors = [];
          const fe = {};
          if (!s.name) {
            fe.name = t('booking.details.nameRequired');
            errors.push({ text: fe.name, field: 'bk-name' });
          } else if (new TextEncoder().encode(s.name).length > 120) {
            fe.name = t('booking.details.nameTooLong');
            errors.push({ text: fe.name, field: 'bk-name' });
          }
          if (new TextEncoder().encode(s.contact).length > 200) {
            fe.contact = t('booking.details.contactTooLong');
            errors.push({ text: fe.contact, field: 'bk-contact' });
          }
          if (errors.length) return fail(errors, fe);
          return go('check');
        },
        h('fieldset', {}, h('legend', { class: 'bk-question' }, heading(t('booking.details.question'))), name.node, contact.node),
        h('div', { class: 'actions' }, continueButton()),
      ),
    ];
  }

  function checkView() {
    const st = site();
    const slot = slotOf(s.ch);
    const change = (what, step) =>
      h('button', { type: 'button', class: 'secondary bk-change', onClick: () => go(step) }, t('booking.check.change'), h('span', { class: 'visually-hidden', text: ` ${what}` }));
    return [
      backButton(() => go('details')),
      errorSummary('booking', s.errors),
      heading(t('booking.check.question')),
      h(
        'dl',
        { class: 'bk-summary' },
        summaryRow(t('booking.check.site'), `${st.name}, ${st.address}`, change(t('booking.check.site'), 'site')),
        summaryRow(t('booking.check.day'), localDay(s.ch.day), change(t('booking.check.day'), 'day')),
        summaryRow(t('booking.check.time'), slot ? siteTime(slot.start, st) : '', change(t('booking.check.time'), 'time')),
        summaryRow(t('booking.check.name'), s.name, change(t('booking.check.name'), 'details')),
        summaryRow(t('booking.check.contact'), s.contact || t('booking.check.noContact'), change(t('booking.check.contact'), 'details')),
      ),
      form(
        () => book(),
        h('p', { class: 'hint', text: t('booking.check.note') }),
        h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: s.busy, 'aria-disabled': s.busy ? 'true' : null }, s.busy ? t('booking.check.booking') : t('booking.check.submit'))),
      ),
    ];
  }

  async function book() {
    if (s.busy) return;
    s.busy = true;
    s.errors = [];
    render('none');
    const body = { site: s.siteId, slot: s.ch.slot, name: s.name, language: lang() };
    if (s.contact) body.contact = s.contact;
    const answer = await api('/api/v1/appointments', { method: 'POST', body });
    s.busy = false;
    if (answer.ok) {
      s.receipt = { ...answer.data, siteInfo: site() };
      s.name = '';
      s.contact = '';
      go('done');
      announce(t('booking.done.title'));
      return;
    }
    const slug = problemSlug(answer);
    const sentence = failureSentence('booking', answer);
    if (slug === 'slot-full' || slug === 'slot-unavailable') {
      // Someone took the place (or the time went): reload the day's times and ask again.
      const reload = await loadWindow(s.ch, { reload: true });
      const errors = [{ text: sentence }];
      if (!reload.ok) errors.push({ text: failureSentence('booking', reload) });
      s.step = s.ch.day ? 'time' : 'day';
      return fail(errors, sentence);
    }
    if (slug === 'site-not-found') {
      s.siteId = null;
      s.ch = null;
      s.step = 'site';
      s.sites = null;
      await loadSites('none');
      return fail([{ text: sentence }]);
    }
    return fail([{ text: sentence }]);
  }

  function doneView() {
    const r = s.receipt;
    const st = r.siteInfo || { name: r.site, address: '', timezone: 'UTC' };
    return [
      h(
        'div',
        { class: 'bk-slip', 'data-slip': '' },
        ctx.policy && ctx.policy.city && ctx.policy.city.name
          ? h('p', { class: 'bk-slip-city' }, h('bdi', { text: ctx.policy.city.name }))
          : null,
        h('div', { class: 'notice ok bk-booked' }, heading(t('booking.done.title')), h('p', { text: t('booking.done.keep') })),
        h(
          'dl',
          { class: 'bk-summary bk-slip-details' },
          summaryRow(t('booking.check.site'), st.name),
          summaryRow(t('booking.check.address'), st.address),
          summaryRow(t('booking.check.day'), siteDate(r.slot, st)),
          summaryRow(t('booking.check.time'), siteTime(r.slot, st)),
        ),
        h(
          'dl',
          { class: 'bk-codes' },
          h('div', { class: 'bk-code' }, h('dt', { text: t('booking.done.reference') }), h('dd', { class: 'bk-code-value', 'data-reference': '', text: r.reference })),
          h('div', { class: 'bk-code' }, h('dt', { text: t('booking.done.pin') }), h('dd', { class: 'bk-code-value', 'data-pin': '', text: r.pin })),
        ),
        h('p', { class: 'bk-pin-note', text: t('booking.done.pinOnce') }),
        h('h3', { class: 'bk-bring-title', text: t('booking.slip.bring') }),
        documentsToBring(ctx.policy),
      ),
      h(
        'div',
        { class: 'actions bk-no-print' },
        h('button', { type: 'button', 'data-print': '', onClick: printSlip }, t('booking.done.print')),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onClick: () => {
              s.receipt = null;
              s.siteId = null;
              s.ch = null;
              go('site');
            },
          },
          t('booking.done.another'),
        ),
      ),
    ];
  }

  function render(focus = 'none') {
    let view;
    const st = site();
    if (s.step === 'site') view = siteView();
    else if (s.step === 'day') {
      view = s.loadingSlots
        ? [heading(t('booking.day.question')), loading(t('booking.loading'))]
        : dayStep(s.ch, {
            ns: 'booking',
            prefix: 'bk',
            errors: s.errors,
            fieldError: s.fieldError,
            onBack: () => go('site'),
            onPick: () => go('time'),
            rerender,
            intro: st ? h('p', { class: 'bk-context', text: t('booking.chosenSite', { site: st.name }) }) : null,
          });
    } else if (s.step === 'time') {
      view = timeStep(s.ch, { ns: 'booking', prefix: 'bk', errors: s.errors, fieldError: s.fieldError, onBack: () => go('day'), onPick: () => go('details'), rerender });
    } else if (s.step === 'details') view = detailsView();
    else if (s.step === 'check') view = checkView();
    else view = doneView();
    replace(el, h('div', { class: 'bk', 'data-step': s.step }, view));
    focusAfterRender(el, focus);
  }

  onLanguageChange(() => render('none'));
  render('none');
  loadSites('none');
}

function printSlip() {
  const root = document.documentElement;
  root.classList.add('bk-print-slip');
  const done = () => {
    root.classList.remove('bk-print-slip');
    window.removeEventListener('afterprint', done);
  };
  window.addEventListener('afterprint', done);
  window.print();
}

// ---- find, move, cancel ----

function normalizeReference(text) {
  const raw = String(text || '').toUpperCase().replace(/[^A-Z0-9]/g, '');
  return raw.length === 8 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : raw;
}

function stateWord(state) {
  const key = `booking.state.${state}`;
  const w = t(key);
  return w === key ? state : w;
}

/** "My booking" (`#manage-root`): reference + PIN, then move or cancel. */
export function mountManage(el, ctx = {}) {
  void ctx;
  const s = { step: 'find', ref: '', pin: '', typedPin: '', booking: null, sites: null, ch: null, errors: [], fieldError: null, notice: null, busy: false };

  const siteOf = () => {
    const id = s.booking && s.booking.site;
    return (s.sites || []).find((x) => x.id === id) || { id, name: id, address: '', timezone: 'UTC' };
  };
  const live = () => s.booking && (s.booking.state === 'booked' || s.booking.state === 'moved');
  const pinHeader = () => ({ 'X-Booking-PIN': s.pin });
  const path = (suffix = '') => `/api/v1/appointments/${encodeURIComponent(s.ref)}${suffix}`;

  const { go, fail, rerender } = stepper(s, (focus) => render(focus));

  function forget() {
    s.ref = '';
    s.pin = '';
    s.booking = null;
    s.ch = null;
    s.notice = null;
  }

  async function find(ref, pin) {
    s.busy = true;
    render('none');
    if (s.sites === null) {
      const sites = await api('/api/v1/sites');
      if (sites.ok) s.sites = (sites.data && sites.data.sites) || [];
    }
    s.ref = ref;
    s.pin = pin;
    const answer = await api(path(), { headers: pinHeader() });
    s.busy = false;
    if (!answer.ok) {
      // The form shows what was typed again (as any form does after an error); the PIN is
      // otherwise forgotten until the next try.
      s.typedPin = pin;
      s.pin = '';
      const field = problemSlug(answer) === 'booking-not-found' ? 'bk-ref' : null;
      return fail([{ text: failureSentence('booking', answer), field }]);
    }
    s.booking = answer.data;
    s.notice = null;
    return go('show');
  }

  function findView() {
    const fe = s.fieldError || {};
    const ref = textField({ id: 'bk-ref', label: t('booking.manage.reference'), hint: t('booking.manage.referenceHint'), error: fe.ref, value: s.ref, maxlength: 32, spellcheck: false, autocapitalize: 'characters' });
    const pin = textField({ id: 'bk-pin', label: t('booking.manage.pin'), hint: t('booking.manage.pinHint'), error: fe.pin, value: s.typedPin, maxlength: 32, spellcheck: false, autocapitalize: 'characters' });
    s.typedPin = '';
    return [
      errorSummary('booking', s.errors),
      s.notice ? h('p', { class: 'notice ok', role: 'status', text: s.notice }) : null,
      form(
        () => {
          const r = normalizeReference(ref.input.value);
          const p = pin.input.value.trim().toUpperCase().replace(/\s+/g, '');
          const errors = [];
          const fieldErrors = {};
          if (!r) {
            fieldErrors.ref = t('booking.manage.referenceRequired');
            errors.push({ text: fieldErrors.ref, field: 'bk-ref' });
          }
          if (!p) {
            fieldErrors.pin = t('booking.manage.pinRequired');
            errors.push({ text: fieldErrors.pin, field: 'bk-pin' });
          }
          s.ref = r || ref.input.value;
          if (errors.length) return fail(errors, fieldErrors);
          return find(r, p);
        },
        h('fieldset', {}, h('legend', { class: 'bk-question' }, heading(t('booking.manage.question'))), ref.node, pin.node),
        h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: s.busy }, s.busy ? t('booking.manage.finding') : t('booking.manage.find'))),
      ),
    ];
  }

  function bookingDetails() {
    const b = s.booking;
    const st = siteOf();
    return h(
      'dl',
      { class: 'bk-summary' },
      summaryRow(t('booking.done.reference'), b.reference),
      summaryRow(t('booking.check.site'), st.address ? `${st.name}, ${st.address}` : st.name),
      summaryRow(t('booking.check.day'), siteDate(b.slot, st)),
      summaryRow(t('booking.check.time'), siteTime(b.slot, st)),
      summaryRow(t('booking.check.name'), b.name),
      summaryRow(t('booking.manage.state'), stateWord(b.state)),
    );
  }

  function showView() {
    return [
      errorSummary('booking', s.errors),
      s.notice ? h('p', { class: 'notice ok', role: 'status', text: s.notice }) : null,
      heading(t('booking.manage.yours')),
      bookingDetails(),
      live()
        ? h(
            'div',
            { class: 'actions' },
            h('button', { type: 'button', onClick: startMove }, t('booking.manage.move')),
            h('button', { type: 'button', class: 'secondary', onClick: () => go('cancel') }, t('booking.manage.cancel')),
          )
        : h('p', { class: 'notice', text: t('booking.manage.notLive') }),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onClick: () => {
              forget();
              go('find');
            },
          },
          t('booking.manage.done'),
        ),
      ),
    ];
  }

  async function startMove() {
    s.ch = newChooser(siteOf());
    s.step = 'day';
    s.errors = [];
    s.loadingSlots = true;
    render('none');
    const answer = await loadWindow(s.ch);
    s.loadingSlots = false;
    if (!answer.ok) {
      s.step = 'show';
      return fail([{ text: failureSentence('booking', answer) }]);
    }
    return render('heading');
  }

  function confirmMoveView() {
    const st = siteOf();
    const slot = slotOf(s.ch);
    return [
      backButton(() => go('time')),
      errorSummary('booking', s.errors),
      heading(t('booking.manage.moveQuestion')),
      h(
        'dl',
        { class: 'bk-summary' },
        summaryRow(t('booking.manage.from'), `${siteDate(s.booking.slot, st)}, ${siteTime(s.booking.slot, st)}`),
        summaryRow(t('booking.manage.to'), slot ? `${localDay(s.ch.day)}, ${siteTime(slot.start, st)}` : ''),
      ),
      form(() => move(), h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: s.busy }, t('booking.manage.moveSubmit')))),
    ];
  }

  async function move() {
    if (s.busy) return;
    s.busy = true;
    render('none');
    const answer = await api(path('/move'), { method: 'POST', body: { slot: s.ch.slot }, headers: pinHeader() });
    s.busy = false;
    if (answer.ok) {
      s.booking = answer.data;
      s.ch = null;
      s.notice = t('booking.manage.moved');
      go('show');
      announce(s.notice);
      return;
    }
    const slug = problemSlug(answer);
    const sentence = failureSentence('booking', answer);
    if (slug === 'slot-full' || slug === 'slot-unavailable') {
      const reload = await loadWindow(s.ch, { reload: true });
      const errors = [{ text: sentence }];
      if (!reload.ok) errors.push({ text: failureSentence('booking', reload) });
      s.step = s.ch.day ? 'time' : 'day';
      return fail(errors, sentence);
    }
    return fail([{ text: sentence }]);
  }

  function cancelView() {
    const st = siteOf();
    return [
      backButton(() => go('show')),
      errorSummary('booking', s.errors),
      heading(t('booking.manage.cancelQuestion')),
      h('p', { text: t('booking.manage.cancelWhat', { when: `${siteDate(s.booking.slot, st)}, ${siteTime(s.booking.slot, st)}`, site: st.name }) }),
      form(
        () => cancel(),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'danger', disabled: s.busy }, t('booking.manage.cancelYes')),
          h('button', { type: 'button', class: 'secondary', onClick: () => go('show') }, t('booking.manage.cancelNo')),
        ),
      ),
    ];
  }

  async function cancel() {
    if (s.busy) return;
    s.busy = true;
    render('none');
    const answer = await api(path('/cancel'), { method: 'POST', body: {}, headers: pinHeader() });
    s.busy = false;
    if (answer.ok) {
      s.booking = { ...s.booking, state: 'cancelled' };
      s.notice = t('booking.manage.cancelled');
      go('show');
      announce(s.notice);
      return;
    }
    return fail([{ text: failureSentence('booking', answer) }]);
  }

  function render(focus = 'none') {
    let view;
    if (s.step === 'find') view = findView();
    else if (s.step === 'show') view = showView();
    else if (s.step === 'day') {
      view = s.loadingSlots
        ? [heading(t('booking.day.question')), loading(t('booking.loading'))]
        : dayStep(s.ch, { ns: 'booking', prefix: 'mv', errors: s.errors, fieldError: s.fieldError, onBack: () => go('show'), onPick: () => go('time'), rerender });
    } else if (s.step === 'time') {
      view = timeStep(s.ch, { ns: 'booking', prefix: 'mv', errors: s.errors, fieldError: s.fieldError, onBack: () => go('day'), onPick: () => go('confirm-move'), rerender });
    } else if (s.step === 'confirm-move') view = confirmMoveView();
    else view = cancelView();
    replace(el, h('div', { class: 'bk bk-manage', 'data-step': s.step }, view));
    focusAfterRender(el, focus);
  }

  onLanguageChange(() => render('none'));
  render('none');
}

