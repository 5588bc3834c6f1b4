// The administrator's Staff and Sites sections, and the Policy view every counter role reads
// (issue 17). Staff: list, add (the new account's TOTP is set up at its first sign-in, so the
// administrator never sees it), disable and reset TOTP, each behind a confirm step. Sites: list,
// add, edit (hours per weekday, slot length, capacity, time zone, languages, access notes) and
// closures with a reason. Policy: the catalogue and rules in force, read-only, from ctx.policy.
//
// The API stays the authority: these sections are only listed for the roles it allows, and a
// refusal is worded like any other failure. Staff and site data are no applicant's personal
// data; still nothing is kept once the section unmounts.
import { problemSlug } from '../common/api.js';
import { h, newId, replace } from '../common/dom.js';
import { formatDate, lang, locale, NATIVE_NAMES, t } from '../common/i18n.js';

const ROLES = ['clerk', 'supervisor', 'partner', 'auditor', 'admin'];
const TOTP_ROLES = new Set(['supervisor', 'admin']);
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const KINDS = ['city_hall', 'library', 'partner'];

// ---- shared pieces ----

/** One plain sentence for a failed answer, with the next step. */
function failure(answer, context = '') {
  if (answer.network) return t('staff.errors.offline');
  const slug = problemSlug(answer);
  const specific = {
    'staff-exists': 'staff_admin.errors.staffExists',
    'weak-password': 'staff_admin.errors.weakPassword',
    'staff-not-found': 'staff_admin.errors.staffNotFound',
    'site-exists': 'staff_admin.errors.siteExists',
    'site-not-found': 'staff_admin.errors.siteNotFound',
    'site-bookings-conflict': context === 'closure' ? 'staff_admin.errors.closureBookings' : 'staff_admin.errors.siteBookings',
    'invalid-date': 'staff_admin.errors.date',
    'role-not-allowed': 'staff_admin.errors.role',
    'csrf-token-invalid': 'staff_admin.errors.reload',
    'missing-field': 'staff_admin.errors.missing',
  }[slug];
  if (specific) return t(specific);
  if (slug === 'failed-precondition' && context === 'reset') return t('staff_admin.errors.noTotp');
  if (slug === 'failed-precondition' && context === 'disable') return t('staff_admin.errors.alreadyOrSelf');
  if (slug === 'not-found' && context === 'reopen') return t('staff_admin.errors.notClosed');
  if (answer.status === 400) return t('staff_admin.errors.invalid');
  return answer.status >= 500 ? t('staff.errors.server') : t('staff_admin.errors.generic');
}

/** The error summary (role=alert, focused) or nothing. */
function errorSummary(id, text) {
  if (!text) return null;
  return h(
    'div',
    { class: 'error-summary', role: 'alert', tabindex: '-1', id },
    h('h2', {}, t('staff.errors.summary')),
    h('p', {}, text),
  );
}

function textField({ id, label, hint, value = '', type = 'text', autocomplete = 'off', required = false, attrs = {} }) {
  const hintId = hint ? `${id}-hint` : undefined;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('input', { id, name: id, type, value, autocomplete, required, 'aria-describedby': hintId, spellcheck: 'false', ...attrs }),
  );
}

function selectField({ id, label, hint, options, value }) {
  const hintId = hint ? `${id}-hint` : undefined;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h(
      'select',
      { id, name: id, 'aria-describedby': hintId },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
  );
}

function heading(ctx, key) {
  ctx.setTitle(t(key));
  return h('h1', { id: 'section-heading', tabindex: '-1' }, t(key));
}

