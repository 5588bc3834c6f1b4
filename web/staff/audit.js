// The auditor's access log (auditor, admin): the signed tree head checked in this browser, a
// consistency check against the head the page saw earlier, the log's pseudonymous entries with
// filters (action, site, days) read page by page from the API, and for any entry an inclusion
// proof checked here (web/staff/merkle.js). Nothing is trusted because the server says so: the
// page recomputes each entry's leaf hash from the fields it shows.
import { problemSlug } from '../common/api.js';
import { announce, h, replace } from '../common/dom.js';
import { formatDateTime, t } from '../common/i18n.js';
import { checkConsistency, checkEntryInclusion, checkTreeHead, parseLogKey } from './merkle.js';

// The newest head this page verified, kept in memory across visits to the section (not across
// reloads) so the next visit can check that the log only grew. A tree head is no personal data.
let remembered = null;

const ACTIONS = [
  'application.enroll', 'application.flag', 'application.approve', 'application.reject', 'application.withdraw',
  'application.issue', 'application.print', 'person.create', 'person.read', 'person.update', 'person.purge',
  'card.issue', 'card.present', 'card.renew', 'card.replace', 'card.revoke', 'card.suspend', 'card.expire',
  'hold.place', 'hold.release', 'hold.note_read', 'data_request.recorded', 'data_request.answered',
  'staff.create', 'staff.disable', 'site.add', 'site.close', 'appointment.book', 'appointment.move',
  'appointment.cancel', 'appointment.attended', 'appointment.no_show', 'history.view', 'history.code_issue',
  'keys.split', 'keys.destroy',
];

function errorSentence(answer) {
  if (answer.network) return t('staff.errors.offline');
  if (answer.status === 403) return t('staff_audit.errors.forbidden');
  if (answer.status >= 500) return t('staff.errors.server');
  const slug = problemSlug(answer);
  if (slug === 'invalid-argument' || slug === 'unknown-field') return t('staff_audit.errors.filters');
  return t('staff.errors.server');
}

function errorSummary(text) {
  return h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
    h('h2', {}, t('staff.errors.summary')), h('p', {}, text));
}

/** Unix seconds of local midnight at the start of `day` ("YYYY-MM-DD"), or null. */
function dayStart(day, plusDays = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return null;
  return Math.floor(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays).getTime() / 1000);
}

