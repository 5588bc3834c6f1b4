// The clerk's day (issue 17): today's appointments at a site (check in, no-show, walk-in) and the
// enrollment form. Partner staff see their own site only (the API answers another site as a
// missing one). What a section hands the next one (a booking) passes in memory through
// ctx.navigate, never in the URL. Nothing here is written to the browser's storage.
import { problemSlug } from '../common/api.js';
import { announce, h, newId, replace } from '../common/dom.js';
import { NATIVE_NAMES, formatDate, lang, t } from '../common/i18n.js';
import { mountEnrollForm } from './clerk_enroll.js';

/** A language code's name in that language ("es" → "Español"). */
export function languageName(code) {
  if (!code) return '';
  if (NATIVE_NAMES[code]) return NATIVE_NAMES[code];
  try {
    return new Intl.DisplayNames([code], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}

/** One plain sentence for a failed answer, with the next step. */
export function problemText(answer, fallbackKey = 'staff_clerk.errors.server') {
  if (answer.network) return t('staff_clerk.errors.offline');
  const slug = problemSlug(answer);
  const known = {
    'site-not-found': 'staff_clerk.errors.siteNotFound',
    'site-not-allowed': 'staff_clerk.errors.siteNotAllowed',
    'role-not-allowed': 'staff_clerk.errors.roleNotAllowed',
    'booking-not-found': 'staff_clerk.errors.bookingNotFound',
    'invalid-transition': 'staff_clerk.errors.alreadyMarked',
    'failed-precondition': 'staff_clerk.errors.notYet',
    'invalid-name': 'staff_clerk.errors.invalidName',
    'invalid-photo': 'staff_clerk.errors.invalidPhoto',
    'invalid-date': 'staff_clerk.errors.invalidDate',
    'under-minimum-age': 'staff_clerk.errors.underAge',
    'documents-insufficient': 'staff_clerk.errors.documents',
    'unknown-document-type': 'staff_clerk.errors.documents',
    'field-too-long': 'staff_clerk.errors.tooLong',
    'http-413': 'staff_clerk.errors.photoTooLarge',
    'csrf-token-invalid': 'staff_clerk.errors.reload',
  };
  if (known[slug]) return t(known[slug]);
  if (answer.status >= 500) return t('staff_clerk.errors.server');
  return t(fallbackKey);
}

/** An error summary (role=alert) to put at the top of a section and focus. */
export function errorBox(id, text) {
  return h(
    'div',
    { class: 'error-summary', role: 'alert', tabindex: '-1', id },
    h('h2', { class: 'error-title' }, t('staff_clerk.errors.summary')),
    h('p', {}, text),
  );
}

const LIVE = new Set(['booked', 'moved']);

// ---------------------------------------------------------------------------------------------
// Today's appointments

export function mountToday(root, ctx) {
  const role = ctx.session.staff.role;
  const own = ctx.session.staff.site || '';
  // What the section holds: the sites (public), the chosen site and date, and the day's list
  // (names to call: personal data, dropped on unmount).
  const state = { sites: null, site: own, date: '', day: null, error: null, notice: null, busy: false, focusRef: null };
  let alive = true;
  const ids = { site: newId('today-site'), date: newId('today-date'), error: 'today-error', list: newId('today-list') };

  async function loadSites() {
    // The public list of sites: for their names (a partner's own site is fixed).
    const res = await ctx.api('/api/v1/sites');
    if (!alive) return;
    state.sites = res.ok ? res.data.sites || [] : [];
    if (!state.site && role !== 'partner' && state.sites.length > 0) state.site = state.sites[0].id;
  }
  const siteName = (id) => state.sites?.find((x) => x.id === id)?.name || id;

  async function loadDay({ focus = false } = {}) {
    if (!state.site) {
      render();
      return;
    }
    state.busy = true;
    const q = state.date ? `?date=${encodeURIComponent(state.date)}` : '';
    const res = await ctx.api(`/api/v1/sites/${encodeURIComponent(state.site)}/appointments${q}`);
    if (!alive) return;
    state.busy = false;
    if (res.ok) {
      state.day = res.data;
      state.date = res.data.date;
      state.error = null;
    } else {
      state.day = null;
      state.error = problemText(res);
    }
    render();
    if (state.error) document.getElementById(ids.error)?.focus();
    else if (focus) announce(t('staff_clerk.today.loaded', { count: state.day.appointments.length }));
  }

  async function mark(appt, outcome) {
    state.notice = null;
    const path = `/api/v1/appointments/${encodeURIComponent(appt.reference)}/${outcome === 'attended' ? 'attended' : 'no-show'}`;
    const res = await ctx.api(path, { method: 'POST', body: {} });
    if (!alive) return;
    if (res.ok) {
      appt.state = res.data.state;
      state.error = null;
      state.notice = outcome === 'attended' ? t('staff_clerk.today.checkedIn', { name: appt.name }) : t('staff_clerk.today.markedNoShow', { name: appt.name });
      state.focusRef = appt.reference;
      render();
      announce(state.notice);
      const next = document.querySelector(`[data-ref="${appt.reference}"] .appt-main-action`);
      next?.focus();
    } else {
      state.error = problemText(res);
      render();
      document.getElementById(ids.error)?.focus();
    }
  }

  function enroll(appt) {
    ctx.navigate('enroll', appt ? { booking: { reference: appt.reference, name: appt.name, language: appt.language, site: state.day?.site || state.site } } : { site: state.site });
  }

  function stateText(s) {
    return t(`staff_clerk.state.${s}`);
  }

  function apptItem(a) {
    const time = a.local.slice(11, 16);
    // Every row has the same buttons: each is described by its row's name, so a screen reader
    // says whose booking "Check in" is for.
    const headingId = newId('appt');
    const actions = [];
    if (LIVE.has(a.state)) {
      actions.push(h('button', { type: 'button', class: 'appt-main-action', 'aria-describedby': headingId, onClick: () => mark(a, 'attended') }, t('staff_clerk.today.checkIn')));
      actions.push(h('button', { type: 'button', class: 'secondary', 'aria-describedby': headingId, onClick: () => mark(a, 'no_show') }, t('staff_clerk.today.noShow')));
    } else if (a.state === 'attended') {
      actions.push(h('button', { type: 'button', class: 'appt-main-action', 'aria-describedby': headingId, onClick: () => enroll(a) }, t('staff_clerk.today.enroll')));
    }
    return h(
      'li',
      { class: `appt appt-${a.state}`, 'data-ref': a.reference, 'aria-labelledby': headingId },
      h('p', { class: 'appt-time' }, h('time', { datetime: a.slot }, time)),
      h(
        'div',
        { class: 'appt-body' },
        h('h3', { class: 'appt-name', id: headingId }, h('bdi', {}, a.name)),
        h(
          'dl',
          { class: 'appt-facts' },
          h('div', {}, h('dt', {}, t('staff_clerk.today.state')), h('dd', { class: 'appt-state' }, stateText(a.state))),
          h('div', {}, h('dt', {}, t('staff_clerk.today.language')), h('dd', {}, h('bdi', { lang: a.language }, languageName(a.language)))),
          h('div', {}, h('dt', {}, t('staff_clerk.today.reference')), h('dd', { class: 'appt-ref' }, a.reference)),
        ),
      ),
      actions.length ? h('div', { class: 'appt-actions' }, actions) : null,
    );
  }

  function render() {
    const parts = [h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff_clerk.today.heading'))];
    if (state.error) parts.push(errorBox(ids.error, state.error));
    // Site and date.
    const controls = [];
    if (role !== 'partner' && state.sites && state.sites.length > 0) {
      controls.push(
        h(
          'div',
          { class: 'field' },
          h('label', { for: ids.site }, t('staff_clerk.today.site')),
          h(
            'select',
            {
              id: ids.site,
              onChange: (e) => {
                state.site = e.target.value;
                state.date = '';
                loadDay({ focus: true });
              },
            },
            state.sites.map((s) => h('option', { value: s.id, selected: s.id === state.site }, s.name || s.id)),
          ),
        ),
      );
    } else if (state.site) {
      controls.push(h('p', { class: 'today-site' }, t('staff_clerk.today.siteIs', { site: siteName(state.site) })));
    }
    controls.push(
      h(
        'div',
        { class: 'field' },
        h('label', { for: ids.date }, t('staff_clerk.today.date')),
        h('input', {
          type: 'date',
          id: ids.date,
          value: state.date,
          onChange: (e) => {
            if (!e.target.value) return;
            state.date = e.target.value;
            loadDay({ focus: true });
          },
        }),
      ),
    );
    parts.push(h('div', { class: 'today-controls' }, controls));
    parts.push(
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'walk-in', onClick: () => enroll(null) }, t('staff_clerk.today.walkIn'))),
    );
    if (state.notice) parts.push(h('p', { class: 'notice ok' }, state.notice));
    if (!state.site && state.sites) {
      parts.push(h('p', { class: 'notice' }, t('staff_clerk.today.noSite')));
    } else if (state.day) {
      const day = state.day;
      const dateText = formatDate(`${day.date}T12:00:00Z`, { timeZone: 'UTC' });
      parts.push(h('h2', { id: ids.list }, t('staff_clerk.today.listHeading', { date: dateText })));
      if (day.appointments.length === 0) {
        parts.push(h('p', { class: 'notice' }, t('staff_clerk.today.none')));
      } else {
        parts.push(h('ul', { class: 'appt-list', 'aria-labelledby': ids.list }, day.appointments.map(apptItem)));
        if (day.truncated) parts.push(h('p', { class: 'notice warn' }, t('staff_clerk.today.truncated')));
      }
    } else if (state.busy || state.sites === null) {
      parts.push(h('p', { class: 'hint' }, t('staff_clerk.today.loading')));
    }
    replace(root, ...parts);
  }

  ctx.setTitle(t('staff_clerk.today.heading'));
  render();
  ctx.onLanguageChange(() => {
    ctx.setTitle(t('staff_clerk.today.heading'));
    render();
  });
  (async () => {
    await loadSites();
    if (!alive) return;
    await loadDay();
  })();

  return () => {
    alive = false;
    state.day = null;
    state.sites = null;
  };
}

// ---------------------------------------------------------------------------------------------
// The enrollment form

export function mountEnroll(root, ctx) {
  ctx.setTitle(t('staff_clerk.enroll.heading'));
  return mountEnrollForm(root, ctx, { problemText, errorBox, languageName, uiLang: lang });
}
