// The data-request register (core/register.h, docs/transparency.md): every subpoena, warrant,
// court order or records request, and what the city answered. Auditors read it; admins also
// record requests and their answers. Entries describe requests, never applicants; the server
// refuses text that holds an identifier, and the page says so in plain words.
import { h, newId, replace, announce } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { errorSlot, field, num, resultSlot, sentenceFor } from './records_common.js';

const KINDS = ['subpoena', 'warrant', 'court_order', 'records_request', 'other'];
const RESPONSES = ['pending', 'refused', 'narrowed', 'complied', 'withdrawn'];
const DISCLOSED = ['aggregate_counts', 'application_status', 'card_status', 'enrollment_dates', 'enrollment_site', 'person_record', 'photo', 'access_log'];

function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** "2026-12-01" in the reader's locale, without shifting the day by a time zone. */
function day(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text || '')) return text || '';
  const [y, m, d] = text.split('-').map(Number);
  return new Intl.DateTimeFormat(document.documentElement.lang || 'en', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function mountRegisterSection(root, ctx) {
  let alive = true;
  const canWrite = ctx.session?.staff?.role === 'admin';
  let entries = null; // [] | { error }
  const filter = { kind: '', response: '' };
  let answering = null; // the entry whose answer form is open
  const listError = errorSlot();
  const listResult = resultSlot();
  const recordError = errorSlot();
  const recordResult = resultSlot();
  let listSlot = h('div');
  let recordForm = null;

  function draw() {
    ctx.setTitle(t('staff.nav.register'));
    recordForm = canWrite ? buildRecordForm() : null;
    replace(
      root,
      h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.register')),
      h('p', {}, t('staff_records.register.intro')),
      canWrite ? null : h('p', { class: 'notice', id: 'reg-readonly' }, t('staff_records.register.readOnly')),
      h('h2', { id: 'reg-list-h' }, t('staff_records.register.listHeading')),
      filters(),
      listError.el,
      listResult.el,
      (listSlot = h('div', { id: 'reg-list' }, list())),
      recordForm,
    );
  }

  function filters() {
    const kind = field({
      label: t('staff_records.register.filterKind'),
      kind: 'select',
      options: [['', t('staff_records.register.all')], ...KINDS.map((k) => [k, t(`staff_records.register.kinds.${k}`)])],
    });
    const response = field({
      label: t('staff_records.register.filterResponse'),
      kind: 'select',
      options: [['', t('staff_records.register.all')], ...RESPONSES.map((r) => [r, t(`staff_records.register.responses.${r}`)])],
    });
    kind.input.value = filter.kind;
    response.input.value = filter.response;
    const apply = () => {
      filter.kind = kind.input.value;
      filter.response = response.input.value;
      refreshList();
      if (Array.isArray(entries)) announce(t('staff_records.register.showing', { count: shown().length }));
    };
    kind.input.addEventListener('change', apply);
    response.input.addEventListener('change', apply);
    return h('div', { class: 'rec-filters', role: 'group', 'aria-label': t('staff_records.register.filters') }, kind.wrap, response.wrap);
  }

  function shown() {
    return entries.filter((e) => (!filter.kind || e.kind === filter.kind) && (!filter.response || e.response === filter.response));
  }

  function refreshList() {
    replace(listSlot, list());
  }

  function list() {
    if (entries === null) return h('p', { class: 'rec-loading' }, t('staff_records.loading'));
    if (entries.error) return h('p', { class: 'notice bad' }, entries.error);
    const rows = shown();
    if (!entries.length) return h('p', { id: 'reg-empty' }, t('staff_records.register.none'));
    if (!rows.length) return h('p', { id: 'reg-empty' }, t('staff_records.register.noneMatch'));
    const cols = ['received', 'kind', 'body', 'basis', 'scope', 'answer', 'disclosed', 'persons'];
    return [
      h(
        'div',
        { class: 'rec-table-wrap', tabindex: '0', role: 'region', 'aria-label': t('staff_records.register.caption', { count: rows.length }) },
        h(
          'table',
          { id: 'reg-table' },
          h('caption', {}, t('staff_records.register.caption', { count: rows.length })),
          h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(`staff_records.register.columns.${c}`))), canWrite ? h('th', { scope: 'col' }, t('staff_records.register.columns.action')) : null)),
          h(
            'tbody',
            {},
            rows.map((e) =>
              h(
                'tr',
                { 'data-id': e.id },
                h('td', {}, day(e.received_on)),
                h('td', {}, t(`staff_records.register.kinds.${e.kind}`)),
                h('td', {}, h('bdi', {}, e.requesting_body)),
                h('td', {}, h('bdi', {}, e.legal_basis)),
                h('td', { class: 'reg-scope' }, h('bdi', {}, e.scope)),
                h(
                  'td',
                  {},
                  h('strong', { class: `reg-response reg-response-${e.response}` }, t(`staff_records.register.responses.${e.response}`)),
                  e.responded_on ? [h('br'), day(e.responded_on)] : null,
                ),
                h('td', {}, e.disclosed && e.disclosed.length ? e.disclosed.map((d) => t(`staff_records.register.disclosed.${d}`)).join(', ') : t('staff_records.register.nothing')),
                h('td', {}, num(e.persons_covered || 0)),
                canWrite
                  ? h(
                      'td',
                      {},
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'secondary',
                          'aria-label': t('staff_records.register.answerFor', {
                            action: e.response === 'pending' ? t('staff_records.register.answer') : t('staff_records.register.correct'),
                            date: day(e.received_on),
                            body: e.requesting_body,
                          }),
                          onClick: () => {
                            answering = e;
                            listError.hide();
                            listResult.hide();
                            refreshList();
                            document.getElementById('reg-answer-h')?.focus();
                          },
                        },
                        e.response === 'pending' ? t('staff_records.register.answer') : t('staff_records.register.correct'),
                      ),
                    )
                  : null,
              ),
            ),
          ),
        ),
      ),
      canWrite && answering ? answerForm(answering) : null,
    ];
  }

  function answerForm(e) {
    const response = field({
      label: t('staff_records.register.response'),
      kind: 'select',
      options: RESPONSES.filter((r) => r !== 'pending').map((r) => [r, t(`staff_records.register.responses.${r}`)]),
    });
    if (e.response !== 'pending') response.input.value = e.response;
    const responded = field({ label: t('staff_records.register.respondedOn'), attrs: { type: 'date', max: today(), min: e.received_on, value: e.responded_on || today() } });
    const persons = field({
      label: t('staff_records.register.personsCovered'),
      hint: t('staff_records.register.personsHint'),
      attrs: { type: 'number', min: 0, step: 1, inputmode: 'numeric', value: String(e.persons_covered || 0) },
    });
    const boxes = DISCLOSED.map((d) => {
      const id = newId('reg-disc');
      const box = h('input', { type: 'checkbox', id, value: d, checked: (e.disclosed || []).includes(d) });
      return { box, wrap: h('div', { class: 'choice' }, box, h('label', { for: id }, t(`staff_records.register.disclosed.${d}`))) };
    });
    return h(
      'form',
      {
        class: 'rec-form',
        id: 'reg-answer-form',
        novalidate: true,
        onSubmit: async (ev) => {
          ev.preventDefault();
          listError.hide();
          listResult.hide();
          const count = Number.parseInt(persons.input.value || '0', 10);
          if (!Number.isFinite(count) || count < 0) {
            listError.show(t('staff_records.register.personsInvalid'));
            return;
          }
          const body = {
            response: response.input.value,
            responded_on: responded.input.value,
            disclosed: boxes.filter((b) => b.box.checked).map((b) => b.box.value),
            persons_covered: count,
          };
          const answer = await ctx.api(`/api/v1/data-requests/${encodeURIComponent(e.id)}/answer`, { method: 'POST', body });
          if (!alive) return;
          if (!answer.ok) {
            listError.show(sentenceFor(answer, { 'invalid-argument': 'staff_records.register.answerInvalid' }));
            return;
          }
          answering = null;
          await load();
          listResult.show(t('staff_records.register.answered', { response: t(`staff_records.register.responses.${body.response}`) }));
        },
      },
      h('h3', { id: 'reg-answer-h', tabindex: '-1' }, t('staff_records.register.answerHeading', { date: day(e.received_on) }), ' ', h('bdi', {}, e.requesting_body)),
      response.wrap,
      responded.wrap,
      h('fieldset', {}, h('legend', {}, t('staff_records.register.disclosedLegend')), h('p', { class: 'hint' }, t('staff_records.register.disclosedHint')), boxes.map((b) => b.wrap)),
      persons.wrap,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, t('staff_records.register.saveAnswer')),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onClick: () => {
              answering = null;
              refreshList();
            },
          },
          t('staff_records.cancel'),
        ),
      ),
    );
  }

  function buildRecordForm() {
    const kind = field({ label: t('staff_records.register.kind'), kind: 'select', options: KINDS.map((k) => [k, t(`staff_records.register.kinds.${k}`)]) });
    const received = field({ label: t('staff_records.register.receivedOn'), attrs: { type: 'date', max: today(), value: today() } });
    const body = field({ label: t('staff_records.register.requestingBody'), hint: t('staff_records.register.requestingBodyHint'), attrs: { maxlength: 200 } });
    const basis = field({ label: t('staff_records.register.legalBasis'), hint: t('staff_records.register.legalBasisHint'), attrs: { maxlength: 300 } });
    const scope = field({ label: t('staff_records.register.scope'), hint: t('staff_records.register.scopeHint'), kind: 'textarea', attrs: { maxlength: 1000 } });
    return h(
      'form',
      {
        class: 'rec-form',
        id: 'reg-record-form',
        'aria-labelledby': 'reg-record-h',
        novalidate: true,
        onSubmit: async (ev) => {
          ev.preventDefault();
          recordError.hide();
          recordResult.hide();
          const payload = {
            kind: kind.input.value,
            received_on: received.input.value,
            requesting_body: body.input.value.trim(),
            legal_basis: basis.input.value.trim(),
            scope: scope.input.value.trim(),
          };
          if (!payload.received_on || !payload.requesting_body || !payload.legal_basis || !payload.scope) {
            recordError.show(t('staff_records.register.fillAll'));
            return;
          }
          const answer = await ctx.api('/api/v1/data-requests', { method: 'POST', body: payload });
          if (!alive) return;
          if (!answer.ok) {
            recordError.show(sentenceFor(answer, { 'invalid-argument': 'staff_records.register.identifiers' }));
            return;
          }
          body.input.value = '';
          basis.input.value = '';
          scope.input.value = '';
          await load();
          recordResult.show(t('staff_records.register.recorded'));
        },
      },
      h('h2', { id: 'reg-record-h' }, t('staff_records.register.recordHeading')),
      h('p', {}, t('staff_records.register.recordIntro')),
      recordError.el,
      recordResult.el,
      kind.wrap,
      received.wrap,
      body.wrap,
      basis.wrap,
      scope.wrap,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('staff_records.register.record'))),
    );
  }

  async function load() {
    const answer = await ctx.api('/api/v1/data-requests');
    if (!alive) return;
    entries = answer.ok ? answer.data.data_requests : { error: sentenceFor(answer) };
    if (answering && Array.isArray(entries)) answering = entries.find((e) => e.id === answering.id) || null;
    refreshList();
  }

  draw();
  ctx.onLanguageChange(draw);
  load();
  return () => {
    alive = false;
    entries = null;
    answering = null;
  };
}