function focusLater(id) {
  // After the DOM is replaced: the next frame has the new node.
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

// ---- Staff ----

export function mountStaffAdmin(root, ctx) {
  // What the section holds: the list, the open confirm step, the last error and notice.
  let staff = null;
  let confirm = null; // { action: 'disable' | 'reset', user }
  let error = null;
  let notice = null;
  let loadError = null;
  let form = { user: '', role: 'clerk', site: '' };
  let alive = true;

  async function load() {
    const answer = await ctx.api('/api/v1/staff');
    if (!alive) return;
    if (answer.ok) {
      staff = answer.data.staff;
      loadError = null;
    } else {
      loadError = failure(answer);
    }
    draw();
  }

  function totpText(s) {
    const state = s.totp_state || (s.totp ? 'enrolled' : 'none');
    return t(`staff_admin.staff.totp.${state}`);
  }

  function staffCard(s) {
    const confirming = confirm && confirm.user === s.user;
    const self = s.user === ctx.session.staff.user;
    const actions = [];
    if (!s.disabled && !self) {
      actions.push(
        h(
          'button',
          { type: 'button', class: 'secondary', id: `disable-${s.user}`, onClick: () => ask('disable', s.user) },
          t('staff_admin.staff.disable'),
          h('span', { class: 'visually-hidden' }, ' ', s.user),
        ),
      );
    }
    // One's own code is reset by another administrator: resetting it here would sign this
    // page out mid-task (the API allows it; the page does not offer it).
    if (!s.disabled && !self && TOTP_ROLES.has(s.role)) {
      actions.push(
        h(
          'button',
          { type: 'button', class: 'secondary', id: `reset-${s.user}`, onClick: () => ask('reset', s.user) },
          t('staff_admin.staff.reset'),
          h('span', { class: 'visually-hidden' }, ' ', s.user),
        ),
      );
    }
    return h(
      'li',
      { class: 'admin-card', id: `staff-${s.user}` },
      h('h3', {}, h('bdi', {}, s.user)),
      h(
        'dl',
        { class: 'admin-facts' },
        h('div', {}, h('dt', {}, t('staff_admin.staff.role')), h('dd', {}, t(`staff.roles.${s.role}`))),
        h('div', {}, h('dt', {}, t('staff_admin.staff.site')), h('dd', {}, s.site ? h('bdi', {}, s.site) : t('staff_admin.staff.noSite'))),
        h(
          'div',
          {},
          h('dt', {}, t('staff_admin.staff.status')),
          h('dd', { class: s.disabled ? 'status-off' : 'status-on' }, t(s.disabled ? 'staff_admin.staff.disabled' : 'staff_admin.staff.active')),
        ),
        h('div', {}, h('dt', {}, t('staff_admin.staff.totpLabel')), h('dd', { class: `totp-${s.totp_state || 'none'}` }, totpText(s))),
      ),
      confirming ? confirmPanel(s) : actions.length ? h('div', { class: 'actions' }, actions) : null,
    );
  }

  function confirmPanel(s) {
    const isDisable = confirm.action === 'disable';
    const go = h(
      'button',
      { type: 'button', class: isDisable ? 'danger' : '', id: 'confirm-yes', onClick: () => act(confirm.action, s.user) },
      t(isDisable ? 'staff_admin.staff.confirmDisable' : 'staff_admin.staff.confirmReset', { user: s.user }),
    );
    const keep = h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        id: 'confirm-no',
        onClick: () => {
          const back = `${confirm.action}-${s.user}`;
          confirm = null;
          draw();
          focusLater(back);
        },
      },
      t('staff_admin.staff.keep'),
    );
    return h(
      'div',
      { class: 'confirm notice warn', role: 'group', 'aria-labelledby': 'confirm-text', id: 'confirm-panel' },
      h('p', { id: 'confirm-text', tabindex: '-1' }, t(isDisable ? 'staff_admin.staff.disableWarn' : 'staff_admin.staff.resetWarn', { user: s.user })),
      h('div', { class: 'actions' }, go, keep),
    );
  }

  function ask(action, user) {
    confirm = { action, user };
    error = null;
    notice = null;
    draw();
    focusLater('confirm-text');
  }

  async function act(action, user) {
    const path = `/api/v1/staff/${encodeURIComponent(user)}/${action === 'disable' ? 'disable' : 'reset-totp'}`;
    const answer = await ctx.api(path, { method: 'POST', body: {} });
    if (!alive) return;
    confirm = null;
    if (answer.ok) {
      error = null;
      notice = t(action === 'disable' ? 'staff_admin.staff.disabledDone' : 'staff_admin.staff.resetDone', { user });
      await load();
      focusLater('admin-notice');
      return;
    }
    error = failure(answer, action);
    draw();
    focusLater('staff-admin-error');
  }

  function addForm() {
    const roleSelect = selectField({
      id: 'new-role',
      label: t('staff_admin.add.role'),
      options: ROLES.map((r) => [r, t(`staff.roles.${r}`)]),
      value: form.role,
    });
    const el = h(
      'form',
      { novalidate: true, id: 'add-staff-form', class: 'admin-form' },
      textField({ id: 'new-user', label: t('staff_admin.add.user'), hint: t('staff_admin.add.userHint'), value: form.user, attrs: { autocapitalize: 'off' } }),
      roleSelect,
      textField({ id: 'new-site', label: t('staff_admin.add.site'), hint: t('staff_admin.add.siteHint'), value: form.site, attrs: { autocapitalize: 'off' } }),
      textField({
        id: 'new-password',
        label: t('staff_admin.add.password'),
        hint: t('staff_admin.add.passwordHint'),
        type: 'password',
        autocomplete: 'new-password',
      }),
      h('p', { class: 'hint' }, t('staff_admin.add.totpNote')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'add-staff' }, t('staff_admin.add.submit'))),
    );
    el.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {
        user: el.elements['new-user'].value.trim(),
        role: el.elements['new-role'].value,
        password: el.elements['new-password'].value,
      };
      const site = el.elements['new-site'].value.trim();
      if (site) body.site = site;
      form = { user: body.user, role: body.role, site };
      const answer = await ctx.api('/api/v1/staff', { method: 'POST', body });
      if (!alive) return;
      if (answer.ok) {
        error = null;
        form = { user: '', role: 'clerk', site: '' };
        notice = t(TOTP_ROLES.has(body.role) ? 'staff_admin.add.doneTotp' : 'staff_admin.add.done', { user: body.user });
        await load();
        focusLater('admin-notice');
        return;
      }
      error = failure(answer, 'add');
      notice = null;
      draw();
      focusLater('staff-admin-error');
    });
    return el;
  }

  function draw() {
    const list = loadError
      ? h('p', { class: 'notice bad', role: 'alert' }, loadError)
      : staff === null
        ? h('p', { role: 'status' }, t('staff_admin.loading'))
        : h('ul', { class: 'admin-list', id: 'staff-list' }, staff.map(staffCard));
    replace(
      root,
      heading(ctx, 'staff.nav.staff'),
      errorSummary('staff-admin-error', error),
      notice ? h('p', { class: 'notice ok', id: 'admin-notice', tabindex: '-1', role: 'status' }, notice) : null,
      h('h2', {}, t('staff_admin.staff.heading')),
      list,
      h('h2', {}, t('staff_admin.add.heading')),
      addForm(),
    );
  }

  // A language switch redraws; what was typed in the add form stays (not the password).
  ctx.onLanguageChange(() => {
    const el = document.getElementById('add-staff-form');
    if (el) form = { user: el.elements['new-user'].value, role: el.elements['new-role'].value, site: el.elements['new-site'].value };
    draw();
  });
  draw();
  load();
  return () => {
    alive = false;
    staff = null;
    form = null;
  };
}

