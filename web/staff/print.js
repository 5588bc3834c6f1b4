// The print station (issue 17): issued cards not yet printed, oldest first; one card's PDF or a
// batch sheet (A4/Letter, 10 cards a page, duplex backs); then "mark printed", which applies
// the policy's after-print retention (the address leaves the record). The list holds card
// numbers and dates only (GET /api/v1/print-queue); a PDF is the only personal data the page
// ever holds, as a blob: URL that is revoked when replaced, after a while, or on unmount.
import { h, replace } from '../common/dom.js';
import { formatDate, t } from '../common/i18n.js';
import { cardErrorText, ltr, pdfLink } from './desk_common.js';

// How long a downloaded PDF stays reachable through its link before its blob: URL is revoked.
const PDF_LINK_MS = 120000;
// Cards one POST /api/v1/print-sheets takes (the server's kMaxBatchCards, routes_print.cc).
const MAX_SHEET_CARDS = 50;

export function mountPrint(root, ctx) {
  const state = {
    cards: null, // [{number, formatted, issued_on, expires_on}] or null while loading
    more: false,
    selected: new Set(),
    confirming: null, // the number whose "mark printed" awaits confirmation
    busy: false,
    error: null, // { text } shown in the error summary
    done: null, // { kind, number, count } the last result
    sheet: 'a4',
    highlight: ctx.params && typeof ctx.params.card === 'string' ? ctx.params.card : null,
  };
  const pdf = { url: null, timer: null, name: '', label: '' };
  let alive = true;
  let focusAfter = null;

  function forgetPdf() {
    if (pdf.url) URL.revokeObjectURL(pdf.url);
    if (pdf.timer) clearTimeout(pdf.timer);
    pdf.url = null;
    pdf.timer = null;
  }

  function offerPdf(blob, name, label) {
    forgetPdf();
    pdf.url = URL.createObjectURL(blob);
    pdf.name = name;
    pdf.label = label;
    pdf.timer = setTimeout(() => {
      forgetPdf();
      // Only the link goes (a redraw would move the reader's focus).
      root.querySelector('a.pdf-link')?.remove();
    }, PDF_LINK_MS);
    // Start the download at once; the link stays for a second try while the URL lives.
    const a = h('a', { href: pdf.url, download: name, class: 'visually-hidden', tabindex: '-1' });
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  async function load(focus) {
    state.cards = null;
    draw();
    const answer = await ctx.api('/api/v1/print-queue');
    if (!alive) return;
    if (!answer.ok) {
      state.cards = [];
      state.error = { text: cardErrorText(answer) };
      focusAfter = 'error';
      draw();
      return;
    }
    state.cards = answer.data.cards;
    state.more = !!answer.data.more;
    const numbers = new Set(state.cards.map((c) => c.number));
    for (const n of [...state.selected]) if (!numbers.has(n)) state.selected.delete(n);
    focusAfter = focus || null;
    draw();
  }

  async function printOne(card) {
    if (state.busy) return;
    state.busy = true;
    state.error = null;
    draw();
    const answer = await ctx.blob(`/api/v1/cards/${card.number}/print.pdf?reason=new_card`);
    state.busy = false;
    if (!alive) return;
    if (!answer.ok) {
      state.error = { text: cardErrorText(answer) };
      focusAfter = 'error';
    } else {
      offerPdf(answer.blob, `card-${card.number}.pdf`, t('staff_desk.print.pdfOne', { number: ltr(card.formatted) }));
      state.done = { kind: 'downloaded', number: ltr(card.formatted) };
      focusAfter = 'done';
    }
    draw();
  }

  async function printSheet() {
    if (state.busy) return;
    state.error = null;
    if (state.selected.size === 0) {
      state.error = { text: t('staff_desk.print.noneSelected') };
      focusAfter = 'error';
      draw();
      return;
    }
    const cards = state.cards.filter((c) => state.selected.has(c.number)).map((c) => c.number);
    if (cards.length > MAX_SHEET_CARDS) {
      state.error = { text: t('staff_desk.print.tooMany', { max: MAX_SHEET_CARDS, count: cards.length }) };
      focusAfter = 'error';
      draw();
      return;
    }
    state.busy = true;
    draw();
    const answer = await ctx.blob('/api/v1/print-sheets', {
      method: 'POST',
      body: { cards, sheet: state.sheet, reason: 'new_card' },
    });
    state.busy = false;
    if (!alive) return;
    if (!answer.ok) {
      state.error = { text: cardErrorText(answer) };
      focusAfter = 'error';
    } else {
      offerPdf(answer.blob, `cards-${state.sheet}.pdf`, t('staff_desk.print.pdfSheet', { count: cards.length }));
      state.done = { kind: 'sheet', count: cards.length };
      focusAfter = 'done';
    }
    draw();
  }

  async function markPrinted(card) {
    if (state.busy) return;
    state.busy = true;
    state.error = null;
    draw();
    const answer = await ctx.api(`/api/v1/cards/${card.number}/printed`, { method: 'POST', body: {} });
    state.busy = false;
    if (!alive) return;
    state.confirming = null;
    if (!answer.ok) {
      state.error = { text: cardErrorText(answer) };
      focusAfter = 'error';
      draw();
      return;
    }
    state.selected.delete(card.number);
    state.cards = state.cards.filter((c) => c.number !== card.number);
    state.done = { kind: 'printed', number: ltr(card.formatted) };
    focusAfter = 'done';
    draw();
  }

  function errorSummary() {
    if (!state.error) return null;
    return h(
      'div',
      { class: 'error-summary', id: 'print-error', role: 'alert', tabindex: '-1', 'aria-labelledby': 'print-error-title' },
      h('h2', { id: 'print-error-title', class: 'error-title' }, t('staff_desk.errors.summary')),
      h('p', {}, state.error.text),
    );
  }

  function doneNotice() {
    if (!state.done) return null;
    const d = state.done;
    let text;
    if (d.kind === 'printed') text = t('staff_desk.print.marked', { number: d.number });
    else if (d.kind === 'sheet') text = t('staff_desk.print.sheetReady', { count: d.count });
    else text = t('staff_desk.print.downloaded', { number: d.number });
    return h(
      'div',
      { class: 'notice ok', id: 'print-done', role: 'status', tabindex: '-1' },
      h('p', {}, text),
      d.kind !== 'printed' ? h('p', {}, t('staff_desk.print.thenMark')) : null,
      d.kind !== 'printed' && pdf.url ? h('p', {}, pdfLink(pdf.url, pdf.name, pdf.label)) : null,
    );
  }

  function cardItem(card) {
    const checkId = `print-select-${card.number}`;
    const confirming = state.confirming === card.number;
    const highlighted = state.highlight === card.number;
    return h(
      'li',
      { class: `print-card${highlighted ? ' highlight' : ''}`, 'data-card': card.number },
      h(
        'div',
        { class: 'choice print-choice' },
        h('input', {
          type: 'checkbox',
          id: checkId,
          checked: state.selected.has(card.number),
          onChange: (e) => {
            if (e.target.checked) state.selected.add(card.number);
            else state.selected.delete(card.number);
          },
        }),
        h(
          'label',
          { for: checkId },
          h('span', { class: 'visually-hidden' }, t('staff_desk.print.selectPrefix')),
          h('span', { class: 'card-number', dir: 'ltr' }, card.formatted),
        ),
      ),
      h(
        'p',
        { class: 'print-meta' },
        t('staff_desk.print.issuedOn', { date: formatDate(`${card.issued_on}T12:00:00Z`, { timeZone: 'UTC' }) }),
        highlighted ? h('strong', { class: 'print-new' }, ` ${t('staff_desk.print.justIssued')}`) : null,
      ),
      confirming
        ? h(
            'div',
            { class: 'print-confirm', role: 'group', 'aria-labelledby': `confirm-${card.number}` },
            h('p', { id: `confirm-${card.number}` }, t('staff_desk.print.confirm', { number: ltr(card.formatted) })),
            h(
              'div',
              { class: 'actions' },
              h(
                'button',
                { type: 'button', id: `confirm-yes-${card.number}`, disabled: state.busy, onClick: () => markPrinted(card) },
                t('staff_desk.print.confirmYes'),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onClick: () => {
                    state.confirming = null;
                    focusAfter = `mark-${card.number}`;
                    draw();
                  },
                },
                t('staff_desk.common.cancel'),
              ),
            ),
          )
        : h(
            'div',
            { class: 'actions' },
            h(
              'button',
              { type: 'button', class: 'secondary', disabled: state.busy, onClick: () => printOne(card) },
              t('staff_desk.print.download'),
              h('span', { class: 'visually-hidden' }, ` ${t('staff_desk.print.forCard', { number: card.formatted })}`),
            ),
            h(
              'button',
              {
                type: 'button',
                id: `mark-${card.number}`,
                disabled: state.busy,
                onClick: () => {
                  state.confirming = card.number;
                  focusAfter = `confirm-yes-${card.number}`;
                  draw();
                },
              },
              t('staff_desk.print.mark'),
              h('span', { class: 'visually-hidden' }, ` ${t('staff_desk.print.forCard', { number: card.formatted })}`),
            ),
          ),
    );
  }

  function queueView() {
    if (state.cards === null) return h('p', { class: 'hint', role: 'status' }, t('staff_desk.common.loading'));
    if (state.cards.length === 0) return h('p', { class: 'notice', id: 'print-empty' }, t('staff_desk.print.empty'));
    const sheetId = 'print-sheet-size';
    return [
      h('p', { class: 'hint', id: 'print-count' }, t('staff_desk.print.count', { count: state.cards.length })),
      state.more ? h('p', { class: 'notice warn' }, t('staff_desk.print.more')) : null,
      h('ul', { class: 'print-queue', 'aria-labelledby': 'print-queue-heading' }, state.cards.map(cardItem)),
      h(
        'section',
        { class: 'print-batch', 'aria-labelledby': 'print-batch-heading' },
        h('h2', { id: 'print-batch-heading' }, t('staff_desk.print.batchHeading')),
        h('p', { class: 'hint' }, t('staff_desk.print.batchHint')),
        h(
          'div',
          { class: 'field' },
          h('label', { for: sheetId }, t('staff_desk.print.sheetSize')),
          h(
            'select',
            {
              id: sheetId,
              onChange: (e) => {
                state.sheet = e.target.value;
              },
            },
            h('option', { value: 'a4', selected: state.sheet === 'a4' }, t('staff_desk.print.a4')),
            h('option', { value: 'letter', selected: state.sheet === 'letter' }, t('staff_desk.print.letter')),
          ),
        ),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', id: 'print-sheet', disabled: state.busy, onClick: printSheet }, t('staff_desk.print.sheetButton')),
        ),
      ),
    ];
  }

  function draw() {
    if (!alive) return;
    ctx.setTitle(t('staff.nav.print'));
    replace(
      root,
      h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.print')),
      h('p', { class: 'lead' }, t('staff_desk.print.intro')),
      errorSummary(),
      doneNotice(),
      h(
        'div',
        { class: 'print-head' },
        h('h2', { id: 'print-queue-heading' }, t('staff_desk.print.queueHeading')),
        h(
          'button',
          { type: 'button', class: 'secondary', id: 'print-refresh', disabled: state.busy, onClick: () => load('refresh') },
          t('staff_desk.print.refresh'),
        ),
      ),
      queueView(),
    );
    const f = focusAfter;
    focusAfter = null;
    if (f === 'error') document.getElementById('print-error')?.focus();
    else if (f === 'done') document.getElementById('print-done')?.focus();
    else if (f === 'refresh') document.getElementById('print-refresh')?.focus();
    else if (f) document.getElementById(f)?.focus();
  }

  ctx.onLanguageChange(() => draw());
  load(null);

  return () => {
    alive = false;
    forgetPdf();
    state.cards = null;
    state.selected.clear();
  };
}
