// The enrollment form (issue 17): every field POST /api/v1/applications takes that the city's
// policy uses; names in any script and the Latin spelling the card will print (the applicant's
// own, from their passport, or the server's transliteration shown as the clerk types and
// confirmed); the photo (clerk_photo.js); the documents checked, with the policy evaluated in the
// browser (web/portal/policy_eval.js, the port of Policy::Evaluate) after each one; then the
// result and the applicant's receipt in THEIR language (clerk_receipt.js).
//
// Document numbers are typed for the duplicate check only: once a document is added its number
// is kept in this page's memory (never drawn again), sent with the enrollment, and dropped from
// memory whatever the answer.
import { announce, h, newId, replace } from '../common/dom.js';
import { formatDate, t } from '../common/i18n.js';
import { evaluate, localDay } from '../portal/policy_eval.js';
import { mountPhoto, toBase64 } from './clerk_photo.js';
import { receiptView } from './clerk_receipt.js';

const LATIN_DEBOUNCE_MS = 150;
// A Latin-script name needs no confirmation: it prints as typed. Anything with a letter of
// another script does.
const NON_LATIN = /[^\p{Script=Latin}\p{M}\s'’.\-‐·]/u;

function docName(doc, code) {
  return (doc.names && (doc.names[code] || doc.names.en)) || doc.id;
}

export function mountEnrollForm(root, ctx, { problemText, errorBox, languageName, uiLang }) {
  const policy = ctx.policy;
  const printed = new Set(policy?.card?.printed_fields || []);
  const booking = ctx.params?.booking || null;
  const languages = policy?.city?.languages || ['en'];
  const blank = () => ({
    given: '',
    family: '',
    spelling: 'computed', // computed | document
    latinGiven: '',
    latinFamily: '',
    preview: null, // { latin, transliterated } for the names typed, or { error }
    confirmed: false,
    preferred: '',
    dob: '',
    gender: '',
    line1: '',
    line2: '',
    city: '',
    region: '',
    postal: '',
    veteran: false,
    language: booking?.language && languages.includes(booking.language) ? booking.language : languages.includes(uiLang()) ? uiLang() : 'en',
    photo: null,
    docs: [], // { type, issued, expires, number } — number never drawn
    draft: { type: '', issued: '', expires: '', number: '' },
  });
  let s = blank();
  let errors = []; // [{ field id, text }]
  let serverError = null;
  let result = null; // the enrollment answer and what the receipt needs
  let busy = false;
  let alive = true;
  let latinTimer = null;
  let latinSeq = 0;
  let photoCtl = null;
  const ids = {
    error: 'enroll-error',
    given: 'enroll-given',
    family: 'enroll-family',
    preview: 'enroll-preview',
    confirm: 'enroll-confirm',
    latinGiven: 'enroll-latin-given',
    latinFamily: 'enroll-latin-family',
    preferred: 'enroll-preferred',
    dob: 'enroll-dob',
    line1: 'enroll-line1',
    line2: 'enroll-line2',
    city: 'enroll-city',
    region: 'enroll-region',
    postal: 'enroll-postal',
    veteran: 'enroll-veteran',
    language: 'enroll-language',
    photo: 'enroll-photo',
    docType: 'enroll-doc-type',
    docIssued: 'enroll-doc-issued',
    docExpires: 'enroll-doc-expires',
    docNumber: 'enroll-doc-number',
    docAdd: 'enroll-doc-add',
    docs: 'enroll-docs',
    evaluation: 'enroll-evaluation',
    submit: 'enroll-submit',
    result: 'enroll-result',
  };
  const today = () => localDay(new Date());
  const needsConfirm = () => s.spelling === 'computed' && (NON_LATIN.test(s.given) || NON_LATIN.test(s.family));

  // ---- the Latin spelling preview ----
  function scheduleLatin() {
    clearTimeout(latinTimer);
    latinTimer = setTimeout(fetchLatin, LATIN_DEBOUNCE_MS);
  }
  async function fetchLatin() {
    const given = s.given.trim();
    const family = s.family.trim();
    const seq = ++latinSeq;
    if (!given && !family) {
      s.preview = null;
      drawPreview();
      return;
    }
    const res = await ctx.api('/api/v1/names/latin', { method: 'POST', body: { given, family } });
    if (!alive || seq !== latinSeq) return;
    s.preview = res.ok ? res.data : { error: problemText(res) };
    drawPreview();
  }
  function drawPreview() {
    const el = document.getElementById(ids.preview);
    if (!el) return;
    const p = s.preview;
    let content;
    if (!p) content = h('p', { class: 'hint' }, t('staff_clerk.latin.empty'));
    else if (p.error) content = h('p', { class: 'latin-problem' }, p.error, ' ', t('staff_clerk.latin.useDocument'));
    else
      content = h(
        'p',
        { class: 'latin-preview' },
        t(p.transliterated ? 'staff_clerk.latin.computed' : 'staff_clerk.latin.asWritten'),
        ' ',
        h('strong', { class: 'latin-value', lang: 'en', dir: 'ltr' }, h('bdi', {}, p.latin)),
      );
    replace(el, content);
    const confirm = document.getElementById(`${ids.confirm}-field`);
    if (confirm) confirm.hidden = !needsConfirm();
  }

  // ---- documents and the evaluation ----
  function presented() {
    return s.docs.map((d) => {
      const p = { type: d.type, has_number: Boolean(d.number) };
      if (d.issued) p.issued = d.issued;
      if (d.expires) p.expires = d.expires;
      return p;
    });
  }
  function missingText(m) {
    const pointsRule = policy.rule.kind === 'points';
    if (m.code === 'residency_points' && !pointsRule) return t('checker.missing.residency_document', { count: m.count });
    return t(`checker.missing.${m.code}`, { count: m.count });
  }
  function reasonText(r) {
    switch (r.reason_code) {
      case 'expired':
        return t('staff_clerk.docs.reason.expired');
      case 'expired_too_long':
      case 'too_old':
        return t('staff_clerk.docs.reason.tooOld');
      case 'duplicate':
        return t('staff_clerk.docs.reason.duplicate');
      case 'missing_date':
      default:
        return t('staff_clerk.docs.reason.other');
    }
  }
  function evaluationView() {
    if (!policy) return h('p', {}, '');
    const ev = evaluate(policy, presented(), today());
    const code = uiLang();
    const byId = new Map(policy.documents.map((d) => [d.id, d]));
    if (s.docs.length === 0) return h('p', { class: 'notice' }, t('staff_clerk.docs.none'));
    const parts = [];
    if (ev.satisfied) parts.push(h('p', { class: 'notice ok eval-verdict' }, h('strong', {}, t('staff_clerk.docs.enough'))));
    else {
      parts.push(h('p', { class: 'notice warn eval-verdict' }, h('strong', {}, t('staff_clerk.docs.notEnough'))));
      if (ev.missing_codes.length) {
        parts.push(h('h3', {}, t('staff_clerk.docs.missingHeading')));
        parts.push(h('ul', { class: 'eval-missing' }, ev.missing_codes.map((m) => h('li', {}, missingText(m)))));
      }
    }
    const notCounted = ev.documents.filter((d) => !d.accepted);
    if (notCounted.length) {
      parts.push(h('h3', {}, t('staff_clerk.docs.notCountedHeading')));
      parts.push(
        h(
          'ul',
          { class: 'eval-not-counted' },
          notCounted.map((d) => h('li', {}, t('staff_clerk.docs.notCounted', { name: docName(byId.get(d.type) || { id: d.type }, code), reason: reasonText(d) }))),
        ),
      );
    }
    return h('div', {}, parts);
  }
  function drawDocs() {
    const list = document.getElementById(ids.docs);
    if (list) replace(list, ...docsItems());
    const ev = document.getElementById(ids.evaluation);
    if (ev) replace(ev, evaluationView());
  }
  function docsItems() {
    const code = uiLang();
    const byId = new Map((policy?.documents || []).map((d) => [d.id, d]));
    if (s.docs.length === 0) return [];
    return s.docs.map((d, i) => {
      const doc = byId.get(d.type) || { id: d.type };
      const facts = [];
      const day = (iso) => formatDate(`${iso}T12:00:00Z`, { timeZone: 'UTC', weekday: undefined, month: 'short' });
      if (d.issued) facts.push(t('staff_clerk.docs.issuedOn', { date: day(d.issued) }));
      if (d.expires) facts.push(t('staff_clerk.docs.expiresOn', { date: day(d.expires) }));
      if (d.number) facts.push(t('staff_clerk.docs.numberRecorded'));
      return h(
        'li',
        { class: 'doc-item' },
        h('span', { class: 'doc-name' }, docName(doc, code)),
        facts.length ? h('span', { class: 'sub' }, facts.join(' · ')) : null,
        h(
          'button',
          {
            type: 'button',
            class: 'secondary doc-remove',
            'aria-label': t('staff_clerk.docs.removeNamed', { name: docName(doc, code) }),
            onClick: () => {
              s.docs.splice(i, 1);
              drawDocs();
              announce(t('staff_clerk.docs.removed', { name: docName(doc, code) }));
              document.getElementById(ids.docType)?.focus();
            },
          },
          t('staff_clerk.docs.remove'),
        ),
      );
    });
  }
  function draftDoc() {
    return (policy?.documents || []).find((d) => d.id === s.draft.type) || null;
  }
  function drawDraftDates() {
    const el = document.getElementById('enroll-doc-dates');
    if (el) replace(el, ...draftDateFields());
  }
  function draftDateFields() {
    const doc = draftDoc();
    if (!doc) return [];
    const v = doc.validity || {};
    const out = [];
    if (v.issued_within_days) out.push(dateField(ids.docIssued, t('staff_clerk.docs.issued'), s.draft.issued, (x) => (s.draft.issued = x)));
    if (v.not_expired || v.expired_within_days) out.push(dateField(ids.docExpires, t('staff_clerk.docs.expires'), s.draft.expires, (x) => (s.draft.expires = x)));
    const numberHint = doc.requires_number ? t('staff_clerk.docs.numberRequired') : t('staff_clerk.docs.numberHint');
    out.push(
      field(
        ids.docNumber,
        t('staff_clerk.docs.number'),
        input(ids.docNumber, 'text', '', (x) => (s.draft.number = x), { autocomplete: 'off', spellcheck: 'false', draft: true }),
        numberHint,
      ),
    );
    return out;
  }
  function addDoc() {
    const doc = draftDoc();
    const problems = [];
    if (!doc) problems.push({ id: ids.docType, text: t('staff_clerk.docs.chooseType') });
    else {
      const v = doc.validity || {};
      if (v.issued_within_days && !s.draft.issued) problems.push({ id: ids.docIssued, text: halfDate(ids.docIssued) ? t('staff_clerk.check.realDate', { field: t('staff_clerk.docs.issued') }) : t('staff_clerk.docs.needIssued') });
      if ((v.not_expired || v.expired_within_days) && !s.draft.expires) problems.push({ id: ids.docExpires, text: halfDate(ids.docExpires) ? t('staff_clerk.check.realDate', { field: t('staff_clerk.docs.expires') }) : t('staff_clerk.docs.needExpires') });
      if (doc.requires_number && !s.draft.number.trim()) problems.push({ id: ids.docNumber, text: t('staff_clerk.docs.needNumber') });
      if (s.draft.issued && s.draft.issued > today()) problems.push({ id: ids.docIssued, text: t('staff_clerk.docs.issuedFuture') });
      if (s.draft.number.length > 64) problems.push({ id: ids.docNumber, text: t('staff_clerk.docs.numberTooLong') });
    }
    if (problems.length) {
      showErrors(problems);
      return;
    }
    s.docs.push({ type: doc.id, issued: s.draft.issued, expires: s.draft.expires, number: s.draft.number.trim() });
    forgetDate(ids.docIssued);
    forgetDate(ids.docExpires);
    // The number leaves the field at once: it is never drawn again.
    s.draft = { type: '', issued: '', expires: '', number: '' };
    errors = [];
    render();
    announce(t('staff_clerk.docs.added', { name: docName(doc, uiLang()) }));
    document.getElementById(ids.docType)?.focus();
  }

  // ---- dates: three boxes (day, month, year), as USWDS's memorable date ----
  // What was typed in each box, by field id, so that a half-typed date survives a re-draw; the
  // state keeps only the whole date ("YYYY-MM-DD", or "" while it is not a real date).
  const typedDates = new Map();
  // The boxes' order follows the page's language: month first in English (the US habit), year
  // first in Chinese, day first otherwise; each box is labelled, so the order is never a guess.
  function partOrder() {
    const l = uiLang();
    if (l === 'en') return ['month', 'day', 'year'];
    if (l === 'zh') return ['year', 'month', 'day'];
    return ['day', 'month', 'year'];
  }
  function partsOf(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
    return m ? { year: m[1], month: String(Number(m[2])), day: String(Number(m[3])) } : { year: '', month: '', day: '' };
  }
  function wholeDate(p) {
    if (!/^\d{4}$/.test(p.year) || !/^\d{1,2}$/.test(p.month) || !/^\d{1,2}$/.test(p.day)) return '';
    const y = Number(p.year);
    const mo = Number(p.month);
    const d = Number(p.day);
    const at = new Date(Date.UTC(y, mo - 1, d));
    if (y < 1900 || at.getUTCFullYear() !== y || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return '';
    return `${p.year}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }
  /** True when something was typed in the date's boxes but it is not a real date. */
  function halfDate(id) {
    const p = typedDates.get(id);
    return Boolean(p && (p.year || p.month || p.day) && !wholeDate(p));
  }
  function dateField(id, label, value, onValue, hint = null) {
    const err = errors.find((e) => e.id === id);
    if (!typedDates.has(id)) typedDates.set(id, partsOf(value));
    const typed = typedDates.get(id);
    const hintId = hint ? `${id}-hint` : null;
    const described = [hintId, err ? `${id}-error` : null].filter(Boolean).join(' ') || null;
    const order = partOrder();
    return h(
      'fieldset',
      { class: err ? 'field date-field field-error' : 'field date-field', id: `${id}-field`, 'aria-describedby': described },
      h('legend', {}, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      err ? h('p', { class: 'error-message', id: `${id}-error` }, err.text) : null,
      h(
        'div',
        { class: 'date-parts' },
        order.map((part, i) => {
          // The first box carries the field's id: error links and labels point at it.
          const pid = i === 0 ? id : `${id}-${part}`;
          return h(
            'div',
            { class: `date-part date-${part}` },
            h('label', { for: pid }, t(`staff_clerk.date.${part}`)),
            h('input', {
              id: pid,
              type: 'text',
              inputmode: 'numeric',
              autocomplete: 'off',
              maxlength: part === 'year' ? 4 : 2,
              value: typed[part],
              'aria-invalid': err ? 'true' : null,
              onInput: (e) => {
                typed[part] = e.target.value.trim();
                onValue(wholeDate(typed));
              },
            }),
          );
        }),
      ),
    );
  }
  function forgetDate(id) {
    typedDates.delete(id);
  }

  // ---- fields ----
  function input(id, type, value, onValue, extra = {}) {
    const { draft, ...attrs } = extra;
    const err = errors.find((e) => e.id === id);
    return h('input', {
      id,
      type,
      value,
      'aria-invalid': err ? 'true' : null,
      'aria-describedby': err ? `${id}-error` : attrs['aria-describedby'] || null,
      ...attrs,
      onInput: (e) => onValue(e.target.value),
    });
  }
  function field(id, label, control, hint = null) {
    const err = errors.find((e) => e.id === id);
    const hintId = hint ? `${id}-hint` : null;
    if (hintId && control.setAttribute) {
      const by = [hintId, err ? `${id}-error` : null].filter(Boolean).join(' ');
      control.setAttribute('aria-describedby', by);
    }
    return h(
      'div',
      { class: err ? 'field field-error' : 'field', id: `${id}-field` },
      h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      err ? h('p', { class: 'error-message', id: `${id}-error` }, err.text) : null,
      control,
    );
  }
  function nameInput(id, key) {
    return input(id, 'text', s[key], (v) => {
      s[key] = v;
      s.confirmed = false;
      const c = document.getElementById(ids.confirm);
      if (c) c.checked = false;
      scheduleLatin();
    }, { dir: 'auto', autocomplete: 'off', spellcheck: 'false' });
  }

  function showErrors(list) {
    errors = list;
    serverError = null;
    render();
    const box = document.getElementById(ids.error);
    box?.focus();
  }

  // ---- submit ----
  function validate() {
    const out = [];
    if (!s.given.trim() && !s.family.trim()) out.push({ id: ids.given, text: t('staff_clerk.check.name') });
    if (s.spelling === 'document' && !s.latinGiven.trim() && !s.latinFamily.trim()) out.push({ id: ids.latinGiven, text: t('staff_clerk.check.latin') });
    if (s.spelling === 'document' && /[^\x20-\x7e]/.test(s.latinGiven + s.latinFamily)) out.push({ id: ids.latinGiven, text: t('staff_clerk.check.latinAscii') });
    if (needsConfirm() && !s.confirmed) out.push({ id: ids.confirm, text: t('staff_clerk.check.confirm') });
    if (!s.dob) out.push({ id: ids.dob, text: halfDate(ids.dob) ? t('staff_clerk.check.realDate', { field: t('staff_clerk.about.dob') }) : t('staff_clerk.check.dob') });
    else if (s.dob > today()) out.push({ id: ids.dob, text: t('staff_clerk.check.dobFuture') });
    if (printed.has('address') && (!s.line1.trim() || !s.city.trim())) out.push({ id: s.line1.trim() ? ids.city : ids.line1, text: t('staff_clerk.check.address') });
    if (!s.photo) out.push({ id: ids.photo, text: t('staff_clerk.check.photo') });
    if (s.docs.length === 0) out.push({ id: ids.docType, text: t('staff_clerk.check.docs') });
    else if (policy && !evaluate(policy, presented(), today()).satisfied) out.push({ id: ids.docType, text: t('staff_clerk.check.docsNotEnough') });
    return out;
  }
  function body() {
    const b = {
      legal_name: { given: s.given.trim(), family: s.family.trim() },
      date_of_birth: s.dob,
      language: s.language,
      documents: s.docs.map((d) => {
        const x = { type: d.type };
        if (d.number) x.number = d.number;
        if (d.issued) x.issued = d.issued;
        if (d.expires) x.expires = d.expires;
        return x;
      }),
    };
    if (s.spelling === 'document') b.latin_name = { given: s.latinGiven.trim(), family: s.latinFamily.trim() };
    if (printed.has('preferred_name') && s.preferred.trim()) b.preferred_name = s.preferred.trim();
    if (printed.has('gender') && s.gender) b.gender = s.gender;
    if (printed.has('veteran')) b.veteran = s.veteran;
    if (printed.has('address')) {
      b.address = { line1: s.line1.trim(), city: s.city.trim() };
      if (s.line2.trim()) b.address.line2 = s.line2.trim();
      if (s.region.trim()) b.address.state = s.region.trim();
      if (s.postal.trim()) b.address.postal_code = s.postal.trim();
    }
    // The booking's site, or the site chosen on today's list for a walk-in; a partner's is
    // always their own (the server's default).
    const site = booking?.site || ctx.params?.site || '';
    if (site && ctx.session.staff.role !== 'partner') b.site = site;
    if (s.photo) b.photo = toBase64(s.photo.bytes);
    return b;
  }
  async function submit(e) {
    e?.preventDefault();
    if (busy) return;
    const problems = validate();
    if (problems.length) {
      showErrors(problems);
      return;
    }
    busy = true;
    const sent = body();
    const names = { given: sent.legal_name.given, family: sent.legal_name.family };
    const applicantLang = s.language;
    const submitBtn = document.getElementById(ids.submit);
    if (submitBtn) submitBtn.disabled = true;
    const res = await ctx.api('/api/v1/applications', { method: 'POST', body: sent });
    // The numbers typed for the duplicate check are dropped now, whatever the answer.
    for (const d of s.docs) d.number = '';
    sent.documents = null;
    busy = false;
    if (!alive) return;
    if (!res.ok) {
      serverError = problemText(res);
      // The documents must be added again (their numbers are gone): say so, and start that part afresh.
      if (s.docs.length > 0) serverError = `${serverError} ${t('staff_clerk.errors.docsCleared')}`;
      s.docs = [];
      errors = [];
      render();
      document.getElementById(ids.error)?.focus();
      return;
    }
    photoCtl?.stop();
    result = { answer: res.data, names, language: applicantLang, booking };
    s = blank();
    typedDates.clear();
    await renderResult();
  }

  async function renderResult() {
    const a = result.answer;
    const flagged = a.flagged_for_review || a.state === 'flagged';
    const parts = [h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff_clerk.result.heading'))];
    parts.push(
      h(
        'div',
        { class: flagged ? 'notice warn result-summary' : 'notice ok result-summary', id: ids.result },
        h('p', {}, h('strong', {}, flagged ? t('staff_clerk.result.flagged') : t('staff_clerk.result.recorded'))),
        h(
          'dl',
          { class: 'result-facts' },
          h('div', {}, h('dt', {}, t('staff_clerk.result.reference')), h('dd', { class: 'result-ref' }, a.id)),
          h('div', {}, h('dt', {}, t('staff_clerk.result.state')), h('dd', { class: 'result-state' }, t(`staff_clerk.appState.${a.state}`))),
          a.latin_name ? h('div', {}, h('dt', {}, t('staff_clerk.result.printedName')), h('dd', {}, h('bdi', {}, a.latin_name.printed))) : null,
        ),
        flagged ? h('p', { class: 'result-flag' }, flagReason(a)) : null,
      ),
    );
    parts.push(h('h2', {}, t('staff_clerk.result.receiptHeading')));
    parts.push(h('p', { class: 'hint' }, t('staff_clerk.result.receiptHint', { language: languageName(result.language) })));
    const receipt = await receiptView({ answer: a, names: result.names, language: result.language, city: policy?.city?.name || '', origin: location.origin });
    if (!alive) return;
    parts.push(receipt);
    parts.push(
      h(
        'div',
        { class: 'actions no-print' },
        h('button', { type: 'button', class: 'print-receipt', onClick: () => window.print() }, t('staff_clerk.result.print')),
        h('button', { type: 'button', class: 'secondary next-applicant', onClick: () => ctx.navigate('today', {}) }, t('staff_clerk.result.next')),
      ),
    );
    replace(root, ...parts);
    ctx.setTitle(t('staff_clerk.result.heading'));
    document.getElementById('section-heading')?.focus();
    announce(flagged ? t('staff_clerk.result.flagged') : t('staff_clerk.result.recorded'));
  }
  function flagReason(a) {
    const kinds = new Set((a.duplicates || []).map((d) => d.kind));
    if (kinds.size === 0) return t('staff_clerk.result.flagReason');
    const words = [...kinds].map((k) => t(`staff_clerk.result.kind.${k}`) || k);
    return t('staff_clerk.result.flagReasonKinds', { kinds: words.join(', ') });
  }

  // ---- the form ----
  function render() {
    if (result) {
      renderResult();
      return;
    }
    photoCtl?.stop();
    photoCtl = null;
    const parts = [h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff_clerk.enroll.heading'))];
    if (serverError) parts.push(errorBox(ids.error, serverError));
    else if (errors.length) {
      parts.push(
        h(
          'div',
          { class: 'error-summary', role: 'alert', tabindex: '-1', id: ids.error },
          h('h2', { class: 'error-title' }, t('staff_clerk.errors.summary')),
          h('ul', {}, errors.map((e) => h('li', {}, h('a', { href: `#${e.id}`, onClick: (ev) => {
            ev.preventDefault();
            document.getElementById(e.id)?.focus();
          } }, e.text)))),
        ),
      );
    }
    if (booking) {
      parts.push(
        h('p', { class: 'notice booking-notice' }, t('staff_clerk.enroll.fromBooking', { reference: booking.reference }), ' ', h('bdi', {}, booking.name)),
      );
    } else {
      parts.push(h('p', { class: 'hint' }, t('staff_clerk.enroll.walkIn')));
    }
    const form = h('form', { class: 'enroll-form', novalidate: true, onSubmit: submit });

    // Name
    const nameSet = h(
      'fieldset',
      { class: 'enroll-part' },
      h('legend', {}, h('h2', {}, t('staff_clerk.name.heading'))),
      h('p', { class: 'hint' }, t('staff_clerk.name.hint')),
      field(ids.given, t('staff_clerk.name.given'), nameInput(ids.given, 'given')),
      field(ids.family, t('staff_clerk.name.family'), nameInput(ids.family, 'family')),
    );
    if (printed.has('preferred_name')) nameSet.appendChild(field(ids.preferred, t('staff_clerk.name.preferred'), input(ids.preferred, 'text', s.preferred, (v) => (s.preferred = v), { dir: 'auto' })));
    form.appendChild(nameSet);

    // The Latin spelling
    const spellingName = newId('spelling');
    const radio = (value, label) => {
      const id = `${spellingName}-${value}`;
      return h(
        'div',
        { class: 'choice' },
        h('input', {
          type: 'radio',
          id,
          name: spellingName,
          value,
          checked: s.spelling === value,
          onChange: () => {
            s.spelling = value;
            render();
            document.getElementById(id)?.focus();
          },
        }),
        h('label', { for: id }, label),
      );
    };
    const latinSet = h(
      'fieldset',
      { class: 'enroll-part' },
      h('legend', {}, h('h2', {}, t('staff_clerk.latin.heading'))),
      h('p', { class: 'hint' }, t('staff_clerk.latin.hint')),
      radio('computed', t('staff_clerk.latin.optionComputed')),
      radio('document', t('staff_clerk.latin.optionDocument')),
    );
    if (s.spelling === 'computed') {
      latinSet.appendChild(h('div', { id: ids.preview, class: 'latin-box', 'aria-live': 'polite' }));
      const err = errors.find((x) => x.id === ids.confirm);
      latinSet.appendChild(
        h(
          'div',
          { class: err ? 'field field-error' : 'field', id: `${ids.confirm}-field`, hidden: !needsConfirm() },
          err ? h('p', { class: 'error-message', id: `${ids.confirm}-error` }, err.text) : null,
          h(
            'div',
            { class: 'choice' },
            h('input', {
              type: 'checkbox',
              id: ids.confirm,
              checked: s.confirmed,
              'aria-describedby': err ? `${ids.confirm}-error` : null,
              onChange: (e) => (s.confirmed = e.target.checked),
            }),
            h('label', { for: ids.confirm }, t('staff_clerk.latin.confirm')),
          ),
        ),
      );
    } else {
      latinSet.appendChild(field(ids.latinGiven, t('staff_clerk.latin.given'), input(ids.latinGiven, 'text', s.latinGiven, (v) => (s.latinGiven = v), { dir: 'ltr', autocomplete: 'off', spellcheck: 'false' })));
      latinSet.appendChild(field(ids.latinFamily, t('staff_clerk.latin.family'), input(ids.latinFamily, 'text', s.latinFamily, (v) => (s.latinFamily = v), { dir: 'ltr', autocomplete: 'off', spellcheck: 'false' })));
    }
    form.appendChild(latinSet);

    // About the applicant
    const about = h('fieldset', { class: 'enroll-part' }, h('legend', {}, h('h2', {}, t('staff_clerk.about.heading'))));
    about.appendChild(dateField(ids.dob, t('staff_clerk.about.dob'), s.dob, (v) => (s.dob = v)));
    if (printed.has('gender')) {
      const gName = newId('gender');
      about.appendChild(
        h(
          'fieldset',
          { class: 'field' },
          h('legend', {}, t('staff_clerk.about.gender')),
          h('p', { class: 'hint' }, t('staff_clerk.about.genderHint')),
          ['', 'F', 'M', 'X'].map((g) => {
            const id = `${gName}-${g || 'none'}`;
            return h(
              'div',
              { class: 'choice' },
              h('input', { type: 'radio', id, name: gName, value: g, checked: s.gender === g, onChange: () => (s.gender = g) }),
              h('label', { for: id }, t(`staff_clerk.about.genderOption.${g || 'none'}`)),
            );
          }),
        ),
      );
    }
    if (printed.has('veteran')) {
      about.appendChild(
        h('div', { class: 'choice' }, h('input', { type: 'checkbox', id: ids.veteran, checked: s.veteran, onChange: (e) => (s.veteran = e.target.checked) }), h('label', { for: ids.veteran }, t('staff_clerk.about.veteran'))),
      );
    }
    about.appendChild(
      field(
        ids.language,
        t('staff_clerk.about.language'),
        h(
          'select',
          { id: ids.language, onChange: (e) => (s.language = e.target.value) },
          languages.map((code) => h('option', { value: code, selected: code === s.language, lang: code }, languageName(code))),
        ),
        t('staff_clerk.about.languageHint'),
      ),
    );
    form.appendChild(about);

    if (printed.has('address')) {
      const addr = h('fieldset', { class: 'enroll-part' }, h('legend', {}, h('h2', {}, t('staff_clerk.address.heading'))));
      addr.appendChild(field(ids.line1, t('staff_clerk.address.line1'), input(ids.line1, 'text', s.line1, (v) => (s.line1 = v), { autocomplete: 'off', dir: 'auto' })));
      addr.appendChild(field(ids.line2, t('staff_clerk.address.line2'), input(ids.line2, 'text', s.line2, (v) => (s.line2 = v), { autocomplete: 'off', dir: 'auto' })));
      addr.appendChild(field(ids.city, t('staff_clerk.address.city'), input(ids.city, 'text', s.city, (v) => (s.city = v), { autocomplete: 'off', dir: 'auto' })));
      addr.appendChild(field(ids.region, t('staff_clerk.address.state'), input(ids.region, 'text', s.region, (v) => (s.region = v), { autocomplete: 'off' })));
      addr.appendChild(field(ids.postal, t('staff_clerk.address.postal'), input(ids.postal, 'text', s.postal, (v) => (s.postal = v), { autocomplete: 'off' })));
      form.appendChild(addr);
    }

    // Photo
    const photoErr = errors.find((x) => x.id === ids.photo);
    const photoBox = h('div', { class: 'photo-box' });
    const photoSet = h(
      'fieldset',
      { class: photoErr ? 'enroll-part field-error' : 'enroll-part', id: ids.photo, tabindex: '-1' },
      h('legend', {}, h('h2', {}, t('staff_clerk.photo.heading'))),
      h('p', { class: 'hint' }, t('staff_clerk.photo.hint')),
      photoErr ? h('p', { class: 'error-message' }, photoErr.text) : null,
      h('div', { class: 'photo-problem', role: 'alert' }),
      photoBox,
    );
    form.appendChild(photoSet);

    // Documents
    const code = uiLang();
    const docSet = h(
      'fieldset',
      { class: 'enroll-part docs-part' },
      h('legend', {}, h('h2', {}, t('staff_clerk.docs.heading'))),
      h('p', { class: 'hint' }, t('staff_clerk.docs.hint')),
      h('ul', { class: 'doc-list', id: ids.docs, 'aria-label': t('staff_clerk.docs.listLabel') }, docsItems()),
      field(
        ids.docType,
        t('staff_clerk.docs.type'),
        h(
          'select',
          {
            id: ids.docType,
            onChange: (e) => {
              s.draft = { type: e.target.value, issued: '', expires: '', number: '' };
              forgetDate(ids.docIssued);
              forgetDate(ids.docExpires);
              drawDraftDates();
            },
          },
          h('option', { value: '' }, t('staff_clerk.docs.choose')),
          (policy?.documents || []).map((d) => h('option', { value: d.id, selected: d.id === s.draft.type }, docName(d, code))),
        ),
      ),
      h('div', { id: 'enroll-doc-dates' }, draftDateFields()),
      h('div', { class: 'actions' }, h('button', { type: 'button', id: ids.docAdd, class: 'secondary', onClick: addDoc }, t('staff_clerk.docs.add'))),
      h('h3', {}, t('staff_clerk.docs.evaluationHeading')),
      h('div', { id: ids.evaluation, 'aria-live': 'polite' }, evaluationView()),
    );
    form.appendChild(docSet);

    form.appendChild(h('div', { class: 'actions' }, h('button', { type: 'submit', id: ids.submit, class: 'primary' }, t('staff_clerk.enroll.submit'))));
    parts.push(form);
    replace(root, ...parts);

    // Enter in the document number adds the document rather than submitting the form.
    form.addEventListener('keydown', (e) => {
      const inDraft = e.target?.closest && e.target.closest('#enroll-doc-dates');
      if (e.key === 'Enter' && inDraft) {
        e.preventDefault();
        addDoc();
      }
    });

    photoCtl = mountPhoto(photoBox, {
      initial: s.photo,
      onChange: (p) => {
        s.photo = p;
      },
      onError: (text) => {
        const el = photoSet.querySelector('.photo-problem');
        if (el) replace(el, text ? h('p', { class: 'error-message' }, text) : '');
      },
    });
    drawPreview();
  }

  render();
  if (s.given || s.family) scheduleLatin();
  ctx.onLanguageChange(() => {
    ctx.setTitle(t(result ? 'staff_clerk.result.heading' : 'staff_clerk.enroll.heading'));
    render();
  });

  return () => {
    alive = false;
    clearTimeout(latinTimer);
    photoCtl?.stop();
    photoCtl = null;
    // Forget everything typed, the photo and the answer (the access code).
    s = blank();
    typedDates.clear();
    result = null;
  };
}