// ---- Sites ----

/** {"mon":[["09:00","17:00"]]} → { mon: "09:00-17:00", ... } (closed days: ""). */
function hoursByDay(hours) {
  const out = {};
  for (const d of DAYS) {
    const spans = (hours && hours[d]) || [];
    out[d] = spans.map(([a, b]) => `${a}-${b}`).join(', ');
  }
  return out;
}

/** { mon: "09:00-17:00" } → "mon 09:00-17:00; ..." (the API's opening-hours text). */
function hoursText(byDay) {
  return DAYS.filter((d) => byDay[d].trim())
    .map((d) => `${d} ${byDay[d].replace(/\s+/g, '')}`)
    .join('; ');
}

/** The weekday's name in the reader's language (2024-01-01 was a Monday). */
function weekdayName(i) {
  return new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1 + i));
}

/** A closure date ("2026-12-24") in the reader's words, as a calendar date (no time zone shift). */
function closureDate(date) {
  const [y, m, d] = date.split('-').map(Number);
  return formatDate(Date.UTC(y, m - 1, d), { timeZone: 'UTC' });
}

export function mountSitesAdmin(root, ctx) {
  let sites = null;
  let loadError = null;
  let editing = null; // the site being edited (a copy), or { isNew: true }
  let error = null;
  let notice = null;
  let alive = true;
  const languages = (ctx.policy && ctx.policy.city && ctx.policy.city.languages) || ['en'];

  async function load() {
    const answer = await ctx.api('/api/v1/sites');
    if (!alive) return;
    if (answer.ok) {
      sites = answer.data.sites;
      loadError = null;
      if (editing && !editing.isNew) editing = sites.find((s) => s.id === editing.id) || null;
    } else {
      loadError = failure(answer);
    }
    draw();
  }

  function siteCard(s) {
    const hours = hoursByDay(s.hours);
    return h(
      'li',
      { class: 'admin-card', id: `site-${s.id}` },
      h('h3', {}, h('bdi', {}, s.name)),
      h(
        'dl',
        { class: 'admin-facts' },
        h('div', {}, h('dt', {}, t('staff_admin.sites.id')), h('dd', {}, h('bdi', {}, s.id))),
        h('div', {}, h('dt', {}, t('staff_admin.sites.kind')), h('dd', {}, t(`staff_admin.sites.kinds.${s.kind}`))),
        h('div', {}, h('dt', {}, t('staff_admin.sites.timezone')), h('dd', {}, h('bdi', {}, s.timezone))),
        h('div', {}, h('dt', {}, t('staff_admin.sites.slot')), h('dd', {}, t('staff_admin.sites.minutes', { count: s.slot_minutes }))),
        h('div', {}, h('dt', {}, t('staff_admin.sites.capacity')), h('dd', {}, t('staff_admin.sites.people', { count: s.capacity }))),
        h(
          'div',
          {},
          h('dt', {}, t('staff_admin.sites.hours')),
          h(
            'dd',
            {},
            DAYS.some((d) => hours[d])
              ? DAYS.filter((d) => hours[d]).map((d, i, all) => [`${weekdayName(DAYS.indexOf(d))} `, h('bdi', {}, hours[d]), i < all.length - 1 ? '; ' : ''])
              : t('staff_admin.sites.noHours'),
          ),
        ),
        h(
          'div',
          {},
          h('dt', {}, t('staff_admin.sites.closed')),
          h('dd', {}, (s.closures || []).length ? t('staff_admin.sites.closedCount', { count: s.closures.length }) : t('staff_admin.sites.noClosures')),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            id: `edit-${s.id}`,
            onClick: () => {
              editing = s;
              error = null;
              notice = null;
              draw();
              focusLater('site-form-heading');
            },
          },
          t('staff_admin.sites.edit'),
          h('span', { class: 'visually-hidden' }, ' ', s.name),
        ),
      ),
    );
  }

  // The form's values as the API body, and as a site object to redraw the form with (what was
  // typed stays across a refusal or a language switch).
  function readSiteForm(el, s) {
    const byDay = {};
    for (const d of DAYS) byDay[d] = el.elements[`hours-${d}`].value;
    const body = {
      name: el.elements['site-name'].value.trim(),
      kind: el.elements['site-kind'].value,
      address: el.elements['site-address'].value.trim(),
      timezone: el.elements['site-timezone'].value.trim(),
      hours: hoursText(byDay),
      slot_minutes: Number.parseInt(el.elements['site-slot'].value, 10),
      capacity: Number.parseInt(el.elements['site-capacity'].value, 10),
      languages: [...el.querySelectorAll('input[name="site-lang"]:checked')].map((c) => c.value),
      accessibility: el.elements['site-access'].value.trim(),
    };
    const hours = Object.fromEntries(DAYS.map((d) => [d, byDay[d].trim() ? byDay[d].split(',').map((x) => x.trim().split('-')) : []]));
    const typed = { ...s, ...body, hours, slot_minutes: el.elements['site-slot'].value, capacity: el.elements['site-capacity'].value };
    if (s.isNew) typed.id = el.elements['site-id'].value;
    return { body, typed };
  }

  function siteForm(s) {
    const isNew = !!s.isNew;
    const hours = hoursByDay(s.hours);
    const siteLangs = new Set(s.languages || []);
    const el = h(
      'form',
      { novalidate: true, id: 'site-form', class: 'admin-form' },
      isNew
        ? textField({ id: 'site-id', label: t('staff_admin.sites.id'), hint: t('staff_admin.sites.idHint'), value: s.id || '', attrs: { autocapitalize: 'off' } })
        : null,
      textField({ id: 'site-name', label: t('staff_admin.sites.name'), value: s.name || '' }),
      selectField({
        id: 'site-kind',
        label: t('staff_admin.sites.kind'),
        options: KINDS.map((k) => [k, t(`staff_admin.sites.kinds.${k}`)]),
        value: s.kind || 'city_hall',
      }),
      textField({ id: 'site-address', label: t('staff_admin.sites.address'), value: s.address || '' }),
      textField({ id: 'site-timezone', label: t('staff_admin.sites.timezone'), hint: t('staff_admin.sites.timezoneHint'), value: s.timezone || '' }),
      h(
        'fieldset',
        { class: 'hours' },
        h('legend', {}, t('staff_admin.sites.hours')),
        h('p', { class: 'hint', id: 'hours-hint' }, t('staff_admin.sites.hoursHint')),
        DAYS.map((d, i) =>
          h(
            'div',
            { class: 'field day-field' },
            h('label', { for: `hours-${d}` }, weekdayName(i)),
            h('input', { id: `hours-${d}`, name: `hours-${d}`, type: 'text', value: hours[d], dir: 'ltr', inputmode: 'numeric', 'aria-describedby': 'hours-hint', autocomplete: 'off' }),
          ),
        ),
      ),
      textField({ id: 'site-slot', label: t('staff_admin.sites.slot'), hint: t('staff_admin.sites.slotHint'), type: 'number', value: String(s.slot_minutes ?? 30), attrs: { min: 5, max: 240, inputmode: 'numeric' } }),
      textField({ id: 'site-capacity', label: t('staff_admin.sites.capacity'), hint: t('staff_admin.sites.capacityHint'), type: 'number', value: String(s.capacity ?? 1), attrs: { min: 1, max: 100, inputmode: 'numeric' } }),
      h(
        'fieldset',
        {},
        h('legend', {}, t('staff_admin.sites.languages')),
        languages.map((l) =>
          h(
            'div',
            { class: 'choice' },
            h('input', { type: 'checkbox', id: `site-lang-${l}`, name: 'site-lang', value: l, checked: siteLangs.has(l) }),
            h('label', { for: `site-lang-${l}`, lang: l }, NATIVE_NAMES[l] || l),
          ),
        ),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'site-access' }, t('staff_admin.sites.accessibility')),
        h('p', { class: 'hint', id: 'site-access-hint' }, t('staff_admin.sites.accessibilityHint')),
        h('textarea', { id: 'site-access', name: 'site-access', rows: 3, 'aria-describedby': 'site-access-hint' }, s.accessibility || ''),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', id: 'site-save' }, t(isNew ? 'staff_admin.sites.create' : 'staff_admin.sites.save')),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            id: 'site-cancel',
            onClick: () => {
              const back = isNew ? 'add-site' : `edit-${s.id}`;
              editing = null;
              error = null;
              draw();
              focusLater(back);
            },
          },
          t('staff_admin.sites.cancel'),
        ),
      ),
    );
    el.addEventListener('submit', async (e) => {
      e.preventDefault();
      const { body, typed } = readSiteForm(el, s);
      if (!Number.isFinite(body.slot_minutes) || !Number.isFinite(body.capacity)) {
        editing = typed;
        error = t('staff_admin.errors.numbers');
        draw();
        focusLater('sites-admin-error');
        return;
      }
      let answer;
      if (isNew) {
        body.id = el.elements['site-id'].value.trim();
        answer = await ctx.api('/api/v1/sites', { method: 'POST', body });
      } else {
        answer = await ctx.api(`/api/v1/sites/${encodeURIComponent(s.id)}`, { method: 'PUT', body });
      }
      if (!alive) return;
      if (answer.ok) {
        error = null;
        notice = t(isNew ? 'staff_admin.sites.created' : 'staff_admin.sites.saved', { name: body.name });
        editing = isNew ? null : answer.data;
        await load();
        focusLater('admin-notice');
        return;
      }
      editing = typed;
      error = failure(answer, 'site');
      notice = null;
      draw();
      focusLater('sites-admin-error');
    });
    return el;
  }

  function closures(s) {
    const list = s.closures || [];
    const dateId = newId('closure-date');
    const reasonId = newId('closure-reason');
    const add = h(
      'form',
      { novalidate: true, id: 'closure-form', class: 'admin-form' },
      h('div', { class: 'field' }, h('label', { for: dateId }, t('staff_admin.closures.date')), h('input', { id: dateId, name: 'date', type: 'date', required: true })),
      h(
        'div',
        { class: 'field' },
        h('label', { for: reasonId }, t('staff_admin.closures.reason')),
        h('p', { class: 'hint', id: `${reasonId}-hint` }, t('staff_admin.closures.reasonHint')),
        h('input', { id: reasonId, name: 'reason', type: 'text', maxlength: 200, 'aria-describedby': `${reasonId}-hint` }),
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'closure-add' }, t('staff_admin.closures.add'))),
    );
    add.addEventListener('submit', async (e) => {
      e.preventDefault();
      const date = add.elements.date.value;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        error = t('staff_admin.errors.date');
        draw();
        focusLater('sites-admin-error');
        return;
      }
      const body = { date };
      const reason = add.elements.reason.value.trim();
      if (reason) body.reason = reason;
      const answer = await ctx.api(`/api/v1/sites/${encodeURIComponent(s.id)}/closures`, { method: 'POST', body });
      if (!alive) return;
      if (answer.ok) {
        error = null;
        notice = t('staff_admin.closures.added', { date: closureDate(date) });
        editing = answer.data;
        await load();
        focusLater('admin-notice');
        return;
      }
      error = failure(answer, 'closure');
      notice = null;
      draw();
      focusLater('sites-admin-error');
    });
    return h(
      'section',
      { class: 'closures', 'aria-labelledby': 'closures-heading' },
      h('h3', { id: 'closures-heading' }, t('staff_admin.closures.heading')),
      list.length
        ? h(
            'ul',
            { class: 'admin-list', id: 'closure-list' },
            list.map((c) =>
              h(
                'li',
                { class: 'closure' },
                h('p', {}, h('strong', {}, closureDate(c.date)), c.reason ? [' — ', h('bdi', {}, c.reason)] : null),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    id: `reopen-${c.date}`,
                    onClick: async () => {
                      const answer = await ctx.api(`/api/v1/sites/${encodeURIComponent(s.id)}/closures/${c.date}`, { method: 'DELETE' });
                      if (!alive) return;
                      if (answer.ok) {
                        error = null;
                        notice = t('staff_admin.closures.reopened', { date: closureDate(c.date) });
                        editing = answer.data;
                        await load();
                        focusLater('admin-notice');
                        return;
                      }
                      error = failure(answer, 'reopen');
                      draw();
                      focusLater('sites-admin-error');
                    },
                  },
                  t('staff_admin.closures.reopen'),
                  h('span', { class: 'visually-hidden' }, ' ', closureDate(c.date)),
                ),
              ),
            ),
          )
        : h('p', {}, t('staff_admin.closures.none')),
      h('p', { class: 'hint' }, t('staff_admin.closures.bookingsNote')),
      add,
    );
  }

  function draw() {
    const parts = [heading(ctx, 'staff.nav.sites'), errorSummary('sites-admin-error', error)];
    if (notice) parts.push(h('p', { class: 'notice ok', id: 'admin-notice', tabindex: '-1', role: 'status' }, notice));
    if (editing) {
      const name = editing.isNew ? t('staff_admin.sites.new') : t('staff_admin.sites.editing', { name: editing.name });
      parts.push(
        h('h2', { id: 'site-form-heading', tabindex: '-1' }, name),
        editing.isNew ? null : h('p', { class: 'hint' }, t('staff_admin.sites.bookingsNote')),
        siteForm(editing),
        editing.isNew ? null : closures(editing),
      );
    } else {
      parts.push(
        h('h2', {}, t('staff_admin.sites.heading')),
        loadError
          ? h('p', { class: 'notice bad', role: 'alert' }, loadError)
          : sites === null
            ? h('p', { role: 'status' }, t('staff_admin.loading'))
            : sites.length
              ? h('ul', { class: 'admin-list', id: 'site-list' }, sites.map(siteCard))
              : h('p', {}, t('staff_admin.sites.none')),
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              id: 'add-site',
              onClick: () => {
                editing = { isNew: true, hours: {}, languages: [] };
                error = null;
                notice = null;
                draw();
                focusLater('site-form-heading');
              },
            },
            t('staff_admin.sites.add'),
          ),
        ),
      );
    }
    replace(root, ...parts);
  }

  ctx.onLanguageChange(() => {
    const el = document.getElementById('site-form');
    if (el && editing) editing = readSiteForm(el, editing).typed;
    draw();
  });
  draw();
  load();
  return () => {
    alive = false;
    sites = null;
    editing = null;
  };
}