export function mountAudit(root, ctx) {
  let alive = true;
  // The entries on screen as the API gave them; forgotten on unmount.
  let entries = [];
  let next = null;
  let logKey = null;
  let filters = { action: '', site: '', from: '', to: '' };

  const headBox = h('div', { class: 'audit-head', 'aria-live': 'polite' });
  const listBox = h('div', { class: 'audit-list' });
  const resultBox = h('div', { class: 'audit-result', tabindex: '-1' });

  function verdict(kind, heading, text) {
    return h('div', { class: `notice ${kind === 'ok' ? 'ok' : 'bad'} verdict` },
      h('p', { class: 'verdict-word' }, h('strong', {}, heading)), h('p', {}, text));
  }

  // ---- the signed tree head ----
  async function checkHead() {
    replace(headBox, h('p', {}, t('staff_audit.head.checking')));
    const answer = await ctx.api('/api/v1/audit/head');
    if (!alive) return;
    if (!answer.ok) {
      replace(headBox, errorSummary(errorSentence(answer)));
      return;
    }
    logKey = parseLogKey(answer.data.log_key);
    const sth = answer.data.signed_tree_head;
    const keyLine = logKey ? h('p', { class: 'key-id' }, t('staff_audit.head.key', { kid: logKey.kid })) : null;
    if (!logKey) {
      replace(headBox, verdict('bad', t('staff_audit.verdict.failed'), t('staff_audit.head.badKey')));
      return;
    }
    if (!sth) {
      replace(headBox, h('p', { class: 'notice' }, t('staff_audit.head.none', { count: answer.data.entries })), keyLine);
      return;
    }
    const head = checkTreeHead(sth, logKey);
    if (!head.ok) {
      replace(headBox, verdict('bad', t('staff_audit.verdict.failed'), t('staff_audit.head.badSignature')), keyLine);
      return;
    }
    const when = formatDateTime(head.head.timestamp * 1000);
    const parts = [
      verdict('ok', t('staff_audit.verdict.verified'),
        t('staff_audit.head.ok', { count: head.head.size, time: when })),
    ];
    const older = remembered;
    if (older && older.size < head.head.size) {
      const proof = await ctx.api(`/api/v1/audit/consistency?from=${older.size}&to=${head.head.size}`);
      if (!alive) return;
      if (!proof.ok) {
        parts.push(proof.status === 404
          ? verdict('bad', t('staff_audit.verdict.failed'), t('staff_audit.consistency.missing', { old: older.size }))
          : errorSummary(errorSentence(proof)));
      } else {
        const c = checkConsistency(older, proof.data, logKey);
        parts.push(c.ok
          ? verdict('ok', t('staff_audit.verdict.verified'),
            t('staff_audit.consistency.ok', { old: older.size, new: head.head.size }))
          : verdict('bad', t('staff_audit.verdict.failed'), t(`staff_audit.consistency.${c.step}`, { old: older.size })));
        if (c.ok) remembered = head.head;
      }
    } else if (older && older.size === head.head.size) {
      const same = older.root.every((b, i) => b === head.head.root[i]);
      parts.push(same
        ? h('p', {}, t('staff_audit.consistency.same', { count: older.size }))
        : verdict('bad', t('staff_audit.verdict.failed'), t('staff_audit.consistency.changed', { old: older.size })));
    } else if (older && older.size > head.head.size) {
      parts.push(verdict('bad', t('staff_audit.verdict.failed'), t('staff_audit.consistency.shrank', { old: older.size })));
    } else {
      remembered = head.head;
      parts.push(h('p', {}, t('staff_audit.consistency.first')));
    }
    replace(headBox, ...parts, keyLine);
    announce(t('staff_audit.head.announce'));
  }

  // ---- one entry's inclusion proof ----
  async function checkEntry(entry, button) {
    replace(resultBox, h('p', {}, t('staff_audit.entry.checking', { seq: entry.seq })));
    button.disabled = true;
    const answer = await ctx.api(`/api/v1/audit/proof?seq=${entry.seq}`);
    if (!alive) return;
    button.disabled = false;
    let box;
    if (!answer.ok && answer.status === 409) {
      box = h('p', { class: 'notice warn' }, t('staff_audit.entry.notYet', { seq: entry.seq }));
    } else if (!answer.ok) {
      box = errorSummary(errorSentence(answer));
    } else if (!logKey) {
      box = verdict('bad', t('staff_audit.verdict.failed'), t('staff_audit.head.badKey'));
    } else {
      const r = checkEntryInclusion(entry, answer.data, logKey);
      box = r.ok
        ? verdict('ok', t('staff_audit.verdict.verified'), t('staff_audit.entry.ok', { seq: entry.seq, count: r.head.size }))
        : verdict('bad', t('staff_audit.verdict.failed'), t(`staff_audit.entry.${r.step}`, { seq: entry.seq }));
    }
    replace(resultBox, h('h3', {}, t('staff_audit.entry.heading', { seq: entry.seq })), box);
    resultBox.focus();
  }

  // ---- the entries ----
  function query(from) {
    const p = new URLSearchParams({ order: 'desc', limit: '50' });
    if (from !== null && from !== undefined) p.set('from', String(from));
    if (filters.action) p.set('action', filters.action);
    if (filters.site) p.set('site', filters.site);
    const since = dayStart(filters.from);
    const until = dayStart(filters.to, 1);
    if (since !== null) p.set('since', String(since));
    if (until !== null) p.set('until', String(until));
    return `/api/v1/audit/entries?${p}`;
  }

  function row(entry) {
    const cell = (label, ...content) => h('td', { 'data-label': label }, ...content);
    const button = h('button', { type: 'button', class: 'secondary', 'aria-label': t('staff_audit.entry.checkLabel', { seq: entry.seq }) },
      t('staff_audit.entry.check'));
    button.addEventListener('click', () => checkEntry(entry, button));
    return h('tr', {},
      h('th', { scope: 'row', 'data-label': t('staff_audit.col.seq') }, String(entry.seq)),
      cell(t('staff_audit.col.time'), formatDateTime(entry.at * 1000)),
      cell(t('staff_audit.col.actor'), h('bdi', {}, entry.actor), ' ', h('span', { class: 'role' }, `(${roleName(entry.role)})`)),
      cell(t('staff_audit.col.action'), h('code', {}, entry.action)),
      cell(t('staff_audit.col.subject'), h('bdi', { class: 'subject' }, entry.subject)),
      cell(t('staff_audit.col.site'), entry.site ? h('bdi', {}, entry.site) : t('staff_audit.none')),
      cell(t('staff_audit.col.reason'), entry.reason ? h('bdi', {}, entry.reason) : t('staff_audit.none')),
      cell(t('staff_audit.col.proof'), button));
  }

  function roleName(role) {
    const key = `staff.roles.${role}`;
    const text = t(key);
    return text === key ? role : text;
  }

  function drawList(focusFirstNew = -1) {
    if (entries.length === 0) {
      replace(listBox, h('p', { class: 'notice', id: 'audit-count' }, t('staff_audit.list.empty')));
      return;
    }
    const rows = entries.map(row);
    const table = h('table', { class: 'audit-table' },
      h('caption', {}, t('staff_audit.list.caption', { count: entries.length })),
      h('thead', {}, h('tr', {},
        ...['seq', 'time', 'actor', 'action', 'subject', 'site', 'reason', 'proof'].map((c) =>
          h('th', { scope: 'col' }, t(`staff_audit.col.${c}`))))),
      h('tbody', {}, rows));
    const more = next !== null
      ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onClick: loadMore }, t('staff_audit.list.more')))
      : h('p', {}, t('staff_audit.list.end'));
    replace(listBox, h('p', { id: 'audit-count', role: 'status' }, t('staff_audit.list.count', { count: entries.length })), table, more);
    if (focusFirstNew >= 0 && rows[focusFirstNew]) {
      const cellEl = rows[focusFirstNew].querySelector('th');
      cellEl.setAttribute('tabindex', '-1');
      cellEl.focus();
    }
  }

  async function load(append) {
    const answer = await ctx.api(query(append ? next : null));
    if (!alive) return;
    if (!answer.ok) {
      replace(listBox, errorSummary(errorSentence(answer)));
      listBox.querySelector('.error-summary').focus();
      return;
    }
    const before = append ? entries.length : -1;
    entries = append ? entries.concat(answer.data.entries) : answer.data.entries;
    next = answer.data.next;
    drawList(before);
  }
  const loadMore = () => load(true);

  // ---- the filter form (rebuilt on a language switch, keeping what was typed) ----
  const fieldOf = (id, label, hint, attrs = {}) => h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('input', { id, name: id, type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': hint ? `${id}-hint` : undefined, ...attrs }));
  function buildForm() {
    const form = h('form', { class: 'audit-filters', novalidate: true },
      h('fieldset', {},
        h('legend', {}, t('staff_audit.filters.legend')),
        h('div', { class: 'filter-grid' },
          fieldOf('audit-action', t('staff_audit.filters.action'), t('staff_audit.filters.actionHint'), { list: 'audit-actions', value: filters.action }),
          fieldOf('audit-site', t('staff_audit.filters.site'), t('staff_audit.filters.siteHint'), { value: filters.site }),
          fieldOf('audit-from', t('staff_audit.filters.from'), null, { type: 'date', value: filters.from }),
          fieldOf('audit-to', t('staff_audit.filters.to'), null, { type: 'date', value: filters.to })),
        h('datalist', { id: 'audit-actions' }, ACTIONS.map((a) => h('option', { value: a }))),
        h('div', { class: 'actions' },
          h('button', { type: 'submit' }, t('staff_audit.filters.submit')),
          h('button', { type: 'button', class: 'secondary', onClick: clearFilters }, t('staff_audit.filters.clear')))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      filters = {
        action: form.elements['audit-action'].value.trim(),
        site: form.elements['audit-site'].value.trim(),
        from: form.elements['audit-from'].value,
        to: form.elements['audit-to'].value,
      };
      replace(resultBox);
      load(false);
    });
    return form;
  }
  function clearFilters() {
    filters = { action: '', site: '', from: '', to: '' };
    for (const id of ['audit-action', 'audit-site', 'audit-from', 'audit-to']) root.querySelector(`#${id}`).value = '';
    replace(resultBox);
    load(false);
  }

  function draw() {
    ctx.setTitle(t('staff.nav.audit'));
    replace(root,
      h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.audit')),
      h('p', {}, t('staff_audit.intro')),
      h('section', { 'aria-labelledby': 'audit-head-heading' },
        h('h2', { id: 'audit-head-heading' }, t('staff_audit.head.heading')),
        h('p', {}, t('staff_audit.head.explain')),
        headBox,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', id: 'audit-recheck', onClick: checkHead }, t('staff_audit.head.again')))),
      h('section', { 'aria-labelledby': 'audit-entries-heading' },
        h('h2', { id: 'audit-entries-heading' }, t('staff_audit.list.heading')),
        buildForm(),
        resultBox,
        listBox));
  }

  draw();
  checkHead();
  load(false);
  ctx.onLanguageChange(() => {
    draw();
    checkHead();
    drawList();
  });
  return () => {
    alive = false;
    entries = [];
    next = null;
  };
}
