// "Who looked at my record" (docs/api.md, "Access history (the applicant's view)"): the
// applicant opens their access history with the access code from their enrollment receipt,
// or with a booking's reference and PIN. Credentials go in the JSON body of a POST, never in
// the URL, and are forgotten as soon as the answer arrives; the entries stay in this module's
// memory only (so a language change re-renders them) until the reader closes them.

import { t, lang, onLanguageChange, formatDateTime } from '../common/i18n.js';
import { api } from '../common/api.js';
import { h, replace, announce } from '../common/dom.js';
import { failureSentence, errorSummary, focusSummary, radioGroup, textField, siteName } from './booking-common.js';

const ROLES = ['applicant', 'public', 'clerk', 'supervisor', 'partner', 'auditor', 'admin', 'system'];
const ABOUT = ['record', 'application', 'card', 'appointment', 'booking'];

function word(group, value) {
  const key = `history.${group}.${value}`;
  const w = t(key);
  return w === key ? value : w;
}

/** The action in the reader's language: our messages, else the server's words, else English. */
function actionText(entry) {
  const key = `history.actions.${String(entry.action || '').replace(/\./g, '_')}`;
  const w = t(key);
  if (w !== key) return w;
  const d = entry.description || {};
  return d[lang()] || d.en || entry.action || '';
}

function whoText(entry, sites) {
  const role = ROLES.includes(entry.role) ? word('roles', entry.role) : entry.role || word('roles', 'unknown');
  if (!entry.site) return role;
  return t('history.entry.atSite', { role, site: siteName(sites, entry.site) });
}

// A reason is free text typed by staff. Bidirectional embeddings, overrides and isolates
// (U+202A..U+202E, U+2066..U+2069) would let it read to the applicant differently from what
// was logged ("\u202Enoitagitsevni duarf" shows as "fraud investigation"), so they are dropped;
// <bdi> then keeps the text's own direction apart from the page's.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
function withoutBidiControls(text) {
  return String(text).replace(BIDI_CONTROLS, '');
}