// ---- Policy (read-only) ----

function docName(doc) {
  return (doc.names && (doc.names[lang()] || doc.names.en)) || doc.id;
}

function period(days) {
  if (days >= 365 && days % 365 === 0) return t('staff_admin.policy.years', { count: days / 365 });
  return t('staff_admin.policy.days', { count: days });
}

function validityText(doc) {
  const v = doc.validity || {};
  const out = [];
  if (v.not_expired) out.push(t('staff_admin.policy.notExpired'));
  if (v.expired_within_days) out.push(t('staff_admin.policy.expiredWithin', { period: period(v.expired_within_days) }));
  if (v.issued_within_days) out.push(t('staff_admin.policy.issuedWithin', { period: period(v.issued_within_days) }));
  return out.length ? out.join(' · ') : t('staff_admin.policy.anyDate');
}

function proves(doc) {
  return t(`staff_admin.policy.proves.${doc.category}`);
}

function ruleFacts(rule) {
  const facts = [];
  if (rule.kind === 'points') {
    facts.push(t('staff_admin.policy.rule.identityMin', { count: rule.identity_min }));
    facts.push(t('staff_admin.policy.rule.residencyMin', { count: rule.residency_min }));
    if (rule.require_photo) facts.push(t('staff_admin.policy.rule.photo'));
    if (rule.require_dob) facts.push(t('staff_admin.policy.rule.dob'));
  } else {
    facts.push(t('staff_admin.policy.rule.list', { count: rule.secondary_min }));
    facts.push(t('staff_admin.policy.rule.residencyDocs', { count: rule.residency_min }));
    if (rule.secondary_require_photo) facts.push(t('staff_admin.policy.rule.secondaryPhoto'));
    if (rule.secondary_require_dob) facts.push(t('staff_admin.policy.rule.secondaryDob'));
  }
  return facts;
}

