// Decisions (supervisor, admin): the queue of applications waiting for a decision, possible
// duplicates first; opening one with a stated reason (logged by POST /api/v1/persons/{id}/read);
// a flagged application side by side with the application it matched (read with its own
// reason); approve or reject with a reason; issue the card of an approved application, then on
// to the print station.
//
// What the page holds: the queue (states, sites, times and flags: no personal data, as the API
// gives it), and while an application is open, the records read for it and their photos as
// blob: URLs. Going back to the queue, a language-independent sign-out or leaving the section
// forgets the records and revokes the URLs. Nothing is put in the URL or the browser's storage.
import { announce, h, newId, replace } from '../common/dom.js';
import { formatAge, t } from '../common/i18n.js';
import { comparison, photoUrl, recordDetails } from './supervisor_record.js';
import {
  DECIDABLE,
  READ_CATEGORIES,
  REJECT_CATEGORIES,
  failureSentence,
  fitsReason,
  flagKinds,
  flagWords,
  matchedApplications,
  readReason,
  stateWords,
} from './supervisor_words.js';

const WAITING_STATES = ['flagged', 'documents_checked', 'in_review'];
const WORDS_MAX = 300;

const k = (key, params) => t(`staff_decide.${key}`, params);

export function mountQueue(root, ctx) {
  ctx.setTitle(k('heading'));
  const st = {
    view: 'queue', // queue | open | review
    loading: true,
    waiting: [],
    approved: [],
    loadError: null,
    error: null, // the error summary's sentence
    notice: null, // { text, card } after a decision or an issue in the queue
    openId: null, // the application being opened (view "open")
    mainId: null, // the application under review
    otherIds: [], // the applications it matched, or flagged applications that matched it
    matchedBy: new Map(), // id -> flagged applications in the queue that name it
    relations: new Map(), // other id -> { relation: 'matched' | 'matchedBy', kinds }
    apps: new Map(), // id -> application row (no personal data)
    records: new Map(), // id -> { record, photo } (personal data: forgotten on leaving review)
    readForms: new Map(), // id -> { category, words }
    decisions: new Map(), // id -> { choice, category, words, message, card }
    busy: false,
  };
  let alive = true;

  // ---- state changes ----

  function forgetRecords() {
    for (const { photo } of st.records.values()) if (photo) URL.revokeObjectURL(photo);
    st.records.clear();
    st.readForms.clear();
    st.decisions.clear();
    st.apps.clear();
    st.mainId = null;
    st.otherIds = [];
    st.relations.clear();
    st.openId = null;
  }

  async function loadQueue(focus) {
    st.loading = true;
    st.loadError = null;
    render(focus);
    const answers = await Promise.all(
      [...WAITING_STATES, 'approved'].map((s) => ctx.api(`/api/v1/applications?state=${s}`)),
    );
    if (!alive) return;
    st.loading = false;
    const failed = answers.find((a) => !a.ok);
    if (failed) {
      st.loadError = failureSentence(failed, 'load');
      st.waiting = [];
      st.approved = [];
      render('decide-error');
      return;
    }
    const list = (a) => (Array.isArray(a.data?.applications) ? a.data.applications : []);
    const oldest = (a, b) => a.created_at - b.created_at;
    // Possible duplicates first, then the rest; the oldest first within each.
    st.waiting = [...list(answers[0]).sort(oldest), ...[...list(answers[1]), ...list(answers[2])].sort(oldest)];
    st.approved = list(answers[3]).sort((a, b) => a.updated_at - b.updated_at);
    // The other side of each flag: an application a flagged one matched says so too, so the
    // supervisor who opens it first still sees the pair.
    st.matchedBy = new Map();
    for (const app of list(answers[0])) {
      for (const { id } of matchedApplications(app)) {
        if (!st.matchedBy.has(id)) st.matchedBy.set(id, []);
        st.matchedBy.get(id).push(app.id);
      }
    }
    render();
    announce(k('queue.count', { count: st.waiting.length }));
  }

  function backToQueue() {
    forgetRecords();
    st.view = 'queue';
    st.error = null;
    loadQueue('decide-queue-heading');
  }

  function startOpen(app) {
    st.notice = null;
    st.error = null;
    st.openId = app.id;
    st.apps.set(app.id, app);
    st.readForms.set(app.id, { category: '', words: '' });
    st.view = 'open';
    render('decide-view-heading');
  }

  // Reads `id`'s record with the reason of its form; true when it was read.
  async function readRecord(id, matched) {
    const form = st.readForms.get(id) || { category: '', words: '' };
    const words = form.words.trim();
    if (!READ_CATEGORIES.includes(form.category)) return fail(k('errors.chooseCategory'));
    if (form.category === 'other' && !words) return fail(k('errors.otherWords'));
    const reason = readReason(form.category, words, matched);
    if (!fitsReason(reason)) return fail(k('errors.reasonRefused'));
    // The application again (its state may have changed), then the person it names.
    const fresh = await ctx.api(`/api/v1/applications/${encodeURIComponent(id)}`);
    if (!alive) return false;
    if (!fresh.ok) return fail(failureSentence(fresh, 'read'));
    const read = await ctx.api(`/api/v1/persons/${encodeURIComponent(fresh.data.person_id)}/read`, {
      method: 'POST',
      body: { reason },
    });
    if (!alive) return false;
    if (!read.ok) return fail(failureSentence(read, 'read'));
    const record = read.data.record || {};
    const photo = photoUrl(record);
    delete record.photo; // the blob: URL holds the image now
    st.apps.set(id, fresh.data);
    st.records.set(id, { record, photo });
    st.readForms.delete(id);
    return true;
  }

  async function openMain() {
    if (st.busy) return;
    const id = st.openId;
    st.error = null;
    st.busy = true;
    const ok = await readRecord(id, false);
    st.busy = false;
    if (!alive || !ok) return;
    st.mainId = id;
    st.otherIds = [];
    st.relations.clear();
    // The applications it matched, and the flagged ones that matched it: their states (no
    // personal data) until each is opened with a reason.
    const others = matchedApplications(st.apps.get(id)).map((m) => ({ id: m.id, relation: 'matched', kinds: m.kinds }));
    for (const flagged of st.matchedBy.get(id) || []) {
      if (!others.some((o) => o.id === flagged)) others.push({ id: flagged, relation: 'matchedBy', kinds: null });
    }
    for (const other of others) {
      const answer = await ctx.api(`/api/v1/applications/${encodeURIComponent(other.id)}`);
      if (!alive) return;
      if (!answer.ok) continue; // gone meanwhile: nothing to compare
      const kinds =
        other.kinds ||
        (answer.data.flags || []).filter((f) => (f.other_applications || []).includes(id)).map((f) => f.kind);
      st.apps.set(other.id, answer.data);
      st.otherIds.push(other.id);
      st.relations.set(other.id, { relation: other.relation, kinds });
      st.readForms.set(other.id, { category: 'duplicate', words: '' });
    }
    st.view = 'review';
    render('decide-view-heading');
  }

  async function openMatched(id) {
    if (st.busy) return;
    st.error = null;
    st.busy = true;
    const ok = await readRecord(id, true);
    st.busy = false;
    if (!alive || !ok) return;
    render(`panel-heading-${id}`);
    announce(k('review.heading', { ref: id }));
  }

  async function decide(id) {
    if (st.busy) return;
    const d = st.decisions.get(id) || {};
    const app = st.apps.get(id);
    const words = (d.words || '').trim();
    st.error = null;
    if (d.choice !== 'approve' && d.choice !== 'reject') return fail(k('errors.chooseDecision'));
    if (d.choice === 'reject' && !REJECT_CATEGORIES.includes(d.category)) return fail(k('errors.chooseRejectCategory'));
    if (d.choice === 'reject' && !words) return fail(k('errors.reasonReject'));
    if (d.choice === 'approve' && app.state === 'flagged' && !words) return fail(k('errors.reasonFlagged'));
    if (!fitsReason(words)) return fail(k('errors.reasonRefused'));
    const body = d.choice === 'reject' ? { reason: words, category: d.category } : words ? { reason: words } : {};
    st.busy = true;
    const answer = await ctx.api(`/api/v1/applications/${encodeURIComponent(id)}/${d.choice}`, { method: 'POST', body });
    st.busy = false;
    if (!alive) return;
    if (!answer.ok) return fail(failureSentence(answer, d.choice));
    st.apps.set(id, answer.data);
    // Messages are kept as keys, so a language switch redraws them in the new language.
    st.decisions.set(id, { message: [d.choice === 'approve' ? 'decide.approved' : 'decide.rejected', { ref: id }] });
    render(`panel-status-${id}`);
  }

  async function issue(id, where) {
    if (st.busy) return;
    st.error = null;
    st.busy = true;
    const answer = await ctx.api(`/api/v1/applications/${encodeURIComponent(id)}/issue`, { method: 'POST', body: {} });
    st.busy = false;
    if (!alive) return;
    if (!answer.ok) return fail(failureSentence(answer, 'issue'));
    const card = { number: answer.data.card_number, formatted: answer.data.formatted || answer.data.card_number };
    const text = ['decide.issued', { card: card.formatted, ref: id }];
    if (where === 'queue') {
      st.notice = { text, card };
      st.approved = st.approved.filter((a) => a.id !== id);
      render('decide-notice');
      return;
    }
    const app = st.apps.get(id);
    if (app) st.apps.set(id, { ...app, state: 'issued' });
    st.decisions.set(id, { message: text, card });
    render(`panel-status-${id}`);
  }

  function fail(sentence) {
    st.busy = false;
    st.error = sentence;
    if (alive) render('decide-error');
    return false;
  }

  // ---- drawing ----

  function errorSummary() {
    const text = st.error || st.loadError;
    if (!text) return null;
    return h(
      'div',
      { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'decide-error' },
      h('h2', {}, k('errors.summary')),
      h('p', {}, text),
    );
  }

  function toPrint(card) {
    return h(
      'button',
      { type: 'button', class: 'secondary', onClick: () => ctx.navigate('print', { card: card.number }) },
      k('decide.toPrint'),
    );
  }

  function fact(label, value) {
    return h('div', {}, h('dt', {}, label), h('dd', {}, value));
  }

  function flagList(kinds) {
    return h('ul', { class: 'flag-reasons' }, kinds.map((kind) => h('li', {}, flagWords(kind))));
  }

  function evaluationWords(app) {
    const e = app.evaluation;
    if (!e || typeof e.satisfied !== 'boolean') return null;
    return e.satisfied ? k('evaluation.satisfied') : k('evaluation.unsatisfied');
  }

  function ref(id) {
    return h('span', { class: 'ref', dir: 'ltr' }, id);
  }

  function queueItem(app) {
    const headingId = newId('queue-item');
    const flagged = app.state === 'flagged';
    const now = Date.now() / 1000;
    const docs = evaluationWords(app);
    return h(
      'li',
      { class: `queue-item${flagged ? ' flagged' : ''}`, 'data-application': app.id },
      h('h3', { id: headingId }, h('span', { class: 'state-word' }, stateWords(app.state)), ' ', ref(app.id)),
      h(
        'dl',
        { class: 'facts' },
        flagged ? fact(k('queue.flag'), flagList(flagKinds(app))) : null,
        !flagged && st.matchedBy.has(app.id)
          ? fact(k('queue.matchedBy'), h('ul', { class: 'flag-reasons' }, st.matchedBy.get(app.id).map((id) => h('li', {}, ref(id)))))
          : null,
        fact(k('queue.site'), h('bdi', {}, app.site || '—')),
        fact(k('queue.enrolled'), formatAge(now - app.created_at)),
        docs ? fact(k('queue.documents'), docs) : null,
      ),
      app.held ? h('p', { class: 'hint' }, k('queue.held')) : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', disabled: st.busy, onClick: () => startOpen(app) }, k('queue.open', { ref: app.id })),
      ),
    );
  }

  function approvedItem(app) {
    const now = Date.now() / 1000;
    return h(
      'li',
      { class: 'queue-item', 'data-application': app.id },
      h('h3', {}, h('span', { class: 'state-word' }, stateWords(app.state)), ' ', ref(app.id)),
      h(
        'dl',
        { class: 'facts' },
        fact(k('queue.site'), h('bdi', {}, app.site || '—')),
        fact(k('queue.decidedAt'), formatAge(now - app.updated_at)),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', disabled: st.busy, onClick: () => issue(app.id, 'queue') }, k('queue.issue', { ref: app.id })),
      ),
    );
  }

  function queueView() {
    const out = [h('p', {}, k('intro'))];
    if (st.notice) {
      out.push(
        h(
          'div',
          { class: 'notice ok', role: 'status', tabindex: '-1', id: 'decide-notice' },
          h('p', {}, k(...st.notice.text)),
          st.notice.card ? h('div', { class: 'actions' }, toPrint(st.notice.card)) : null,
        ),
      );
    }
    out.push(errorSummary());
    out.push(
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', id: 'decide-refresh', onClick: () => loadQueue('decide-queue-heading') }, k('refresh')),
      ),
    );
    out.push(h('h2', { id: 'decide-queue-heading', tabindex: '-1' }, k('queue.waiting')));
    if (st.loading) {
      out.push(h('p', { role: 'status' }, k('loading')));
      return out;
    }
    if (st.loadError) return out;
    out.push(h('p', { class: 'hint', id: 'decide-count' }, k('queue.count', { count: st.waiting.length })));
    out.push(
      st.waiting.length
        ? h('ol', { class: 'queue-list', id: 'decide-waiting' }, st.waiting.map(queueItem))
        : h('p', { class: 'notice' }, k('queue.empty')),
    );
    out.push(h('h2', {}, k('queue.approved')));
    out.push(
      st.approved.length
        ? h('ol', { class: 'queue-list', id: 'decide-approved' }, st.approved.map(approvedItem))
        : h('p', { class: 'notice' }, k('queue.approvedEmpty')),
    );
    return out;
  }

  function backButton() {
    return h('button', { type: 'button', class: 'secondary back', id: 'decide-back', onClick: backToQueue }, k('back'));
  }

  // The reason form for reading `id` (the application opened, or the one it matched).
  function readForm(id, matched) {
    const form = st.readForms.get(id);
    const name = `read-category-${id}`;
    const wordsId = `read-words-${id}`;
    const hintId = `read-words-hint-${id}`;
    const legendId = `read-legend-${id}`;
    const el = h(
      'form',
      { class: 'read-form', novalidate: true, 'aria-labelledby': matched ? legendId : 'decide-view-heading' },
      h(
        'fieldset',
        {},
        h('legend', { id: legendId }, matched ? k('open.heading', { ref: id }) : k('open.category')),
        READ_CATEGORIES.map((c) => {
          const inputId = `${name}-${c}`;
          const input = h('input', { type: 'radio', name, id: inputId, value: c, checked: form.category === c });
          input.addEventListener('change', () => {
            form.category = c;
          });
          return h('div', { class: 'choice' }, input, h('label', { for: inputId }, k(`open.categories.${c}`)));
        }),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: wordsId }, k('open.words')),
        h('p', { class: 'hint', id: hintId }, k('open.wordsHint')),
        (() => {
          const area = h('textarea', { id: wordsId, rows: 2, maxlength: WORDS_MAX, 'aria-describedby': hintId });
          area.value = form.words;
          area.addEventListener('input', () => {
            form.words = area.value;
          });
          return area;
        })(),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', disabled: st.busy }, matched ? k('open.submitMatched') : k('open.submit')),
        matched ? null : h('button', { type: 'button', class: 'secondary', onClick: backToQueue }, k('open.cancel')),
      ),
    );
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      if (st.busy) return;
      if (matched) openMatched(id);
      else openMain();
    });
    return el;
  }

  function openView() {
    const app = st.apps.get(st.openId);
    const flagged = app.state === 'flagged';
    return [
      backButton(),
      errorSummary(),
      h('h2', { id: 'decide-view-heading', tabindex: '-1' }, k('open.heading', { ref: app.id })),
      h(
        'dl',
        { class: 'facts' },
        fact(k('queue.site'), h('bdi', {}, app.site || '—')),
        fact(k('review.state'), stateWords(app.state)),
        flagged ? fact(k('queue.flag'), flagList(flagKinds(app))) : null,
      ),
      h('p', { class: 'notice' }, k('open.explain')),
      readForm(app.id, false),
    ];
  }

  function decisionForm(id) {
    const app = st.apps.get(id);
    if (!st.decisions.has(id)) st.decisions.set(id, { choice: '', category: '', words: '' });
    const d = st.decisions.get(id);
    const choiceName = `decision-${id}`;
    const catName = `reject-category-${id}`;
    const reasonId = `decision-reason-${id}`;
    const hintId = `decision-reason-hint-${id}`;
    const submit = h('button', { type: 'submit', disabled: st.busy, id: `decide-submit-${id}` });
    const categories = h(
      'fieldset',
      { class: 'reject-categories', hidden: d.choice !== 'reject' },
      h('legend', {}, k('decide.category')),
      REJECT_CATEGORIES.map((c) => {
        const inputId = `${catName}-${c}`;
        const input = h('input', { type: 'radio', name: catName, id: inputId, value: c, checked: d.category === c });
        input.addEventListener('change', () => {
          d.category = c;
        });
        return h('div', { class: 'choice' }, input, h('label', { for: inputId }, k(`decide.categories.${c}`)));
      }),
    );
    const label = () => {
      submit.textContent =
        d.choice === 'reject'
          ? k('decide.submitReject', { ref: id })
          : d.choice === 'approve'
            ? k('decide.submitApprove', { ref: id })
            : k('decide.submit');
      submit.classList.toggle('danger', d.choice === 'reject');
    };
    label();
    const choice = (value) => {
      const inputId = `${choiceName}-${value}`;
      const input = h('input', { type: 'radio', name: choiceName, id: inputId, value, checked: d.choice === value });
      input.addEventListener('change', () => {
        d.choice = value;
        categories.hidden = value !== 'reject';
        label();
      });
      return h('div', { class: 'choice' }, input, h('label', { for: inputId }, k(`decide.${value}`)));
    };
    const area = h('textarea', { id: reasonId, rows: 3, maxlength: WORDS_MAX, 'aria-describedby': hintId });
    area.value = d.words || '';
    area.addEventListener('input', () => {
      d.words = area.value;
    });
    // Documents not checked yet (in_review): core allows rejecting it, not approving it.
    const canApprove = app.state !== 'in_review';
    if (!canApprove && !d.choice) {
      d.choice = 'reject';
      categories.hidden = false;
      label();
    }
    const form = h(
      'form',
      { class: 'decision-form', novalidate: true },
      h(
        'fieldset',
        {},
        h('legend', {}, k('decide.legend', { ref: id })),
        canApprove ? null : h('p', { class: 'hint' }, k('decide.inReview')),
        canApprove ? choice('approve') : null,
        choice('reject'),
      ),
      categories,
      h(
        'div',
        { class: 'field' },
        h('label', { for: reasonId }, k('decide.reason')),
        h('p', { class: 'hint', id: hintId }, k('decide.reasonHint')),
        area,
      ),
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!st.busy) decide(id);
    });
    // A flagged application's reason is required to approve it too.
    if (app.state === 'flagged') area.setAttribute('aria-required', 'true');
    return form;
  }

  // What can be done with `id` now: decide, issue, go to print, or nothing.
  function panelActions(id) {
    const app = st.apps.get(id);
    const d = st.decisions.get(id);
    const out = [];
    if (d?.message) {
      out.push(
        h(
          'div',
          { class: 'notice ok', role: 'status', tabindex: '-1', id: `panel-status-${id}` },
          h('p', {}, k(...d.message)),
          d.card ? h('div', { class: 'actions' }, toPrint(d.card)) : null,
        ),
      );
    }
    if (DECIDABLE.includes(app.state)) {
      out.push(decisionForm(id));
    } else if (app.state === 'approved') {
      out.push(
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', disabled: st.busy, id: `issue-${id}`, onClick: () => issue(id, 'review') }, k('decide.issue', { ref: id })),
        ),
      );
    } else if (!d?.message) {
      out.push(h('p', { class: 'notice', id: `panel-status-${id}`, tabindex: '-1' }, k('decide.closed', { state: stateWords(app.state) })));
    }
    return out;
  }

  function panel(id, rel) {
    const matchedKinds = rel ? rel.kinds : null;
    const app = st.apps.get(id);
    const read = st.records.get(id);
    const headingId = `panel-heading-${id}`;
    return h(
      'article',
      { class: `record-panel${matchedKinds ? ' matched' : ''}`, 'aria-labelledby': headingId, 'data-application': id },
      h(
        'h3',
        { id: headingId, tabindex: '-1' },
        rel ? k(rel.relation === 'matchedBy' ? 'review.matchedBy' : 'review.matched') : k('review.this'),
        h('span', { class: 'panel-ref' }, ref(id)),
      ),
      h(
        'dl',
        { class: 'facts' },
        h('div', {}, h('dt', {}, k('queue.site')), h('dd', {}, h('bdi', {}, app.site || '—'))),
        fact(k('review.state'), h('span', { class: 'state-word' }, stateWords(app.state))),
        // With more than one matched application, which kinds matched each.
        matchedKinds && (rel.relation === 'matchedBy' || st.otherIds.length > 1)
          ? fact(k('queue.flag'), flagList(matchedKinds))
          : null,
      ),
      read
        ? recordDetails(read.record, { ref: id, photo: read.photo, policy: ctx.policy })
        : [h('p', { class: 'hint' }, k('review.notRead')), readForm(id, true)],
      read ? panelActions(id) : null,
    );
  }

  function reviewView() {
    const main = st.apps.get(st.mainId);
    const mainRead = st.records.get(st.mainId);
    const compared = st.otherIds
      .filter((id) => st.records.has(id) && mainRead)
      .map((id) =>
        h(
          'div',
          { class: 'comparison' },
          h('h3', {}, k('review.compare'), ' ', ref(id)),
          h('ul', {}, comparison(mainRead.record, st.records.get(id).record).map((s) => h('li', {}, s))),
        ),
      );
    return [
      backButton(),
      errorSummary(),
      h('h2', { id: 'decide-view-heading', tabindex: '-1' }, k('review.heading', { ref: main.id })),
      st.otherIds.length ? h('p', {}, k('review.pairIntro')) : null,
      flagKinds(main).length
        ? h('dl', { class: 'facts' }, fact(k('queue.flag'), flagList(flagKinds(main))))
        : null,
      compared,
      h(
        'div',
        { class: st.otherIds.length ? 'pair' : 'single' },
        panel(st.mainId, null),
        st.otherIds.map((id) => panel(id, st.relations.get(id))),
      ),
    ];
  }

  // Redraws the section. Focus moves to `focusId` when given; otherwise it stays on the element
  // (by id) that had it, so a redraw (the queue loaded, a language switch) does not drop it.
  function render(focusId) {
    if (!alive) return;
    const had = root.contains(document.activeElement) ? document.activeElement.id : '';
    const body = st.view === 'open' ? openView() : st.view === 'review' ? reviewView() : queueView();
    replace(root, h('h1', { id: 'section-heading', tabindex: '-1' }, k('heading')), body);
    const target = focusId || had;
    if (target) document.getElementById(target)?.focus();
  }

  ctx.onLanguageChange(() => {
    ctx.setTitle(k('heading'));
    render();
  });
  loadQueue();

  return () => {
    alive = false;
    forgetRecords();
    st.waiting = [];
    st.approved = [];
    st.notice = null;
  };
}