export function mountHistory(el, ctx = {}) {
  void ctx;
  const s = { method: 'code', code: '', ref: '', pin: '', entries: null, truncated: false, sites: null, errors: [], fieldError: null, busy: false };

  function fail(errors, fieldError = null) {
    s.errors = errors;
    s.fieldError = fieldError;
    render('summary');
  }

  async function open(body) {
    s.busy = true;
    s.errors = [];
    render('none');
    const answer = await api('/api/v1/access-history', { method: 'POST', body });
    s.busy = false;
    if (!answer.ok) {
      const field = s.method === 'code' ? 'hi-code' : 'hi-ref';
      return fail([{ text: failureSentence('history', answer), field: answer.network ? null : field }]);
    }
    if (s.sites === null) {
      const sites = await api('/api/v1/sites');
      s.sites = sites.ok && sites.data ? sites.data.sites || [] : [];
    }
    s.entries = (answer.data && answer.data.entries) || [];
    s.truncated = Boolean(answer.data && answer.data.truncated);
    s.code = '';
    s.pin = '';
    render('heading');
    announce(t('history.result.count', { count: s.entries.length }));
    return undefined;
  }

  function formView() {
    const fe = s.fieldError || {};
    const method = radioGroup({
      name: 'hi-method',
      legend: h('h2', { class: 'bk-heading', tabindex: '-1', 'data-step-heading': '', text: t('history.form.question') }),
      hint: t('history.form.hint'),
      options: [
        { value: 'code', label: t('history.form.byCode') },
        { value: 'booking', label: t('history.form.byBooking') },
      ],
      selected: s.method,
      onChange: (v) => {
        s.method = v;
        codeBox.hidden = v !== 'code';
        bookingBox.hidden = v !== 'booking';
      },
    });
    const code = textField({ id: 'hi-code', label: t('history.form.code'), hint: t('history.form.codeHint'), error: fe.code, value: s.code, maxlength: 40, spellcheck: false, autocapitalize: 'characters' });
    const ref = textField({ id: 'hi-ref', label: t('history.form.reference'), hint: t('history.form.referenceHint'), error: fe.ref, value: s.ref, maxlength: 32, spellcheck: false, autocapitalize: 'characters' });
    const pin = textField({ id: 'hi-pin', label: t('history.form.pin'), error: fe.pin, value: s.pin, maxlength: 32, spellcheck: false, autocapitalize: 'characters' });
    const codeBox = h('div', { class: 'bk-conditional', hidden: s.method !== 'code' }, code.node);
    const bookingBox = h('div', { class: 'bk-conditional', hidden: s.method !== 'booking' }, ref.node, pin.node);
    return [
      errorSummary('history', s.errors),
      h(
        'form',
        {
          class: 'bk-form',
          novalidate: true,
          onSubmit: (ev) => {
            ev.preventDefault();
            const errors = [];
            const f = {};
            if (s.method === 'code') {
              const c = code.input.value.trim();
              if (!c) {
                f.code = t('history.form.codeRequired');
                errors.push({ text: f.code, field: 'hi-code' });
              }
              s.code = c; // shown again if it fails, as any form does; forgotten on success
              if (errors.length) return fail(errors, f);
              return open({ access_code: c });
            }
            const r = ref.input.value.trim();
            const p = pin.input.value.trim().replace(/\s+/g, '');
            s.ref = r;
            s.pin = p;
            if (!r) {
              f.ref = t('history.form.referenceRequired');
              errors.push({ text: f.ref, field: 'hi-ref' });
            }
            if (!p) {
              f.pin = t('history.form.pinRequired');
              errors.push({ text: f.pin, field: 'hi-pin' });
            }
            if (errors.length) return fail(errors, f);
            return open({ reference: r, pin: p });
          },
        },
        method.node,
        codeBox,
        bookingBox,
        h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: s.busy }, s.busy ? t('history.form.opening') : t('history.form.submit'))),
      ),
    ];
  }

  function entryView(e) {
    const when = e.at ? formatDateTime(new Date(e.at)) : '';
    const about = e.about && ABOUT.includes(e.about) ? word('about', e.about) : e.about;
    return h(
      'li',
      { class: 'hi-entry' },
      h('h3', { class: 'hi-what', text: actionText(e) }),
      h(
        'dl',
        { class: 'hi-facts' },
        h('div', {}, h('dt', { text: t('history.entry.when') }), h('dd', {}, h('time', { datetime: e.at, text: when }))),
        h('div', {}, h('dt', { text: t('history.entry.who') }), h('dd', { text: whoText(e, s.sites) })),
        about ? h('div', {}, h('dt', { text: t('history.entry.about') }), h('dd', { text: about })) : null,
        h('div', {}, h('dt', { text: t('history.entry.why') }), h('dd', {}, e.reason ? h('bdi', { text: withoutBidiControls(e.reason) }) : t('history.entry.noReason'))),
      ),
    );
  }

  function resultView() {
    return [
      h('h2', { class: 'bk-heading', tabindex: '-1', 'data-step-heading': '', text: t('history.result.title') }),
      h('p', { class: 'hi-count', text: t('history.result.count', { count: s.entries.length }) }),
      s.truncated ? h('p', { class: 'notice', text: t('history.result.truncated') }) : null,
      h('p', { class: 'hint', text: t('history.result.explain') }),
      s.entries.length ? h('ol', { class: 'hi-list' }, s.entries.map(entryView)) : null,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onClick: () => {
              s.entries = null;
              s.ref = '';
              s.pin = '';
              s.errors = [];
              render('heading');
            },
          },
          t('history.result.close'),
        ),
      ),
    ];
  }

  function render(focus = 'none') {
    replace(el, h('div', { class: 'bk hi', 'data-step': s.entries ? 'result' : 'form' }, s.entries ? resultView() : formView()));
    if (focus === 'summary' && focusSummary(el)) return;
    if (focus === 'heading' || focus === 'summary') {
      const hd = el.querySelector('[data-step-heading]');
      if (hd) hd.focus();
    }
  }

  onLanguageChange(() => render('none'));
  render('none');
}