export function mountPolicyView(root, ctx) {
  function draw() {
    const p = ctx.policy;
    if (!p) {
      replace(root, heading(ctx, 'staff.nav.policy'), h('p', { class: 'notice bad', role: 'alert' }, t('staff_admin.policy.missing')));
      return;
    }
    const points = p.rule.kind === 'points';
    const groups = points
      ? [
          ['identity', p.documents.filter((d) => d.category === 'identity')],
          ['residency', p.documents.filter((d) => d.category === 'residency')],
          ['both', p.documents.filter((d) => d.category === 'both')],
        ]
      : [
          ['primary', p.documents.filter((d) => d.category !== 'residency' && d.tier === 'primary')],
          ['secondary', p.documents.filter((d) => d.category !== 'residency' && d.tier === 'secondary')],
          ['residency', p.documents.filter((d) => d.category === 'residency')],
          ['both', p.documents.filter((d) => d.category === 'both' && d.tier !== 'primary' && d.tier !== 'secondary')],
        ];
    const table = (docs, key) =>
      h(
        'div',
        { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-labelledby': `docs-${key}` },
        h(
          'table',
          { class: 'policy-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('staff_admin.policy.col.document')),
              h('th', { scope: 'col' }, t('staff_admin.policy.col.proves')),
              points ? h('th', { scope: 'col' }, t('staff_admin.policy.col.points')) : null,
              h('th', { scope: 'col' }, t('staff_admin.policy.col.shows')),
              h('th', { scope: 'col' }, t('staff_admin.policy.col.valid')),
            ),
          ),
          h(
            'tbody',
            {},
            docs.map((d) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, h('bdi', {}, docName(d))),
                h('td', {}, proves(d)),
                points
                  ? h(
                      'td',
                      {},
                      [
                        d.identity_points ? t('staff_admin.policy.identityPoints', { count: d.identity_points }) : null,
                        d.residency_points ? t('staff_admin.policy.residencyPoints', { count: d.residency_points }) : null,
                      ]
                        .filter(Boolean)
                        .join(' · '),
                    )
                  : null,
                h(
                  'td',
                  {},
                  [d.has_photo ? t('staff_admin.policy.photo') : null, d.has_dob ? t('staff_admin.policy.dob') : null, d.requires_number ? t('staff_admin.policy.number') : null]
                    .filter(Boolean)
                    .join(' · ') || '—',
                ),
                h('td', {}, validityText(d)),
              ),
            ),
          ),
        ),
      );
    const r = p.retention || {};
    replace(
      root,
      heading(ctx, 'staff.nav.policy'),
      h('p', {}, t('staff_admin.policy.intro', { city: p.city?.name || '', version: p.city?.version || '' })),
      h('h2', {}, t('staff_admin.policy.ruleHeading')),
      h('p', {}, t(points ? 'staff_admin.policy.rule.points' : 'staff_admin.policy.rule.listIntro')),
      h('ul', { id: 'policy-rule' }, ruleFacts(p.rule).map((f) => h('li', {}, f))),
      h('h2', {}, t('staff_admin.policy.docsHeading')),
      groups
        .filter(([, docs]) => docs.length)
        .map(([key, docs]) => [h('h3', { id: `docs-${key}` }, t(`staff_admin.policy.group.${key}`)), table(docs, key)]),
      h('h2', {}, t('staff_admin.policy.cardHeading')),
      h(
        'ul',
        { id: 'policy-card' },
        h('li', {}, t('staff_admin.policy.validity', { count: p.card?.validity_years ?? 0 })),
        h('li', {}, t('staff_admin.policy.minimumAge', { count: p.card?.minimum_age ?? 0 })),
      ),
      h('h2', {}, t('staff_admin.policy.retentionHeading')),
      h(
        'ul',
        { id: 'policy-retention' },
        h('li', {}, t('staff_admin.policy.retention.abandoned', { count: r.abandoned_application_days ?? 0 })),
        h('li', {}, t('staff_admin.policy.retention.rejected', { count: r.rejected_application_days ?? 0 })),
        h('li', {}, t('staff_admin.policy.retention.afterExpiry', { count: r.after_card_expiry_days ?? 0 })),
        h('li', {}, t(r.keep_photo_after_print ? 'staff_admin.policy.retention.photoKept' : 'staff_admin.policy.retention.photoDropped')),
        h('li', {}, t(r.keep_address_after_print ? 'staff_admin.policy.retention.addressKept' : 'staff_admin.policy.retention.addressDropped')),
      ),
    );
  }
  ctx.onLanguageChange(draw);
  draw();
}

